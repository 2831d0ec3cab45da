from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            ("customers", _("Customers")),
            ("contacts", _("Contacts")),
            ("opportunities", _("Opportunities")),
        ],
    )
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    on_duplicate = forms.ChoiceField(
        label=_("When a row names a record that exists"),
        choices=[("refuse", _("Refuse the row")), ("update", _("Update the record"))],
        initial="refuse",
        widget=forms.RadioSelect,
    )
    mode = forms.ChoiceField(
        label=_("When some rows are wrong"),
        choices=[("all", _("Import nothing (all or nothing)")), ("valid", _("Import the valid rows"))],
        initial="all",
        widget=forms.RadioSelect,
    )
    dry_run = forms.BooleanField(label=_("Dry run: report what would happen, write nothing"), required=False)
