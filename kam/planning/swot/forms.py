"""Forms of the SWOT page: they parse; the rules (sides of a strategy, who may own an action) stay
in the services, whose errors come back onto the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.activities.models import ActivityKind
from kam.core.forms import HiddenErrorsShown
from kam.org.models import User
from kam.planning.swot.models import ITEM_TEXT_MAX, STRATEGY_TEXT_MAX, ItemKind, StrategyKind, SwotItem


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices, widget=forms.HiddenInput)
    text = forms.CharField(label=_("New item"), max_length=ITEM_TEXT_MAX)


class ItemEditForm(HiddenErrorsShown):
    text = forms.CharField(label=_("Item"), max_length=ITEM_TEXT_MAX)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MoveForm(HiddenErrorsShown):
    position = forms.IntegerField(min_value=1, max_value=10_000, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RemoveForm(HiddenErrorsShown):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    detach = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ItemsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} {obj.text}"


class StrategyForm(HiddenErrorsShown):
    kind = forms.ChoiceField(label=_("Cell"), choices=StrategyKind.choices)
    text = forms.CharField(
        label=_("Strategy"), max_length=STRATEGY_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    items = ItemsField(
        label=_("Items it uses"),
        queryset=SwotItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, items: QuerySet[SwotItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items  # type: ignore[attr-defined]


class ActionForm(HiddenErrorsShown):
    owner: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ModelChoiceField(
        label=_("Kind of activity"), queryset=ActivityKind.objects.filter(active=True)
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, owners: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["due"].widget.attrs["min"] = timezone.localdate().isoformat()
