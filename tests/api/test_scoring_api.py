"""The scoring API: the model (read by everyone, edited by administrators with If-Match), tier
overrides with their history, and the visibility of a customer's score."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kam.customers import services
from kam.customers.models import (
    Customer,
    CustomerCriterionValue,
    CustomerScore,
    ScoreBand,
    ScoringCriterion,
    ScoringModel,
    TierOverride,
    TierThreshold,
)
from kam.customers.scoring import engine as scoring

pytestmark = pytest.mark.django_db

D = Decimal

MODEL_URL = "api:scoring_model"
CREATE_URL = "api:scoring_criterion_create"
THRESHOLDS_URL = "api:scoring_thresholds"

GOOD_THRESHOLDS = [
    {"tier": "A", "min_score": "80", "segment": "key"},
    {"tier": "B", "min_score": "60", "segment": "important"},
    {"tier": "C", "min_score": "30", "segment": "general"},
    {"tier": "D", "min_score": "0", "segment": "general"},
]


def send(api, method: str, url: str, body: Any = None, *, if_match: Any = None):
    """A JSON request to a full path (from reverse), with the client's bearer token."""
    kwargs: dict[str, Any] = dict(api._headers(if_match))
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(api.client, method)(url, **kwargs)


def criterion(code: str) -> ScoringCriterion:
    return ScoringCriterion.objects.get(scoring_model__is_active=True, code=code)


def update_url(code: str) -> str:
    return reverse("api:scoring_criterion_update", args=[criterion(code).pk])


def bands_url(code: str) -> str:
    return reverse("api:scoring_criterion_bands", args=[criterion(code).pk])


def model_version() -> int:
    return ScoringModel.objects.get(is_active=True).version


def bands_of(code: str) -> list[tuple]:
    return list(
        criterion(code)
        .bands.order_by("position")
        .values_list("label", "label_en", "min_value", "max_value", "points")
    )


def thresholds_now() -> list[tuple]:
    return list(
        TierThreshold.objects.filter(scoring_model__is_active=True)
        .order_by("tier")
        .values_list("tier", "min_score", "segment")
    )


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
    services.set_static_value(world.east_customer, criterion("brand_builder"), strong, by=world.east_rep)
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
    services.set_static_value(world.east_customer, brand, strong, by=world.east_rep)
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
    services.set_static_value(world.east_customer, fit, medium, by=world.east_rep)
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


# --- Tier overrides ----------------------------------------------------------------------------------


def override_url(customer) -> str:
    return reverse("api:customer_tier_override", args=[customer.pk])


def history_url(customer) -> str:
    return reverse("api:customer_tier_overrides", args=[customer.pk])


@pytest.fixture
def scored(world):
    scoring.rescore([world.east_customer.pk])
    return Customer.objects.get(pk=world.east_customer.pk)


def test_manager_overrides_the_tier_with_a_reason(world, api_as, scored):
    score, computed = scored.score, scored.computed_tier
    response = send(
        api_as(world.east_mgr),
        "post",
        override_url(scored),
        {"tier": "A", "reason": "Group strategic account", "expected_override": ""},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["tier"], body["segment"]) == ("A", "key")
    entry = body["override"]
    assert (entry["tier"], entry["previous_tier"], entry["computed_tier"]) == ("A", computed, computed)
    assert D(entry["computed_score"]) == score
    assert entry["reason"] == "Group strategic account"
    assert entry["created_by"]["id"] == world.east_mgr.pk
    scored.refresh_from_db()
    assert (scored.tier, scored.tier_override, scored.segment) == ("A", "A", "key")
    assert (scored.score, scored.computed_tier) == (score, computed)


def test_override_history_is_newest_first_with_who_when_why_and_computed_tier(world, api_as, scored):
    computed = scored.computed_tier
    manager = api_as(world.east_mgr)
    first = send(
        manager, "post", override_url(scored), {"tier": "B", "reason": "Budget", "expected_override": ""}
    )
    assert first.status_code == 201, first.content
    second = send(
        api_as(world.director),
        "post",
        override_url(scored),
        {"tier": "", "reason": "Back to the numbers", "expected_override": "B"},
    )
    assert second.status_code == 201, second.content
    assert second.json()["tier"] == computed
    response = send(api_as(world.east_rep), "get", history_url(scored))
    assert response.status_code == 200, response.content
    history = response.json()
    assert [(h["tier"], h["previous_tier"], h["computed_tier"], h["reason"]) for h in history] == [
        ("", "B", computed, "Back to the numbers"),
        ("B", computed, computed, "Budget"),
    ]
    assert [h["created_by"]["id"] for h in history] == [world.director.pk, world.east_mgr.pk]
    assert [h["id"] for h in history] == [second.json()["override"]["id"], first.json()["override"]["id"]]
    assert all(h["created_at"] for h in history)
    assert history[0]["created_at"] >= history[1]["created_at"]


def test_rep_may_not_override_a_tier(world, api_as, scored):
    response = send(
        api_as(world.east_rep),
        "post",
        override_url(scored),
        {"tier": "A", "reason": "My biggest", "expected_override": ""},
    )
    assert response.status_code == 403
    assert not TierOverride.objects.exists()
    scored.refresh_from_db()
    assert scored.tier_override == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tier": "A", "expected_override": ""}, "reason"),
        ({"tier": "A", "reason": "   ", "expected_override": ""}, "reason"),
        ({"tier": "A", "reason": "Why"}, "expected_override"),
        ({"tier": "", "reason": "Nothing to remove", "expected_override": ""}, "tier"),
        ({"tier": "E", "reason": "Why", "expected_override": ""}, "tier"),
        ({"tier": "A", "reason": "Why", "expected_override": "Z"}, "expected_override"),
    ],
)
def test_bad_override_is_422_and_nothing_is_written(world, api_as, scored, body, field):
    response = send(api_as(world.east_mgr), "post", override_url(scored), body)
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]  # under the field's own name, nothing else
    assert not TierOverride.objects.exists()
    scored.refresh_from_db()
    assert scored.tier_override == ""


def test_override_over_one_the_caller_did_not_see_is_412(world, api_as, scored):
    services.override_tier(scored, by=world.east_mgr, tier="B", reason="First", expected_override="")
    response = send(
        api_as(world.director),
        "post",
        override_url(scored),
        {"tier": "A", "reason": "Second", "expected_override": ""},
    )
    assert response.status_code == 412, response.content
    assert response.json()["detail"] == "conflict"
    scored.refresh_from_db()
    assert scored.tier_override == "B"
    assert list(TierOverride.objects.values_list("reason", flat=True)) == ["First"]


def test_manager_of_another_team_gets_404_on_overrides(world, api_as, scored):
    services.override_tier(scored, by=world.east_mgr, tier="B", reason="Budget", expected_override="")
    west = api_as(world.west_mgr)
    assert send(west, "get", history_url(scored)).status_code == 404
    response = send(
        west, "post", override_url(scored), {"tier": "A", "reason": "Mine now", "expected_override": "B"}
    )
    assert response.status_code == 404
    scored.refresh_from_db()
    assert scored.tier_override == "B"
    assert TierOverride.objects.count() == 1


# --- A customer's score: visibility ------------------------------------------------------------------


def test_rep_of_another_team_gets_404_on_a_customers_score(world, api_as):
    url = reverse("api:customer_score", args=[world.east_customer.pk])
    assert send(api_as(world.east_rep), "get", url).status_code == 200
    response = send(api_as(world.west_rep), "get", url)
    assert response.status_code == 404
    assert response.json() == {"detail": "not_found"}
