"""Approach paths: from someone on our side to a weak or opposed decision maker or approver of a deal.

The graph (networkx) holds our people and the customer's people. Its edges, each with a strength
between 0 and 1:
- our relationships, one of our people → a contact, strength by CR level (CR1 0.2 … CR5 1.0);
- the customer's reporting lines, both ways (a manager can introduce a report and a report their
  manager);
- influence lines, from the person who sways to the person swayed;
- other deals' decision chains at the same customer or its group: people who sat on one buying
  decision together know each other, both ways;
- one person on the books of two companies of the group (a group executive who is also a
  subsidiary's contact), known by the same mobile number or e-mail: the only bridge between the
  companies, since reporting and influence lines stay inside one customer.

A path's strength is the product of its edges' strengths (a chain is as good as all its links
together); the three strongest paths per target are kept, ties broken by the weakest link and then by
fewer hops. The graph is read with a fixed number of queries, whatever the size of the organisation.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import networkx as nx
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kam.access.visibility import contacts_for, opportunities_for
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity, OpportunityContact
from kam.org.models import User
from kam.relationships.models import (
    Contact,
    DecisionRole,
    Influence,
    Relationship,
    RelationshipPolicy,
    Stance,
)

# The roles whose weakness or opposition decides a deal: the people the paths lead to.
TARGET_ROLES = (
    DecisionRole.DECISION_MAKER.value,
    DecisionRole.TECHNICAL_APPROVER.value,
    DecisionRole.BUSINESS_APPROVER.value,
)
ROLE_ORDER = {role: index for index, role in enumerate(TARGET_ROLES)}
STANCE_SEVERITY = {Stance.SUPPORT.value: 0, Stance.NEUTRAL.value: 1, Stance.OPPOSE.value: 2}

# Edge strengths. A CR level is the share of a sure introduction it is worth: a CR5 person drives the
# deal for us, a CR1 person has never met us. An influence line is a lever someone named on purpose,
# so it weighs more than a plain reporting line; sitting once on the same buying decision, less.
LEVEL_STRENGTH = {1: 0.2, 2: 0.4, 3: 0.6, 4: 0.8, 5: 1.0}
REPORTS_TO_STRENGTH = 0.7
INFLUENCE_STRENGTH = 0.8
SHARED_CHAIN_STRENGTH = 0.5
SAME_PERSON_STRENGTH = 1.0

MAX_PATHS = 3
# Longer or weaker than this, a path is no plan: three people between us and the target, or less
# than one chance in ten of the introduction going through.
MAX_HOPS = 4
MIN_STRENGTH = 0.1
# Candidate paths read from the generator before giving up on finding three useful ones.
MAX_CANDIDATES = 30

RELATIONSHIP = "relationship"
REPORTS_TO = "reports_to"
MANAGES = "manages"
INFLUENCE = "influence"
SHARED_CHAIN = "shared_chain"
SAME_PERSON = "same_person"

SOURCE = ("source", 0)


@dataclass(frozen=True)
class Step:
    """One edge of a path, from `source` to `target` (graph node keys)."""

    kind: str
    strength: float
    level: int | None = None
    deal_name: str = ""
    customer_name: str = ""

    @property
    def label(self) -> str:
        if self.kind == RELATIONSHIP:
            return f"CR{self.level}"
        if self.kind == REPORTS_TO:
            return pgettext("approach path", "reports to")
        if self.kind == MANAGES:
            return pgettext("approach path", "manages")
        if self.kind == INFLUENCE:
            return _("sways")
        if self.kind == SAME_PERSON:
            return _("the same person at %(customer)s") % {"customer": self.customer_name}
        if self.deal_name:
            return _("with them on the decision chain of %(deal)s") % {"deal": self.deal_name}
        return _("with them on another deal's decision chain")


@dataclass
class ApproachPath:
    target: Contact
    user: User
    contacts: list[Contact]  # after our person, ending with the target
    steps: list[Step]  # len(steps) == len(contacts): the first from our person

    @property
    def strength(self) -> float:
        return math.prod(step.strength for step in self.steps)

    @property
    def weakest_link(self) -> float:
        return min(step.strength for step in self.steps)

    @property
    def hops(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return round(self.strength * 100)

    @property
    def via(self) -> list[Contact]:
        return self.contacts[:-1]

    def sort_key(self) -> tuple[float, float, int, str]:
        return (-round(self.strength, 9), -self.weakest_link, self.hops, self.user.get_full_name())

    def parts(self) -> list[tuple[str, str]]:
        """Each person with the words in brackets after them: "许晓峰", "CR4, reports to"."""
        items = [(self.user.get_full_name(), "")]
        for index, contact in enumerate(self.contacts):
            notes = []
            if index == 0:
                notes.append(self.steps[0].label)
            if index + 1 < len(self.steps):
                notes.append(self.steps[index + 1].label)
            items.append((contact.name, ", ".join(notes)))
        return items

    @property
    def text(self) -> str:
        """ "杨帆 → 许晓峰 (CR4, reports to) → 王总"."""
        return " → ".join(f"{name} ({note})" if note else name for name, note in self.parts())

    @property
    def summary(self) -> str:
        """The activity's summary when this path is taken as the next relationship action."""
        if not self.via:
            return _("Strengthen the relationship with %(target)s") % {"target": self.target.name}
        return _("Approach %(target)s through %(via)s") % {
            "target": self.target.name,
            "via": " → ".join(c.name for c in self.via),
        }

    def action_url(self, opportunity: Opportunity, back: str = "") -> str:
        """The activity log form, prefilled: this deal, the people on the path, our person, a summary."""
        query: list[tuple[str, Any]] = [("opportunity", opportunity.pk)]
        query += [("contacts", contact.pk) for contact in self.contacts]
        query += [("our_people", self.user.pk), ("summary", self.summary[:200])]
        if back:
            query.append(("next", back))
        return f"{reverse('activities:create')}?{urlencode(query)}"


