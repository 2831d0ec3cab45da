"""The org chart JSON endpoint and the editor's writes over the API (session auth, as the page uses)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.opportunities import services as opportunity_services
from kam.opportunities.models import OpportunityContact, OpportunityStatus
from kam.relationships import services as relationship_services
from kam.relationships.models import Contact, DecisionRole, Influence, Relationship
from tests.factories import ContactFactory, CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db


def get(client, path, **params):
    return client.get("/api/v1" + path, params)


def post(client, path, body):
    return client.post("/api/v1" + path, json.dumps(body), content_type="application/json")


def delete(client, path):
    return client.delete("/api/v1" + path)


@pytest.fixture
def org(world):
    customer = world.east_customer
    gm = ContactFactory(
        customer=customer, name="GM", title="General manager", department="Board", rank="high"
    )
    cto = ContactFactory(customer=customer, name="CTO", department="IT", rank="mid_high", reports_to=gm)
    cfo = ContactFactory(customer=customer, name="CFO", department="Finance", rank="mid_high", reports_to=gm)
    engineer = ContactFactory(customer=customer, name="Engineer", department="IT", rank="low", reports_to=cto)

    class Org:
        pass

    o = Org()
    o.__dict__.update(locals())
    return o


# --- the tree -------------------------------------------------------------------------------------


def test_org_chart_is_a_tree_with_rank_influence_level_and_roles(client, world, org):
    relationship_services.set_relationship_level(org.cto, world.east_rep, 2, by=world.east_rep, note="Visit")
    relationship_services.set_relationship_level(org.cto, world.east_mgr, 4, by=world.east_mgr, note="Dinner")
    opportunity_services.set_contact_role(
        world.east_opp, org.cto, by=world.east_rep, decision_role=DecisionRole.TECHNICAL_APPROVER
    )
    opportunity_services.set_contact_role(
        world.east_opp, org.cfo, by=world.east_rep, decision_role=DecisionRole.BUSINESS_APPROVER
    )
    client.force_login(world.east_rep)
    response = get(client, f"/customers/{world.east_customer.pk}/org-chart")
    assert response.status_code == 200
    data = response.json()
    assert data["customer"] == {"id": world.east_customer.pk, "name": "East Steel"}
    assert data["count"] == 4
    assert data["departments"] == ["Board", "Finance", "IT"]
    (gm,) = data["roots"]
    assert (gm["id"], gm["name"], gm["title"], gm["rank"], gm["level"]) == (
        org.gm.pk,
        "GM",
        "General manager",
        "high",
        None,
    )
    assert [child["name"] for child in gm["children"]] == ["CFO", "CTO"]
    cfo, cto = gm["children"]
    assert cto["level"] == 4
    assert cto["roles"] == [{"code": "technical_approver", "label": "Technical approver"}]
    assert cto["colour"] == "#2563eb" and cfo["colour"] == "#dc2626"
    assert cto["influence"] == 3 and cto["rank_label"] == "Mid-high" and cto["department"] == "IT"
    assert cto["reports_to"] == org.gm.pk and cto["version"] == 1
    assert [c["name"] for c in cto["children"]] == ["Engineer"] and cto["children"][0]["children"] == []
    assert {item["code"] for item in data["legend"]} == set(DecisionRole.values)


def test_org_chart_roles_ignore_closed_opportunities(client, world, org):
    opportunity_services.set_contact_role(
        world.east_opp, org.gm, by=world.east_rep, decision_role=DecisionRole.DECISION_MAKER
    )
    opportunity_services.close_opportunity(
        world.east_opp, by=world.east_rep, status=OpportunityStatus.WON, reason="ok"
    )
    client.force_login(world.east_rep)
    (gm,) = get(client, f"/customers/{world.east_customer.pk}/org-chart").json()["roots"]
    assert gm["roles"] == []


def test_org_chart_lists_several_heads_as_several_roots(client, world, org):
    ContactFactory(customer=world.east_customer, name="Auditor", rank="mid")
    client.force_login(world.east_rep)
    roots = get(client, f"/customers/{world.east_customer.pk}/org-chart").json()["roots"]
    assert [root["name"] for root in roots] == ["GM", "Auditor"]


def test_org_chart_survives_a_reports_to_cycle_in_the_data(client, world, org):
    Contact.objects.filter(pk=org.gm.pk).update(reports_to=org.engineer)  # GM → Engineer → CTO → GM
    client.force_login(world.east_rep)
    response = get(client, f"/customers/{world.east_customer.pk}/org-chart")
    assert response.status_code == 200
    names, stack = [], list(response.json()["roots"])
    while stack:
        node = stack.pop()
        names.append(node["name"])
        stack.extend(node["children"])
    assert sorted(names) == ["CFO", "CTO", "Engineer", "GM"]


def test_org_chart_focuses_on_a_department(client, world, org):
    client.force_login(world.east_rep)
    data = get(client, f"/customers/{world.east_customer.pk}/org-chart", department="Finance").json()
    assert data["department"] == "Finance"
    (gm,) = data["roots"]
    assert gm["context"] is True and [c["name"] for c in gm["children"]] == ["CFO"]
    assert gm["children"][0]["context"] is False


def make_organisation(customer, size, users, opportunity):
    boss = ContactFactory(customer=customer, name="Boss", rank="high")
    managers = [boss]
    for index in range(size - 1):
        contact = ContactFactory(
            customer=customer,
            name=f"P{index:03d}",
            department=f"D{index % 7}",
            reports_to=managers[index % len(managers)],
        )
        if index % 4 == 0:
            managers.append(contact)
        relationship_services.set_relationship_level(
            contact, users[index % len(users)], index % 5 + 1, by=users[0], note="Visit"
        )
        if index % 3 == 0:
            opportunity_services.set_contact_role(
                opportunity, contact, by=users[0], decision_role=DecisionRole.USER
            )


def test_org_chart_query_count_does_not_grow_with_contacts(client, world):
    users = [world.east_rep, world.east_rep2, world.east_mgr]
    small = world.east_customer
    large = CustomerFactory(owner=world.east_rep)
    make_organisation(small, 10, users, world.east_opp)
    make_organisation(large, 200, users, make_opportunity(owner=world.east_rep, customer=large))
    client.force_login(world.east_mgr)
    counts = []
    for customer, size in ((small, 10), (large, 200)):
        with CaptureQueriesContext(connection) as queries:
            response = get(client, f"/customers/{customer.pk}/org-chart")
        assert response.status_code == 200 and response.json()["count"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 10


# --- visibility -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["east_rep", "east_rep2", "east_mgr"])
def test_another_teams_org_chart_and_contacts_are_404_and_unchanged(client, world, username):
    west = world.west_customer
    boss = ContactFactory(customer=west, name="West boss")
    deputy = ContactFactory(customer=west, name="West deputy", reports_to=boss)
    line = Influence.objects.create(source=deputy, target=boss)
    own_customer = world.east_opp2.customer if username == "east_rep2" else world.east_customer
    mine = ContactFactory(customer=own_customer, name="Mine")
    client.force_login(getattr(world, username))
    assert get(client, f"/customers/{west.pk}/org-chart").status_code == 404
    assert get(client, f"/contacts/{deputy.pk}/delete-impact").status_code == 404
    assert post(client, f"/contacts/{deputy.pk}/move", {"manager": None, "version": 1}).status_code == 404
    # Nor may one of mine be hung under someone I cannot see.
    response = post(client, f"/contacts/{mine.pk}/move", {"manager": boss.pk, "version": 1})
    assert response.status_code == 422 and "reports_to" in response.json()["errors"]
    assert delete(client, f"/contacts/{deputy.pk}").status_code == 404
    assert post(client, f"/contacts/{deputy.pk}/influences", {"target": boss.pk}).status_code == 404
    assert delete(client, f"/influences/{line.pk}").status_code == 404
    deputy.refresh_from_db()
    mine.refresh_from_db()
    assert (deputy.reports_to_id, deputy.version, mine.reports_to_id, mine.version) == (boss.pk, 1, None, 1)
    assert Influence.objects.count() == 1


def test_anonymous_callers_get_401(client, world):
    assert get(client, f"/customers/{world.east_customer.pk}/org-chart").status_code == 401


# --- move -----------------------------------------------------------------------------------------


def test_move_puts_a_contact_under_another_manager(client, world, org):
    client.force_login(world.east_rep)
    response = post(client, f"/contacts/{org.engineer.pk}/move", {"manager": org.cfo.pk, "version": 1})
    assert response.status_code == 200
    assert response.json()["reports_to"] == {"id": org.cfo.pk, "name": "CFO"}
    assert response["ETag"] == '"2"'
    org.engineer.refresh_from_db()
    assert (org.engineer.reports_to_id, org.engineer.version) == (org.cfo.pk, 2)
    response = post(client, f"/contacts/{org.engineer.pk}/move", {"manager": None, "version": 2})
    assert response.status_code == 200 and response.json()["reports_to"] is None


def test_move_into_own_subtree_is_a_422_on_reports_to(client, world, org):
    client.force_login(world.east_rep)
    response = post(client, f"/contacts/{org.gm.pk}/move", {"manager": org.engineer.pk, "version": 1})
    assert response.status_code == 422
    (message,) = response.json()["errors"]["reports_to"]
    assert "cycle" in message and "Engineer" in message and "GM" in message
    org.gm.refresh_from_db()
    assert (org.gm.reports_to_id, org.gm.version) == (None, 1)


def test_move_with_a_stale_version_is_a_412(client, world, org):
    client.force_login(world.east_rep)
    assert (
        post(client, f"/contacts/{org.engineer.pk}/move", {"manager": org.cfo.pk, "version": 1}).status_code
        == 200
    )
    response = post(client, f"/contacts/{org.engineer.pk}/move", {"manager": org.gm.pk, "version": 1})
    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    org.engineer.refresh_from_db()
    assert org.engineer.reports_to_id == org.cfo.pk


def test_move_under_another_customers_contact_is_refused(client, world, org):
    other = ContactFactory(customer=world.west_customer, name="Elsewhere")
    client.force_login(world.director)
    response = post(client, f"/contacts/{org.engineer.pk}/move", {"manager": other.pk, "version": 1})
    assert response.status_code == 422 and "reports_to" in response.json()["errors"]
    org.engineer.refresh_from_db()
    assert org.engineer.reports_to_id == org.cto.pk


# --- delete ---------------------------------------------------------------------------------------


def test_delete_impact_counts_what_goes_and_where_reports_move(client, world, org):
    closed = make_opportunity(owner=world.east_rep, customer=world.east_customer, name="Old")
    opportunity_services.set_contact_role(closed, org.cto, by=world.east_rep, decision_role=DecisionRole.USER)
    opportunity_services.set_contact_role(
        closed, org.cto, by=world.east_rep, decision_role=DecisionRole.COACH
    )
    opportunity_services.close_opportunity(
        closed, by=world.east_rep, status=OpportunityStatus.LOST, reason="x"
    )
    relationship_services.set_relationship_level(org.cto, world.east_rep, 3, by=world.east_rep, note="Visit")
    relationship_services.add_influence(org.cto, org.cfo, by=world.east_rep)
    client.force_login(world.east_rep)
    data = get(client, f"/contacts/{org.cto.pk}/delete-impact").json()
    assert data == {
        "contact": {"id": org.cto.pk, "name": "CTO"},
        "blocked": False,
        "open_opportunities": [],
        "closed_roles": 2,
        "relationships": 1,
        "influence_lines": 1,
        "reports": 1,
        "reports_move_to": {"id": org.gm.pk, "name": "GM"},
        "message": "Deleting CTO also deletes 2 roles on closed opportunities, 1 relationship row, "
        "1 influence line. 1 direct report moves up to GM.",
    }
    assert delete(client, f"/contacts/{org.cto.pk}").status_code == 204
    assert not Contact.objects.filter(pk=org.cto.pk).exists()
    assert not OpportunityContact.objects.filter(contact_id=org.cto.pk).exists()
    assert not Relationship.objects.exists() and not Influence.objects.exists()
    org.engineer.refresh_from_db()
    assert org.engineer.reports_to_id == org.gm.pk


def test_delete_is_refused_while_in_an_open_decision_chain(client, world, org):
    opportunity_services.set_contact_role(
        world.east_opp, org.cto, by=world.east_rep, decision_role=DecisionRole.TECHNICAL_APPROVER
    )
    client.force_login(world.east_rep)
    impact = get(client, f"/contacts/{org.cto.pk}/delete-impact").json()
    assert impact["blocked"] is True
    assert impact["open_opportunities"] == [world.east_opp.project_number]
    assert world.east_opp.project_number in impact["message"]
    response = delete(client, f"/contacts/{org.cto.pk}")
    assert response.status_code == 409
    assert response.json()["detail"] == "rule_violation"
    assert world.east_opp.project_number in response.json()["message"]
    assert Contact.objects.filter(pk=org.cto.pk).exists()


# --- influence lines ------------------------------------------------------------------------------


def test_influence_line_is_added_and_removed(client, world, org):
    client.force_login(world.east_rep)
    response = post(client, f"/contacts/{org.cfo.pk}/influences", {"target": org.gm.pk, "note": "Trusted"})
    assert response.status_code == 201
    body = response.json()
    assert (body["source"]["id"], body["target"]["id"], body["note"]) == (org.cfo.pk, org.gm.pk, "Trusted")
    line = Influence.objects.get()
    assert (line.source_id, line.target_id) == (org.cfo.pk, org.gm.pk)
    assert delete(client, f"/influences/{line.pk}").status_code == 204
    assert not Influence.objects.exists()
    assert delete(client, f"/influences/{line.pk}").status_code == 404


def test_influence_line_to_oneself_is_refused(client, world, org):
    client.force_login(world.east_rep)
    response = post(client, f"/contacts/{org.cfo.pk}/influences", {"target": org.cfo.pk})
    assert response.status_code == 422
    assert "same person" in response.json()["errors"]["target"][0]
    assert not Influence.objects.exists()


def test_org_chart_endpoints_are_documented(client, world):
    client.force_login(world.east_rep)
    schema = get(client, "/openapi.json").json()
    paths = schema["paths"]
    assert "get" in paths["/api/v1/customers/{customer_id}/org-chart"]
    assert "delete" in paths["/api/v1/contacts/{contact_id}"]
    for path in ("/move", "/delete-impact", "/influences"):
        assert f"/api/v1/contacts/{{contact_id}}{path}" in paths
    node = schema["components"]["schemas"]["OrgChartNode"]["properties"]
    assert "highest level" in node["level"]["description"]
    assert "open opportunities" in node["roles"]["description"]
