"""Forms of the plan pages. They parse; the plan services validate and write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import VisibleContactField, VisibleCustomerField
from kam.activities.models import ActivityKind, PlanPeriod
from kam.activities.plans import periods
from kam.activities.plans.services import COMMENT_MAX, GOAL_MAX, NOTES_MAX
from kam.core.forms import HiddenErrorsShown
from kam.org.models import Team, User

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PlanCreateForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PlanPeriod.choices, initial=PlanPeriod.WEEK)
    starts_on = forms.DateField(
        label=_("Starting"),
        widget=DATE_WIDGET,
        help_text=_("Any day of the week or month: the plan starts on its Monday or first day."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=NOTES_MAX, widget=forms.TextInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") and data.get("starts_on"):
            data["starts_on"] = periods.period_start(data["period"], data["starts_on"])
        return data


class PlanNotesForm(HiddenErrorsShown):
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=NOTES_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class GoalForm(forms.Form):
    text = forms.CharField(label=_("Goal"), max_length=GOAL_MAX, widget=forms.TextInput(attrs={"size": 50}))

    def __init__(self, *args: Any, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"] = VisibleCustomerField(user=by, label=_("Customer"), required=False)
        self.fields["contact"] = VisibleContactField(user=by, label=_("Contact"), required=False)


class PlannedActivityForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=ActivityKind.objects.none())
    start = forms.DateTimeField(label=_("Start"), widget=DATETIME_WIDGET)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), initial=60, min_value=1, max_value=1440
    )
    summary = forms.CharField(label=_("Summary"), max_length=200)

    def __init__(self, *args: Any, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"] = VisibleCustomerField(user=by, label=_("Customer"))
        self.fields["kind"].queryset = ActivityKind.objects.filter(active=True)  # type: ignore[attr-defined]
        self.order_fields(["kind", "customer", "start", "duration_minutes", "summary"])


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


class PeriodPickerForm(forms.Form):
    """Lenient: a missing or bad value falls back to the current week."""

    period = forms.ChoiceField(label=_("Period"), choices=PlanPeriod.choices, required=False)
    day = forms.DateField(label=_("Starting"), required=False, widget=DATE_WIDGET)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].empty_label = _("All I see")  # type: ignore[attr-defined]

    def chosen(self) -> tuple[str, dt.date, Team | None]:
        data = self.cleaned_data if self.is_valid() else {}
        period = data.get("period") or PlanPeriod.WEEK
        day = data.get("day") or timezone.localdate()
        return period, periods.period_start(period, day), data.get("team")
