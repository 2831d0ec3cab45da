"""The audit page's filters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    actor = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    record_type = forms.TypedChoiceField(label=_("Record type"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(label=_("Text"), required=False, max_length=100)

    def __init__(
        self, *args: Any, actors: list[tuple[int, str]], record_types: list[tuple[int, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["actor"]).choices = [("", _("Everyone")), *actors]
        cast(forms.ChoiceField, self.fields["record_type"]).choices = [
            ("", _("Every record type")),
            *record_types,
        ]
