"""Shared by every app's forms and HTML views: a service's refusal shown on the form that asked,
and the base that gives every field specific, linked error messages."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    EmailValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
    StepValueValidator,
)
from django.forms import Form
from django.forms.boundfield import BoundField


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


# --- Error messages in the GOV.UK Design System's way -----------------------------------------
#
# Each field says, in the domain's words, what went wrong and how to put it right ("Enter the
# child's age in years"): never Django's own "This field is required.". `GovukForm` is the base of
# every form of the service: `missing_messages` lists the situations a field can fail in that
# still carry Django's words (tests/config/test_form_errors.py fails on any), and the bound
# fields say where the error summary's link goes: a field's first input.


def _django_default_messages() -> frozenset[str]:
    """Django's own words for every code a form field or its validators can raise."""
    field_classes: list[type[forms.Field]] = [
        forms.Field, forms.CharField, forms.IntegerField, forms.DecimalField, forms.FloatField,
        forms.DateField, forms.DateTimeField, forms.EmailField, forms.ChoiceField, forms.TypedChoiceField,
        forms.MultipleChoiceField, forms.TypedMultipleChoiceField, forms.ModelChoiceField,
        forms.ModelMultipleChoiceField, forms.BooleanField, forms.FileField, forms.URLField,
    ]  # fmt: skip
    messages = {str(message) for cls in field_classes for message in cls.default_error_messages.values()}
    validators: list[Any] = [
        MaxLengthValidator(1), MinLengthValidator(1), MaxValueValidator(1), MinValueValidator(1),
        EmailValidator(), ProhibitNullCharactersValidator(), StepValueValidator(1),
    ]  # fmt: skip
    messages |= {str(validator.message) for validator in validators}
    messages |= {str(message) for message in DecimalValidator.messages.values()}
    return frozenset(messages)


DJANGO_DEFAULT_MESSAGES = _django_default_messages()

# The words that show a page fell back on Django's messages, once the numbers are filled in.
GENERIC_MESSAGE_PATTERNS = (
    "This field is required.",
    "Enter a valid",
    "Enter a number.",
    "Enter a whole number.",
    "Select a valid choice.",
    "Enter a list of values.",
    "is not a valid value.",
    "Ensure this value",
    "Ensure that there are no more than",
    "Null characters are not allowed.",
)

# Codes a person cannot meet with the page's own inputs (a forged or mangled request): the base
# words them from the field's label, so nobody need write them field by field.
_FORGED_INPUT_CODES = ("invalid_list", "invalid_pk_value", "null_characters_not_allowed")


def _codes_raised(field: forms.Field) -> list[str]:
    """The error codes this field can raise, for the situations a person can meet."""
    codes = ["required"] if field.required else []
    if isinstance(field, forms.CharField):
        codes += [code for code in ("max_length", "min_length") if getattr(field, code) is not None]
    if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.DateField, forms.EmailField)):
        codes.append("invalid")
    if isinstance(field, (forms.IntegerField, forms.DecimalField)):
        codes += [code for code in ("min_value", "max_value") if getattr(field, code) is not None]
    if isinstance(field, forms.DecimalField) and field.max_digits is not None:
        codes += ["max_digits", "max_decimal_places", "max_whole_digits"]
    if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField)):
        codes.append("invalid_choice")
    if isinstance(field, DatePartsField):
        codes.append("incomplete")
    return codes


def missing_messages(form: forms.BaseForm) -> dict[str, list[str]]:
    """Each field's codes still answered in Django's words: a form of the service has none."""
    missing: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        codes = [code for code in _codes_raised(field) if str(field.error_messages.get(code, "")) in (
            DJANGO_DEFAULT_MESSAGES | {""}
        )]  # fmt: skip
        if codes:
            missing[name] = codes
    return missing


def forged_input_messages_add(field: forms.Field, label: str) -> None:
    """Word the codes only a forged request meets from the field's label (see _FORGED_INPUT_CODES)."""
    worded = {
        "invalid_list": f"Choose {label} from the options shown",
        "invalid_pk_value": f"Choose {label} from the options shown",
        "null_characters_not_allowed": f"Remove the unusual characters from {label}",
    }
    for code in _FORGED_INPUT_CODES:
        if str(field.error_messages.get(code, "")) in DJANGO_DEFAULT_MESSAGES | {""}:
            field.error_messages[code] = worded[code]


def error_anchor(bound_field: BoundField) -> str:
    """The id of the field's first input, where the error summary's link takes the person:
    the first radio or checkbox of a group (Django numbers them id_<name>_0), else the input."""
    widget = bound_field.field.widget
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return f"{bound_field.auto_id}_0"
    if isinstance(widget, DatePartsWidget):
        # The first part to put right (GOV.UK): the first one missing, else the day.
        parts = date_parts_of(bound_field.value()) if bound_field.form.is_bound else {}
        missing = next((part for part in DATE_PARTS if parts and not parts[part]), "day")
        return f"{bound_field.auto_id}-{missing}"
    return str(bound_field.id_for_label or bound_field.auto_id)


