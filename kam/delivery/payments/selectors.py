"""Reads of receivables: a contract's plan, payments and invoices; figures per contract, customer,
rep (the contract's owner) and team; aging; DSO; the cash forecast. Every figure is an SQL
aggregate over the contracts a user may see (`contracts_for`), never a loop over rows.

Definitions (the receivables page's help text says the same):
- contracted: the contracts' amounts in force; invoiced: the invoices issued; received: the
  payments recorded; outstanding: what the payment plans still expect (Σ instalment amount −
  received, open instalments only); overdue: the outstanding of instalments whose due date is
  before today (an instalment due today is not overdue yet).
- aging: overdue outstanding by days past due (today − due date): 1–30 days is "0–30" (30 days
  past due is still in it), 31–60, 61–90, and over 90 (91 days and more).
- DSO (days sales outstanding) = receivables ÷ contracted revenue of the last 90 days × 90, where
  receivables are the outstanding of the instalments already due (due date on or before today)
  and the revenue is the amount of the contracts signed in the 90 days up to today (sign date
  after today − 90). No revenue in those days: no DSO.
- cash forecast: the outstanding of open instalments by due month from the current month; what is
  overdue is shown apart (it is expected as soon as it can be collected, not in a month).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from kam.access.visibility import contracts_for
from kam.core.money import MONEY_DIGITS
from kam.delivery.models import Contract, DeliveryChange, Instalment, Invoice, Payment
from kam.delivery.payments.services import RECEIVABLE_STATUSES, today
from kam.org.models import User

ZERO = Decimal("0")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
DSO_DAYS = 90
BUCKETS = (("0_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))
BUCKET_KEYS = tuple(b[0] for b in BUCKETS)


def _sum(expr: Any, condition: Q | None = None) -> Coalesce:
    return Coalesce(Sum(expr, filter=condition, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _cents(values: dict[str, Any]) -> dict[str, Any]:
    """Money to the cent whatever the database returns (SQLite's sums drop the trailing zeros)."""
    return {k: v.quantize(CENT) if isinstance(v, Decimal) else v for k, v in values.items()}


def receivable_contracts(user: User) -> QuerySet[Contract]:
    """The signed contracts the user may see."""
    return contracts_for(user).filter(status__in=RECEIVABLE_STATUSES)


def _open_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}received__lt": F(f"{prefix}amount")})


def bucket_bounds(day: datetime.date) -> dict[str, Q]:
    """Per bucket, the condition on the instalment's due date (days past due = day − due date)."""
    bounds = {}
    for key, low, high in BUCKETS:
        q = Q(due_date__lte=day - datetime.timedelta(days=low))
        if high is not None:
            q &= Q(due_date__gte=day - datetime.timedelta(days=high))
        bounds[key] = q
    return bounds


def instalment_aggregates(day: datetime.date) -> dict[str, Any]:
    """The instalment figures as aggregate expressions (one statement computes them all)."""
    open_q = _open_q()
    outstanding = F("amount") - F("received")
    aggs: dict[str, Any] = {
        "planned": _sum("amount"),
        "outstanding": _sum(outstanding, open_q),
        "overdue": _sum(outstanding, open_q & Q(due_date__lt=day)),
        "due": _sum(outstanding, open_q & Q(due_date__lte=day)),
    }
    for key, q in bucket_bounds(day).items():
        aggs[key] = _sum(outstanding, open_q & q)
    return aggs


def aging(contracts: QuerySet[Contract], *, day: datetime.date | None = None) -> dict[str, Decimal]:
    """Overdue outstanding per bucket (and in all) in one statement."""
    day = day or today()
    aggs = instalment_aggregates(day)
    keys = ("overdue", *BUCKET_KEYS)
    return _cents(Instalment.objects.filter(contract__in=contracts).aggregate(**{k: aggs[k] for k in keys}))


@dataclass
class Figures:
    contracted: Decimal = ZERO
    planned: Decimal = ZERO
    invoiced: Decimal = ZERO
    received: Decimal = ZERO
    outstanding: Decimal = ZERO
    overdue: Decimal = ZERO
    due: Decimal = ZERO
    buckets: dict[str, Decimal] = field(default_factory=dict)
    revenue_90: Decimal = ZERO
    dso: Decimal | None = None

    @property
    def unplanned(self) -> Decimal:
        return max(self.contracted - self.planned, ZERO)

    def as_dict(self) -> dict[str, Any]:
        return {
            "contracted": self.contracted,
            "planned": self.planned,
            "invoiced": self.invoiced,
            "received": self.received,
            "outstanding": self.outstanding,
            "overdue": self.overdue,
            "aging": {k: self.buckets.get(k, ZERO) for k in BUCKET_KEYS},
            "revenue_90": self.revenue_90,
            "dso": self.dso,
        }


