"""Account plans over JSON: the list a user may see, one plan, create, edit the sections, submit,
withdraw, close, the team, shares and five-year forecast, revisions and history. Every write to a
plan names the version read in If-Match (428 without, 412 when stale) and answers the plan with its
new ETag; the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kam.access import permissions
from kam.access.visibility import get_visible_account_plan, get_visible_customer
from kam.core.api.helpers import (
    LIST_ERRORS,
    READ_ERRORS,
    VERSIONED_WRITE_ERRORS,
    WRITE_ERRORS,
    RuleViolationOut,
    expected_version,
    refuse_nulls,
    set_etag,
)
from kam.core.errors import RuleViolation
from kam.core.web import current_user
from kam.org.models import User
from kam.planning.accountplans import selectors, services
from kam.planning.accountplans.models import AccountPlan, PlanMember, PlanShare
from kam.planning.accountplans.schemas import (
    AccountPlanChangeOut,
    AccountPlanCreateIn,
    AccountPlanFiltersIn,
    AccountPlanForecastIn,
    AccountPlanListOut,
    AccountPlanMemberIn,
    AccountPlanMemberUpdateIn,
    AccountPlanOut,
    AccountPlanRevisionOut,
    AccountPlanShareIn,
    AccountPlanShareUpdateIn,
    AccountPlanSummaryOut,
    AccountPlanUpdateIn,
)

router = Router(tags=["Account plans"])

CREATE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 409: RuleViolationOut}
NOT_NULL = services.TEXT_FIELDS + ("covers_group",)


def _plan(request: HttpRequest, plan_id: int) -> AccountPlan:
    return get_visible_account_plan(current_user(request), plan_id)


def _body(response: HttpResponse, plan: AccountPlan) -> dict[str, Any]:
    plan = AccountPlan.objects.select_related("customer", "owner").get(pk=plan.pk)
    approval, _decisions = selectors.approval(plan)
    set_etag(response, plan.version)
    return AccountPlanOut.build(
        plan,
        members=selectors.members(plan),
        shares=selectors.shares(plan),
        forecast=selectors.forecast(plan),
        approval=approval,
    )


def _person(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    person = User.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise ValidationError({field: [_("Unknown user.")]})
    return person


# The list and one plan ---------------------------------------------------------------------------


@router.get("/account-plans", response={200: AccountPlanListOut, **LIST_ERRORS})
def list_account_plans(request: HttpRequest, filters: Query[AccountPlanFiltersIn]) -> dict[str, Any]:
    """The plans you may see (their customer's visibility; owners and members see theirs too)."""
    qs = selectors.plans(
        current_user(request),
        selectors.PlanFilters(
            year=filters.year,
            status=filters.status or "",
            owner=filters.owner,
            customer=filters.customer,
            segment=filters.segment or "",
            q=(filters.q or "").strip(),
            sort=filters.sort,
        ),
    )
    count = qs.count()
    page = list(qs[filters.offset : filters.offset + filters.limit]) if count else []
    return {"items": [AccountPlanSummaryOut.from_plan(p) for p in page], "count": count}


@router.post("/account-plans", response={201: AccountPlanOut, **CREATE_ERRORS})
def create_account_plan(request: HttpRequest, response: HttpResponse, payload: AccountPlanCreateIn) -> Status:
    """A draft plan for a customer and year (one per customer and year: 422 on `year` otherwise).
    The owner defaults to the customer's owner, who starts the team as account lead; the total
    demand defaults to the customer's annual purchases of the category; five forecast rows."""
    user = current_user(request)
    customer = get_visible_customer(user, payload.customer)
    if not permissions.may_create_account_plan(user, customer):
        raise RuleViolation(_("Claim the customer from the public pool before planning it."))
    sections = payload.model_dump(exclude_unset=True, exclude={"customer", "year", "owner"})
    refuse_nulls(sections, NOT_NULL)
    plan = services.create_plan(
        customer=customer, year=payload.year, by=user, owner=_person(payload.owner, "owner"), **sections
    )
    return Status(201, _body(response, plan))


@router.get("/account-plans/{int:plan_id}", response={200: AccountPlanOut, **READ_ERRORS})
def get_account_plan(request: HttpRequest, response: HttpResponse, plan_id: int) -> dict[str, Any]:
    """The plan with its sections, team, shares, forecast and approval; the ETag is its version."""
    return _body(response, _plan(request, plan_id))


@router.patch("/account-plans/{int:plan_id}", response={200: AccountPlanOut, **VERSIONED_WRITE_ERRORS})
def update_account_plan(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: AccountPlanUpdateIn
) -> dict[str, Any]:
    """Change the sections sent (a draft only: 409 otherwise). Needs If-Match."""
    plan = _plan(request, plan_id)
    version = expected_version(request, plan.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, NOT_NULL + ("owner",))
    if "owner" in changes:
        changes["owner"] = _person(changes["owner"], "owner")
    services.update_plan(plan, by=current_user(request), version=version, **changes)
    return _body(response, plan)


def _lifecycle(request: HttpRequest, response: HttpResponse, plan_id: int, write: Any) -> dict[str, Any]:
    plan = _plan(request, plan_id)
    version = expected_version(request, plan.version)
    write(plan, by=current_user(request), version=version)
    return _body(response, plan)


@router.post(
    "/account-plans/{int:plan_id}/submit",
    response={200: AccountPlanOut, **VERSIONED_WRITE_ERRORS},
    summary="Submit the plan for approval",
)
def submit_account_plan(request: HttpRequest, response: HttpResponse, plan_id: int) -> dict[str, Any]:
    """Opens a request on the `account-plan` flow (the owner's manager, then a director); 422
    names the sections still empty. Approved, the plan becomes active and its first review falls
    due by the customer's segment; rejected, it returns to draft with the comment."""
    return _lifecycle(request, response, plan_id, services.submit_plan)


@router.post(
    "/account-plans/{int:plan_id}/withdraw",
    response={200: AccountPlanOut, **VERSIONED_WRITE_ERRORS},
    summary="Withdraw a submitted plan (back to draft)",
)
def withdraw_account_plan(request: HttpRequest, response: HttpResponse, plan_id: int) -> dict[str, Any]:
    return _lifecycle(request, response, plan_id, services.withdraw_plan)


@router.post(
    "/account-plans/{int:plan_id}/close",
    response={200: AccountPlanOut, **VERSIONED_WRITE_ERRORS},
    summary="Close an active plan",
)
def close_account_plan(request: HttpRequest, response: HttpResponse, plan_id: int) -> dict[str, Any]:
    return _lifecycle(request, response, plan_id, services.close_plan)


# Team --------------------------------------------------------------------------------------------


def _member(plan: AccountPlan, member_id: int) -> PlanMember:
    member = PlanMember.objects.select_related("user").filter(plan=plan, pk=member_id).first()
    if member is None:
        raise Http404
    member.plan = plan
    return member


@router.post("/account-plans/{int:plan_id}/members", response={201: AccountPlanOut, **VERSIONED_WRITE_ERRORS})
def add_account_plan_member(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: AccountPlanMemberIn
) -> Status:
    """Add a colleague to the team (also while the plan is active). Needs If-Match."""
    plan = _plan(request, plan_id)
    version = expected_version(request, plan.version)
    person = _person(payload.user, "user")
    assert person is not None
    services.add_member(
        plan,
        by=current_user(request),
        version=version,
        user=person,
        role=payload.role,
        responsibility=payload.responsibility,
        time_share=payload.time_share,
    )
    return Status(201, _body(response, plan))


@router.patch(
    "/account-plans/{int:plan_id}/members/{int:member_id}",
    response={200: AccountPlanOut, **VERSIONED_WRITE_ERRORS},
)
def update_account_plan_member(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: int,
    member_id: int,
    payload: AccountPlanMemberUpdateIn,
) -> dict[str, Any]:
    plan = _plan(request, plan_id)
    member = _member(plan, member_id)
    version = expected_version(request, plan.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("role", "responsibility"))
    services.update_member(member, by=current_user(request), version=version, **changes)
    return _body(response, plan)


@router.delete(
    "/account-plans/{int:plan_id}/members/{int:member_id}",
    response={200: AccountPlanOut, **VERSIONED_WRITE_ERRORS},
)
def remove_account_plan_member(
    request: HttpRequest, response: HttpResponse, plan_id: int, member_id: int
) -> dict[str, Any]:
    """The owner stays on the team (409). Needs If-Match."""
    plan = _plan(request, plan_id)
    member = _member(plan, member_id)
    version = expected_version(request, plan.version)
    services.remove_member(member, by=current_user(request), version=version)
    return _body(response, plan)


# Shares ------------------------------------------------------------------------------------------


def _share(plan: AccountPlan, share_id: int) -> PlanShare:
    share = PlanShare.objects.filter(plan=plan, pk=share_id).first()
    if share is None:
        raise Http404
    share.plan = plan
    return share


@router.post("/account-plans/{int:plan_id}/shares", response={201: AccountPlanOut, **VERSIONED_WRITE_ERRORS})
def add_account_plan_share(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: AccountPlanShareIn
) -> Status:
    """Our share of the customer for one product line and region (one row each). Needs If-Match."""
    plan = _plan(request, plan_id)
    version = expected_version(request, plan.version)
    services.add_share(plan, by=current_user(request), version=version, **payload.model_dump())
    return Status(201, _body(response, plan))


@router.patch(
    "/account-plans/{int:plan_id}/shares/{int:share_id}",
    response={200: AccountPlanOut, **VERSIONED_WRITE_ERRORS},
)
def update_account_plan_share(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: int,
    share_id: int,
    payload: AccountPlanShareUpdateIn,
) -> dict[str, Any]:
    plan = _plan(request, plan_id)
    share = _share(plan, share_id)
    version = expected_version(request, plan.version)
    changes = payload.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("product_line", "region"))
    services.update_share(share, by=current_user(request), version=version, **changes)
    return _body(response, plan)


