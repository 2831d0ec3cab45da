"""The pipeline and the board: what they render, who sees what, filters, sort, pagination, totals,
query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kam.opportunities import services, views
from kam.opportunities.models import (
    CriterionCheck,
    Opportunity,
    OpportunityChange,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityMember,
    OpportunityStatus,
    StageChange,
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


def names_in(response) -> list[str]:
    return [opp.name for opp in response.context["rows"]]


# --- pages render -----------------------------------------------------------------------------


def test_every_page_renders_for_the_owner(client, world):
    client.force_login(world.east_rep)
    opp = world.east_opp
    pages = {
        reverse("opportunities:pipeline"): "East furnace",
        reverse("opportunities:board"): "East furnace",
        reverse("opportunities:detail", args=[opp.pk]): opp.project_number,
        reverse("opportunities:edit", args=[opp.pk]): 'type="date"',
        reverse("opportunities:create"): 'name="customer"',
        reverse("opportunities:close", args=[opp.pk]): 'name="reason_choice"',
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.content.decode(), url


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(reverse("opportunities:pipeline"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_pipeline_row_shows_amount_stage_sign_date_and_key_contacts(client, world):
    opp = world.east_opp
    contact = ContactFactory(customer=opp.customer, name="Director Wang")
    services.set_contact_role(opp, contact, by=world.east_rep, decision_role="decision_maker", stance="A")
    set_relationship_level(contact, world.east_rep, 2, by=world.east_rep, note="Met at the plant")
    set_relationship_level(contact, world.east_rep2, 4, by=world.east_rep2, note="Met at the plant")
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:pipeline")).content.decode()
    assert "¥1,000,000.00" in body
    assert "P0" in body
    assert "2027-03-31" in body
    assert "Director Wang" in body
    assert 'Director Wang <span class="muted">Decision maker</span>' in body
    assert "CR4" in body  # the company level is the highest any of our people holds
    assert "stance-A" in body
    assert reverse("customers:detail", args=[opp.customer_id]) in body


def test_pipeline_shows_range_and_gap_badges(client, world):
    make_opportunity(
        owner=world.east_rep,
        customer=world.east_customer,
        name="Ranged",
        amount=None,
        amount_low=Decimal("100000"),
        amount_high=Decimal("300000"),
        sign_date=None,
    )
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:pipeline"), {"q": "Ranged"}).content.decode()
    assert "¥100,000.00–¥300,000.00" in body
    assert "no sign date" in body
    assert "no amount" not in body


def test_pipeline_in_chinese_keeps_yuan_with_thousands_separators(client, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:pipeline")).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "¥1,000,000.00" in body


def test_pipeline_empty_state(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("opportunities:pipeline"), {"q": "nothing like this"})
    assert response.status_code == 200
    assert "No opportunities match these filters." in response.content.decode()


def test_pipeline_htmx_request_renders_only_the_table_partial(client, world):
    client.force_login(world.east_rep)
    response = client.get(reverse("opportunities:pipeline"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="pipeline-results"' in body
    assert "<html" not in body
    assert "East furnace" in body


# --- visibility ---------------------------------------------------------------------------------


def test_rep_sees_only_own_opportunities_in_pipeline_and_board(client, world):
    client.force_login(world.east_rep)
    assert names_in(client.get(reverse("opportunities:pipeline"))) == ["East furnace"]
    board = client.get(reverse("opportunities:board")).content.decode()
    assert "East furnace" in board
    assert "West turbine" not in board and "East rolling mill" not in board


def test_manager_sees_team_but_not_other_team(client, world):
    client.force_login(world.east_mgr)
    assert sorted(names_in(client.get(reverse("opportunities:pipeline")))) == [
        "East furnace",
        "East rolling mill",
    ]
    assert client.get(reverse("opportunities:detail", args=[world.east_opp2.pk])).status_code == 200
    assert client.get(reverse("opportunities:detail", args=[world.west_opp.pk])).status_code == 404


def test_director_sees_all(client, world):
    client.force_login(world.director)
    assert sorted(names_in(client.get(reverse("opportunities:pipeline")))) == [
        "East furnace",
        "East rolling mill",
        "West turbine",
    ]
    assert client.get(reverse("opportunities:detail", args=[world.west_opp.pk])).status_code == 200


def _db_state(opp):
    fresh = Opportunity.objects.get(pk=opp.pk)
    return (
        fresh.version,
        fresh.stage_id,
        fresh.status,
        fresh.name,
        StageChange.objects.filter(opportunity=opp).count(),
        OpportunityChange.objects.filter(opportunity=opp).count(),
        CriterionCheck.objects.filter(opportunity=opp).count(),
        OpportunityMember.objects.filter(opportunity=opp).count(),
        OpportunityContact.objects.filter(opportunity=opp).count(),
        OpportunityCompetitor.objects.filter(opportunity=opp).count(),
    )


def test_rep_gets_404_for_other_teams_opportunity_everywhere_and_nothing_changes(client, world):
    opp = world.east_opp
    contact = ContactFactory(customer=opp.customer)
    entry = services.set_contact_role(opp, contact, by=world.east_rep, decision_role="user")
    colleague = UserFactory(team=world.east)
    services.set_member(opp, colleague, by=world.east_rep, role="member")
    competitor = CompetitorFactory(name="Rival")
    criterion = stage("P0").exit_criteria.first()
    before = _db_state(opp)
    client.force_login(world.west_rep)
    pk = opp.pk
    requests = [
        ("get", reverse("opportunities:detail", args=[pk]), {}),
        ("get", reverse("opportunities:edit", args=[pk]), {}),
        (
            "post",
            reverse("opportunities:edit", args=[pk]),
            {
                "name": "Hacked",
                "owner": world.west_rep.pk,
                "sign_date_precision": "day",
                "version": opp.version,
            },
        ),
        (
            "post",
            reverse("opportunities:move", args=[pk]),
            {"to_stage": stage("P1").pk, "key_node_confirmed": "on"},
        ),
        ("get", reverse("opportunities:close", args=[pk]), {}),
        ("post", reverse("opportunities:close", args=[pk]), {"status": "dropped", "reason": "x"}),
        ("post", reverse("opportunities:criterion", args=[pk, criterion.pk]), {"checked": "1"}),
        (
            "post",
            reverse("opportunities:member_add", args=[pk]),
            {"user": world.west_rep.pk, "role": "member"},
        ),
        ("post", reverse("opportunities:member_remove", args=[pk, colleague.pk]), {}),
        (
            "post",
            reverse("opportunities:contact_add", args=[pk]),
            {"contact": contact.pk, "decision_role": "coach", "stance": "C"},
        ),
        ("post", reverse("opportunities:contact_remove", args=[pk, entry.pk]), {}),
        ("post", reverse("opportunities:competitor_add", args=[pk]), {"competitor": competitor.pk}),
    ]
    for method, url, data in requests:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
    assert _db_state(opp) == before


# --- filters, sort, pagination, totals ------------------------------------------------------------


@pytest.fixture
def varied(world):
    """East rep's opportunities with distinct stages, amounts, dates and one closed."""
    rep = world.east_rep
    other_customer = CustomerFactory(name="Harbour Group", owner=rep)
    make_opportunity(
        owner=rep,
        customer=other_customer,
        name="Crane",
        stage_code="P2",
        amount=Decimal("2000000"),
        sign_date=dt.date(2027, 8, 15),
    )
    make_opportunity(
        owner=rep,
        customer=world.east_customer,
        name="Ranged",
        amount=None,
        amount_low=Decimal("100000"),
        amount_high=Decimal("300000"),
        sign_date=None,
    )
    won = make_opportunity(owner=rep, customer=world.east_customer, name="Won deal", amount=Decimal("500"))
    services.close_opportunity(won, by=rep, status=OpportunityStatus.WON, reason="signed")
    return world


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Crane", "East furnace", "Ranged"]),
        ({"status": "won"}, ["Won deal"]),
        ({"status": "all"}, ["Crane", "East furnace", "Ranged", "Won deal"]),
        ({"sign_quarter": "2027 Q3"}, ["Crane"]),
        ({"sign_quarter": "27.Q3"}, ["Crane"]),
        ({"sign_quarter": "2027 Q1"}, ["East furnace"]),
        ({"q": "cran"}, ["Crane"]),
        ({"q": "Harbour"}, ["Crane"]),
        ({"incomplete": "on"}, ["Ranged"]),
    ],
)
def test_pipeline_filters_return_the_right_rows(client, varied, params, expected):
    client.force_login(varied.director)
    params = {"owner": varied.east_rep.pk, **params}
    assert sorted(names_in(client.get(reverse("opportunities:pipeline"), params))) == expected


