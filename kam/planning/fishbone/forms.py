"""The fishbone page's form: it only parses input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import ColleagueField
from kam.core.forms import HiddenErrorsShown, apply_validation_error
from kam.planning.fishbone.models import ACTION_MAX, TEXT_MAX, Bone, CauseStatus

__all__ = ["CauseForm", "apply_validation_error"]

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CauseForm(HiddenErrorsShown):
    bone = forms.ChoiceField(label=_("Bone"), choices=Bone.choices)
    text = forms.CharField(label=_("Cause"), max_length=TEXT_MAX)
    owner = ColleagueField(label=_("Owner"), required=False)
    action = forms.CharField(
        label=_("Action"), max_length=ACTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE_WIDGET)
    status = forms.ChoiceField(label=_("Status"), choices=CauseStatus.choices, initial=CauseStatus.OPEN)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["action"] = data.get("action") or ""
        return data
