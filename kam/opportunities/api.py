"""Opportunities, stages and sales processes over JSON: the same services and selectors as the pages."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access.visibility import contacts_for, customers_for, get_visible_opportunity
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    expected_version,
    prebuilt,
    refuse_nulls,
    set_etag,
)
from kam.core.ids import parse_id
from kam.core.keyset import CursorError
from kam.core.web import current_user
from kam.customers.models import Customer
from kam.opportunities import services
from kam.opportunities.flags import flag_engine  # noqa: E402
from kam.opportunities.models import (
    CloseReason,
    Competitor,
    ExitCriterion,
    Opportunity,
    SalesProcess,
    Stage,
    StageChange,
)
from kam.opportunities.schemas import (
    CloseReasonOut,
    OpportunityCloseIn,
    OpportunityCreateIn,
    OpportunityDetailOut,
    OpportunityFilters,
    OpportunityHistoryOut,
    OpportunityListOut,
    OpportunityMoveIn,
    OpportunityMoveOut,
    OpportunityOut,
    OpportunityUpdateIn,
    ProcessOut,
    StageChangeOut,
    StageOut,
)
from kam.opportunities.selectors import (
    SORTS,
    PipelineFilters,
    PipelinePage,
    attach_look_ahead,
    attach_relationship_scores,
    filter_errors,
    key_contacts_prefetch,
    pipeline_page,
    pipeline_totals,
)
from kam.org.models import User
from kam.org.visibility import visible_users
from kam.relationships.models import Contact
from kam.relationships.scoring import Requirements

router = Router(tags=["opportunities"])

# Fields of an opportunity that cannot be emptied (null in a PATCH is refused, not written).
NOT_NULLABLE = ("name", "owner", "sign_date_precision", "product_line")


def _key_contacts_prefetch() -> Prefetch:
    return key_contacts_prefetch("api_key_contacts")


def _load(user: User, pk: int) -> Opportunity:
    """One opportunity the user may see, with everything the detail shows; 404 otherwise."""
    qs = Opportunity.objects.select_related(
        "customer", "owner", "stage", "stage__process", "lost_to", "customer_lead", "close_reason_choice"
    ).prefetch_related(_key_contacts_prefetch())
    opportunity = get_visible_opportunity(user, pk, queryset=qs)
    requirements = Requirements()
    attach_relationship_scores([opportunity], "api_key_contacts", requirements)
    attach_look_ahead([opportunity], "api_key_contacts", requirements)
    flag_engine().attach([opportunity])
    return opportunity


def _detail(opportunity: Opportunity, response: HttpResponse) -> dict[str, Any]:
    set_etag(response, opportunity.version)
    return OpportunityDetailOut.from_opportunity(opportunity)


def _user_field(by: User, user_id: int, field: str) -> User:
    user = visible_users(by).filter(pk=user_id).first()
    if user is None:
        raise ValidationError({field: [_("Unknown user, or not one whose work you can see.")]})
    return user


def _customer_field(by: User, customer_id: int) -> Customer:
    customer = customers_for(by).filter(pk=customer_id).first()
    if customer is None:
        raise ValidationError({"customer": [_("Unknown customer.")]})
    return customer


def _contact_field(by: User, contact_id: int, field: str) -> Contact:
    contact = contacts_for(by).filter(pk=contact_id).first()
    if contact is None:
        raise ValidationError({field: [_("Unknown contact.")]})
    return contact


def _stage_in(stages: QuerySet[Stage], value: str, field: str) -> Stage:
    """A stage by code (e.g. `P3`) or id, among the given stages only."""
    stage = stages.filter(code__iexact=value.strip()).first()
    stage_id = parse_id(value)
    if stage is None and stage_id is not None:
        stage = stages.filter(pk=stage_id).first()
    if stage is None:
        raise ValidationError({field: [_("Unknown stage.")]})
    return stage


@router.get("/processes", response=list[ProcessOut], summary="Sales processes with their stages")
def list_processes(request: HttpRequest) -> list[dict[str, Any]]:
    processes = SalesProcess.objects.prefetch_related(
        Prefetch("stages", queryset=Stage.objects.select_related("process").order_by("order")),
        Prefetch("stages__exit_criteria", queryset=ExitCriterion.objects.order_by("order", "id")),
    )
    return [ProcessOut.from_process(p) for p in processes]


@router.get("/close-reasons", response=list[CloseReasonOut], summary="The reasons a close picks from")
def list_close_reasons(
    request: HttpRequest,
    outcome: str | None = Query(
        None, max_length=10, description="Only this outcome's: won, lost or dropped."
    ),
    include_retired: bool = Query(False, description="Also the reasons no longer in use."),
) -> list[dict[str, Any]]:
    """Per outcome, in the administrators' order; only the active ones unless asked."""
    reasons = CloseReason.objects.order_by("outcome", "order", "id")
    if outcome:
        reasons = reasons.filter(outcome=outcome)
    if not include_retired:
        reasons = reasons.filter(is_active=True)
    return [CloseReasonOut.from_reason(r) for r in reasons]