def test_pipeline_filters_by_stage_customer_and_owner(client, varied):
    client.force_login(varied.director)
    url = reverse("opportunities:pipeline")
    assert names_in(client.get(url, {"stage": stage("P2").pk})) == ["Crane"]
    assert sorted(names_in(client.get(url, {"customer": varied.east_customer.pk}))) == [
        "East furnace",
        "Ranged",
    ]
    assert names_in(client.get(url, {"owner": varied.west_rep.pk})) == ["West turbine"]
    assert names_in(client.get(url, {"team": varied.west.pk})) == ["West turbine"]


def test_invalid_sign_quarter_shows_the_message_not_an_error(client, varied):
    client.force_login(varied.east_rep)
    response = client.get(reverse("opportunities:pipeline"), {"sign_quarter": "someday"})
    assert response.status_code == 200
    assert "2027 Q3" in response.context["filter_errors"]["sign_quarter"]
    assert response.context["filter_errors"]["sign_quarter"] in response.content.decode()


def test_pipeline_sorts_by_amount_both_ways_keeping_filters(client, varied):
    client.force_login(varied.east_rep)
    url = reverse("opportunities:pipeline")
    assert names_in(client.get(url, {"sort": "amount"})) == ["Ranged", "East furnace", "Crane"]
    response = client.get(url, {"sort": "-amount", "q": "e"})
    assert names_in(response) == ["Crane", "East furnace", "Ranged"]
    body = response.content.decode()
    assert "▼" in body
    assert 'name="sort" value="-amount" form="pipeline-filters"' in body  # the filter form keeps the sort
    # the amount header toggles back to ascending and keeps the search
    assert response.context["sort_links"]["amount"]["url"] == "?sort=amount&q=e"


