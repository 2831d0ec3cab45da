"""The forecast calibrated per rep: how each rep's past commit and best-case calls turned out, and
the current period's stated figures corrected by that history.

A call is one snapshot row (the weekly review takes one per open deal) in the commit or best-case
category. Its outcome is what the opportunity did since:
- ratio: Σ amount won ÷ Σ amount called, over the calls whose deal has closed (won, lost or
  dropped); it holds both the win rate and the amount change of the deals won;
- slip: days from the call's sign date to the deal's actual sign date (won), or to its later sign
  date (still open past the date called: at least today), per stage the call was made at.

The calibrated forecast of the period takes the open deals signing in it: the amount of those a
rep's slip at their stage pushes past the period's end is taken out, the rest multiplied by the
rep's ratio of its category. A rep with too few calls of their own borrows their team's figure,
then the company's, and says so; with no history at all the stated figure stands.

Everything is SQL aggregates: the history grouped per owner (and category, or stage), the
current period grouped per owner and category; team and company figures are sums of the owners'.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from kam.access.visibility import opportunities_for
from kam.insights.models import SnapshotRow
from kam.opportunities.models import ForecastCategory, Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT
from kam.org.models import Role, Team, User
from kam.org.visibility import managed_team_ids, visible_users

MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
CATEGORIES = (ForecastCategory.COMMIT.value, ForecastCategory.BEST_CASE.value)
CLOSED = (OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED)
# How far back calls are read: a rep's habits of the last year, not of five years ago.
HISTORY_DAYS = 365
# Fewer closed calls (or slip samples at a stage) than this and a rep's own figure is noise:
# the team's is used, then the company's.
MIN_CALLS = 5
MIN_SLIPS = 5
# A slip or an amount change smaller than this is not worth a sentence.
NOTABLE_SLIP_DAYS = 7
NOTABLE_AMOUNT_CHANGE = Decimal("5")

# Where a rep's figure came from.
OWN, TEAM, COMPANY, NONE = "own", "team", "company", "none"


class DaysBetween(Func):
    """Whole days from `earlier` to `later` (two dates), negative when `later` is before."""

    output_field = IntegerField()

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        sql = f"CAST(ROUND(julianday({later}) - julianday({earlier})) AS INTEGER)"
        return sql, [*later_params, *earlier_params]

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        # PostgreSQL: date − date is an integer number of days.
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        return f"(CAST({later} AS date) - CAST({earlier} AS date))", [*later_params, *earlier_params]


# The deal's expected amount now, read from a snapshot row through its opportunity.
WON_AMOUNT = Coalesce(
    F("opportunity__amount"),
    ExpressionWrapper(
        (F("opportunity__amount_low") + F("opportunity__amount_high")) * Value(Decimal("0.5")),
        output_field=MONEY,
    ),
    output_field=MONEY,
)


@dataclass
class Calls:
    """Closed calls of one category: how many, the amount called, what was won of them."""

    calls: int = 0
    called: Decimal = ZERO
    won_calls: int = 0
    won_called: Decimal = ZERO  # the amount those won calls named
    won: Decimal = ZERO  # the amount they were won at

    def add(self, other: Calls) -> None:
        self.calls += other.calls
        self.called += other.called
        self.won_calls += other.won_calls
        self.won_called += other.won_called
        self.won += other.won

    @property
    def ratio(self) -> Decimal | None:
        """Won ÷ called, by amount."""
        return (self.won / self.called).quantize(Decimal("0.0001")) if self.called else None

    @property
    def amount_change(self) -> Decimal | None:
        """Percent by which the won deals' amounts moved from the amounts called."""
        if not self.won_called:
            return None
        return (Decimal(100) * (self.won - self.won_called) / self.won_called).quantize(Decimal("0.1"))


@dataclass
class Slip:
    """Sign-date slips of the calls made at one stage."""

    samples: int = 0
    days: int = 0  # Σ days
    label: str = ""

    def add(self, other: Slip) -> None:
        self.samples += other.samples
        self.days += other.days
        self.label = min(filter(None, (self.label, other.label)), default="")

    @property
    def average(self) -> int | None:
        return round(self.days / self.samples) if self.samples else None


