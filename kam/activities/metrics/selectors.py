"""1×5 process management (DOMAIN.md §10): "watch the process daily, judge results per period".

Each active ProcessMetric is a quantified action counted from each rep's done activities in every
assessment cycle (a week from Monday, or a calendar month, in local days): activities of its kinds
(none chosen: every kind that counts as a visit), with a customer of its tier if it names one, and
with a contact who holds its decision role in any opportunity's decision chain if it names one. A
rep passes a cycle with a count at or above the minimum.

Scope: the reps the user may look at (kam.org.visibility.visible_users; a rep sees themself), and of
their activities those the user may see. All metrics and cycles come from one grouped query (per
rep and local day, a conditional count per metric), whatever the number of activities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.activities.models import AssessmentCycle, ProcessMetric
from kam.activities.time.selectors import done_activities, in_window, month_start, next_month
from kam.core.ids import parse_id
from kam.opportunities.models import OpportunityContact
from kam.org.models import Role, Team, User
from kam.org.visibility import team_subtree_ids, visible_teams, visible_users

DEFAULT_CYCLES = 4
MAX_CYCLES = 12


def cycle_of(day: dt.date, cycle: str) -> dt.date:
    """The first day of the cycle holding `day`: its Monday, or the first of its month."""
    if cycle == AssessmentCycle.WEEK:
        return day - dt.timedelta(days=day.weekday())
    return month_start(day)


def cycle_after(first: dt.date, cycle: str) -> dt.date:
    return first + dt.timedelta(days=7) if cycle == AssessmentCycle.WEEK else next_month(first)


def cycle_before(first: dt.date, cycle: str) -> dt.date:
    if cycle == AssessmentCycle.WEEK:
        return first - dt.timedelta(days=7)
    return month_start(first - dt.timedelta(days=1))


def cycle_label(first: dt.date, cycle: str) -> str:
    if cycle == AssessmentCycle.WEEK:
        last = first + dt.timedelta(days=6)
        return _("Week of %(start)s") % {"start": first.isoformat()} + f" – {last:%m-%d}"
    return first.strftime("%Y-%m")


def parse_scorecard(user: User, data: Any) -> tuple[dt.date, Team | None, dict[str, str]]:
    """The day whose cycle is the latest shown (default today) and the team, a message per bad one."""
    errors: dict[str, str] = {}
    day = timezone.localdate()
    text = (data.get("date") or "").strip()
    if text:
        try:
            parsed = dt.date.fromisoformat(text)
        except ValueError:
            errors["date"] = _("Write the date as YYYY-MM-DD, e.g. 2026-06-30.")
        else:
            if len(text) == 10 and 1900 <= parsed.year <= 9998:
                day = parsed
            else:
                errors["date"] = _("Write the date as YYYY-MM-DD, e.g. 2026-06-30.")
    team = None
    team_text = (data.get("team") or "").strip()
    if team_text:
        team_id = parse_id(team_text)
        team = visible_teams(user).filter(pk=team_id).first() if team_id else None
        if team is None:
            errors["team"] = _("Choose one of the teams you can look at.")
    return day, team, errors


def describe(metric: ProcessMetric) -> str:
    """The rule in words: "Visit, Meeting · tier A · with a Decision maker: at least 2 per week"."""
    kinds = [kind.display_name for kind in metric.kinds.all()]
    parts = [", ".join(kinds) if kinds else _("Every kind that counts as a visit")]
    if metric.tier:
        parts.append(_("tier %(tier)s customers") % {"tier": metric.tier})
    if metric.decision_role:
        parts.append(_("with a %(role)s") % {"role": metric.get_decision_role_display()})
    per = _("per week") if metric.cycle == AssessmentCycle.WEEK else _("per month")
    return _("%(what)s: at least %(minimum)d %(per)s") % {
        "what": " · ".join(parts),
        "minimum": metric.minimum,
        "per": per,
    }


def matches(metric: ProcessMetric) -> Q:
    """The activities this metric counts (status and period are filtered by the caller)."""
    kind_ids = [kind.pk for kind in metric.kinds.all()]
    condition = Q(kind_id__in=kind_ids) if kind_ids else Q(kind__counts_as_visit=True)
    if metric.tier:
        condition &= Q(customer__tier=metric.tier)
    if metric.decision_role:
        # A contact met who holds that role in any opportunity's decision chain.
        holds_role = OpportunityContact.objects.filter(
            decision_role=metric.decision_role, contact__activities=OuterRef("pk")
        )
        condition &= Q(Exists(holds_role))
    return condition


@dataclass
class Cell:
    count: int
    minimum: int

    @property
    def passed(self) -> bool:
        return self.count >= self.minimum


@dataclass
class MetricCycle:
    start: dt.date
    end: dt.date  # the day after the cycle
    label: str
    current: bool = False


@dataclass
class PersonScore:
    person: User
    cells: list[Cell] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for cell in self.cells if cell.passed)


@dataclass
class MetricCard:
    metric: ProcessMetric
    description: str
    cycles: list[MetricCycle] = field(default_factory=list)  # oldest first, the chosen one last
    people: list[PersonScore] = field(default_factory=list)


@dataclass
class Scorecard:
    cycle_start: dt.date
    team: Team | None
    cards: list[MetricCard] = field(default_factory=list)
    people: list[User] = field(default_factory=list)


def people_in_scope(user: User, team: Team | None) -> QuerySet[User]:
    """The reps whose process the user judges: those they may look at, in the team's subtree."""
    qs = visible_users(user).filter(is_active=True, role=Role.REP)
    if team is not None:
        qs = qs.filter(team_id__in=team_subtree_ids([team.pk]))
    return qs.order_by("name", "username")