def test_pipeline_totals_match_hand_computed_figures(client, varied):
    client.force_login(varied.east_rep)
    response = client.get(reverse("opportunities:pipeline"))
    totals = response.context["totals"]
    # 1,000,000 (P0 10 %) + 2,000,000 (P2 25 %) + midpoint of 100,000–300,000 (P0 10 %)
    assert totals["count"] == 3
    assert totals["amount"] == Decimal("3200000")
    assert totals["weighted"] == Decimal("620000.00")
    body = response.content.decode()
    assert "¥3,200,000.00" in body and "¥620,000.00" in body


def test_pipeline_pages_by_50_with_next_and_previous_links_keeping_filters_and_sort(client, world):
    rep = world.east_rep
    for i in range(54):
        make_opportunity(owner=rep, customer=world.east_customer, name=f"Bulk {i:02d}")
    client.force_login(rep)
    url = reverse("opportunities:pipeline")
    first = client.get(url, {"sort": "name", "q": "Bulk"})
    assert len(first.context["rows"]) == 50
    assert first.context["totals"]["count"] == 54
    assert first.context["previous_url"] is None
    next_url = first.context["next_url"]
    assert next_url.startswith("?sort=name&q=Bulk&cursor=")
    assert f'href="{next_url}"' in first.content.decode().replace("&amp;", "&")
    second = client.get(url + next_url)
    assert names_in(second) == [f"Bulk {i:02d}" for i in range(50, 54)]
    assert second.context["next_url"] is None
    back = client.get(url + second.context["previous_url"])
    assert names_in(back) == names_in(first)
    # A sort header starts again from the first page, keeping the filters.
    assert second.context["sort_links"]["name"]["url"] == "?sort=-name&q=Bulk"


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ", "WzEsIm4iLCJ4IiwiQnVsayIsMV0"])
def test_pipeline_with_an_out_of_date_or_malformed_cursor_shows_the_first_page_and_says_so(
    client, world, cursor
):
    client.force_login(world.east_rep)
    response = client.get(reverse("opportunities:pipeline"), {"sort": "name", "cursor": cursor})
    assert response.status_code == 200
    assert names_in(response) == ["East furnace"]
    assert "here is the first page" in response.content.decode()


