"""The relationship score of an opportunity: how well its decision chain is covered for its stage.

Each active RelationshipRequirement whose stage the opportunity has reached is one line; a line
that is not met becomes a named gap ("P4 · Decision maker Wang at CR1 (needs CR3)"). The score is
the share of lines met. Requirements are data (admin-editable rows), this module only reads them.

The look-ahead (`look_ahead`) names what is coming without changing the score: the next stage's
requirements not met yet, a weak or opposing decision maker while the sign date is near (the
policy's number of days) whatever the stage, and a chain covered on one side only (technical but
not business, or the reverse: `DECISION_ROLE_SIDES`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.core import loaded
from kam.core.statements import fixed_rows, read_alias
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityStatus, Stage
from kam.relationships.models import (
    DECISION_ROLE_SIDES,
    DecisionRole,
    DecisionSide,
    Relationship,
    RelationshipPolicy,
    RelationshipRequirement,
    Stance,
)


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


# Made once (an enum's `values` is a new list on every call); the labels stay lazy, translated
# when shown.
_ROLE_LABELS = {member.value: member.label for member in DecisionRole}


def role_label(role: str) -> str:
    label = _ROLE_LABELS.get(role)
    return role if label is None else str(label)


@functools.cache
def _requirement_fields() -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Every column of a requirement and of its stage: read on every scored page, as plain rows."""
    return (
        tuple(f.attname for f in RelationshipRequirement._meta.concrete_fields),
        {"from_stage": tuple(f.attname for f in Stage._meta.concrete_fields if not f.primary_key)},
    )


class Requirements:
    """Active requirements, loaded once and grouped by sales process (one query; the stages for the
    look-ahead's next stage are one more, read the first time they are asked for)."""

    def __init__(self) -> None:
        self.by_process: dict[int, list[RelationshipRequirement]] = defaultdict(list)
        fields, related = _requirement_fields()
        rows = fixed_rows(
            "relationship requirements",
            RelationshipRequirement,
            # In the model's order (process, stage, id): the gaps are listed in it.
            lambda: RelationshipRequirement.objects.filter(active=True).values_list(
                *loaded.lookups(RelationshipRequirement, fields, related)
            ),
        )
        made = loaded.records(
            RelationshipRequirement, rows, fields, related, read_alias(RelationshipRequirement)
        )
        for requirement in made:
            self.by_process[requirement.from_stage.process_id].append(requirement)
        self._stages: dict[int, list[Stage]] | None = None

    def applying_to(self, stage: Stage) -> list[RelationshipRequirement]:
        return [r for r in self.by_process.get(stage.process_id, []) if r.from_stage.order <= stage.order]

    def next_stage(self, stage: Stage) -> Stage | None:
        """The stage after `stage` in its process, if any."""
        if self._stages is None:
            self._stages = defaultdict(list)
            for candidate in Stage.objects.order_by("process_id", "order"):
                self._stages[candidate.process_id].append(candidate)
        return next((s for s in self._stages.get(stage.process_id, []) if s.order > stage.order), None)

    def entering(self, stage: Stage) -> list[RelationshipRequirement]:
        """The requirements that start at `stage` itself."""
        return [r for r in self.by_process.get(stage.process_id, []) if r.from_stage_id == stage.pk]


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


# --- the look-ahead ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OneSide:
    """Our strong relationships stand on one side of the decision only."""

    covered: str  # DecisionSide value
    missing: str
    text: str
    strong: tuple[ChainEntry, ...]
    others: tuple[ChainEntry, ...]  # the missing side's people we know, below the strong level


@dataclass
class LookAhead:
    next_stage_code: str = ""
    upcoming_met: int = 0
    upcoming_total: int = 0
    upcoming: list[Gap] = field(default_factory=list)
    sign_near: list[str] = field(default_factory=list)
    one_side: OneSide | None = None

    @property
    def has_findings(self) -> bool:
        return bool(self.upcoming or self.sign_near or self.one_side)


def side_label(side: str) -> str:
    return str(DecisionSide(side).label) if side in DecisionSide.values else side


