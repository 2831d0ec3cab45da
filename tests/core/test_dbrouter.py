"""Report views read from the replica when one is configured; everything else from the primary."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import resolve

from kam.core import dbrouter
from kam.customers.models import Customer


def _through_middleware(path: str) -> list[str | None]:
    seen: list[str | None] = []

    def view(request):
        seen.append(dbrouter.ReportsRouter().db_for_read(Customer))
        seen.append(dbrouter.ReportsRouter().db_for_write(Customer))
        return "rendered"

    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    middleware = dbrouter.ReportsDatabaseMiddleware(lambda r: None)
    answer = middleware.process_view(request, view, (), {})
    if answer is None:  # not a report view: the handler calls the view as usual
        view(request)
    return seen


def test_with_a_replica_report_reads_go_to_it_and_writes_and_other_views_to_the_primary(monkeypatch):
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    assert _through_middleware("/insights/forecast/") == ["reports", "default"]
    assert _through_middleware("/opportunities/") == [None, "default"]
    # After the report view, the same thread reads from the primary again.
    assert dbrouter.ReportsRouter().db_for_read(Customer) is None


def test_without_a_replica_nothing_is_routed():
    assert _through_middleware("/insights/forecast/") == [None, "default"]


def test_the_replica_is_never_migrated():
    router = dbrouter.ReportsRouter()
    assert router.allow_migrate("reports", "customers") is False
    assert router.allow_migrate("default", "customers") is True


@pytest.mark.django_db
def test_report_pages_still_answer_without_a_replica(world, client):
    client.force_login(world.director)
    assert client.get("/insights/forecast/").status_code == 200
