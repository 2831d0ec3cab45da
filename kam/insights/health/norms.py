"""Stage norms: how long a stay in each stage usually lasts (a percentile of completed stays),
refreshed from the stage history and read by the stage-too-long rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from kam.insights.models import HealthRule, StageNorm
from kam.opportunities.models import (
    Opportunity,
    StageChange,
)
from kam.org.models import User

# --- stage norms ------------------------------------------------------------------------------

DEFAULT_PERCENTILE = 80
# The rule that reads the norms, and its thresholds unless its HealthRule row says otherwise.
STAGE_TOO_LONG = "stage_too_long"
STAGE_TOO_LONG_DEFAULTS = {"percentile": DEFAULT_PERCENTILE, "min_samples": 5}

# Sent inside the refreshing transaction when stored norms changed: every open deal's
# stage-too-long threshold moved with them (the stored flags are rescanned, kam.insights.health.receivers).
stage_norms_refreshed = Signal()


@dataclass
class StageNorms:
    """Per (team, stage) and per stage (company-wide): the percentile of completed stays, in seconds."""

    by_team: dict[tuple[int, int], int] = field(default_factory=dict)
    by_stage: dict[int, int] = field(default_factory=dict)

    def norm(self, team: int | None, stage: int) -> tuple[int | None, str]:
        if team is not None and (team, stage) in self.by_team:
            return self.by_team[(team, stage)], "team"
        return self.by_stage.get(stage), "company"

    @classmethod
    def from_rows(cls, rows: Any, min_samples: int) -> StageNorms:
        """From (team, stage, seconds, samples) rows: a team's norm needs `min_samples` stays."""
        norms = cls()
        for team, stage, seconds, samples in rows:
            if team is None:
                norms.by_stage[stage] = int(seconds)
            elif samples >= min_samples:
                norms.by_team[(team, stage)] = int(seconds)
        return norms


def _duration_sql(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"ROUND(EXTRACT(EPOCH FROM ({later} - {earlier})))::bigint"
    return f"CAST(ROUND((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"


def compute_stage_norms(percentile: int) -> list[tuple[int | None, int, int, int]]:
    """One query: stays from the stage history (LEAD over each opportunity's changes), ranked per
    team and stage and per stage, keeping the nearest-rank percentile row of each group, as
    (team or None for company-wide, stage, seconds, samples).

    A stay belongs to the team of the opportunity's owner today. Every team row is returned with
    its number of stays; whether it has enough to stand (`min_samples`) is decided when read.
    """
    percentile = min(100, max(1, int(percentile)))
    changes = StageChange._meta.db_table
    opportunities = Opportunity._meta.db_table
    users = User._meta.db_table
    duration = _duration_sql("left_at", "entered_at")
    pick = "rn = (n * %s + 99) / 100"
    sql = f"""
        WITH ordered AS (
            SELECT opportunity_id, to_stage_id AS stage_id, changed_at AS entered_at,
                   LEAD(changed_at) OVER (PARTITION BY opportunity_id ORDER BY changed_at, id) AS left_at
            FROM {changes}
        ),
        stays AS (
            SELECT s.stage_id, u.team_id, {duration} AS seconds
            FROM ordered s
            JOIN {opportunities} o ON o.id = s.opportunity_id
            JOIN {users} u ON u.id = o.owner_id
            WHERE s.left_at IS NOT NULL
        ),
        by_team AS (
            SELECT team_id, stage_id, seconds,
                   ROW_NUMBER() OVER (PARTITION BY team_id, stage_id ORDER BY seconds) AS rn,
                   COUNT(*) OVER (PARTITION BY team_id, stage_id) AS n
            FROM stays WHERE team_id IS NOT NULL
        ),
        by_stage AS (
            SELECT stage_id, seconds,
                   ROW_NUMBER() OVER (PARTITION BY stage_id ORDER BY seconds) AS rn,
                   COUNT(*) OVER (PARTITION BY stage_id) AS n
            FROM stays
        )
        SELECT team_id, stage_id, seconds, n FROM by_team WHERE {pick}
        UNION ALL
        SELECT NULL, stage_id, seconds, n FROM by_stage WHERE {pick}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [percentile, percentile])
        return [(team, stage, max(0, int(seconds)), int(n)) for team, stage, seconds, n in cursor.fetchall()]


def stage_norms(percentile: int, min_samples: int) -> StageNorms:
    """The norms computed now from the stage history (not stored)."""
    return StageNorms.from_rows(compute_stage_norms(percentile), int(min_samples))


def configured_percentile() -> int:
    row = HealthRule.objects.filter(code=STAGE_TOO_LONG).only("thresholds").first()
    thresholds = {**STAGE_TOO_LONG_DEFAULTS, **((row.thresholds if row else None) or {})}
    return min(100, max(1, int(thresholds.get("percentile", DEFAULT_PERCENTILE))))


def refresh_stage_norms(percentile: int | None = None, *, now: dt.datetime | None = None) -> list[StageNorm]:
    """Recompute the norms (for the configured percentile unless given) and replace every stored
    norm with them in one transaction: readers see the old set or the new one, never a mix.

    New norms move every open deal's stage-too-long threshold, so `stage_norms_refreshed` is sent:
    also when they are first computed on reading, since flags stored before then had none."""
    percentile = configured_percentile() if percentile is None else min(100, max(1, int(percentile)))
    computed_at = now or timezone.now()
    norms = [
        StageNorm(
            team_id=team,
            stage_id=stage,
            percentile=percentile,
            seconds=seconds,
            samples=samples,
            computed_at=computed_at,
        )
        for team, stage, seconds, samples in compute_stage_norms(percentile)
    ]
    with transaction.atomic():
        deleted, _by_model = StageNorm.objects.all().delete()
        StageNorm.objects.bulk_create(norms)
        if norms or deleted:
            stage_norms_refreshed.send(sender=StageNorm, percentile=percentile)
    return norms


def load_stage_norms(percentile: int, min_samples: int) -> StageNorms:
    """The stored norms for `percentile` (one small query); computed and stored when none are
    stored yet for it (a fresh install, or a percentile just changed by an admin)."""
    percentile = min(100, max(1, int(percentile)))
    rows: list[tuple[int | None, int, int, int]] = list(
        StageNorm.objects.filter(percentile=percentile).values_list(
            "team_id", "stage_id", "seconds", "samples"
        )
    )
    if not rows:
        rows = [(n.team_id, n.stage_id, n.seconds, n.samples) for n in refresh_stage_norms(percentile)]
    return StageNorms.from_rows(rows, int(min_samples))
