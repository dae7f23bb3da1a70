from __future__ import annotations

from django import forms

from commissioning.framework_selectors import framework_local_authority_choices
from config.forms import DatePartsField, GovukForm, choice_messages, date_messages, text_messages


class FrameworkForm(GovukForm):
    # The page's order (commissioning/frameworks/edit.html), which the error summary follows.
    field_order = ["name", "lots", "terms_summary", "starts_on", "ends_on", "local_authorities"]

    name = forms.CharField(
        label="Name",
        max_length=200,
        error_messages=text_messages("Enter the framework's name", thing="The framework's name", limit=200),
    )
    local_authorities = forms.ModelMultipleChoiceField(
        label="Local authorities in the framework",
        queryset=framework_local_authority_choices(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Your own authority and any others that join it.",
        error_messages=choice_messages(
            "Select the authorities in the framework", "Select the authorities in the framework from the list"
        ),
    )
    lots = forms.CharField(
        label="Lots",
        widget=forms.Textarea,
        help_text="One lot a line, for example 'Solo placements'.",
        error_messages={"required": "Enter at least one lot"},
    )
    terms_summary = forms.CharField(label="Summary of the terms", widget=forms.Textarea, required=False)
    starts_on = DatePartsField(
        label="Starts on",
        input_formats=["%Y-%m-%d"],
        error_messages=date_messages("Enter the date the framework starts", thing="The start date"),
    )
    ends_on = DatePartsField(
        label="Ends on (optional)",
        input_formats=["%Y-%m-%d"],
        required=False,
        error_messages=date_messages(None, thing="The end date"),
    )

    def clean_lots(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["lots"].splitlines() if line.strip()]


class ProviderSearchForm(GovukForm):
    q = forms.CharField(
        label="Search the register by provider name",
        required=False,
        max_length=100,
        error_messages=text_messages(None, thing="The provider name", limit=100),
    )