def process_scorecard(
    user: User, *, cycle_start: dt.date, team: Team | None = None, cycles: int = DEFAULT_CYCLES
) -> Scorecard:
    """Pass or miss with the count, per active metric, rep and cycle: the cycle holding
    `cycle_start` and the `cycles - 1` before it."""
    cycles = max(1, min(cycles, MAX_CYCLES))
    result = Scorecard(cycle_start=cycle_start, team=team)
    metrics = list(
        ProcessMetric.objects.filter(active=True).prefetch_related("kinds").order_by("order", "id")
    )
    people = list(people_in_scope(user, team))
    result.people = people
    if not metrics:
        return result
    today = timezone.localdate()
    for metric in metrics:
        first = cycle_of(cycle_start, metric.cycle)
        starts = [first]
        for _step in range(cycles - 1):
            starts.insert(0, cycle_before(starts[0], metric.cycle))
        result.cards.append(
            MetricCard(
                metric=metric,
                description=describe(metric),
                cycles=[
                    MetricCycle(
                        start=start,
                        end=cycle_after(start, metric.cycle),
                        label=cycle_label(start, metric.cycle),
                        current=start <= today < cycle_after(start, metric.cycle),
                    )
                    for start in starts
                ],
            )
        )
    window_start = min(card.cycles[0].start for card in result.cards)
    window_end = max(card.cycles[-1].end for card in result.cards)

    counts: dict[tuple[int, int, dt.date], int] = {}  # (metric id, owner id, cycle start) → count
    if people:
        activities = in_window(done_activities(user, team=team), window_start, window_end).filter(
            owner__in=[person.pk for person in people]
        )
        aggregates = {f"m{metric.pk}": Count("id", filter=matches(metric)) for metric in metrics}
        grouped: Any = (
            activities.order_by()
            .annotate(day=TruncDate("start", tzinfo=timezone.get_current_timezone()))
            .values("owner_id", "day")
            .annotate(**aggregates)
        )
        for row in grouped:
            for metric in metrics:
                n = row[f"m{metric.pk}"]
                if n:
                    key = (metric.pk, row["owner_id"], cycle_of(row["day"], metric.cycle))
                    counts[key] = counts.get(key, 0) + n

    for card in result.cards:
        metric = card.metric
        for person in people:
            score = PersonScore(person=person)
            for cycle in card.cycles:
                total = counts.get((metric.pk, person.pk, cycle.start), 0)
                score.cells.append(Cell(count=total, minimum=metric.minimum))
            card.people.append(score)
    return result


def payload(result: Scorecard) -> dict[str, Any]:
    return {
        "cycle_start": result.cycle_start,
        "team": {"id": result.team.pk, "name": result.team.name} if result.team else None,
        "metrics": [
            {
                "id": card.metric.pk,
                "name": card.metric.display_name,
                "description": card.description,
                "cycle": card.metric.cycle,
                "minimum": card.metric.minimum,
                "cycles": [
                    {
                        "start": c.start,
                        "end": c.end - dt.timedelta(days=1),
                        "label": c.label,
                        "current": c.current,
                    }
                    for c in card.cycles
                ],
                "people": [
                    {
                        "id": score.person.pk,
                        "name": str(score.person),
                        "results": [{"count": cell.count, "passed": cell.passed} for cell in score.cells],
                    }
                    for score in card.people
                ],
            }
            for card in result.cards
        ],
    }


def metric_payload(metric: ProcessMetric) -> dict[str, Any]:
    return {
        "id": metric.pk,
        "name": metric.name,
        "name_en": metric.name_en,
        "kinds": [kind.code for kind in metric.kinds.all()],
        "tier": metric.tier or None,
        "decision_role": metric.decision_role or None,
        "cycle": metric.cycle,
        "minimum": metric.minimum,
        "active": metric.active,
        "order": metric.order,
        "description": describe(metric),
    }


def metrics_list() -> QuerySet[ProcessMetric]:
    return ProcessMetric.objects.prefetch_related("kinds").order_by("order", "id")
