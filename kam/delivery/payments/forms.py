"""The payments panel's forms: an instalment (by amount or percentage), a payment with its
matching, an invoice; the receivables page's filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown
from kam.delivery.models import Instalment

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_ATTRS = {"step": "0.01", "min": "0", "inputmode": "decimal"}


def _money_field(label: Any, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs=MONEY_ATTRS),
    )


class InstalmentForm(HiddenErrorsShown):
    name = forms.CharField(label=_("Instalment"), max_length=100)
    amount = _money_field(_("Amount"))
    percentage = forms.DecimalField(
        label=_("or % of the contract"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    condition = forms.CharField(label=_("Condition"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("amount") is None and data.get("percentage") is None and not self.errors:
            self.add_error("amount", _("Give the instalment an amount or a percentage."))
        if data.get("amount") is not None and data.get("percentage") is not None:
            self.add_error("percentage", _("Give an amount or a percentage, not both."))
        return data


class InstalmentEditForm(InstalmentForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PaymentForm(HiddenErrorsShown):
    """A payment; the `alloc_<id>` inputs name amounts per open instalment. All empty: matched
    automatically, oldest first."""

    amount = _money_field(_("Amount"), required=True)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args: Any, open_instalments: list[Instalment] | tuple = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_instalments = list(open_instalments)
        for inst in self.open_instalments:
            field = _money_field(inst.name)
            field.widget.attrs["max"] = str(inst.outstanding)
            self.fields[f"alloc_{inst.pk}"] = field

    def allocation_fields(self) -> list[tuple[Instalment, Any]]:
        return [(inst, self[f"alloc_{inst.pk}"]) for inst in self.open_instalments]

    def allocations(self) -> list[tuple[int, Decimal]] | None:
        named = [
            (inst.pk, self.cleaned_data[f"alloc_{inst.pk}"])
            for inst in self.open_instalments
            if self.cleaned_data.get(f"alloc_{inst.pk}")
        ]
        return named or None


class InvoiceForm(HiddenErrorsShown):
    number = forms.CharField(label=_("Invoice number"), max_length=60)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    amount = _money_field(_("Amount"), required=True)
    instalment = forms.ModelChoiceField(
        label=_("Instalment"), queryset=Instalment.objects.none(), required=False, empty_label=_("(none)")
    )

    def __init__(self, *args: Any, instalments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instalment"]
        assert isinstance(field, forms.ModelChoiceField)
        if instalments is not None:
            field.queryset = instalments


class VersionForm(HiddenErrorsShown):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
