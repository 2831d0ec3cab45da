"""The customer analysis form: the four parts of the template, plus the revision it was based on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown
from kam.core.limits import NOTE_MAX
from kam.customers.analysis import selectors as analysis_selectors
from kam.customers.models import CustomerAnalysis


def _field_for(name: str) -> forms.Field:
    model_field = analysis_selectors.MODEL_FIELDS[name]
    label = model_field.verbose_name
    if model_field.choices:
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *model_field.choices])
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnalysisForm(HiddenErrorsShown):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in analysis_selectors.FIELDS:
            self.fields[name] = _field_for(name)
        self.fields["base_revision"].error_messages["required"] = _(
            "The form lost track of the revision it was based on. Reload the page."
        )

    def fieldsets(self) -> list[tuple[str, Any, list[forms.BoundField]]]:
        return [
            (key, label, [self[name] for name in names]) for key, label, names in analysis_selectors.FIELDSETS
        ]

    def analysis_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) or "" for name in analysis_selectors.FIELDS}

    @classmethod
    def for_revision(cls, latest: CustomerAnalysis | None) -> AnalysisForm:
        """Prefilled from the latest revision, based on it."""
        initial: dict[str, Any] = analysis_selectors.values_of(latest)
        initial["base_revision"] = latest.revision if latest else 0
        return cls(initial=initial)
