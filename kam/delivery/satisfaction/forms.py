"""The survey form: the scale, date, source, respondent, an answer 1–5 per active question (the
five-point scale) and the overall score."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.customers.models import Customer
from kam.delivery.models import SurveyQuestion, SurveyScale, SurveySource
from kam.delivery.satisfaction.selectors import question_text
from kam.relationships.models import Contact

FIVE = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]


class SurveyForm(forms.Form):
    scale = forms.ChoiceField(label=_("Scale"), choices=SurveyScale.choices, initial=SurveyScale.FIVE)
    taken_on = forms.DateField(
        label=_("Taken on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Enter the date of the survey.")},
    )
    source = forms.ChoiceField(label=_("Source"), choices=SurveySource.choices, initial=SurveySource.TEAM)
    contact = forms.ModelChoiceField(label=_("Respondent"), queryset=Contact.objects.none(), required=False)
    overall = forms.IntegerField(
        label=_("Overall (1–5, or 0–10 for NPS)"),
        min_value=0,
        max_value=10,
        error_messages={"required": _("Enter the overall score.")},
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer).order_by("name")  # type: ignore[attr-defined]
        self.fields["taken_on"].initial = timezone.localdate()
        self.questions = list(SurveyQuestion.objects.filter(is_active=True))
        for question in self.questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question_text(question), choices=FIVE, coerce=int, required=False, empty_value=None
            )

    def question_fields(self) -> list[Any]:
        return [self[f"q{q.pk}"] for q in self.questions]

    def answers(self) -> dict[int, int] | None:
        if self.cleaned_data.get("scale") != SurveyScale.FIVE:
            return None
        return {
            q.pk: self.cleaned_data[f"q{q.pk}"]
            for q in self.questions
            if self.cleaned_data.get(f"q{q.pk}") is not None
        }
