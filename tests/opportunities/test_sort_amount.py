"""The stored expected amount the amount sort walks: the amount, else the exact middle of the range."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kam.opportunities.models import Opportunity
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


def test_the_middle_of_a_whole_number_range_keeps_its_half_and_sorts_between_its_neighbours():
    owner_deal = make_opportunity(name="Low", amount=Decimal("3.40"))
    ranged = make_opportunity(name="Range", amount=None, amount_low=Decimal("3"), amount_high=Decimal("4"))
    make_opportunity(
        name="High", amount=Decimal("3.60"), owner=owner_deal.owner, customer=owner_deal.customer
    )
    make_opportunity(name="None", amount=None)
    stored = Opportunity.objects.get(pk=ranged.pk).sort_amount
    assert Decimal(stored) == Decimal("3.5")
    names = list(
        Opportunity.objects.filter(sort_amount__isnull=False)
        .order_by("sort_amount")
        .values_list("name", flat=True)
    )
    assert names == ["Low", "Range", "High"]
    assert Opportunity.objects.get(name="None").sort_amount is None