@dataclass
class History:
    """One owner's (or a team's, or the company's) record."""

    calls: dict[str, Calls] = field(default_factory=lambda: {c: Calls() for c in CATEGORIES})
    slips: dict[int, Slip] = field(default_factory=dict)  # by stage order

    @property
    def calls_made(self) -> int:
        return sum(c.calls for c in self.calls.values()) + sum(s.samples for s in self.slips.values())

    def add(self, other: History) -> None:
        for category in CATEGORIES:
            self.calls[category].add(other.calls[category])
        for order, slip in other.slips.items():
            self.slips.setdefault(order, Slip()).add(slip)


@dataclass
class Used:
    """The figure applied to a rep's deals, and where it came from (own, team, company, none)."""

    source: str
    value: Any
    samples: int


@dataclass
class Row:
    """A rep's or a team's stated and calibrated figures for the period, with the bias in words."""

    key: int | None
    label: str
    kind: str  # rep / team / total
    team_id: int | None = None
    won: Decimal = ZERO
    stated: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, ZERO))
    slipped: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, ZERO))
    calibrated: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, ZERO))
    ratios: dict[str, Used] = field(default_factory=dict)
    slips: dict[int, Used] = field(default_factory=dict)
    history: History = field(default_factory=History)
    bias: list[str] = field(default_factory=list)
    fallback: list[str] = field(default_factory=list)

    @property
    def stated_total(self) -> Decimal:
        return self.won + sum(self.stated.values(), ZERO)

    @property
    def calibrated_total(self) -> Decimal:
        return self.won + sum(self.calibrated.values(), ZERO)

    def add(self, other: Row) -> None:
        self.won += other.won
        for category in CATEGORIES:
            self.stated[category] += other.stated[category]
            self.slipped[category] += other.slipped[category]
            self.calibrated[category] += other.calibrated[category]


@dataclass
class Calibration:
    start: dt.date
    end: dt.date
    since: dt.date
    reps: list[Row]
    teams: list[Row]
    total: Row
    labels: dict[int, str] = field(default_factory=dict)  # stage order → code, as the calls named it


# --- history -------------------------------------------------------------------------------------


def _calls_by_owner(since: dt.date) -> dict[int, dict[str, Calls]]:
    """Per owner and category: the closed calls of the snapshots taken since `since` (one query)."""
    won = Q(opportunity__status=OpportunityStatus.WON)
    rows = (
        SnapshotRow.objects.filter(
            snapshot__taken_at__gte=_start_of(since),
            forecast_category__in=CATEGORIES,
            amount__isnull=False,
            opportunity__status__in=CLOSED,
            owner_id__isnull=False,
        )
        .values("owner_id", "forecast_category")
        .annotate(
            calls=Count("pk"),
            called=Sum("amount"),
            won_calls=Count("pk", filter=won),
            won_called=Sum("amount", filter=won),
            won=Sum(WON_AMOUNT, filter=won, output_field=MONEY),
        )
        .order_by()
    )
    result: dict[int, dict[str, Calls]] = defaultdict(dict)
    for row in rows:
        result[row["owner_id"]][row["forecast_category"]] = Calls(
            calls=row["calls"],
            called=row["called"] or ZERO,
            won_calls=row["won_calls"],
            won_called=row["won_called"] or ZERO,
            won=row["won"] or ZERO,
        )
    return result


