from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.team.playbook.models import CertificationElement, CertificationRule, PlaybookEntry


class EntryForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = PlaybookEntry
        fields = ["what_to_do", "what_to_do_en", "questions", "questions_en", "materials", "materials_en"]
        widgets = {name: forms.Textarea(attrs={"rows": 4, "maxlength": 10000}) for name in fields}


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


class RuleForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = CertificationRule
        fields = ["enforce_key_owner", "key_tiers", "validity_days"]
