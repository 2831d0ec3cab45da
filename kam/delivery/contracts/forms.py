"""Contract forms: the contract's fields (the services decide what each status still allows),
the status move, an amendment and an upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.money import MONEY_DIGITS
from kam.delivery.models import Contract, ContractStatus
from kam.org.models import User


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ContractForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    class Meta:
        model = Contract
        fields = (
            "title",
            "owner",
            "amount",
            "sign_date",
            "starts_on",
            "ends_on",
            "our_party",
            "customer_party",
            "payment_terms",
            "notes",
        )
        widgets = {
            "sign_date": DateInput(),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "payment_terms": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, editable: frozenset[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("name", "username")  # type: ignore[attr-defined]
        self.fields["title"].widget.attrs["autofocus"] = True
        if editable is not None:
            for name, field in self.fields.items():
                if name != "version" and name not in editable:
                    field.disabled = True

    def _post_clean(self) -> None:
        # The services validate the contract as a whole (term order, status rules): no model
        # validation here, which would also check the number and status the form lacks.
        pass


class NewContractForm(ContractForm):
    customer = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    to = forms.ChoiceField(label=_("New status"), choices=ContractStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AmendmentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    amount_change = forms.DecimalField(
        label=_("Amount change"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        help_text=_("Negative for a reduction."),
    )
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