def dso(receivables: Decimal, revenue: Decimal) -> Decimal | None:
    """receivables ÷ revenue of the last 90 days × 90, in days with one decimal."""
    if revenue <= ZERO:
        return None
    return (receivables / revenue * DSO_DAYS).quantize(Decimal("0.1"))


def figures(contracts: QuerySet[Contract], *, day: datetime.date | None = None) -> Figures:
    """Contracted, invoiced, received, outstanding, overdue, aging and DSO of these contracts:
    four statements (contracts, instalments, payments, invoices), whatever their number."""
    day = day or today()
    since = day - datetime.timedelta(days=DSO_DAYS)
    head = _cents(
        contracts.aggregate(
            contracted=_sum("amount"),
            revenue_90=_sum("amount", Q(sign_date__gt=since, sign_date__lte=day)),
        )
    )
    inst = _cents(Instalment.objects.filter(contract__in=contracts).aggregate(**instalment_aggregates(day)))
    received = _cents(Payment.objects.filter(contract__in=contracts).aggregate(t=_sum("amount")))["t"]
    invoiced = _cents(Invoice.objects.filter(contract__in=contracts).aggregate(t=_sum("amount")))["t"]
    return Figures(
        contracted=head["contracted"],
        planned=inst["planned"],
        invoiced=invoiced,
        received=received,
        outstanding=inst["outstanding"],
        overdue=inst["overdue"],
        due=inst["due"],
        buckets={k: inst[k] for k in BUCKET_KEYS},
        revenue_90=head["revenue_90"],
        dso=dso(inst["due"], head["revenue_90"]),
    )


GROUPS = {
    "contract": ("contract_id", "pk"),
    "customer": ("contract__customer_id", "customer_id"),
    "owner": ("contract__owner_id", "owner_id"),
    "team": ("contract__owner__team_id", "owner__team_id"),
}


def breakdown(
    contracts: QuerySet[Contract], by: str, *, day: datetime.date | None = None
) -> dict[Any, dict[str, Decimal]]:
    """Figures per contract, customer, rep (owner) or team: one grouped statement per table."""
    day = day or today()
    inst_key, contract_key = GROUPS[by]
    aggs = instalment_aggregates(day)
    out: dict[Any, dict[str, Decimal]] = {}

    def put(rows: Any, key: str) -> None:
        for row in rows:
            out.setdefault(row.pop(key), {}).update(_cents(row))

    put(
        contracts.values(contract_key).annotate(contracted=_sum("amount")).values(contract_key, "contracted"),
        contract_key,
    )
    put(
        Instalment.objects.filter(contract__in=contracts)
        .values(inst_key)
        .annotate(**aggs)
        .values(inst_key, *aggs),
        inst_key,
    )
    put(
        Payment.objects.filter(contract__in=contracts)
        .values(inst_key)
        .annotate(received=_sum("amount"))
        .values(inst_key, "received"),
        inst_key,
    )
    put(
        Invoice.objects.filter(contract__in=contracts)
        .values(inst_key)
        .annotate(invoiced=_sum("amount"))
        .values(inst_key, "invoiced"),
        inst_key,
    )
    keys = ("contracted", "received", "invoiced", "planned", "outstanding", "overdue", "due", *BUCKET_KEYS)
    for values in out.values():
        for k in keys:
            values.setdefault(k, ZERO)
    return out


