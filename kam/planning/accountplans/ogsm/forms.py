"""Forms of the OGSM page, one per level: they parse; the rules (who may own an action, a closed
plan) stay in the services, whose errors come back onto the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown
from kam.planning.accountplans.models import ActionStatus, GoalMetric
from kam.planning.accountplans.ogsm.services import MEASURE_TARGET_MAX, TEXT_MAX


class _LevelForm(HiddenErrorsShown):
    # Present on an edit (the version read), absent on an add.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].required = editing

    def values(self) -> dict[str, Any]:
        """The cleaned values the service takes (the version apart)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


def _text(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2, "maxlength": TEXT_MAX})
    )


class ObjectiveForm(_LevelForm):
    text = _text(_("Objective"))


class GoalForm(_LevelForm):
    text = _text(_("Goal"))
    metric = forms.ChoiceField(label=_("Measured by"), choices=GoalMetric.choices, initial=GoalMetric.MANUAL)
    target = forms.DecimalField(label=_("Target"), min_value=0, max_digits=16, decimal_places=2)
    manual_actual = forms.DecimalField(
        label=_("Actual (entered by hand)"),
        min_value=0,
        max_digits=16,
        decimal_places=2,
        required=False,
        help_text=_("Only for goals measured by hand or by satisfaction; kam reads the others itself."),
    )
    due_date = forms.DateField(
        label=_("Due by"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class StrategyForm(_LevelForm):
    text = _text(_("Strategy"))


class MeasureForm(_LevelForm):
    text = _text(_("Measure"))
    target = forms.CharField(label=_("Progress measure"), max_length=MEASURE_TARGET_MAX, required=False)


class ActionForm(_LevelForm):
    text = _text(_("Action"))
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None)
    due_date = forms.DateField(
        label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—"), *owners]  # type: ignore[attr-defined]


class StatusForm(HiddenErrorsShown):
    status = forms.ChoiceField(choices=ActionStatus.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VersionForm(HiddenErrorsShown):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MoveForm(HiddenErrorsShown):
    position = forms.IntegerField(min_value=1, max_value=10_000, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


FORMS: dict[str, type[_LevelForm]] = {
    "objective": ObjectiveForm,
    "goal": GoalForm,
    "strategy": StrategyForm,
    "measure": MeasureForm,
    "action": ActionForm,
}
