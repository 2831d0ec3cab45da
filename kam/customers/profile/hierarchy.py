"""Group hierarchy reads for the 360° page: the parent chain up to the root group, the subtree of
subsidiaries, and group roll-ups of pipeline and revenue across that subtree.

Descendants are fetched one query per level (groups are shallow and wide), with a `seen` set and a
depth cap so a parent cycle written around the services (imports, the admin, raw SQL) cannot loop
forever. Money is summed in one GROUP BY over the opportunities the user may see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from kam.access.visibility import customers_for, opportunities_for
from kam.customers.models import Customer
from kam.customers.scoring.inputs import YEAR
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.opportunities.selectors import EXPECTED_AMOUNT, WEIGHTED_AMOUNT
from kam.org.models import User

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Far deeper than any real group; only a corrupted hierarchy gets near it.
MAX_DEPTH = 30


@dataclass
class Rollup:
    """What a set of opportunities adds up to (only those the user may see)."""

    open_count: int = 0
    open_amount: Decimal = ZERO
    weighted: Decimal = ZERO
    won_12m: Decimal = ZERO
    won_count_12m: int = 0

    def add(self, other: Rollup) -> None:
        self.open_count += other.open_count
        self.open_amount += other.open_amount
        self.weighted += other.weighted
        self.won_12m += other.won_12m
        self.won_count_12m += other.won_count_12m

    @property
    def is_empty(self) -> bool:
        return not (self.open_count or self.won_count_12m)

    def as_dict(self) -> dict[str, Any]:
        return {
            "open_count": self.open_count,
            "open_amount": self.open_amount,
            "weighted": self.weighted,
            "won_12m": self.won_12m,
            "won_count_12m": self.won_count_12m,
        }


@dataclass
class ChainLink:
    id: int
    name: str
    visible: bool


@dataclass
class GroupNode:
    """One company of the subtree. `depth` counts levels below the customer whose page it is;
    `display_depth` counts only visible ancestors, for indenting the visible ones."""

    id: int
    name: str
    parent_id: int | None
    depth: int
    visible: bool = False
    display_depth: int = 0
    # The nearest visible ancestor within the subtree: where the node hangs when shown.
    display_parent_id: int | None = None
    own: Rollup = field(default_factory=Rollup)
    subtree: Rollup = field(default_factory=Rollup)
    children: list[GroupNode] = field(default_factory=list)


@dataclass
class GroupRollup:
    root: GroupNode
    # Visible companies of the subtree (the customer first), parents before their subsidiaries.
    rows: list[GroupNode]
    # Opportunities the user may see at subsidiaries they may not open: counted, not named.
    hidden: Rollup
    hidden_count: int
    total: Rollup
    since: dt.datetime
    truncated: bool = False

    @property
    def subsidiaries(self) -> list[GroupNode]:
        return self.rows[1:]

    @property
    def has_group(self) -> bool:
        return bool(self.root.children)


def parent_chain(user: User, customer: Customer) -> list[ChainLink]:
    """The customer's parents, root group first, each marked visible or not (one query per level
    plus one for visibility)."""
    links: list[tuple[int, str]] = []
    seen = {customer.pk}
    parent_id = customer.parent_id
    while parent_id is not None and parent_id not in seen and len(links) < MAX_DEPTH:
        seen.add(parent_id)
        row = Customer.objects.filter(pk=parent_id).values_list("id", "name", "parent_id").first()
        if row is None:
            break
        links.append((row[0], row[1]))
        parent_id = row[2]
    if not links:
        return []
    visible = _visible_ids(user, [pk for pk, _ in links])
    return [ChainLink(pk, name, pk in visible) for pk, name in reversed(links)]


def subtree(customer: Customer) -> tuple[GroupNode, list[GroupNode], bool]:
    """The customer and every descendant, any depth: (root, all nodes in tree order, truncated).

    One query per level. A company already met (a cycle) is not visited again; `truncated` says
    the depth cap cut the walk short.
    """
    root = GroupNode(id=customer.pk, name=customer.name, parent_id=customer.parent_id, depth=0)
    by_id = {root.id: root}
    frontier = [root.id]
    depth = 0
    truncated = False
    while frontier:
        if depth >= MAX_DEPTH:
            truncated = True
            break
        depth += 1
        rows = (
            Customer.objects.filter(parent_id__in=frontier)
            .order_by("name", "id")
            .values_list("id", "name", "parent_id")
        )
        frontier = []
        for pk, name, parent_id in rows:
            if pk in by_id:
                continue
            node = GroupNode(id=pk, name=name, parent_id=parent_id, depth=depth)
            by_id[pk] = node
            by_id[parent_id].children.append(node)
            frontier.append(pk)
    return root, list(_walk(root)), truncated


def _walk(node: GroupNode) -> Iterator[GroupNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _visible_ids(user: User, ids: list[int]) -> set[int]:
    if user.sees_everything and user.is_active:
        return set(ids)
    return set(customers_for(user, Customer.objects.filter(pk__in=ids)).values_list("pk", flat=True))


def rollup_rows(
    user: User, customer_ids: list[int], *, now: dt.datetime | None = None
) -> tuple[dict[int, Rollup], dt.datetime]:
    """Per customer: open count, open and weighted pipeline, won amount of the last 12 months (by
    close date, as the scoring counts it), over the opportunities the user may see. One query."""
    now = now or timezone.now()
    since = now - YEAR
    is_open = Q(status=OpportunityStatus.OPEN)
    won_12m = Q(status=OpportunityStatus.WON, closed_at__gt=since, closed_at__lte=now)
    qs = opportunities_for(
        user,
        Opportunity.objects.filter(
            customer_id__in=customer_ids, status__in=[OpportunityStatus.OPEN, OpportunityStatus.WON]
        ),
    )
    rows = (
        qs.order_by()
        .values("customer_id")
        .annotate(
            open_count=Count("id", filter=is_open),
            open_amount=Sum(EXPECTED_AMOUNT, filter=is_open),
            weighted=Sum(WEIGHTED_AMOUNT, filter=is_open),
            won_12m=Sum(EXPECTED_AMOUNT, filter=won_12m),
            won_count_12m=Count("id", filter=won_12m),
        )
    )
    result = {
        row["customer_id"]: Rollup(
            open_count=row["open_count"],
            open_amount=_money(row["open_amount"]),
            weighted=_money(row["weighted"]),
            won_12m=_money(row["won_12m"]),
            won_count_12m=row["won_count_12m"],
        )
        for row in rows
    }
    return result, since


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def group_rollup(user: User, customer: Customer, *, now: dt.datetime | None = None) -> GroupRollup:
    """The customer and its subsidiaries (any depth) with their own and rolled-up figures.

    Queries: one per level of the subtree, one for visibility, one for the money.
    """
    root, nodes, truncated = subtree(customer)
    ids = [node.id for node in nodes]
    visible = _visible_ids(user, ids)
    figures, since = rollup_rows(user, ids, now=now)
    # The page is only shown for a visible customer; the root counts as visible regardless.
    root.visible = True
    for node in nodes[1:]:
        node.visible = node.id in visible
    for node in nodes:
        node.own = figures.get(node.id, Rollup())
    # Children come after their parent in tree order: add them up from the end.
    by_id = {node.id: node for node in nodes}
    for node in reversed(nodes):
        node.subtree.add(node.own)
        if node is not root and node.parent_id in by_id:
            by_id[node.parent_id].subtree.add(node.subtree)

    rows: list[GroupNode] = []
    hidden = Rollup()
    hidden_count = 0
    _place(root, 0, rows)
    for node in nodes:
        if not node.visible:
            hidden.add(node.own)
            hidden_count += 1
    return GroupRollup(
        root=root,
        rows=rows,
        hidden=hidden,
        hidden_count=hidden_count,
        total=root.subtree,
        since=since,
        truncated=truncated,
    )


def _place(root: GroupNode, depth: int, rows: list[GroupNode]) -> None:
    """Visible nodes in tree order; one under a hidden company hangs under its nearest visible
    ancestor, so no hidden name is shown."""
    stack: list[tuple[GroupNode, int, int | None]] = [(root, depth, None)]
    while stack:
        node, level, shown_parent = stack.pop()
        if node.visible:
            node.display_depth = level
            node.display_parent_id = shown_parent
            rows.append(node)
            level, shown_parent = level + 1, node.id
        stack.extend((child, level, shown_parent) for child in reversed(node.children))
