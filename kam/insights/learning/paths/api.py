"""Approach paths over JSON: the same reads as the decision chain's panel."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router

from kam.core.api.helpers import READ_ERRORS
from kam.core.web import current_user
from kam.insights.learning.paths import selectors
from kam.insights.learning.paths.schemas import DealPathsOut
from kam.opportunities.chain.selectors import chain_opportunity

router = Router(tags=["learning paths"])


@router.get(
    "/opportunities/{int:opportunity_id}/approach-paths",
    response={200: DealPathsOut, **READ_ERRORS},
    summary="Approach paths to the deal's weak or opposed decision makers and approvers",
)
def get_approach_paths(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    """Per target up to three paths from one of our people, through our relationships, the customer's
    reporting and influence lines and other deals' decision chains at the customer or its group,
    strongest first. A deal the caller may not see is a 404."""
    user = current_user(request)
    opportunity = chain_opportunity(user, opportunity_id)
    back = reverse("chain:decision_chain", args=[opportunity.pk])
    return selectors.paths_dict(selectors.approach_paths(user, opportunity), back)
