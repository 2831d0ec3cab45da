from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kam.core.errors import ConflictError
from kam.opportunities.models import Competitor, OpportunityCompetitor
from kam.planning.competition import services
from kam.planning.competition.models import CompetitionChange, CompetitorSupporter, GridCell
from kam.planning.competition.services import CellInput
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_create_competitor_adds_a_profile_and_a_history_line(world):
    competitor = services.create_competitor(
        by=world.east_rep, name="  Gamma  ", website="https://gamma.example"
    )
    assert competitor.name == "Gamma"
    assert competitor.profile.website == "https://gamma.example"
    line = CompetitionChange.objects.get(competitor=competitor)
    assert line.action == CompetitionChange.Action.COMPETITOR_CREATED
    assert line.summary_en == "Competitor Gamma added to the directory"
    assert line.summary != line.summary_en  # kept in zh-Hans as well


def test_a_name_already_in_the_directory_is_refused_whatever_its_case(world):
    services.create_competitor(by=world.east_rep, name="Gamma")
    with pytest.raises(ValidationError) as error:
        services.create_competitor(by=world.east_rep, name="gamma")
    assert "name" in error.value.message_dict
    assert Competitor.objects.filter(name__iexact="gamma").count() == 1


def test_a_bad_website_is_refused_with_nothing_written(world):
    with pytest.raises(ValidationError) as error:
        services.create_competitor(by=world.east_rep, name="Delta", website="javascript:alert(1)")
    assert "website" in error.value.message_dict
    assert not Competitor.objects.filter(name="Delta").exists()


def test_update_competitor_checks_the_version_and_keeps_the_change(world):
    competitor = services.create_competitor(by=world.east_rep, name="Gamma")
    services.update_competitor(competitor, by=world.east_rep, version=1, name="Gamma Corp", strengths="Price")
    competitor.refresh_from_db()
    assert competitor.name == "Gamma Corp"
    assert competitor.profile.strengths == "Price"
    assert competitor.profile.version == 2
    edit = CompetitionChange.objects.get(
        competitor=competitor, action=CompetitionChange.Action.COMPETITOR_EDITED
    )
    assert edit.changes["name"] == ["Gamma", "Gamma Corp"]
    with pytest.raises(ConflictError):
        services.update_competitor(competitor, by=world.east_rep, version=1, notes="stale")
    competitor.refresh_from_db()
    assert competitor.notes == ""


def test_a_competitor_made_elsewhere_gets_its_profile_on_first_edit(world):
    competitor = Competitor.objects.create(name="Legacy")
    services.update_competitor(competitor, by=world.east_rep, version=1, headquarters="Shanghai")
    assert competitor.profile.headquarters == "Shanghai"


def test_add_to_deal_by_new_name_creates_the_competitor_once(deal):
    services.add_to_deal(deal.deal, by=deal.east_rep, new_name="Gamma")
    assert OpportunityCompetitor.objects.filter(opportunity=deal.deal, competitor__name="Gamma").exists()
    with pytest.raises(ValidationError) as error:
        services.add_to_deal(deal.deal, by=deal.east_rep, new_name="gamma")
    assert "already on this deal" in error.value.message_dict["competitor"][0]
    assert Competitor.objects.filter(name__iexact="gamma").count() == 1


def test_add_to_deal_needs_a_competitor_or_a_name(deal):
    with pytest.raises(ValidationError):
        services.add_to_deal(deal.deal, by=deal.east_rep)


def test_save_grid_writes_cells_bumps_the_version_and_records_each_change(deal, dimensions):
    market = dimensions[0]
    services.save_grid(
        deal.deal,
        by=deal.east_rep,
        version=1,
        cells=[
            CellInput(market.pk, None, 4, "Strong brand"),
            CellInput(market.pk, deal.alpha.pk, 2, ""),
        ],
    )
    assert services.grid_version(deal.deal) == 2
    assert GridCell.objects.get(competitor=None).score == 4
    line = CompetitionChange.objects.get(action=CompetitionChange.Action.GRID_EDITED)
    assert line.changes["market_position/us"] == [
        {"score": None, "note": ""},
        {"score": 4, "note": "Strong brand"},
    ]
    assert f"market_position/{deal.alpha.pk}" in line.changes


def test_a_stale_grid_write_is_a_conflict_and_writes_nothing(deal, dimensions):
    services.save_grid(deal.deal, by=deal.east_rep, version=1, cells=[CellInput(dimensions[0].pk, None, 3)])
    with pytest.raises(ConflictError):
        services.save_grid(
            deal.deal, by=deal.east_rep, version=1, cells=[CellInput(dimensions[0].pk, None, 5)]
        )
    assert GridCell.objects.get().score == 3


def test_grid_refuses_a_score_out_of_range_and_a_competitor_not_on_the_deal(deal, dimensions):
    outsider = Competitor.objects.create(name="Not on it")
    with pytest.raises(ValidationError) as error:
        services.save_grid(
            deal.deal,
            by=deal.east_rep,
            version=1,
            cells=[CellInput(dimensions[0].pk, None, 6), CellInput(dimensions[1].pk, outsider.pk, 3)],
        )
    messages = error.value.message_dict["cells"]
    assert any("from 1 to 5" in m for m in messages)
    assert any("not on the deal" in m for m in messages)
    assert not GridCell.objects.exists()


def test_an_unchanged_grid_save_records_no_history(deal, dimensions):
    cells = [CellInput(dimensions[0].pk, None, 3, "x")]
    services.save_grid(deal.deal, by=deal.east_rep, version=1, cells=cells)
    services.save_grid(deal.deal, by=deal.east_rep, version=2, cells=cells)
    assert CompetitionChange.objects.filter(action=CompetitionChange.Action.GRID_EDITED).count() == 1


def test_mark_supporter_needs_a_chain_contact_and_a_competitor_on_the_deal(deal):
    stranger = ContactFactory(customer=deal.deal.customer, name="Stranger")
    other = Competitor.objects.create(name="Elsewhere")
    with pytest.raises(ValidationError) as error:
        services.mark_supporter(deal.deal, by=deal.east_rep, contact=stranger, competitor=other)
    assert set(error.value.message_dict) == {"contact", "competitor"}
    assert not CompetitorSupporter.objects.exists()


def test_marking_a_supporter_again_moves_the_mark_and_keeps_both_in_history(deal):
    services.mark_supporter(deal.deal, by=deal.east_rep, contact=deal.wang, competitor=deal.alpha)
    services.mark_supporter(
        deal.deal, by=deal.east_rep, contact=deal.wang, competitor=deal.beta, note="Old friend"
    )
    supporter = CompetitorSupporter.objects.get()
    assert (supporter.competitor, supporter.note) == (deal.beta, "Old friend")
    lines = CompetitionChange.objects.filter(action=CompetitionChange.Action.SUPPORTER_MARKED)
    assert lines.count() == 2
    services.remove_supporter(supporter, by=deal.east_rep)
    assert not CompetitorSupporter.objects.exists()
    removed = CompetitionChange.objects.get(action=CompetitionChange.Action.SUPPORTER_REMOVED)
    assert removed.summary_en == "Wang no longer marked as supporting Beta Tech"