class GovukBoundField(BoundField):
    @property
    def error_anchor(self) -> str:
        return error_anchor(self)

    @property
    def date_parts(self) -> dict[str, str]:
        """A date field's day, month and year as its three inputs show them."""
        return date_parts_of(self.value())


class GovukForm(forms.Form):
    """The base of every form of the service: bound fields that know their first input, and
    the codes only a forged request meets worded from each field's label."""

    bound_field_class = GovukBoundField

    def full_clean(self) -> None:
        for field in self.fields.values():
            forged_input_messages_add(field, _lower_first(str(field.label or "an answer")))
        super().full_clean()

    @property
    def first_error_anchor(self) -> str:
        """Where a message above the form (not about one field) takes the person: the first field's input."""
        visible = self.visible_fields()
        return error_anchor(visible[0]) if visible else ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def choice_messages(required: str, invalid_choice: str | None = None) -> dict[str, str]:
    """A question answered by choosing: nothing chosen, or something not offered (a forged or
    stale answer), both told how to answer."""
    return {"required": required, "invalid_choice": invalid_choice or required}


def text_messages(required: str | None, *, thing: str, limit: int | None = None) -> dict[str, str]:
    """Free text: missing, or longer than `limit` characters; `thing` starts the sentence."""
    messages = {"required": required} if required else {}
    if limit is not None:
        messages["max_length"] = f"{thing} must be {limit:,} characters or fewer"
    return messages


def whole_number_messages(
    required: str | None, *, thing: str, example: str, minimum: int | None = None, maximum: int | None = None
) -> dict[str, str]:
    """A whole number: missing, not a number (with an example), or out of its range."""
    messages = {"invalid": f"Enter {_lower_first(thing)} as a whole number, like {example}"}
    if required:
        messages["required"] = required
    if minimum is not None and maximum is not None:
        messages["min_value"] = messages["max_value"] = f"{thing} must be between {minimum} and {maximum}"
    elif minimum is not None:
        messages["min_value"] = f"{thing} must be {minimum} or more"
    elif maximum is not None:
        messages["max_value"] = f"{thing} must be {maximum} or fewer"
    return messages


def money_messages(required: str | None, *, thing: str) -> dict[str, str]:
    """An amount in pounds and pence: missing, not a number, negative or too many digits."""
    lowered = _lower_first(thing)
    messages = {
        "invalid": f"Enter {lowered} as a number, like 4500 or 4500.50",
        "min_value": f"{thing} must be £0 or more",
        "max_digits": f"{thing} must be less than £100,000,000",
        "max_whole_digits": f"{thing} must be less than £100,000,000",
        "max_decimal_places": f"Enter {lowered} in pounds and pence, like 4500.50",
    }
    if required:
        messages["required"] = required
    return messages


def date_messages(required: str | None, *, thing: str) -> dict[str, str]:
    """A date: missing, missing a part, or not a real date."""
    messages = {"invalid": f"{thing} must be a real date", "incomplete": f"{thing} must include a %(parts)s"}
    if required:
        messages["required"] = required
    return messages


# --- Dates as the GOV.UK date input: day, month and year ------------------------------------------

DATE_PARTS = ("day", "month", "year")


class DatePartsWidget(forms.Widget):
    """Three inputs, <name>-day, -month and -year, rendered by components/field.html. A request
    that sends the date whole (YYYY-MM-DD, as the API and older pages do) is read as before."""

    input_type = "date-parts"

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if any(f"{name}-{part}" in data for part in DATE_PARTS):
            return {part: str(data.get(f"{name}-{part}", "")).strip() for part in DATE_PARTS}
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and not any(f"{name}-{part}" in data for part in DATE_PARTS)


class DatePartsField(forms.DateField):
    """A date asked for in three parts: a missing part, letters or an impossible date each get
    the field's own words ("incomplete" names the parts missing)."""

    widget = DatePartsWidget

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return super().to_python(value)
        missing = [part for part in DATE_PARTS if not value.get(part)]
        if len(missing) == len(DATE_PARTS):
            return None
        if missing:
            parts = " and a ".join(missing)
            raise ValidationError(self.error_messages["incomplete"] % {"parts": parts}, code="incomplete")
        day, month, year = (value[part] for part in DATE_PARTS)
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def date_parts_of(value: Any) -> dict[str, str]:
    """The day, month and year to show in a date's three inputs, from what was typed, a date or
    an ISO string (a draft's value)."""
    if isinstance(value, dict):
        return {part: str(value.get(part, "")) for part in DATE_PARTS}
    if isinstance(value, str) and value:
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return dict.fromkeys(DATE_PARTS, "")
    if isinstance(value, datetime.date):
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
    return dict.fromkeys(DATE_PARTS, "")
