"""Dynamic tags as saved filters: members computed at read time, scoped to what the reader may see."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kam.customers import services
from kam.customers.models import CustomerTag, Tag, TagKind
from kam.customers.tags import selectors as tags_selectors
from kam.customers.tags import services as tags
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import OpportunityStatus
from tests.customers.tags.conftest import dynamic, member_names
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


# --- Dynamic membership ---------------------------------------------------------------------------


def test_dynamic_tag_follows_the_customers_industry_without_any_write_to_the_tag(world):
    tag = dynamic(world.director, industry="Manufacturing", open_pipeline_min="1000000")
    before = Tag.objects.values().get(pk=tag.pk)
    # The world's three customers are in Manufacturing, each with one open 1,000,000 deal (≥ is inclusive).
    assert member_names(world.director, tag) == {"East Steel", "West Power", world.east_opp2.customer.name}

    services.update_customer(world.east_customer, by=world.east_rep, version=None, industry="Mining")

    assert "East Steel" not in member_names(world.director, tag)
    assert Tag.objects.values().get(pk=tag.pk) == before
    assert not CustomerTag.objects.exists()


def test_closing_and_opening_pipeline_changes_membership(world):
    tag = dynamic(world.director, open_pipeline_min="1500000")
    assert "East Steel" not in member_names(world.director, tag)

    extra = make_opportunity(owner=world.east_rep, customer=world.east_customer, amount=Decimal("600000"))
    assert "East Steel" in member_names(world.director, tag)

    opportunity_services.close_opportunity(
        extra, by=world.east_rep, status=OpportunityStatus.LOST, reason="Price"
    )
    assert "East Steel" not in member_names(world.director, tag)
    # Won is not open pipeline either.
    opportunity_services.close_opportunity(
        world.east_opp, by=world.east_rep, status=OpportunityStatus.WON, reason="Signed"
    )
    make_opportunity(owner=world.east_rep, customer=world.east_customer, amount=Decimal("1499999.99"))
    assert "East Steel" not in member_names(world.director, tag)
    make_opportunity(
        owner=world.east_rep, customer=world.east_customer, amount=None, amount_low=1, amount_high=1
    )
    assert "East Steel" in member_names(world.director, tag)


def test_open_pipeline_counts_every_open_deal_of_the_customer_whoever_owns_it(world):
    """Membership is a fact about the customer: a deal the viewer cannot see still counts."""
    make_opportunity(owner=world.west_rep, customer=world.east_customer, amount=Decimal("500000"))
    tag = dynamic(world.director, open_pipeline_min="1500000")
    assert member_names(world.east_rep, tag) == {"East Steel"}


def test_members_are_scoped_to_what_the_reader_may_see(world):
    tag = dynamic(world.director, industry="Manufacturing")
    assert member_names(world.east_rep, tag) == {"East Steel"}
    assert member_names(world.west_rep, tag) == {"West Power"}
    assert len(member_names(world.director, tag)) == 3


def test_a_dynamic_tag_can_build_on_a_static_and_on_a_dynamic_tag(world):
    vip = tags.create_tag(by=world.east_rep, name="VIP")
    tags.attach_tag(world.east_customer, vip, by=world.east_rep)
    tags.attach_tag(world.west_customer, vip, by=world.west_rep)
    east_vip = dynamic(world.director, name="East VIP", tag=vip.pk, team=world.east.pk)
    assert member_names(world.director, east_vip) == {"East Steel"}
    big_east_vip = dynamic(world.director, name="Big East VIP", tag=east_vip.pk, open_pipeline_min="1")
    assert member_names(world.director, big_east_vip) == {"East Steel"}
    tags.detach_tag(world.east_customer, vip, by=world.east_rep)
    assert member_names(world.director, big_east_vip) == set()


def test_a_stored_rule_that_no_longer_parses_matches_nothing_rather_than_everyone(world):
    broken = Tag.objects.create(name="Broken", kind=TagKind.DYNAMIC, rule={"tier": "Z"})
    future = Tag.objects.create(name="Future", kind=TagKind.DYNAMIC, rule={"no_visit_days": 30})
    assert member_names(world.director, broken) == set()
    assert member_names(world.director, future) == set()
    assert "no longer valid" in tags_selectors.describe_rule(broken.rule, {})[-1]


def test_a_cycle_stored_behind_the_services_back_matches_nothing(world):
    first = dynamic(world.director, name="First", industry="Manufacturing")
    second = dynamic(world.director, name="Second", tag=first.pk)
    Tag.objects.filter(pk=first.pk).update(rule={"tag": second.pk})
    assert member_names(world.director, second) == set()