@router.delete(
    "/account-plans/{int:plan_id}/shares/{int:share_id}",
    response={200: AccountPlanOut, **VERSIONED_WRITE_ERRORS},
)
def remove_account_plan_share(
    request: HttpRequest, response: HttpResponse, plan_id: int, share_id: int
) -> dict[str, Any]:
    plan = _plan(request, plan_id)
    share = _share(plan, share_id)
    version = expected_version(request, plan.version)
    services.remove_share(share, by=current_user(request), version=version)
    return _body(response, plan)


# Forecast ----------------------------------------------------------------------------------------


@router.put("/account-plans/{int:plan_id}/forecast", response={200: AccountPlanOut, **VERSIONED_WRITE_ERRORS})
def save_account_plan_forecast(
    request: HttpRequest, response: HttpResponse, plan_id: int, payload: AccountPlanForecastIn
) -> dict[str, Any]:
    """Write the rows sent (by year; the fields left out of a row are kept). Needs If-Match."""
    plan = _plan(request, plan_id)
    version = expected_version(request, plan.version)
    rows: dict[int, dict[str, Any]] = {}
    for row in payload.rows:
        values = row.model_dump(exclude_unset=True)
        year = values.pop("year")
        if year in rows:
            raise ValidationError({"rows": [_("Each year once.")]})
        rows[year] = values
    services.update_forecast(plan, by=current_user(request), version=version, rows=rows)
    return _body(response, plan)


