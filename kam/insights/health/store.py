"""Stored health flags: recomputed from the rules when their inputs change, read by every page.

- `recompute(ids)`: the rules (the live engine) over these opportunities, and their StoredFlag
  rows and `Opportunity.health_rank` made equal to the result (closed ones: no flag, rank 0).
- kam.insights.health.tasks asks for these: a few opportunities now, many in the background.
- `rescan()`: every opportunity, in chunks, with progress in a HealthScan row (the Health page's
  button, `kam health rescan`, a rule edit, a stage norm refresh).
- `nightly()`: only the opportunities a date threshold crossed since the last pass (sign date
  passed or entering the "near" window, no update for N days, too long in stage), found through
  the date indexes: a full rescan's result without reading every open deal.
- `verify()`: stored against live, for `kam health verify`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from kam.insights.health.engine import HealthEngine, local_date
from kam.insights.health.norms import STAGE_TOO_LONG
from kam.insights.health.rules import SEVERITY_ORDER, NoUpdate, SignDateNearEarlyStage, StageTooLong
from kam.insights.models import NO_SIGN_DATE, FlaggedOpportunity, HealthScan, HealthTally, StoredFlag
from kam.opportunities.models import Opportunity, OpportunityStatus, StageChange

CHUNK = 2000

# (rule id) -> (severity, rank, facts) for one opportunity.
Flags = dict[int, tuple[str, int, dict[str, Any]]]


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# (owner id, worst rank, sort date) of a flagged opportunity: its FlaggedOpportunity row.
Summary = tuple[int, int, dt.date]


def live_flags(engine: HealthEngine, ids: list[int]) -> tuple[dict[int, Flags], dict[int, Summary]]:
    """The rules' verdict on these opportunities (open ones only: a closed deal has no flag), and
    the summary row of each flagged one."""
    result: dict[int, Flags] = {}
    summaries: dict[int, Summary] = {}
    rows = engine.fact_rows(Opportunity.objects.filter(pk__in=ids)).order_by()
    for row in rows:
        flags = {
            rule.row.pk: (rule.severity, SEVERITY_ORDER.get(rule.severity, 0), rule.facts(row))
            for rule in engine.rules
            if rule.matches(row)
        }
        if flags:
            result[row["id"]] = flags
            worst = max(rank for _s, rank, _f in flags.values())
            summaries[row["id"]] = (row["owner_id"], worst, row["sign_date"] or NO_SIGN_DATE)
    return result, summaries


def stored_summaries(ids: list[int] | None = None) -> dict[int, Summary]:
    qs = (
        FlaggedOpportunity.objects.all()
        if ids is None
        else FlaggedOpportunity.objects.filter(opportunity_id__in=ids)
    )
    return {
        pk: (owner, rank, date)
        for pk, owner, rank, date in qs.values_list(
            "opportunity_id", "owner_id", "rank", "sort_date"
        ).order_by()
    }


def stored_flags(ids: list[int] | None = None) -> dict[int, Flags]:
    qs = StoredFlag.objects.all() if ids is None else StoredFlag.objects.filter(opportunity_id__in=ids)
    result: dict[int, Flags] = defaultdict(dict)
    for opportunity_id, rule_id, severity, rank, facts in qs.values_list(
        "opportunity_id", "rule_id", "severity", "rank", "facts"
    ).order_by():
        result[opportunity_id][rule_id] = (severity, rank, facts)
    return dict(result)


TallyKey = tuple[int, int, int]  # owner id, rule id (0: the opportunity's worst rank), rank


def _tally_deltas(
    before: dict[int, Flags],
    before_summary: dict[int, Summary],
    after: dict[int, Flags],
    after_summary: dict[int, Summary],
    pk: int,
) -> dict[TallyKey, int]:
    deltas: dict[TallyKey, int] = defaultdict(int)
    for flags, summaries, sign in ((before, before_summary, -1), (after, after_summary, 1)):
        summary = summaries.get(pk)
        if summary is None:
            continue
        owner, worst, _date = summary
        deltas[(owner, 0, worst)] += sign
        for rule_id, (_severity, rank, _facts) in flags.get(pk, {}).items():
            deltas[(owner, rule_id, rank)] += sign
    return deltas


def _bump(key: TallyKey, count: int) -> None:
    owner, rule, rank = key
    cell = {"owner_id": owner, "rule": rule, "rank": rank}
    if HealthTally.objects.filter(**cell).update(count=F("count") + count):
        return
    try:
        with transaction.atomic():
            HealthTally.objects.create(**cell, count=count)
    except IntegrityError:
        # Another transaction inserted the row since the update: it is there now.
        HealthTally.objects.filter(**cell).update(count=F("count") + count)


def _recompute_chunk(engine: HealthEngine, ids: list[int], *, tally: bool = True) -> int:
    """Returns how many opportunities' flags changed."""
    if connection.vendor == "postgresql" and transaction.get_connection().in_atomic_block:
        # Two writers recomputing one deal from different snapshots would store the older verdict
        # last; the row lock orders them, and each then reads the other's committed writes.
        list(Opportunity.objects.filter(pk__in=ids).select_for_update(of=("self",)).values_list("pk"))
    live, summaries = live_flags(engine, ids)
    stored = stored_flags(ids)
    kept = stored_summaries(ids)
    now = engine.now
    tallies: dict[TallyKey, int] = defaultdict(int)
    for pk in ids if tally else ():
        if live.get(pk, {}) != stored.get(pk, {}) or summaries.get(pk) != kept.get(pk):
            for key, delta in _tally_deltas(stored, kept, live, summaries, pk).items():
                tallies[key] += delta
    upserts: list[StoredFlag] = []
    stale: list[Q] = []
    changed = 0
    for pk in ids:
        want, have = live.get(pk, {}), stored.get(pk, {})
        if want == have:
            continue
        changed += 1
        gone = [rule_id for rule_id in have if rule_id not in want]
        if gone:
            stale.append(Q(opportunity_id=pk, rule_id__in=gone))
        upserts += [
            StoredFlag(
                opportunity_id=pk, rule_id=rule_id, severity=severity, rank=rank, facts=facts, raised_at=now
            )
            for rule_id, (severity, rank, facts) in want.items()
            if have.get(rule_id) != (severity, rank, facts)
        ]
    if stale:
        condition = Q()
        for q in stale:
            condition |= q
        StoredFlag.objects.filter(condition).delete()
    if upserts:
        # A flag still raised keeps its raised_at; a concurrent insert of the same flag is updated.
        StoredFlag.objects.bulk_create(
            upserts,
            update_conflicts=True,
            unique_fields=["opportunity", "rule"],
            update_fields=["severity", "rank", "facts"],
        )
    unflagged = [pk for pk in kept if pk not in summaries]
    if unflagged:
        FlaggedOpportunity.objects.filter(opportunity_id__in=unflagged).delete()
    changed_summaries = [
        FlaggedOpportunity(opportunity_id=pk, owner_id=owner, rank=worst, sort_date=date)
        for pk, (owner, worst, date) in summaries.items()
        if kept.get(pk) != (owner, worst, date)
    ]
    if changed_summaries:
        FlaggedOpportunity.objects.bulk_create(
            changed_summaries,
            update_conflicts=True,
            unique_fields=["opportunity"],
            update_fields=["owner", "rank", "sort_date"],
        )
    # In key order, so two writers never wait on each other crosswise.
    for key in sorted(tallies):
        if tallies[key]:
            _bump(key, tallies[key])
    by_rank: dict[int, list[int]] = defaultdict(list)
    for pk in ids:
        by_rank[max((rank for _s, rank, _f in live.get(pk, {}).values()), default=0)].append(pk)
    for rank, pks in sorted(by_rank.items()):
        # .update() leaves updated_at (auto_now) and the version alone: the deal itself did not change.
        Opportunity.objects.filter(pk__in=pks).exclude(health_rank=rank).update(health_rank=rank)
    return changed


