"""Erase a contact's personal data on their request (PIPL, GDPR), in one transaction.

What identifies the person (name, mobile, landline, e-mail, WeChat, the notes about them) is replaced
by a marker naming only the contact's id. Their place stays: title, department, rank, influence and
manager (the org chart), their roles in decision chains and the relationship levels, so charts and
totals do not move. Free text in the customer's records that mentions them (by any name they had, or
by phone, e-mail or WeChat) gets the marker in place of those words: relationship change notes,
influence lines, other contacts' notes, the customer's notes, history and analysis, the deals' names,
close reasons, stage notes, field history, competitor notes and team parts. auditlog's entries that
held the values are redacted, and the erasure itself is logged: who erased whom and when, never what.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Left, Replace
from django.utils.translation import gettext as _

from kam.access import permissions
from kam.core.bilingual import both_languages
from kam.customers.models import Customer, CustomerAnalysis, CustomerChange, TierOverride
from kam.opportunities.models import (
    Opportunity,
    OpportunityChange,
    OpportunityCompetitor,
    OpportunityMember,
    StageChange,
)
from kam.org.models import User
from kam.relationships.models import Contact, Influence, RelationshipChange

# What identifies the person; the rest of the row is their place in the organisation.
IDENTIFYING_FIELDS = ("name", "mobile", "phone", "email", "wechat")
PERSONAL_FIELDS = (*IDENTIFYING_FIELDS, "notes")
# Shorter words are not searched for in free text: they would match inside unrelated words.
MIN_LENGTH = 2
REDACTED = "[erased]"


@dataclass
class Erasure:
    contact_id: int
    marker: str
    rows_rewritten: int  # rows of free text elsewhere that mentioned the person
    log_entries_redacted: int


def marker_for(contact_id: int) -> str:
    return _("[erased #%(id)s]") % {"id": contact_id}


def _text_fields(model: type[models.Model], *, exclude: Iterable[str] = ()) -> list[models.Field[Any, Any]]:
    """The free-text columns of a model: text and char fields without choices."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and field.name not in set(exclude)
    ]


def _scopes(contact: Contact) -> list[tuple[QuerySet[Any], list[models.Field[Any, Any]]]]:
    """Every customer-scoped table with free text, and its text columns."""
    customer_id = contact.customer_id
    deals = Opportunity.objects.filter(customer_id=customer_id)
    return [
        (Contact.objects.filter(customer_id=customer_id), _text_fields(Contact, exclude=IDENTIFYING_FIELDS)),
        (RelationshipChange.objects.filter(customer_id=customer_id), _text_fields(RelationshipChange)),
        (Influence.objects.filter(source__customer_id=customer_id), _text_fields(Influence)),
        (Customer.objects.filter(pk=customer_id), _text_fields(Customer, exclude=("name", "short_name"))),
        (CustomerChange.objects.filter(customer_id=customer_id), _text_fields(CustomerChange)),
        (CustomerAnalysis.objects.filter(customer_id=customer_id), _text_fields(CustomerAnalysis)),
        (TierOverride.objects.filter(customer_id=customer_id), _text_fields(TierOverride)),
        (deals, _text_fields(Opportunity, exclude=("project_number",))),
        (OpportunityChange.objects.filter(opportunity__in=deals), _text_fields(OpportunityChange)),
        (StageChange.objects.filter(opportunity__in=deals), _text_fields(StageChange)),
        (OpportunityCompetitor.objects.filter(opportunity__in=deals), _text_fields(OpportunityCompetitor)),
        (OpportunityMember.objects.filter(opportunity__in=deals), _text_fields(OpportunityMember)),
    ]


def _rewrite(qs: QuerySet[Any], fields: list[models.Field[Any, Any]], words: list[str], marker: str) -> int:
    rows = 0
    for field in fields:
        expression: Any = F(field.name)
        mentions = Q()
        for word in words:
            expression = Replace(expression, Value(word), Value(marker))
            mentions |= Q(**{f"{field.name}__contains": word})
        if field.max_length is not None:
            expression = Left(expression, field.max_length)  # the marker may be longer than a name
        rows += qs.filter(mentions).update(**{field.name: expression})
    return rows


def _scrub(value: Any, words: list[str], marker: str) -> Any:
    if isinstance(value, str):
        for word in words:
            value = value.replace(word, marker)
        return value
    if isinstance(value, list):
        return [_scrub(item, words, marker) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, words, marker) for key, item in value.items()}
    return value


