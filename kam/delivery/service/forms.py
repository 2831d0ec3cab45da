"""Forms of the service request pages: they parse; the rules (an owner, the customer's own
contacts and contracts, the status flow) stay in the services, whose errors come back onto the
form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import ColleagueField, VisibleCustomerField
from kam.core.forms import limit_length
from kam.customers.models import Customer
from kam.delivery.models import Contract, Priority, ServiceKind, ServiceStatus
from kam.delivery.service.selectors import PRIORITY_LABELS
from kam.delivery.service.services import SUBJECT_MAX, TEXT_MAX
from kam.org.models import User
from kam.relationships.models import Contact


class CustomerPickForm(forms.Form):
    """The first step of a new request: whose request it is (the rest of the form follows from it)."""

    customer = VisibleCustomerField(label=_("Customer"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"] = VisibleCustomerField(user=user, label=_("Customer"))


class RequestForm(forms.Form):
    """A request's details: the customer's contacts and contracts are the choices. A new request
    also takes its owner (the customer's owner when left empty)."""

    # The subject first, with the focus: what the customer needs is what the caller says first.
    subject = forms.CharField(label=_("Subject"), widget=forms.TextInput(attrs={"autofocus": True}))
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=ServiceKind.objects.none(), empty_label=None)
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[(value, PRIORITY_LABELS[value]) for value in Priority.values],
        initial=Priority.NORMAL,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    contact = forms.ModelChoiceField(
        label=_("Requested by"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("— nobody named —"),
    )
    contract = forms.ModelChoiceField(
        label=_("Contract"),
        queryset=Contract.objects.none(),
        required=False,
        empty_label=_("— no contract —"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, customer: Customer, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = ServiceKind.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer).order_by("name")  # type: ignore[attr-defined]
        self.fields["contract"].queryset = Contract.objects.filter(customer=customer).order_by("-id")  # type: ignore[attr-defined]
        limit_length(self.fields["subject"], SUBJECT_MAX)
        limit_length(self.fields["description"], TEXT_MAX)
        if creating:
            self.fields["owner"] = ColleagueField(
                label=_("Owner"),
                required=False,
                help_text=_("Who handles the request; empty: the customer's owner (%(owner)s).")
                % {"owner": customer.owner},
            )
            del self.fields["version"]
        else:
            self.fields["version"].required = True


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=ServiceStatus.choices)
    resolution = forms.CharField(
        label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReassignForm(forms.Form):
    owner = ColleagueField(label=_("New owner"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"], required=False)
