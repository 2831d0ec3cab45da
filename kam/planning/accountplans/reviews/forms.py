"""Forms of the reviews pages: they parse; the rules (an active plan, a date not in the future,
dates of the cycle in order) stay in the services, whose errors come back onto the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown
from kam.customers.models import Segment
from kam.org.models import Team, User
from kam.planning.accountplans.models import AccountPlan, ReviewKind
from kam.planning.accountplans.reviews.services import CHANGES_MAX, CONCLUSIONS_MAX, CYCLE_DATES, CYCLE_LABELS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DueFilterForm(forms.Form):
    mine = forms.BooleanField(label=_("Only my plans"), required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices]
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)

    def __init__(self, *args: Any, owners: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else User.objects.none()  # type: ignore[attr-defined]
        self.fields["owner"].empty_label = _("Everyone")  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        # A filter that does not parse (an owner out of sight) is dropped; the others still apply.
        self.is_valid()
        data = self.cleaned_data
        owner = data.get("owner")
        return {
            "mine": bool(data.get("mine")),
            "owner": owner.pk if owner else None,
            "segment": data.get("segment") or "",
            "overdue_only": bool(data.get("overdue")),
        }


class ReviewForm(HiddenErrorsShown):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=ReviewKind.choices, initial=ReviewKind.SCHEDULED)
    conclusions = forms.CharField(
        label=_("Conclusions"),
        max_length=CONCLUSIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the review's conclusions.")},
    )
    changes = forms.CharField(
        label=_("Changes decided"),
        max_length=CHANGES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the plan changes as a result: goals, actions, resources."),
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, participants: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("held_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = participants  # type: ignore[attr-defined]


class CollectiveForm(forms.Form):
    """One review for several plans: the date and shared conclusions, a tick per plan and, where
    a plan needs its own, its own conclusions."""

    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    conclusions = forms.CharField(
        label=_("Shared conclusions"),
        max_length=CONCLUSIONS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Recorded for every chosen plan without conclusions of its own."),
    )
    changes = forms.CharField(
        label=_("Changes decided"),
        max_length=CHANGES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, plans: list[AccountPlan], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("held_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.plans = plans
        for plan in plans:
            self.fields[f"plan_{plan.pk}"] = forms.BooleanField(label=str(plan.customer), required=False)
            self.fields[f"own_{plan.pk}"] = forms.CharField(
                label=_("Own conclusions for %(customer)s") % {"customer": plan.customer},
                max_length=CONCLUSIONS_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"version_{plan.pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, min_value=1, initial=plan.version
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "plan": plan,
                "tick": self[f"plan_{plan.pk}"],
                "own": self[f"own_{plan.pk}"],
                "version": self[f"version_{plan.pk}"],
            }
            for plan in self.plans
        ]

    def chosen(self) -> list[AccountPlan]:
        return [p for p in self.plans if self.cleaned_data.get(f"plan_{p.pk}")]

    def own_conclusions(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data.get(f"own_{p.pk}") or "" for p in self.plans}

    def versions(self) -> dict[int, int]:
        return {
            p.pk: self.cleaned_data[f"version_{p.pk}"]
            for p in self.plans
            if self.cleaned_data.get(f"version_{p.pk}")
        }


class CycleForm(HiddenErrorsShown):
    preparation_starts = forms.DateField(label=CYCLE_LABELS["preparation_starts"], widget=DATE)
    drafting_starts = forms.DateField(label=CYCLE_LABELS["drafting_starts"], widget=DATE)
    drafting_ends = forms.DateField(label=CYCLE_LABELS["drafting_ends"], widget=DATE)
    review_by = forms.DateField(label=CYCLE_LABELS["review_by"], widget=DATE)
    implementation_starts = forms.DateField(label=CYCLE_LABELS["implementation_starts"], widget=DATE)
    expectations = forms.CharField(
        label=_("Management's expectations"),
        max_length=CONCLUSIONS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in (*CYCLE_DATES, "expectations")}


class PortfolioFilterForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, teams: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].empty_label = _("All teams")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["owner"].empty_label = _("Everyone")  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        team = data.get("team")
        owner = data.get("owner")
        return {"team": team.pk if team else None, "owner": owner.pk if owner else None}