def _earlier_words(contact: Contact, own_entries: QuerySet[LogEntry]) -> set[str]:
    """Names, numbers and addresses the person had before: kept in auditlog's entries on them and
    in the labels of their level history."""
    words: set[str] = set()
    for changes in own_entries.values_list("changes", flat=True):
        if isinstance(changes, str):
            try:
                changes = json.loads(changes)
            except ValueError:
                continue
        for field, values in (changes or {}).items():
            if field in IDENTIFYING_FIELDS and isinstance(values, list):
                words.update(str(v) for v in values if v not in (None, "None"))
    words.update(
        RelationshipChange.objects.filter(contact_id=contact.pk).values_list("subject_label", flat=True)
    )
    return words


def _redact_log(contact: Contact, own_entries: QuerySet[LogEntry], words: list[str], marker: str) -> int:
    """auditlog keeps every value it saw: the contact's own entries lose the personal fields, and any
    entry that mentions the person gets the marker in their place."""
    redacted = 0
    for entry in own_entries.only("pk", "changes"):
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        kept = {
            field: ([REDACTED, REDACTED] if field in PERSONAL_FIELDS else _scrub(values, words, marker))
            for field, values in changes.items()
        }
        LogEntry.objects.filter(pk=entry.pk).update(
            changes=kept, changes_text="", object_repr=marker, serialized_data=None
        )
        redacted += 1
    mentions = Q()
    for word in words:
        escaped = json.dumps(word)[1:-1]  # how a JSON column may store it (\\uXXXX)
        mentions |= Q(as_text__contains=word) | Q(as_text__contains=escaped)
        mentions |= Q(object_repr__contains=word) | Q(changes_text__contains=word)
        mentions |= Q(additional_text__contains=word) | Q(additional_text__contains=escaped)
    others = (
        LogEntry.objects.exclude(pk__in=own_entries.values("pk"))
        .annotate(as_text=Cast("changes", TextField()), additional_text=Cast("additional_data", TextField()))
        .filter(mentions)
    )
    for entry in others.only("pk", "changes", "object_repr", "changes_text", "additional_data"):
        LogEntry.objects.filter(pk=entry.pk).update(
            changes=_scrub(entry.changes, words, marker),
            object_repr=_scrub(entry.object_repr, words, marker),
            changes_text=_scrub(entry.changes_text, words, marker),
            additional_data=_scrub(entry.additional_data, words, marker),
            serialized_data=None,
        )
        redacted += 1
    return redacted


def erase_contact(contact: Contact, *, by: User | None) -> Erasure:
    """Replace the contact's personal data with a marker everywhere kam keeps it; keep their place.

    `by` is the administrator who erases; None only for the operator at the console (`kam
    erase-contact` without `--by`), recorded as such."""
    if by is not None:
        permissions.check_erase_contact(by)
    marker = marker_for(contact.pk)
    contact_type = ContentType.objects.get_for_model(Contact)
    own_entries = LogEntry.objects.filter(content_type=contact_type, object_id=contact.pk)
    secure = connection.vendor == "sqlite"
    with transaction.atomic():
        if secure:
            # SQLite leaves deleted bytes in the page's free space, where a backup would copy them.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA secure_delete = ON")
        try:
            contact = Contact.objects.select_for_update().get(pk=contact.pk)
            words = {str(getattr(contact, field)).strip() for field in IDENTIFYING_FIELDS}
            words |= _earlier_words(contact, own_entries)
            ordered = sorted(
                (w for w in words if len(w) >= MIN_LENGTH and w != marker), key=len, reverse=True
            )

            Contact.objects.filter(pk=contact.pk).update(
                name=marker, mobile="", phone="", email="", wechat="", notes="", version=F("version") + 1
            )
            RelationshipChange.objects.filter(contact_id=contact.pk).update(subject_label=marker)
            rows = sum(_rewrite(qs, fields, ordered, marker) for qs, fields in _scopes(contact))
            AdminLogEntry.objects.filter(content_type=contact_type, object_id=str(contact.pk)).update(
                object_repr=marker, change_message=""
            )
            redacted = _redact_log(contact, own_entries, ordered, marker)

            # Who erased whom and when; never what.
            LogEntry.objects.create(
                content_type=contact_type,
                object_pk=str(contact.pk),
                object_id=contact.pk,
                object_repr=marker,
                action=LogEntry.Action.UPDATE,
                changes={field: [REDACTED, REDACTED] for field in PERSONAL_FIELDS},
                actor=by,
                actor_email=(by.email or None) if by is not None else None,
                additional_data={
                    "erasure": True,
                    "customer_id": contact.customer_id,
                    "via": "admin" if by is not None else "command line",
                },
            )
            CustomerChange.objects.create(
                customer_id=contact.customer_id,
                changed_by=by,
                **both_languages(
                    lambda: _("Personal data of contact #%(id)s erased on request.") % {"id": contact.pk}
                ),
            )
        finally:
            if secure:
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA secure_delete = OFF")
    return Erasure(contact_id=contact.pk, marker=marker, rows_rewritten=rows, log_entries_redacted=redacted)
