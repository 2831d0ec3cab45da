"""Forms of the account plan pages: they parse; the rules (draft only, one plan per customer and
year, the team's owner) stay in the services, whose errors come back onto the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import ColleagueField, VisibleCustomerField, VisibleUserField
from kam.core.forms import HiddenErrorsShown, limit_length
from kam.org.models import User
from kam.planning.accountplans.models import AccountPlan, MemberRole, PlanShare
from kam.planning.accountplans.services import FORECAST_FIELDS, SHORT_MAX, TEXT_MAX, YEAR_MAX, YEAR_MIN

# The sections of §9 as the page edits them, one form each: key, title, fields.
SECTIONS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("summary", _("Executive summary"), ("executive_summary",)),
    ("choices", _("Strategic choices"), ("strategic_choices",)),
    ("risks", _("Business risks"), ("business_risks",)),
    (
        "objectives",
        _("Customer objectives"),
        (
            "customer_objectives",
            "revenue_target",
            "contribution_target",
            "cost_to_serve",
            "total_demand",
            "target_share",
        ),
    ),
    ("actions", _("The team's action plan"), ("action_plan_year", "action_plan_outline")),
    ("resources", _("Resources and budget"), ("resources", "budget")),
    ("general", _("Owner and scope"), ("owner", "covers_group")),
)
SECTION_KEYS = tuple(key for key, _title, _fields in SECTIONS)


def section(key: str) -> tuple[str, Any, tuple[str, ...]] | None:
    return next((s for s in SECTIONS if s[0] == key), None)


class PlanCreateForm(forms.Form):
    customer = VisibleCustomerField(label=_("Customer"))
    year = forms.IntegerField(label=_("Year"), min_value=YEAR_MIN, max_value=YEAR_MAX)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"] = VisibleCustomerField(user=user, label=_("Customer"))
        self.fields["year"].initial = timezone.localdate().year + 1


class SectionForm(forms.ModelForm):
    """One section of the plan: built with the section's fields only."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = AccountPlan
        fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 6
                limit_length(field, TEXT_MAX)
        if "owner" in self.fields:
            keep = self.instance.owner_id if self.instance and self.instance.pk else None
            self.fields["owner"] = VisibleUserField(user=user, keep=keep, label=_("Owner"))
        # The form opens in place of the section: the keyboard starts in its first field.
        first = next(iter(self.visible_fields()), None)
        if first is not None:
            first.field.widget.attrs["autofocus"] = True


def section_form_class(fields: tuple[str, ...]) -> type[SectionForm]:
    meta = type("Meta", (SectionForm.Meta,), {"fields": fields})
    return type("PlanSectionForm", (SectionForm,), {"Meta": meta})


class VersionForm(HiddenErrorsShown):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MemberForm(HiddenErrorsShown):
    # Any active colleague, searched as you type: delivery and service people come from other teams.
    user = ColleagueField(label=_("Person"))
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.SALES)
    responsibility = forms.CharField(
        label=_("Responsibility"), required=False, max_length=SHORT_MAX["responsibility"]
    )
    time_share = forms.DecimalField(
        label=_("Share of time (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MemberEditForm(HiddenErrorsShown):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
    responsibility = forms.CharField(
        label=_("Responsibility"), required=False, max_length=SHORT_MAX["responsibility"]
    )
    time_share = forms.DecimalField(
        label=_("Share of time (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ShareForm(HiddenErrorsShown, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = PlanShare
        fields = ("product_line", "region", "customer_demand", "our_revenue", "target_share")


class ForecastForm(HiddenErrorsShown):
    """The five-year table in one form: a field per year and column (`revenue_2027` …)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = years
        labels = {
            "revenue": _("Revenue"),
            "contribution": _("Contribution"),
            "cost_to_serve": _("Cost to serve"),
            "share": _("Share of the customer (%)"),
        }
        for year in years:
            for name in FORECAST_FIELDS:
                self.fields[f"{name}_{year}"] = forms.DecimalField(
                    label=f"{labels[name]} {year}",
                    required=False,
                    min_value=0,
                    max_value=100 if name == "share" else None,
                    max_digits=5 if name == "share" else 18,
                    decimal_places=2,
                )

    def rows(self) -> dict[int, dict[str, Any]]:
        return {
            year: {name: self.cleaned_data.get(f"{name}_{year}") for name in FORECAST_FIELDS}
            for year in self.years
        }

    def table(self) -> list[dict[str, Any]]:
        """The bound fields by year, for the template."""
        return [
            {"year": year, "fields": [self[f"{name}_{year}"] for name in FORECAST_FIELDS]}
            for year in self.years
        ]
