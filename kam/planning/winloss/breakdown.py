"""Win/loss across deals: the opportunities closed in a period, broken down by close reason,
competitor, stage reached, rep and team — counts, amounts and win rate — and the deals behind each
figure.

Scope: the opportunities the user may see (kam.access.visibility.opportunities_for) of one sales
process (the default one unless chosen), closed on the local days [start, end]; optionally owned
in a team's subtree, by one rep, with one outcome, or with one competitor (lost to it, or on the
deal's competitor list).

The win rate is won ÷ (won + lost): a dropped deal is one we withdrew from, neither won nor lost
against anyone. "Stage reached" is the furthest stage a deal ever entered (`furthest_stage_order`).
Per competitor, a deal counts when the competitor was on its list or took it: won deals are wins
against it, lost ones losses (to it or to another rival while it bid too).

Every breakdown is one grouped query whatever the number of deals (the competitors two).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import opportunities_for
from kam.core.bilingual import in_english
from kam.core.ids import parse_id
from kam.opportunities.models import (
    CloseReason,
    Competitor,
    Opportunity,
    OpportunityCompetitor,
    OpportunityStatus,
    SalesProcess,
    Stage,
)
from kam.opportunities.selectors import EXPECTED_AMOUNT
from kam.org.models import Team, User
from kam.org.visibility import team_subtree_ids, visible_teams, visible_users
from kam.planning.winloss.models import WinLossReview

WON, LOST, DROPPED = OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED
CLOSED = (WON, LOST, DROPPED)
OUTCOMES = tuple(str(s) for s in CLOSED)
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
# The longest period one page reads: a few years of closes is still a handful of grouped rows.
MAX_DAYS = 3 * 366
# The drill-down keys a figure's link adds to the filters (the deals behind that figure).
DRILLS = ("reason", "lost_to", "reached", "owner_team")
NONE = "none"


def money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Filters ----------------------------------------------------------------------------------------


@dataclass
class WinLossFilters:
    start: dt.date
    end: dt.date
    process: SalesProcess | None = None
    team: Team | None = None
    owner: User | None = None
    outcome: str = ""
    competitor: Competitor | None = None
    # Drill-downs: a close reason id (or "none"), the competitor a deal was lost to, the stage
    # order reached, the owner's own team (or "none").
    reason: str = ""
    lost_to: Competitor | None = None
    reached: int | None = None
    owner_team: str = ""

    def query(self, **extra: Any) -> dict[str, str]:
        """The filters as query parameters (for links), with `extra` on top (None drops a key)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.process is not None:
            params["process"] = self.process.code
        if self.team is not None:
            params["team"] = str(self.team.pk)
        if self.owner is not None:
            params["owner"] = str(self.owner.pk)
        if self.outcome:
            params["outcome"] = self.outcome
        if self.competitor is not None:
            params["competitor"] = str(self.competitor.pk)
        if self.reason:
            params["reason"] = self.reason
        if self.lost_to is not None:
            params["lost_to"] = str(self.lost_to.pk)
        if self.reached is not None:
            params["reached"] = str(self.reached)
        if self.owner_team:
            params["owner_team"] = self.owner_team
        for key, value in extra.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = str(value)
        return params

    def without_drills(self) -> dict[str, str]:
        return self.query(**dict.fromkeys(DRILLS))


def default_process() -> SalesProcess | None:
    return SalesProcess.objects.order_by("-is_default", "id").first()


