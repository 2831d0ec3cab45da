"""The checklist page's form: one question's answer. It only parses; the services validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown
from kam.core.limits import SHORT_TEXT_MAX
from kam.planning.checklists.models import AnswerValue


class AnswerForm(HiddenErrorsShown):
    value = forms.ChoiceField(
        label=_("Answer"),
        choices=AnswerValue.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes, partly or no.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=SHORT_TEXT_MAX)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
