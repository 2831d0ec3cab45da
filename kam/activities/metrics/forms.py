"""The form a manager defines a 1×5 quantified action with; the rules stay in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.activities.models import ActivityKind, AssessmentCycle
from kam.customers.models import Tier
from kam.relationships.models import DecisionRole


class MetricForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    kinds = forms.ModelMultipleChoiceField(
        label=_("Activity kinds"),
        queryset=ActivityKind.objects.filter(active=True).order_by("order", "id"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind that counts as a visit."),
    )
    tier = forms.ChoiceField(
        label=_("Customer tier"), choices=[("", _("Any tier")), *Tier.choices], required=False
    )
    decision_role = forms.ChoiceField(
        label=_("With a contact whose decision role is"),
        choices=[("", _("Anyone")), *DecisionRole.choices],
        required=False,
    )
    cycle = forms.ChoiceField(label=_("Assessment cycle"), choices=AssessmentCycle.choices)
    minimum = forms.IntegerField(label=_("At least"), min_value=1, max_value=1000)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
