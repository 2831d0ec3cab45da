"""Forms of the contact workspace. They only parse input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import VisibleContactField, VisibleUserField
from kam.core.forms import HiddenErrorsShown, apply_validation_error, limit_length
from kam.core.limits import NOTE_MAX, SHORT_TEXT_MAX
from kam.customers.models import Customer
from kam.org.models import User
from kam.relationships.models import Contact, RelationshipLevel
from kam.relationships.services import CONTACT_FIELDS

__all__ = ["ContactForm", "InfluenceForm", "RelationshipLevelForm", "apply_validation_error"]


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class ContactForm(HiddenErrorsShown):
    """A plain form (not a ModelForm), so the instance stays as read until the service writes."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, customer: Customer, contact: Contact | None = None, **kwargs: Any) -> None:
        if contact is not None and "initial" not in kwargs:
            initial = model_to_dict(contact, fields=CONTACT_FIELDS)
            initial["version"] = contact.version
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Contact, fields=CONTACT_FIELDS))
        limit_length(self.fields["notes"], NOTE_MAX)
        self.customer = customer
        self.contact = contact
        self.fields["version"].required = contact is not None
        managers = Contact.objects.filter(customer=customer).order_by("name")
        if contact is not None:
            managers = managers.exclude(pk=contact.pk)
        _model_choice(self, "reports_to").queryset = managers

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CONTACT_FIELDS}


class RelationshipLevelForm(forms.Form):
    """Our person is searched as you type among those whose work the user may see (kam.access.pickers)."""

    level = forms.TypedChoiceField(
        label=_("Relationship level"), coerce=int, choices=RelationshipLevel.choices
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=SHORT_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"] = VisibleUserField(user=by, label=_("Our person"))
        self.order_fields(["user", "level", "note"])
        if not self.is_bound:
            self.initial.setdefault("user", by)


class InfluenceDirection:
    OUT = "out"
    IN = "in"


class InfluenceForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[
            (InfluenceDirection.OUT, _("This person sways …")),
            (InfluenceDirection.IN, _("This person is swayed by …")),
        ],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, contact: Contact, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contact = contact
        # Another person of the same customer, searched as you type (kam.access.pickers).
        self.fields["other"] = VisibleContactField(
            user=by, customer=contact.customer_id, exclude=contact.pk, label=_("Other person")
        )
        self.order_fields(["direction", "other", "note"])
