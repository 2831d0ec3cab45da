"""Reads of one deal's win/loss review: the review with its people and causes, its history, the
causes it may link and the strategy panel's line."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kam.opportunities.models import Opportunity, OpportunityMember
from kam.org.models import User
from kam.planning.fishbone import selectors as fishbone_selectors
from kam.planning.fishbone.models import FishboneCause
from kam.planning.winloss.models import WinLossReview, WinLossReviewChange

HISTORY_SHOWN = 50


def review_for(opportunity: Opportunity) -> WinLossReview | None:
    """The deal's review with its participants and causes (three queries), or None."""
    return (
        WinLossReview.objects.filter(opportunity=opportunity)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("our_people", queryset=User.objects.order_by("name", "username")),
            Prefetch("causes", queryset=FishboneCause.objects.order_by("bone", "id")),
        )
        .first()
    )


def field_label(name: str) -> str:
    try:
        return str(capfirst(WinLossReview._meta.get_field(name).verbose_name))  # type: ignore[union-attr]
    except FieldDoesNotExist:
        return name


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def history(opportunity: Opportunity, limit: int = HISTORY_SHOWN) -> list[WinLossReviewChange]:
    """Newest first; each edit with `lines`: (field label, before, after) in words."""
    changes = list(
        WinLossReviewChange.objects.filter(opportunity=opportunity).select_related("changed_by")[:limit]
    )
    for change in changes:
        pairs = change.changes if change.action == WinLossReviewChange.Action.EDITED else {}
        change.lines = [  # type: ignore[attr-defined]
            (field_label(name), _text(pair[0]), _text(pair[1])) for name, pair in pairs.items()
        ]
    return changes


def linkable_causes(opportunity: Opportunity) -> list[FishboneCause]:
    """The deal's fishbone causes, bone by bone (one query)."""
    return fishbone_selectors.causes(opportunity)


def participant_choices(opportunity: Opportunity, review: WinLossReview | None = None) -> list[User]:
    """Who can be ticked as a participant: the deal's owner and team, the owner's teammates, and
    anyone already on the review (even if they have since left)."""
    team = OpportunityMember.objects.filter(opportunity=opportunity).values("user_id")
    people = User.objects.filter(is_active=True).filter(pk__in=team) | User.objects.filter(
        pk=opportunity.owner_id
    )
    owner = User.objects.filter(pk=opportunity.owner_id).values_list("team_id", flat=True).first()
    if owner is not None:
        people = people | User.objects.filter(is_active=True, team_id=owner)
    if review is not None:
        people = people | User.objects.filter(pk__in=review.our_people.values("pk"))
    return list(people.distinct().order_by("name", "username"))


def state(opportunity: Opportunity, user: User) -> str:
    """The strategy panel's line: "reviewed 2026-11-03", "no review yet", or, while the deal is
    open, that the review comes after the close (then no query)."""
    if opportunity.is_open:
        return _("after the close")
    meeting = (
        WinLossReview.objects.filter(opportunity_id=opportunity.pk)
        .values_list("meeting_date", flat=True)
        .first()
    )
    if meeting is None:
        return _("no review yet")
    return _("reviewed %(date)s") % {"date": meeting.isoformat()}
