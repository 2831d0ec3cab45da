from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.team.playbook.models import CertificationElement, CertificationRule, PlaybookEntry


def _text(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=10000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class EntryForm(forms.Form):
    """A plain form (not a ModelForm), so the entry stays as read until the service writes."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    what_to_do = _text(_("what to do"))
    what_to_do_en = _text(_("what to do (English)"))
    questions = _text(_("questions to ask"))
    questions_en = _text(_("questions to ask (English)"))
    materials = _text(_("materials"), _("One per line: a link or a text."))
    materials_en = _text(_("materials (English)"))

    @classmethod
    def for_entry(cls, entry: PlaybookEntry | None) -> EntryForm:
        names = ("what_to_do", "what_to_do_en", "questions", "questions_en", "materials", "materials_en")
        initial: dict[str, object] = {"version": entry.version if entry else 1}
        initial.update({name: getattr(entry, name) if entry else "" for name in names})
        return cls(initial=initial)


class ExaminationForm(forms.Form):
    element = forms.ModelChoiceField(
        label=_("Element"), queryset=CertificationElement.objects.filter(is_active=True), empty_label=None
    )
    passed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("Passed")), ("0", _("Failed"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    certified_on = forms.DateField(
        label=_("Examined on"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RuleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    enforce_key_owner = forms.BooleanField(
        label=_("only certified reps own key-tier customers"), required=False
    )
    key_tiers = forms.CharField(
        label=_("key tiers"), max_length=20, help_text=_("Tier letters, e.g. A or AB.")
    )
    validity_days = forms.IntegerField(
        label=_("a pass is valid for (days)"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_("Empty: a pass does not expire."),
    )

    @classmethod
    def for_rule(cls, rule: CertificationRule) -> RuleForm:
        return cls(
            initial={
                "version": rule.version,
                "enforce_key_owner": rule.enforce_key_owner,
                "key_tiers": rule.key_tiers,
                "validity_days": rule.validity_days,
            }
        )
