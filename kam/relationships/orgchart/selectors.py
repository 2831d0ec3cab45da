"""Reads for the org chart editor: the customer's people as a tree, in a fixed number of queries.

Three queries whatever the head count: the contacts, their company-level CR (one aggregate) and
the decision roles they hold in the open opportunities the user may see. The tree is assembled in
Python without recursion, so a `reports_to` cycle left in old or imported data cannot hang it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.customers.models import Customer
from kam.org.models import User
from kam.relationships.models import Contact, DecisionRole
from kam.relationships.selectors import (
    OTHER_COLOUR,
    RANK_ORDER,
    ROLE_COLOURS,
    ROLE_PRIORITY,
    company_levels,
    open_decision_roles,
)
from kam.relationships.services import DeleteImpact

ROLE_ORDER: dict[str, int] = {str(role): index for index, role in enumerate(ROLE_PRIORITY)}


@dataclass
class OrgNode:
    contact: Contact
    level: int | None = None
    roles: list[str] = field(default_factory=list)
    children: list[OrgNode] = field(default_factory=list)
    # Shown only because someone of the focused department reports (indirectly) to them.
    context: bool = False

    @property
    def level_label(self) -> str:
        return f"CR{self.level}" if self.level else ""

    @property
    def main_role(self) -> str | None:
        return self.roles[0] if self.roles else None

    @property
    def colour(self) -> str:
        role = self.main_role
        return ROLE_COLOURS.get(role, OTHER_COLOUR) if role else OTHER_COLOUR

    @property
    def role_labels(self) -> list[str]:
        return [str(DecisionRole(role).label) for role in self.roles]


@dataclass
class OutlineItem:
    """One person of the outline in display order; `closes` says how many nested lists end after them."""

    node: OrgNode
    depth: int
    closes: int

    @property
    def close_range(self) -> range:
        return range(self.closes)


@dataclass
class OrgTree:
    customer: Customer
    roots: list[OrgNode]
    count: int
    departments: list[str]
    department: str | None

    def outline(self) -> list[OutlineItem]:
        """Depth-first order for the nested list, computed with a stack (no recursion)."""
        order: list[tuple[OrgNode, int]] = []
        stack = [(root, 0) for root in reversed(self.roots)]
        while stack:
            node, depth = stack.pop()
            order.append((node, depth))
            stack.extend((child, depth + 1) for child in reversed(node.children))
        items = []
        for index, (node, depth) in enumerate(order):
            next_depth = order[index + 1][1] if index + 1 < len(order) else 0
            items.append(OutlineItem(node=node, depth=depth, closes=depth - next_depth + 1))
        return items


def _sort_key(contact: Contact) -> tuple[int, str, int]:
    return (RANK_ORDER.get(contact.rank, len(RANK_ORDER)), contact.name, contact.pk)


def _ancestors_within(start: Contact, by_id: dict[int, Contact]) -> list[int]:
    """The chain of managers above `start`, stopping at the top, outside the customer or at a cycle."""
    chain: list[int] = []
    seen = {start.pk}
    manager_id = start.reports_to_id
    while manager_id in by_id and manager_id not in seen:
        chain.append(manager_id)  # type: ignore[arg-type]
        seen.add(manager_id)  # type: ignore[arg-type]
        manager_id = by_id[manager_id].reports_to_id  # type: ignore[index]
    return chain


def assemble(contacts: list[Contact], nodes: dict[int, OrgNode]) -> list[OrgNode]:
    """Hang each node under its manager; return the roots. Every node appears exactly once.

    A manager outside the set counts as none. Nodes caught in a `reports_to` cycle (the service
    refuses cycles, but imported or old rows may hold one) are reached from no root: walking up
    from the first of them in display order meets the cycle, which is cut where the walk closes it.
    """
    contacts = sorted(contacts, key=_sort_key)
    children: dict[int, list[int]] = {c.pk: [] for c in contacts}
    roots: list[int] = []
    for contact in contacts:
        manager_id = contact.reports_to_id
        if manager_id in nodes and manager_id != contact.pk:
            children[manager_id].append(contact.pk)  # type: ignore[index]
        else:
            roots.append(contact.pk)

    placed: set[int] = set()

    def attach(root: int) -> None:
        placed.add(root)
        stack = [root]
        while stack:
            current = stack.pop()
            for child in children[current]:
                if child not in placed:
                    placed.add(child)
                    nodes[current].children.append(nodes[child])
                    stack.append(child)

    for root in roots:
        attach(root)
    by_id = {c.pk: c for c in contacts}
    for contact in contacts:
        if contact.pk in placed:
            continue
        # Walk up to the cycle this contact hangs from, and cut it there.
        walk = [contact.pk, *_ancestors_within(contact, by_id)]
        top = by_id[walk[-1]].reports_to_id
        cut = top if top in walk else walk[-1]
        roots.append(cut)  # type: ignore[arg-type]
        attach(cut)  # type: ignore[arg-type]
    return [nodes[pk] for pk in roots]


def org_tree(user: User, customer: Customer, *, department: str | None = None) -> OrgTree:
    """The customer's org chart for `user`; `department` focuses it on one department's people
    and the managers above them (marked as context)."""
    contacts = list(
        Contact.objects.filter(customer=customer).only(
            "id",
            "customer_id",
            "name",
            "title",
            "department",
            "reports_to_id",
            "rank",
            "influence",
            "version",
        )
    )
    departments = sorted({c.department for c in contacts if c.department})
    department = (department or "").strip() or None
    if department not in departments:
        department = None
    context_ids: set[int] = set()
    if department is not None:
        by_id = {c.pk: c for c in contacts}
        focused = [c for c in contacts if c.department == department]
        keep = {c.pk for c in focused}
        for contact in focused:
            context_ids.update(pk for pk in _ancestors_within(contact, by_id) if pk not in keep)
        keep |= context_ids
        contacts = [c for c in contacts if c.pk in keep]
    levels = company_levels(customer)
    roles = open_decision_roles(user, customer)
    nodes = {
        c.pk: OrgNode(
            contact=c,
            level=levels.get(c.pk),
            roles=sorted(set(roles.get(c.pk, [])), key=lambda r: ROLE_ORDER.get(r, len(ROLE_ORDER))),
            context=c.pk in context_ids,
        )
        for c in contacts
    }
    return OrgTree(
        customer=customer,
        roots=assemble(contacts, nodes),
        count=len(contacts),
        departments=departments,
        department=department,
    )


def node_json(node: OrgNode) -> dict[str, Any]:
    contact = node.contact
    return {
        "id": contact.pk,
        "name": contact.name,
        "title": contact.title,
        "department": contact.department,
        "rank": contact.rank,
        "rank_label": str(contact.get_rank_display()),
        "influence": contact.influence,
        "level": node.level,
        "roles": [{"code": role, "label": str(DecisionRole(role).label)} for role in node.roles],
        "colour": node.colour,
        "reports_to": contact.reports_to_id,
        "version": contact.version,
        "context": node.context,
        "children": [],
    }


def tree_json(tree: OrgTree) -> dict[str, Any]:
    """The tree as plain data for the API; built with a stack, so depth costs no recursion here."""
    roots = [node_json(root) for root in tree.roots]
    stack = list(zip(tree.roots, roots, strict=True))
    while stack:
        node, data = stack.pop()
        for child in node.children:
            child_data = node_json(child)
            data["children"].append(child_data)
            stack.append((child, child_data))
    return {
        "customer": {"id": tree.customer.pk, "name": str(tree.customer)},
        "roots": roots,
        "count": tree.count,
        "departments": tree.departments,
        "department": tree.department,
        "legend": legend_json(),
    }


def legend_json() -> list[dict[str, Any]]:
    """Every decision role with the colour its nodes get (roles outside the approval chains are grey)."""
    return [
        {"code": role, "label": str(DecisionRole(role).label), "colour": ROLE_COLOURS.get(role, OTHER_COLOUR)}
        for role in ROLE_PRIORITY
    ]


def new_manager_name(contact: Contact) -> str | None:
    manager = (
        Contact.objects.filter(pk=contact.reports_to_id).values_list("name", flat=True).first()
        if contact.reports_to_id
        else None
    )
    return manager


def delete_impact_message(contact: Contact, impact: DeleteImpact) -> str:
    """What deleting `contact` takes with it, in one sentence for the confirmation dialog."""
    if impact.blocked:
        return _(
            "%(name)s cannot be deleted while in the decision chain of open opportunities: %(numbers)s."
        ) % {"name": contact.name, "numbers": impact.blocking_text()}
    parts = [
        ngettext(
            "%(count)d role on closed opportunities",
            "%(count)d roles on closed opportunities",
            impact.closed_roles,
        )
        % {"count": impact.closed_roles},
        ngettext("%(count)d relationship row", "%(count)d relationship rows", impact.relationships)
        % {"count": impact.relationships},
        ngettext("%(count)d influence line", "%(count)d influence lines", impact.influence_lines)
        % {"count": impact.influence_lines},
    ]
    sentence = _("Deleting %(name)s also deletes %(parts)s.") % {
        "name": contact.name,
        "parts": ", ".join(parts),
    }
    if impact.reports:
        manager = new_manager_name(contact)
        if manager:
            moves = ngettext(
                "%(count)d direct report moves up to %(manager)s.",
                "%(count)d direct reports move up to %(manager)s.",
                impact.reports,
            ) % {"count": impact.reports, "manager": manager}
        else:
            moves = ngettext(
                "%(count)d direct report moves to the top of the org chart.",
                "%(count)d direct reports move to the top of the org chart.",
                impact.reports,
            ) % {"count": impact.reports}
        sentence = f"{sentence} {moves}"
    return sentence
