"""Forms of the skills pages: they parse; the rules (who may assess, dates, gaps) stay in the
services, whose errors come back onto the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core.forms import HiddenErrorsShown
from kam.team.skills.models import ACTION_MAX, LEVEL_MAX, LEVEL_MIN, NOTE_MAX, Ability, Attitude, Skill

LEVELS = [(n, str(n)) for n in range(LEVEL_MIN, LEVEL_MAX + 1)]


class DateInput(forms.DateInput):
    input_type = "date"


class PlacementForm(forms.Form):
    ability = forms.ChoiceField(label=_("Ability"), choices=Ability.choices, widget=forms.RadioSelect)
    attitude = forms.ChoiceField(label=_("Attitude"), choices=Attitude.choices, widget=forms.RadioSelect)
    on = forms.DateField(label=_("Assessed on"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["on"].widget.attrs["max"] = timezone.localdate().isoformat()


class LevelForm(forms.Form):
    skill = forms.ModelChoiceField(label=_("Skill"), queryset=Skill.objects.filter(active=True))
    level = forms.TypedChoiceField(label=pgettext_lazy("skills", "Level"), choices=LEVELS, coerce=int)
    on = forms.DateField(label=_("Assessed on"), widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class TrainingForm(forms.Form):
    skill = forms.ModelChoiceField(label=_("Skill"), queryset=Skill.objects.filter(active=True))
    action = forms.CharField(label=_("Action"), max_length=ACTION_MAX)
    due = forms.DateField(label=_("Due"), widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due"].widget.attrs["min"] = timezone.localdate().isoformat()


class GapPlanForm(forms.Form):
    skill = forms.ModelChoiceField(queryset=Skill.objects.filter(active=True), widget=forms.HiddenInput)


class TrainingStatusForm(HiddenErrorsShown):
    status = forms.ChoiceField(choices=[("open", "open"), ("done", "done")], widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
