"""Form behaviour shared by the workspace's forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.utils import ErrorList
from django.utils.translation import gettext as _


class HiddenErrorsShown(forms.Form):
    """A form whose hidden fields (the version read, a base revision) can fail: a page that was out of
    date or altered. Their errors have no place on the page, so the form's own errors say so."""

    def non_field_errors(self) -> ErrorList:
        errors: Any = super().non_field_errors()
        if not any(field.errors for field in self.hidden_fields()):
            return errors  # type: ignore[no-any-return]
        combined = self.error_class(error_class="nonfield", renderer=self.renderer)
        combined.extend(errors)
        combined.append(_("This page was out of date or incomplete: reload it and try again."))
        return combined  # type: ignore[no-any-return]


def limit_length(field: forms.Field, limit: int) -> None:
    """A length limit for a text field built elsewhere (from a model's TextField, which has none):
    checked when the form is sent, and kept to by the browser while typing."""
    assert isinstance(field, forms.CharField)
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)


def labelled_errors(form: forms.Form) -> list[str]:
    """A form's errors as lines naming their field, for forms shown as messages above the page."""
    lines: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        lines.extend(f"{label}: {error}" if label else str(error) for error in errors)
    return lines


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        target = name if name in form.fields else None
        if name == NON_FIELD_ERRORS:
            target = None
        for message in errors:
            form.add_error(target, message)
