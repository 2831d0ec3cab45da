"""Start a bid, edit its own fields and roles, and its lines (cost lines, checkpoints, compliance
items, assessment questions, Q&A)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.errors import RuleViolation
from kam.core.limits import NOTE_MAX
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import User
from kam.planning.bids.models import (
    Bid,
    BidChange,
    BidCheckpoint,
    BidCostLine,
    BidCriterion,
    BidQuestion,
    BidRole,
    BidTemplateItem,
    ComplianceItem,
    PriceApproval,
    RoleKind,
    TemplateKind,
)
from kam.planning.bids.selectors import pending_price_request
from kam.planning.bids.services.common import (
    BID_FIELDS,
    add_history,
    bump,
    check_editable,
    check_money,
    check_person,
    shown,
)

# Starting and editing ----------------------------------------------------------------------------


def start_bid(
    opportunity: Opportunity,
    *,
    by: User,
    tender_reference: str = "",
    tender_deadline: dt.date | None = None,
    assessment: str = "",
) -> Bid:
    """Open the opportunity's bid, with the assessment questions and the tender's compliance items
    the administrators' templates list. A dropped deal may get one only to record a no-bid."""
    if opportunity.status not in (OpportunityStatus.OPEN, OpportunityStatus.DROPPED):
        raise RuleViolation(_("The opportunity is closed: a bid can no longer be started."))
    errors: dict[str, list[str]] = {}
    if len(tender_reference) > 100:
        errors["tender_reference"] = [_("At most %(count)d characters.") % {"count": 100}]
    if len(assessment) > NOTE_MAX:
        errors["assessment"] = [_("At most %(count)d characters.") % {"count": NOTE_MAX}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if Bid.objects.filter(opportunity=opportunity).exists():
            raise RuleViolation(_("This opportunity already has a bid."))
        try:
            # Two people starting the same deal's bid at once: the one-bid-per-deal constraint
            # decides, and the second is told, not shown an error page.
            with transaction.atomic():
                bid = Bid.objects.create(
                    opportunity=opportunity,
                    tender_reference=tender_reference.strip(),
                    tender_deadline=tender_deadline,
                    assessment=assessment.strip(),
                    created_by=by,
                )
        except IntegrityError as error:
            raise RuleViolation(_("This opportunity already has a bid.")) from error
        templates = list(BidTemplateItem.objects.filter(is_active=True))
        BidCriterion.objects.bulk_create(
            BidCriterion(bid=bid, text=t.display_text, order=t.order)
            for t in templates
            if t.kind == TemplateKind.CRITERION
        )
        ComplianceItem.objects.bulk_create(
            ComplianceItem(bid=bid, section=t.kind, text=t.display_text, order=t.order)
            for t in templates
            if t.kind != TemplateKind.CRITERION
        )
        add_history(
            bid,
            "started",
            by,
            _("Bid started"),
            {"tender_reference": bid.tender_reference, "tender_deadline": shown(tender_deadline)},
        )
    return bid


def update_bid(bid: Bid, *, by: User, version: int | None, **changes: Any) -> Bid:
    """Change the bid's own fields (the tender, the assessment, the price, the proposal owner, the
    partners, the presenters). A new price starts the price's approval over."""
    unknown = set(changes) - set(BID_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    check_editable(bid)
    presenters = changes.pop("presenters", None)
    errors: dict[str, list[str]] = {}
    for name in ("tender_reference", "assessment", "partners"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    candidate = Bid(**{f.attname: getattr(bid, f.attname) for f in Bid._meta.concrete_fields})
    for name, value in changes.items():
        setattr(candidate, name, value)
    try:
        candidate.full_clean(exclude=["opportunity", "decided_by", "created_by"], validate_unique=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if len(candidate.assessment) > NOTE_MAX:
        errors.setdefault("assessment", []).append(_("At most %(count)d characters.") % {"count": NOTE_MAX})
    check_money("price", changes.get("price"), errors)
    check_person("proposal_owner", changes.get("proposal_owner"), errors)
    for person in presenters or ():
        check_person("presenters", person, errors)
    if "price" in changes and changes["price"] != bid.price and pending_price_request(bid) is not None:
        errors.setdefault("price", []).append(
            _("The price is awaiting approval: it changes after the approvers decide.")
        )
    if errors:
        raise ValidationError(errors)
    fields = {name: value for name, value in changes.items() if getattr(bid, name) != value}
    if "price" in fields:
        # The approval was for another figure: the new price needs its own.
        fields["price_approval"] = PriceApproval.NONE
    old_presenters = list(bid.presenters.all()) if presenters is not None else []
    with transaction.atomic():
        record = {name: [shown(getattr(bid, name)), shown(value)] for name, value in fields.items()}
        bump(bid, version, **fields)
        if presenters is not None and {p.pk for p in presenters} != {p.pk for p in old_presenters}:
            bid.presenters.set(presenters)
            record["presenters"] = [shown(old_presenters), shown(list(presenters))]
        if record:
            add_history(bid, "edited", by, _("Bid edited"), record)
    return bid


def set_role(
    bid: Bid, role: str, *, by: User, version: int | None, user: User | None = None, partner_name: str = ""
) -> BidRole | None:
    """Give a role of the bid to a person of ours or a partner's person; neither clears it."""
    check_editable(bid)
    partner_name = (partner_name or "").strip()
    errors: dict[str, list[str]] = {}
    if role not in RoleKind.values:
        errors["role"] = [
            _("Choose customer relations, technical solution, implementation or project manager.")
        ]
    if user is not None and partner_name:
        errors["partner_name"] = [_("Name a person of ours or a partner's person, not both.")]
    if len(partner_name) > 100:
        errors["partner_name"] = [_("At most %(count)d characters.") % {"count": 100}]
    check_person("user", user, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        bump(bid, version)
        current = BidRole.objects.filter(bid=bid, role=role).select_related("user").first()
        before = current.holder if current else ""
        entry: BidRole | None
        if user is None and not partner_name:
            if current is not None:
                current.delete()
            entry = None
        else:
            entry, _created = BidRole.objects.update_or_create(
                bid=bid, role=role, defaults={"user": user, "partner_name": partner_name}
            )
        after = entry.holder if entry else ""
        add_history(
            bid,
            "role",
            by,
            _("%(role)s: %(holder)s") % {"role": RoleKind(role).label, "holder": after or "—"},
            {role: [before, after]},
        )
    return entry


# Lines of the bid: cost lines, checkpoints, compliance items, assessment questions, Q&A ---------


@dataclass(frozen=True)
class ItemKind:
    key: str
    model: type[models.Model]
    fields: tuple[str, ...]
    label: Promise
    people: tuple[str, ...] = ()
    money: tuple[str, ...] = ()


ITEM_KINDS: dict[str, ItemKind] = {
    kind.key: kind
    for kind in (
        ItemKind(
            "cost-lines",
            BidCostLine,
            ("kind", "description", "amount"),
            gettext_lazy("cost line"),
            money=("amount",),
        ),
        ItemKind("checkpoints", BidCheckpoint, ("due", "what", "done"), gettext_lazy("checkpoint")),
        ItemKind(
            "compliance-items",
            ComplianceItem,
            ("section", "text", "owner", "status"),
            gettext_lazy("compliance item"),
            people=("owner",),
        ),
        ItemKind("criteria", BidCriterion, ("text", "answer", "note"), gettext_lazy("assessment question")),
        ItemKind(
            "questions",
            BidQuestion,
            ("question", "answer", "answered_by"),
            gettext_lazy("Q&A item"),
            people=("answered_by",),
        ),
    )
}


def _clean_item(kind: ItemKind, item: models.Model, changes: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    unknown = set(changes) - set(kind.fields)
    for name in sorted(unknown):
        errors[name] = [_("This field cannot be changed here.")]
    for name, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(item, name, value)
    try:
        item.full_clean(exclude=["bid"], validate_unique=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    for name in kind.money:
        check_money(name, getattr(item, name), errors)
    for name in kind.people:
        if name in changes:
            check_person(name, changes[name], errors)
    if len(getattr(item, "answer", "") or "") > NOTE_MAX:
        errors.setdefault("answer", []).append(_("At most %(count)d characters.") % {"count": NOTE_MAX})
    if errors:
        raise ValidationError(errors)


def _item_record(kind: ItemKind, item: models.Model) -> dict[str, Any]:
    return {name: shown(getattr(item, name)) for name in kind.fields}


def add_item(bid: Bid, key: str, *, by: User, version: int | None, **values: Any) -> models.Model:
    kind = ITEM_KINDS[key]
    check_editable(bid)
    item = kind.model(bid=bid)
    _clean_item(kind, item, values)
    with transaction.atomic():
        bump(bid, version)
        item.save()
        add_history(
            bid,
            f"{key}:added",
            by,
            _("Added %(what)s: %(item)s") % {"what": kind.label, "item": item},
            _item_record(kind, item),
        )
    return item


def update_item(
    bid: Bid, key: str, item: models.Model, *, by: User, version: int | None, **changes: Any
) -> models.Model:
    kind = ITEM_KINDS[key]
    check_editable(bid)
    before = _item_record(kind, item)
    _clean_item(kind, item, changes)
    after = _item_record(kind, item)
    with transaction.atomic():
        bump(bid, version)
        item.save()
        record = {name: [before[name], after[name]] for name in kind.fields if before[name] != after[name]}
        if record:
            add_history(
                bid,
                f"{key}:edited",
                by,
                _("Edited %(what)s: %(item)s") % {"what": kind.label, "item": item},
                record,
            )
    return item


def delete_item(bid: Bid, key: str, item: models.Model, *, by: User, version: int | None) -> None:
    kind = ITEM_KINDS[key]
    check_editable(bid)
    record = _item_record(kind, item)
    label = str(item)
    with transaction.atomic():
        bump(bid, version)
        item.delete()
        add_history(
            bid,
            f"{key}:deleted",
            by,
            _("Removed %(what)s: %(item)s") % {"what": kind.label, "item": label},
            record,
        )


def delete_bids(bids: Iterable[Bid]) -> None:
    """Remove bids with their history (the demo's reset)."""
    ids = [b.pk for b in bids]
    BidChange.objects.filter(bid_id__in=ids).delete()
    Bid.objects.filter(pk__in=ids).delete()
