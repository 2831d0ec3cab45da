"""Reads of SWOTs: the subject a page or an endpoint names (404 outside the reader's view), the
workspace (items with their labels and use, the TOWS matrix, unused items) in a fixed number of
queries, the one-line state the deal's strategy panel shows, and the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.access.visibility import (
    customers_for,
    get_visible_customer,
    get_visible_opportunity,
    opportunities_for,
)
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.org.visibility import visible_users
from kam.planning.swot.models import ItemKind, StrategyKind, Swot, SwotChange, SwotItem, TowsStrategy

SCOPES = ("opportunity", "customer")
HISTORY_LIMIT = 30


@dataclass
class Subject:
    """What a SWOT is about: one opportunity or one customer."""

    scope: str
    target: Opportunity | Customer

    @property
    def opportunity(self) -> Opportunity | None:
        return self.target if isinstance(self.target, Opportunity) else None

    @property
    def customer_id(self) -> int:
        target = self.target
        return target.customer_id if isinstance(target, Opportunity) else target.pk

    @property
    def page_url(self) -> str:
        return reverse(f"planning_swot:{self.scope}", kwargs={"pk": self.target.pk})

    def swot(self) -> Swot | None:
        return Swot.objects.filter(**{self.scope: self.target}).first()


def subject(user: User, scope: str, pk: Any) -> Subject:
    """The opportunity or customer `pk`, if `user` may see it (else 404)."""
    if scope == "opportunity":
        return Subject(
            scope, get_visible_opportunity(user, pk, queryset=Opportunity.objects.select_related("customer"))
        )
    if scope == "customer":
        return Subject(scope, get_visible_customer(user, pk))
    raise Http404


def subject_of(swot: Swot) -> Subject:
    if swot.opportunity_id is not None:
        return Subject("opportunity", swot.opportunity)  # type: ignore[arg-type]
    return Subject("customer", swot.customer)  # type: ignore[arg-type]


def visible_swots(user: User) -> QuerySet[Swot]:
    """The SWOTs of the deals and customers `user` may see."""
    return Swot.objects.filter(
        Q(opportunity__in=opportunities_for(user).values("pk"))
        | Q(customer__in=customers_for(user).values("pk"))
    )


def get_visible_swot(user: User, pk: Any) -> Swot:
    swot = visible_swots(user).select_related("opportunity__customer", "customer").filter(pk=pk).first()
    if swot is None:
        raise Http404
    return swot


def get_visible_item(user: User, pk: Any) -> SwotItem:
    item = SwotItem.objects.filter(pk=pk, swot__in=visible_swots(user)).select_related("swot").first()
    if item is None:
        raise Http404
    return item


def get_visible_strategy(user: User, pk: Any) -> TowsStrategy:
    strategy = (
        TowsStrategy.objects.filter(pk=pk, swot__in=visible_swots(user))
        .select_related("swot", "activity")
        .first()
    )
    if strategy is None:
        raise Http404
    return strategy


# The workspace ------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    item: SwotItem
    label: str
    strategies: list[str] = field(default_factory=list)

    @property
    def unused(self) -> bool:
        return not self.strategies


@dataclass
class StrategyRow:
    strategy: TowsStrategy
    label: str
    items: list[ItemRow]


@dataclass
class Workspace:
    swot: Swot | None
    items: dict[str, list[ItemRow]]
    strategies: dict[str, list[StrategyRow]]

    @property
    def item_count(self) -> int:
        return sum(len(rows) for rows in self.items.values())

    @property
    def strategy_count(self) -> int:
        return sum(len(rows) for rows in self.strategies.values())

    @property
    def unused(self) -> list[ItemRow]:
        return [row for kind in ItemKind.values for row in self.items[kind] if row.unused]

    def rows(self, kind: str) -> list[ItemRow]:
        return self.items[kind]


def items_in_order(swot: Swot | None) -> QuerySet[SwotItem]:
    """The SWOT's items as the grid reads them: strengths, weaknesses, opportunities, threats."""
    if swot is None:
        return SwotItem.objects.none()
    rank = Case(
        *(When(kind=kind, then=Value(n)) for n, kind in enumerate(ItemKind.values)),
        output_field=IntegerField(),
    )
    return SwotItem.objects.filter(swot=swot).order_by(rank, "order", "id")


def strategy_label(strategy: TowsStrategy, position: int) -> str:
    return f"{strategy.kind}{position}"


