"""Every write to a bid: start it, edit its assessment, costs and plan, decide bid or no-bid, send the
price for approval, record the outcome. Each is one transaction with its history row; each names
the bid's version it read (a stale one is a ConflictError)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.errors import ConflictError, RuleViolation
from kam.core.limits import NOTE_MAX
from kam.core.money import MAX_MONEY
from kam.opportunities.models import CloseReason, Competitor, Opportunity, OpportunityStatus, Stage
from kam.opportunities.services import close_opportunity, move_stage
from kam.org.models import User
from kam.planning.approvals import services as approvals
from kam.planning.bids.models import (
    Bid,
    BidChange,
    BidCheckpoint,
    BidCostLine,
    BidCriterion,
    BidDecision,
    BidOutcome,
    BidQuestion,
    BidRole,
    BidTemplateItem,
    ComplianceItem,
    PriceApproval,
    RoleKind,
    TemplateKind,
)
from kam.planning.bids.selectors import margin_check, pending_price_request, price_approved

NO_BID_REASON = "no-bid"
BID_PRICE_FLOW = "bid-price"
BID_FIELDS = (
    "tender_reference",
    "tender_deadline",
    "assessment",
    "price",
    "proposal_owner",
    "partners",
    "presenters",
)


# History -----------------------------------------------------------------------------------------


def _shown(value: Any) -> Any:
    """A value as the history keeps it (JSON): a record by its name, a date in ISO form."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, User):
        return value.name or value.username
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(str(_shown(v)) for v in value)
    return str(value)


def _history(bid: Bid, action: str, by: User | None, summary: str = "", changes: dict | None = None) -> None:
    BidChange.objects.create(
        bid=bid,
        opportunity_id=bid.opportunity_id,
        subject_label=bid.opportunity.name[:200],
        action=action,
        summary=summary[:300],
        changes=changes or {},
        changed_by=by,
    )


# Checks ------------------------------------------------------------------------------------------


def _bump(bid: Bid, version: int | None, **fields: Any) -> None:
    """Write `fields` and the next version only if the bid still has the version read: the guard
    for the whole bid, its lines included (two people adding a cost line race here)."""
    expected = bid.version if version is None else version
    now = timezone.now()
    updated = Bid.objects.filter(pk=bid.pk, version=expected).update(
        version=F("version") + 1, updated_at=now, **fields
    )
    if updated == 0:
        current = Bid.objects.filter(pk=bid.pk).values_list("version", flat=True).first()
        raise ConflictError(current_version=current)
    for name, value in fields.items():
        setattr(bid, name, value)
    bid.version = expected + 1
    bid.updated_at = now


def check_editable(bid: Bid) -> None:
    """A bid is worked on while its deal is open and before the decision against bidding or the
    outcome; after that it is the deal's record."""
    if bid.opportunity.status != OpportunityStatus.OPEN:
        raise RuleViolation(_("The opportunity is closed: its bid no longer changes."))
    if bid.decision == BidDecision.NO_BID:
        raise RuleViolation(_("We decided not to bid: the bid no longer changes."))
    if bid.outcome:
        raise RuleViolation(_("The bid's outcome is recorded: the bid no longer changes."))


def _check_person(field: str, user: User | None, errors: dict[str, list[str]]) -> None:
    if user is not None and not user.is_active:
        errors.setdefault(field, []).append(_("%(name)s is no longer active.") % {"name": user.name or user})


