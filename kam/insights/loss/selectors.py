"""Sales loss diagnosis (DOMAIN.md §10 with §5's closing): the deals closed lost or dropped in a
period — where they stopped, why, to whom, per rep and team — and the largest stage-to-stage leak
of the funnel of every deal closed in the period.

"Where they stopped" is the furthest stage a deal reached (`furthest_stage_order`, kept from the
stage history by the stage services: a move back does not undo having reached a stage). The funnel
counts, per stage of the process, the deals closed in the period (won, lost or dropped) that
entered it; the leak between two consecutive stages is those that entered the first and never
reached the second. Close reasons are free text, grouped as written (case and surrounding spaces
aside).

Scope: the opportunities the user may see (kam.access.visibility.opportunities_for) of one sales
process, closed on the local days [start, end], optionally owned in a team's subtree. Each table is
one grouped query, whatever the number of deals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Min, QuerySet, Sum
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import opportunities_for
from kam.core.ids import parse_id
from kam.opportunities.models import Opportunity, OpportunityStatus, SalesProcess, Stage
from kam.opportunities.selectors import EXPECTED_AMOUNT
from kam.org.models import Team, User
from kam.org.visibility import team_subtree_ids, visible_teams

LOST_STATUSES = (OpportunityStatus.LOST, OpportunityStatus.DROPPED)
CLOSED_STATUSES = (OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED)
ZERO = Decimal("0.00")
SHARE_PLACES = Decimal("0.0001")
# The longest period one page reads: a few years of closes is still a handful of grouped rows.
MAX_DAYS = 3 * 366


def money(value: Decimal | None) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def percent_text(fraction: Decimal | None) -> str:
    if fraction is None:
        return "—"
    value = (fraction * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{value:f}"
    return f"{text[:-2] if text.endswith('.0') else text} %"


# --- Filters ----------------------------------------------------------------------------------------


@dataclass
class LossFilters:
    start: dt.date
    end: dt.date
    team: Team | None = None
    process: SalesProcess | None = None

    def query(self) -> dict[str, str]:
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.team is not None:
            params["team"] = str(self.team.pk)
        if self.process is not None:
            params["process"] = self.process.code
        return params


def default_process() -> SalesProcess | None:
    return SalesProcess.objects.order_by("-is_default", "id").first()


def _date(text: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if len(text) == 10 and 1900 <= day.year <= 9998 else None


def parse_filters(user: User, data: Any) -> tuple[LossFilters, dict[str, str]]:
    """Filters from query parameters (default: the year to date), a message per bad parameter."""
    today = timezone.localdate()
    filters = LossFilters(start=today.replace(month=1, day=1), end=today)
    errors: dict[str, str] = {}
    for name in ("start", "end"):
        text = (data.get(name) or "").strip()
        if text:
            day = _date(text)
            if day is None:
                errors[name] = _("Write the date as YYYY-MM-DD, e.g. 2026-06-30.")
            else:
                setattr(filters, name, day)
    if not errors and filters.end < filters.start:
        errors["end"] = _("The end comes on or after the start.")
    elif not errors and (filters.end - filters.start).days > MAX_DAYS:
        errors["end"] = _("Choose a period of at most three years.")
    team_text = (data.get("team") or "").strip()
    if team_text:
        team_id = parse_id(team_text)
        team = visible_teams(user).filter(pk=team_id).first() if team_id else None
        if team is None:
            errors["team"] = _("Choose one of the teams you can look at.")
        filters.team = team
    process_text = (data.get("process") or "").strip()
    if process_text:
        filters.process = SalesProcess.objects.filter(code=process_text).first()
        if filters.process is None:
            errors["process"] = _("Choose one of the sales processes.")
    return filters, errors


# --- Figures ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Deals and their expected amount, lost and dropped apart."""

    key: str
    label: str
    lost: int = 0
    dropped: int = 0
    amount: Decimal = ZERO
    team_label: str = ""

    @property
    def count(self) -> int:
        return self.lost + self.dropped

    def add(self, status: str, count: int, amount: Decimal | None) -> None:
        if status == OpportunityStatus.LOST:
            self.lost += count
        else:
            self.dropped += count
        self.amount += money(amount)