def _slips_by_owner(since: dt.date, today: dt.date) -> dict[int, dict[int, Slip]]:
    """Per owner and stage order: the slips of the calls since `since` whose outcome in time is
    known: won (the actual sign date), or still open past the date called (its later sign date, at
    least today). Lost and dropped deals bring no money, so their dates say nothing here."""
    actual = Case(
        When(opportunity__status=OpportunityStatus.WON, then=F("opportunity__sign_date")),
        default=Greatest(F("opportunity__sign_date"), Value(today)),
    )
    rows = (
        SnapshotRow.objects.filter(
            Q(opportunity__status=OpportunityStatus.WON)
            | Q(opportunity__status=OpportunityStatus.OPEN, sign_date__lt=today),
            snapshot__taken_at__gte=_start_of(since),
            forecast_category__in=CATEGORIES,
            sign_date__isnull=False,
            opportunity__sign_date__isnull=False,
            owner_id__isnull=False,
        )
        .values("owner_id", "stage_order")
        .annotate(
            samples=Count("pk"),
            days=Sum(DaysBetween(actual, F("sign_date"))),
            label=Min("stage__code"),
        )
        .order_by()
    )
    result: dict[int, dict[int, Slip]] = defaultdict(dict)
    for row in rows:
        result[row["owner_id"]][row["stage_order"]] = Slip(
            samples=row["samples"], days=int(row["days"] or 0), label=row["label"] or ""
        )
    return result


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def histories(since: dt.date, today: dt.date) -> tuple[dict[int, History], dict[int, int | None]]:
    """Every owner's history (two grouped queries) and every user's team (one query)."""
    result: dict[int, History] = defaultdict(History)
    for owner_id, calls in _calls_by_owner(since).items():
        for category, figures in calls.items():
            result[owner_id].calls[category] = figures
    for owner_id, slips in _slips_by_owner(since, today).items():
        result[owner_id].slips = slips
    teams: dict[int, int | None] = dict(User.objects.values_list("pk", "team_id"))
    return result, teams


def pooled(histories_: dict[int, History], owner_ids: Any) -> History:
    total = History()
    for owner_id in owner_ids:
        if owner_id in histories_:
            total.add(histories_[owner_id])
    return total


# --- choosing the figure to apply ----------------------------------------------------------------


def _choose_ratio(category: str, own: History, team: History | None, company: History) -> Used:
    for source, history in ((OWN, own), (TEAM, team), (COMPANY, company)):
        if history is None:
            continue
        calls = history.calls[category]
        if calls.calls >= MIN_CALLS and calls.ratio is not None:
            return Used(source, calls.ratio, calls.calls)
    return Used(NONE, Decimal(1), own.calls[category].calls)


def _choose_slip(order: int, own: History, team: History | None, company: History) -> Used:
    for source, history in ((OWN, own), (TEAM, team), (COMPANY, company)):
        if history is None:
            continue
        slip = history.slips.get(order)
        if slip and slip.samples >= MIN_SLIPS and slip.average is not None:
            return Used(source, slip.average, slip.samples)
    own_slip = own.slips.get(order)
    return Used(NONE, 0, own_slip.samples if own_slip else 0)


def stage_orders(*histories_: History) -> set[int]:
    orders: set[int] = set()
    for history in histories_:
        orders |= set(history.slips)
    return orders


# --- the period ----------------------------------------------------------------------------------


def _category() -> Coalesce:
    return Coalesce(
        NullIf(F("forecast_category"), Value("")), F("stage__forecast_category"), output_field=CharField()
    )


def _period_figures(
    user: User, owner_ids: list[int], start: dt.date, end: dt.date, cutoffs: dict[tuple[int, int], dt.date]
) -> list[dict[str, Any]]:
    """Per owner and category: the won amount and the open commit and best-case amounts signing in
    the period, and of those the amount the owner's slip at the deal's stage pushes past its end
    (`cutoffs`: a deal of that owner at that stage signing after the date slips out). One query."""
    slips_out = Q(pk__in=[])
    for (owner_id, order), cutoff in sorted(cutoffs.items()):
        slips_out |= Q(owner_id=owner_id, stage__order=order, sign_date__gt=cutoff)
    is_open = Q(status=OpportunityStatus.OPEN)
    qs = opportunities_for(
        user,
        Opportunity.objects.filter(
            status__in=[OpportunityStatus.OPEN, OpportunityStatus.WON],
            sign_date__range=(start, end),
            owner_id__in=owner_ids,
        ),
    )
    return list(
        qs.alias(fc=_category())
        .filter(Q(status=OpportunityStatus.WON) | Q(fc__in=CATEGORIES))
        .annotate(bucket=Case(When(is_open, then=F("fc")), default=Value("won"), output_field=CharField()))
        .values("owner_id", "bucket")
        .annotate(
            total=Sum(EXPECTED_AMOUNT, output_field=MONEY),
            slipped_out=Sum(EXPECTED_AMOUNT, filter=is_open & slips_out, output_field=MONEY),
        )
        .order_by()
    )


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _reps(user: User, only: User | None) -> list[User]:
    """The reps whose forecast the user may see: themself; a manager's teams; everyone (director);
    `only`: that one of them (none if not visible)."""
    qs = visible_users(user).filter(is_active=True)
    if only is not None:
        qs = qs.filter(pk=only.pk)
    return list(qs.only("pk", "name", "username", "team_id", "role").order_by("name", "username"))


