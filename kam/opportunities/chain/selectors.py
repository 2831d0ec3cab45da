"""Reads for an opportunity's decision chain and power map: a fixed number of queries, whatever the head count.

The decision chain is the customer's org tree limited to the people holding a decision role on the
opportunity, plus their managers up to the top (shown as context). The power map places the same
people by stance and influence. Both carry the relationship score with its named gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from kam.access.visibility import get_visible_opportunity
from kam.core.templatetags.kam_format import format_money
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityMember
from kam.org.models import User
from kam.relationships.models import (
    Contact,
    DecisionRole,
    Influence,
    Rank,
    Relationship,
    RelationshipChange,
    RelationshipPolicy,
    Stance,
)
from kam.relationships.scoring import (
    ChainEntry,
    LookAhead,
    RelationshipScore,
    Requirements,
    evaluate,
    look_ahead,
    side_label,
)

RANK_ORDER = {value: index for index, value in enumerate(Rank.values)}
# When one person holds several roles with different stances, the most negative one is shown:
# an opponent is an opponent, whatever else they are.
STANCE_SEVERITY = {Stance.SUPPORT.value: 0, Stance.NEUTRAL.value: 1, Stance.OPPOSE.value: 2}
# Power-map x position of each stance: opposition left, support right.
STANCE_X = {Stance.OPPOSE.value: -1.0, Stance.NEUTRAL.value: 0.0, Stance.SUPPORT.value: 1.0}
# Power-map symbol size by rank: the higher the rank, the bigger the dot.
RANK_SYMBOL_SIZE = {Rank.HIGH.value: 44, Rank.MID_HIGH.value: 34, Rank.MID.value: 26, Rank.LOW.value: 18}
TECHNICAL = "technical"
BUSINESS = "business"
CHAIN_ROLES = {
    TECHNICAL: DecisionRole.TECHNICAL_APPROVER.value,
    BUSINESS: DecisionRole.BUSINESS_APPROVER.value,
}


def chain_opportunity(user: User, pk: int) -> Opportunity:
    """One opportunity the user may see, with what the chain views show; 404 otherwise."""
    qs = Opportunity.objects.select_related("customer", "stage", "owner")
    return get_visible_opportunity(user, pk, queryset=qs)


def four_elements(opportunity: Opportunity) -> dict[str, Any]:
    amount = opportunity.amount
    if amount is not None:
        amount_display = format_money(amount)
    elif opportunity.amount_low is not None and opportunity.amount_high is not None:
        amount_display = f"{format_money(opportunity.amount_low)}–{format_money(opportunity.amount_high)}"
    else:
        amount_display = ""
    return {
        "id": opportunity.pk,
        "project_number": opportunity.project_number,
        "name": opportunity.name,
        "customer": {"id": opportunity.customer_id, "name": str(opportunity.customer)},
        "stage": {
            "id": opportunity.stage_id,
            "code": opportunity.stage.code,
            "name": opportunity.stage.display_name,
        },
        "status": opportunity.status,
        "amount": _decimal(amount),
        "amount_low": _decimal(opportunity.amount_low),
        "amount_high": _decimal(opportunity.amount_high),
        "amount_display": amount_display,
        "sign_date": opportunity.sign_date,
        "sign_date_precision": opportunity.sign_date_precision,
        "sign_date_display": opportunity.sign_date_display,
        "missing_elements": opportunity.missing_elements,
    }


def _decimal(value: Decimal | None) -> Decimal | None:
    return value.quantize(Decimal("0.01")) if value is not None else None


def score_dict(result: RelationshipScore, ahead: LookAhead | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "score": result.score,
        "met": result.met,
        "total": result.total,
        "gaps": [
            {"requirement_id": g.requirement_id, "stage": g.stage_code, "text": g.text} for g in result.gaps
        ],
    }
    if ahead is not None:
        body["look_ahead"] = look_ahead_dict(ahead)
    return body


def look_ahead_dict(ahead: LookAhead) -> dict[str, Any]:
    """The look-ahead as the API and the pages read it (kam.relationships.scoring.look_ahead)."""
    side = ahead.one_side
    return {
        "next_stage": ahead.next_stage_code or None,
        "upcoming_met": ahead.upcoming_met,
        "upcoming_total": ahead.upcoming_total,
        "upcoming": [
            {"requirement_id": g.requirement_id, "stage": g.stage_code, "text": g.text}
            for g in ahead.upcoming
        ],
        "sign_near": ahead.sign_near,
        "one_side": (
            {
                "covered": side.covered,
                "covered_label": side_label(side.covered),
                "missing": side.missing,
                "missing_label": side_label(side.missing),
                "text": side.text,
            }
            if side
            else None
        ),
        "has_findings": ahead.has_findings,
    }


@dataclass
class ChainData:
    """What the decision chain, the power map and the score are all computed from (five queries)."""

    opportunity: Opportunity
    roles: list[OpportunityContact]
    contacts: dict[int, Contact]
    levels: dict[int, int]
    influences: list[Influence]
    score: RelationshipScore
    ahead: LookAhead

    @property
    def chain_ids(self) -> list[int]:
        seen: dict[int, None] = {}
        for role in self.roles:
            seen.setdefault(role.contact_id, None)
        return list(seen)

    def roles_of(self, contact_id: int) -> list[OpportunityContact]:
        return [r for r in self.roles if r.contact_id == contact_id]

    def stance_of(self, contact_id: int) -> str | None:
        stances = [r.stance for r in self.roles_of(contact_id)]
        return max(stances, key=lambda s: STANCE_SEVERITY.get(s, 1)) if stances else None

    def manager_of(self, contact_id: int) -> int | None:
        contact = self.contacts.get(contact_id)
        if (
            contact is None
            or contact.reports_to_id not in self.contacts
            or contact.reports_to_id == contact_id
        ):
            return None
        return contact.reports_to_id

    def path_to_top(self, contact_id: int) -> list[int]:
        """The contact and every manager above them; a reports_to cycle in old data stops the walk."""
        path: list[int] = []
        current: int | None = contact_id
        while current is not None and current not in path:
            path.append(current)
            current = self.manager_of(current)
        return path


def load_chain(opportunity: Opportunity, requirements: Requirements | None = None) -> ChainData:
    roles = list(
        OpportunityContact.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .order_by("contact__name", "decision_role")
    )
    # The whole organisation in one query: walking managers up to the top needs every reports_to.
    contacts = {
        c.pk: c
        for c in Contact.objects.filter(customer_id=opportunity.customer_id).only(
            "id", "name", "title", "department", "rank", "influence", "reports_to_id", "customer_id"
        )
    }
    for role in roles:
        contacts.setdefault(role.contact_id, role.contact)
    levels = dict(
        Relationship.objects.filter(contact__customer_id=opportunity.customer_id)
        .values("contact_id")
        .annotate(top=Max("level"))
        .order_by()
        .values_list("contact_id", "top")
    )
    influences = list(
        Influence.objects.filter(
            source__customer_id=opportunity.customer_id, target__customer_id=opportunity.customer_id
        )
        .only("id", "source_id", "target_id", "note")
        .order_by("id")
    )
    entries = [
        ChainEntry(r.contact_id, r.contact.name, r.decision_role, r.stance, levels.get(r.contact_id))
        for r in roles
    ]
    requirements = requirements or Requirements()
    score = evaluate(opportunity.stage, entries, requirements)
    ahead = look_ahead(opportunity, entries, requirements)
    return ChainData(opportunity, roles, contacts, levels, influences, score, ahead)


def _role_items(data: ChainData, contact_id: int) -> list[dict[str, Any]]:
    return [
        {"decision_role": r.decision_role, "label": str(r.get_decision_role_display()), "stance": r.stance}
        for r in data.roles_of(contact_id)
    ]


def _person(data: ChainData, contact_id: int) -> dict[str, Any]:
    contact = data.contacts[contact_id]
    stance = data.stance_of(contact_id)
    level = data.levels.get(contact_id)
    return {
        "id": contact.pk,
        "name": contact.name,
        "title": contact.title,
        "department": contact.department,
        "rank": contact.rank,
        "rank_label": str(contact.get_rank_display()),
        "influence": contact.influence,
        "level": level,
        "level_label": f"CR{level}" if level else "",
        "roles": _role_items(data, contact_id),
        "stance": stance,
        "stance_label": str(Stance(stance).label) if stance else "",
    }


def decision_chain(opportunity: Opportunity, requirements: Requirements | None = None) -> dict[str, Any]:
    """The decision-chain JSON: four elements, limited org tree, approval chains, influence lines, score."""
    data = load_chain(opportunity, requirements)
    chain_ids = data.chain_ids
    included: dict[int, None] = {}
    for contact_id in chain_ids:
        for pk in data.path_to_top(contact_id):
            included.setdefault(pk, None)
    in_chain = set(chain_ids)

    def sort_key(pk: int) -> tuple[int, str, int]:
        contact = data.contacts[pk]
        return (RANK_ORDER.get(contact.rank, len(RANK_ORDER)), contact.name, pk)

    depth: dict[int, int] = {}
    for pk in included:
        depth[pk] = len(data.path_to_top(pk)) - 1
    nodes = []
    for pk in sorted(included, key=lambda p: (depth[p], *sort_key(p))):
        node = _person(data, pk)
        node.update(
            parent=data.manager_of(pk),
            depth=depth[pk],
            in_chain=pk in in_chain,
            context=pk not in in_chain,
        )
        nodes.append(node)

    chains: dict[str, list[list[int]]] = {TECHNICAL: [], BUSINESS: []}
    edge_chains: dict[tuple[int, int], list[str]] = {}
    for name, role in CHAIN_ROLES.items():
        for contact_id in chain_ids:
            if any(r.decision_role == role for r in data.roles_of(contact_id)):
                path = data.path_to_top(contact_id)
                chains[name].append(path)
                for lower, upper in zip(path, path[1:], strict=False):
                    marks = edge_chains.setdefault((upper, lower), [])
                    if name not in marks:
                        marks.append(name)
    reports_to = [
        {
            "source": node["parent"],
            "target": node["id"],
            "chains": edge_chains.get((node["parent"], node["id"]), []),
        }
        for node in nodes
        if node["parent"] is not None
    ]
    influence_lines = [
        {"source": i.source_id, "target": i.target_id, "note": i.note}
        for i in data.influences
        if i.source_id in included and i.target_id in included and i.source_id != i.target_id
    ]
    return {
        "opportunity": four_elements(opportunity),
        "nodes": nodes,
        "reports_to": reports_to,
        "influence_lines": influence_lines,
        "technical_chain": chains[TECHNICAL],
        "business_chain": chains[BUSINESS],
        "relationship_score": score_dict(data.score, data.ahead),
    }


def _jitter(count: int) -> list[float]:
    """Offsets that spread `count` people sharing one stance and influence across their column."""
    if count <= 1:
        return [0.0]
    width = min(0.7, 0.14 * (count - 1))
    return [round(-width / 2 + width * i / (count - 1), 3) for i in range(count)]


def power_map(opportunity: Opportunity, requirements: Requirements | None = None) -> dict[str, Any]:
    """The power map JSON: the chain's people by stance (x) and influence (y), sized by rank."""
    data = load_chain(opportunity, requirements)
    groups: dict[tuple[str, int], list[int]] = {}
    for contact_id in data.chain_ids:
        stance = data.stance_of(contact_id) or Stance.NEUTRAL.value
        groups.setdefault((stance, data.contacts[contact_id].influence), []).append(contact_id)
    people = []
    for (stance, _influence), members in groups.items():
        members.sort(key=lambda pk: (RANK_ORDER.get(data.contacts[pk].rank, 9), data.contacts[pk].name, pk))
        for contact_id, offset in zip(members, _jitter(len(members)), strict=True):
            person = _person(data, contact_id)
            person.update(
                x=STANCE_X.get(stance, 0.0) + offset,
                y=person["influence"],
                symbol_size=RANK_SYMBOL_SIZE.get(person["rank"], 24),
            )
            people.append(person)
    people.sort(key=lambda p: (-p["influence"], STANCE_X.get(p["stance"] or "B", 0.0), p["name"]))
    power = RelationshipPolicy.current().power_min_influence
    watch = [p for p in people if p["stance"] in (Stance.OPPOSE, Stance.NEUTRAL) and p["influence"] >= power]
    watch.sort(key=lambda p: (-STANCE_SEVERITY[p["stance"]], -p["influence"], p["name"]))
    return {
        "opportunity": four_elements(opportunity),
        "people": people,
        "watch_list": [{"id": p["id"], "name": p["name"], "text": watch_text(p)} for p in watch],
        "power_threshold": power,
        "relationship_score": score_dict(data.score, data.ahead),
    }