def _date(text: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if len(text) == 10 and 1900 <= day.year <= 9998 else None


def _text(data: Any, name: str) -> str:
    return str(data.get(name) or "").strip()


def parse_filters(user: User, data: Any) -> tuple[WinLossFilters, dict[str, str]]:
    """Filters from query parameters (default: the year to date, the default process), a message
    per bad parameter. A team, rep or competitor outside what the user may choose is an error."""
    today = timezone.localdate()
    filters = WinLossFilters(start=today.replace(month=1, day=1), end=today)
    errors: dict[str, str] = {}
    for name in ("start", "end"):
        text = _text(data, name)
        if text:
            day = _date(text)
            if day is None:
                errors[name] = _("Write the date as YYYY-MM-DD, e.g. 2026-06-30.")
            else:
                setattr(filters, name, day)
    if "start" not in errors and "end" not in errors:
        if filters.end < filters.start:
            errors["end"] = _("The end comes on or after the start.")
        elif (filters.end - filters.start).days > MAX_DAYS:
            errors["end"] = _("Choose a period of at most three years.")
    text = _text(data, "process")
    filters.process = SalesProcess.objects.filter(code=text).first() if text else default_process()
    if text and filters.process is None:
        errors["process"] = _("Choose one of the sales processes.")
    text = _text(data, "team")
    if text:
        team_id = parse_id(text)
        filters.team = visible_teams(user).filter(pk=team_id).first() if team_id else None
        if filters.team is None:
            errors["team"] = _("Choose one of the teams you can look at.")
    text = _text(data, "owner")
    if text:
        owner_id = parse_id(text)
        filters.owner = visible_users(user).filter(pk=owner_id).first() if owner_id else None
        if filters.owner is None:
            errors["owner"] = _("Choose one of the people whose work you can see.")
    text = _text(data, "outcome")
    if text:
        if text in OUTCOMES:
            filters.outcome = text
        else:
            errors["outcome"] = _("Choose won, lost or dropped.")
    for name in ("competitor", "lost_to"):
        text = _text(data, name)
        if text:
            competitor_id = parse_id(text)
            found = Competitor.objects.filter(pk=competitor_id).first() if competitor_id else None
            if found is None:
                errors[name] = _("Choose one of the competitors.")
            setattr(filters, name, found)
    text = _text(data, "reason")
    if text:
        if text == NONE or parse_id(text):
            filters.reason = text
        else:
            errors["reason"] = _("Choose one of the close reasons.")
    text = _text(data, "reached")
    if text:
        if text.isdecimal() and len(text) <= 3:
            filters.reached = int(text)
        else:
            errors["reached"] = _("Choose one of the stages.")
    text = _text(data, "owner_team")
    if text:
        if text == NONE or parse_id(text):
            filters.owner_team = text
        else:
            errors["owner_team"] = _("Choose one of the teams you can look at.")
    return filters, errors


def closed_deals(user: User, filters: WinLossFilters) -> QuerySet[Opportunity]:
    """The visible deals the filters (and drill-downs) name."""
    zone = timezone.get_current_timezone()
    lower = dt.datetime.combine(filters.start, dt.time.min, tzinfo=zone)
    upper = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    qs = Opportunity.objects.filter(status__in=CLOSED, closed_at__gte=lower, closed_at__lt=upper)
    if filters.process is not None:
        qs = qs.filter(stage__process_id=filters.process.pk)
    if filters.team is not None:
        qs = qs.filter(owner__team_id__in=team_subtree_ids([filters.team.pk]))
    if filters.owner is not None:
        qs = qs.filter(owner_id=filters.owner.pk)
    if filters.outcome:
        qs = qs.filter(status=filters.outcome)
    if filters.competitor is not None:
        competed = OpportunityCompetitor.objects.filter(
            opportunity_id=OuterRef("pk"), competitor_id=filters.competitor.pk
        )
        qs = qs.filter(Q(lost_to_id=filters.competitor.pk) | Q(Exists(competed)))
    if filters.reason:
        qs = (
            qs.filter(close_reason_choice__isnull=True)
            if filters.reason == NONE
            else qs.filter(close_reason_choice_id=int(filters.reason))
        )
    if filters.lost_to is not None:
        qs = qs.filter(lost_to_id=filters.lost_to.pk)
    if filters.reached is not None:
        qs = qs.filter(furthest_stage_order=filters.reached)
    if filters.owner_team:
        qs = (
            qs.filter(owner__team__isnull=True)
            if filters.owner_team == NONE
            else qs.filter(owner__team_id=int(filters.owner_team))
        )
    return opportunities_for(user, qs)


# --- Figures ----------------------------------------------------------------------------------------


@dataclass
class Row:
    """Closed deals of one group: counts and expected amounts per outcome, and the drill-down
    parameters that list them."""

    key: str
    label: str
    drill: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    won: int = 0
    lost: int = 0
    dropped: int = 0
    won_amount: Decimal = ZERO
    lost_amount: Decimal = ZERO
    dropped_amount: Decimal = ZERO

    def add(self, status: str, count: int, amount: Any) -> None:
        if status == WON:
            self.won += count
            self.won_amount += money(amount)
        elif status == LOST:
            self.lost += count
            self.lost_amount += money(amount)
        else:
            self.dropped += count
            self.dropped_amount += money(amount)

    @property
    def count(self) -> int:
        return self.won + self.lost + self.dropped

    @property
    def amount(self) -> Decimal:
        return self.won_amount + self.lost_amount + self.dropped_amount

    @property
    def win_rate(self) -> Decimal | None:
        decided = self.won + self.lost
        if not decided:
            return None
        return (Decimal(self.won) / Decimal(decided)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)

    @property
    def win_rate_text(self) -> str:
        rate = self.win_rate
        if rate is None:
            return "—"
        text = f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
        return f"{text[:-2] if text.endswith('.0') else text} %"


@dataclass
class WinLoss:
    filters: WinLossFilters
    total: Row
    reasons: list[Row]
    competitors: list[Row]
    stages: list[Row]
    reps: list[Row]
    teams: list[Row]

    @property
    def is_empty(self) -> bool:
        return self.total.count == 0


def _grouped(qs: QuerySet, *keys: str) -> QuerySet:
    return qs.order_by().values(*keys, "status").annotate(n=Count("id"), amount=Sum(EXPECTED_AMOUNT))


def _sorted(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.count, -r.amount, r.label))


