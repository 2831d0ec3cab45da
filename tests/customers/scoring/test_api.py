"""The scoring API, the model: read by everyone, edited by administrators with If-Match; its criteria
added and changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kam.customers.models import Customer, CustomerScore, ScoreBand, ScoringCriterion, ScoringModel
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

MODEL_URL = "api:scoring_model"
CREATE_URL = "api:scoring_criterion_create"


def update_url(code: str) -> str:
    return reverse("api:scoring_criterion_update", args=[criterion(code).pk])


def breakdown_entry(score: CustomerScore, criterion_id: int) -> dict[str, Any] | None:
    return next((e for e in score.breakdown if e["criterion"] == criterion_id), None)


# --- GET /scoring-model ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["east_rep", "east_mgr", "director", "admin"])
def test_every_role_reads_the_model_with_criteria_bands_weights_and_thresholds(world, api_as, role):
    response = send(api_as(getattr(world, role)), "get", reverse(MODEL_URL))
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["version"] == 1
    assert D(body["total_weight"]) == D("100")
    assert [c["code"] for c in body["criteria"]][:2] == ["industry_leadership", "brand_builder"]
    assert len(body["criteria"]) == 12
    brand = next(c for c in body["criteria"] if c["code"] == "brand_builder")
    assert (brand["kind"], brand["source"], D(brand["weight"]), D(brand["weight_share"])) == (
        "static",
        "",
        D("5"),
        D("5"),
    )
    assert [(b["label_en"], D(b["points"])) for b in brand["bands"]] == [
        ("Strong", D("100")),
        ("Some", D("50")),
        ("None", D("0")),
    ]
    won = next(c for c in body["criteria"] if c["code"] == "won_amount_12m")
    assert (won["kind"], won["source"], D(won["weight"])) == ("dynamic", "won_amount_12m", D("15"))
    first, second = won["bands"][:2]
    assert (first["min_value"], D(first["max_value"])) == (None, D("100000"))
    assert (D(second["min_value"]), D(second["max_value"]), D(second["points"])) == (
        D("100000"),
        D("1000000"),
        D("30"),
    )
    assert [(t["tier"], D(t["min_score"]), t["segment"]) for t in body["thresholds"]] == [
        ("A", D("75"), "key"),
        ("B", D("55"), "important"),
        ("C", D("35"), "general"),
        ("D", D("0"), "general"),
    ]


def test_the_model_counts_customers_per_static_band_and_shares_only_active_weights(world, api_as):
    strong = ScoreBand.objects.get(criterion__code="brand_builder", label_en="Strong")
    scoring_services.set_static_value(
        world.east_customer, criterion("brand_builder"), strong, by=world.east_rep
    )
    ScoringCriterion.objects.filter(code="growth_yoy").update(is_active=False)
    body = send(api_as(world.east_rep), "get", reverse(MODEL_URL)).json()
    brand = next(c for c in body["criteria"] if c["code"] == "brand_builder")
    assert [b["customers"] for b in brand["bands"]] == [1, 0, 0]
    growth = next(c for c in body["criteria"] if c["code"] == "growth_yoy")
    assert (growth["is_active"], growth["weight_share"]) == (False, None)
    assert D(body["total_weight"]) == D("95")
    assert D(brand["weight_share"]) == D("5.26")  # 5 of 95


def test_reading_the_model_without_credentials_is_401(world):
    response = Client().get(reverse(MODEL_URL))
    assert response.status_code == 401
    assert response.json()["detail"] == "unauthorized"


# --- Who may edit the model ------------------------------------------------------------------------


def admin_writes(world) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (
            "post",
            reverse(CREATE_URL),
            {"code": "new_one", "name": "新", "kind": "static", "weight": "5", "bands": []},
        ),
        ("patch", update_url("brand_builder"), {"weight": "9"}),
        ("put", bands_url("brand_builder"), {"bands": [{"label": "Only", "points": "10"}]}),
        ("put", reverse(THRESHOLDS_URL), {"thresholds": GOOD_THRESHOLDS}),
    ]


@pytest.mark.parametrize("role", ["east_rep", "east_mgr", "director"])
def test_only_an_administrator_edits_the_model_and_refusals_change_nothing(world, api_as, role):
    api = api_as(getattr(world, role))
    bands_before, thresholds_before = bands_of("brand_builder"), thresholds_now()
    for method, url, body in admin_writes(world):
        response = send(api, method, url, body, if_match=1)
        assert response.status_code == 403, (method, url, response.content)
        assert response.json()["detail"] == "forbidden"
    assert model_version() == 1
    assert not ScoringCriterion.objects.filter(code="new_one").exists()
    assert criterion("brand_builder").weight == D("5")
    assert bands_of("brand_builder") == bands_before
    assert thresholds_now() == thresholds_before


def test_every_model_write_needs_if_match(world, api_as):
    admin = api_as(world.admin)
    for method, url, body in admin_writes(world):
        response = send(admin, method, url, body)
        assert response.status_code == 428, (method, url, response.content)
        assert response.json()["detail"] == "precondition_required"
    assert model_version() == 1
    assert not ScoringCriterion.objects.filter(code="new_one").exists()
    assert criterion("brand_builder").weight == D("5")
    assert len(bands_of("brand_builder")) == 3


def test_every_model_write_with_a_stale_version_is_412(world, api_as):
    ScoringModel.objects.filter(is_active=True).update(version=4)
    admin = api_as(world.admin)
    for method, url, body in admin_writes(world):
        response = send(admin, method, url, body, if_match=3)
        assert response.status_code == 412, (method, url, response.content)
        assert response.json()["detail"] == "conflict"
        assert response.json()["current_version"] == 4
    assert model_version() == 4
    assert not ScoringCriterion.objects.filter(code="new_one").exists()
    assert criterion("brand_builder").weight == D("5")
    assert thresholds_now()[0] == ("A", D("75"), "key")


def test_a_second_edit_with_the_etag_read_before_the_first_is_412(world, api_as):
    admin = api_as(world.admin)
    etag = send(admin, "get", reverse(MODEL_URL))["ETag"]
    first = send(admin, "patch", update_url("brand_builder"), {"weight": "9"}, if_match=etag)
    assert first.status_code == 200, first.content
    assert first["ETag"] == '"2"'
    second = send(admin, "patch", update_url("brand_builder"), {"name": "Lost"}, if_match=etag)
    assert second.status_code == 412
    assert second.json()["current_version"] == 2
    edited = criterion("brand_builder")
    assert (edited.weight, edited.name) == (D("9"), "产品信誉建立者")


# --- POST /scoring-model/criteria ----------------------------------------------------------------------


def test_admin_adds_a_dynamic_criterion_with_bands(world, api_as):
    response = send(
        api_as(world.admin),
        "post",
        reverse(CREATE_URL),
        {
            "code": "pipeline_again",
            "name": "在途",
            "name_en": "Pipeline again",
            "kind": "dynamic",
            "source": "open_weighted_pipeline",
            "weight": "10",
            "bands": [
                {"label": "少", "label_en": "Small", "max_value": "1000", "points": "0"},
                {"label": "多", "label_en": "Large", "min_value": "1000", "points": "100"},
            ],
        },
        if_match=1,
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["code"], body["kind"], body["source"], D(body["weight"])) == (
        "pipeline_again",
        "dynamic",
        "open_weighted_pipeline",
        D("10"),
    )
    assert body["position"] == 13  # after the last of the twelve
    assert D(body["weight_share"]) == D("9.09")  # 10 of 110
    assert [(b["label_en"], b["min_value"], b["max_value"]) for b in body["bands"]] == [
        ("Small", None, "1000.00"),
        ("Large", "1000.00", None),
    ]
    assert bands_of("pipeline_again") == [
        ("少", "Small", None, D("1000"), D("0")),
        ("多", "Large", D("1000"), None, D("100")),
    ]
    assert model_version() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "x", "name": "X", "kind": "static", "weight": "101"}, "weight"),
        ({"code": "x", "name": "X", "kind": "static", "weight": "-1"}, "weight"),
        ({"code": "x", "name": "X", "kind": "static"}, "weight"),
        ({"code": "x y", "name": "X", "kind": "static", "weight": "5"}, "code"),
        ({"code": "x", "name": "", "kind": "static", "weight": "5"}, "name"),
        ({"code": "x", "name": "X", "kind": "smart", "weight": "5"}, "kind"),
        ({"code": "x", "name": "X", "kind": "dynamic", "weight": "5"}, "source"),
        ({"code": "x", "name": "X", "kind": "static", "source": "growth_yoy", "weight": "5"}, "source"),
        ({"code": "brand_builder", "name": "X", "kind": "static", "weight": "5"}, "code"),
        ({"code": "x", "name": "X", "kind": "static", "weight": "5", "colour": "red"}, "colour"),
        (
            {
                "code": "x",
                "name": "X",
                "kind": "dynamic",
                "source": "growth_yoy",
                "weight": "5",
                "bands": [
                    {"label": "Low", "max_value": "10", "points": "0"},
                    {"label": "High", "min_value": "9", "points": "100"},
                ],
            },
            "bands.1.min_value",
        ),
        (
            {
                "code": "x",
                "name": "X",
                "kind": "static",
                "weight": "5",
                "bands": [{"label": "Low", "points": "150"}],
            },
            "bands.0.points",
        ),
    ],
)
def test_adding_a_bad_criterion_is_422_on_the_field_and_writes_nothing(world, api_as, body, field):
    count = ScoringCriterion.objects.count()
    band_count = ScoreBand.objects.count()
    response = send(api_as(world.admin), "post", reverse(CREATE_URL), body, if_match=1)
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == "validation_error"
    assert field in response.json()["errors"]
    assert ScoringCriterion.objects.count() == count
    assert ScoreBand.objects.count() == band_count
    assert model_version() == 1


def test_adding_a_criterion_rescores_everyone_with_it(world, api_as, django_capture_on_commit_callbacks):
    scoring.rescore(None)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api_as(world.admin),
            "post",
            reverse(CREATE_URL),
            {
                "code": "loyalty",
                "name": "忠诚度",
                "kind": "static",
                "weight": "20",
                "bands": [{"label": "高", "points": "100"}],
            },
            if_match=1,
        )
    assert response.status_code == 201, response.content
    new_id = response.json()["id"]
    scores = list(CustomerScore.objects.all())
    assert len(scores) == Customer.objects.count()
    for score in scores:
        entry = breakdown_entry(score, new_id)
        assert entry is not None, score
        assert (entry["weight"], entry["points"]) == ("20.00", "0.00")


# --- PATCH /scoring-model/criteria/{id} ----------------------------------------------------------------


def test_admin_changes_a_criterions_weight_and_names(world, api_as):
    response = send(
        api_as(world.admin),
        "patch",
        update_url("brand_builder"),
        {"weight": "20", "name_en": "Brand maker", "is_active": True},
        if_match=1,
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (D(body["weight"]), body["name_en"], body["name"]) == (D("20"), "Brand maker", "产品信誉建立者")
    assert D(body["weight_share"]) == D("17.39")  # 20 of 115
    edited = criterion("brand_builder")
    assert (edited.weight, edited.name_en) == (D("20"), "Brand maker")
    assert model_version() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weight": "100.01"}, "weight"),
        ({"weight": "-0.5"}, "weight"),
        ({"weight": None}, "weight"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"code": "renamed"}, "code"),
        ({"kind": "dynamic"}, "kind"),
        ({"position": -1}, "position"),
    ],
)
def test_a_bad_criterion_change_is_422_on_the_field_and_writes_nothing(world, api_as, body, field):
    response = send(api_as(world.admin), "patch", update_url("brand_builder"), body, if_match=1)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    edited = criterion("brand_builder")
    assert (edited.weight, edited.name, edited.code, edited.kind, edited.position) == (
        D("5"),
        "产品信誉建立者",
        "brand_builder",
        "static",
        2,
    )
    assert model_version() == 1


def test_leaving_no_active_weight_is_422_and_rolled_back(world, api_as):
    ScoringCriterion.objects.exclude(code="brand_builder").update(is_active=False)
    response = send(api_as(world.admin), "patch", update_url("brand_builder"), {"weight": "0"}, if_match=1)
    assert response.status_code == 422, response.content
    assert "weight" in response.json()["errors"]
    assert criterion("brand_builder").weight == D("5")
    assert model_version() == 1


def test_patching_an_unknown_criterion_is_404(world, api_as):
    url = reverse("api:scoring_criterion_update", args=[999999])
    assert send(api_as(world.admin), "patch", url, {"weight": "5"}, if_match=1).status_code == 404
    assert model_version() == 1


def test_a_weight_change_rescores_every_customer(world, api_as, django_capture_on_commit_callbacks):
    brand = criterion("brand_builder")
    strong = ScoreBand.objects.get(criterion=brand, label_en="Strong")
    scoring_services.set_static_value(world.east_customer, brand, strong, by=world.east_rep)
    scoring.rescore(None)
    before = {s.customer_id: s.computed_at for s in CustomerScore.objects.all()}
    assert len(before) == Customer.objects.count()
    assert all(breakdown_entry(s, brand.pk)["weight"] == "5.00" for s in CustomerScore.objects.all())
    east_before = Customer.objects.get(pk=world.east_customer.pk).score

    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api_as(world.admin), "patch", update_url("brand_builder"), {"weight": "20"}, if_match=1
        )
    assert response.status_code == 200, response.content

    scores = list(CustomerScore.objects.all())
    assert len(scores) == len(before)
    for score in scores:
        assert breakdown_entry(score, brand.pk)["weight"] == "20.00"
        assert score.computed_at > before[score.customer_id]
    east = Customer.objects.get(pk=world.east_customer.pk)
    # Brand builder at 100 points now weighs 20 of 115 instead of 5 of 100.
    assert east.score > east_before
    assert breakdown_entry(CustomerScore.objects.get(customer=east), brand.pk)["contribution"] == "17.39"