@dataclass
class FunnelStep:
    stage: Stage
    entered: int
    reached_next: int | None  # None for the last stage
    next_stage: Stage | None = None

    @property
    def leaked(self) -> int:
        return 0 if self.reached_next is None else self.entered - self.reached_next

    @property
    def leak_share(self) -> Decimal | None:
        return share(self.leaked, self.entered) if self.reached_next is not None else None

    @property
    def leak_pct(self) -> str:
        return percent_text(self.leak_share)


@dataclass
class LossDiagnosis:
    filters: LossFilters
    process: SalesProcess | None
    stopped: list[tuple[Stage, Tally]] = field(default_factory=list)
    reasons: list[Tally] = field(default_factory=list)
    competitors: list[Tally] = field(default_factory=list)
    reps: list[Tally] = field(default_factory=list)
    teams: list[Tally] = field(default_factory=list)
    total: Tally = field(default_factory=lambda: Tally(key="total", label=""))
    funnel: list[FunnelStep] = field(default_factory=list)
    closed: int = 0

    @property
    def is_empty(self) -> bool:
        return self.total.count == 0

    @property
    def largest_leak(self) -> FunnelStep | None:
        """The step most deals fell out of (the earlier one on a tie); None when none leaked."""
        best: FunnelStep | None = None
        for step in self.funnel:
            if step.leaked > 0 and (best is None or step.leaked > best.leaked):
                best = step
        return best

    @property
    def leak_sentence(self) -> str:
        step = self.largest_leak
        if step is None or step.next_stage is None or step.reached_next is None:
            return ""
        return _(
            "Largest leak: %(from)s → %(to)s. %(entered)d closed deals entered %(from)s, %(reached)d "
            "reached %(to)s: %(leaked)d stopped there (%(share)s)."
        ) % {
            "from": step.stage.code,
            "to": step.next_stage.code,
            "entered": step.entered,
            "reached": step.reached_next,
            "leaked": step.leaked,
            "share": step.leak_pct,
        }


def closed_in_period(
    user: User, *, start: dt.date, end: dt.date, team: Team | None, process: SalesProcess | None
) -> QuerySet[Opportunity]:
    """Visible deals of the process closed on the local days [start, end]."""
    zone = timezone.get_current_timezone()
    lower = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    qs = Opportunity.objects.filter(status__in=CLOSED_STATUSES, closed_at__gte=lower, closed_at__lt=upper)
    if process is not None:
        qs = qs.filter(stage__process_id=process.pk)
    if team is not None:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([team.pk]))
    return opportunities_for(user, qs)


