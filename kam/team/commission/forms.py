"""Forms of the commission pages; the rules stay in the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.org.models import User
from kam.team.commission.periods import parse_period


class PeriodField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("A quarter such as 2026 Q3, or a month such as 2026-08."))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> tuple[dt.date, dt.date] | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        bounds = parse_period(text)
        if bounds is None:
            raise forms.ValidationError(_("Write a quarter such as 2026 Q3, or a month such as 2026-08."))
        return bounds


class StatementForm(forms.Form):
    person = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Person"))
    period = PeriodField(label=_("Period"))

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]


class FilterForm(forms.Form):
    period = PeriodField(label=_("Period"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, statuses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any"))] + list(statuses)  # type: ignore[attr-defined]


class ReturnForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(
        label=_("Why it goes back"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class SplitForm(forms.Form):
    """One share field per person who may share the deal (empty or 0: no share)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self, *args: Any, people: list[User], initial_shares: dict[int, Decimal], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        for person in people:
            self.fields[f"share_{person.pk}"] = forms.DecimalField(
                label=str(person),
                required=False,
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                decimal_places=2,
                initial=initial_shares.get(person.pk),
            )

    def shares(self) -> list[tuple[User, Decimal]]:
        out = []
        for person in self.people:
            value = self.cleaned_data.get(f"share_{person.pk}")
            if value:
                out.append((person, value))
        return out
