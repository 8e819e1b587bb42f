"""Query budgets measured where a query per row would show: a page is read once on a little
data and again after many more rows of what it lists, and must take the same number of
queries both times, within its budget."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_to_get(client, url, **extra) -> tuple[int, object]:
    client.get(url, **extra)  # first request: session renewal and caches out of the way
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return len(context.captured_queries), response


def assert_flat_budget(client, url, *, add_rows, budget: int, **extra):
    """The page's queries do not grow with add_rows(), and stay within budget."""
    few, _ = queries_to_get(client, url, **extra)
    add_rows()
    many, response = queries_to_get(client, url, **extra)
    # Never more (search may take fewer: the first of its tiers fills the page).
    assert many <= few, f"{url}: {few} queries, then {many} with more rows: a query per row"
    assert many <= budget, f"{url}: {many} queries, budget {budget}"
    print(f"query budget {url}: {few} then {many} queries with more rows (budget {budget})")
    return response
