"""The features of a deal as it looked at one moment, built for many deals at once.

Every input is read with a handful of queries into numpy arrays (no per-deal ORM reads); the
history (stage moves, sign-date slips, past closes of the owner and the customer) is looked up
per (deal, moment) with sorted keys and `searchsorted`, so a deal's features at a snapshot use
only what had happened by then. The decision chain and the relationships keep no history of
their own stances, so they are read as they stand now for every moment.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Max

from kam.insights.models import SnapshotRow
from kam.opportunities.models import (
    Opportunity,
    OpportunityChange,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityStatus,
    Stage,
    StageChange,
)
from kam.relationships.models import DecisionRole, Relationship, Stance

DAY = 86400.0
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
# A (deal, moment) key: the deal's id in the high bits, seconds since 1970 in the low 33 (to 2242).
SHIFT = np.int64(1 << 33)
TIERS = ("A", "B", "C", "D")
CLOSED = (OpportunityStatus.WON, OpportunityStatus.LOST, OpportunityStatus.DROPPED)
# A row of the level a coach gives: CR4 "helps the project forward and gives key information".
COACH_LEVEL = 4
STRONG_LEVEL = 3
# A past win rate is pulled towards the company's by this many deals' worth (a rep with two
# closed deals is not a 100 % or 0 % rep).
RATE_PRIOR_DEALS = 5.0

NUMERIC = (
    "days_in_stage",
    "age",
    "slips",
    "slip_days",
    "months_to_sign",
    "overdue",
    "no_sign_date",
    "amount_log",
    "amount_range",
    "has_dm",
    "dm_level",
    "dm_opposed",
    "dm_support",
    "approver_opposed",
    "approver_level",
    "coach",
    "chain_size",
    "threads",
    "competitors",
    "owner_rate",
    "owner_experience",
    "customer_rate",
    "customer_experience",
)

# The groups a factor is explained by: a deal's probability with the group set to the average
# deal's, against its own.
GROUPS: dict[str, tuple[str, ...]] = {
    "stage": (),  # the stage's one-hot columns, added per model
    "time_in_stage": ("days_in_stage",),
    "age": ("age",),
    "slips": ("slips", "slip_days"),
    "sign_date": ("months_to_sign", "overdue", "no_sign_date"),
    "amount": ("amount_log", "amount_range"),
    "decision_maker": ("has_dm", "dm_level", "dm_opposed", "dm_support"),
    "approvers": ("approver_opposed", "approver_level"),
    "coach": ("coach",),
    "coverage": ("chain_size", "threads"),
    "competition": ("competitors",),
    "owner_history": ("owner_rate", "owner_experience"),
    "customer_history": ("customer_rate", "customer_experience"),
    "tier": (),  # the tier's one-hot columns
}


# The numbers each group's words quote (raw_facts' keys).
FACT_KEYS: dict[str, tuple[str, ...]] = {
    "stage": ("stage",),
    "time_in_stage": ("days_in_stage",),
    "age": ("age",),
    "slips": ("slips", "slip_days"),
    "sign_date": ("days_to_sign",),
    "amount": ("amount", "amount_range"),
    "decision_maker": ("dm", "dm_level", "dm_opposed", "dm_support"),
    "approvers": ("approver", "approver_opposed", "approver_level"),
    "coach": ("coach",),
    "coverage": ("chain_size", "threads"),
    "competition": ("competitors",),
    "owner_history": ("owner_rate", "owner_closed"),
    "customer_history": ("customer_rate", "customer_closed"),
    "tier": ("tier",),
}


@dataclass
class Samples:
    """Deals at moments: one row each, with the features, the stage rule's probability and
    (for closed deals) the outcome and when the deal closed."""

    opportunity: np.ndarray  # ids
    at: np.ndarray  # seconds since 1970
    stage_order: np.ndarray
    stage_probability: np.ndarray  # 0–100, the rule
    numeric: np.ndarray  # len × len(NUMERIC)
    tier: np.ndarray  # "A" … "D"
    won: np.ndarray  # 0/1 (closed deals)
    closed_at: np.ndarray  # seconds since 1970 (closed deals; nan when open)
    sources: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.opportunity)

    def column(self, name: str) -> np.ndarray:
        return self.numeric[:, NUMERIC.index(name)]


def design(samples: Samples, stage_orders: list[int]) -> tuple[np.ndarray, list[str]]:
    """The model's matrix: the numeric features, then one-hot stage orders and tiers."""
    stage_cols = np.stack([samples.stage_order == o for o in stage_orders], axis=1).astype(float)
    tier_cols = np.stack([samples.tier == t for t in TIERS], axis=1).astype(float)
    names = list(NUMERIC) + [f"stage_{o}" for o in stage_orders] + [f"tier_{t}" for t in TIERS]
    return np.hstack([samples.numeric, stage_cols, tier_cols]), names


