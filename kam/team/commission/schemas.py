"""API shapes for commission: plans, deal splits, statements with lines and differences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref, user_ref
from kam.team.commission.models import CommissionPlan, Statement, StatementLine
from kam.team.commission.selectors import Difference, ShareRow

Money = Decimal
BaseChoice = Literal["won", "gross_profit", "payments", "service"]
BandKindChoice = Literal["attainment", "amount"]
RoleFamilyChoice = Literal["sales", "service"]
CustomerKindChoice = Literal["", "new", "existing"]


class CommissionLayerIO(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    tiers: str = Field("", max_length=4, description="Customer tiers the layer takes, e.g. `AB`; empty: any.")
    customer_kind: CustomerKindChoice = Field(
        "", description="`new` (the customer's first won deal), `existing`, or any."
    )
    product_line: str = Field("", max_length=100, description="The deal's product line; empty: any.")
    factor: Decimal = Field(Decimal("1"), ge=0, le=100, max_digits=6, decimal_places=3)


class CommissionLayerIn(CommissionLayerIO, InputSchema):
    pass


class CommissionBandIO(Schema):
    lower: Decimal = Field(
        ..., ge=0, max_digits=15, decimal_places=2, description="Lower edge: an amount, or % of target."
    )
    rate: Decimal = Field(..., ge=0, le=1000, max_digits=7, decimal_places=3, description="Rate in per cent.")


class CommissionBandIn(CommissionBandIO, InputSchema):
    pass


class CommissionPlanOut(Schema):
    id: int
    name: str
    name_en: str
    role_family: str
    base: str
    band_kind: str
    cap: Money | None
    floor: Money | None
    use_star_multiplier: bool
    is_active: bool
    notes: str
    people: list[Ref]
    layers: list[CommissionLayerIO]
    bands: list[CommissionBandIO]
    version: int

    @staticmethod
    def build(plan: CommissionPlan) -> dict[str, Any]:
        return {
            "id": plan.pk,
            "name": plan.name,
            "name_en": plan.name_en,
            "role_family": plan.role_family,
            "base": plan.base,
            "band_kind": plan.band_kind,
            "cap": plan.cap,
            "floor": plan.floor,
            "use_star_multiplier": plan.use_star_multiplier,
            "is_active": plan.is_active,
            "notes": plan.notes,
            "people": [user_ref(p) for p in plan.people.all()],
            "layers": [
                {
                    "name": layer.name,
                    "name_en": layer.name_en,
                    "tiers": layer.tiers,
                    "customer_kind": layer.customer_kind,
                    "product_line": layer.product_line,
                    "factor": layer.factor,
                }
                for layer in plan.layers.all()
            ],
            "bands": [{"lower": b.lower, "rate": b.rate} for b in plan.bands.all()],
            "version": plan.version,
        }


class CommissionPlanCreateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    role_family: RoleFamilyChoice = "sales"
    base: BaseChoice = "won"
    band_kind: BandKindChoice = "amount"
    cap: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    floor: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    use_star_multiplier: bool = True
    is_active: bool = True
    notes: str = Field("", max_length=5000)
    people: list[Id] = Field(default_factory=list, max_length=1000)
    layers: list[CommissionLayerIn] = Field(default_factory=list, max_length=50)
    bands: list[CommissionBandIn] = Field(..., min_length=1, max_length=50)


class CommissionPlanUpdateIn(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    role_family: RoleFamilyChoice | None = None
    base: BaseChoice | None = None
    band_kind: BandKindChoice | None = None
    cap: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    floor: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    use_star_multiplier: bool | None = None
    is_active: bool | None = None
    notes: str | None = Field(None, max_length=5000)
    people: list[Id] | None = Field(None, max_length=1000)
    layers: list[CommissionLayerIn] | None = Field(None, max_length=50)
    bands: list[CommissionBandIn] | None = Field(None, min_length=1, max_length=50)


class CommissionShareIO(Schema):
    user: Id
    share: Decimal = Field(..., gt=0, le=100, max_digits=5, decimal_places=2)


class CommissionShareIn(CommissionShareIO, InputSchema):
    pass


class CommissionShareOut(Schema):
    user: Ref
    share: Decimal


class CommissionSplitOut(Schema):
    opportunity: int
    is_default: bool = Field(..., description="No split set: 100 % to the owner.")
    shares: list[CommissionShareOut]
    version: int = Field(..., description="0 before any split is set; send it in If-Match to write.")

    @staticmethod
    def build(opportunity_id: int, split: Any, rows: list[ShareRow]) -> dict[str, Any]:
        return {
            "opportunity": opportunity_id,
            "is_default": split is None,
            "shares": [{"user": user_ref(r.user), "share": r.share} for r in rows],
            "version": split.version if split is not None else 0,
        }


class CommissionSplitIn(InputSchema):
    shares: list[CommissionShareIn] = Field(
        ..., max_length=100, description="Empty: back to 100 % to the owner."
    )


class CommissionLineOut(Schema):
    id: int
    key: str = Field(..., description="The source and band; pairs the lines of two revisions.")
    kind: str = Field(..., description="`deal` or `payment`.")
    opportunity: int | None
    payment: int | None
    label: str
    customer: str
    dated: dt.date
    layer: str
    source_amount: Money
    share: Decimal
    band: str
    portion: Money = Field(..., description="The part of the credited base that fell in this band.")
    rate: Decimal
    amount: Money

    @staticmethod
    def build(line: StatementLine) -> dict[str, Any]:
        return {
            "id": line.pk,
            "key": line.key,
            "kind": line.kind,
            "opportunity": line.opportunity_id,
            "payment": line.payment_id,
            "label": line.label,
            "customer": line.customer,
            "dated": line.dated,
            "layer": line.layer,
            "source_amount": line.source_amount,
            "share": line.share,
            "band": line.band,
            "portion": line.portion,
            "rate": line.rate,
            "amount": line.amount,
        }


class CommissionStatementSummaryOut(Schema):
    id: int
    person: Ref
    plan: Ref
    period_start: dt.date
    period_end: dt.date
    revision: int
    previous: int | None
    status: str
    target: Money | None
    base_total: Money
    commission: Money
    star: str
    multiplier: Decimal
    multiplied: Money
    cap: Money | None
    floor: Money | None
    limit_applied: str = Field(..., description="`cap`, `floor` or empty.")
    total: Money
    computed_at: dt.datetime
    approved_by: Ref | None
    approved_at: dt.datetime | None
    comment: str
    version: int

    @staticmethod
    def build(s: Statement) -> dict[str, Any]:
        return {
            "id": s.pk,
            "person": user_ref(s.person),
            "plan": {"id": s.plan_id, "name": str(s.plan)},
            "period_start": s.period_start,
            "period_end": s.period_end,
            "revision": s.revision,
            "previous": s.previous_id,
            "status": s.status,
            "target": s.target,
            "base_total": s.base_total,
            "commission": s.commission,
            "star": s.star,
            "multiplier": s.multiplier,
            "multiplied": s.multiplied,
            "cap": s.cap,
            "floor": s.floor,
            "limit_applied": s.limit_applied,
            "total": s.total,
            "computed_at": s.computed_at,
            "approved_by": user_ref(s.approved_by) if s.approved_by_id else None,
            "approved_at": s.approved_at,
            "comment": s.comment,
            "version": s.version,
        }


class CommissionStatementOut(CommissionStatementSummaryOut):
    lines: list[CommissionLineOut]


class CommissionStatementCreateIn(InputSchema):
    person: Id
    period: str = Field(
        ..., min_length=1, max_length=20, description="A quarter (`2026 Q3`) or a month (`2026-08`)."
    )


class CommissionReturnIn(InputSchema):
    comment: str = Field(..., min_length=1, max_length=2000)


class CommissionDifferenceOut(Schema):
    key: str
    label: str
    band: str
    change: str = Field(..., description="`added`, `removed` or `changed`.")
    before: Money | None
    after: Money | None
    delta: Money
    opportunity: int | None

    @staticmethod
    def build(d: Difference) -> dict[str, Any]:
        return {
            "key": d.key,
            "label": d.label,
            "band": d.band,
            "change": d.change,
            "before": d.before,
            "after": d.after,
            "delta": d.delta,
            "opportunity": d.opportunity_id,
        }