def workspace(swot: Swot | None) -> Workspace:
    """Items by kind with their labels (S1, O2, …) and the strategies that use them; strategies by
    TOWS cell with their items: two queries (three with the strategies' items)."""
    items: dict[str, list[ItemRow]] = {kind: [] for kind in ItemKind.values}
    strategies: dict[str, list[StrategyRow]] = {kind: [] for kind in StrategyKind.values}
    if swot is None:
        return Workspace(None, items, strategies)
    by_id: dict[int, ItemRow] = {}
    for item in SwotItem.objects.filter(swot=swot).order_by("kind", "order", "id"):
        rows = items[item.kind]
        row = ItemRow(item, f"{item.kind}{len(rows) + 1}")
        rows.append(row)
        by_id[item.pk] = row
    qs = (
        TowsStrategy.objects.filter(swot=swot)
        .select_related("activity", "activity__owner")
        .prefetch_related(Prefetch("items", queryset=SwotItem.objects.only("id")))
        .order_by("kind", "id")
    )
    for strategy in qs:
        cell = strategies[strategy.kind]
        label = strategy_label(strategy, len(cell) + 1)
        used = sorted(
            (by_id[i.pk] for i in strategy.items.all() if i.pk in by_id),
            key=lambda r: (ItemKind.values.index(r.item.kind), r.item.order, r.item.pk),
        )
        for row in used:
            row.strategies.append(label)
        cell.append(StrategyRow(strategy, label, used))
    return Workspace(swot, items, strategies)


def strategy_labels(swot: Swot, strategy_ids: set[int] | None = None) -> dict[int, str]:
    """Each strategy's label (SO1, WT2, …) as the matrix shows it, for messages naming them."""
    labels: dict[int, str] = {}
    counters: dict[str, int] = {}
    for pk, kind in TowsStrategy.objects.filter(swot=swot).order_by("kind", "id").values_list("pk", "kind"):
        counters[kind] = counters.get(kind, 0) + 1
        if strategy_ids is None or pk in strategy_ids:
            labels[pk] = f"{kind}{counters[kind]}"
    return labels


# The deal's strategy panel, the customer's panel -------------------------------------------------


def _counts(qs: QuerySet[Swot]) -> QuerySet[Swot]:
    def count(model: Any, **extra: Any) -> Coalesce:
        rows = model.objects.filter(swot=OuterRef("pk"), **extra).order_by().values("swot")
        return Coalesce(
            Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), 0, output_field=IntegerField()
        )

    return qs.annotate(
        n_items=count(SwotItem),
        n_strategies=count(TowsStrategy),
        n_unused=count(SwotItem, strategies__isnull=True),
    )


def summary(n_items: int, n_strategies: int, n_unused: int) -> str:
    parts = [
        ngettext("%(count)d item", "%(count)d items", n_items) % {"count": n_items},
        ngettext("%(count)d strategy", "%(count)d strategies", n_strategies) % {"count": n_strategies},
    ]
    if n_unused:
        parts.append(ngettext("%(count)d unused", "%(count)d unused", n_unused) % {"count": n_unused})
    return " · ".join(parts)


def state(opportunity: Opportunity, user: User) -> str:
    """The line on the deal's strategy panel, "12 items · 4 strategies · 2 unused": one query."""
    row: Any = _counts(Swot.objects.filter(opportunity=opportunity)).first()
    if row is None or not (row.n_items or row.n_strategies):
        return _("not started")
    return summary(row.n_items, row.n_strategies, row.n_unused)


def customer_panel(user: User, customer: Customer) -> dict[str, Any]:
    """The customer's own SWOT and the SWOTs of its deals `user` may see: two queries."""
    own = _counts(Swot.objects.filter(customer=customer)).first()
    deals = list(
        _counts(
            Swot.objects.filter(
                opportunity__customer=customer, opportunity__in=opportunities_for(user).values("pk")
            )
        )
        .select_related("opportunity")
        .order_by("-updated_at", "-id")
    )
    return {"own": own, "deals": deals}


def history(swot: Swot | None, limit: int = HISTORY_LIMIT) -> list[SwotChange]:
    if swot is None:
        return []
    return list(SwotChange.objects.filter(swot=swot).select_related("changed_by")[:limit])


def owner_candidates(user: User, subj: Subject) -> QuerySet[User]:
    """Who an action can be given to: the people `user` may see the work of, the deal's owner and
    team (or the customer's owner). Whether they see the deal is the service's rule."""
    ids = Q(pk__in=visible_users(user).values("pk"))
    opportunity = subj.opportunity
    if opportunity is not None:
        ids |= Q(pk=opportunity.owner_id) | Q(deal_memberships__opportunity=opportunity)
    else:
        ids |= Q(pk=subj.target.owner_id)  # type: ignore[union-attr]
    return User.objects.filter(ids, is_active=True).distinct().order_by("username")
