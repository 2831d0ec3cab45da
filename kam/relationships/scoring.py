"""The relationship score of an opportunity: how well its decision chain is covered for its stage.

Each active RelationshipRequirement whose stage the opportunity has reached is one line; a line
that is not met becomes a named gap ("P4 · Decision maker Wang at CR1 (needs CR3)"). The score is
the share of lines met. Requirements are data (admin-editable rows), this module only reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.translation import gettext as _

from kam.opportunities.models import Opportunity, OpportunityContact, Stage
from kam.relationships.models import DecisionRole, Relationship, RelationshipRequirement, Stance


@dataclass(frozen=True)
class ChainEntry:
    """One contact in one decision role on an opportunity, with the company-level CR (or None)."""

    contact_id: int
    name: str
    decision_role: str
    stance: str
    level: int | None


@dataclass(frozen=True)
class Gap:
    requirement_id: int
    stage_code: str
    text: str


@dataclass
class RelationshipScore:
    met: int = 0
    total: int = 0
    gaps: list[Gap] = field(default_factory=list)

    @property
    def score(self) -> int:
        """0–100; an opportunity with nothing required yet scores 100."""
        return 100 if self.total == 0 else round(100 * self.met / self.total)


def level_label(level: int | None) -> str:
    return f"CR{level}" if level else _("no known level")


def role_label(role: str) -> str:
    return str(DecisionRole(role).label) if role in DecisionRole.values else role


class Requirements:
    """Active requirements, loaded once and grouped by sales process (one query)."""

    def __init__(self) -> None:
        self.by_process: dict[int, list[RelationshipRequirement]] = defaultdict(list)
        for requirement in RelationshipRequirement.objects.filter(active=True).select_related("from_stage"):
            self.by_process[requirement.from_stage.process_id].append(requirement)

    def applying_to(self, stage: Stage) -> list[RelationshipRequirement]:
        return [r for r in self.by_process.get(stage.process_id, []) if r.from_stage.order <= stage.order]


def evaluate(stage: Stage, entries: Iterable[ChainEntry], requirements: Requirements) -> RelationshipScore:
    entries = list(entries)
    result = RelationshipScore()
    for requirement in requirements.applying_to(stage):
        result.total += 1
        gap = _gap(requirement, entries)
        if gap is None:
            result.met += 1
        else:
            result.gaps.append(Gap(requirement.pk, requirement.from_stage.code, gap))
    return result


def _gap(requirement: RelationshipRequirement, entries: list[ChainEntry]) -> str | None:
    stage = requirement.from_stage.code
    minimum = requirement.min_level or 0
    if not requirement.decision_role:
        engaged = {e.contact_id for e in entries if (e.level or 0) >= minimum}
        if len(engaged) >= requirement.min_contacts:
            return None
        if minimum > 1:
            return _("%(stage)s · %(count)s contacts known at CR%(min)s or better, %(needed)s needed") % {
                "stage": stage,
                "count": len(engaged),
                "min": minimum,
                "needed": requirement.min_contacts,
            }
        return _("%(stage)s · %(count)s contacts engaged, %(needed)s needed") % {
            "stage": stage,
            "count": len(engaged),
            "needed": requirement.min_contacts,
        }
    role = role_label(requirement.decision_role)
    holders = [e for e in entries if e.decision_role == requirement.decision_role]
    if not holders:
        return _("%(stage)s · no %(role)s known") % {"stage": stage, "role": role}
    if requirement.no_opposition:
        opponents = [e for e in holders if e.stance == Stance.OPPOSE]
        if opponents:
            return _("%(stage)s · %(role)s %(name)s opposes") % {
                "stage": stage,
                "role": role,
                "name": opponents[0].name,
            }
    qualified = [e for e in holders if (e.level or 0) >= minimum]
    if len(qualified) >= requirement.min_contacts:
        return None
    best = max(holders, key=lambda e: e.level or 0)
    return _("%(stage)s · %(role)s %(name)s at %(level)s (needs CR%(min)s)") % {
        "stage": stage,
        "role": role,
        "name": best.name,
        "level": level_label(best.level),
        "min": minimum,
    }


def chain_entries(opportunity: Opportunity) -> list[ChainEntry]:
    """The decision chain with company-level CR (the highest any of our people holds): two queries."""
    roles = list(
        OpportunityContact.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .order_by("contact__name", "decision_role")
    )
    levels = dict(
        Relationship.objects.filter(contact_id__in={r.contact_id for r in roles})
        .values("contact_id")
        .annotate(top=Max("level"))
        .values_list("contact_id", "top")
    )
    return [
        ChainEntry(r.contact_id, r.contact.name, r.decision_role, r.stance, levels.get(r.contact_id))
        for r in roles
    ]


def entries_from_prefetch(contact_roles: Iterable[OpportunityContact]) -> list[ChainEntry]:
    """Entries from rows already annotated with `company_level` (as the pipeline table prefetches them)."""
    return [
        ChainEntry(r.contact_id, r.contact.name, r.decision_role, r.stance, getattr(r, "company_level", None))
        for r in contact_roles
    ]


def score_opportunity(
    opportunity: Opportunity, requirements: Requirements | None = None
) -> RelationshipScore:
    return evaluate(opportunity.stage, chain_entries(opportunity), requirements or Requirements())
