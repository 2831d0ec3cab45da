"""Forms of the implementation pages: the project's manager, a hand-over tick, a plan row, a
milestone's acceptance and the closing. Each carries the version it was read at."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown
from kam.delivery.models import Instalment, Project, WorkItem
from kam.org.models import User

DATE = forms.DateInput(attrs={"type": "date"})


def people() -> Any:
    return User.objects.filter(is_active=True).order_by("name", "username")


class OpenProjectForm(forms.Form):
    manager = forms.ModelChoiceField(
        label=_("Project manager"),
        queryset=User.objects.none(),
        error_messages={"required": _("Choose the project manager.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = people()  # type: ignore[attr-defined]


class ManagerForm(OpenProjectForm, HiddenErrorsShown):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VersionForm(HiddenErrorsShown):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CheckForm(VersionForm):
    done = forms.BooleanField(label=_("Done"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CloseForm(VersionForm):
    accepted_on = forms.DateField(
        label=_("Acceptance date"), widget=DATE, error_messages={"required": _("Enter the acceptance date.")}
    )
    notes = forms.CharField(
        label=_("Closing notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class AcceptForm(VersionForm):
    done_on = forms.DateField(
        label=_("Accepted on"),
        widget=DATE,
        error_messages={"required": _("Enter the date the milestone was accepted.")},
    )


class WorkItemForm(HiddenErrorsShown, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = WorkItem
        fields = [
            "name",
            "content",
            "target",
            "starts_on",
            "ends_on",
            "owner",
            "resources",
            "checkpoint",
            "is_milestone",
            "instalment",
            "progress",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "content": forms.Textarea(attrs={"rows": 2}),
            "progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 5}),
        }

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()  # type: ignore[attr-defined]
        self.fields["instalment"].queryset = Instalment.objects.filter(contract_id=project.contract_id)  # type: ignore[attr-defined]
        self.fields["instalment"].required = False
        self.fields["content"].widget.attrs["maxlength"] = "4000"

    def _post_clean(self) -> None:
        # The services check the row (dates in order, the instalment's contract) with clear
        # messages; the model's own checks would only repeat them.
        pass
