"""Forms of the visit policy pages: a policy row, a person's selling hours, the what-if editor and
the under-visited filters. They parse; the services and selectors decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import VisibleUserField
from kam.activities.policy.selectors import MAX_PERIODS, PolicyValues
from kam.activities.policy.services import (
    MAX_HOURS_PER_MONTH,
    MAX_HOURS_PER_VISIT,
    MAX_PERIOD_MONTHS,
    MAX_VISITS,
)
from kam.core.forms import HiddenErrorsShown
from kam.customers.models import Segment, Tier
from kam.org.models import Team, User


def _visits() -> forms.IntegerField:
    return forms.IntegerField(label=_("Visits"), min_value=1, max_value=MAX_VISITS)


def _months() -> forms.IntegerField:
    return forms.IntegerField(label=_("Per how many months"), min_value=1, max_value=MAX_PERIOD_MONTHS)


class PolicyForm(HiddenErrorsShown):
    visits = _visits()
    period_months = _months()
    hours_per_visit = forms.DecimalField(
        label=_("Hours per visit"),
        min_value=Decimal("0.01"),
        max_value=MAX_HOURS_PER_VISIT,
        max_digits=5,
        decimal_places=2,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class PolicyCreateForm(forms.Form):
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", "—"), *Tier.choices], required=False)
    segment = forms.ChoiceField(label=_("Segment"), choices=[("", "—"), *Segment.choices], required=False)
    visits = _visits()
    period_months = _months()
    hours_per_visit = forms.DecimalField(
        label=_("Hours per visit"),
        min_value=Decimal("0.01"),
        max_value=MAX_HOURS_PER_VISIT,
        max_digits=5,
        decimal_places=2,
    )


class CapacityForm(forms.Form):
    hours_per_month = forms.DecimalField(
        label=_("Selling hours per month"),
        min_value=Decimal(0),
        max_value=MAX_HOURS_PER_MONTH,
        max_digits=6,
        decimal_places=1,
    )

    def __init__(self, *args: Any, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = VisibleUserField(user=by, label=_("Person"))
        self.order_fields(["person", "hours_per_month"])


class WhatIfForm(forms.Form):
    """One row of numbers per policy row, named by the row's key (`tier:A`, `segment:key`); hours
    per visit take four decimals here, so "20 minutes" can be tried exactly enough (0.3333 h)."""

    def __init__(self, *args: Any, policies: list[PolicyValues], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policies = policies
        for p in policies:
            self.fields[f"{p.key}:visits"] = forms.IntegerField(
                label=_("Visits"), min_value=1, max_value=MAX_VISITS, initial=p.visits
            )
            self.fields[f"{p.key}:period_months"] = forms.IntegerField(
                label=_("Per how many months"),
                min_value=1,
                max_value=MAX_PERIOD_MONTHS,
                initial=p.period_months,
            )
            self.fields[f"{p.key}:hours_per_visit"] = forms.DecimalField(
                label=_("Hours per visit"),
                min_value=Decimal("0.0001"),
                max_value=MAX_HOURS_PER_VISIT,
                max_digits=8,
                decimal_places=4,
                initial=p.hours_per_visit,
            )

    def rows(self) -> list[tuple[PolicyValues, list[forms.BoundField]]]:
        return [
            (p, [self[f"{p.key}:visits"], self[f"{p.key}:period_months"], self[f"{p.key}:hours_per_visit"]])
            for p in self.policies
        ]

    def values(self) -> list[PolicyValues]:
        data = self.cleaned_data
        return [
            PolicyValues(
                tier=p.tier,
                segment=p.segment,
                visits=data[f"{p.key}:visits"],
                period_months=data[f"{p.key}:period_months"],
                hours_per_visit=data[f"{p.key}:hours_per_visit"],
                pk=p.pk,
            )
            for p in self.policies
        ]


class ScopeForm(forms.Form):
    """Lenient team filter of the demand page: a team outside the user's view is no filter."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].empty_label = _("All I see")  # type: ignore[attr-defined]

    def chosen_team(self) -> Team | None:
        self.is_valid()  # the valid fields are kept in cleaned_data even when another one is not
        return self.cleaned_data.get("team")


class UnderVisitedForm(ScopeForm):
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", _("All tiers")), *Tier.choices], required=False)
    periods = forms.IntegerField(
        label=_("Last N periods"), min_value=1, max_value=MAX_PERIODS, required=False, initial=1
    )

    def __init__(self, *args: Any, teams: Any, by: User, **kwargs: Any) -> None:
        super().__init__(*args, teams=teams, **kwargs)
        self.fields["owner"] = VisibleUserField(user=by, label=_("Owner"), required=False)
        self.order_fields(["team", "owner", "tier", "periods"])

    def filters(self) -> dict[str, Any]:
        self.is_valid()  # the valid fields are kept in cleaned_data even when another one is not
        data = self.cleaned_data
        return {
            "team": data.get("team"),
            "owner": data.get("owner"),
            "tier": data.get("tier") or None,
            "periods": data.get("periods") or 1,
        }