def calibrate(
    user: User, start: dt.date, end: dt.date, *, today: dt.date | None = None, only: User | None = None
) -> Calibration:
    """The stated and calibrated figures of the period per visible rep and team, and in total;
    `only`: one rep's row (the caller has checked the user may see them)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=HISTORY_DAYS)
    reps = _reps(user, only)
    rep_ids = {rep.pk for rep in reps if rep.role == Role.REP}
    all_histories, team_of = histories(since, today)
    company = pooled(all_histories, list(all_histories))
    members: dict[int | None, list[int]] = defaultdict(list)
    for pk, team_id in team_of.items():
        members[team_id].append(pk)
    team_histories = {team_id: pooled(all_histories, ids) for team_id, ids in members.items() if team_id}

    rows: dict[int, Row] = {}
    cutoffs: dict[tuple[int, int], dt.date] = {}
    for rep in reps:
        own = all_histories.get(rep.pk, History())
        team = team_histories.get(rep.team_id) if rep.team_id else None
        row = Row(key=rep.pk, label=str(rep), kind="rep", team_id=rep.team_id, history=own)
        row.ratios = {c: _choose_ratio(c, own, team, company) for c in CATEGORIES}
        for order in sorted(stage_orders(own, team or History(), company)):
            used = _choose_slip(order, own, team, company)
            row.slips[order] = used
            if used.value > 0:
                cutoffs[(rep.pk, order)] = end - dt.timedelta(days=used.value)
        rows[rep.pk] = row

    for figures in _period_figures(user, list(rows), start, end, cutoffs):
        row = rows[figures["owner_id"]]
        amount = figures["total"] or ZERO
        if figures["bucket"] == "won":
            row.won += amount
            continue
        category = figures["bucket"]
        slipped = figures["slipped_out"] or ZERO
        row.stated[category] += amount
        row.slipped[category] += slipped
        row.calibrated[category] += _money((amount - slipped) * row.ratios[category].value)

    labels = _stage_labels(all_histories)
    # Someone who sells nothing (a director, an administrator) is a row of zeros: left out; a rep
    # always has a row, and anyone else with a deal in the period or a call in the year.
    shown = [
        r
        for r in rows.values()
        if r.key in rep_ids or r.stated_total or r.history.calls_made or only is not None or len(rows) == 1
    ]
    for row in shown:
        row.bias = bias_words(row.history, labels) or [
            _("No closed commit or best-case calls in the last year.")
        ]
        row.fallback = fallback_words(row, labels)

    teams = [] if only is not None else _team_rows(user, shown, team_histories, labels)
    total = Row(key=None, label=_("Total"), kind="total")
    for row in shown:
        total.add(row)
    total.history = company if user.sees_everything else pooled(all_histories, list(rows))
    total.bias = bias_words(total.history, labels)
    return Calibration(start=start, end=end, since=since, reps=shown, teams=teams, total=total, labels=labels)


def _stage_labels(all_histories: dict[int, History]) -> dict[int, str]:
    labels: dict[int, str] = {}
    for history in all_histories.values():
        for order, slip in history.slips.items():
            if slip.label and (order not in labels or slip.label < labels[order]):
                labels[order] = slip.label
    return labels


def _team_rows(
    user: User, reps: list[Row], team_histories: dict[int, History], labels: dict[int, str]
) -> list[Row]:
    """A manager's teams and a director's every team with a visible rep: the sums of its reps'
    figures, and the bias of the team's whole history. A rep sees no team row."""
    if not (user.sees_everything or managed_team_ids(user)):
        return []
    by_team: dict[int, Row] = {}
    for rep in reps:
        if rep.team_id is None:
            continue
        row = by_team.get(rep.team_id)
        if row is None:
            row = by_team[rep.team_id] = Row(key=rep.team_id, label="", kind="team", team_id=rep.team_id)
            row.history = team_histories.get(rep.team_id, History())
        row.add(rep)
    names = dict(Team.objects.filter(pk__in=list(by_team)).values_list("pk", "name"))
    for team_id, row in by_team.items():
        row.label = names.get(team_id, "")
        row.bias = bias_words(row.history, labels)
    return sorted(by_team.values(), key=lambda r: r.label)