def loss_diagnosis(
    user: User,
    *,
    start: dt.date,
    end: dt.date,
    team: Team | None = None,
    process: SalesProcess | None = None,
) -> LossDiagnosis:
    process = process or default_process()
    result = LossDiagnosis(
        filters=LossFilters(start=start, end=end, team=team, process=process), process=process
    )
    stages = list(process.stages.order_by("order")) if process is not None else []
    closed = closed_in_period(user, start=start, end=end, team=team, process=process)
    lost = closed.filter(status__in=LOST_STATUSES)

    # Where they stopped: per furthest stage reached and status.
    by_order = {stage.order: stage for stage in stages}
    stopped: dict[int, Tally] = {}
    for stop_row in (
        lost.order_by()
        .values("furthest_stage_order", "status")
        .annotate(n=Count("id"), amount=Sum(EXPECTED_AMOUNT))
    ):
        order = stop_row["furthest_stage_order"]
        tally = stopped.setdefault(order, Tally(key=str(order), label=""))
        tally.add(stop_row["status"], stop_row["n"], stop_row["amount"])
        result.total.add(stop_row["status"], stop_row["n"], stop_row["amount"])
    for order in sorted(stopped):
        stage = by_order.get(order)
        if stage is not None:
            stopped[order].label = f"{stage.code} {stage.display_name}"
            result.stopped.append((stage, stopped[order]))

    # Why: close reasons as written, case and surrounding spaces aside.
    reasons: dict[str, Tally] = {}
    for reason_row in (
        lost.order_by()
        .annotate(reason_key=Lower(Trim("close_reason")))
        .values("reason_key", "status")
        .annotate(n=Count("id"), amount=Sum(EXPECTED_AMOUNT), text=Min(Trim("close_reason")))
    ):
        tally = reasons.setdefault(
            reason_row["reason_key"], Tally(key=reason_row["reason_key"], label=reason_row["text"])
        )
        tally.add(reason_row["status"], reason_row["n"], reason_row["amount"])
    result.reasons = sorted(reasons.values(), key=lambda t: (-t.count, -t.amount, t.label))

    # To whom: the competitor each lost deal went to.
    competitors: list[Tally] = []
    for rival_row in (
        lost.filter(status=OpportunityStatus.LOST)
        .order_by()
        .values("lost_to_id", "lost_to__name")
        .annotate(n=Count("id"), amount=Sum(EXPECTED_AMOUNT))
    ):
        tally = Tally(
            key=str(rival_row["lost_to_id"] or ""),
            label=rival_row["lost_to__name"] or _("No competitor named"),
        )
        tally.add(OpportunityStatus.LOST, rival_row["n"], rival_row["amount"])
        competitors.append(tally)
    result.competitors = sorted(competitors, key=lambda t: (-t.count, -t.amount, t.label))

    # Per rep, and per team from the same rows.
    reps: dict[int, Tally] = {}
    teams: dict[int | None, Tally] = {}
    for owner_row in (
        lost.order_by()
        .values("owner_id", "owner__name", "owner__username", "owner__team_id", "owner__team__name", "status")
        .annotate(n=Count("id"), amount=Sum(EXPECTED_AMOUNT))
    ):
        rep = reps.setdefault(
            owner_row["owner_id"],
            Tally(
                key=str(owner_row["owner_id"]),
                label=owner_row["owner__name"] or owner_row["owner__username"],
                team_label=owner_row["owner__team__name"] or "",
            ),
        )
        rep.add(owner_row["status"], owner_row["n"], owner_row["amount"])
        team_row = teams.setdefault(
            owner_row["owner__team_id"],
            Tally(
                key=str(owner_row["owner__team_id"] or ""),
                label=owner_row["owner__team__name"] or _("No team"),
            ),
        )
        team_row.add(owner_row["status"], owner_row["n"], owner_row["amount"])
    result.reps = sorted(reps.values(), key=lambda t: (-t.count, t.label))
    result.teams = sorted(teams.values(), key=lambda t: (-t.count, t.label))

    # The funnel of every deal closed in the period, won ones included.
    reached_at = dict(
        closed.order_by().values_list("furthest_stage_order").annotate(n=Count("id"))  # type: ignore[arg-type]
    )
    result.closed = sum(reached_at.values())
    chain = [stage for stage in stages if not stage.is_lost]

    def entered(stage: Stage) -> int:
        return sum(n for order, n in reached_at.items() if order >= stage.order)

    for index, stage in enumerate(chain):
        following = chain[index + 1] if index + 1 < len(chain) else None
        result.funnel.append(
            FunnelStep(
                stage=stage,
                entered=entered(stage),
                reached_next=entered(following) if following is not None else None,
                next_stage=following,
            )
        )
    return result


# --- JSON -------------------------------------------------------------------------------------------


def tally_payload(tally: Tally) -> dict[str, Any]:
    return {
        "key": tally.key,
        "label": tally.label,
        "lost": tally.lost,
        "dropped": tally.dropped,
        "count": tally.count,
        "amount": tally.amount,
    }


def payload(result: LossDiagnosis) -> dict[str, Any]:
    filters = result.filters
    leak = result.largest_leak

    def step_payload(step: FunnelStep) -> dict[str, Any]:
        return {
            "stage": step.stage.code,
            "name": step.stage.display_name,
            "next_stage": step.next_stage.code if step.next_stage else None,
            "entered": step.entered,
            "reached_next": step.reached_next,
            "leaked": step.leaked,
            "leak_share": step.leak_share,
        }

    return {
        "start": filters.start,
        "end": filters.end,
        "team": {"id": filters.team.pk, "name": filters.team.name} if filters.team else None,
        "process": result.process.code if result.process else None,
        "closed": result.closed,
        "total": tally_payload(result.total),
        "stopped": [{**tally_payload(tally), "stage": stage.code} for stage, tally in result.stopped],
        "reasons": [tally_payload(t) for t in result.reasons],
        "competitors": [tally_payload(t) for t in result.competitors],
        "reps": [{**tally_payload(t), "team": t.team_label or None} for t in result.reps],
        "teams": [tally_payload(t) for t in result.teams],
        "funnel": [step_payload(step) for step in result.funnel],
        "largest_leak": step_payload(leak) if leak else None,
        "largest_leak_text": result.leak_sentence,
    }
