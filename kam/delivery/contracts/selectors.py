"""Contract reads: the list with its filters and sorts, one contract's page, the panels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet

from kam.access.visibility import contracts_for
from kam.customers.models import Customer
from kam.delivery.models import Contract, ContractStatus, DeliveryChange
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.planning.approvals.models import ApprovalRequest

# Sort keys a list accepts: name → columns (the id breaks ties so pages never overlap).
SORTS: dict[str, tuple[str, ...]] = {
    "number": ("number", "id"),
    "-number": ("-number", "-id"),
    "sign_date": ("sign_date", "id"),
    "-sign_date": ("-sign_date", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "customer": ("customer__name", "id"),
    "-customer": ("-customer__name", "-id"),
    "status": ("status", "id"),
    "-status": ("-status", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "-sign_date"


@dataclass
class ContractFilters:
    status: str = ""
    customer: int | None = None
    owner: int | None = None
    year: int | None = None
    q: str = ""
    sort: str = DEFAULT_SORT


def contract_list(user: User, filters: ContractFilters) -> QuerySet[Contract]:
    """The contracts `user` may see, filtered and sorted, with what a list row shows."""
    qs = contracts_for(user).select_related("customer", "owner")
    if filters.status in ContractStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.customer:
        qs = qs.filter(customer_id=filters.customer)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.year:
        qs = qs.filter(sign_date__year=filters.year)
    text = filters.q.strip()
    if text:
        qs = qs.filter(
            Q(number__icontains=text) | Q(title__icontains=text) | Q(customer__name__icontains=text)
        )
    return qs.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def for_customer(user: User, customer: Customer) -> list[Contract]:
    return list(
        contracts_for(user).filter(customer=customer).select_related("owner").order_by("-sign_date", "-id")
    )


def for_opportunity(user: User, opportunity: Opportunity) -> list[Contract]:
    return list(contracts_for(user).filter(opportunity=opportunity).select_related("owner").order_by("-id"))


def approval_of(contract: Contract) -> ApprovalRequest | None:
    if contract.approval_id is None:
        return None
    return (
        ApprovalRequest.objects.select_related("current_step", "flow", "requested_by")
        .filter(pk=contract.approval_id)
        .first()
    )


@dataclass
class HistoryLine:
    change: DeliveryChange
    fields: list[tuple[str, Any, Any]]


def _field_label(name: str) -> str:
    try:
        return str(getattr(Contract._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


def history(contract: Contract) -> list[HistoryLine]:
    """The contract's history, newest first, its fields named and its owners by name (one query
    for all the owners the lines mention)."""
    changes = list(
        DeliveryChange.objects.filter(contract=contract)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )
    owner_ids = {
        value for c in changes for value in (c.changes or {}).get("owner", []) if isinstance(value, int)
    }
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=owner_ids)} if owner_ids else {}
    lines = []
    for c in changes:
        fields = []
        for name, pair in (c.changes or {}).items():
            if name == "comment" or not isinstance(pair, list) or len(pair) != 2:
                continue
            old, new = pair
            if name == "owner":
                old, new = names.get(old, old), names.get(new, new)
            elif name == "status":
                old, new = _status_label(old), _status_label(new)
            fields.append((_field_label(name), old, new))
        lines.append(HistoryLine(c, fields))
    return lines


def _status_label(value: Any) -> Any:
    return ContractStatus(value).label if value in ContractStatus.values else value


def detail(contract: Contract) -> dict[str, Any]:
    """Everything the contract page shows besides the contract itself: a fixed number of queries."""
    return {
        "amendments": list(contract.amendments.select_related("created_by")),
        "attachments": list(contract.attachments.select_related("uploaded_by")),
        "approval": approval_of(contract),
        "history": history(contract),
    }


def customers_with_contracts(user: User) -> list[Customer]:
    """The customers of the contracts `user` sees, for the list's filter (names only)."""
    visible = contracts_for(user).values("customer_id")
    return list(Customer.objects.filter(pk__in=visible).order_by("name").only("pk", "name")[:1000])


def years(user: User) -> list[int]:
    dates = contracts_for(user).filter(sign_date__isnull=False).dates("sign_date", "year", order="DESC")
    return [d.year for d in dates]
