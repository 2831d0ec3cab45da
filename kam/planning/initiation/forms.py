"""The initiation report's form (the fields the rep writes; the rest is read from the deal)."""

from __future__ import annotations

from django import forms

from kam.planning.initiation.models import InitiationReport
from kam.planning.initiation.services import FIELDS


class InitiationReportForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    class Meta:
        model = InitiationReport
        fields = FIELDS
        widgets = {
            "background": forms.Textarea(attrs={"rows": 4}),
            "customer_needs": forms.Textarea(attrs={"rows": 4}),
            "our_solution": forms.Textarea(attrs={"rows": 4}),
            "resources": forms.Textarea(attrs={"rows": 3}),
            "risks": forms.Textarea(attrs={"rows": 3}),
        }


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