def group_columns(names: list[str]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for group, members in GROUPS.items():
        if group == "stage":
            cols = [i for i, n in enumerate(names) if n.startswith("stage_")]
        elif group == "tier":
            cols = [i for i, n in enumerate(names) if n.startswith("tier_")]
        else:
            cols = [names.index(m) for m in members]
        groups[group] = cols
    return groups


def _seconds(values: list[dt.datetime | None]) -> np.ndarray:
    return np.array([v.timestamp() if v is not None else np.nan for v in values], dtype=float)


def _days(values: list[dt.date | None]) -> np.ndarray:
    return np.array([v.toordinal() - EPOCH_ORDINAL if v is not None else np.nan for v in values], dtype=float)


def _parse_day(text: str) -> float:
    try:
        return float(dt.date.fromisoformat(text[:10]).toordinal() - EPOCH_ORDINAL)
    except ValueError:
        return math.nan


def _key(ids: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    return ids.astype(np.int64) * SHIFT + np.nan_to_num(seconds, nan=0.0).astype(np.int64)


class Events:
    """Dated events per subject (a deal, an owner, a customer), sorted for look-ups by moment."""

    def __init__(self, subject: np.ndarray, seconds: np.ndarray, values: np.ndarray | None = None) -> None:
        keys = _key(subject, seconds)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.subject = subject.astype(np.int64)[order]
        self.values = np.zeros((len(keys), 0)) if values is None else values.reshape(len(keys), -1)[order]
        self.cumulative = np.vstack([np.zeros((1, self.values.shape[1])), np.cumsum(self.values, axis=0)])

    def upto(self, subject: np.ndarray, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The number of each subject's events at or before each moment, and their values' sums."""
        start = np.searchsorted(self.keys, subject.astype(np.int64) * SHIFT, side="left")
        end = np.searchsorted(self.keys, _key(subject, seconds), side="right")
        count = end - start
        return count, self.cumulative[end] - self.cumulative[start]

    def last_before(self, subject: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """The index of each subject's last event at or before each moment (-1 when none)."""
        end = np.searchsorted(self.keys, _key(subject, seconds), side="right") - 1
        ok = (end >= 0) & (self.subject[np.clip(end, 0, None)] == subject) if len(self.keys) else end < -1
        return np.where(ok, end, -1)

    def first_after(self, subject: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """The index of each subject's first event after each moment (-1 when none)."""
        nxt = np.searchsorted(self.keys, _key(subject, seconds), side="right")
        inside = nxt < len(self.keys)
        ok = (
            inside & (self.subject[np.clip(nxt, 0, max(len(self.keys) - 1, 0))] == subject)
            if len(self.keys)
            else inside
        )
        return np.where(ok, nxt, -1)


@dataclass
class Deals:
    """Every deal's static facts (one row per deal, ordered by id) and the dated histories."""

    ids: np.ndarray
    owner: np.ndarray
    customer: np.ndarray
    status: np.ndarray
    closed_at: np.ndarray
    started_at: np.ndarray
    stage_id: np.ndarray
    stage_entered_at: np.ndarray
    amount: np.ndarray
    amount_range: np.ndarray
    sign_day: np.ndarray
    tier: np.ndarray
    chain: np.ndarray  # len × 9: has_dm … threads (the decision chain now)
    competitors: np.ndarray
    stage_moves: Events
    # Every stage entry, unsorted: the deal, when, into which stage (the samples of closed deals
    # no snapshot saw).
    entries: tuple[np.ndarray, np.ndarray, np.ndarray]
    slips: Events  # values: slipped (0/1), days slipped
    sign_changes: Events  # values: the sign date before the change (days since 1970)
    owner_closes: Events  # values: won
    customer_closes: Events  # values: won
    base_rate: float

    def rows(self, opportunity: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.ids, opportunity)


def load_stages() -> dict[int, tuple[int, int, bool]]:
    """Stage id → (order, probability, decided: a won or lost stage)."""
    return {
        pk: (order, prob, won or lost)
        for pk, order, prob, won, lost in Stage.objects.values_list(
            "pk", "order", "probability", "is_won", "is_lost"
        )
    }


def load_deals(opportunity_filter: dict[str, Any] | None = None) -> Deals:
    """Read every deal's facts and histories in a fixed number of queries."""
    rows = list(
        Opportunity.objects.filter(**(opportunity_filter or {}))
        .order_by("pk")
        .values_list(
            "pk",
            "owner_id",
            "customer_id",
            "status",
            "closed_at",
            "created_at",
            "stage_id",
            "stage_entered_at",
            "sort_amount",
            "amount",
            "sign_date",
            "customer__tier",
        )
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    n = len(ids)
    owner = np.array([r[1] for r in rows], dtype=np.int64)
    customer = np.array([r[2] for r in rows], dtype=np.int64)
    status = np.array([r[3] for r in rows], dtype=object)
    closed_at = _seconds([r[4] for r in rows])
    created_at = _seconds([r[5] for r in rows])
    stage_id = np.array([r[6] for r in rows], dtype=np.int64)
    stage_entered_at = _seconds([r[7] for r in rows])
    amount = np.array([float(r[8]) if r[8] is not None else np.nan for r in rows], dtype=float)
    amount_range = np.array([r[9] is None and r[8] is not None for r in rows], dtype=float)
    sign_day = _days([r[10] for r in rows])
    tier = np.array([r[11] or "D" for r in rows], dtype=object)

    moves = list(StageChange.objects.order_by().values_list("opportunity_id", "changed_at", "to_stage_id"))
    move_opp = np.array([m[0] for m in moves], dtype=np.int64)
    move_at = _seconds([m[1] for m in moves])
    move_stage = np.array([m[2] for m in moves], dtype=np.int64)
    stage_moves = Events(move_opp, move_at)
    first_move = np.full(n, np.nan)
    if len(moves):
        pos = np.searchsorted(ids, move_opp)
        known = (pos < n) & (ids[np.clip(pos, 0, max(n - 1, 0))] == move_opp) if n else pos < 0
        first_move_known = np.full(n, np.inf)
        np.minimum.at(first_move_known, pos[known], move_at[known])
        first_move = np.where(np.isinf(first_move_known), np.nan, first_move_known)
    started_at = np.fmin(created_at, first_move)

    changes = list(
        OpportunityChange.objects.filter(field="sign_date")
        .order_by()
        .values_list("opportunity_id", "changed_at", "old_value", "new_value")
    )
    ch_opp = np.array([c[0] for c in changes], dtype=np.int64)
    ch_at = _seconds([c[1] for c in changes])
    old_day = np.array([_parse_day(c[2]) for c in changes], dtype=float)
    new_day = np.array([_parse_day(c[3]) for c in changes], dtype=float)
    moved = np.nan_to_num(new_day - old_day, nan=0.0)
    later = (moved > 0).astype(float)
    slips = Events(
        ch_opp, ch_at, np.stack([later, np.clip(moved, 0, None)], axis=1) if len(changes) else None
    )
    if not len(changes):
        slips = Events(ch_opp, ch_at, np.zeros((0, 2)))
    sign_changes = Events(ch_opp, ch_at, old_day.reshape(-1, 1) if len(changes) else np.zeros((0, 1)))

    chain = _chain(ids)
    competitors = np.zeros(n)
    comp = list(
        OpportunityCompetitor.objects.order_by()
        .values("opportunity_id")
        .annotate(n=Count("pk"))
        .values_list("opportunity_id", "n")
    )
    if comp:
        cid = np.array([c[0] for c in comp], dtype=np.int64)
        pos = np.searchsorted(ids, cid)
        ok = (pos < n) & (ids[np.clip(pos, 0, max(n - 1, 0))] == cid)
        competitors[pos[ok]] = np.array([c[1] for c in comp], dtype=float)[ok]

    closed = np.isin(status, CLOSED) & ~np.isnan(closed_at)
    won = (status == OpportunityStatus.WON).astype(float)
    owner_closes = Events(owner[closed], closed_at[closed], won[closed])
    customer_closes = Events(customer[closed], closed_at[closed], won[closed])
    base_rate = float(won[closed].mean()) if closed.any() else 0.5
    return Deals(
        ids=ids,
        owner=owner,
        customer=customer,
        status=status,
        closed_at=np.where(closed, closed_at, np.nan),
        started_at=started_at,
        stage_id=stage_id,
        stage_entered_at=stage_entered_at,
        amount=amount,
        amount_range=amount_range,
        sign_day=sign_day,
        tier=tier,
        chain=chain,
        competitors=competitors,
        stage_moves=stage_moves,
        entries=(move_opp, move_at, move_stage),
        slips=slips,
        sign_changes=sign_changes,
        owner_closes=owner_closes,
        customer_closes=customer_closes,
        base_rate=base_rate,
    )


def _chain(ids: np.ndarray) -> np.ndarray:
    """Per deal: has a decision maker, its best CR level, opposed, supports; an approver opposes,
    the approvers' best level; a coach; the chain's size; threads (contacts at CR3 or above)."""
    n = len(ids)
    out = np.zeros((n, 9))
    levels = list(
        Relationship.objects.order_by()
        .values("contact_id")
        .annotate(level=Max("level"))
        .values_list("contact_id", "level")
    )
    level_ids = np.array([lv[0] for lv in levels], dtype=np.int64)
    level_of = np.array([lv[1] for lv in levels], dtype=float)
    order = np.argsort(level_ids)
    level_ids, level_of = level_ids[order], level_of[order]
    roles = list(
        OpportunityContact.objects.order_by().values_list(
            "opportunity_id", "contact_id", "decision_role", "stance"
        )
    )
    if not roles or not n:
        return out
    opp = np.array([r[0] for r in roles], dtype=np.int64)
    contact = np.array([r[1] for r in roles], dtype=np.int64)
    role = np.array([r[2] for r in roles], dtype=object)
    stance = np.array([r[3] for r in roles], dtype=object)
    pos = np.searchsorted(ids, opp)
    ok = (pos < n) & (ids[np.clip(pos, 0, n - 1)] == opp)
    pos, contact, role, stance = pos[ok], contact[ok], role[ok], stance[ok]
    lp = np.searchsorted(level_ids, contact)
    found = (
        (lp < len(level_ids)) & (level_ids[np.clip(lp, 0, max(len(level_ids) - 1, 0))] == contact)
        if len(level_ids)
        else np.zeros(len(contact), dtype=bool)
    )
    level = np.where(
        found, level_of[np.clip(lp, 0, max(len(level_ids) - 1, 0))] if len(level_ids) else 0.0, 0.0
    )
    dm = role == DecisionRole.DECISION_MAKER
    approver = (role == DecisionRole.TECHNICAL_APPROVER) | (role == DecisionRole.BUSINESS_APPROVER)
    opposed = stance == Stance.OPPOSE
    supports = stance == Stance.SUPPORT
    np.maximum.at(out[:, 0], pos[dm], 1.0)
    np.maximum.at(out[:, 1], pos[dm], level[dm])
    np.maximum.at(out[:, 2], pos[dm & opposed], 1.0)
    np.maximum.at(out[:, 3], pos[dm & supports], 1.0)
    np.maximum.at(out[:, 4], pos[approver & opposed], 1.0)
    np.maximum.at(out[:, 5], pos[approver], level[approver])
    coach = (role == DecisionRole.COACH) | (level >= COACH_LEVEL)
    np.maximum.at(out[:, 6], pos[coach], 1.0)
    np.add.at(out[:, 7], pos, 1.0)
    np.add.at(out[:, 8], pos, (level >= STRONG_LEVEL).astype(float))
    return out


def features(
    deals: Deals,
    opportunity: np.ndarray,
    at: np.ndarray,
    stage_entered: np.ndarray,
    amount: np.ndarray,
    sign_day: np.ndarray,
) -> np.ndarray:
    """The numeric features (NUMERIC's order) of each deal at each moment; `stage_entered`,
    `amount` and `sign_day` are as the deal stood then (nan: unknown, read from the history)."""
    rows = deals.rows(opportunity)
    m = len(opportunity)
    # Time in the stage: since the last stage move at or before the moment.
    last = deals.stage_moves.last_before(opportunity, at)
    moved_at = np.where(last >= 0, _event_seconds(deals.stage_moves, last), np.nan)
    entered = np.where(np.isnan(stage_entered), moved_at, stage_entered)
    entered = np.where(np.isnan(entered), deals.started_at[rows], entered)
    days_in_stage = np.clip((at - entered) / DAY, 0, None)
    age = np.clip((at - deals.started_at[rows]) / DAY, 0, None)
    slip_count, slip_sums = deals.slips.upto(opportunity, at)
    # The sign date then: the value the first later change replaced, else today's.
    nxt = deals.sign_changes.first_after(opportunity, at)
    then_day = np.where(
        nxt >= 0,
        deals.sign_changes.values[np.clip(nxt, 0, None), 0] if len(deals.sign_changes.keys) else np.nan,
        np.nan,
    )
    sign = np.where(np.isnan(sign_day), np.where(nxt >= 0, then_day, deals.sign_day[rows]), sign_day)
    to_sign = sign - at / DAY
    no_sign = np.isnan(sign)
    amt = np.where(np.isnan(amount), deals.amount[rows], amount)

    owner_n, owner_w = deals.owner_closes.upto(deals.owner[rows], at)
    cust_n, cust_w = deals.customer_closes.upto(deals.customer[rows], at)
    prior = deals.base_rate * RATE_PRIOR_DEALS
    out = np.zeros((m, len(NUMERIC)))
    out[:, 0] = np.log1p(np.nan_to_num(days_in_stage))
    out[:, 1] = np.log1p(np.nan_to_num(age))
    out[:, 2] = slip_sums[:, 0] if slip_sums.shape[1] else slip_count * 0
    out[:, 3] = np.log1p(slip_sums[:, 1]) if slip_sums.shape[1] else 0.0
    out[:, 4] = np.clip(np.nan_to_num(to_sign / 30.0), -12, 24)
    out[:, 5] = ((~no_sign) & (to_sign < 0)).astype(float)
    out[:, 6] = no_sign.astype(float)
    out[:, 7] = np.log10(np.clip(np.nan_to_num(amt, nan=0.0), 0, None) + 1.0)
    out[:, 8] = deals.amount_range[rows]
    out[:, 9:18] = deals.chain[rows]
    out[:, 18] = deals.competitors[rows]
    out[:, 19] = (owner_w[:, 0] + prior) / (owner_n + RATE_PRIOR_DEALS)
    out[:, 20] = np.log1p(owner_n)
    out[:, 21] = (cust_w[:, 0] + prior) / (cust_n + RATE_PRIOR_DEALS)
    out[:, 22] = np.log1p(cust_n)
    return out


def _event_seconds(events: Events, index: np.ndarray) -> np.ndarray:
    return (events.keys[np.clip(index, 0, None)] % SHIFT).astype(float)


def raw_facts(deals: Deals, samples: Samples, stage_codes: dict[int, str]) -> list[dict[str, Any]]:
    """What the factor explanations say of each deal (its numbers, not the scaled features)."""
    rows = deals.rows(samples.opportunity)
    col = samples.column
    facts = []
    for i, row in enumerate(rows):
        facts.append(
            {
                "stage": stage_codes.get(int(deals.stage_id[row]), ""),
                "days_in_stage": round(math.expm1(col("days_in_stage")[i])),
                "age": round(math.expm1(col("age")[i])),
                "slips": int(col("slips")[i]),
                "slip_days": round(math.expm1(col("slip_days")[i])),
                "days_to_sign": None if col("no_sign_date")[i] else round(col("months_to_sign")[i] * 30),
                "amount": None if np.isnan(deals.amount[row]) else float(deals.amount[row]),
                "amount_range": bool(col("amount_range")[i]),
                "dm": bool(col("has_dm")[i]),
                "dm_level": int(col("dm_level")[i]),
                "dm_opposed": bool(col("dm_opposed")[i]),
                "dm_support": bool(col("dm_support")[i]),
                "approver": bool(deals.chain[row, 5] > 0 or deals.chain[row, 4] > 0),
                "approver_opposed": bool(col("approver_opposed")[i]),
                "approver_level": int(col("approver_level")[i]),
                "coach": bool(col("coach")[i]),
                "chain_size": int(col("chain_size")[i]),
                "threads": int(col("threads")[i]),
                "competitors": int(col("competitors")[i]),
                "owner_rate": round(float(col("owner_rate")[i]) * 100),
                "owner_closed": round(math.expm1(col("owner_experience")[i])),
                "customer_rate": round(float(col("customer_rate")[i]) * 100),
                "customer_closed": round(math.expm1(col("customer_experience")[i])),
                "tier": str(samples.tier[i]),
            }
        )
    return facts


def closed_samples(deals: Deals, stages: dict[int, tuple[int, int, bool]]) -> Samples:
    """Closed deals as they looked at each snapshot taken while they were open; a closed deal no
    snapshot saw, as it looked at each stage entry (its stage history)."""
    closed_pos = np.flatnonzero(~np.isnan(deals.closed_at))
    closed_ids = deals.ids[closed_pos]
    snap = list(
        SnapshotRow.objects.filter(opportunity__status__in=CLOSED)
        .order_by()
        .values_list(
            "opportunity_id",
            "snapshot__taken_at",
            "stage_id",
            "stage_order",
            "probability",
            "amount",
            "sign_date",
        )
    )
    s_opp = np.array([r[0] for r in snap], dtype=np.int64)
    s_at = _seconds([r[1] for r in snap])
    s_stage = np.array([r[2] if r[2] is not None else -1 for r in snap], dtype=np.int64)
    s_order = np.array([r[3] for r in snap], dtype=np.int64)
    s_prob = np.array([r[4] for r in snap], dtype=float)
    s_amount = np.array([float(r[5]) if r[5] is not None else np.nan for r in snap], dtype=float)
    s_sign = _days([r[6] for r in snap])
    if len(snap):
        pos = deals.rows(s_opp)
        ok = (pos < len(deals.ids)) & (deals.ids[np.clip(pos, 0, len(deals.ids) - 1)] == s_opp)
        decided = np.array([stages.get(int(s), (0, 0, False))[2] for s in s_stage], dtype=bool)
        ok &= ~decided & (s_prob > 0) & (s_prob < 100)
        ok &= s_at < np.where(ok, deals.closed_at[np.clip(pos, 0, len(deals.ids) - 1)], np.inf)
        s_opp, s_at, s_order, s_prob, s_amount, s_sign = (
            a[ok] for a in (s_opp, s_at, s_order, s_prob, s_amount, s_sign)
        )
    seen = np.unique(s_opp)

    unseen = closed_ids[~np.isin(closed_ids, seen)]
    e_opp, e_at, e_stage = deals.entries
    keep = np.isin(e_opp, unseen)
    e_opp, e_at, e_stage = e_opp[keep], e_at[keep], e_stage[keep]
    stage_ids = np.array(sorted(stages), dtype=np.int64)
    stage_info = np.array([stages[int(pk)] for pk in stage_ids], dtype=float).reshape(-1, 3)
    at_stage = np.clip(np.searchsorted(stage_ids, e_stage), 0, max(len(stage_ids) - 1, 0))
    e_info = stage_info[at_stage] if len(stage_ids) else np.zeros((len(e_stage), 3))
    e_order, e_prob, e_decided = e_info[:, 0], e_info[:, 1], e_info[:, 2].astype(bool)
    e_pos = deals.rows(e_opp)
    keep = ~e_decided & (e_prob > 0) & (e_prob < 100)
    if len(e_opp):
        keep &= e_at < deals.closed_at[np.clip(e_pos, 0, len(deals.ids) - 1)]
    e_opp, e_at, e_order, e_prob = e_opp[keep], e_at[keep], e_order[keep], e_prob[keep]

    opp = np.concatenate([s_opp, e_opp])
    at = np.concatenate([s_at, e_at])
    n_snap = len(s_opp)
    nan_e = np.full(len(e_opp), np.nan)
    numeric = features(
        deals,
        opp,
        at,
        stage_entered=np.concatenate([np.full(n_snap, np.nan), e_at]),
        amount=np.concatenate([s_amount, nan_e]),
        sign_day=np.concatenate([s_sign, nan_e]),
    )
    rows = deals.rows(opp)
    return Samples(
        opportunity=opp,
        at=at,
        stage_order=np.concatenate([s_order, e_order]).astype(np.int64),
        stage_probability=np.concatenate([s_prob, e_prob]),
        numeric=numeric,
        tier=deals.tier[rows],
        won=(deals.status[rows] == OpportunityStatus.WON).astype(float),
        closed_at=deals.closed_at[rows],
        sources={
            "snapshot_rows": n_snap,
            "stage_entries": int(len(e_opp)),
            "deals_from_snapshots": len(seen),
        },
    )


def open_samples(deals: Deals, stages: dict[int, tuple[int, int, bool]], now: dt.datetime) -> Samples:
    """Every open deal as it stands now."""
    pos = np.flatnonzero(deals.status == OpportunityStatus.OPEN)
    info = np.array([stages.get(int(s), (0, 0, False)) for s in deals.stage_id[pos]], dtype=float).reshape(
        -1, 3
    )
    keep = ~info[:, 2].astype(bool)
    pos, info = pos[keep], info[keep]
    opp = deals.ids[pos]
    at = np.full(len(opp), now.timestamp())
    numeric = features(
        deals,
        opp,
        at,
        stage_entered=deals.stage_entered_at[pos],
        amount=deals.amount[pos],
        sign_day=np.where(np.isnan(deals.sign_day[pos]), np.inf, deals.sign_day[pos]),
    )
    # An open deal without a sign date has none now, whatever its history held (inf above kept
    # the history out); put the missing date back.
    none = np.isnan(deals.sign_day[pos])
    numeric[none, NUMERIC.index("months_to_sign")] = 0.0
    numeric[none, NUMERIC.index("overdue")] = 0.0
    numeric[none, NUMERIC.index("no_sign_date")] = 1.0
    return Samples(
        opportunity=opp,
        at=at,
        stage_order=info[:, 0].astype(np.int64),
        stage_probability=info[:, 1],
        numeric=numeric,
        tier=deals.tier[pos],
        won=np.zeros(len(opp)),
        closed_at=np.full(len(opp), np.nan),
    )
