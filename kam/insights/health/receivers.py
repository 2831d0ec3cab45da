"""What keeps the stored flags current: the lower apps' signals and health rule edits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kam.insights.health.tasks import request_recompute, request_rescan
from kam.opportunities.models import OpportunityContact, OpportunityStatus


def on_health_inputs_changed(sender: Any, *, opportunity_ids: Iterable[int], **kwargs: Any) -> None:
    """A write changed what a rule reads on these opportunities (kam.opportunities.signals)."""
    request_recompute(opportunity_ids)


def on_contacts_changed(sender: Any, *, contact_ids: Iterable[int], **kwargs: Any) -> None:
    """A relationship level or a name changed (kam.relationships.signals): the open deals whose
    decision chain holds these contacts."""
    ids = (
        OpportunityContact.objects.filter(
            contact_id__in=list(contact_ids), opportunity__status=OpportunityStatus.OPEN
        )
        .values_list("opportunity_id", flat=True)
        .distinct()
    )
    request_recompute(list(ids))


def on_stage_norms_refreshed(sender: Any, **kwargs: Any) -> None:
    """New stage norms: every open deal's stage-too-long threshold moved, in the background."""
    request_rescan()


def on_rule_changed(sender: Any, **kwargs: Any) -> None:
    """A rule switched on or off, or its severity or thresholds edited: every open deal, in the background."""
    if kwargs.get("raw"):
        return  # loaddata
    request_rescan()