def watch_text(person: dict[str, Any]) -> str:
    roles = ", ".join(r["label"] for r in person["roles"]) or _("no role")
    values = {
        "name": person["name"],
        "roles": roles,
        "rank": person["rank_label"],
        "influence": person["influence"],
        "level": person["level_label"] or _("no known level"),
    }
    if person["stance"] == Stance.OPPOSE:
        return (
            _(
                "%(name)s (%(roles)s, %(rank)s rank) opposes us with influence %(influence)s/5; we know them at %(level)s."
            )
            % values
        )
    return (
        _(
            "%(name)s (%(roles)s, %(rank)s rank) is neutral with influence %(influence)s/5; we know them at %(level)s."
        )
        % values
    )


def relationship_score(opportunity: Opportunity) -> RelationshipScore:
    return load_chain(opportunity).score


def relationship_score_dict(opportunity: Opportunity) -> dict[str, Any]:
    """The score with its gaps and the look-ahead, as the API and the deal page's panel read them."""
    data = load_chain(opportunity)
    return score_dict(data.score, data.ahead)


# --- the side panel ---------------------------------------------------------------------------


@dataclass
class PersonPanel:
    contact: Contact
    manager: Contact | None
    roles: list[OpportunityContact]
    stance: str | None
    level: int | None
    relationships: list[Relationship]
    history: list[RelationshipChange]


