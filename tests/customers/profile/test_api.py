"""The 360° page's figures over JSON: the same numbers as the sections, 404 for invisible customers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.customers.models import CustomerChange
from kam.customers.scoring import services as scoring_services
from tests.factories import CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db

D = Decimal


def money(value):
    return D(value)


def test_group_rollup_api_for_a_rep(api_as, world, group):
    response = api_as(world.east_rep).get(f"/customers/{group['root'].pk}/group-rollup")
    assert response.status_code == 200
    body = response.json()
    assert body["customer"] == {"id": group["root"].pk, "name": "Root Group"}
    assert [(n["name"], n["depth"]) for n in body["nodes"]] == [
        ("Root Group", 0),
        ("Sub Holding", 1),
        ("Plant Three", 2),
        ("Ningbo Plant", 1),
    ]
    ningbo = body["nodes"][3]
    assert ningbo["parent_id"] == group["root"].pk  # its own parent is hidden from this rep
    sub = body["nodes"][1]
    assert (sub["own"]["open_count"], money(sub["own"]["open_amount"]), money(sub["own"]["weighted"])) == (
        2,
        D("600000"),
        D("120000"),
    )
    assert money(sub["subtree"]["won_12m"]) == D("200000")
    assert body["hidden"]["count"] == 2
    total = body["total"]
    assert (
        total["open_count"],
        money(total["open_amount"]),
        money(total["weighted"]),
        money(total["won_12m"]),
    ) == (
        5,
        D("1750000"),
        D("725000"),
        D("500000"),
    )
    assert "West Sub" not in response.content.decode()


def test_group_rollup_api_for_the_director_includes_the_other_team(api_as, world, group):
    body = api_as(world.director).get(f"/customers/{group['root'].pk}/group-rollup").json()
    assert body["hidden"]["count"] == 0
    assert money(body["total"]["weighted"]) == D("2245000")
    assert money(body["total"]["won_12m"]) == D("1000000")


def test_group_rollup_api_names_the_parent_chain(api_as, world, group):
    body = api_as(world.east_rep).get(f"/customers/{group['plant'].pk}/group-rollup").json()
    assert body["parents"] == [
        {"id": group["root"].pk, "name": "Root Group", "visible": True},
        {"id": group["sub"].pk, "name": "Sub Holding", "visible": True},
    ]


def test_group_rollup_api_equals_the_profile_section(client, api_as, world, group):
    client.force_login(world.east_rep)
    page = client.get(reverse("customers:profile_section", args=[group["root"].pk]))
    section = page.context["group"]
    body = api_as(world.east_rep).get(f"/customers/{group['root'].pk}/group-rollup").json()
    assert money(body["total"]["open_amount"]) == section.total.open_amount
    assert money(body["total"]["weighted"]) == section.total.weighted
    assert money(body["total"]["won_12m"]) == section.total.won_12m
    assert [n["id"] for n in body["nodes"]] == [n.id for n in section.rows]


def test_forecast_api_equals_the_forecast_section(client, api_as, world):
    today = timezone.localdate()
    customer = world.east_customer
    make_opportunity(
        owner=world.east_rep,
        customer=customer,
        stage_code="P4",
        amount=D("400000"),
        sign_date=today,
        name="A",
    )
    make_opportunity(
        owner=world.east_rep,
        customer=customer,
        stage_code="P2",
        amount=D("100000"),
        sign_date=today,
        forecast_category="commit",
        name="B",
    )
    client.force_login(world.east_rep)
    forecast = client.get(reverse("customers:forecast_section", args=[customer.pk])).context["forecast"]
    response = api_as(world.east_rep).get(f"/customers/{customer.pk}/forecast")
    assert response.status_code == 200
    body = response.json()
    assert [q["period"] for q in body["quarters"]] == [q.label for q in forecast.quarters]
    first = body["quarters"][0]["figures"]
    assert money(first["open_amount"]) == D("500000") == forecast.quarters[0].figures.open_amount
    assert money(first["weighted"]) == D("225000") == forecast.quarters[0].figures.weighted
    assert money(first["commit"]) == D("100000")
    assert money(first["best_case"]) == D("400000")  # P4's default category
    for key in ("open_amount", "weighted", "commit", "best_case", "pipeline", "won"):
        assert money(body["totals"][key]) == getattr(forecast.totals, key)
        assert money(body["year"]["figures"][key]) == getattr(forecast.year_figures, key)
    assert body["year"]["year"] == today.year


def test_forecast_api_is_visibility_scoped(api_as, world):
    customer = world.east_customer
    make_opportunity(
        owner=world.west_rep,
        customer=customer,
        stage_code="P4",
        amount=D("800000"),
        sign_date=timezone.localdate(),
        name="West's",
    )
    mine = api_as(world.east_rep).get(f"/customers/{customer.pk}/forecast").json()
    everyone = api_as(world.director).get(f"/customers/{customer.pk}/forecast").json()
    assert money(everyone["quarters"][0]["figures"]["open_amount"]) - money(
        mine["quarters"][0]["figures"]["open_amount"]
    ) == D("800000")


def test_history_api_pages_newest_first(api_as, world):
    customer = world.east_customer
    CustomerChange.objects.bulk_create(
        CustomerChange(customer=customer, changed_by=None, summary=f"Line {n:02d}") for n in range(7)
    )
    scoring_services.override_tier(customer, by=world.east_mgr, tier="B", reason="Reference site")
    api = api_as(world.east_rep)
    first = api.get(f"/customers/{customer.pk}/history", {"limit": 3}).json()
    assert first["count"] == 8
    assert [i["summary"] for i in first["items"]] == [
        "Tier overridden to B: Reference site",
        "Line 06",
        "Line 05",
    ]
    assert first["items"][0]["changed_by"] == {"id": world.east_mgr.pk, "name": world.east_mgr.name}
    assert first["items"][1]["changed_by"] is None
    rest = api.get(f"/customers/{customer.pk}/history", {"limit": 3, "offset": 6}).json()
    assert [i["summary"] for i in rest["items"]] == ["Line 01", "Line 00"]
    assert api.get(f"/customers/{customer.pk}/history", {"limit": 0}).status_code == 422


@pytest.mark.parametrize("path", ["group-rollup", "forecast", "history"])
def test_another_teams_rep_gets_404(api_as, world, path):
    assert api_as(world.east_rep).get(f"/customers/{world.west_customer.pk}/{path}").status_code == 404
    assert api_as(world.west_rep).get(f"/customers/{world.west_customer.pk}/{path}").status_code == 200


def test_group_rollup_api_survives_a_cycle(api_as, world):
    a = CustomerFactory(name="Loop A", owner=world.east_rep)
    b = CustomerFactory(name="Loop B", owner=world.east_rep, parent=a)
    type(a).objects.filter(pk=a.pk).update(parent=b)
    body = api_as(world.east_rep).get(f"/customers/{a.pk}/group-rollup").json()
    assert [n["name"] for n in body["nodes"]] == ["Loop A", "Loop B"]
    assert [p["name"] for p in body["parents"]] == ["Loop B"]


def test_forecast_api_hand_computed_figures(api_as, world, forecast_deals, monkeypatch):
    import datetime as dt

    from kam.customers.profile import forecast as module

    monkeypatch.setattr(module.timezone, "localdate", lambda: dt.date(2027, 5, 10))
    body = api_as(world.east_rep).get(f"/customers/{forecast_deals.pk}/forecast").json()
    assert [q["period"] for q in body["quarters"]] == ["2027 Q2", "2027 Q3", "2027 Q4", "2028 Q1"]
    assert money(body["quarters"][0]["figures"]["weighted"]) == D("600000")
    assert money(body["quarters"][1]["figures"]["won"]) == D("100000")
    assert money(body["year"]["figures"]["won"]) == D("400000")
    assert money(body["totals"]["open_amount"]) == D("1660000")
