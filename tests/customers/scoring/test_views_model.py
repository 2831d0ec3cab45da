"""The scoring model page and its editors (criteria, bands, thresholds): what they show, that only an
administrator writes, and that bad or stale input comes back as a clear message."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kam.customers.models import CustomerCriterionValue, ScoringCriterion, ScoringModel
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from kam.org.models import Role
from tests.customers.scoring.conftest import band, login, text

D = Decimal
# --- The scoring model page ------------------------------------------------------------------------


def test_model_page_says_a_recompute_is_queued_until_every_score_has_the_new_version(
    client, world, password, admin_user, django_capture_on_commit_callbacks
):

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
    scoring_services.set_static_value(
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
        scoring_services.set_static_value(customer, criterion, leader, by=rep)

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
    scoring_services.set_static_value(customer, criterion, medium, by=world.east_rep)
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