def stage_labels(filters: WinLossFilters) -> dict[int, str]:
    """The process's stages by order, as "P3 Design exchange" (one query)."""
    if filters.process is None:
        return {}
    return {
        stage.order: f"{stage.code} {stage.display_name}"
        for stage in Stage.objects.filter(process=filters.process).order_by("order")
    }


def win_loss(user: User, filters: WinLossFilters) -> WinLoss:
    deals = closed_deals(user, filters)
    total = Row(key="total", label=_("All closed deals"))

    # By reason from the lists; closes from before the lists carry none.
    reasons: dict[int | None, Row] = {}
    outcome_labels = dict(OpportunityStatus.choices)
    names = {r.pk: r for r in CloseReason.objects.all()}
    for row in _grouped(deals, "close_reason_choice_id"):
        reason_id = row["close_reason_choice_id"]
        listed = names.get(reason_id) if reason_id is not None else None
        entry = reasons.setdefault(
            reason_id,
            Row(
                key=str(reason_id or NONE),
                label=listed.display_name if listed else _("No reason from the list"),
                detail=str(outcome_labels.get(listed.outcome, "")) if listed else "",
                drill={"reason": reason_id or NONE},
            ),
        )
        entry.add(row["status"], row["n"], row["amount"])
        total.add(row["status"], row["n"], row["amount"])
    order = {value: index for index, value in enumerate(OUTCOMES)}
    reason_rows = sorted(
        reasons.values(),
        key=lambda r: (
            order.get(names[int(r.key)].outcome, 9) if r.key != NONE else 9,
            names[int(r.key)].order if r.key != NONE else 0,
            r.label,
        ),
    )

    # By competitor: on the deal's list (any outcome), or lost to it while not on the list.
    competitors: dict[int, Row] = {}
    entries = OpportunityCompetitor.objects.filter(opportunity__in=deals.values("pk"))
    for row in (
        entries.order_by()
        .values("competitor_id", "competitor__name", "opportunity__status")
        .annotate(n=Count("opportunity_id", distinct=True), amount=Sum(_entry_amount()))
    ):
        entry = competitors.setdefault(
            row["competitor_id"],
            Row(
                key=str(row["competitor_id"]),
                label=row["competitor__name"],
                drill={"competitor": row["competitor_id"]},
            ),
        )
        entry.add(row["opportunity__status"], row["n"], row["amount"])
    on_list = OpportunityCompetitor.objects.filter(
        opportunity_id=OuterRef("pk"), competitor_id=OuterRef("lost_to_id")
    )
    for row in _grouped(
        deals.filter(status=LOST, lost_to__isnull=False).exclude(Exists(on_list)),
        "lost_to_id",
        "lost_to__name",
    ):
        entry = competitors.setdefault(
            row["lost_to_id"],
            Row(
                key=str(row["lost_to_id"]),
                label=row["lost_to__name"],
                drill={"competitor": row["lost_to_id"]},
            ),
        )
        entry.add(row["status"], row["n"], row["amount"])

    # By the furthest stage reached, in the process's order.
    stages = stage_labels(filters)
    reached: dict[int, Row] = {}
    for row in _grouped(deals, "furthest_stage_order"):
        stage_order = row["furthest_stage_order"]
        entry = reached.setdefault(
            stage_order,
            Row(
                key=str(stage_order),
                label=stages.get(stage_order, str(stage_order)),
                drill={"reached": stage_order},
            ),
        )
        entry.add(row["status"], row["n"], row["amount"])

    # By rep, and by the rep's own team from the same rows.
    reps: dict[int, Row] = {}
    teams: dict[int | None, Row] = {}
    for row in _grouped(
        deals, "owner_id", "owner__name", "owner__username", "owner__team_id", "owner__team__name"
    ):
        rep = reps.setdefault(
            row["owner_id"],
            Row(
                key=str(row["owner_id"]),
                label=row["owner__name"] or row["owner__username"],
                detail=row["owner__team__name"] or "",
                drill={"owner": row["owner_id"]},
            ),
        )
        rep.add(row["status"], row["n"], row["amount"])
        team_id = row["owner__team_id"]
        team = teams.setdefault(
            team_id,
            Row(
                key=str(team_id or NONE),
                label=row["owner__team__name"] or _("No team"),
                drill={"owner_team": team_id or NONE},
            ),
        )
        team.add(row["status"], row["n"], row["amount"])

    return WinLoss(
        filters=filters,
        total=total,
        reasons=reason_rows,
        competitors=_sorted(list(competitors.values())),
        stages=[reached[key] for key in sorted(reached)],
        reps=_sorted(list(reps.values())),
        teams=_sorted(list(teams.values())),
    )


