"""The scoring API, the model's bands and thresholds: replaced by administrators with If-Match, refused
row by row when bad, customers retiered."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kam.customers.models import Customer, CustomerCriterionValue, ScoreBand
from kam.customers.scoring import engine as scoring
from kam.customers.scoring import services as scoring_services
from tests.customers.scoring.conftest import (
    GOOD_THRESHOLDS,
    THRESHOLDS_URL,
    bands_of,
    bands_url,
    criterion,
    model_version,
    send,
    thresholds_now,
)

pytestmark = pytest.mark.django_db

D = Decimal

# --- PUT /scoring-model/criteria/{id}/bands ------------------------------------------------------------


def test_admin_replaces_dynamic_bands_and_gets_the_new_etag(world, api_as):
    response = send(
        api_as(world.admin),
        "put",
        bands_url("growth_yoy"),
        {
            "bands": [
                {"label": "Up", "points": "100", "min_value": "20"},
                {"label": "Flat", "points": "50", "min_value": "0", "max_value": "10"},
                {"label": "Down", "points": "0", "max_value": "0"},
            ]
        },
        if_match=1,
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert [(b["label"], b["position"]) for b in response.json()["bands"]] == [
        ("Up", 1),
        ("Flat", 2),
        ("Down", 3),
    ]
    assert bands_of("growth_yoy") == [
        ("Up", "", D("20"), None, D("100")),
        ("Flat", "", D("0"), D("10"), D("50")),
        ("Down", "", None, D("0"), D("0")),
    ]


@pytest.mark.parametrize(
    ("bands", "field"),
    [
        ([], "bands"),
        ([{"label": "Low", "points": "101"}], "bands.0.points"),
        ([{"label": "", "points": "10"}], "bands.0.label"),
        ([{"label": "Bad", "points": "10", "min_value": "5", "max_value": "5"}], "bands.0.max_value"),
        (
            [
                {"label": "Low", "points": "0", "max_value": "10"},
                {"label": "High", "points": "100", "min_value": "9"},
            ],
            "bands.1.min_value",
        ),
        (
            [
                {"label": "All", "points": "50"},
                {"label": "High", "points": "100", "min_value": "9"},
            ],
            "bands.1.min_value",
        ),
        ([{"label": "Stray", "points": "1", "colour": "red"}], "bands.0.colour"),
    ],
)
def test_bad_dynamic_bands_are_422_keyed_by_row_and_nothing_changes(world, api_as, bands, field):
    before = bands_of("growth_yoy")
    response = send(api_as(world.admin), "put", bands_url("growth_yoy"), {"bands": bands}, if_match=1)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert bands_of("growth_yoy") == before
    assert model_version() == 1


def test_overlap_message_names_the_band_overlapped(world, api_as):
    response = send(
        api_as(world.admin),
        "put",
        bands_url("growth_yoy"),
        {
            "bands": [
                {"label": "Wide", "points": "0", "max_value": "100"},
                {"label": "Inside", "points": "50", "min_value": "50", "max_value": "60"},
            ]
        },
        if_match=1,
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == ["bands.1.min_value"]
    assert "“Wide”" in errors["bands.1.min_value"][0]


def test_static_bands_keep_chosen_values_and_deleting_a_chosen_band_needs_confirmation(world, api_as):
    fit = criterion("strategic_fit")
    high, medium, low = fit.bands.order_by("position")
    scoring_services.set_static_value(world.east_customer, fit, medium, by=world.east_rep)
    admin = api_as(world.admin)
    only_high = {"bands": [{"id": high.pk, "label": "高", "label_en": "High", "points": "100"}]}

    refused = send(admin, "put", bands_url("strategic_fit"), only_high, if_match=1)
    assert refused.status_code == 422, refused.content
    assert "1 customer" in refused.json()["errors"]["bands"][0]
    assert fit.bands.count() == 3 and model_version() == 1

    kept = send(
        admin,
        "put",
        bands_url("strategic_fit"),
        {
            "bands": [
                {"id": high.pk, "label": "高", "label_en": "High", "points": "100"},
                {"id": medium.pk, "label": "中", "label_en": "Middle", "points": "70"},
            ]
        },
        if_match=1,
    )
    assert kept.status_code == 200, kept.content
    assert not ScoreBand.objects.filter(pk=low.pk).exists()  # nobody chose it
    medium.refresh_from_db()
    assert (medium.label_en, medium.points) == ("Middle", D("70"))
    assert (
        CustomerCriterionValue.objects.get(customer=world.east_customer, criterion=fit).band_id == medium.pk
    )
    chosen = next(b for b in kept.json()["bands"] if b["id"] == medium.pk)
    assert chosen["customers"] == 1

    confirmed = send(
        admin, "put", bands_url("strategic_fit"), {**only_high, "confirm_delete": True}, if_match=2
    )
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed["ETag"] == '"3"'
    assert not CustomerCriterionValue.objects.filter(criterion=fit).exists()


def test_a_band_of_another_criterion_cannot_be_taken_over(world, api_as):
    foreign = ScoreBand.objects.filter(criterion__code="brand_builder").first()
    response = send(
        api_as(world.admin),
        "put",
        bands_url("strategic_fit"),
        {"bands": [{"id": foreign.pk, "label": "Stolen", "points": "1"}]},
        if_match=1,
    )
    assert response.status_code == 422
    assert "bands.0.id" in response.json()["errors"]
    foreign.refresh_from_db()
    assert foreign.label != "Stolen"
    assert criterion("strategic_fit").bands.count() == 3
    assert model_version() == 1


# --- PUT /scoring-model/thresholds -------------------------------------------------------------------


def test_admin_sets_thresholds_and_customers_are_retiered(world, api_as, django_capture_on_commit_callbacks):
    scoring.rescore(None)
    customer = Customer.objects.get(pk=world.east_customer.pk)
    assert (customer.score, customer.tier) == (D("2.50"), "D")
    thresholds = [
        {"tier": "A", "min_score": "3", "segment": "key"},
        {"tier": "B", "min_score": "2", "segment": "important"},
        {"tier": "C", "min_score": "1", "segment": "general"},
        {"tier": "D", "min_score": "0", "segment": "general"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api_as(world.admin), "put", reverse(THRESHOLDS_URL), {"thresholds": thresholds}, if_match=1
        )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert body["version"] == 2
    assert [(t["tier"], D(t["min_score"])) for t in body["thresholds"]] == [
        ("A", D("3")),
        ("B", D("2")),
        ("C", D("1")),
        ("D", D("0")),
    ]
    customer.refresh_from_db()
    assert (customer.score, customer.tier, customer.segment) == (D("2.50"), "B", "important")


@pytest.mark.parametrize(
    ("thresholds", "field"),
    [
        (
            [
                {"tier": "A", "min_score": "75", "segment": "key"},
                {"tier": "B", "min_score": "55", "segment": "important"},
                {"tier": "C", "min_score": "55", "segment": "general"},
                {"tier": "D", "min_score": "0", "segment": "general"},
            ],
            "B.min_score",
        ),
        (
            [
                {"tier": "A", "min_score": "50", "segment": "key"},
                {"tier": "B", "min_score": "55", "segment": "important"},
                {"tier": "C", "min_score": "35", "segment": "general"},
                {"tier": "D", "min_score": "0", "segment": "general"},
            ],
            "A.min_score",
        ),
        (
            [
                {"tier": "A", "min_score": "75", "segment": "key"},
                {"tier": "A", "min_score": "55", "segment": "important"},
                {"tier": "C", "min_score": "35", "segment": "general"},
                {"tier": "D", "min_score": "0", "segment": "general"},
            ],
            "A.tier",
        ),
        ([{"tier": "A", "min_score": "75", "segment": "key"}], "thresholds"),
        ([{**GOOD_THRESHOLDS[0], "min_score": "101"}, *GOOD_THRESHOLDS[1:]], "thresholds.0.min_score"),
        ([{**GOOD_THRESHOLDS[0], "tier": "E"}, *GOOD_THRESHOLDS[1:]], "thresholds.0.tier"),
        ([{**GOOD_THRESHOLDS[0], "segment": "vip"}, *GOOD_THRESHOLDS[1:]], "thresholds.0.segment"),
    ],
)
def test_bad_thresholds_are_422_on_the_field_and_nothing_changes(world, api_as, thresholds, field):
    before = thresholds_now()
    response = send(
        api_as(world.admin), "put", reverse(THRESHOLDS_URL), {"thresholds": thresholds}, if_match=1
    )
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert thresholds_now() == before
    assert model_version() == 1


def test_duplicate_tier_also_reports_the_missing_one(world, api_as):
    thresholds = [GOOD_THRESHOLDS[0], {**GOOD_THRESHOLDS[1], "tier": "A"}, *GOOD_THRESHOLDS[2:]]
    response = send(
        api_as(world.admin), "put", reverse(THRESHOLDS_URL), {"thresholds": thresholds}, if_match=1
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["A.tier"] == ["Tier A is given twice."]
    assert "missing: B" in errors["thresholds"][0]