def person_panel(opportunity: Opportunity, contact: Contact, history_limit: int = 50) -> PersonPanel:
    """One person of the chain with their roles on this opportunity and their relationship history."""
    roles = list(
        OpportunityContact.objects.filter(opportunity=opportunity, contact=contact).order_by("decision_role")
    )
    relationships = list(contact.relationships.select_related("user").order_by("-level", "user__username"))
    history = list(
        RelationshipChange.objects.filter(contact=contact).select_related("user", "changed_by")[
            :history_limit
        ]
    )
    stances = [r.stance for r in roles]
    manager = (
        Contact.objects.filter(pk=contact.reports_to_id, customer_id=contact.customer_id).first()
        if contact.reports_to_id
        else None
    )
    return PersonPanel(
        contact=contact,
        manager=manager,
        roles=roles,
        stance=max(stances, key=lambda s: STANCE_SEVERITY.get(s, 1)) if stances else None,
        level=max((r.level for r in relationships), default=None),
        relationships=relationships,
        history=history,
    )


def our_people(opportunity: Opportunity, user: User) -> list[User]:
    """Who may be named as "our person" in a relationship change: the deal team and the user (one query)."""
    members = [
        m.user
        for m in OpportunityMember.objects.filter(opportunity=opportunity)
        .select_related("user")
        .order_by("user__username")
    ]
    if all(m.pk != user.pk for m in members):
        members.insert(0, user)
    return members
