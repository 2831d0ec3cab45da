"""The score section of the customer page: what it shows, who may write what (static values, tier
overrides), and that bad or stale input comes back as a clear message."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.customers.models import (
    CustomerCriterionValue,
    CustomerScore,
    ScoringCriterion,
    ScoringModel,
    TierOverride,
)
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from kam.opportunities import services as opportunity_services
from kam.org.models import Role
from tests.customers.scoring.conftest import band, login, text
from tests.factories import CustomerFactory, make_opportunity

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


def section_url(customer) -> str:
    return reverse("customers:score_section", args=[customer.pk])


def static_url(customer, code: str) -> str:
    criterion = ScoringCriterion.objects.get(code=code)
    return reverse("customers:score_static_value", args=[customer.pk, criterion.pk])


# --- The score section ---------------------------------------------------------------------------------


def test_section_shows_score_tiers_and_what_is_needed_for_the_next_tier(client, world, password, customer):
    login(client, world.east_rep, password)
    response = client.get(section_url(customer))
    assert response.status_code == 200
    page = text(response)
    # The open P0 deal of ¥1M weighs ¥100k: 50 points × 5 % = 2.5.
    assert "2.50 / 100" in page
    assert "32.5 points to tier C (35)" in page
    assert "Open weighted pipeline" in page and "¥100,000.00" in page
    assert "Industry leadership" in page
    # As a plain page it has the site's layout; for htmx only the fragment.
    assert "<html" in response.content.decode()
    fragment = client.get(section_url(customer), **HTMX)
    assert "<html" not in fragment.content.decode()
    assert 'id="score-section"' in fragment.content.decode()


def test_inputs_are_formatted_by_source(client, world, password):
    rep = world.east_rep
    customer = CustomerFactory(owner=rep, category_purchases=D("4000000"))
    for days, amount in ((500, "500000"), (90, "1000000")):
        deal = make_opportunity(owner=rep, customer=customer, amount=D(amount), gross_margin=D("30"))
        opportunity_services.close_opportunity(
            deal, by=rep, status="won", reason="Signed", closed_at=timezone.now() - dt.timedelta(days=days)
        )
    login(client, rep, password)
    page = text(client.get(section_url(customer)))
    # First won 500 days ago: 1.4 years, with one decimal.
    assert re.search(r"Years as a customer dynamic 1\.4 years 1–3 years 40 10 4\.00", page)
    assert "¥1,000,000.00" in page  # won in the last 12 months
    assert "¥300,000.00" in page  # gross profit: 30 % of it
    assert "25.0 %" in page  # share of wallet: 1M of 4M
    assert "100.0 %" in page  # growth: 1M against 500k


def test_static_value_without_input_reads_not_set_and_dynamic_without_data_reads_no_data(
    client, world, password, customer
):
    login(client, world.east_rep, password)
    page = text(client.get(section_url(customer)))
    assert re.search(r"Industry leadership static .*? not set 0 15", page)
    assert re.search(r"Share of wallet dynamic no data no data 0 10", page)


def test_section_empty_states(client, world, password, customer):
    login(client, world.east_rep, password)
    CustomerScore.objects.filter(customer=customer).delete()
    page = text(client.get(section_url(customer)))
    assert "not scored yet" in page
    ScoringModel.objects.update(is_active=False)
    page = text(client.get(section_url(customer)))
    assert "No scoring model is active" in page


def test_other_teams_rep_gets_404(client, world, password, customer):
    login(client, world.west_rep, password)
    assert client.get(section_url(customer)).status_code == 404
    assert client.get(section_url(customer), **HTMX).status_code == 404
    response = client.post(
        static_url(customer, "brand_builder"), {"band": band("brand_builder", "Strong").pk}
    )
    assert response.status_code == 404
    assert not CustomerCriterionValue.objects.filter(customer=customer).exists()


def test_changing_a_static_value_with_htmx_returns_the_rescored_section(client, world, password, customer):
    login(client, world.east_rep, password)
    response = client.post(
        static_url(customer, "industry_leadership"),
        {"band": band("industry_leadership", "Industry leader").pk},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "kam:score-changed"
    page = text(response)
    assert "17.50 / 100" in page  # 2.5 + 100 points × 15 %
    assert re.search(r"Industry leadership static .*? Industry leader 100 15 15\.00", page)
    assert "Industry leadership saved: score 17.50, tier D." in page
    customer.refresh_from_db()
    assert customer.score == D("17.50")


def test_changing_a_static_value_without_javascript_redirects(client, world, password, customer):
    login(client, world.east_rep, password)
    for code, label in [
        ("industry_leadership", "Industry leader"),
        ("strategic_fit", "High"),
        ("reference_value", "Flagship reference"),
    ]:
        response = client.post(static_url(customer, code), {"band": band(code, label).pk})
        assert response.status_code == 302
        assert response["Location"] == section_url(customer)
    customer.refresh_from_db()
    assert (customer.score, customer.tier) == (D("32.50"), "D")
    response = client.post(
        static_url(customer, "brand_builder"), {"band": band("brand_builder", "Strong").pk}
    )
    page = text(client.get(response["Location"]))
    assert "Brand builder saved: score 37.50, tier D → C." in page
    # Clearing a value: back to 0 points for that criterion.
    client.post(
        static_url(customer, "brand_builder"), {"band": "", "expected": band("brand_builder", "Strong").pk}
    )
    customer.refresh_from_db()
    assert customer.score == D("32.50")


def test_a_value_changed_by_someone_else_meanwhile_is_a_conflict_not_an_overwrite(
    client, world, password, customer
):
    criterion = ScoringCriterion.objects.get(code="industry_leadership")
    login(client, world.east_rep, password)
    page = client.get(section_url(customer), **HTMX).content.decode()
    assert 'name="expected" value=""' in page  # the page says what it showed: not set
    # Meanwhile the manager sets it.
    scoring_services.set_static_value(
        customer, criterion, band("industry_leadership", "Follower"), by=world.east_mgr
    )
    response = client.post(
        static_url(customer, "industry_leadership"),
        {"band": band("industry_leadership", "Industry leader").pk, "expected": ""},
        **HTMX,
    )
    assert response.status_code == 200  # htmx swaps it in
    assert response["HX-Trigger"] == "kam:score-changed"  # the header follows the manager's value
    page = text(response)
    assert f"{world.east_mgr} set “Industry leadership” to “Follower”" in page
    assert "Choose again to replace it." in page
    assert CustomerCriterionValue.objects.get(customer=customer).band.label_en == "Follower"
    # The section now shows the manager's value, so choosing again is deliberate and goes through.
    follower = band("industry_leadership", "Follower").pk
    assert f'name="expected" value="{follower}"' in response.content.decode()
    response = client.post(
        static_url(customer, "industry_leadership"),
        {"band": band("industry_leadership", "Industry leader").pk, "expected": follower},
        **HTMX,
    )
    assert "Industry leadership saved" in text(response)
    assert CustomerCriterionValue.objects.get(customer=customer).band.label_en == "Industry leader"
    # Without JavaScript the refusal is a 409 page.
    response = client.post(
        static_url(customer, "industry_leadership"),
        {"band": band("industry_leadership", "Follower").pk, "expected": follower},
    )
    assert response.status_code == 409
    assert CustomerCriterionValue.objects.get(customer=customer).band.label_en == "Industry leader"


def test_static_value_api_needs_the_value_seen_and_refuses_a_stale_one(client, world, password, customer):
    url = reverse("api:customer_static_value", args=[customer.pk, "industry_leadership"])
    leader = band("industry_leadership", "Industry leader").pk
    login(client, world.east_rep, password)

    def put(body):
        return client.put(url, data=body, content_type="application/json")

    response = put({"band": leader})
    assert response.status_code == 422 and "expected_band" in response.json()["errors"]
    response = put({"band": leader, "expected_band": None})
    assert response.status_code == 200
    rows = {row["criterion"]["code"]: row for row in response.json()["breakdown"]}
    assert rows["industry_leadership"]["chosen_band"] == leader
    response = put({"band": None, "expected_band": None})  # stale: it is "Industry leader" now
    assert response.status_code == 412
    assert "Industry leader" in response.json()["message"]
    assert CustomerCriterionValue.objects.get(customer=customer).band_id == leader
    assert put({"band": None, "expected_band": leader}).status_code == 200
    assert not CustomerCriterionValue.objects.filter(customer=customer).exists()


def test_a_band_of_another_criterion_is_refused(client, world, password, customer):
    login(client, world.east_rep, password)
    foreign = band("brand_builder", "Strong")
    response = client.post(static_url(customer, "industry_leadership"), {"band": foreign.pk})
    assert response.status_code == 422
    assert "Select a valid choice" in text(response)
    response = client.post(static_url(customer, "industry_leadership"), {"band": foreign.pk}, **HTMX)
    assert response.status_code == 200 and "Select a valid choice" in text(response)
    assert not CustomerCriterionValue.objects.filter(customer=customer).exists()


def test_a_dynamic_criterion_cannot_be_set_by_hand(client, world, password, customer):
    login(client, world.east_rep, password)
    response = client.post(
        static_url(customer, "growth_yoy"), {"band": band("growth_yoy", "20 % or more").pk}
    )
    assert response.status_code == 422
    assert "Only an active static criterion is set by hand." in text(response)


# --- Tier override ---------------------------------------------------------------------------------


def override_url(customer) -> str:
    return reverse("customers:score_override", args=[customer.pk])


def test_override_form_only_for_managers(client, world, password, customer):
    login(client, world.east_rep, password)
    page = client.get(section_url(customer)).content.decode()
    assert "Override the tier" not in page
    response = client.post(override_url(customer), {"tier": "A", "reason": "Big", "expected_override": ""})
    assert response.status_code == 403
    login(client, world.east_mgr, password)
    assert "Override the tier" in client.get(section_url(customer)).content.decode()


def test_manager_overrides_and_sees_it_in_the_history(client, world, password, customer):
    login(client, world.east_mgr, password)
    response = client.post(
        override_url(customer), {"tier": "A", "reason": "Group flagship", "expected_override": ""}, **HTMX
    )
    assert response.status_code == 200
    page = text(response)
    assert "Tier overridden to A." in page
    assert "overridden to A" in page
    assert world.east_mgr.name in page
    assert "D → A" in page and "Group flagship" in page and "(2.50)" in page
    customer.refresh_from_db()
    assert (customer.tier, customer.computed_tier, customer.score) == ("A", "D", D("2.50"))
    # Removing it (plain form) redirects and brings the computed tier back.
    response = client.post(
        override_url(customer), {"tier": "", "reason": "Numbers rule", "expected_override": "A"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.tier, customer.tier_override) == ("D", "")
    page = text(client.get(section_url(customer)))
    assert "A → D (override removed)" in page


def test_override_without_reason_shows_the_error(client, world, password, customer):
    login(client, world.east_mgr, password)
    response = client.post(override_url(customer), {"tier": "A", "reason": "", "expected_override": ""})
    assert response.status_code == 422
    assert "This field is required." in text(response)
    response = client.post(
        override_url(customer), {"tier": "A", "reason": "", "expected_override": ""}, **HTMX
    )
    assert response.status_code == 200 and "This field is required." in text(response)
    assert not TierOverride.objects.exists()


def test_stale_override_is_shown_as_a_conflict(client, world, password, customer):
    scoring_services.override_tier(
        customer, by=world.director, tier="B", reason="Director's call", expected_override=""
    )
    login(client, world.east_mgr, password)
    response = client.post(override_url(customer), {"tier": "A", "reason": "Mine", "expected_override": ""})
    assert response.status_code == 409
    page = text(response)
    assert "Someone changed this customer's tier override meanwhile." in page
    assert "The override is now B." in page and "Director's call" in page
    # The form now names the override the manager has seen: sending it again is deliberate.
    assert 'name="expected_override" value="B"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.tier_override == "B"


def test_other_teams_manager_cannot_override(client, world, password, customer):
    login(client, world.west_mgr, password)
    response = client.post(override_url(customer), {"tier": "A", "reason": "x", "expected_override": ""})
    assert response.status_code == 404


def test_deal_sums_are_not_shown_to_someone_who_cannot_see_every_deal(client, world, password):
    """East's rep owns the customer; West's rep won a deal there. The score counts it, but East's rep
    sees the band and points of the deal-based criteria, not the amounts."""
    customer = CustomerFactory(owner=world.east_rep, category_purchases=D("10000000"))
    deal = make_opportunity(
        owner=world.west_rep, customer=customer, amount=D("2000000"), gross_margin=D("30")
    )
    opportunity_services.close_opportunity(deal, by=world.west_rep, status="won", reason="Signed")
    make_opportunity(owner=world.east_rep, customer=customer, amount=D("300000"), name="Own deal")

    login(client, world.east_rep, password)
    page = text(client.get(section_url(customer)))
    assert "¥2,000,000.00" not in page and "¥600,000.00" not in page and "20.0 %" not in page
    assert re.search(r"Won amount, last 12 months dynamic not shown ¥1M–5M 60 15 9\.00", page)
    assert "count opportunities you cannot see" in page
    body = client.get(reverse("api:customer_score", args=[customer.pk])).json()
    rows = {row["criterion"]["code"]: row for row in body["breakdown"]}
    for code in ("won_amount_12m", "gross_profit_12m", "share_of_wallet", "open_weighted_pipeline"):
        assert (rows[code]["input"], rows[code]["input_hidden"]) == (None, True), code
    assert rows["won_amount_12m"]["band"]["label"] == "¥1M–5M" and rows["won_amount_12m"]["points"] == "60.00"
    assert rows["years_as_customer"]["input_hidden"] is False  # not a sum of deals
    total = body["total"]

    client.logout()
    login(client, world.director, password)
    body = client.get(reverse("api:customer_score", args=[customer.pk])).json()
    rows = {row["criterion"]["code"]: row for row in body["breakdown"]}
    assert (rows["won_amount_12m"]["input"], rows["won_amount_12m"]["input_hidden"]) == ("2000000.00", False)
    assert rows["share_of_wallet"]["input"] == "20.00"
    assert body["total"] == total  # one score for everyone
    page = text(client.get(section_url(customer)))
    assert "¥2,000,000.00" in page and "not shown" not in page


def test_a_score_older_than_the_model_is_marked_as_waiting_for_its_recompute(
    client, world, password, customer, admin_user, django_capture_on_commit_callbacks
):

    login(client, world.east_rep, password)
    assert "a recompute is on its way" not in text(client.get(section_url(customer)))
    admin_user.role = Role.ADMIN
    model = ScoringModel.objects.get(is_active=True)
    criterion = ScoringCriterion.objects.get(code="industry_leadership")
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        scoring_services.update_criterion(criterion, by=admin_user, version=model.version, weight=D("60"))
    assert "a recompute is on its way" in text(client.get(section_url(customer)))
    scoring.rescore([customer.pk])
    assert "a recompute is on its way" not in text(client.get(section_url(customer)))


@pytest.mark.parametrize("extra", [0, 12])
def test_section_query_count_does_not_grow(
    client, world, password, customer, extra, django_assert_num_queries
):
    for i in range(extra):
        scoring_services.override_tier(
            customer,
            by=world.east_mgr,
            tier="AB"[i % 2],
            reason=f"Round {i}",
            expected_override="" if i == 0 else "AB"[(i - 1) % 2],
        )
    if extra:
        for code, label in [
            ("brand_builder", "Strong"),
            ("strategic_fit", "High"),
            ("regional_leader", "Some"),
        ]:
            scoring_services.set_static_value(
                customer, ScoringCriterion.objects.get(code=code), band(code, label), by=world.east_rep
            )
    login(client, world.east_mgr, password)
    client.get(section_url(customer))  # warm the session
    # session, user, customer, model, criteria, bands, thresholds, score, overrides, static values;
    # the manager's team ids for visibility (2); whether they see every deal of the customer
    with django_assert_num_queries(13):
        response = client.get(section_url(customer), **HTMX)
    assert response.status_code == 200
