from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.org.models import Role, Team, User
from kam.org.visibility import managed_team_ids, visible_users
from kam.team.contests.models import Contest, Metric, ParticipantKind

BONUS_RANKS = 5


class ContestForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices)
    participant_kind = forms.ChoiceField(
        label=_("Participants are"), choices=ParticipantKind.choices, widget=forms.RadioSelect
    )
    people = forms.ModelMultipleChoiceField(
        label=_("People"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, user: User, contest: Contest | None = None, **kwargs: Any) -> None:
        if contest is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "version": contest.version,
                "name": contest.name,
                "description": contest.description,
                "period_start": contest.period_start,
                "period_end": contest.period_end,
                "metric": contest.metric,
                "participant_kind": contest.participant_kind,
                "people": list(contest.people.all()),
                "teams": list(contest.teams.all()),
                **{f"bonus_{r}": b for r, b in contest.bonuses.values_list("rank", "bonus")},
            }
        super().__init__(*args, **kwargs)
        self.contest = contest
        self.fields["people"].queryset = (  # type: ignore[attr-defined]
            visible_users(user)
            .filter(is_active=True, role__in=[Role.REP, Role.MANAGER])
            .order_by("name", "username")
        )
        teams = (
            Team.objects.all() if user.sees_everything else Team.objects.filter(pk__in=managed_team_ids(user))
        )
        self.fields["teams"].queryset = teams.order_by("name")  # type: ignore[attr-defined]
        if contest is not None:
            # Who takes part is fixed with the contest's kind; its people or teams may change.
            self.fields["participant_kind"].disabled = True
        for rank in range(1, BONUS_RANKS + 1):
            self.fields[f"bonus_{rank}"] = forms.DecimalField(
                label=_("Bonus for rank %(rank)s") % {"rank": rank},
                required=False,
                min_value=Decimal("0"),
                max_digits=15,
                decimal_places=2,
            )

    def bonuses(self) -> dict[int, Decimal]:
        return {
            rank: self.cleaned_data[f"bonus_{rank}"]
            for rank in range(1, BONUS_RANKS + 1)
            if self.cleaned_data.get(f"bonus_{rank}") is not None
        }

    def bonus_fields(self) -> list[forms.BoundField]:
        return [self[f"bonus_{rank}"] for rank in range(1, BONUS_RANKS + 1)]
