"""The approach paths panel on the decision chain, its page, the prefilled activity it offers,
visibility, and the JSON endpoint."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_decision_chain_page_loads_the_panel_through_htmx(client, world, plant):
    client.force_login(world.east_rep)
    body = client.get(reverse("chain:decision_chain", args=[plant.opp.pk])).content.decode()
    url = reverse("learning_paths:opportunity", args=[plant.opp.pk])
    assert f'hx-get="{url}" hx-trigger="load"' in body


def test_panel_shows_paths_with_the_next_relationship_action(client, world, plant):
    client.force_login(world.east_rep)
    response = client.get(reverse("learning_paths:opportunity", args=[plant.opp.pk]), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Yang Fan → Xu Xiaofeng (CR4, reports to) → GM Wang" in body
    assert "strength 56%" in body and "Next relationship action" in body
    assert "weak relationship (nobody on our side knows them)" in body
    # It reloads itself when the chain changes (a role, a stance or a relationship logged).
    assert 'hx-trigger="chain-changed from:body"' in body


def test_page_without_javascript_and_no_path_message(client, world, plant):
    plant.xu.reports_to = None
    plant.xu.save()
    client.force_login(world.east_rep)
    body = client.get(reverse("learning_paths:opportunity", args=[plant.opp.pk])).content.decode()
    assert "<html" in body and "Approach paths" in body
    assert "No path from our side to GM Wang" in body


def test_no_target_message(client, world, plant):
    from tests.insights.learning.paths.conftest import know

    know(plant.wang, plant.yang, 4)
    client.force_login(world.east_rep)
    body = client.get(reverse("learning_paths:opportunity", args=[plant.opp.pk]), **HTMX).content.decode()
    assert "No weak or opposed decision maker or approver on this deal" in body


def test_action_link_opens_the_activity_form_prefilled(client, world, plant):
    client.force_login(world.east_rep)
    data = (
        ApiClient(world.east_rep)
        .get(f"/insights/learning/opportunities/{plant.opp.pk}/approach-paths")
        .json()
    )
    action = data["targets"][0]["paths"][0]["action_url"]
    query = parse_qs(urlsplit(action).query)
    assert query["next"] == [reverse("chain:decision_chain", args=[plant.opp.pk])]
    response = client.get(action)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.customer == plant.customer
    assert form.initial["opportunity"] == plant.opp.pk
    assert form.initial["contacts"] == [plant.xu.pk, plant.wang.pk]
    assert form.initial["our_people"] == [plant.yang.pk]
    assert form.initial["summary"] == "Approach GM Wang through Xu Xiaofeng"
    body = response.content.decode()
    assert 'value="Approach GM Wang through Xu Xiaofeng"' in body


def test_activity_form_drops_contacts_of_other_customers(client, world, plant):
    from tests.factories import ContactFactory

    stranger = ContactFactory(customer=world.west_customer, name="Someone else")
    client.force_login(world.east_rep)
    url = f"{reverse('activities:create')}?opportunity={plant.opp.pk}&contacts={stranger.pk}&contacts={plant.xu.pk}"
    assert client.get(url).context["form"].initial["contacts"] == [plant.xu.pk]


def test_other_teams_rep_gets_404(client, world, plant):
    client.force_login(world.west_rep)
    assert client.get(reverse("learning_paths:opportunity", args=[plant.opp.pk]), **HTMX).status_code == 404
    api = ApiClient(world.west_rep)
    assert api.get(f"/insights/learning/opportunities/{plant.opp.pk}/approach-paths").status_code == 404


def test_manager_sees_the_teams_deal(client, world, plant):
    client.force_login(world.east_mgr)
    body = client.get(reverse("learning_paths:opportunity", args=[plant.opp.pk]), **HTMX).content.decode()
    assert "Yang Fan → Xu Xiaofeng" in body


def test_api_shape(world, plant):
    response = ApiClient(world.east_rep).get(
        f"/insights/learning/opportunities/{plant.opp.pk}/approach-paths"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["opportunity_id"] == plant.opp.pk
    [target] = data["targets"]
    assert target["contact"]["id"] == plant.wang.pk and target["roles"] == ["decision_maker"]
    assert target["level"] is None and target["reasons"] == ["weak"] and target["no_path"] == ""
    [path] = target["paths"]
    assert path["text"] == "Yang Fan → Xu Xiaofeng (CR4, reports to) → GM Wang"
    assert path["strength"] == 0.56 and path["weakest_link"] == 0.7 and path["hops"] == 2
    assert [p["kind"] for p in path["people"]] == ["user", "contact", "contact"]
    assert [p["note"] for p in path["people"]] == ["", "CR4, reports to", ""]
    assert [(s["kind"], s["strength"]) for s in path["steps"]] == [("relationship", 0.8), ("reports_to", 0.7)]
    assert path["our_person"] == {"id": plant.yang.pk, "name": "Yang Fan"}


def test_api_non_number_and_unknown_ids_are_404(world, plant):
    api = ApiClient(world.east_rep)
    assert api.get("/insights/learning/opportunities/abc/approach-paths").status_code == 404
    assert api.get("/insights/learning/opportunities/999999/approach-paths").status_code == 404


def test_panel_query_count_does_not_grow(client, world, plant, django_assert_max_num_queries):
    from tests.insights.learning.paths.test_selectors import _grow

    client.force_login(world.east_rep)
    url = reverse("learning_paths:opportunity", args=[plant.opp.pk])
    client.get(url, **HTMX)
    with django_assert_max_num_queries(12) as small:
        client.get(url, **HTMX)
    _grow(world, plant, 5)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        body = client.get(url, **HTMX).content.decode()
    assert body.count("Next relationship action") == 6 and len(large.captured_queries) == len(
        small.captured_queries
    )