# Revisions and history ---------------------------------------------------------------------------


@router.get(
    "/account-plans/{int:plan_id}/revisions", response={200: list[AccountPlanRevisionOut], **READ_ERRORS}
)
def list_account_plan_revisions(request: HttpRequest, plan_id: int) -> list[dict[str, Any]]:
    """Newest first, without their snapshots (read one revision for its content)."""
    plan = _plan(request, plan_id)
    return [AccountPlanRevisionOut.from_revision(r) for r in selectors.revisions(plan)]


@router.get(
    "/account-plans/{int:plan_id}/revisions/{int:number}",
    response={200: AccountPlanRevisionOut, **READ_ERRORS},
)
def get_account_plan_revision(request: HttpRequest, plan_id: int, number: int) -> dict[str, Any]:
    plan = _plan(request, plan_id)
    found = selectors.revision(plan, number)
    if found is None:
        raise Http404
    return AccountPlanRevisionOut.from_revision(found, with_snapshot=True)


@router.get("/account-plans/{int:plan_id}/history", response={200: list[AccountPlanChangeOut], **READ_ERRORS})
def account_plan_history(request: HttpRequest, plan_id: int) -> list[dict[str, Any]]:
    """Every write, newest first: the sections, the team, the approval, the OGSM and the reviews."""
    plan = _plan(request, plan_id)
    return [AccountPlanChangeOut.from_change(c) for c in selectors.history(plan)]
