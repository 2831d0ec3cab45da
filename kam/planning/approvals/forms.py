"""The decision form of the awaiting list and a request's page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.planning.approvals.services import COMMENT_MAX


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("A rejection needs a comment: it goes back to the submitter."))
        return data
