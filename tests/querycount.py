"""Query counts of list pages and list APIs must not grow with the number of rows (no N+1)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals import caching


def get_with_flat_queries(
    client, url: str, add_row: Callable[[], object], assert_num_queries, *, many: int = 12
):
    """GET ``url`` with one row, then with ``many`` rows: the second must run exactly as many
    queries as the first. Caches are cleared before each request, so the rendering path (not
    a cached copy) is what is counted; one warm-up request comes first. Returns the response with ``many`` rows."""
    add_row()
    # A first visit may create rows once (the proposal page's replay-preview run): not per row.
    assert client.get(url).status_code == 200
    caching.clear()
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(url).status_code == 200
    for _ in range(many - 1):
        add_row()
    caching.clear()
    with assert_num_queries(len(one_row)):
        response = client.get(url)
    assert response.status_code == 200
    return response