def _check_money(field: str, value: Decimal | None, errors: dict[str, list[str]]) -> None:
    if value is not None and not Decimal(0) <= value <= MAX_MONEY:
        errors.setdefault(field, []).append(
            _("Enter an amount from 0 to %(max)s.") % {"max": f"{MAX_MONEY:,}"}
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
        bid = Bid.objects.create(
            opportunity=opportunity,
            tender_reference=tender_reference.strip(),
            tender_deadline=tender_deadline,
            assessment=assessment.strip(),
            created_by=by,
        )
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
        _history(
            bid,
            "started",
            by,
            _("Bid started"),
            {"tender_reference": bid.tender_reference, "tender_deadline": _shown(tender_deadline)},
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
    _check_money("price", changes.get("price"), errors)
    _check_person("proposal_owner", changes.get("proposal_owner"), errors)
    for person in presenters or ():
        _check_person("presenters", person, errors)
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
        record = {name: [_shown(getattr(bid, name)), _shown(value)] for name, value in fields.items()}
        _bump(bid, version, **fields)
        if presenters is not None and {p.pk for p in presenters} != {p.pk for p in old_presenters}:
            bid.presenters.set(presenters)
            record["presenters"] = [_shown(old_presenters), _shown(list(presenters))]
        if record:
            _history(bid, "edited", by, _("Bid edited"), record)
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
    _check_person("user", user, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _bump(bid, version)
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
        _history(
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
        _check_money(name, getattr(item, name), errors)
    for name in kind.people:
        if name in changes:
            _check_person(name, changes[name], errors)
    if len(getattr(item, "answer", "") or "") > NOTE_MAX:
        errors.setdefault("answer", []).append(_("At most %(count)d characters.") % {"count": NOTE_MAX})
    if errors:
        raise ValidationError(errors)


def _item_record(kind: ItemKind, item: models.Model) -> dict[str, Any]:
    return {name: _shown(getattr(item, name)) for name in kind.fields}


def add_item(bid: Bid, key: str, *, by: User, version: int | None, **values: Any) -> models.Model:
    kind = ITEM_KINDS[key]
    check_editable(bid)
    item = kind.model(bid=bid)
    _clean_item(kind, item, values)
    with transaction.atomic():
        _bump(bid, version)
        item.save()
        _history(
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
        _bump(bid, version)
        item.save()
        record = {name: [before[name], after[name]] for name in kind.fields if before[name] != after[name]}
        if record:
            _history(
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
        _bump(bid, version)
        item.delete()
        _history(
            bid,
            f"{key}:deleted",
            by,
            _("Removed %(what)s: %(item)s") % {"what": kind.label, "item": label},
            record,
        )


# Decisions ---------------------------------------------------------------------------------------


def decide_bid(bid: Bid, *, by: User, version: int | None) -> Bid:
    """We bid. Below the company's minimum margin only at a price the bid-price approval approved."""
    check_editable(bid)
    if bid.decision == BidDecision.BID:
        raise RuleViolation(_("We already decided to bid."))
    check = margin_check(bid)
    if check.margin is None:
        raise RuleViolation(
            _("Enter the bid price before deciding to bid."), {"price": [_("The bid price is required.")]}
        )
    if check.below_minimum and not price_approved(bid):
        raise RuleViolation(
            _(
                "The margin %(margin)s %% is below the minimum of %(minimum)s %%: "
                "bidding at this price needs the bid-price approval."
            )
            % {"margin": check.margin, "minimum": check.minimum}
        )
    now = timezone.now()
    with transaction.atomic():
        _bump(bid, version, decision=BidDecision.BID, decided_at=now, decided_by=by)
        _history(
            bid,
            "decided",
            by,
            _("Decided to bid at a margin of %(margin)s %%") % {"margin": check.margin},
            {"decision": BidDecision.BID, "price": _shown(bid.price), "margin": _shown(check.margin)},
        )
    return bid


def decide_no_bid(bid: Bid, *, by: User, version: int | None, fatal_factors: str) -> Bid:
    """We do not bid: the fatal factors are written down and the deal closes as dropped (reason
    "decided not to bid"). On a deal already dropped it only records the decision."""
    fatal_factors = (fatal_factors or "").strip()
    if not fatal_factors:
        raise ValidationError({"fatal_factors": [_("Write down the fatal factors that rule the bid out.")]})
    if len(fatal_factors) > NOTE_MAX:
        raise ValidationError({"fatal_factors": [_("At most %(count)d characters.") % {"count": NOTE_MAX}]})
    opportunity = bid.opportunity
    if opportunity.status == OpportunityStatus.DROPPED:
        if bid.decision or bid.outcome:
            raise RuleViolation(_("The bid's decision is already recorded."))
    else:
        check_editable(bid)
    reason = CloseReason.objects.filter(
        outcome=OpportunityStatus.DROPPED, code=NO_BID_REASON, is_active=True
    ).first()
    now = timezone.now()
    with transaction.atomic():
        _bump(
            bid,
            version,
            decision=BidDecision.NO_BID,
            decided_at=now,
            decided_by=by,
            fatal_factors=fatal_factors,
        )
        if opportunity.status == OpportunityStatus.OPEN:
            close_opportunity(
                opportunity,
                by=by,
                status=OpportunityStatus.DROPPED,
                reason=fatal_factors,
                reason_choice=reason,
                closed_at=now,
            )
        _history(
            bid,
            "decided",
            by,
            _("Decided not to bid"),
            {"decision": BidDecision.NO_BID, "fatal_factors": fatal_factors},
        )
    return bid


# The bid price's approval ------------------------------------------------------------------------


def submit_price(bid: Bid, *, by: User, version: int | None) -> Any:
    """Send the bid price through the bid-price approval flow."""
    check_editable(bid)
    if bid.price is None:
        raise RuleViolation(
            _("Enter the bid price before sending it for approval."),
            {"price": [_("The bid price is required.")]},
        )
    if pending_price_request(bid) is not None:
        raise RuleViolation(_("The price is already awaiting approval."))
    if price_approved(bid):
        raise RuleViolation(_("This price is already approved."))
    check = margin_check(bid)
    with transaction.atomic():
        _bump(bid, version, submitted_price=bid.price, price_approval=PriceApproval.PENDING)
        request = approvals.submit(
            bid,
            flow_code=BID_PRICE_FLOW,
            by=by,
            title=_("Bid price for %(name)s: %(price)s (margin %(margin)s %%)")
            % {"name": bid.opportunity.name, "price": f"{bid.price:,}", "margin": check.margin},
        )
        _history(bid, "price:submitted", by, _("Bid price sent for approval"), {"price": _shown(bid.price)})
    return request


def on_price_decided(request: Any) -> None:
    """The approvals engine's outcome handler (inside the deciding transaction): the approved price
    becomes the bid's; a rejection sends the price back to the rep."""
    bid = Bid.objects.select_related("opportunity").get(pk=request.target_id)
    if bid.price_approval != PriceApproval.PENDING:
        return
    approved = request.status == "approved"
    fields: dict[str, Any] = {
        "price_approval": PriceApproval.APPROVED if approved else PriceApproval.REJECTED
    }
    if approved:
        fields.update(approved_price=bid.submitted_price, price_approved_at=timezone.now())
    _bump(bid, None, **fields)
    by = getattr(request, "decided_by", None)
    if approved:
        _history(
            bid,
            "price:approved",
            by,
            _("Bid price approved: %(price)s") % {"price": f"{bid.submitted_price:,}"},
            {"approved_price": _shown(bid.submitted_price)},
        )
    else:
        _history(bid, "price:rejected", by, _("Bid price rejected"), {"price": _shown(bid.submitted_price)})


# The outcome -------------------------------------------------------------------------------------


def next_stage(opportunity: Opportunity) -> Stage | None:
    """The stage a won bid moves the deal to: the next one of its process (negotiation after the
    bid), never a lost stage."""
    return (
        Stage.objects.filter(
            process_id=opportunity.stage.process_id, order__gt=opportunity.stage.order, is_lost=False
        )
        .order_by("order")
        .first()
    )


def record_outcome(
    bid: Bid,
    *,
    by: User,
    version: int | None,
    outcome: str,
    reason: str = "",
    reason_choice: CloseReason | None = None,
    lost_to: Competitor | None = None,
) -> Bid:
    """Won: the deal moves to its next stage (the bid is its key node). Lost: the deal closes as lost,
    with the reasons and the competitor it went to."""
    check_editable(bid)
    if bid.decision != BidDecision.BID:
        raise RuleViolation(_("Record the outcome of a bid we decided to make."))
    if outcome not in (BidOutcome.WON, BidOutcome.LOST):
        raise ValidationError({"outcome": [_("Choose won or lost.")]})
    reason = (reason or "").strip()
    opportunity = bid.opportunity
    now = timezone.now()
    with transaction.atomic():
        _bump(bid, version, outcome=outcome, outcome_at=now)
        if outcome == BidOutcome.WON:
            stage = next_stage(opportunity)
            if stage is None:
                raise RuleViolation(_("The opportunity is in its last stage: there is no stage to move to."))
            move_stage(
                opportunity,
                stage,
                by=by,
                note=_("Bid won") + (f": {reason}" if reason else ""),
                key_node_confirmed=True,
                achieved=_("Bid won"),
            )
            summary = _("Bid won: the opportunity moves to %(stage)s") % {"stage": stage}
        else:
            close_opportunity(
                opportunity,
                by=by,
                status=OpportunityStatus.LOST,
                reason=reason,
                reason_choice=reason_choice,
                lost_to=lost_to,
                closed_at=now,
            )
            summary = _("Bid lost")
        _history(
            bid,
            "outcome",
            by,
            summary,
            {"outcome": outcome, "reason": reason or _shown(reason_choice), "lost_to": _shown(lost_to)},
        )
    return bid


def delete_bids(bids: Iterable[Bid]) -> None:
    """Remove bids with their history (the demo's reset)."""
    ids = [b.pk for b in bids]
    BidChange.objects.filter(bid_id__in=ids).delete()
    Bid.objects.filter(pk__in=ids).delete()
