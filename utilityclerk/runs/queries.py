from django.db.models import QuerySet

from utilityclerk.runs.models import BatchRun


def recent_runs(*, kind: str | None = None, limit: int = 50) -> QuerySet[BatchRun]:
    runs = BatchRun.objects.select_related("started_by", "approved_by")
    if kind:
        runs = runs.filter(kind=kind)
    return runs[:limit]