@dataclass
class Target:
    contact: Contact
    roles: list[str]
    stance: str
    level: int | None
    paths: list[ApproachPath] = field(default_factory=list)

    @property
    def role_labels(self) -> list[str]:
        return [str(DecisionRole(role).label) for role in self.roles]

    @property
    def stance_label(self) -> str:
        return str(Stance(self.stance).label)

    @property
    def opposed(self) -> bool:
        return self.stance == Stance.OPPOSE.value

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.opposed:
            reasons.append("opposed")
        policy = RelationshipPolicy.current()
        if self.level is None or self.level < policy.strong_level:
            reasons.append("weak")
        return reasons

    @property
    def why(self) -> str:
        """Why the person is a target, in words."""
        known = f"CR{self.level}" if self.level else _("nobody on our side knows them")
        if self.opposed:
            return _("opposes us (%(known)s)") % {"known": known}
        return _("weak relationship (%(known)s)") % {"known": known}

    @property
    def no_path_text(self) -> str:
        return _(
            "No path from our side to %(name)s: nobody we know reports to them, works with them or "
            "sways them. Map their reporting and influence lines, or meet them directly."
        ) % {"name": self.contact.name}


@dataclass
class DealPaths:
    opportunity: Opportunity
    targets: list[Target]


# --- reading the graph --------------------------------------------------------------------------


def group_customer_ids(customer: Customer) -> QuerySet:
    """The customer, its parent, the parent's other subsidiaries and its own subsidiaries, as a
    subquery (no statement of its own)."""
    condition = Q(pk=customer.pk) | Q(parent_id=customer.pk)
    if customer.parent_id:
        condition |= Q(pk=customer.parent_id) | Q(parent_id=customer.parent_id)
    return Customer.objects.filter(condition).order_by().values("pk")


def _targets(opportunity: Opportunity) -> tuple[list[Target], list[OpportunityContact]]:
    """The deal's whole chain (one query), and the weak or opposed people in its target roles."""
    entries = list(
        OpportunityContact.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .order_by("contact__name", "contact_id", "decision_role")
    )
    by_contact: dict[int, Target] = {}
    for entry in entries:
        if entry.decision_role not in TARGET_ROLES:
            continue
        target = by_contact.get(entry.contact_id)
        if target is None:
            by_contact[entry.contact_id] = Target(entry.contact, [entry.decision_role], entry.stance, None)
            continue
        target.roles.append(entry.decision_role)
        if STANCE_SEVERITY.get(entry.stance, 1) > STANCE_SEVERITY.get(target.stance, 1):
            target.stance = entry.stance
    for target in by_contact.values():
        target.roles.sort(key=lambda role: ROLE_ORDER[role])
    targets = sorted(
        by_contact.values(), key=lambda t: (ROLE_ORDER[t.roles[0]], t.contact.name, t.contact.pk)
    )
    return targets, entries


@dataclass
class Graph:
    graph: nx.DiGraph
    users: dict[int, User]
    contacts: dict[int, Contact]
    levels: dict[int, int]


def _add_edge(graph: nx.DiGraph, source: tuple[str, int], target: tuple[str, int], step: Step) -> None:
    """Keep the strongest edge between two people (a report who also sways their manager: sways)."""
    current = graph.get_edge_data(source, target)
    if current is not None and current["step"].strength >= step.strength:
        return
    graph.add_edge(source, target, step=step, weight=-math.log(step.strength))


