"""Reads of a deal's fishbone: its causes bone by bone, their counts, the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from kam.planning.fishbone.models import Bone, CauseStatus, FishboneCause, FishboneChange

if TYPE_CHECKING:
    from kam.opportunities.models import Opportunity
    from kam.org.models import User

BONE_ORDER = {code: position for position, code in enumerate(Bone.values)}
HISTORY_SHOWN = 30


@dataclass
class BoneCauses:
    code: str
    label: str
    causes: list[FishboneCause] = field(default_factory=list)


def causes(opportunity: Opportunity) -> list[FishboneCause]:
    """The deal's causes, bone by bone in the diagram's order, oldest first on each bone (one query)."""
    rows = list(FishboneCause.objects.filter(opportunity=opportunity).select_related("owner").order_by("id"))
    rows.sort(key=lambda c: BONE_ORDER.get(c.bone, len(BONE_ORDER)))
    return rows


def by_bone(rows: list[FishboneCause]) -> list[BoneCauses]:
    """Every bone, with or without causes: the diagram draws all six."""
    groups = {code: BoneCauses(code, str(label)) for code, label in Bone.choices}
    for cause in rows:
        groups[cause.bone].causes.append(cause)
    return list(groups.values())


def counts(opportunity_id: int) -> dict[str, int]:
    """Causes in all, and per status, in one query."""
    row = FishboneCause.objects.filter(opportunity_id=opportunity_id).aggregate(
        total=Count("id"),
        **{status: Count("id", filter=Q(status=status)) for status in CauseStatus.values},
    )
    return {name: int(value or 0) for name, value in row.items()}


CHOICE_LABELS = {"bone": dict(Bone.choices), "status": dict(CauseStatus.choices)}
# As the table's headings name them.
FIELD_LABELS = {
    "bone": _lazy("Bone"),
    "text": _lazy("Cause"),
    "owner": _lazy("Owner"),
    "action": _lazy("Action"),
    "due_date": _lazy("Due date"),
    "status": _lazy("Status"),
}


def _shown(name: str, value: object) -> str:
    if value in (None, ""):
        return "—"
    return str(CHOICE_LABELS.get(name, {}).get(value, value))  # type: ignore[call-overload]


def described(change: FishboneChange) -> list[tuple[str, str, str]]:
    """An edit's changed fields as (field's name, before, after) in the reader's language."""
    if change.action != FishboneChange.Action.EDITED:
        return []
    lines = []
    for name, pair in change.changes.items():
        if name in FIELD_LABELS and isinstance(pair, list) and len(pair) == 2:
            lines.append((str(FIELD_LABELS[name]), _shown(name, pair[0]), _shown(name, pair[1])))
    return lines


def history(opportunity: Opportunity, limit: int = HISTORY_SHOWN) -> list[FishboneChange]:
    """The latest changes, each with its `lines` (what an edit changed, for the page)."""
    rows = list(FishboneChange.objects.filter(opportunity=opportunity).select_related("changed_by")[:limit])
    for row in rows:
        row.lines = described(row)  # type: ignore[attr-defined]
    return rows


def state(opportunity: Opportunity, user: User) -> str:
    """The strategy panel's line: "9 causes · 3 open · 2 in progress" (one query)."""
    figures = counts(opportunity.pk)
    if not figures["total"]:
        return _("no causes yet")
    total = ngettext("%(count)d cause", "%(count)d causes", figures["total"]) % {"count": figures["total"]}
    return _("%(total)s · %(open)d open · %(progress)d in progress") % {
        "total": total,
        "open": figures[CauseStatus.OPEN],
        "progress": figures[CauseStatus.IN_PROGRESS],
    }
