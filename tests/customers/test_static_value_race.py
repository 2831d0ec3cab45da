"""Two people set the same static criterion of the same customer at the same moment, both having
seen the same value: one choice is saved, the other is refused as a conflict, none is overwritten.

Needs row locks, so it runs on PostgreSQL; on SQLite the IMMEDIATE transactions run one writer at a
time and the read inside the transaction is already current (tests/test_concurrency.py shows that
on a real SQLite file)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from kam.core.errors import ConflictError
from kam.customers.models import Customer, CustomerChange, CustomerCriterionValue, ScoreBand, ScoringCriterion
from kam.customers.scoring import services as scoring_services
from kam.customers.scoring import tasks as rescores
from kam.org.models import Role
from tests.factories import CustomerFactory, TeamFactory, UserFactory, ensure_sales_processes

pytestmark = pytest.mark.django_db(transaction=True)


def band(label_en: str) -> ScoreBand:
    return ScoreBand.objects.get(criterion__code="industry_leadership", label_en=label_en)


def race(monkeypatch, customer_id: int, first: tuple, second: tuple) -> dict[str, str]:
    """`first` writes and, inside its transaction, waits; `second` starts meanwhile; then `first`
    commits. Each is (user, band, expected band id)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time (IMMEDIATE)")
    criterion = ScoringCriterion.objects.get(code="industry_leadership")
    first_inside, let_first_commit = threading.Event(), threading.Event()
    real = rescores.request_rescore

    def rescore_slowly(ids=None):
        if threading.current_thread().name == "first":
            first_inside.set()
            let_first_commit.wait(10)
        return real(ids)

    monkeypatch.setattr(rescores, "request_rescore", rescore_slowly)
    results: dict[str, str] = {}

    def write(name: str, user, chosen, expected) -> None:
        try:
            scoring_services.set_static_value(
                Customer.objects.get(pk=customer_id), criterion, chosen, by=user, expected_band=expected
            )
            results[name] = "saved"
        except ConflictError:
            results[name] = "conflict"
        finally:
            connection.close()

    one = threading.Thread(target=write, name="first", args=("first", *first))
    one.start()
    assert first_inside.wait(10)
    two = threading.Thread(target=write, name="second", args=("second", *second))
    two.start()
    time.sleep(0.5)  # the second writer now waits for the first one's row
    let_first_commit.set()
    one.join(10)
    two.join(10)
    return results


@pytest.fixture
def people():
    ensure_sales_processes()
    team = TeamFactory(name="East")
    return (
        UserFactory(username="race_rep", role=Role.REP, team=team),
        UserFactory(username="race_mgr", role=Role.MANAGER, team=team),
    )


def test_changing_the_same_value_at_once_saves_one_and_refuses_the_other(monkeypatch, people):
    rep, manager = people
    customer = CustomerFactory(owner=rep)
    criterion = ScoringCriterion.objects.get(code="industry_leadership")
    scoring_services.set_static_value(customer, criterion, band("Follower"), by=rep)
    seen = band("Follower").pk
    results = race(
        monkeypatch, customer.pk, (rep, band("Industry leader"), seen), (manager, band("No standing"), seen)
    )
    assert results == {"first": "saved", "second": "conflict"}
    assert CustomerCriterionValue.objects.get(customer=customer).band == band("Industry leader")
    assert (
        CustomerChange.objects.filter(
            customer=customer, summary_en__contains="Follower → Industry leader"
        ).count()
        == 1
    )
    assert not CustomerChange.objects.filter(customer=customer, summary_en__contains="No standing").exists()


def test_setting_a_first_value_at_once_saves_one_and_refuses_the_other(monkeypatch, people):
    rep, manager = people
    customer = CustomerFactory(owner=rep)
    results = race(
        monkeypatch, customer.pk, (rep, band("Industry leader"), None), (manager, band("No standing"), None)
    )
    assert results == {"first": "saved", "second": "conflict"}
    assert CustomerCriterionValue.objects.get(customer=customer).band == band("Industry leader")
