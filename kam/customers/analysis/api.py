"""Customer analysis over JSON: the same service and reads as the pages.

GET returns the latest revision; a customer without an analysis answers 200 with revision 0 and
empty fields (not 404), so a client reads, edits and saves the first revision the same way as any
other. The ETag is the revision: POST needs If-Match with it (428 without, 412 when someone saved
meanwhile). Choice fields carry their codes; an unknown code is a 422 on that field.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import get_visible_customer
from kam.core.api.helpers import LIST_ERRORS, READ_ERRORS, VERSIONED_WRITE_ERRORS, set_etag, user_ref
from kam.core.errors import ConflictError, PreconditionRequired
from kam.core.web import current_user
from kam.customers.analysis import selectors as analysis_selectors
from kam.customers.analysis import services as analysis
from kam.customers.analysis.schemas import (
    AnalysisIn,
    AnalysisOut,
    RevisionListOut,
    RevisionQuery,
    SavedAnalysisOut,
)
from kam.customers.models import Customer, CustomerAnalysis

router = Router(tags=["customers"])


def _body(customer: Customer, latest: CustomerAnalysis | None) -> dict[str, Any]:
    return {
        "customer": customer.pk,
        "revision": latest.revision if latest else 0,
        "created_by": user_ref(latest.created_by) if latest else None,
        "created_at": latest.created_at if latest else None,
        **analysis_selectors.values_of(latest),
    }


def _if_match(request: HttpRequest, current: int) -> int:
    """The revision the client read, from If-Match; missing is 428, unreadable 412."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired(_("Send If-Match with the revision (ETag) you read."))
    text = header.strip()
    text = (text[2:] if text.startswith("W/") else text).strip().strip('"')
    if not text.isdecimal():
        raise ConflictError(
            _('If-Match must name one revision, e.g. "3"; the current revision is %(revision)s.')
            % {"revision": current},
            current_version=current,
        )
    return int(text)


@router.get(
    "/customers/{int:customer_id}/analysis",
    url_name="customer_analysis",
    response={200: AnalysisOut, **READ_ERRORS},
    summary="The latest customer analysis (revision 0 with empty fields when there is none)",
)
def get_analysis(request: HttpRequest, response: HttpResponse, customer_id: int) -> dict[str, Any]:
    customer = get_visible_customer(current_user(request), customer_id)
    latest = analysis_selectors.latest_analysis(customer)
    body = _body(customer, latest)
    set_etag(response, body["revision"])
    return body


@router.get(
    "/customers/{int:customer_id}/analysis/revisions",
    url_name="customer_analysis_revisions",
    response={200: RevisionListOut, **LIST_ERRORS},
    summary="Every revision of the customer analysis, newest first, with what each changed",
)
def list_revisions(request: HttpRequest, customer_id: int, params: Query[RevisionQuery]) -> dict[str, Any]:
    customer = get_visible_customer(current_user(request), customer_id)
    count = analysis_selectors.revision_count(customer)
    entries = (
        analysis_selectors.revision_history(customer, limit=params.limit, offset=params.offset)
        if count > params.offset
        else []
    )
    return {
        "count": count,
        "items": [
            {
                **_body(customer, entry.analysis),
                "changes": [
                    {"field": change.name, "old": change.old_value, "new": change.new_value}
                    for change in entry.changes
                ],
            }
            for entry in entries
        ],
    }


@router.post(
    "/customers/{int:customer_id}/analysis",
    url_name="save_customer_analysis",
    response={200: SavedAnalysisOut, 201: SavedAnalysisOut, **VERSIONED_WRITE_ERRORS},
    summary="Save the customer analysis as a new revision (If-Match: the revision read)",
)
def save_analysis(
    request: HttpRequest, response: HttpResponse, customer_id: int, payload: AnalysisIn
) -> Status:
    """201 with the new revision; 200 with `created: false` when nothing changed."""
    by = current_user(request)
    customer = get_visible_customer(by, customer_id)
    latest = analysis_selectors.latest_analysis(customer)
    current = latest.revision if latest else 0
    base = _if_match(request, current)
    # Stale is answered before the fields are judged: the client has to reload either way.
    if base != current:
        raise analysis.AnalysisConflict(latest)
    result = analysis.save_analysis(
        customer, by=by, base_revision=base, **payload.model_dump(exclude_unset=True)
    )
    set_etag(response, result.revision)
    body = {**_body(customer, result.analysis), "created": result.created, "changed": result.changed}
    return Status(201 if result.created else 200, body)