def one_side(entries: Iterable[ChainEntry], strong_level: int) -> OneSide | None:
    """The call-out when our strong relationships (at `strong_level` or above) stand on one side of
    the decision chain and none on the other; None when both or neither side is covered."""
    by_side: dict[str, list[ChainEntry]] = {DecisionSide.TECHNICAL: [], DecisionSide.BUSINESS: []}
    for entry in entries:
        side = DECISION_ROLE_SIDES.get(entry.decision_role)
        if side is not None:
            by_side[side].append(entry)
    strong = {side: [e for e in people if (e.level or 0) >= strong_level] for side, people in by_side.items()}
    covered = [side for side in by_side if strong[side]]
    if len(covered) != 1:
        return None
    side = covered[0]
    missing = DecisionSide.BUSINESS.value if side == DecisionSide.TECHNICAL else DecisionSide.TECHNICAL.value
    strong_people = _unique(strong[side])
    others = _unique(by_side[missing])
    values = {
        "covered": side_label(side),
        "missing": side_label(missing),
        "names": _names(e.name for e in strong_people),
        "level": strong_level,
    }
    if others:
        values["others"] = _names(
            f"{e.name} ({role_label(e.decision_role)}, {level_label(e.level)})" for e in others
        )
        text = (
            _(
                "Our relationships cover only the %(covered)s side of the decision chain (%(names)s at "
                "CR%(level)s or better); on the %(missing)s side nobody is known that well: %(others)s."
            )
            % values
        )
    else:
        text = (
            _(
                "Our relationships cover only the %(covered)s side of the decision chain (%(names)s at "
                "CR%(level)s or better); nobody on the %(missing)s side is known yet."
            )
            % values
        )
    return OneSide(str(side), missing, text, tuple(strong_people), tuple(others))


def _unique(entries: Iterable[ChainEntry]) -> list[ChainEntry]:
    seen: dict[int, ChainEntry] = {}
    for entry in entries:
        seen.setdefault(entry.contact_id, entry)
    return list(seen.values())


def _names(names: Iterable[str]) -> str:
    # Translators: the separator between names in a list ("Li Na, Chen Jie"); Chinese uses "、".
    return _(", ").join(names)


def _sign_near(
    opportunity: Opportunity,
    entries: list[ChainEntry],
    applying: list[RelationshipRequirement],
    policy: RelationshipPolicy,
    today: dt.date,
) -> list[str]:
    if opportunity.status != OpportunityStatus.OPEN or opportunity.sign_date is None:
        return []
    days = (opportunity.sign_date - today).days
    if days > policy.sign_near_days:
        return []
    strong = policy.strong_level
    # From the stage where the requirements already ask for a strong, non-opposing decision maker,
    # the score names them: saying it twice would only be noise.
    if any(
        r.decision_role == DecisionRole.DECISION_MAKER and (r.min_level or 0) >= strong and r.no_opposition
        for r in applying
    ):
        return []
    if days >= 0:
        when = ngettext("Sign date in %(days)s day", "Sign date in %(days)s days", days) % {"days": days}
    else:
        when = _("Sign date passed %(days)s days ago") % {"days": -days}
    makers = _unique(e for e in entries if e.decision_role == DecisionRole.DECISION_MAKER)
    if not makers:
        return [_("%(when)s · no decision maker known") % {"when": when}]
    found = []
    for maker in makers:
        stances = {
            e.stance
            for e in entries
            if e.contact_id == maker.contact_id and e.decision_role == maker.decision_role
        }
        if Stance.OPPOSE in stances:
            found.append(_("%(when)s · decision maker %(name)s opposes") % {"when": when, "name": maker.name})
        elif (maker.level or 0) < strong:
            found.append(
                _("%(when)s · decision maker %(name)s at %(level)s (weak: needs CR%(min)s)")
                % {"when": when, "name": maker.name, "level": level_label(maker.level), "min": strong}
            )
    return found


def look_ahead(
    opportunity: Opportunity,
    entries: Iterable[ChainEntry],
    requirements: Requirements,
    *,
    policy: RelationshipPolicy | None = None,
    today: dt.date | None = None,
) -> LookAhead:
    """What is coming for an open opportunity's decision chain (nothing for a closed one)."""
    entries = list(entries)
    result = LookAhead()
    if opportunity.status != OpportunityStatus.OPEN:
        return result
    policy = policy or RelationshipPolicy.current()
    stage = opportunity.stage
    following = requirements.next_stage(stage)
    if following is not None:
        result.next_stage_code = following.code
        for requirement in requirements.entering(following):
            result.upcoming_total += 1
            gap = _gap(requirement, entries)
            if gap is None:
                result.upcoming_met += 1
            else:
                result.upcoming.append(Gap(requirement.pk, following.code, gap))
    result.sign_near = _sign_near(
        opportunity, entries, requirements.applying_to(stage), policy, today or timezone.localdate()
    )
    result.one_side = one_side(entries, policy.strong_level)
    return result
