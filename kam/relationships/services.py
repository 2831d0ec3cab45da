"""Writes to contacts, the org chart, relationship levels and influence lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.access.visibility import opportunities_for
from kam.core import audit
from kam.core.bilingual import both_languages
from kam.core.errors import RuleViolation
from kam.core.versioning import versioned_update
from kam.customers.models import Customer, CustomerChange
from kam.opportunities.models import Opportunity, OpportunityContact, OpportunityStatus
from kam.org.models import User
from kam.relationships.models import Contact, Influence, Relationship, RelationshipChange, RelationshipLevel
from kam.relationships.signals import contacts_changed

CONTACT_FIELDS = (
    "name",
    "title",
    "department",
    "reports_to",
    "rank",
    "influence",
    "mobile",
    "phone",
    "email",
    "wechat",
    "notes",
)


def check_reports_to(contact: Contact | None, customer_id: int, manager: Contact | None) -> None:
    """A manager must be a contact of the same customer and must not sit below the contact."""
    if manager is None:
        return
    if manager.customer_id != customer_id:
        raise ValidationError({"reports_to": [_("The manager must be a contact of the same customer.")]})
    if contact is None or contact.pk is None:
        return
    seen: set[int] = set()
    node: Contact | None = manager
    while node is not None:
        if node.pk == contact.pk:
            raise ValidationError(
                {
                    "reports_to": [
                        _(
                            "%(manager)s reports (directly or indirectly) to %(contact)s: that would be a cycle."
                        )
                        % {"manager": manager.name, "contact": contact.name}
                    ]
                }
            )
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = Contact.objects.filter(pk=node.reports_to_id).first() if node.reports_to_id else None


def create_contact(*, by: User, customer: Customer, name: str, **fields: Any) -> Contact:
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({f: [_("Unknown field.")] for f in sorted(unknown)})
    contact = Contact(customer=customer, name=(name or "").strip(), **fields)
    check_reports_to(contact, customer.pk, fields.get("reports_to"))
    contact.full_clean()
    with transaction.atomic():
        contact.save()
    return contact


def update_contact(contact: Contact, *, by: User, version: int | None, **changes: Any) -> Contact:
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in sorted(unknown)})
    if "reports_to" in changes:
        check_reports_to(contact, contact.customer_id, changes["reports_to"])
    candidate = Contact(customer_id=contact.customer_id, **{f: getattr(contact, f) for f in CONTACT_FIELDS})
    for name, value in changes.items():
        setattr(candidate, name, value)
    candidate.full_clean(exclude=["customer"])
    with transaction.atomic():
        renamed = "name" in changes and changes["name"] != contact.name
        versioned_update(contact, version, **changes)
        if renamed:
            # A flag's explanation names the contact who opposes.
            contacts_changed.send(sender=Contact, contact_ids=[contact.pk])
    return contact


def set_relationship_level(
    contact: Contact,
    user: User,
    level: int,
    *,
    by: User,
    note: str = "",
    changed_at: dt.datetime | None = None,
) -> Relationship:
    """Set how well `user` knows `contact`; every change is kept as history.

    `changed_at` backdates the change (imports, the demo); by default it is now."""
    errors: dict[str, list[str]] = {}
    if level not in RelationshipLevel.values:
        errors["level"] = [_("The relationship level must be CR1 to CR5.")]
    if not (note or "").strip():
        errors["note"] = [_("Say why the relationship changed (a note is required).")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        relationship = Relationship.objects.filter(user=user, contact=contact).first()
        previous = relationship.level if relationship else None
        if previous == level:
            return relationship  # type: ignore[return-value]
        when = changed_at or timezone.now()
        if relationship is None:
            relationship = Relationship.objects.create(user=user, contact=contact, level=level)
        else:
            relationship.level = level
        # .update() skips auto_now/auto_now_add, so the change date is set explicitly.
        Relationship.objects.filter(pk=relationship.pk).update(level=level, updated_at=when)
        change = RelationshipChange.objects.create(
            user=user, contact=contact, from_level=previous, to_level=level, changed_by=by, note=note.strip()
        )
        RelationshipChange.objects.filter(pk=change.pk).update(changed_at=when)
        contacts_changed.send(sender=Contact, contact_ids=[contact.pk])
    return relationship


def add_influence(source: Contact, target: Contact, *, by: User, note: str = "") -> Influence:
    if source.pk == target.pk:
        raise ValidationError({"target": [_("An influence line cannot point to the same person.")]})
    if source.customer_id != target.customer_id:
        raise ValidationError({"target": [_("Both people must belong to the same customer.")]})
    with transaction.atomic():
        influence, _created = Influence.objects.get_or_create(
            source=source, target=target, defaults={"note": note}
        )
    return influence


def remove_influence(influence: Influence, *, by: User) -> None:
    influence.delete()


def move_contact(contact: Contact, manager: Contact | None, *, by: User, version: int | None) -> Contact:
    """Put a contact under another manager in the org chart (None: to the top)."""
    return update_contact(contact, by=by, version=version, reports_to=manager)


@dataclass
class DeleteImpact:
    """What deleting a contact takes with it, said before the user confirms."""

    open_opportunities: list[str]  # project numbers the asking user may see
    closed_roles: int
    relationships: int
    influence_lines: int
    reports: int
    hidden_open_opportunities: int = 0  # blocking ones outside the user's view: counted, not named

    @property
    def blocked(self) -> bool:
        return bool(self.open_opportunities) or self.hidden_open_opportunities > 0

    def blocking_text(self) -> str:
        names = ", ".join(self.open_opportunities)
        if not self.hidden_open_opportunities:
            return names
        hidden = ngettext(
            "%(count)d you cannot see", "%(count)d you cannot see", self.hidden_open_opportunities
        ) % {"count": self.hidden_open_opportunities}
        return f"{names}, {hidden}" if names else hidden


def contact_delete_impact(contact: Contact, by: User | None = None) -> DeleteImpact:
    """What a delete would take; with `by`, blocking opportunities outside their view are only counted."""

    roles = OpportunityContact.objects.filter(contact=contact)
    blocking = Opportunity.objects.filter(
        status=OpportunityStatus.OPEN, contact_roles__contact=contact
    ).distinct()
    visible = opportunities_for(by, blocking) if by is not None else blocking
    open_names = sorted(set(visible.values_list("project_number", flat=True)))
    return DeleteImpact(
        hidden_open_opportunities=blocking.count() - len(open_names),
        open_opportunities=open_names,
        closed_roles=roles.exclude(opportunity__status=OpportunityStatus.OPEN).count(),
        relationships=Relationship.objects.filter(contact=contact).count(),
        influence_lines=Influence.objects.filter(Q(source=contact) | Q(target=contact)).count(),
        reports=Contact.objects.filter(reports_to=contact).count(),
    )


def delete_contact(contact: Contact, *, by: User) -> DeleteImpact:
    """Delete a contact, unless they are still in an open opportunity's decision chain.

    Their roles on closed opportunities, relationship rows and influence lines go with them;
    their direct reports move up to the contact's own manager so the org chart stays connected.
    """
    with transaction.atomic():
        impact = contact_delete_impact(contact, by)
        if impact.blocked:
            raise RuleViolation(
                _("%(name)s is still in the decision chain of open opportunities: %(numbers)s.")
                % {"name": contact.name, "numbers": impact.blocking_text()}
            )
        Contact.objects.filter(reports_to=contact).update(reports_to=contact.reports_to_id)
        # The customer's history keeps who deleted whom with the last values; the contact's level
        # history stays (filed under the customer), and auditlog's entry keeps every field.
        CustomerChange.objects.create(
            customer_id=contact.customer_id,
            changed_by=by,
            **both_languages(lambda: _deletion_line(contact)),
        )
        with audit.acting_as(by):
            contact.delete()
    return impact


def _deletion_line(contact: Contact) -> str:
    manager = (
        Contact.objects.filter(pk=contact.reports_to_id).values_list("name", flat=True).first()
        if contact.reports_to_id
        else None
    )
    facts = [
        f"{_('Title')}: {contact.title or '—'}",
        f"{_('Department')}: {contact.department or '—'}",
        f"{_('Rank')}: {contact.get_rank_display()}",
        f"{_('Influence')}: {contact.influence}",
        f"{_('Reports to')}: {manager or '—'}",
    ]
    return _("Contact %(name)s (#%(id)s) deleted; last values: %(facts)s.") % {
        "name": contact.name,
        "id": contact.pk,
        "facts": "; ".join(facts),
    }
