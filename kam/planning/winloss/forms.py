"""The review page's form: it only parses input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown, apply_validation_error
from kam.org.models import User
from kam.planning.fishbone.models import FishboneCause
from kam.planning.winloss.models import PARTICIPANTS_MAX, REVIEW_TEXT_MAX

__all__ = ["ReviewForm", "apply_validation_error"]

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label: Any, *, required: bool = False, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=REVIEW_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class CauseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_bone_display()}: {obj.text}"


class ReviewForm(HiddenErrorsShown):
    meeting_date = forms.DateField(label=_("Meeting date"), widget=DATE_WIDGET)
    our_people = PersonChoiceField(
        label=_("Our participants"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_participants = forms.CharField(
        label=_("Other participants"),
        required=False,
        max_length=PARTICIPANTS_MAX,
        help_text=_("People outside kam: partners, the customer's coach, …"),
    )
    decided_by = _text(_("What decided it"), required=True)
    worked = _text(_("What worked"))
    failed = _text(_("What failed"))
    competitor_did = _text(_("What the competitor did"))
    lessons = _text(_("Lessons"))
    causes = CauseChoiceField(
        label=_("Fishbone causes it bears out"),
        queryset=FishboneCause.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        people: list[User],
        causes: list[FishboneCause],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["our_people"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=[p.pk for p in people]
        ).order_by("name", "username")
        self.fields["causes"].queryset = FishboneCause.objects.filter(  # type: ignore[attr-defined]
            pk__in=[c.pk for c in causes]
        ).order_by("bone", "id")
        self.fields["version"].required = editing

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["our_people"] = list(data.get("our_people") or [])
        data["causes"] = list(data.get("causes") or [])
        return data
