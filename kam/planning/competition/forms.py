"""Competitors: the forms of the directory and of a deal's grid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.forms import HiddenErrorsShown
from kam.core.limits import NOTE_MAX, SEARCH_MAX, SHORT_TEXT_MAX
from kam.opportunities.models import Competitor, Opportunity, OpportunityContact
from kam.planning.competition.models import SCORE_MAX, SCORE_MIN
from kam.planning.competition.selectors import GridView
from kam.planning.competition.services import CellInput

SCORE_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=SEARCH_MAX, label=gettext_lazy("Search"))


class CompetitorForm(HiddenErrorsShown):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    website = forms.CharField(required=False, max_length=200, label=gettext_lazy("Website"))
    headquarters = forms.CharField(required=False, max_length=100, label=gettext_lazy("Headquarters"))
    strengths = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Strengths"),
    )
    weaknesses = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Weaknesses"),
    )
    notes = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Notes"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class AddToDealForm(forms.Form):
    competitor = forms.ModelChoiceField(
        queryset=Competitor.objects.none(), required=False, label=gettext_lazy("From the directory")
    )
    new_name = forms.CharField(required=False, max_length=100, label=gettext_lazy("Or a new competitor"))

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competitor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Competitor.objects.exclude(entries__opportunity=opportunity).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("competitor") and not (data.get("new_name") or "").strip():
            raise forms.ValidationError(_("Choose a competitor or type a new one's name."))
        return data


class SupporterForm(forms.Form):
    contact = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Contact"))
    competitor = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Supports"))
    note = forms.CharField(required=False, max_length=200, label=gettext_lazy("Note"))

    def __init__(
        self, *args: Any, chain: list[OpportunityContact], competitors: list[Competitor], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        contact_field = self.fields["contact"]
        competitor_field = self.fields["competitor"]
        assert isinstance(contact_field, forms.ChoiceField) and isinstance(
            competitor_field, forms.ChoiceField
        )
        contact_field.choices = [
            (e.contact_id, f"{e.contact.name} · {e.get_decision_role_display()}") for e in chain
        ]
        competitor_field.choices = [(c.pk, c.name) for c in competitors]


def cell_name(kind: str, dimension_id: int, side_key: str) -> str:
    return f"{kind}-{dimension_id}-{side_key}"


def parse_grid(data: QueryDict, view: GridView) -> tuple[int | None, list[CellInput], list[str]]:
    """The version and the cells a grid form sent; errors in words for what cannot be read."""
    errors: list[str] = []
    raw_version = (data.get("version") or "").strip()
    version = int(raw_version) if raw_version.isdecimal() and len(raw_version) < 10 else None
    if version is None:
        errors.append(_("This page was out of date or incomplete: reload it and try again."))
    cells = []
    for row in view.rows:
        for cell in row.cells:
            score_field = cell_name("score", row.dimension.pk, cell.side.key)
            note_field = cell_name("note", row.dimension.pk, cell.side.key)
            if score_field not in data and note_field not in data:
                continue
            raw = (data.get(score_field) or "").strip()
            score = None
            if raw:
                if raw.isdecimal() and SCORE_MIN <= int(raw) <= SCORE_MAX:
                    score = int(raw)
                else:
                    errors.append(
                        _("%(dimension)s · %(side)s: a score is from %(min)s to %(max)s.")
                        % {
                            "dimension": row.dimension,
                            "side": cell.side.name,
                            "min": SCORE_MIN,
                            "max": SCORE_MAX,
                        }
                    )
                    continue
            note = data.get(note_field) or ""
            if len(note) > SHORT_TEXT_MAX:
                errors.append(
                    _("%(dimension)s · %(side)s: a note has at most %(max)s characters.")
                    % {"dimension": row.dimension, "side": cell.side.name, "max": SHORT_TEXT_MAX}
                )
                continue
            cells.append(
                CellInput(
                    dimension=row.dimension.pk,
                    competitor=cell.side.competitor.pk if cell.side.competitor else None,
                    score=score,
                    note=note,
                )
            )
    return version, cells, errors