def recompute(
    ids: Iterable[int], *, now: dt.datetime | None = None, engine: HealthEngine | None = None
) -> int:
    """Store the rules' verdict on these opportunities; returns how many changed."""
    pks = sorted({int(pk) for pk in ids if pk})
    if not pks:
        return 0
    engine = engine or HealthEngine(now)
    return sum(_recompute_chunk(engine, chunk) for chunk in _chunks(pks, CHUNK))


def latest_scan() -> HealthScan | None:
    return HealthScan.objects.filter(kind=HealthScan.Kind.RESCAN).order_by("-pk").first()


# --- rescan -----------------------------------------------------------------------------------


def _run(scan: HealthScan, work: Any) -> HealthScan:
    HealthScan.objects.filter(pk=scan.pk).update(state=HealthScan.State.RUNNING, as_of=scan.as_of)
    try:
        work()
    except Exception as exc:
        HealthScan.objects.filter(pk=scan.pk).update(
            state=HealthScan.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    HealthScan.objects.filter(pk=scan.pk).update(state=HealthScan.State.DONE, finished_at=timezone.now())
    scan.refresh_from_db()
    return scan


def rescan(
    scan: HealthScan | None = None, *, now: dt.datetime | None = None, chunk: int = CHUNK
) -> HealthScan:
    """Recompute every opportunity's flags, a chunk per transaction, counting progress in `scan`."""
    if scan is None:
        scan = HealthScan.objects.create(kind=HealthScan.Kind.RESCAN)
    engine = HealthEngine(now)
    scan.as_of = engine.now

    def work() -> None:
        with transaction.atomic():
            # Closed deals and retired rules first: neither keeps a flag.
            StoredFlag.objects.exclude(opportunity__status=OpportunityStatus.OPEN).delete()
            FlaggedOpportunity.objects.exclude(opportunity__status=OpportunityStatus.OPEN).delete()
            StoredFlag.objects.exclude(rule_id__in=[r.row.pk for r in engine.rules]).delete()
            Opportunity.objects.exclude(status=OpportunityStatus.OPEN).filter(health_rank__gt=0).update(
                health_rank=0
            )
        ids = list(
            Opportunity.objects.filter(status=OpportunityStatus.OPEN)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        HealthScan.objects.filter(pk=scan.pk).update(total=len(ids), processed=0)
        done = 0
        for part in _chunks(ids, chunk):
            with transaction.atomic():
                # The counts are rebuilt once at the end, not bumped row by row.
                _recompute_chunk(engine, part, tally=False)
            done += len(part)
            HealthScan.objects.filter(pk=scan.pk).update(processed=done)
        rebuild_tallies()

    return _run(scan, work)


def live_tallies() -> dict[TallyKey, int]:
    """The counts computed from the stored flags and their summary rows (two GROUP BYs)."""
    result: dict[TallyKey, int] = {}
    for owner, rank, n in (
        FlaggedOpportunity.objects.values_list("owner_id", "rank").annotate(n=Count("pk")).order_by()
    ):
        result[(owner, 0, rank)] = n
    for owner, rule, rank, n in (
        StoredFlag.objects.values_list("opportunity__health__owner_id", "rule_id", "rank")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if owner is not None:
            result[(owner, rule, rank)] = n
    return result


def stored_tallies() -> dict[TallyKey, int]:
    return {
        (owner, rule, rank): n
        for owner, rule, rank, n in HealthTally.objects.exclude(count=0).values_list(
            "owner_id", "rule", "rank", "count"
        )
    }


def rebuild_tallies() -> int:
    """Replace the counts with those computed from the stored flags; returns the rows written."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A writer bumping a count waits until the new ones are in, then adds its own change.
            with connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{HealthTally._meta.db_table}" IN EXCLUSIVE MODE')
        tallies = live_tallies()
        HealthTally.objects.all().delete()
        HealthTally.objects.bulk_create(
            [HealthTally(owner_id=o, rule=r, rank=k, count=n) for (o, r, k), n in tallies.items()],
            batch_size=2000,
        )
    return len(tallies)


def verify_tallies() -> list[str]:
    stored, live = stored_tallies(), live_tallies()
    return [
        f"count owner {key[0]} rule {key[1] or 'worst'} rank {key[2]}: stored {stored.get(key)}, live {live.get(key)}"
        for key in sorted(stored.keys() | live.keys())
        if stored.get(key) != live.get(key)
    ]


# --- nightly ----------------------------------------------------------------------------------


def last_as_of() -> dt.datetime | None:
    """When the stored flags last held for every open deal: the latest finished rescan or nightly pass."""
    return (
        HealthScan.objects.filter(state=HealthScan.State.DONE, as_of__isnull=False)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )


def crossing_ids(engine: HealthEngine, since: dt.datetime) -> set[int]:
    """The opportunities whose time-based flags may differ at `engine.now` from at `since`: a date
    of theirs lies between the two thresholds. Each window is an index range (sign date and
    the last touch or creation by status; a stage entry by the stage history's date), never a scan of open deals.

    A deal written in between was recomputed by that write, later than `since`; its own windows
    are inside these. A stage entry is found by its StageChange row, which every service writes
    at the same instant as `stage_entered_at`."""
    now = engine.now
    today, before = engine.today, local_date(since)
    open_deals = Opportunity.objects.filter(status=OpportunityStatus.OPEN)
    ids: set[int] = set()

    def add(qs: Any) -> None:
        ids.update(qs.values_list("pk" if qs.model is Opportunity else "opportunity_id", flat=True))

    rules = {rule.code: rule for rule in engine.rules}
    if today > before:
        if "sign_date_passed" in rules or "sign_date_near_early_stage" in rules:
            # Passed since: a sign date in [before, today) (it also left the "near" window).
            add(open_deals.filter(sign_date__gte=before, sign_date__lt=today))
        near = rules.get("sign_date_near_early_stage")
        if isinstance(near, SignDateNearEarlyStage):
            ahead = dt.timedelta(days=near.int_threshold("days"))
            add(open_deals.filter(sign_date__gt=before + ahead, sign_date__lte=today + ahead))
    no_update = rules.get("no_update")
    if isinstance(no_update, NoUpdate):
        limits = {int(no_update.thresholds["default_days"])}
        limits |= {int(d) for d in (no_update.thresholds.get("days_by_stage") or {}).values()}
        for days in sorted(limits):
            delta = dt.timedelta(days=days)
            # The rule reads the last touch, or the creation of a deal never touched: two ranges
            # of opportunity_touch_idx (status, last_touch_at, created_at).
            add(open_deals.filter(last_touch_at__gte=since - delta, last_touch_at__lt=now - delta))
            add(
                open_deals.filter(
                    last_touch_at__isnull=True, created_at__gte=since - delta, created_at__lt=now - delta
                )
            )
    too_long = rules.get(STAGE_TOO_LONG)
    if isinstance(too_long, StageTooLong):
        norms_by_stage: dict[int, set[int]] = defaultdict(set)
        for (_team, stage), seconds in too_long.norms.by_team.items():
            norms_by_stage[stage].add(seconds)
        for stage, seconds in too_long.norms.by_stage.items():
            norms_by_stage[stage].add(seconds)
        # One window per norm, [since - norm, now - norm), read from the changed_at index by date
        # alone (a stage condition steers the planner to the stage's index: every change of that
        # stage); the stage is matched here. A window holds one day's stage changes.
        for seconds in sorted({s for values in norms_by_stage.values() for s in values}):
            delta = dt.timedelta(seconds=seconds)
            rows = StageChange.objects.filter(changed_at__gte=since - delta, changed_at__lt=now - delta)
            for opportunity_id, stage_id in rows.values_list("opportunity_id", "to_stage_id").order_by():
                if seconds in norms_by_stage.get(stage_id, ()):
                    ids.add(opportunity_id)
    return ids


def nightly(
    *, now: dt.datetime | None = None, since: dt.datetime | None = None
) -> tuple[HealthScan, set[int]]:
    """Recompute the opportunities a date threshold crossed since the last pass (or rescan);
    returns the run and the ids it recomputed. Without any earlier run, the last day is taken."""
    engine = HealthEngine(now)
    since = since or last_as_of() or engine.now - dt.timedelta(days=1)
    scan = HealthScan.objects.create(kind=HealthScan.Kind.NIGHTLY, as_of=engine.now)
    ids = crossing_ids(engine, since) if since < engine.now else set()
    HealthScan.objects.filter(pk=scan.pk).update(total=len(ids))

    def work() -> None:
        done = 0
        for part in _chunks(sorted(ids), CHUNK):
            with transaction.atomic():
                _recompute_chunk(engine, part)
            done += len(part)
            HealthScan.objects.filter(pk=scan.pk).update(processed=done)

    return _run(scan, work), ids


# --- verify -----------------------------------------------------------------------------------


@dataclass
class Difference:
    opportunity_id: int
    stored: Flags
    live: Flags
    stored_rank: int
    live_rank: int
    stored_summary: Summary | None = None
    live_summary: Summary | None = None

    def __str__(self) -> str:
        def show(flags: Flags) -> str:
            return (
                ", ".join(
                    f"rule {rule_id} {severity} {facts}"
                    for rule_id, (severity, _r, facts) in sorted(flags.items())
                )
                or "none"
            )

        return (
            f"opportunity {self.opportunity_id}: stored rank {self.stored_rank} [{show(self.stored)}] "
            f"{self.stored_summary}, live rank {self.live_rank} [{show(self.live)}] {self.live_summary}"
        )


def verify(*, now: dt.datetime | None = None, chunk: int = 5000) -> list[Difference]:
    """Every opportunity whose stored flags or rank differ from what the rules say now.

    A deal that differs now but agrees with the rules at the last nightly pass (or rescan) only
    crossed a date threshold since then: the next pass's work, not a difference."""
    engine = HealthEngine(now)
    as_of = last_as_of()
    then = HealthEngine(as_of) if as_of is not None and now is None else None
    differences: list[Difference] = []
    flagged_or_ranked = set(StoredFlag.objects.values_list("opportunity_id", flat=True).distinct())
    flagged_or_ranked |= set(Opportunity.objects.filter(health_rank__gt=0).values_list("pk", flat=True))
    flagged_or_ranked |= set(FlaggedOpportunity.objects.values_list("opportunity_id", flat=True))
    open_ids = set(Opportunity.objects.filter(status=OpportunityStatus.OPEN).values_list("pk", flat=True))
    for part in _chunks(sorted(open_ids | flagged_or_ranked), chunk):
        live, summaries = live_flags(engine, part)
        stored = stored_flags(part)
        kept = stored_summaries(part)
        ranks = dict(Opportunity.objects.filter(pk__in=part).values_list("pk", "health_rank"))
        found = [
            Difference(
                pk, stored.get(pk, {}), live.get(pk, {}), ranks.get(pk, 0), 0, kept.get(pk), summaries.get(pk)
            )
            for pk in part
        ]
        for d in found:
            d.live_rank = max((r for _s, r, _f in d.live.values()), default=0)
        found = [
            d
            for d in found
            if d.live != d.stored or d.live_rank != d.stored_rank or d.live_summary != d.stored_summary
        ]
        if then is not None and found:
            earlier, earlier_summaries = live_flags(then, [d.opportunity_id for d in found])
            found = [
                d
                for d in found
                if earlier.get(d.opportunity_id, {}) != d.stored
                or earlier_summaries.get(d.opportunity_id) != d.stored_summary
                or max((r for _s, r, _f in earlier.get(d.opportunity_id, {}).values()), default=0)
                != d.stored_rank
            ]
        differences += found
    return differences
