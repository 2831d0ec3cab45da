from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from kam.planning.competition import services
from kam.planning.competition.models import CompetitorSupporter, GridCell
from kam.planning.competition.services import CellInput
from tests.factories import CompetitorFactory

pytestmark = pytest.mark.django_db


def page_url(opportunity):
    return reverse("planning_competition:opportunity", args=[opportunity.pk])


def test_the_page_shows_the_grid_with_a_print_button_and_the_competitors(deal, client, dimensions):
    client.force_login(deal.east_rep)
    response = client.get(page_url(deal.deal))
    assert response.status_code == 200
    text = response.content.decode()
    assert "data-print" in text
    assert "Alpha Systems" in text and "Beta Tech" in text
    assert f'name="score-{dimensions[0].pk}-us"' in text
    assert f'name="note-{dimensions[0].pk}-{deal.alpha.pk}"' in text
    assert "Market position" in text


def test_a_deal_without_competitors_shows_the_empty_state(world, client):
    client.force_login(world.east_rep)
    text = client.get(page_url(world.east_opp)).content.decode()
    assert "No competitor on this deal yet" in text


def test_the_page_answers_404_to_someone_who_may_not_see_the_deal(deal, client):
    client.force_login(deal.west_rep)
    assert client.get(page_url(deal.deal)).status_code == 404
    url = reverse("planning_competition:grid_save", args=[deal.deal.pk])
    assert client.post(url, {"version": 1}).status_code == 404


def test_saving_the_grid_through_htmx_marks_the_lead(deal, client, dimensions):
    client.force_login(deal.east_rep)
    first = dimensions[0]
    response = client.post(
        reverse("planning_competition:grid_save", args=[deal.deal.pk]),
        {
            "version": 1,
            f"score-{first.pk}-us": "5",
            f"score-{first.pk}-{deal.alpha.pk}": "2",
            f"note-{first.pk}-us": "Best",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="competition-workspace"' in text and "<html" not in text
    assert "Saved." in text
    assert 'class="cell lead"' in text
    assert GridCell.objects.get(competitor=None, dimension=first).note == "Best"


def test_a_stale_grid_form_says_so_and_keeps_what_was_typed(deal, client, dimensions):
    first = dimensions[0]
    services.save_grid(deal.deal, by=deal.east_rep2, version=1, cells=[CellInput(first.pk, None, 1)])
    client.force_login(deal.east_rep)
    response = client.post(
        reverse("planning_competition:grid_save", args=[deal.deal.pk]),
        {"version": 1, f"score-{first.pk}-us": "4", f"note-{first.pk}-us": "mine"},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert "changed by someone else" in text
    assert ">mine</textarea>" in text
    assert GridCell.objects.get(competitor=None, dimension=first).score == 1


def test_a_score_out_of_range_is_refused_with_a_message(deal, client, dimensions):
    client.force_login(deal.east_rep)
    response = client.post(
        reverse("planning_competition:grid_save", args=[deal.deal.pk]),
        {"version": 1, f"score-{dimensions[0].pk}-us": "9"},
    )
    assert "a score is from 1 to 5" in response.content.decode()
    assert not GridCell.objects.exists()


def test_adding_a_competitor_from_the_grid(deal, client):
    gamma = CompetitorFactory(name="Gamma")
    client.force_login(deal.east_rep)
    response = client.post(
        reverse("planning_competition:add_competitor", args=[deal.deal.pk]), {"competitor": gamma.pk}
    )
    assert response.status_code == 302
    assert deal.deal.competitor_entries.filter(competitor=gamma).exists()
    response = client.post(reverse("planning_competition:add_competitor", args=[deal.deal.pk]), {})
    assert "Choose a competitor or type a new one" in response.content.decode()


def test_marking_and_removing_a_supporter(deal, client):
    client.force_login(deal.east_rep)
    response = client.post(
        reverse("planning_competition:supporter_mark", args=[deal.deal.pk]),
        {"contact": deal.wang.pk, "competitor": deal.alpha.pk, "note": "ex-colleague"},
        HTTP_HX_REQUEST="true",
    )
    assert 'class="badge supporter">Wang' in response.content.decode()
    supporter = CompetitorSupporter.objects.get()
    chain = client.get(reverse("planning_competition:chain_supporters", args=[deal.deal.pk])).content.decode()
    assert "Alpha Systems" in chain and "Wang" in chain
    client.post(reverse("planning_competition:supporter_remove", args=[deal.deal.pk, supporter.pk]))
    assert not CompetitorSupporter.objects.exists()


def test_the_decision_chain_page_loads_the_supporter_marks(deal, client):
    client.force_login(deal.east_rep)
    text = client.get(reverse("chain:decision_chain", args=[deal.deal.pk])).content.decode()
    assert reverse("planning_competition:chain_supporters", args=[deal.deal.pk]) in text


def test_the_strategy_panel_lists_the_tool_with_its_state(deal, client):
    client.force_login(deal.east_rep)
    text = client.get(reverse("planning:opportunity_panel", args=[deal.deal.pk])).content.decode()
    assert "Competitor analysis" in text
    assert "2 competitors · not scored yet" in text


def test_the_page_is_a_fixed_number_of_queries(deal, client, dimensions, django_assert_max_num_queries):
    services.mark_supporter(deal.deal, by=deal.east_rep, contact=deal.wang, competitor=deal.alpha)
    services.save_grid(
        deal.deal, by=deal.east_rep, version=1, cells=[CellInput(d.pk, None, 3) for d in dimensions]
    )
    client.force_login(deal.east_rep)
    with django_assert_max_num_queries(20):
        assert client.get(page_url(deal.deal)).status_code == 200


def test_the_page_in_chinese(deal, client):
    client.force_login(deal.east_rep)
    with translation.override("zh-hans"):
        text = client.get(page_url(deal.deal), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "竞争对手分析" in text
    assert "市场地位" in text


# --- the directory ------------------------------------------------------------------------------------


def test_the_directory_searches_and_pages(world, client, django_assert_max_num_queries):
    for n in range(30):
        CompetitorFactory(name=f"Rival {n:02d}")
    CompetitorFactory(name="Other")
    client.force_login(world.east_rep)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("planning_competition:directory")).content.decode()
    assert "Rival 00" in first and "Rival 29" not in first
    assert "page=2" in first
    found = client.get(reverse("planning_competition:directory"), {"q": "oth"}).content.decode()
    assert "Other" in found and "Rival 00" not in found


def test_creating_and_editing_a_competitor_through_the_pages(world, client):
    client.force_login(world.east_rep)
    response = client.post(
        reverse("planning_competition:competitor_create"), {"name": "Gamma", "website": "https://g.example"}
    )
    assert response.status_code == 302
    competitor = services.Competitor.objects.get(name="Gamma")
    edit = reverse("planning_competition:competitor_edit", args=[competitor.pk])
    client.post(edit, {"name": "Gamma Co", "version": 1})
    competitor.refresh_from_db()
    assert competitor.name == "Gamma Co"
    stale = client.post(edit, {"name": "Stale", "version": 1})
    assert "changed by someone else" in stale.content.decode()
    detail = client.get(reverse("planning_competition:competitor", args=[competitor.pk])).content.decode()
    assert "Record against us" in detail and "Gamma Co" in detail
