"""Forms of the forecast, funnel and targets pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import VisibleUserField
from kam.core.forms import HiddenErrorsShown
from kam.core.money import MONEY_DIGITS
from kam.core.periods import parse_quarter, quarter_bounds
from kam.insights.forecast import periods
from kam.insights.targets import selectors as target_selectors
from kam.org.models import Target, Team, User

GROUP_CHOICES = [
    ("team", _("Team")),
    ("rep", _("Rep")),
    ("customer", _("Customer")),
    ("product_line", _("Product line")),
]
BUCKET_CHOICES = [("", _("Whole period")), ("quarter", _("By quarter")), ("month", _("By month"))]
UNIT_CHOICES = [("yuan", _("Yuan")), ("wan", _("10k yuan (万元)"))]


class ForecastForm(forms.Form):
    """Lenient: a bad value falls back to the default and is reported, never a 500."""

    p = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=40,
        help_text=_("This quarter by default; or 2027 Q3, 2027-03, 2027."),
        widget=forms.TextInput(attrs={"list": "period-quick", "placeholder": "2027 Q3", "size": 10}),
    )
    group = forms.ChoiceField(label=_("Group by"), choices=GROUP_CHOICES, required=False)
    bucket = forms.ChoiceField(label=_("Split"), choices=BUCKET_CHOICES, required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, required=False)

    def choice(self, today: dt.date | None = None) -> tuple[periods.PeriodChoice, str | None]:
        data = self.cleaned_data if self.is_valid() else {}
        text = (data.get("p") or "").strip()
        quick = {key: period for key, _label, period in periods.quick_periods(today)}
        if not text:
            return quick["this_quarter"], None
        if text in quick:
            return quick[text], None
        try:
            return periods.choose_period(text=text, today=today), None
        except ValueError as exc:
            return quick["this_quarter"], str(exc)

    def chosen_group(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("group") or "team"

    def chosen_bucket(self, kind: str) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        order = {"month": 0, "quarter": 1, "year": 2}
        bucket = data.get("bucket") or kind
        return bucket if order[bucket] <= order[kind] else kind

    def chosen_unit(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("unit") or "yuan"


class SettableUserField(VisibleUserField):
    """A person the user may set targets for (target_selectors.settable_users), searched as you type."""

    def candidates(self) -> QuerySet:
        assert self.user is not None, "SettableUserField needs the user"
        return target_selectors.settable_users(self.user)


class TargetForm(HiddenErrorsShown):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    quarter = forms.CharField(
        label=_("Quarter"),
        required=False,
        help_text=_("2027 Q3 fills the dates; or enter them below."),
        widget=forms.TextInput(attrs={"list": "quarter-quick", "placeholder": "2027 Q3", "size": 10}),
    )
    period_start = forms.DateField(
        label=_("Period start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Period end"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(
        label=_("Target amount"), max_digits=MONEY_DIGITS, decimal_places=2, min_value=0
    )
    # The version the editor read; a stale one is refused instead of overwriting someone's change.
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, by: User, instance: Target | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "version": instance.version,
                # The record, not its id: the picker shows the name without a query.
                "user": instance.user,
                "team": instance.team_id,
                "period_start": instance.period_start,
                "period_end": instance.period_end,
                "amount": instance.amount,
            }
        super().__init__(*args, **kwargs)
        # The person is searched as you type (kam.access.pickers): the page lists no one.
        self.fields["user"] = SettableUserField(user=by, required=False, label=_("Person"))
        self.order_fields(["user", "team"])
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = target_selectors.settable_teams(by).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = (data.get("quarter") or "").strip()
        if text:
            parsed = parse_quarter(text)
            if parsed is None:
                self.add_error("quarter", _("Write a quarter as 2027 Q3 (or 27.Q3)."))
            else:
                data["period_start"], data["period_end"] = quarter_bounds(*parsed)
        return data


class TargetUploadForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    on_duplicate = forms.ChoiceField(
        label=_("When a target exists for the same person or team and period"),
        choices=[("refuse", _("Refuse the file")), ("update", _("Update the amount"))],
        initial="refuse",
        widget=forms.RadioSelect,
    )