def build_graph(user: User, opportunity: Opportunity, chain: list[OpportunityContact]) -> Graph:
    """Our people and the customer's (and its group's) people with the edges between them: four queries.

    The deal's own customer is read whole (its chain is on the page already); the group's other
    companies only as far as the user may see their contacts."""
    group = group_customer_ids(opportunity.customer)
    contact_qs = Contact.objects.filter(customer_id=opportunity.customer_id) | contacts_for(
        user, Contact.objects.filter(customer_id__in=group)
    )
    contacts = {
        c.pk: c
        for c in contact_qs.select_related("customer").only(
            "id",
            "name",
            "customer_id",
            "reports_to_id",
            "mobile",
            "email",
            "customer__name",
            "customer__short_name",
        )
    }
    for entry in chain:
        contacts.setdefault(entry.contact_id, entry.contact)
    graph = nx.DiGraph()
    graph.add_nodes_from(("contact", pk) for pk in contacts)

    users: dict[int, User] = {}
    levels: dict[int, int] = {}
    relationships = (
        Relationship.objects.filter(contact_id__in=contact_qs.values("pk"))
        .select_related("user")
        .only("user_id", "contact_id", "level", "user__name", "user__username", "user__is_active")
        .order_by("user_id", "contact_id")
    )
    for relationship in relationships:
        if relationship.contact_id not in contacts:
            continue
        # The company's level counts everyone's, as the decision chain shows it; only people still
        # with us can take a path.
        levels[relationship.contact_id] = max(levels.get(relationship.contact_id, 0), relationship.level)
        if not relationship.user.is_active:
            continue
        users[relationship.user_id] = relationship.user
        node = ("user", relationship.user_id)
        graph.add_edge(SOURCE, node, weight=0.0)
        _add_edge(
            graph,
            node,
            ("contact", relationship.contact_id),
            Step(RELATIONSHIP, LEVEL_STRENGTH[relationship.level], level=relationship.level),
        )

    for contact in contacts.values():
        manager = contact.reports_to_id
        if manager is None or manager == contact.pk or manager not in contacts:
            continue
        _add_edge(graph, ("contact", contact.pk), ("contact", manager), Step(REPORTS_TO, REPORTS_TO_STRENGTH))
        _add_edge(graph, ("contact", manager), ("contact", contact.pk), Step(MANAGES, REPORTS_TO_STRENGTH))

    influences = Influence.objects.filter(source__customer_id__in=group).values_list("source_id", "target_id")
    for source_id, target_id in influences:
        if source_id in contacts and target_id in contacts and source_id != target_id:
            _add_edge(
                graph, ("contact", source_id), ("contact", target_id), Step(INFLUENCE, INFLUENCE_STRENGTH)
            )

    _add_same_people(graph, contacts)
    _add_shared_chains(graph, user, opportunity, group, contacts)
    return Graph(graph, users, contacts, levels)


def _add_same_people(graph: nx.DiGraph, contacts: dict[int, Contact]) -> None:
    """Contacts of different companies of the group with the same mobile number or e-mail."""
    records: dict[str, list[Contact]] = {}
    for contact in contacts.values():
        keys = {f"m:{(contact.mobile or '').strip()}", f"e:{(contact.email or '').strip().lower()}"}
        for key in keys - {"m:", "e:"}:
            records.setdefault(key, []).append(contact)
    for same in records.values():
        for a in same:
            for b in same:
                if a.customer_id != b.customer_id:
                    step = Step(SAME_PERSON, SAME_PERSON_STRENGTH, customer_name=str(b.customer))
                    _add_edge(graph, ("contact", a.pk), ("contact", b.pk), step)


def _add_shared_chains(
    graph: nx.DiGraph, user: User, opportunity: Opportunity, group: QuerySet, contacts: dict[int, Contact]
) -> None:
    """Other deals' decision chains in the group: everyone on one chain linked to everyone else on it.
    A deal the user may not see is not named."""
    visible = opportunities_for(user, Opportunity.objects.filter(pk=OuterRef("opportunity_id")))
    rows = (
        OpportunityContact.objects.filter(opportunity__customer_id__in=group)
        .exclude(opportunity_id=opportunity.pk)
        .annotate(visible=Exists(visible))
        .order_by("opportunity_id", "contact_id")
        .values_list("opportunity_id", "opportunity__name", "visible", "contact_id")
    )
    chains: dict[int, tuple[str, set[int]]] = {}
    for opportunity_id, name, is_visible, contact_id in rows:
        if contact_id in contacts:
            chains.setdefault(opportunity_id, (name if is_visible else "", set()))[1].add(contact_id)
    for deal_name, members in chains.values():
        ordered = sorted(members)
        for a in ordered:
            for b in ordered:
                if a != b:
                    step = Step(SHARED_CHAIN, SHARED_CHAIN_STRENGTH, deal_name=deal_name)
                    _add_edge(graph, ("contact", a), ("contact", b), step)


