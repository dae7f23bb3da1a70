"""Shared by every app's HTML views: a service's refusal shown on the form that asked."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.forms import Form


def form_errors_add(form: Form, error: ValidationError, *, renamed: Mapping[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: each message under the field it names
    (after `renamed`, for services that name a field differently), else above the form, so the
    person sees why and keeps what they typed."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, field_errors in error.message_dict.items():
        target = (renamed or {}).get(name, name)
        form.add_error(target if target in form.fields else None, field_errors)
