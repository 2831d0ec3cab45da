"""Forms of the pool page: the filter bar, a claim's confirmation and a manager's decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.customers.models import Industry, Region, Segment, Tier

NOTE_MAX = 500


class PoolFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", _("All tiers")), *Tier.choices])
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices]
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)

    def __init__(self, *args: Any, choices: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, key, empty, model in (
            ("region", "regions", _("All regions"), Region),
            ("industry", "industries", _("All industries"), Industry),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            # Stored values (the rows' Chinese names) shown in the reader's language.
            field.choices = [("", empty), *((v, model.label_of(v)) for v in choices[key])]


class ClaimForm(forms.Form):
    confirm_duplicates = forms.BooleanField(
        label=_("Claim it anyway: it is not one of the customers listed"), required=False
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX)
