"""A service's refusal lands on the form field it names, renamed where asked, else above it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from config.forms import form_errors_add


class _Form(forms.Form):
    body = forms.CharField()
    organisation = forms.CharField()


def test_messages_land_on_their_fields_renamed_or_above_the_form():
    form = _Form(data={"body": "text", "organisation": "1"})
    assert form.is_valid()
    error = ValidationError({"body": ["Too long."], "author_user": ["Not yours."], "payload": ["Bad details."]})
    form_errors_add(form, error, renamed={"author_user": "organisation"})
    assert form.errors == {"body": ["Too long."], "organisation": ["Not yours."], "__all__": ["Bad details."]}


def test_a_message_without_a_field_goes_above_the_form():
    form = _Form(data={"body": "text", "organisation": "1"})
    assert form.is_valid()
    form_errors_add(form, ValidationError("Refused."))
    assert form.non_field_errors() == ["Refused."]
