from __future__ import annotations

import datetime
from typing import Any

from django import forms

from config.forms import DatePartsField, GovukForm, choice_messages, date_messages, text_messages, whole_number_messages
from providers.models import Need, RegisteredSex

YES_NO = [("yes", "Yes"), ("no", "No")]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"]


class HomeProfileForm(GovukForm):
    age_minimum = forms.IntegerField(
        label="Youngest age",
        min_value=0,
        max_value=17,
        error_messages=whole_number_messages(
            "Enter the youngest age the home is registered for", thing="The youngest age", example="8",
            minimum=0, maximum=17,
        ),
    )  # fmt: skip
    age_maximum = forms.IntegerField(
        label="Oldest age",
        min_value=0,
        max_value=18,
        error_messages=whole_number_messages(
            "Enter the oldest age the home is registered for", thing="The oldest age", example="17",
            minimum=0, maximum=18,
        ),
    )  # fmt: skip
    sexes = forms.ChoiceField(
        label="Registered for",
        choices=RegisteredSex.choices,
        widget=forms.RadioSelect,
        error_messages=choice_messages("Select who the home is registered for"),
    )
    needs = forms.ModelMultipleChoiceField(
        label="Needs the home is registered and staffed for",
        queryset=Need.objects.order_by("source", "label"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Referrals reach the home only when it covers every need they ask for.",
        error_messages=choice_messages("Select the needs from the list"),
    )
    statement_of_purpose = forms.CharField(
        label="Statement of purpose: summary",
        required=False,
        widget=forms.Textarea,
        help_text=(
            "What the home offers and how it cares for children. Do not include any child's name, "
            "date of birth, address or any detail that could identify a child."
        ),
    )
    takes_emergency_admissions = forms.ChoiceField(
        label="Does the home take emergency admissions?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages=choice_messages("Select yes if the home takes emergency admissions"),
    )

    def clean_takes_emergency_admissions(self) -> bool:
        return bool(self.cleaned_data["takes_emergency_admissions"] == "yes")


class VacancyForm(GovukForm):
    places = forms.IntegerField(
        label="Places",
        min_value=1,
        initial=1,
        error_messages=whole_number_messages(
            "Enter how many places are free", thing="The number of places", example="2", minimum=1
        ),
    )
    available_from = DatePartsField(
        label="Available from",
        input_formats=DATE_FORMATS,
        help_text="Use today's date for a place free now.",
        error_messages=date_messages(
            "Enter the date the places are free from", thing="The date the places are free from"
        ),
    )
    available_until = DatePartsField(
        label="Available until (optional)",
        required=False,
        input_formats=DATE_FORMATS,
        help_text="Leave blank if the places stay free until filled.",
        error_messages=date_messages(None, thing="The date the places are free until"),
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=200,
        help_text="For example, 'ground-floor room'. No child's details.",
        error_messages=text_messages(None, thing="The note", limit=200),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["available_from"].initial = datetime.date.today


def errors_onto(form: forms.Form, errors: dict[str, list[str]]) -> None:
    """Put a service's ValidationError (keyed by field) onto the form, for the error summary."""
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
