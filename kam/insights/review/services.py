"""Taking a pipeline snapshot: one row per open opportunity, written in batches in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import (
    CharField,
    F,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from kam.insights.health.norms import refresh_stage_norms
from kam.insights.models import Snapshot, SnapshotRow
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT
from kam.org.models import User

BATCH_SIZE = 2000


def _open_rows() -> QuerySet:
    category = Coalesce(
        NullIf(F("forecast_category"), Value("")), F("stage__forecast_category"), output_field=CharField()
    )
    return (
        Opportunity.objects.filter(status=OpportunityStatus.OPEN)
        .order_by("pk")
        .values(
            "pk",
            "project_number",
            "name",
            "owner_id",
            "customer_id",
            "stage_id",
            "status",
            "sign_date",
            "product_line",
            team_id=F("owner__team_id"),
            stage_order=F("stage__order"),
            probability=F("stage__probability"),
            expected=EXPECTED_AMOUNT,
            category=category,
        )
    )


def take_snapshot(by: User | None = None, note: str = "", taken_at: dt.datetime | None = None) -> Snapshot:
    """Store the state of every open opportunity: one Snapshot and one row per opportunity.

    Rows are inserted in batches inside one transaction, so a failed run leaves no partial snapshot.
    """
    with transaction.atomic():
        snapshot = Snapshot.objects.create(
            taken_at=taken_at or timezone.now(), taken_by=by, note=(note or "").strip()[:200]
        )
        batch: list[SnapshotRow] = []
        for row in _open_rows().iterator(chunk_size=BATCH_SIZE):
            batch.append(
                SnapshotRow(
                    snapshot=snapshot,
                    opportunity_id=row["pk"],
                    project_number=row["project_number"],
                    name=row["name"],
                    owner_id=row["owner_id"],
                    team_id=row["team_id"],
                    customer_id=row["customer_id"],
                    stage_id=row["stage_id"],
                    stage_order=row["stage_order"],
                    probability=row["probability"],
                    status=row["status"],
                    amount=row["expected"],
                    sign_date=row["sign_date"],
                    forecast_category=row["category"] or "",
                    product_line=row["product_line"],
                )
            )
            if len(batch) >= BATCH_SIZE:
                SnapshotRow.objects.bulk_create(batch)
                batch = []
        if batch:
            SnapshotRow.objects.bulk_create(batch)
    # The stage norms move slowly: the snapshot's schedule is the place to keep them current.
    refresh_stage_norms()
    return snapshot
