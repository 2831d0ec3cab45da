"""Decision chain and power map, the pages and the side panel: what they show, visibility, stance,
role and relationship writes, adding a contact, constant query counts."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kam.opportunities import services
from kam.opportunities.chain import selectors as chain
from kam.opportunities.models import OpportunityContact
from kam.relationships.models import Relationship, RelationshipChange
from tests.factories import ContactFactory
from tests.opportunities.chain.conftest import _count, _grow

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# --- the pages ---------------------------------------------------------------------------------------


def test_decision_chain_page_shows_elements_table_gaps_and_chart_hooks(client, world, steel):
    client.force_login(world.east_rep)
    response = client.get(reverse("chain:decision_chain", args=[steel.opp.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Blast furnace upgrade" in body and "¥1,000,000.00" in body and "2027-03-31" in body
    assert 'id="relationship-gaps"' in body and "No relationship gaps at this stage." in body
    assert f'data-api-url="/api/v1/opportunities/{steel.opp.pk}/decision-chain"' in body
    assert "js/decision_chain.js" in body and "echarts.kam.min.js" in body
    # The no-JS table: every person with rank, roles, stance, CR and an edit form.
    assert f'data-contact="{steel.wang.pk}" data-stance="A"' in body
    assert "Finance Director Qian" in body and "Clerk Zhou" not in body.split('id="chain-add"')[0]
    assert reverse("chain:person_roles", args=[steel.opp.pk, steel.wang.pk]) in body
    assert "Chief Engineer Li → Deputy GM Wang → GM Zhao" in body
    assert "Engineer Sun → Deputy GM Wang" in body
    assert 'media="print"' in body and "css/chain.css" in body


def test_power_map_page_lists_opponents_with_power_in_words(client, world, steel):
    services.set_contact_role(
        steel.opp, steel.wang, by=world.east_rep, decision_role="decision_maker", stance="C"
    )
    client.force_login(world.east_rep)
    response = client.get(reverse("chain:power_map", args=[steel.opp.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Deputy GM Wang (Decision maker, High rank) opposes us with influence 5/5" in body
    assert f'data-api-url="/api/v1/opportunities/{steel.opp.pk}/power-map"' in body
    assert "P4 · Decision maker Deputy GM Wang opposes" in body


def test_pages_in_chinese_set_the_chart_locale(client, world, steel, settings):
    from django.utils import translation

    client.force_login(world.east_rep)
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        body = client.get(reverse("chain:decision_chain", args=[steel.opp.pk])).content.decode()
    assert '<html lang="zh-hans">' in body
    assert 'data-locale="ZH"' in body


@pytest.mark.parametrize(
    "url_name, extra",
    [
        ("chain:decision_chain", []),
        ("chain:power_map", []),
        ("chain:person", ["wang"]),
    ],
)
def test_other_teams_rep_gets_404_on_every_page(client, world, steel, url_name, extra):
    client.force_login(world.west_rep)
    args = [steel.opp.pk, *[getattr(steel, name).pk for name in extra]]
    assert client.get(reverse(url_name, args=args)).status_code == 404


def test_other_teams_rep_cannot_write_through_the_pages(client, world, steel):
    client.force_login(world.west_rep)
    before = list(
        OpportunityContact.objects.values_list("contact_id", "decision_role", "stance").order_by("id")
    )
    roles_url = reverse("chain:person_roles", args=[steel.opp.pk, steel.wang.pk])
    assert (
        client.post(
            roles_url,
            {f"roles-{steel.wang.pk}-decision_role": ["coach"], f"roles-{steel.wang.pk}-stance": "C"},
        ).status_code
        == 404
    )
    rel_url = reverse("chain:person_relationship", args=[steel.opp.pk, steel.wang.pk])
    assert (
        client.post(
            rel_url,
            {
                f"rel-{steel.wang.pk}-user": world.west_rep.pk,
                f"rel-{steel.wang.pk}-level": 5,
                f"rel-{steel.wang.pk}-note": "x",
            },
        ).status_code
        == 404
    )
    add_url = reverse("chain:add_contact", args=[steel.opp.pk])
    assert (
        client.post(add_url, {"contact": steel.wu.pk, "decision_role": "coach", "stance": "A"}).status_code
        == 404
    )
    after = list(
        OpportunityContact.objects.values_list("contact_id", "decision_role", "stance").order_by("id")
    )
    assert after == before
    assert not Relationship.objects.filter(user=world.west_rep).exists()


def test_contact_of_another_customer_is_404_in_the_panel(client, world, steel):
    stranger = ContactFactory(customer=world.west_customer)
    client.force_login(world.east_rep)
    assert client.get(reverse("chain:person", args=[steel.opp.pk, stranger.pk])).status_code == 404


def test_chain_page_query_count_is_constant_in_the_number_of_contacts(client, world, steel):
    client.force_login(world.east_rep)
    url = reverse("chain:decision_chain", args=[steel.opp.pk])
    small = _count(lambda: client.get(url))
    _grow(world, steel, 20)
    large = _count(lambda: client.get(url))
    assert large == small


# --- the side panel ----------------------------------------------------------------------------------


def roles_data(contact, roles, stance):
    return {f"roles-{contact.pk}-decision_role": roles, f"roles-{contact.pk}-stance": stance}


def test_panel_shows_roles_stance_and_relationship_history(client, world, steel):
    client.force_login(world.east_rep)
    response = client.get(reverse("chain:person", args=[steel.opp.pk, steel.wang.pk]), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body  # a partial for htmx
    assert "Deputy GM Wang" in body and "GM Zhao" in body  # reports to
    assert 'value="decision_maker"' in body and "checked" in body
    assert "Site visit" in body and "CR3" in body
    # Without htmx the same panel is a full page.
    assert "<html" in client.get(reverse("chain:person", args=[steel.opp.pk, steel.wang.pk])).content.decode()


def test_panel_changes_stance_and_updates_the_gap_list(client, world, steel):
    client.force_login(world.east_rep)
    url = reverse("chain:person_roles", args=[steel.opp.pk, steel.wang.pk])
    response = client.post(url, roles_data(steel.wang, ["decision_maker"], "C"), **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "chain-changed"
    body = response.content.decode()
    assert 'id="relationship-gaps" hx-swap-oob="true"' in body
    assert "P4 · Decision maker Deputy GM Wang opposes" in body
    assert 'id="chain-table" hx-swap-oob="true"' in body
    assert OpportunityContact.objects.get(opportunity=steel.opp, contact=steel.wang).stance == "C"


def test_panel_gives_several_roles_and_removes_unticked_ones(client, world, steel):
    client.force_login(world.east_rep)
    url = reverse("chain:person_roles", args=[steel.opp.pk, steel.li.pk])
    client.post(url, roles_data(steel.li, ["influencer", "coach"], "A"), **HTMX)
    roles = set(
        OpportunityContact.objects.filter(opportunity=steel.opp, contact=steel.li).values_list(
            "decision_role", "stance"
        )
    )
    assert roles == {("influencer", "A"), ("coach", "A")}


def test_panel_refuses_an_unknown_role_or_stance_with_a_form_error(client, world, steel):
    client.force_login(world.east_rep)
    url = reverse("chain:person_roles", args=[steel.opp.pk, steel.wang.pk])
    response = client.post(url, roles_data(steel.wang, ["king"], "A"), **HTMX)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = client.post(url, roles_data(steel.wang, ["decision_maker"], "Z"))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert OpportunityContact.objects.get(opportunity=steel.opp, contact=steel.wang).stance == "A"


def test_row_form_without_js_saves_and_returns_to_the_chain(client, world, steel):
    client.force_login(world.east_rep)
    url = reverse("chain:person_roles", args=[steel.opp.pk, steel.qian.pk])
    response = client.post(url, roles_data(steel.qian, ["business_approver"], "A"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("chain:decision_chain", args=[steel.opp.pk]))
    assert OpportunityContact.objects.get(opportunity=steel.opp, contact=steel.qian).stance == "A"


def test_relationship_change_is_logged_with_history(client, world, steel):
    client.force_login(world.east_rep)
    url = reverse("chain:person_relationship", args=[steel.opp.pk, steel.qian.pk])
    data = {
        f"rel-{steel.qian.pk}-user": world.east_rep.pk,
        f"rel-{steel.qian.pk}-level": 4,
        f"rel-{steel.qian.pk}-note": "Dinner after the audit",
    }
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "chain-changed"
    assert "Dinner after the audit" in response.content.decode()
    change = RelationshipChange.objects.get(contact=steel.qian)
    assert (change.to_level, change.changed_by, change.note) == (4, world.east_rep, "Dinner after the audit")


def test_relationship_change_without_a_note_is_refused_with_the_message(client, world, steel):
    client.force_login(world.east_rep)
    url = reverse("chain:person_relationship", args=[steel.opp.pk, steel.qian.pk])
    data = {
        f"rel-{steel.qian.pk}-user": world.east_rep.pk,
        f"rel-{steel.qian.pk}-level": 4,
        f"rel-{steel.qian.pk}-note": "  ",
    }
    response = client.post(url, data, **HTMX)
    assert "Say why the relationship changed" in response.content.decode()
    assert "HX-Trigger" not in response
    assert not Relationship.objects.filter(contact=steel.qian).exists()
    assert client.post(url, data).status_code == 422


def test_relationship_change_for_someone_outside_the_deal_team_is_refused(client, world, steel):
    client.force_login(world.east_rep)
    url = reverse("chain:person_relationship", args=[steel.opp.pk, steel.qian.pk])
    data = {
        f"rel-{steel.qian.pk}-user": world.west_rep.pk,
        f"rel-{steel.qian.pk}-level": 4,
        f"rel-{steel.qian.pk}-note": "Met",
    }
    response = client.post(url, data, **HTMX)
    assert "Select a valid choice" in response.content.decode()
    assert not Relationship.objects.filter(contact=steel.qian).exists()


def test_add_a_contact_to_the_chain(client, world, steel):
    client.force_login(world.east_rep)
    url = reverse("chain:add_contact", args=[steel.opp.pk])
    response = client.post(url, {"contact": steel.wu.pk, "decision_role": "coach", "stance": "A"}, **HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "chain-changed"
    assert "Sales Head Wu" in response.content.decode()
    assert OpportunityContact.objects.filter(
        opportunity=steel.opp, contact=steel.wu, decision_role="coach"
    ).exists()
    names = {n["name"] for n in chain.decision_chain(steel.opp)["nodes"]}
    assert "Sales Head Wu" in names


def test_add_refuses_a_contact_of_another_customer(client, world, steel):
    stranger = ContactFactory(customer=world.west_customer)
    client.force_login(world.east_rep)
    response = client.post(
        reverse("chain:add_contact", args=[steel.opp.pk]),
        {"contact": stranger.pk, "decision_role": "coach", "stance": "A"},
    )
    assert response.status_code == 302
    assert not OpportunityContact.objects.filter(contact=stranger).exists()


def test_add_with_an_error_from_the_side_panel_reloads_the_page_instead_of_filling_the_panel(
    client, world, steel
):
    client.force_login(world.east_rep)
    url = reverse("chain:add_contact", args=[steel.opp.pk])
    response = client.post(url, {"decision_role": "coach", "stance": "A"}, **HTMX)
    assert response.status_code == 204 and response.content == b""
    assert response["HX-Redirect"].startswith(reverse("chain:decision_chain", args=[steel.opp.pk]))
    page = client.get(response["HX-Redirect"]).content.decode()
    assert "Contact: This field is required." in page  # the message names the field


def test_chart_labels_are_json_on_the_page(client, world, steel):
    client.force_login(world.east_rep)
    response = client.get(reverse("chain:power_map", args=[steel.opp.pk]))
    body = response.content.decode()
    start = body.index('id="chain-labels"')
    payload = body[body.index(">", start) + 1 : body.index("</script>", start)]
    assert json.loads(payload)["opponents_with_power"] == "Opponents with power"