def _close_reason(status: str, value: str) -> CloseReason:
    """A reason by id, or by code within the outcome; a code only another outcome has is still
    found, so the service says the reason belongs to another outcome."""
    number = parse_id(value)
    if number is not None:
        found = CloseReason.objects.filter(pk=number).first()
    else:
        code = value.strip()
        found = (
            CloseReason.objects.filter(outcome=status, code=code).first()
            or CloseReason.objects.filter(code=code).order_by("outcome", "id").first()
        )
    if found is None:
        raise ValidationError({"reason_choice": [_("Unknown close reason.")]})
    return found


@router.get("/stages", response=list[StageOut], summary="Stages of every sales process")
def list_stages(
    request: HttpRequest,
    process: str | None = Query(None, max_length=20, description="Only this process's code."),
) -> list[dict[str, Any]]:
    stages = Stage.objects.select_related("process").prefetch_related(
        Prefetch("exit_criteria", queryset=ExitCriterion.objects.order_by("order", "id"))
    )
    if process:
        stages = stages.filter(process__code=process)
    return [StageOut.from_stage(s) for s in stages.order_by("-process__is_default", "process_id", "order")]


# What OpportunityOut shows of a listed deal, its customer, owner and stage (and what its
# relationship score reads of the stage): the rest of the row is left unread.
LIST_ROW_FIELDS = (
    (
        "id",
        "project_number",
        "name",
        "customer_id",
        "owner_id",
        "stage_id",
        "status",
        "amount",
        "amount_low",
        "amount_high",
        "sign_date",
        "sign_date_precision",
        "version",
        "updated_at",
    ),
    {
        "customer": ("name", "short_name"),
        "owner": ("name", "username"),
        "stage": ("process_id", "order", "code", "name", "name_en", "probability"),
    },
)


@router.get(
    "/opportunities",
    response={200: OpportunityListOut, **LIST_ERRORS},
    summary="The pipeline table: filtered, sorted, paginated",
)
def list_opportunities(
    request: HttpRequest, response: HttpResponse, filters: Query[OpportunityFilters]
) -> HttpResponse:
    """A page of opportunities. Page with `cursor` (the `next_cursor` / `previous_cursor` of the
    page before, same sort and filters); a cursor from another sort or filter, or a garbled one,
    is a 422 naming `cursor`. `offset` still works but reads every skipped row."""
    if filters.sort and filters.sort.lstrip("-") not in SORTS:
        raise ValidationError({"sort": [_("Sort by one of: %(keys)s.") % {"keys": ", ".join(SORTS)}]})
    pipeline_filters = PipelineFilters(
        owner=filters.owner,
        team=filters.team,
        stage=filters.stage,
        status=filters.status,
        sign_quarter=(filters.sign_quarter or "").strip() or None,
        customer=filters.customer,
        q=(filters.q or "").strip() or None,
        incomplete=filters.incomplete,
        flagged=filters.flagged,
    )
    errors = filter_errors(pipeline_filters)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    if filters.cursor and filters.offset:
        raise ValidationError({"cursor": [_("Send a cursor or an offset, not both.")]})
    user = current_user(request)
    totals = pipeline_totals(user, pipeline_filters)  # type: ignore[arg-type]
    page = PipelinePage([], filters.sort or "")
    if totals["count"] or filters.cursor:
        try:
            page = pipeline_page(
                user,  # type: ignore[arg-type]
                pipeline_filters,
                filters.sort,
                cursor=filters.cursor,
                limit=filters.limit,
                offset=filters.offset,
                contacts_attr="api_key_contacts",
                row_fields=LIST_ROW_FIELDS,
            )
        except CursorError as exc:
            raise ValidationError({"cursor": [str(exc)]}) from None
    attach_relationship_scores(page.rows, "api_key_contacts")
    pipeline_filters.engine().attach(page.rows)
    body = {
        "items": [OpportunityOut.from_opportunity(o) for o in page.rows],
        "count": totals["count"],
        "count_is_lower_bound": totals["count_is_lower_bound"],
        "totals": totals,
        "next_cursor": page.next_cursor,
        "previous_cursor": page.previous_cursor,
    }
    # Built field by field in OpportunityListOut's shape (OpportunityOut.from_opportunity).
    return prebuilt(request, response, body)


@router.post(
    "/opportunities", response={201: OpportunityDetailOut, **WRITE_ERRORS}, summary="Open an opportunity"
)
def create_opportunity(request: HttpRequest, response: HttpResponse, payload: OpportunityCreateIn) -> Status:
    by = current_user(request)
    data = payload.model_dump()
    customer = _customer_field(by, data.pop("customer"))
    owner_id = data.pop("owner")
    owner = _user_field(by, owner_id, "owner") if owner_id is not None else None
    stage_value = data.pop("stage")
    stage = (
        _stage_in(services.default_process().stages.all(), stage_value, "stage")
        if stage_value is not None
        else None
    )
    lead_id = data.pop("customer_lead")
    lead = _contact_field(by, lead_id, "customer_lead") if lead_id is not None else None
    opportunity = services.create_opportunity(
        by=by, customer=customer, owner=owner, stage=stage, customer_lead=lead, **data
    )
    return Status(201, _detail(_load(by, opportunity.pk), response))


