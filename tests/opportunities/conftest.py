"""Shared by the opportunity tests: the number of queries a page costs."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)
