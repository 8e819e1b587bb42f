"""Run queued background tasks in a test, with the real django-tasks-db worker."""

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_worker() -> int:
    """Take every ready task from PostgreSQL and run it to the end with the worker that
    `manage.py db_worker` runs; return how many ran. It claims and runs tasks as the command's
    loop does, less the loop's closing of idle connections, which would end the transaction
    a test runs in (so it sees the rows the test made)."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        with transaction.atomic():
            task_result = DBTaskResult.objects.ready().get_locked()
            if task_result is None:
                return ran
            task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        ran += 1
