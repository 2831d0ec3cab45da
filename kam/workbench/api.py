"""The workbench over JSON (GET /api/v1/workbench): the caller's tiles, each with the link to the
list behind it, and today's to-dos. Same selector as the page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router

from kam.core.web import current_user
from kam.workbench import selectors
from kam.workbench.schemas import WorkbenchOut

router = Router(tags=["workbench"])


@router.get("", response=WorkbenchOut, url_name="workbench")
def workbench(request: HttpRequest) -> dict[str, Any]:
    bench = selectors.workbench(current_user(request))
    return {
        "view": bench.view,
        "today": bench.today,
        "quarter": bench.quarter,
        "is_new": bench.is_new,
        "tiles": [
            {
                "key": t.key,
                "title": t.title,
                "url": t.url,
                "count": t.count,
                "amount": t.amount,
                "weighted": t.weighted,
                "target": t.target,
                "attainment_percent": t.attainment,
                "empty_text": t.empty_text,
            }
            for t in bench.tiles
        ],
        "next_steps": [vars(step) for step in bench.next_steps],
        "approvals": [
            {
                "id": r.pk,
                "title": r.title,
                "requested_by": str(r.requested_by) if r.requested_by else "",
                "submitted_at": r.submitted_at,
                "url": reverse("planning_approvals:request", args=[r.pk]),
            }
            for r in bench.approvals
        ],
    }
