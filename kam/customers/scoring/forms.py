"""Forms of the score section and the scoring model page. They parse input; the services validate
and write, and their errors are put back on the forms here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown, apply_validation_error
from kam.core.limits import SHORT_TEXT_MAX
from kam.core.money import MONEY_DIGITS
from kam.customers.models import CriterionKind, DynamicSource, ScoreBand, ScoringCriterion, Segment, Tier
from kam.customers.scoring import engine as scoring
from kam.customers.scoring.services import TIERS, BandInput, ThresholdInput


def points_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DecimalField:
    """A number 0–100 with two decimals: points, weights and minimum scores."""
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
    )


class StaticValueForm(forms.Form):
    """The band chosen for one static criterion of one customer; empty clears it."""

    band = forms.TypedChoiceField(label=_("value"), required=False, coerce=int, empty_value=None)
    # The value the page showed (empty: not set): a value changed since is a conflict, not overwritten.
    expected = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, criterion: scoring.CriterionSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        field = self.fields["band"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("— not set —"))] + [
            (band.id, f"{band.display_label} ({band.points:g})") for band in criterion.bands
        ]


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=SHORT_TEXT_MAX,
        help_text=_("Kept in the customer's history, beside the computed tier."),
    )
    expected_override = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, current_override: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"expected_override": current_override, "tier": current_override})
        super().__init__(*args, **kwargs)
        field = self.fields["tier"]
        assert isinstance(field, forms.ChoiceField)
        choices: list[tuple[str, Any]] = [(t, t) for t in Tier.values]
        if current_override:
            choices.append(("", _("Remove the override (back to the computed tier)")))
        field.choices = choices
        # Without an override in place there is nothing to remove: a tier must be chosen.
        field.required = not current_override


# --- The scoring model page (administrators) --------------------------------------------------------


class ModelVersionForm(HiddenErrorsShown):
    """The model version the administrator's page was built from: a stale edit is a conflict."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CriterionForm(ModelVersionForm):
    name = forms.CharField(label=_("name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    weight = points_field(
        _("weight"),
        help_text=_("Relative weight; the total score divides by the sum of the weights, so it stays 0–100."),
    )
    is_active = forms.BooleanField(label=_("active"), required=False)
    position = forms.IntegerField(label=_("order"), min_value=0, max_value=32767)

    @classmethod
    def for_criterion(cls, criterion: ScoringCriterion, version: int) -> CriterionForm:
        return cls(
            initial={
                "version": version,
                "name": criterion.name,
                "name_en": criterion.name_en,
                "weight": criterion.weight,
                "is_active": criterion.is_active,
                "position": criterion.position,
            }
        )

    def changes(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in ("name", "name_en", "weight", "is_active", "position")
        }


class NewCriterionForm(ModelVersionForm):
    code = forms.SlugField(
        label=_("code"), max_length=40, help_text=_("Letters, digits, - and _; used by the API and imports.")
    )
    name = forms.CharField(label=_("name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=CriterionKind.choices)
    source = forms.ChoiceField(
        label=_("computed from"),
        choices=[("", _("— static: chosen by hand —"))] + list(DynamicSource.choices),
        required=False,
        help_text=_("Only for a dynamic criterion."),
    )
    weight = points_field(_("weight"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == CriterionKind.STATIC:
            data["source"] = ""
        return data


class BandForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    label = forms.CharField(label=_("label"), max_length=100, required=False)
    label_en = forms.CharField(label=_("English label"), max_length=100, required=False)
    min_value = forms.DecimalField(
        label=_("from (inclusive)"), max_digits=MONEY_DIGITS, decimal_places=2, required=False
    )
    max_value = forms.DecimalField(
        label=_("to (exclusive)"), max_digits=MONEY_DIGITS, decimal_places=2, required=False
    )
    points = points_field(_("points"), required=False)

    def to_input(self) -> BandInput:
        data = self.cleaned_data
        return BandInput(
            id=data.get("id"),
            label=data.get("label") or "",
            label_en=data.get("label_en") or "",
            min_value=data.get("min_value"),
            max_value=data.get("max_value"),
            points=data.get("points"),
        )


BandFormSet = forms.formset_factory(BandForm, extra=2, can_delete=True, max_num=50, absolute_max=60)


class BandsMetaForm(ModelVersionForm):
    confirm_delete = forms.BooleanField(
        label=_("Delete the bands anyway and clear the customers' values"), required=False
    )


def band_formset(criterion: ScoringCriterion, data: Any = None) -> Any:
    initial = [
        {
            "id": band.pk,
            "label": band.label,
            "label_en": band.label_en,
            "min_value": band.min_value,
            "max_value": band.max_value,
            "points": band.points,
        }
        for band in ScoreBand.objects.filter(criterion=criterion).order_by("position", "id")
    ]
    return BandFormSet(data, initial=None if data is not None else initial, prefix="bands")


def bands_from_formset(formset: Any) -> tuple[list[BandInput], list[Any]]:
    """The kept rows (not deleted, not left blank) and the forms they came from, row for row."""
    bands: list[BandInput] = []
    forms_kept: list[Any] = []
    for form in formset.forms:
        if not form.has_changed() and not (form.cleaned_data or {}).get("id"):
            continue
        if form.cleaned_data.get("DELETE"):
            continue
        bands.append(form.to_input())
        forms_kept.append(form)
    return bands, forms_kept


def apply_band_errors(error: ValidationError, formset: Any, forms_kept: list[Any], meta: forms.Form) -> None:
    """Service errors are keyed `bands.<row>.<field>` by the rows sent; put each on its form row."""
    if not hasattr(error, "error_dict"):
        meta.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        parts = key.split(".")
        if (
            len(parts) == 3
            and parts[0] == "bands"
            and parts[1].isdecimal()
            and int(parts[1]) < len(forms_kept)
        ):
            form = forms_kept[int(parts[1])]
            target = parts[2] if parts[2] in form.fields else None
            for message in messages:
                form.add_error(target, message)
        else:
            for message in messages:
                meta.add_error(None, message)


class ThresholdsForm(ModelVersionForm):
    """One minimum score and one segment per tier, A first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for tier in TIERS:
            self.fields[f"min_score_{tier}"] = points_field(_("Tier %(tier)s from") % {"tier": tier})
            self.fields[f"segment_{tier}"] = forms.ChoiceField(
                label=_("Tier %(tier)s segment") % {"tier": tier}, choices=Segment.choices
            )

    @classmethod
    def for_model(cls, thresholds: list[Any], version: int) -> ThresholdsForm:
        initial: dict[str, Any] = {"version": version}
        for t in thresholds:
            initial[f"min_score_{t.tier}"] = t.min_score
            initial[f"segment_{t.tier}"] = t.segment
        return cls(initial=initial)

    def rows(self) -> list[tuple[str, Any, Any]]:
        return [(tier, self[f"min_score_{tier}"], self[f"segment_{tier}"]) for tier in TIERS]

    def to_inputs(self) -> list[ThresholdInput]:
        return [
            ThresholdInput(
                tier=tier,
                min_score=self.cleaned_data.get(f"min_score_{tier}"),
                segment=self.cleaned_data.get(f"segment_{tier}") or "",
            )
            for tier in TIERS
        ]

    def apply_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            tier, _sep, name = key.partition(".")
            target = f"{name}_{tier}" if f"{name}_{tier}" in self.fields else None
            for message in messages:
                self.add_error(target, message)


__all__ = [
    "BandFormSet",
    "BandsMetaForm",
    "CriterionForm",
    "ModelVersionForm",
    "NewCriterionForm",
    "StaticValueForm",
    "ThresholdsForm",
    "TierOverrideForm",
    "apply_band_errors",
    "apply_validation_error",
    "band_formset",
    "bands_from_formset",
]
