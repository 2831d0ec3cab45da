from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from kam.opportunities.models import Opportunity, OpportunityStatus


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def win(opportunity: Opportunity, amount: str = "1200000") -> Opportunity:
    """The deal closed as won (the fields close_opportunity would set, without its rules)."""
    Opportunity.objects.filter(pk=opportunity.pk).update(
        status=OpportunityStatus.WON, amount=Decimal(amount), closed_at=timezone.now()
    )
    opportunity.refresh_from_db()
    return opportunity


@pytest.fixture
def won(world):
    return win(world.east_opp)