def _entry_amount() -> Any:
    """The expected amount of an entry's opportunity (as EXPECTED_AMOUNT), read through the join."""
    return Coalesce(
        F("opportunity__amount"),
        ExpressionWrapper(
            (F("opportunity__amount_low") + F("opportunity__amount_high")) * Value(Decimal("0.5")),
            output_field=MONEY,
        ),
        output_field=MONEY,
    )


# --- The deals behind a figure ------------------------------------------------------------------------

DEAL_FIELDS = (
    "pk",
    "project_number",
    "name",
    "status",
    "closed_at",
    "close_reason",
    "furthest_stage_order",
    "customer__name",
    "owner__name",
    "owner__username",
    "owner__team__name",
    "lost_to__name",
    "close_reason_choice__name",
    "close_reason_choice__name_en",
    "stage__code",
    "expected",
    "has_review",
)


def deal_rows(user: User, filters: WinLossFilters) -> QuerySet:
    """The deals behind the figures, newest close first, as plain rows (one query per page)."""
    review = WinLossReview.objects.filter(opportunity_id=OuterRef("pk"))
    return (
        closed_deals(user, filters)
        .annotate(
            expected=ExpressionWrapper(EXPECTED_AMOUNT, output_field=MONEY),
            has_review=Exists(review),
        )
        .order_by("-closed_at", "-pk")
        .values(*DEAL_FIELDS)
    )


def reason_name(row: dict[str, Any]) -> str:
    if row["close_reason_choice__name_en"] and in_english():
        return str(row["close_reason_choice__name_en"])
    return str(row["close_reason_choice__name"] or "")
