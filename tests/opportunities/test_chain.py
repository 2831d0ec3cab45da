"""Decision chain and power map: the limited org tree, approval chains, influence lines, score and gaps,
the pages and the side panel, visibility, and constant query counts."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.opportunities import services
from kam.opportunities.chain import selectors as chain
from kam.opportunities.models import OpportunityContact
from kam.relationships.models import Relationship, RelationshipChange
from kam.relationships.services import add_influence, set_relationship_level
from tests.factories import ContactFactory, make_opportunity

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def build_chain(owner, customer, stage_code="P4"):
    """A steel works: GM Zhao at the top; deputy GM Wang decides, chief engineer Li approves the technology,
    finance director Qian the commercials, engineer Sun uses it. Zhou and Wu are not involved."""
    opp = make_opportunity(
        owner=owner, customer=customer, name="Blast furnace upgrade", stage_code=stage_code
    )
    zhao = ContactFactory(customer=customer, name="GM Zhao", rank="high", influence=5)
    wang = ContactFactory(customer=customer, name="Deputy GM Wang", rank="high", influence=5, reports_to=zhao)
    li = ContactFactory(
        customer=customer, name="Chief Engineer Li", rank="mid_high", influence=4, reports_to=wang
    )
    sun = ContactFactory(customer=customer, name="Engineer Sun", rank="mid", influence=2, reports_to=li)
    qian = ContactFactory(
        customer=customer, name="Finance Director Qian", rank="mid_high", influence=4, reports_to=zhao
    )
    zhou = ContactFactory(customer=customer, name="Clerk Zhou", rank="low", influence=1, reports_to=qian)
    wu = ContactFactory(customer=customer, name="Sales Head Wu", rank="mid", influence=3, reports_to=zhao)
    for contact, role, stance in (
        (wang, "decision_maker", "A"),
        (li, "technical_approver", "A"),
        (sun, "user", "B"),
        (qian, "business_approver", "B"),
    ):
        services.set_contact_role(opp, contact, by=owner, decision_role=role, stance=stance)
    for contact, level in ((wang, 3), (li, 3), (sun, 1)):
        set_relationship_level(contact, owner, level, by=owner, note="Site visit")
    add_influence(sun, wang, by=owner, note="Wang trusts Sun's reports")
    add_influence(zhou, wang, by=owner)
    return SimpleNamespace(opp=opp, zhao=zhao, wang=wang, li=li, sun=sun, qian=qian, zhou=zhou, wu=wu)


@pytest.fixture
def steel(world):
    return build_chain(world.east_rep, world.east_customer)


def node_by_name(data, name):
    return next(n for n in data["nodes"] if n["name"] == name)


# --- the decision chain JSON (selector) -----------------------------------------------------------


def test_tree_is_limited_to_the_chain_and_managers_up_to_the_top(steel):
    data = chain.decision_chain(steel.opp)
    names = {n["name"] for n in data["nodes"]}
    assert names == {
        "GM Zhao",
        "Deputy GM Wang",
        "Chief Engineer Li",
        "Engineer Sun",
        "Finance Director Qian",
    }
    zhao = node_by_name(data, "GM Zhao")
    assert (
        zhao["context"] is True
        and zhao["in_chain"] is False
        and zhao["roles"] == []
        and zhao["stance"] is None
    )
    assert zhao["parent"] is None and zhao["depth"] == 0
    sun = node_by_name(data, "Engineer Sun")
    assert sun["context"] is False and sun["parent"] == steel.li.pk and sun["depth"] == 3
    wang = node_by_name(data, "Deputy GM Wang")
    assert wang["rank"] == "high" and wang["level"] == 3 and wang["level_label"] == "CR3"
    assert wang["roles"] == [{"decision_role": "decision_maker", "label": "Decision maker", "stance": "A"}]
    assert wang["stance"] == "A" and wang["influence"] == 5


def test_approval_chains_run_along_reports_to_to_the_top(steel):
    data = chain.decision_chain(steel.opp)
    assert data["technical_chain"] == [[steel.li.pk, steel.wang.pk, steel.zhao.pk]]
    assert data["business_chain"] == [[steel.qian.pk, steel.zhao.pk]]
    edges = {(e["source"], e["target"]): e["chains"] for e in data["reports_to"]}
    assert edges == {
        (steel.zhao.pk, steel.wang.pk): ["technical"],
        (steel.wang.pk, steel.li.pk): ["technical"],
        (steel.li.pk, steel.sun.pk): [],
        (steel.zhao.pk, steel.qian.pk): ["business"],
    }


def test_influence_lines_only_between_people_in_the_tree(steel):
    lines = chain.decision_chain(steel.opp)["influence_lines"]
    assert lines == [{"source": steel.sun.pk, "target": steel.wang.pk, "note": "Wang trusts Sun's reports"}]


def test_four_elements_are_on_top(steel):
    elements = chain.decision_chain(steel.opp)["opportunity"]
    assert elements["name"] == "Blast furnace upgrade"
    assert elements["stage"]["code"] == "P4"
    assert elements["amount_display"] == "¥1,000,000.00"
    assert elements["sign_date_display"] == "2027-03-31"


def test_score_is_full_when_every_requirement_is_met(steel):
    score = chain.decision_chain(steel.opp)["relationship_score"]
    assert score["score"] == 100 and score["gaps"] == [] and score["total"] == 5


def test_opposing_decision_maker_becomes_a_named_gap(steel, world):
    services.set_contact_role(
        steel.opp, steel.wang, by=world.east_rep, decision_role="decision_maker", stance="C"
    )
    score = chain.decision_chain(steel.opp)["relationship_score"]
    assert [g["text"] for g in score["gaps"]] == ["P4 · Decision maker Deputy GM Wang opposes"]
    assert score["score"] == 80
    assert node_by_name(chain.decision_chain(steel.opp), "Deputy GM Wang")["stance"] == "C"


def test_person_with_several_roles_shows_the_most_negative_stance(steel, world):
    services.set_contact_role(steel.opp, steel.li, by=world.east_rep, decision_role="influencer", stance="C")
    li = node_by_name(chain.decision_chain(steel.opp), "Chief Engineer Li")
    assert {r["decision_role"] for r in li["roles"]} == {"technical_approver", "influencer"}
    assert li["stance"] == "C"


def test_reports_to_cycle_in_old_data_does_not_hang_the_tree(steel):
    # The service refuses cycles; imported data might still hold one.
    type(steel.zhao).objects.filter(pk=steel.zhao.pk).update(reports_to=steel.sun)
    data = chain.decision_chain(steel.opp)
    assert {n["id"] for n in data["nodes"]} >= {steel.wang.pk, steel.sun.pk}


def _grow(world, steel, n):
    owner = world.east_rep
    for i in range(n):
        person = ContactFactory(customer=steel.opp.customer, name=f"Staff {i}", reports_to=steel.sun)
        services.set_contact_role(steel.opp, person, by=owner, decision_role="user", stance="B")
        set_relationship_level(person, owner, 2, by=owner, note="Workshop")
        add_influence(person, steel.li, by=owner)
        ContactFactory(customer=steel.opp.customer, name=f"Bystander {i}", reports_to=steel.wu)


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("builder", [chain.decision_chain, chain.power_map])
def test_chain_queries_are_constant_in_the_number_of_contacts(world, steel, builder):
    from kam.relationships.models import RelationshipPolicy

    RelationshipPolicy.current()  # read once per request; not part of what grows with contacts
    small = _count(lambda: builder(steel.opp))
    _grow(world, steel, 25)
    large = _count(lambda: builder(steel.opp))
    assert large == small
    assert small <= 6


# --- power map -------------------------------------------------------------------------------------


def test_power_map_places_people_by_stance_and_influence(steel, world):
    services.set_contact_role(
        steel.opp, steel.wang, by=world.east_rep, decision_role="decision_maker", stance="C"
    )
    data = chain.power_map(steel.opp)
    people = {p["name"]: p for p in data["people"]}
    assert set(people) == {"Deputy GM Wang", "Chief Engineer Li", "Engineer Sun", "Finance Director Qian"}
    wang, li, sun, qian = (
        people[n] for n in ("Deputy GM Wang", "Chief Engineer Li", "Engineer Sun", "Finance Director Qian")
    )
    assert wang["x"] == -1.0 and wang["y"] == 5
    assert li["x"] == 1.0 and li["y"] == 4
    assert sun["x"] == 0.0 and sun["y"] == 2
    assert qian["x"] == 0.0 and qian["y"] == 4
    assert wang["symbol_size"] > li["symbol_size"] > sun["symbol_size"]
    assert [w["name"] for w in data["watch_list"]] == ["Deputy GM Wang", "Finance Director Qian"]
    assert "opposes us with influence 5/5" in data["watch_list"][0]["text"]
    assert "is neutral with influence 4/5" in data["watch_list"][1]["text"]


def test_power_map_spreads_people_sharing_a_spot(steel, world):
    for i in range(3):
        person = ContactFactory(customer=steel.opp.customer, name=f"Neutral {i}", influence=2)
        services.set_contact_role(steel.opp, person, by=world.east_rep, decision_role="user", stance="B")
    spot = [p["x"] for p in chain.power_map(steel.opp)["people"] if p["y"] == 2]
    assert len(spot) == 4 and len(set(spot)) == 4
    assert all(-0.5 < x < 0.5 for x in spot)


# --- the pages ---------------------------------------------------------------------------------------


def test_decision_chain_page_shows_elements_table_gaps_and_chart_hooks(client, world, steel):
    client.force_login(world.east_rep)
    response = client.get(reverse("chain:decision_chain", args=[steel.opp.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Blast furnace upgrade" in body and "¥1,000,000.00" in body and "2027-03-31" in body
    assert 'id="relationship-gaps"' in body and "No relationship gaps at this stage." in body
    assert f'data-api-url="/api/v1/opportunities/{steel.opp.pk}/decision-chain"' in body
    assert "js/decision_chain.js" in body and "echarts.min.js" in body
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
