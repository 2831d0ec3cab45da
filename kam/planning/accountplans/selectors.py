"""Account plan reads: the list a user may see (filters, sorting), one plan with everything its page
shows, its history and revisions, a customer's plans. Visibility comes from kam.access."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kam.access.visibility import account_plans_for
from kam.customers.models import Customer, Segment
from kam.org.models import User
from kam.planning.accountplans.models import (
    AccountPlan,
    PlanChange,
    PlanForecastYear,
    PlanMember,
    PlanRevision,
    PlanShare,
    PlanStatus,
)
from kam.planning.approvals.models import ApprovalDecision, ApprovalRequest

QUERY_MAX = 100
# Sort keys a list accepts: the column and its tie-breaker, so pages never repeat or skip a row.
SORTS: dict[str, tuple[str, ...]] = {
    "customer": ("customer__name", "-year", "id"),
    "-customer": ("-customer__name", "-year", "-id"),
    "year": ("year", "customer__name", "id"),
    "-year": ("-year", "customer__name", "id"),
    "status": ("status", "-year", "customer__name", "id"),
    "-status": ("-status", "-year", "customer__name", "id"),
    "owner": ("owner__name", "owner__username", "-year", "id"),
    "-owner": ("-owner__name", "-owner__username", "-year", "-id"),
    "review": ("next_review_due", "customer__name", "id"),
    "-review": ("-next_review_due", "customer__name", "id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "-year"


@dataclass
class PlanFilters:
    year: int | None = None
    status: str = ""
    owner: int | None = None
    segment: str = ""
    q: str = ""
    customer: int | None = None
    sort: str = DEFAULT_SORT
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, params: Any) -> PlanFilters:
        """Filters from a query string (a page's GET or the API's): unknown values are dropped and
        noted in `errors`, never a 500."""
        filters = cls()
        year = (params.get("year") or "").strip()
        if year:
            if year.isdecimal() and 2000 <= int(year) <= 2100:
                filters.year = int(year)
            else:
                filters.errors["year"] = _("Pick a year from %(low)d to %(high)d.") % {
                    "low": 2000,
                    "high": 2100,
                }
        status = (params.get("status") or "").strip()
        if status:
            if status in PlanStatus.values:
                filters.status = status
            else:
                filters.errors["status"] = _("Unknown status.")
        segment = (params.get("segment") or "").strip()
        if segment:
            if segment in Segment.values:
                filters.segment = segment
            else:
                filters.errors["segment"] = _("Unknown segment.")
        for name in ("owner", "customer"):
            value = (params.get(name) or "").strip()
            if value:
                if value.isdecimal() and len(value) <= 18:
                    setattr(filters, name, int(value))
                else:
                    filters.errors[name] = _("Unknown id.")
        filters.q = (params.get("q") or "").strip()[:QUERY_MAX]
        sort = (params.get("sort") or "").strip()
        if sort in SORTS:
            filters.sort = sort
        return filters

    def as_query(self) -> dict[str, Any]:
        values = {
            "year": self.year,
            "status": self.status,
            "owner": self.owner,
            "segment": self.segment,
            "q": self.q,
            "customer": self.customer,
        }
        return {k: v for k, v in values.items() if v not in (None, "")}


def plans(user: User, filters: PlanFilters | None = None) -> QuerySet[AccountPlan]:
    """The plans `user` may see, filtered and sorted, with the customer and owner joined."""
    filters = filters or PlanFilters()
    qs = account_plans_for(user, AccountPlan.objects.all())
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.segment:
        qs = qs.filter(customer__segment=filters.segment)
    if filters.q:
        qs = qs.filter(
            Q(customer__name__icontains=filters.q)
            | Q(customer__short_name__icontains=filters.q)
            | Q(executive_summary__icontains=filters.q)
        )
    return qs.select_related("customer", "owner").order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def owner_choices(user: User) -> list[User]:
    """The people owning a plan the user sees (the list's owner filter)."""
    owners = account_plans_for(user, AccountPlan.objects.all()).values("owner_id")
    return list(User.objects.filter(pk__in=owners).order_by("name", "username"))


def year_choices(user: User) -> list[int]:
    years = account_plans_for(user, AccountPlan.objects.all()).values_list("year", flat=True)
    return sorted(set(years.order_by().distinct()), reverse=True)


# One plan ----------------------------------------------------------------------------------------


def members(plan: AccountPlan) -> list[PlanMember]:
    return list(plan.members.select_related("user").order_by("role", "id"))


def shares(plan: AccountPlan) -> list[PlanShare]:
    return list(plan.shares.all())


def forecast(plan: AccountPlan) -> list[PlanForecastYear]:
    return list(plan.forecast_years.order_by("year"))


def share_totals(rows: list[PlanShare]) -> dict[str, Any]:
    """The shares table's total line: demand and revenue summed, the share of the sums."""
    demand = sum((r.customer_demand or 0 for r in rows), 0)
    revenue = sum((r.our_revenue or 0 for r in rows), 0)
    share = (revenue * 100 / demand) if demand else None
    return {"customer_demand": demand, "our_revenue": revenue, "share": share}


def history(plan: AccountPlan, limit: int | None = None) -> list[PlanChange]:
    """Every line of the plan's history, newest first (the OGSM's and the reviews' included)."""
    qs = plan.changes.select_related("changed_by").order_by("-changed_at", "-id")
    return list(qs[:limit] if limit else qs)


def revisions(plan: AccountPlan) -> list[PlanRevision]:
    return list(plan.revisions.select_related("created_by").defer("snapshot").order_by("-number"))


def revision(plan: AccountPlan, number: int) -> PlanRevision | None:
    return plan.revisions.select_related("created_by").filter(number=number).first()


def approval(plan: AccountPlan) -> tuple[ApprovalRequest | None, list[ApprovalDecision]]:
    """The plan's current request (the latest it was submitted with) and its decisions."""
    if plan.approval_id is None:
        return None, []
    request = ApprovalRequest.objects.select_related("flow", "current_step", "requested_by").get(
        pk=plan.approval_id
    )
    return request, list(request.decisions.select_related("approver", "step").order_by("at", "id"))


# A customer's plans ------------------------------------------------------------------------------


def customer_plans(user: User, customer: Customer) -> list[AccountPlan]:
    """The customer's plans by year, newest first, as the user sees them."""
    qs = account_plans_for(user, AccountPlan.objects.filter(customer=customer))
    return list(qs.select_related("owner").order_by("-year"))


def state(plan: AccountPlan) -> str:
    """One line: the status and what comes next."""
    if plan.status == PlanStatus.ACTIVE and plan.next_review_due:
        return _("Active · next review %(date)s") % {"date": plan.next_review_due.isoformat()}
    if plan.status == PlanStatus.DRAFT and plan.rejection_comment:
        return _("Draft · returned by the approver")
    return str(plan.get_status_display())
