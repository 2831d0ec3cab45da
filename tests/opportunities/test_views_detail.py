"""The opportunity page: path, criteria, history, deal team, decision chain entries, competitors, and
the relationship score with its gaps and the deal team's relationship summary (also on the pipeline)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kam.opportunities import services
from kam.opportunities.models import (
    CriterionCheck,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityMember,
    OpportunityStatus,
)
from kam.relationships.services import set_relationship_level
from tests.factories import (
    CompetitorFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    make_opportunity,
    stage,
)
from tests.opportunities.conftest import _count_queries

pytestmark = pytest.mark.django_db

# --- opportunity page -------------------------------------------------------------------------


def test_detail_shows_path_criteria_history_team_contacts_and_competitors(client, world):
    opp = world.east_opp
    rep = world.east_rep
    contact = ContactFactory(customer=opp.customer, name="Chief Engineer Li")
    set_relationship_level(contact, rep, 3, by=rep, note="Met at the plant")
    services.set_contact_role(opp, contact, by=rep, decision_role="technical_approver", stance="C")
    services.add_competitor(opp, CompetitorFactory(name="Rival Corp"), by=rep, strengths="cheap")
    services.move_stage(opp, stage("P1"), by=rep, key_node_confirmed=True)
    services.move_stage(opp, stage("P0"), by=rep, note="needs rework")
    opp.refresh_from_db()
    services.update_opportunity(opp, by=rep, version=opp.version, amount=Decimal("1200000"))
    client.force_login(rep)
    response = client.get(reverse("opportunities:detail", args=[opp.pk]))
    body = response.content.decode()
    assert [step["state"] for step in response.context["path"]][:2] == ["current", "later"]
    assert len(response.context["path"]) == 8
    assert "Chief Engineer Li" in body and "CR3" in body
    assert "Rival Corp" in body
    assert "needs rework" in body and "backward" in body
    assert "¥1,200,000.00" in body
    assert any(change.field == "amount" for change in response.context["changes"])
    assert str(rep) in body
    assert len(response.context["criteria"]) == 2


def test_detail_page_query_count_is_bounded(client, world, django_assert_max_num_queries):
    opp = world.east_opp
    rep = world.east_rep
    for i in range(5):
        contact = ContactFactory(customer=opp.customer)
        set_relationship_level(contact, rep, 2, by=rep, note="Met at the plant")
        services.set_contact_role(opp, contact, by=rep, decision_role="user")
        services.set_member(opp, UserFactory(team=world.east), by=rep, role="member", part=f"part {i}")
        services.add_competitor(opp, CompetitorFactory(), by=rep)
    client.force_login(rep)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("opportunities:detail", args=[opp.pk])).status_code == 200


def test_criterion_can_be_ticked_and_unticked(client, world):
    opp = world.east_opp
    criterion = stage("P0").exit_criteria.first()
    client.force_login(world.east_rep)
    url = reverse("opportunities:criterion", args=[opp.pk, criterion.pk])
    assert client.post(url, {"checked": "1"}).status_code == 302
    assert CriterionCheck.objects.filter(opportunity=opp, criterion=criterion).exists()
    client.post(url, {"checked": "0"})
    assert not CriterionCheck.objects.filter(opportunity=opp, criterion=criterion).exists()


def test_deal_team_add_and_remove(client, world):
    opp = world.east_opp
    colleague = UserFactory(team=world.west, name="Presales Zhao")
    client.force_login(world.east_rep)
    client.post(
        reverse("opportunities:member_add", args=[opp.pk]),
        {"user": colleague.pk, "role": "member", "part": "solution"},
    )
    member = OpportunityMember.objects.get(opportunity=opp, user=colleague)
    assert member.part == "solution"
    client.post(reverse("opportunities:member_remove", args=[opp.pk, colleague.pk]))
    assert not OpportunityMember.objects.filter(opportunity=opp, user=colleague).exists()
    # the owner stays on the team
    response = client.post(
        reverse("opportunities:member_remove", args=[opp.pk, world.east_rep.pk]), follow=True
    )
    assert OpportunityMember.objects.filter(opportunity=opp, user=world.east_rep).exists()
    assert response.status_code == 200


def test_decision_chain_add_only_accepts_the_customers_contacts(client, world):
    opp = world.east_opp
    own = ContactFactory(customer=opp.customer)
    foreign = ContactFactory(customer=world.west_customer)
    client.force_login(world.east_rep)
    url = reverse("opportunities:contact_add", args=[opp.pk])
    client.post(url, {"contact": own.pk, "decision_role": "decision_maker", "stance": "A"})
    client.post(url, {"contact": foreign.pk, "decision_role": "coach", "stance": "A"})
    assert list(OpportunityContact.objects.filter(opportunity=opp).values_list("contact_id", flat=True)) == [
        own.pk
    ]
    entry = OpportunityContact.objects.get(opportunity=opp)
    client.post(reverse("opportunities:contact_remove", args=[opp.pk, entry.pk]))
    assert not OpportunityContact.objects.filter(opportunity=opp).exists()


def test_competitor_add(client, world):
    opp = world.east_opp
    competitor = CompetitorFactory(name="Rival")
    client.force_login(world.east_rep)
    client.post(
        reverse("opportunities:competitor_add", args=[opp.pk]),
        {"competitor": competitor.pk, "weaknesses": "slow service"},
    )
    assert OpportunityCompetitor.objects.get(opportunity=opp).weaknesses == "slow service"


def test_a_small_form_error_names_its_field(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    response = client.post(
        reverse("opportunities:competitor_add", args=[opp.pk]), {"weaknesses": "slow"}, follow=True
    )
    assert "Competitor: This field is required." in response.content.decode()
    assert not OpportunityCompetitor.objects.filter(opportunity=opp).exists()


# --- relationship score, gaps and the deal team's relationship summary -------------------------------


def _add_p4_deals(world, n):
    rep = world.east_rep
    for i in range(n):
        customer = CustomerFactory(owner=rep)
        contact = ContactFactory(customer=customer, name=f"Wang {i}")
        set_relationship_level(contact, rep, 1, by=rep, note="First call")
        opp = make_opportunity(owner=rep, customer=customer, name=f"Late deal {i}", stage_code="P4")
        services.set_contact_role(opp, contact, by=rep, decision_role="decision_maker", stance="C")


def test_pipeline_shows_relationship_score_with_gaps(client, world):
    _add_p4_deals(world, 1)
    client.force_login(world.east_rep)
    response = client.get(reverse("opportunities:pipeline"), {"q": "Late deal 0"})
    body = response.content.decode()
    assert "<th>Relationship</th>" in body
    row = response.context["rows"][0]
    assert row.relationship.score == 20  # only "a decision maker is known" holds
    assert "P4 · Decision maker Wang 0 opposes" in body
    assert "score-poor" in body and "20%" in body


def test_pipeline_score_column_keeps_the_query_count_for_3_and_30_rows(client, world):
    client.force_login(world.east_mgr)
    url = reverse("opportunities:pipeline")
    _add_p4_deals(world, 3)
    small = _count_queries(client, url)
    _add_p4_deals(world, 27)
    response = client.get(url)
    assert (
        sum("opposes" in gap.text for row in response.context["rows"] for gap in row.relationship.gaps) == 30
    )
    assert _count_queries(client, url) == small


def test_detail_page_shows_score_gaps_and_links_to_chain_views(client, world):
    opp = world.east_opp
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:detail", args=[opp.pk])).content.decode()
    assert 'id="relationship-score"' in body and "100%" in body
    assert reverse("chain:decision_chain", args=[opp.pk]) in body
    assert reverse("chain:power_map", args=[opp.pk]) in body
    services.move_stage(opp, stage("P1"), by=world.east_rep, key_node_confirmed=True)
    services.move_stage(opp, stage("P2"), by=world.east_rep, key_node_confirmed=True)
    body = client.get(reverse("opportunities:detail", args=[opp.pk])).content.decode()
    assert "P2 · no Decision maker known" in body and "0%" in body


def test_deal_team_shows_best_cr_level_per_rank(client, world):
    opp = world.east_opp
    customer = opp.customer
    rep, rep2 = world.east_rep, world.east_rep2
    high = ContactFactory(customer=customer, rank="high")
    mid_high = ContactFactory(customer=customer, rank="mid_high")
    mid = ContactFactory(customer=customer, rank="mid")
    ContactFactory(customer=customer, rank="low")  # nobody knows the low-rank people
    set_relationship_level(high, rep, 2, by=rep, note="Met")
    set_relationship_level(mid_high, rep, 3, by=rep, note="Met")
    set_relationship_level(mid, rep2, 4, by=rep2, note="Met")
    set_relationship_level(mid, rep, 1, by=rep, note="Met")
    other = ContactFactory(customer=world.west_customer, rank="low")
    set_relationship_level(other, world.west_rep, 5, by=world.west_rep, note="Not this customer")
    client.force_login(rep)
    response = client.get(reverse("opportunities:detail", args=[opp.pk]))
    summary = {item["rank"]: item["level"] for item in response.context["relationship_summary"]}
    assert summary == {"high": 2, "mid": 4, "low": None}
    body = response.content.decode()
    assert 'id="relationship-summary"' in body
    assert 'data-rank="mid">Mid <span class="badge level">CR4</span>' in body


def test_relationship_summary_is_one_query(world, django_assert_num_queries):
    from kam.opportunities.selectors import relationship_summary

    for rank in ("high", "mid", "low"):
        contact = ContactFactory(customer=world.east_customer, rank=rank)
        set_relationship_level(contact, world.east_rep, 3, by=world.east_rep, note="Met")
    with django_assert_num_queries(1):
        relationship_summary(world.east_customer.pk)


def test_edit_form_sets_the_forecast_category(client, world):
    client.force_login(world.east_rep)
    opportunity = world.east_opp
    url = reverse("opportunities:edit", args=[opportunity.pk])
    form = client.get(url).context["form"]
    data = {name: "" if value is None else value for name, value in form.initial.items()}
    data.update(owner=opportunity.owner_id, forecast_category="commit", sign_date_precision="day")
    data["sign_date"] = opportunity.sign_date.isoformat()
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    opportunity.refresh_from_db()
    assert opportunity.forecast_category == "commit"


def test_field_changes_show_choice_labels_in_the_readers_language(client, world):
    from django.conf import settings

    opportunity = world.east_opp
    services.update_opportunity(
        opportunity, by=world.east_rep, version=opportunity.version, forecast_category="commit"
    )
    services.close_opportunity(opportunity, by=world.east_rep, status=OpportunityStatus.WON, reason="signed")
    client.force_login(world.east_rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get(reverse("opportunities:detail", args=[opportunity.pk])).content.decode()
    changes = body[body.index('id="changes"') :]
    assert "承诺" in changes and "赢单" in changes
    assert ">commit<" not in changes and ">won<" not in changes
    # The API keeps the codes: they are values, not words.
    assert opportunity.changes.filter(field="forecast_category", new_value="commit").exists()