def _paths_to(data: Graph, target: Target, opponents: set[int]) -> list[ApproachPath]:
    """Up to three paths to the target; nobody who opposes us on this deal is asked to introduce us."""
    node = ("contact", target.contact.pk)
    if node not in data.graph or SOURCE not in data.graph:
        return []
    avoid = [("contact", pk) for pk in opponents if pk != target.contact.pk]
    graph = nx.restricted_view(data.graph, avoid, [])
    found: list[ApproachPath] = []
    for nodes in _candidates(graph, node):
        keys = nodes[1:]  # our person, then the contacts
        if len(keys) - 1 > MAX_HOPS:
            continue
        steps = [graph.edges[a, b]["step"] for a, b in zip(keys, keys[1:], strict=False)]
        path = ApproachPath(
            target=target.contact,
            user=data.users[keys[0][1]],
            contacts=[data.contacts[pk] for _kind, pk in keys[1:]],
            steps=steps,
        )
        # Candidates come strongest first: past the third, only those as strong as it (a tie the
        # weakest link or the hop count may break) are still worth reading.
        if len(found) >= MAX_PATHS and path.strength < found[MAX_PATHS - 1].strength - 1e-9:
            break
        found.append(path)
    return sorted(found, key=ApproachPath.sort_key)[:MAX_PATHS]


def _candidates(graph: Any, node: tuple[str, int]) -> Iterator[list[Any]]:
    """Simple paths from our side to the node, strongest first, while they are strong enough."""
    limit = -math.log(MIN_STRENGTH) + 1e-9
    try:
        generator = nx.shortest_simple_paths(graph, SOURCE, node, weight="weight")
        for count, nodes in enumerate(generator):
            weight = nx.path_weight(graph, nodes, weight="weight")
            if count >= MAX_CANDIDATES or weight > limit:
                return
            yield nodes
    except nx.NetworkXNoPath:
        return


def approach_paths(user: User, opportunity: Opportunity) -> DealPaths:
    """The weak or opposed decision makers and approvers of a deal the user may see, each with up to
    three approach paths (strongest first). Five queries at most, whatever the head count."""
    targets, chain = _targets(opportunity)
    if not targets:
        return DealPaths(opportunity, [])
    data = build_graph(user, opportunity, chain)
    strong = RelationshipPolicy.current().strong_level
    opponents = {entry.contact_id for entry in chain if entry.stance == Stance.OPPOSE.value}
    chosen = []
    for target in targets:
        target.level = data.levels.get(target.contact.pk)
        if target.opposed or target.level is None or target.level < strong:
            target.paths = _paths_to(data, target, opponents)
            chosen.append(target)
    return DealPaths(opportunity, chosen)


def _path_dict(path: ApproachPath, opportunity: Opportunity, back: str) -> dict[str, Any]:
    people = [{"kind": "user", "id": path.user.pk, "name": path.user.get_full_name(), "note": ""}]
    people += [
        {"kind": "contact", "id": contact.pk, "name": name, "note": note}
        for contact, (name, note) in zip(path.contacts, path.parts()[1:], strict=True)
    ]
    return {
        "text": path.text,
        "strength": round(path.strength, 4),
        "percent": path.percent,
        "weakest_link": round(path.weakest_link, 4),
        "hops": path.hops,
        "our_person": {"id": path.user.pk, "name": path.user.get_full_name()},
        "people": people,
        "steps": [{"kind": step.kind, "label": step.label, "strength": step.strength} for step in path.steps],
        "summary": path.summary,
        "action_url": path.action_url(opportunity, back),
    }


def paths_dict(deal: DealPaths, back: str = "") -> dict[str, Any]:
    """The deal's approach paths as the page and the API show them; `back` is where the activity
    form returns once the action is logged."""
    return {
        "opportunity_id": deal.opportunity.pk,
        "targets": [
            {
                "contact": {
                    "id": target.contact.pk,
                    "name": target.contact.name,
                    "title": target.contact.title,
                },
                "roles": target.roles,
                "role_labels": target.role_labels,
                "stance": target.stance,
                "stance_label": target.stance_label,
                "level": target.level,
                "reasons": target.reasons,
                "why": target.why,
                "paths": [_path_dict(path, deal.opportunity, back) for path in target.paths],
                "no_path": "" if target.paths else target.no_path_text,
            }
            for target in deal.targets
        ],
    }
