"""The bid page's forms: they parse what was posted; the rules stay in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown, limit_length
from kam.core.limits import NOTE_MAX, SHORT_TEXT_MAX
from kam.core.money import MAX_MONEY
from kam.opportunities.models import CloseReason, Competitor
from kam.org.models import User
from kam.planning.bids.models import (
    BidCheckpoint,
    BidCostLine,
    BidCriterion,
    BidQuestion,
    ComplianceItem,
    RoleKind,
)


def people() -> Any:
    return User.objects.filter(is_active=True).order_by("name", "username")


class Versioned(HiddenErrorsShown):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StartForm(forms.Form):
    tender_reference = forms.CharField(label=_("Tender reference"), max_length=100, required=False)
    tender_deadline = forms.DateField(
        label=_("Tender deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    assessment = forms.CharField(
        label=_("Assessment against the tender"), required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["assessment"], NOTE_MAX)


class BidEditForm(Versioned, StartForm):
    price = forms.DecimalField(
        label=_("Bid price"),
        required=False,
        min_value=0,
        max_value=MAX_MONEY,
        max_digits=15,
        decimal_places=2,
    )
    proposal_owner = forms.ModelChoiceField(
        label=_("Proposal owner"), queryset=User.objects.none(), required=False
    )
    partners = forms.CharField(
        label=_("Partners"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    presenters = forms.ModelMultipleChoiceField(
        label=_("Presenters"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proposal_owner"].queryset = people()  # type: ignore[attr-defined]
        self.fields["presenters"].queryset = people()  # type: ignore[attr-defined]
        limit_length(self.fields["partners"], SHORT_TEXT_MAX)


class RoleForm(Versioned):
    role = forms.ChoiceField(label=_("Role"), choices=RoleKind.choices)
    user = forms.ModelChoiceField(label=_("Person of ours"), queryset=User.objects.none(), required=False)
    partner_name = forms.CharField(label=_("or a partner's person"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people()  # type: ignore[attr-defined]


def _item_form(
    model: type, fields: tuple[str, ...], people_fields: tuple[str, ...] = ()
) -> type[forms.ModelForm]:
    widgets: dict[str, Any] = {"due": forms.DateInput(attrs={"type": "date"})}
    if "answer" in fields and model is BidQuestion:
        widgets["answer"] = forms.Textarea(attrs={"rows": 2})
    form = forms.modelform_factory(model, form=_ItemBase, fields=fields, widgets=widgets)
    form.people_fields = people_fields  # type: ignore[attr-defined]
    return form


class _ItemBase(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    people_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.people_fields:
            self.fields[name].queryset = people()  # type: ignore[attr-defined]
        if "amount" in self.fields:
            self.fields["amount"].min_value = 0  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in self._meta.fields or () if name in self.cleaned_data
        }


ITEM_FORMS: dict[str, type[forms.ModelForm]] = {
    "cost-lines": _item_form(BidCostLine, ("kind", "description", "amount")),
    "checkpoints": _item_form(BidCheckpoint, ("due", "what", "done")),
    "compliance-items": _item_form(ComplianceItem, ("section", "text", "owner", "status"), ("owner",)),
    "criteria": _item_form(BidCriterion, ("text", "answer", "note")),
    "questions": _item_form(BidQuestion, ("question", "answer", "answered_by"), ("answered_by",)),
}


class NoBidForm(Versioned):
    fatal_factors = forms.CharField(
        label=_("Fatal factors"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What rules the bid out; the opportunity closes as dropped with these words."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["fatal_factors"], NOTE_MAX)


class OutcomeForm(Versioned):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("won", _("Won")), ("lost", _("Lost"))])
    reason_choice = forms.ModelChoiceField(
        label=_("Reason for the loss"), queryset=CloseReason.objects.none(), required=False
    )
    lost_to = forms.ModelChoiceField(label=_("Lost to"), queryset=Competitor.objects.none(), required=False)
    reason = forms.CharField(
        label=_("In your words"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason_choice"].queryset = CloseReason.objects.filter(  # type: ignore[attr-defined]
            outcome="lost", is_active=True
        )
        self.fields["lost_to"].queryset = Competitor.objects.order_by("name")  # type: ignore[attr-defined]
        limit_length(self.fields["reason"], SHORT_TEXT_MAX)
