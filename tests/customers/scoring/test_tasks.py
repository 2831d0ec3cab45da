"""What triggers a recompute of the scores (deferred blocks, requests for everyone, model edits, the
rescore command) and the background worker that runs it."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from kam.customers import services
from kam.customers.models import (
    Customer,
    CustomerChange,
    CustomerCriterionValue,
    CustomerScore,
    ScoreBand,
    ScoringCriterion,
    ScoringModel,
    Tier,
)
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from kam.customers.scoring import tasks as rescores
from kam.customers.scoring.services import ThresholdInput
from kam.opportunities import services as opportunity_services
from kam.org.models import Role
from tests.customers.scoring.conftest import won_deal
from tests.factories import CustomerFactory, UserFactory, ensure_sales_processes, make_opportunity

D = Decimal

# --- What triggers a recompute ----------------------------------------------------------------------


def band(code: str, label_en: str) -> ScoreBand:
    return ScoreBand.objects.get(criterion__code=code, label_en=label_en)


def test_closing_as_won_raises_the_score_and_the_tier(rep):
    customer = CustomerFactory(owner=rep, category_purchases=D("6000000"))
    for code, label in [
        ("industry_leadership", "Industry leader"),
        ("brand_builder", "Strong"),
        ("regional_leader", "Strong"),
        ("technology_leader", "Strong"),
        ("reference_value", "Flagship reference"),
        ("strategic_fit", "High"),
    ]:
        scoring_services.set_static_value(
            customer, ScoringCriterion.objects.get(code=code), band(code, label), by=rep
        )
    deal = make_opportunity(owner=rep, customer=customer, amount=D("5500000"), gross_margin=D("40"))
    customer.refresh_from_db()
    # 45 from the static criteria, 2.5 from the pipeline (¥550k weighted), 2 from a 0 % share of wallet.
    assert (customer.score, customer.tier) == (D("49.50"), Tier.C)
    opportunity_services.close_opportunity(deal, by=rep, status="won", reason="Signed")
    customer.refresh_from_db()
    # Won ¥5.5M (+15), gross profit ¥2.2M (+10), share of wallet 92 % (+10); the pipeline is gone (−2.5).
    assert (customer.score, customer.tier, customer.segment) == (D("80.00"), Tier.A, "key")
    assert CustomerChange.objects.filter(customer=customer, summary__contains="C → A").exists()


def test_editing_a_static_value_rescores_at_once(rep):
    customer = services.create_customer(by=rep, name="Static Co")
    criterion = ScoringCriterion.objects.get(code="industry_leadership")
    before = customer.score
    scoring_services.set_static_value(
        customer, criterion, band("industry_leadership", "Industry leader"), by=rep
    )
    assert customer.score == before + D("15.00")  # 100 points × 15 ÷ 100
    scoring_services.set_static_value(customer, criterion, None, by=rep)
    assert customer.score == before
    assert not CustomerCriterionValue.objects.filter(customer=customer).exists()


def test_deferred_rescores_run_once_per_customer_when_the_block_ends(rep, monkeypatch):
    first = services.create_customer(by=rep, name="First Co")
    second = services.create_customer(by=rep, name="Second Co")
    criterion = ScoringCriterion.objects.get(code="industry_leadership")
    calls: list[list[int] | None] = []
    real_rescore = scoring.rescore

    def counting_rescore(ids=None, **kwargs):
        calls.append(None if ids is None else sorted(ids))
        return real_rescore(ids, **kwargs)

    monkeypatch.setattr(scoring, "rescore", counting_rescore)
    before = first.score
    with rescores.rescores_deferred():
        scoring_services.set_static_value(
            first, criterion, band("industry_leadership", "Industry leader"), by=rep
        )
        make_opportunity(owner=rep, customer=first, amount=D("1000000"), name="Deal 1")
        make_opportunity(owner=rep, customer=second, amount=D("1000000"), name="Deal 2")
        with rescores.rescores_deferred():  # a nested block joins the outer one
            make_opportunity(owner=rep, customer=first, amount=D("1000000"), name="Deal 3")
        assert calls == []
        assert CustomerScore.objects.get(customer=first).total == before  # nothing recomputed yet
    assert calls == [sorted([first.pk, second.pk])]
    first.refresh_from_db()
    # Industry leader (+15) and ¥300k weighted pipeline: ¥100k–1M, 50 points × 5 % (+2.5).
    assert first.score == before + D("17.50")


def test_a_request_for_everyone_inside_a_deferred_block_rescores_everyone(rep):
    customer = services.create_customer(by=rep, name="Everyone Co")
    CustomerScore.objects.all().delete()
    with rescores.rescores_deferred():
        rescores.request_rescore(None)
        assert not CustomerScore.objects.exists()
    assert CustomerScore.objects.filter(customer=customer).exists()


def test_static_value_refuses_a_band_of_another_criterion(rep):
    customer = services.create_customer(by=rep, name="Static Co")
    with pytest.raises(ValidationError):
        scoring_services.set_static_value(
            customer,
            ScoringCriterion.objects.get(code="industry_leadership"),
            band("brand_builder", "Strong"),
            by=rep,
        )


def test_editing_category_purchases_rescores(rep):
    customer = services.create_customer(by=rep, name="Wallet Co")
    won_deal(customer, rep, "400000", timezone.now() - dt.timedelta(days=10))
    customer.refresh_from_db()
    before = customer.score
    services.update_customer(customer, by=rep, version=customer.version, category_purchases=D("500000"))
    customer.refresh_from_db()
    # 80 % share of wallet: 100 points × 10 ÷ 100 more than no data.
    assert customer.score == before + D("10.00")


def test_a_model_edit_enqueues_a_recompute_of_everyone(rep, admin_user, django_capture_on_commit_callbacks):
    admin_user.role = Role.ADMIN
    customers = [services.create_customer(by=rep, name=f"C{i}") for i in range(3)]
    model = ScoringModel.objects.get(is_active=True)
    criterion = ScoringCriterion.objects.get(code="growth_yoy")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scoring_services.update_criterion(criterion, by=admin_user, version=model.version, weight=D("0"))
    assert len(callbacks) == 1  # nothing rescored yet: the worker runs after the commit
    assert all(CustomerScore.objects.get(customer=c).breakdown[-1]["weight"] == "5.00" for c in customers)
    with django_capture_on_commit_callbacks(execute=True):
        scoring_services.update_criterion(criterion, by=admin_user, version=model.version + 1, weight=D("20"))
    for customer in customers:
        last = CustomerScore.objects.get(customer=customer).breakdown[-1]
        assert (last["criterion"], last["weight"]) == (criterion.pk, "20.00")


def test_a_full_rescore_runs_in_id_ranges_that_cover_every_customer(rep, monkeypatch):
    customers = [services.create_customer(by=rep, name=f"Range {i}") for i in range(5)]
    CustomerScore.objects.all().delete()
    monkeypatch.setattr(scoring, "RANGE_BATCH", 2)
    ids = sorted(c.pk for c in Customer.objects.all())
    ranges = list(scoring._batches(None))
    # 2 per range; the first and the last open-ended, so nothing falls between or after them.
    assert ranges[0].first is None and ranges[-1].last is None
    assert [r.first for r in ranges[1:]] == ids[2::2]
    assert all(a.last == b.first - 1 for a, b in zip(ranges, ranges[1:], strict=False))
    assert scoring.rescore() == len(ids)
    assert set(CustomerScore.objects.values_list("customer_id", flat=True)) == set(ids)
    assert all(c.score is not None for c in Customer.objects.filter(pk__in=[c.pk for c in customers]))


def test_kam_rescore_command(rep, capsys):
    customer = services.create_customer(by=rep, name="Command Co")
    CustomerScore.objects.all().delete()
    type(customer).objects.filter(pk=customer.pk).update(score=None, computed_tier="")
    call_command("rescore")
    assert "Rescored 1 customers" in capsys.readouterr().out
    customer.refresh_from_db()
    assert customer.score is not None and customer.computed_tier == Tier.D
    call_command("rescore", str(customer.pk), "--background")
    assert "Enqueued rescore task" in capsys.readouterr().out


# --- The background worker ---------------------------------------------------------------------------


def reseed_scoring_model() -> None:
    """Transactional tests flush the rows the migrations seeded; put the default model back."""
    if not ScoringModel.objects.exists():
        importlib.import_module("kam.customers.migrations.0004_default_scoring_model").seed(apps, None)


@pytest.mark.django_db(transaction=True)
def test_model_edit_runs_through_the_database_worker(settings):
    from django_tasks_db.models import DBTaskResult

    ensure_sales_processes()
    reseed_scoring_model()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    admin = UserFactory(username="worker_admin", role=Role.ADMIN)
    rep = UserFactory(username="worker_rep")
    judged = services.create_customer(by=rep, name="Judged")
    scoring_services.set_static_value(
        judged,
        ScoringCriterion.objects.get(code="brand_builder"),
        ScoreBand.objects.get(criterion__code="brand_builder", label_en="Strong"),
        by=rep,
    )
    unjudged = services.create_customer(by=rep, name="Unjudged")
    assert (judged.score, judged.tier, unjudged.score, unjudged.tier) == (
        D("5.00"),
        Tier.D,
        D("0.00"),
        Tier.D,
    )
    model = ScoringModel.objects.get(is_active=True)

    scoring_services.set_thresholds(
        model,
        [
            ThresholdInput("A", D("4"), "key"),
            ThresholdInput("B", D("2"), "important"),
            ThresholdInput("C", D("1"), "general"),
            ThresholdInput("D", D("0"), "general"),
        ],
        by=admin,
        version=model.version,
    )
    task = DBTaskResult.objects.get()
    assert task.status == "READY"
    judged.refresh_from_db()
    assert judged.tier == Tier.D  # not yet: the worker has not run

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    judged.refresh_from_db()
    unjudged.refresh_from_db()
    assert (judged.tier, judged.segment, judged.computed_tier) == (Tier.A, "key", Tier.A)
    assert unjudged.tier == Tier.D
