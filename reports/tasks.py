"""Background work of the reports app, run by `manage.py db_worker` (django-tasks-db)."""

from django.tasks import task


@task()
def send_report_delivery(delivery_id: int) -> None:
    from reports.services import send_delivery

    send_delivery(delivery_id)