def cash_forecast(
    contracts: QuerySet[Contract], *, day: datetime.date | None = None, months: int = 12
) -> dict[str, Any]:
    """{"overdue": amount, "months": [(first day of month, amount), ...]}: the outstanding of open
    instalments due from today on, by due month, for `months` months from the current one
    (months with nothing expected show 0); the overdue apart."""
    day = day or today()
    first = day.replace(day=1)
    year, month = first.year, first.month + months
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    end = datetime.date(year, month, 1)
    qs = Instalment.objects.filter(contract__in=contracts).filter(_open_q())
    rows = (
        qs.filter(due_date__gte=day, due_date__lt=end)
        .annotate(month=TruncMonth("due_date"))
        .values("month")
        .annotate(amount=_sum(F("amount") - F("received")))
        .values_list("month", "amount")
    )
    found = {(m.year, m.month) if m else None: a.quantize(CENT) for m, a in rows}
    out = []
    y, m = first.year, first.month
    for _i in range(months):
        out.append((datetime.date(y, m, 1), found.get((y, m), ZERO)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    overdue = _cents(qs.filter(due_date__lt=day).aggregate(t=_sum(F("amount") - F("received"))))["t"]
    return {"overdue": overdue, "months": out}


# A contract's plan --------------------------------------------------------------------------------


def plan(contract: Contract) -> list[Instalment]:
    return list(Instalment.objects.filter(contract=contract).order_by("due_date", "order", "id"))


def payments(contract: Contract) -> list[Payment]:
    return list(
        Payment.objects.filter(contract=contract)
        .select_related("recorded_by")
        .prefetch_related("allocations__instalment")
        .order_by("-received_on", "-id")
    )


def invoices(contract: Contract) -> list[Invoice]:
    return list(
        Invoice.objects.filter(contract=contract).select_related("instalment").order_by("-issued_on", "-id")
    )


def history(contract: Contract, limit: int = 50) -> list[DeliveryChange]:
    return list(
        DeliveryChange.objects.filter(contract=contract, record__in=("instalment", "payment", "invoice"))
        .select_related("changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )


# The receivables list -----------------------------------------------------------------------------

SORTS = {
    "due": ("due_date", "id"),
    "-due": ("-due_date", "-id"),
    "outstanding": ("open_amount", "id"),
    "-outstanding": ("-open_amount", "-id"),
    "customer": ("contract__customer__name", "due_date", "id"),
    "-customer": ("-contract__customer__name", "due_date", "id"),
    "contract": ("contract__number", "due_date", "id"),
    "-contract": ("-contract__number", "due_date", "id"),
    "owner": ("contract__owner__username", "due_date", "id"),
    "-owner": ("-contract__owner__username", "due_date", "id"),
}


@dataclass
class ReceivableFilters:
    team: int | None = None
    owner: int | None = None
    customer: int | None = None
    overdue_only: bool = False
    bucket: str = ""
    sort: str = "due"

    @classmethod
    def parse(cls, data: Any) -> ReceivableFilters:
        def number(name: str) -> int | None:
            value = str(data.get(name) or "")
            return int(value) if value.isdecimal() and len(value) <= 18 else None

        bucket = str(data.get("bucket") or "")
        sort = str(data.get("sort") or "due")
        return cls(
            team=number("team"),
            owner=number("owner"),
            customer=number("customer"),
            overdue_only=str(data.get("overdue") or "") in ("1", "true", "on"),
            bucket=bucket if bucket in BUCKET_KEYS else "",
            sort=sort if sort in SORTS else "due",
        )

    def as_query(self) -> dict[str, str]:
        query = {}
        for name in ("team", "owner", "customer"):
            if getattr(self, name):
                query[name] = str(getattr(self, name))
        if self.overdue_only:
            query["overdue"] = "1"
        if self.bucket:
            query["bucket"] = self.bucket
        return query

    def contracts(self, user: User) -> QuerySet[Contract]:
        qs = receivable_contracts(user)
        if self.team:
            qs = qs.filter(owner__team_id=self.team)
        if self.owner:
            qs = qs.filter(owner_id=self.owner)
        if self.customer:
            qs = qs.filter(customer_id=self.customer)
        return qs


def receivables(
    user: User, filters: ReceivableFilters, *, day: datetime.date | None = None
) -> QuerySet[Instalment]:
    """The open instalments of the contracts the user may see, filtered and sorted."""
    day = day or today()
    qs = Instalment.objects.filter(contract__in=filters.contracts(user)).filter(_open_q())
    if filters.overdue_only:
        qs = qs.filter(due_date__lt=day)
    if filters.bucket:
        qs = qs.filter(bucket_bounds(day)[filters.bucket])
    return (
        qs.select_related("contract__customer", "contract__owner")
        .annotate(open_amount=F("amount") - F("received"))
        .order_by(*SORTS[filters.sort])
    )


def receivable_totals(qs: QuerySet[Instalment]) -> dict[str, Decimal]:
    return _cents(
        qs.order_by().aggregate(
            total_amount=_sum("amount"),
            total_received=_sum("received"),
            total_outstanding=_sum(F("amount") - F("received")),
            count=Count("id"),
        )
    )


def days_overdue(instalment: Instalment, day: datetime.date | None = None) -> int:
    return max(((day or today()) - instalment.due_date).days, 0)


def bucket_of(days: int) -> str:
    for key, low, high in BUCKETS:
        if days >= low and (high is None or days <= high):
            return key
    return ""


def customer_overdue(customer_id: int, *, day: datetime.date | None = None) -> QuerySet[Instalment]:
    """The overdue instalments of one customer's signed contracts (the caller checked the customer)."""
    day = day or today()
    return (
        Instalment.objects.filter(
            contract__customer_id=customer_id, contract__status__in=RECEIVABLE_STATUSES, due_date__lt=day
        )
        .filter(_open_q())
        .select_related("contract")
        .annotate(open_amount=F("amount") - F("received"))
        .order_by("due_date", "id")
    )
