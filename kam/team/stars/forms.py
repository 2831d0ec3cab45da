"""Forms of the star rating pages; the rules stay in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.org.models import Team
from kam.team.stars.models import STARS, RoleFamily, Scheme
from kam.team.stars.services import REASON_MAX

STAR_CHOICES = [(0, _("No star")), *((s, "★" * s) for s in STARS)]


class EvaluationForm(forms.Form):
    scheme = forms.ModelChoiceField(label=_("Rating scheme"), queryset=Scheme.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Whole year")), (1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")],
        help_text=_("For a quarterly scheme."),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Everyone")
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], whole_company: bool, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year - 1})
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = Scheme.objects.filter(active=True).order_by("family")  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].required = not whole_company


class AdjustForm(forms.Form):
    star = forms.TypedChoiceField(label=_("Final level"), coerce=int, choices=STAR_CHOICES)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class FamilyForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    family = forms.ChoiceField(
        label=_("Role family"), required=False, choices=[("", _("None")), *RoleFamily.choices]
    )