def test_pipeline_cursor_of_another_sort_falls_back_to_the_first_page(client, world, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for i in range(3):
        make_opportunity(owner=world.east_rep, customer=world.east_customer, name=f"Bulk {i}")
    client.force_login(world.east_rep)
    url = reverse("opportunities:pipeline")
    cursor = client.get(url, {"sort": "name"}).context["page"].next_cursor
    response = client.get(url, {"sort": "-name", "cursor": cursor})
    assert response.context["cursor_notice"]
    assert names_in(response) == ["East furnace", "Bulk 2"]


def _add_rich_opportunities(world, n):
    rep = world.east_rep
    for i in range(n):
        customer = CustomerFactory(owner=rep)
        contact = ContactFactory(customer=customer)
        set_relationship_level(contact, rep, 3, by=rep, note="Met at the plant")
        opp = make_opportunity(
            owner=rep, customer=customer, name=f"Deal {i}", stage_code=("P0", "P1", "P2")[i % 3]
        )
        services.set_contact_role(opp, contact, by=rep, decision_role="decision_maker")


@pytest.mark.parametrize("url_name", ["opportunities:pipeline", "opportunities:board"])
def test_list_pages_use_the_same_number_of_queries_for_3_and_30_rows(client, world, url_name):
    client.force_login(world.east_mgr)
    url = reverse(url_name)
    _add_rich_opportunities(world, 2)
    small = _count_queries(client, url)
    _add_rich_opportunities(world, 28)
    large = _count_queries(client, url)
    assert large == small
    if url_name == "opportunities:board":
        # The board reads one capped card query per stage column (served by an index instead of
        # ranking every open opportunity), so its bound grows with the process's stages — fixed
        # data, eight in the default process — and never with the opportunities.
        from kam.opportunities.models import Stage

        stages = Stage.objects.filter(process__is_default=True).count()
        assert small <= 14 + stages
    else:
        assert small <= 20


# --- board ------------------------------------------------------------------------------------


def test_board_columns_show_counts_amounts_and_cap_cards(client, world, monkeypatch):
    from kam.opportunities import views

    monkeypatch.setattr(views, "BOARD_CARDS_PER_COLUMN", 2)
    for i in range(3):
        make_opportunity(owner=world.east_rep, customer=world.east_customer, name=f"Extra {i}")
    client.force_login(world.east_rep)
    response = client.get(reverse("opportunities:board"))
    p0 = response.context["columns"][0]
    assert p0["stage"].code == "P0"
    assert p0["count"] == 4
    assert p0["amount"] == Decimal("4000000")
    assert len(p0["cards"]) == 2
    body = response.content.decode()
    assert "2 more in the pipeline table" in body
    assert f"?stage={stage('P0').pk}" in body
    assert reverse("opportunities:move", args=[world.east_opp.pk]) in body


def test_board_cards_are_the_earliest_sign_dates_of_each_column_undated_last(world):
    from kam.opportunities.selectors import PipelineFilters, board_columns

    def add(name, code, sign_date):
        return make_opportunity(
            owner=world.east_rep,
            customer=world.east_customer,
            name=name,
            stage_code=code,
            sign_date=sign_date,
        )

    add("P1 undated", "P1", None)
    add("P1 late", "P1", dt.date(2027, 9, 30))
    add("P1 early", "P1", dt.date(2027, 1, 31))
    add("P2 undated", "P2", None)
    add("P2 dated", "P2", dt.date(2028, 3, 31))
    columns = {
        c["stage"].code: c
        for c in board_columns(world.east_rep, PipelineFilters(), stage("P1").process_id, 2)
    }
    assert [o.name for o in columns["P1"]["cards"]] == ["P1 early", "P1 late"]
    assert columns["P1"]["count"] == 3  # the cap limits the cards, not the column's count
    assert [o.name for o in columns["P2"]["cards"]] == ["P2 dated", "P2 undated"]
    assert columns["P3"]["cards"] == [] and columns["P3"]["count"] == 0


def test_board_cards_name_the_customer_and_owner_as_elsewhere_in_queries_that_do_not_grow(client, world):
    # The short name stands for the customer, the username for an owner without a name; a
    # quarter-precise sign date reads as its quarter.
    rep = UserFactory(username="card_rep", name="", team=world.east_rep.team)
    customer = CustomerFactory(owner=rep, name="Shanghai Baosteel Group", short_name="Baosteel")
    make_opportunity(
        owner=rep,
        customer=customer,
        name="Card deal",
        amount=None,
        amount_low=Decimal("100000"),
        amount_high=Decimal("300000"),
        sign_date=dt.date(2027, 9, 30),
        sign_date_precision="quarter",
    )
    client.force_login(world.director)
    client.get(reverse("opportunities:board"))
    queries = _count_queries(client, reverse("opportunities:board"))
    response = client.get(reverse("opportunities:board"))
    card = next(c for column in response.context["columns"] for c in column["cards"] if c.name == "Card deal")
    assert (card.customer, card.owner, card.sign_date_display) == ("Baosteel", "card_rep", "2027 Q3")
    body = response.content.decode()
    assert '<div class="card-customer">Baosteel</div>' in body
    assert '<div class="card-owner muted">card_rep</div>' in body
    for i in range(5):
        make_opportunity(owner=rep, customer=CustomerFactory(owner=rep), name=f"More {i}")
    assert _count_queries(client, reverse("opportunities:board")) == queries


def test_board_switches_process(client, world):
    from kam.opportunities.models import SalesProcess

    project = SalesProcess.objects.get(code="project-sale")
    services.create_opportunity(
        by=world.east_rep,
        customer=world.east_customer,
        name="Project deal",
        stage=stage("S1", "project-sale"),
    )
    client.force_login(world.east_rep)
    response = client.get(reverse("opportunities:board"), {"process": project.pk})
    assert [c["stage"].code for c in response.context["columns"]][0] == "S1"
    body = response.content.decode()
    assert "Project deal" in body and "East furnace" not in body


def test_board_htmx_request_renders_only_the_board(client, world):
    client.force_login(world.east_rep)
    body = client.get(reverse("opportunities:board"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="board"' in body and "<html" not in body
