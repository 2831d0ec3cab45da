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
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.access.visibility import opportunities_for
from kam.insights.learning.calibration.history import histories, pooled
from kam.insights.learning.calibration.records import (
    CATEGORIES,
    COMPANY,
    NONE,
    OWN,
    TEAM,
    ZERO,
    Calibration,
    History,
    Row,
    Used,
)
from kam.insights.learning.calibration.words import bias_words, fallback_words
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT
from kam.org.models import Role, Team, User
from kam.org.visibility import managed_team_ids, visible_users

MONEY = DecimalField(max_digits=20, decimal_places=2)
CENT = Decimal("0.01")
# How far back calls are read: a rep's habits of the last year, not of five years ago.
HISTORY_DAYS = 365
# Fewer closed calls (or slip samples at a stage) than this and a rep's own figure is noise:
# the team's is used, then the company's.
MIN_CALLS = 5
MIN_SLIPS = 5

__all__ = ["COMPANY", "NONE", "OWN", "TEAM", "Calibration", "Row", "Used", "calibrate"]


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
