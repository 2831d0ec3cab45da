"""The score section of the customer page and the scoring model page: what they show, who may write
what, and that bad or stale input comes back as a clear message."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.customers import services
from kam.customers.models import (
    CustomerCriterionValue,
    CustomerScore,
    ScoreBand,
    ScoringCriterion,
    ScoringModel,
    TierOverride,
)
from kam.customers.scoring import engine as scoring
from kam.opportunities import services as opportunity_services
from tests.factories import CustomerFactory, make_opportunity

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


def section_url(customer) -> str:
    return reverse("customers:score_section", args=[customer.pk])


def static_url(customer, code: str) -> str:
    criterion = ScoringCriterion.objects.get(code=code)
    return reverse("customers:score_static_value", args=[customer.pk, criterion.pk])


def band(code: str, label_en: str) -> ScoreBand:
    return ScoreBand.objects.get(criterion__code=code, label_en=label_en)


def text(response) -> str:
    """The visible words of a response, whitespace collapsed, for assertions on what a user reads."""
    markup = response.content.decode()
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def login(client, user, password):
    assert client.login(username=user.username, password=password)


@pytest.fixture
def customer(world):
    customer = world.east_customer
    scoring.rescore([customer.pk])
    customer.refresh_from_db()
    return customer


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
    services.set_static_value(customer, criterion, band("industry_leadership", "Follower"), by=world.east_mgr)
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
    services.override_tier(
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
    from kam.customers.scoring import services as scoring_services
    from kam.org.models import Role

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
        services.override_tier(
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
            services.set_static_value(
                customer, ScoringCriterion.objects.get(code=code), band(code, label), by=world.east_rep
            )
    login(client, world.east_mgr, password)
    client.get(section_url(customer))  # warm the session
    # session, user, customer, model, criteria, bands, thresholds, score, overrides, static values;
    # the manager's team ids for visibility (2); whether they see every deal of the customer
    with django_assert_num_queries(13):
        response = client.get(section_url(customer), **HTMX)
    assert response.status_code == 200


# --- The scoring model page ------------------------------------------------------------------------


def test_model_page_says_a_recompute_is_queued_until_every_score_has_the_new_version(
    client, world, password, admin_user, django_capture_on_commit_callbacks
):
    from kam.customers.scoring import services as scoring_services
    from kam.org.models import Role

    scoring.rescore()
    client.force_login(world.director)

    def pending() -> bool:
        return client.get(reverse("api:scoring_model")).json()["recompute_pending"]

    assert pending() is False
    admin_user.role = Role.ADMIN
    model = ScoringModel.objects.get(is_active=True)
    criterion = ScoringCriterion.objects.get(code="strategic_fit")
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        scoring_services.update_criterion(criterion, by=admin_user, version=model.version, weight=D("20"))
    assert pending() is True
    assert "a recompute is queued" in text(client.get(reverse("customers:scoring_model")))
    # One customer rescored on its own (a static value set) does not hide the others' wait.
    leader = band("industry_leadership", "Industry leader")
    services.set_static_value(
        world.east_customer,
        ScoringCriterion.objects.get(code="industry_leadership"),
        leader,
        by=world.east_rep,
    )
    assert pending() is True
    scoring.rescore()
    assert pending() is False


def test_model_page_counts_only_the_customers_the_reader_may_see(client, world, password):
    leader = band("industry_leadership", "Industry leader")
    criterion = ScoringCriterion.objects.get(code="industry_leadership")
    for customer, rep in ((world.east_customer, world.east_rep), (world.west_customer, world.west_rep)):
        services.set_static_value(customer, criterion, leader, by=rep)

    def chosen(user) -> int:
        client.force_login(user)
        body = client.get(reverse("api:scoring_model")).json()
        bands = next(c for c in body["criteria"] if c["code"] == "industry_leadership")["bands"]
        return next(b for b in bands if b["id"] == leader.pk)["customers"]

    assert (chosen(world.east_rep), chosen(world.director)) == (1, 2)
    client.force_login(world.east_rep)
    assert "chosen for 1 customer" in text(client.get(reverse("customers:scoring_model")))


def test_everyone_reads_the_model_page(client, world, password, customer):
    login(client, world.east_rep, password)
    response = client.get(reverse("customers:scoring_model"))
    assert response.status_code == 200
    page = text(response)
    assert "Total score = Σ (points × weight) ÷ Σ weights" in page
    assert re.search(r"Industry leadership industry_leadership static chosen by hand 15 15\.0 %", page)
    assert re.search(
        r"Won amount, last 12 months won_amount_12m dynamic Won amount, last 12 months 15 15\.0 %", page
    )
    assert "[1,000,000, 5,000,000) → 60" in page or "[1000000, 5000000) → 60" in page
    assert re.search(r"A 75 Key B 55 Important C 35 General D 0 General", page)
    assert "Scores last computed" in page
    assert "Add a criterion" not in page and "Edit the thresholds" not in page


def test_administrator_sees_the_edit_links(client, world, password):
    login(client, world.admin, password)
    page = client.get(reverse("customers:scoring_model")).content.decode()
    assert reverse("customers:scoring_thresholds") in page
    criterion = ScoringCriterion.objects.get(code="brand_builder")
    assert reverse("customers:scoring_bands", args=[criterion.pk]) in page


@pytest.mark.parametrize(
    "url_name",
    ["customers:scoring_thresholds", "customers:scoring_criterion_create"],
)
def test_non_administrators_may_not_edit(client, world, password, url_name):
    for user in (world.east_rep, world.east_mgr, world.director):
        login(client, user, password)
        assert client.get(reverse(url_name)).status_code == 403
        assert client.post(reverse(url_name), {"version": 1}).status_code == 403
    criterion = ScoringCriterion.objects.get(code="brand_builder")
    login(client, world.east_mgr, password)
    edit = reverse("customers:scoring_criterion_edit", args=[criterion.pk])
    assert client.post(edit, {"version": 1, "name": "x", "weight": "1", "position": 1}).status_code == 403
    criterion.refresh_from_db()
    assert criterion.name == "产品信誉建立者"


def criterion_data(criterion, **changes):
    data = {
        "version": ScoringModel.objects.get(is_active=True).version,
        "name": criterion.name,
        "name_en": criterion.name_en,
        "weight": str(criterion.weight),
        "is_active": "on" if criterion.is_active else "",
        "position": criterion.position,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_administrator_edits_a_criterion_and_everyone_is_rescored(
    client, world, password, customer, django_capture_on_commit_callbacks
):
    criterion = ScoringCriterion.objects.get(code="open_weighted_pipeline")
    login(client, world.admin, password)
    url = reverse("customers:scoring_criterion_edit", args=[criterion.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, criterion_data(criterion, weight="50"))
    assert response.status_code == 302
    customer.refresh_from_db()
    # The pipeline now weighs 50 of 145: 50 points × 50 ÷ 145.
    assert customer.score == D("17.24")
    assert ScoringModel.objects.get(is_active=True).version == 2


def test_stale_criterion_edit_is_a_conflict(client, world, password):
    criterion = ScoringCriterion.objects.get(code="brand_builder")
    login(client, world.admin, password)
    url = reverse("customers:scoring_criterion_edit", args=[criterion.pk])
    stale = criterion_data(criterion, weight="7")
    assert client.post(url, criterion_data(criterion, weight="6")).status_code == 302
    response = client.post(url, stale)
    assert response.status_code == 409
    assert "changed by someone else" in text(response)
    criterion.refresh_from_db()
    assert criterion.weight == D("6")


def test_criterion_edit_shows_field_errors(client, world, password):
    criterion = ScoringCriterion.objects.get(code="brand_builder")
    login(client, world.admin, password)
    url = reverse("customers:scoring_criterion_edit", args=[criterion.pk])
    response = client.post(url, criterion_data(criterion, weight="120", name=""))
    assert response.status_code == 422
    page = text(response)
    assert "Ensure this value is less than or equal to 100." in page
    assert "This field is required." in page


def test_add_a_criterion_then_its_bands(client, world, password):
    login(client, world.admin, password)
    url = reverse("customers:scoring_criterion_create")
    version = ScoringModel.objects.get(is_active=True).version
    response = client.post(
        url, {"version": version, "code": "brand_builder", "name": "Dup", "kind": "static", "weight": "5"}
    )
    assert response.status_code == 422 and "Another criterion already has this code." in text(response)
    response = client.post(  # the same code in other letters' case would be mistaken for it
        url, {"version": version, "code": "Brand_Builder", "name": "Dup", "kind": "static", "weight": "5"}
    )
    assert response.status_code == 422 and "Another criterion already has this code." in text(response)
    response = client.post(
        url, {"version": version, "code": "lifetime", "name": "终身", "kind": "dynamic", "weight": "5"}
    )
    assert response.status_code == 422 and "Choose what a dynamic criterion is computed from." in text(
        response
    )
    response = client.post(
        url,
        {
            "version": version,
            "code": "after_sales",
            "name": "售后配合",
            "name_en": "After-sales cooperation",
            "kind": "static",
            "weight": "5",
        },
    )
    criterion = ScoringCriterion.objects.get(code="after_sales")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:scoring_bands", args=[criterion.pk])
    assert client.get(response["Location"]).status_code == 200


def bands_post(criterion, rows, *, confirm=False, initial=None):
    data = {
        "version": ScoringModel.objects.get(is_active=True).version,
        "bands-TOTAL_FORMS": len(rows),
        "bands-INITIAL_FORMS": len(rows) if initial is None else initial,
        "bands-MIN_NUM_FORMS": 0,
        "bands-MAX_NUM_FORMS": 50,
    }
    if confirm:
        data["confirm_delete"] = "on"
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is not None:
                data[f"bands-{i}-{key}"] = value
    return data


def test_band_editor_saves_all_bands_and_protects_chosen_ones(client, world, password, customer):
    criterion = ScoringCriterion.objects.get(code="strategic_fit")
    high, medium, low = criterion.bands.order_by("position")
    services.set_static_value(customer, criterion, medium, by=world.east_rep)
    login(client, world.admin, password)
    url = reverse("customers:scoring_bands", args=[criterion.pk])
    assert "1 customer" in text(client.get(url))
    rows = [
        {"id": high.pk, "label": "高", "label_en": "High", "points": "100"},
        {"id": medium.pk, "label": "中", "label_en": "Medium", "points": "60", "DELETE": "on"},
        {"id": low.pk, "label": "低", "label_en": "Low", "points": "20"},
    ]
    response = client.post(url, bands_post(criterion, rows))
    assert response.status_code == 422
    page = text(response)
    assert "“中” is chosen for 1 customer" in page
    assert "Delete the bands anyway" in page
    assert criterion.bands.count() == 3
    response = client.post(url, bands_post(criterion, rows, confirm=True))
    assert response.status_code == 302
    assert list(criterion.bands.values_list("label", flat=True)) == ["高", "低"]
    assert not CustomerCriterionValue.objects.filter(customer=customer).exists()


def test_band_editor_shows_row_errors_for_dynamic_ranges(client, world, password):
    criterion = ScoringCriterion.objects.get(code="growth_yoy")
    login(client, world.admin, password)
    url = reverse("customers:scoring_bands", args=[criterion.pk])
    rows = [
        {"label": "Down", "points": "0", "max_value": "10"},
        {"label": "Up", "points": "100", "min_value": "5"},
        {"label": "", "points": "50", "min_value": "30", "max_value": "20"},
        {"label": "", "points": ""},  # an empty extra row is ignored
    ]
    response = client.post(url, bands_post(criterion, rows, initial=0))
    assert response.status_code == 422
    page = text(response)
    assert "This range overlaps “Down”" in page
    assert "Give the band a label." in page
    assert "“To” must be above “from”." in page
    assert criterion.bands.count() == 3


def test_threshold_editor(client, world, password, customer, django_capture_on_commit_callbacks):
    login(client, world.admin, password)
    url = reverse("customers:scoring_thresholds")
    version = ScoringModel.objects.get(is_active=True).version
    data = {
        "version": version,
        "min_score_A": "60",
        "segment_A": "key",
        "min_score_B": "60",
        "segment_B": "important",
        "min_score_C": "2",
        "segment_C": "general",
        "min_score_D": "0",
        "segment_D": "general",
    }
    response = client.post(url, data)
    assert response.status_code == 422
    assert "Tier A must need more than tier B (60" in text(response)
    data["min_score_A"] = "70"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.tier == "C"  # 2.5 ≥ C's new minimum of 2
    page = text(client.get(reverse("customers:scoring_model")))
    assert re.search(r"A 70 Key B 60 Important C 2 General D 0 General", page)