@router.get("/opportunities/{int:opportunity_id}", response={200: OpportunityDetailOut, **READ_ERRORS})
def get_opportunity(request: HttpRequest, response: HttpResponse, opportunity_id: int) -> dict[str, Any]:
    """One opportunity; the ETag header carries its version for the next write's If-Match."""
    return _detail(_load(current_user(request), opportunity_id), response)


@router.patch(
    "/opportunities/{int:opportunity_id}", response={200: OpportunityDetailOut, **VERSIONED_WRITE_ERRORS}
)
def update_opportunity(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: OpportunityUpdateIn
) -> dict[str, Any]:
    """Change the fields sent. Needs If-Match with the version read (428 without, 412 if stale)."""
    by = current_user(request)
    opportunity = _load(by, opportunity_id)
    version = expected_version(request, opportunity.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, NOT_NULLABLE)
    if "forecast_category" in changes and changes["forecast_category"] is None:
        changes["forecast_category"] = ""
    if "owner" in changes:
        changes["owner"] = _user_field(by, changes["owner"], "owner")
    if "customer_lead" in changes and changes["customer_lead"] is not None:
        changes["customer_lead"] = _contact_field(by, changes["customer_lead"], "customer_lead")
    services.update_opportunity(opportunity, by=by, version=version, **changes)
    return _detail(_load(by, opportunity_id), response)


@router.post(
    "/opportunities/{int:opportunity_id}/move", response={200: OpportunityMoveOut, **VERSIONED_WRITE_ERRORS}
)
def move_opportunity(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: OpportunityMoveIn
) -> dict[str, Any]:
    """Move to another stage. Forward needs `key_node_confirmed`; backward needs a note; refusals are 409."""
    by = current_user(request)
    opportunity = _load(by, opportunity_id)
    version = expected_version(request, opportunity.version, payload.version)
    to_stage = _stage_in(
        Stage.objects.filter(process_id=opportunity.stage.process_id), payload.to_stage, "to_stage"
    )
    result = services.move_stage(
        opportunity,
        to_stage,
        by=by,
        note=payload.note,
        key_node_confirmed=payload.key_node_confirmed,
        version=version,
        achieved=payload.achieved,
        carry_over=payload.carry_over,
    )
    return {
        "opportunity": _detail(_load(by, opportunity_id), response),
        "warnings": [str(w) for w in result.warnings],
    }


@router.post(
    "/opportunities/{int:opportunity_id}/close",
    response={200: OpportunityDetailOut, **VERSIONED_WRITE_ERRORS},
)
def close_opportunity(
    request: HttpRequest, response: HttpResponse, opportunity_id: int, payload: OpportunityCloseIn
) -> dict[str, Any]:
    """End it as won, lost or dropped, with a reason from the list for the outcome (and the
    competitor when that reason names one). Needs If-Match."""
    by = current_user(request)
    opportunity = _load(by, opportunity_id)
    version = expected_version(request, opportunity.version)
    reason_choice = _close_reason(payload.status, payload.reason_choice)
    lost_to = None
    if payload.lost_to is not None:
        lost_to = Competitor.objects.filter(name=payload.lost_to.strip()).first()
        competitor_id = parse_id(payload.lost_to)
        if lost_to is None and competitor_id is not None:
            lost_to = Competitor.objects.filter(pk=competitor_id).first()
        if lost_to is None:
            raise ValidationError({"lost_to": [_("Unknown competitor.")]})
    services.close_opportunity(
        opportunity,
        by=by,
        status=payload.status,
        reason=payload.reason,
        reason_choice=reason_choice,
        lost_to=lost_to,
        lessons=payload.lessons,
        version=version,
    )
    return _detail(_load(by, opportunity_id), response)


@router.get(
    "/opportunities/{int:opportunity_id}/history", response={200: OpportunityHistoryOut, **READ_ERRORS}
)
def opportunity_history(request: HttpRequest, opportunity_id: int) -> dict[str, Any]:
    """Stage changes and field edits, newest first."""
    opportunity = _load(current_user(request), opportunity_id)
    stage_changes = StageChange.objects.filter(opportunity=opportunity).select_related(
        "from_stage", "to_stage", "changed_by"
    )
    changes = opportunity.changes.select_related("changed_by")
    return {
        "stage_changes": [StageChangeOut.from_change(c) for c in stage_changes],
        "changes": [
            {
                "field": c.field,
                "old_value": c.old_value,
                "new_value": c.new_value,
                "changed_by": {"id": c.changed_by.pk, "name": str(c.changed_by)} if c.changed_by else None,
                "changed_at": c.changed_at,
            }
            for c in changes
        ],
    }