# --- words ---------------------------------------------------------------------------------------


def _percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('1'))}"


def bias_words(history: History, labels: dict[int, str]) -> list[str]:
    """The record in sentences: the share of commit and best case closed by amount, the amount
    change of the deals won, and the stage from which the sign date slips most."""
    words: list[str] = []
    for category, sentence in (
        (ForecastCategory.COMMIT.value, _("closes %(percent)s %% of commit by amount (%(calls)s calls)")),
        (
            ForecastCategory.BEST_CASE.value,
            _("closes %(percent)s %% of best case by amount (%(calls)s calls)"),
        ),
    ):
        calls = history.calls[category]
        if calls.ratio is not None:
            words.append(sentence % {"percent": _percent(calls.ratio), "calls": calls.calls})
    merged = Calls()
    for category in CATEGORIES:
        merged.add(history.calls[category])
    change = merged.amount_change
    if change is not None and abs(change) >= NOTABLE_AMOUNT_CHANGE:
        if change < 0:
            words.append(_("deals won come in %(percent)s %% below the amount called") % {"percent": -change})
        else:
            words.append(_("deals won come in %(percent)s %% above the amount called") % {"percent": change})
    slips = [(order, slip) for order, slip in history.slips.items() if slip.average is not None]
    if slips:
        order, slip = max(slips, key=lambda item: (abs(item[1].average or 0), item[1].samples))
        days = slip.average or 0
        stage = labels.get(order) or slip.label or str(order)
        if days >= NOTABLE_SLIP_DAYS:
            words.append(
                ngettext(
                    "slips %(days)s day on average from %(stage)s",
                    "slips %(days)s days on average from %(stage)s",
                    days,
                )
                % {"days": days, "stage": stage}
            )
        elif days <= -NOTABLE_SLIP_DAYS:
            words.append(
                ngettext(
                    "signs %(days)s day early on average from %(stage)s",
                    "signs %(days)s days early on average from %(stage)s",
                    -days,
                )
                % {"days": -days, "stage": stage}
            )
    return words


def fallback_words(row: Row, labels: dict[int, str]) -> list[str]:
    """Where a rep's own record was too short, which record stood in for it."""
    words: list[str] = []
    names = {
        ForecastCategory.COMMIT.value: _("commit"),
        ForecastCategory.BEST_CASE.value: _("best case"),
    }
    for category, used in row.ratios.items():
        if used.source == OWN:
            continue
        params = {"category": names[category], "calls": row.history.calls[category].calls}
        if used.source == TEAM:
            words.append(
                _("Too few closed %(category)s calls of their own (%(calls)s): the team's ratio is used.")
                % params
            )
        elif used.source == COMPANY:
            words.append(
                _(
                    "Too few closed %(category)s calls of their own or their team's (%(calls)s): the company's ratio is used."
                )
                % params
            )
        else:
            words.append(
                _("No history of %(category)s calls anywhere yet: the stated figure stands.") % params
            )
    borrowed = sorted(
        (labels.get(order, str(order)), used.source)
        for order, used in row.slips.items()
        if used.source in (TEAM, COMPANY)
    )
    if borrowed:
        stages = pgettext("list separator", ", ").join(stage for stage, _source in borrowed)
        words.append(
            _("Slips at %(stages)s taken from the team's or the company's record.") % {"stages": stages}
        )
    return words
