"""Forms of the customer workspace. They only parse input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import VisibleCustomerField, VisibleUserField
from kam.core.forms import HiddenErrorsShown, limit_length
from kam.core.limits import NOTE_MAX
from kam.customers.models import Customer, CustomerStatus, Industry, Region, Segment, TagKind, Tier
from kam.customers.services import CUSTOMER_FIELDS
from kam.org.models import User


class ChoiceRowField(forms.ChoiceField):
    """A select of choice rows that also takes any other spelling of a row ("Hubei" for 湖北) or
    a value no row names (as the text field before it did), cleaned to what a customer stores."""

    def __init__(self, model: type[Industry] | type[Region], **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)

    def valid_value(self, value: Any) -> bool:
        return len(str(value)) <= 100

    def clean(self, value: Any) -> str:
        return self.model.stored(str(super().clean(value) or ""))


class CustomerForm(HiddenErrorsShown):
    """A plain form (not a ModelForm): a ModelForm would change the instance before the service
    compares old and new values for the history row."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, customer: Customer | None = None, **kwargs: Any) -> None:
        if customer is not None and "initial" not in kwargs:
            initial = model_to_dict(customer, fields=CUSTOMER_FIELDS)
            # The records, not their ids: the pickers show their names without a query.
            initial.update(
                version=customer.version,
                owner=customer.owner,
                parent=customer.parent,
                credit_code=customer.credit_code,
            )
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Customer, fields=(*CUSTOMER_FIELDS, "credit_code")))
        if customer is None:
            # Shown once the duplicate check found possible matches (kam.customers.pool.duplicates).
            self.fields["confirm_duplicates"] = forms.BooleanField(
                label=_("Create it anyway: it is not one of the customers listed above"),
                required=False,
                widget=forms.HiddenInput,
            )
        limit_length(self.fields["notes"], NOTE_MAX)
        # Industry and region from the choice rows, named in the reader's language; a value no row
        # names (imported, or from before the rows) stays a choice while the customer has it.
        for name, model in (("industry", Industry), ("region", Region)):
            current = str(self.data.get(name) or "") if self.is_bound else str(self.initial.get(name) or "")
            self.fields[name] = ChoiceRowField(
                model,
                label=self.fields[name].label,
                required=False,
                choices=[("", "—"), *model.offered(current)],
            )
        self.customer = customer
        # An edit must name the version it read, or a stale form could overwrite someone's change.
        self.fields["version"].required = customer is not None
        # Parent and owner are searched as you type (kam.access.pickers): the page never lists every
        # customer or person. The current ones stay valid choices even when the editor could not pick them.
        model_parent = self.fields["parent"]
        self.fields["parent"] = VisibleCustomerField(
            user=user,
            required=False,
            label=model_parent.label,
            help_text=model_parent.help_text,
            keep=customer.parent_id if customer is not None else None,
            exclude=customer.pk if customer is not None else None,
        )
        model_owner = self.fields["owner"]
        self.fields["owner"] = VisibleUserField(
            user=user,
            label=model_owner.label,
            help_text=model_owner.help_text,
            keep=customer.owner_id if customer is not None else None,
        )
        if customer is None and not self.is_bound:
            self.initial.setdefault("owner", user)
        self.order_fields(
            [
                "name",
                "short_name",
                "credit_code",
                "parent",
                "owner",
                "industry",
                "region",
                "status",
                "annual_revenue",
            ]
        )

    def offer_confirmation(self) -> None:
        """Show the confirmation box (after the duplicate check found matches)."""
        self.fields["confirm_duplicates"].widget = forms.CheckboxInput()

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in (*CUSTOMER_FIELDS, "credit_code")}


class CustomerFilterForm(forms.Form):
    """The list's filter bar, and the condition part of a dynamic tag's form (`rule=True`: no text
    search). Parsing is lenient in the selector (a bad value is reported and ignored); this renders."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", _("All tiers")), *Tier.choices])
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *CustomerStatus.choices]
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    parent = forms.ChoiceField(label=_("Group"), required=False)
    score_min = forms.CharField(
        label=_("Score from"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any", "size": 5}),
    )
    score_max = forms.CharField(
        label=_("Score to"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "any", "size": 5}),
    )
    open_pipeline_min = forms.CharField(
        label=_("Open pipeline at least"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "step": "any"}),
    )

    def __init__(self, *args: Any, choices: dict[str, list[Any]], rule: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if rule:
            del self.fields["q"]
            self.fields["open_pipeline_min"].help_text = _(
                "All open opportunities of the customer, expected amounts, in yuan."
            )
        tags = choices.get("tags", [])
        self._set_choices(
            "tag",
            [
                ("", _("All tags")),
                (_("Static tags"), [(str(t.pk), t.display_name) for t in tags if t.kind == TagKind.STATIC]),
                (_("Dynamic tags"), [(str(t.pk), t.display_name) for t in tags if t.kind == TagKind.DYNAMIC]),
            ],
        )
        self._set_choices("owner", [("", _("All owners")), *((str(u.pk), str(u)) for u in choices["owners"])])
        self._set_choices(
            "team", [("", _("All teams")), *((str(t.pk), t.display_name) for t in choices.get("teams", []))]
        )
        # Stored values (the Chinese names) shown in the reader's language.
        industries = ((v, Industry.label_of(v)) for v in choices["industries"])
        self._set_choices("industry", [("", _("All industries")), *industries])
        self._set_choices(
            "region", [("", _("All regions")), *((v, Region.label_of(v)) for v in choices["regions"])]
        )
        self._set_choices(
            "parent", [("", _("All groups")), *((str(c.pk), c.name) for c in choices.get("groups", []))]
        )

    def _set_choices(self, name: str, options: list[Any]) -> None:
        """Set a select's options, keeping the current value selectable even when it is not among
        them (a saved tag naming an industry no visible customer has any more)."""
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        current = self[name].value()
        known = {str(value) for value, label in options if not isinstance(label, list | tuple)}
        known |= {
            str(value)
            for _group, members in options
            if isinstance(members, list | tuple)
            for value, _label in members
        }
        if current not in (None, "") and str(current) not in known:
            options.append((str(current), str(current)))
        field.choices = options
