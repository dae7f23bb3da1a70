"""Forms parse and check input; services decide and write."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from commissioning.identifiers import screened
from commissioning.models import (
    DeclineReason,
    EducationNeed,
    FrameworkLot,
    LegalStatus,
    LivingCompanions,
    OutOfAreaReason,
    PlacementRequest,
    PlannedDuration,
    ReferralSex,
    RiskToChild,
    RiskToOthers,
    Urgency,
)
from commissioning.services import (
    MAXIMUM_DISTANCE_KM,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    ReferralDetails,
    WeeklyFees,
)
from config.forms import (
    DatePartsField,
    GovukForm,
    choice_messages,
    date_messages,
    money_messages,
    text_messages,
    whole_number_messages,
)
from geography.models import LocalAuthority
from providers.models import Home, Need


def _money_field(label: str, *, thing: str, required: str | None = None) -> forms.DecimalField:
    """An amount in pounds and pence; `thing` names it in messages, `required` says how to give it."""
    return forms.DecimalField(
        label=label, min_value=Decimal("0"), max_digits=10, decimal_places=2, required=required is not None,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages=money_messages(required, thing=thing),
    )  # fmt: skip


def not_in_the_past(day: datetime.date, message: str) -> datetime.date:
    """A placement cannot be asked for, or offered, from a day already gone."""
    if day < timezone.localdate():
        raise forms.ValidationError(message, code="past")
    return day


class PlacementRequestForm(GovukForm):
    """The referral, in the order a commissioner thinks about it. Every field's value comes
    back on error, so nothing typed is lost."""

    # The page asks for the summary after the risks: the error summary lists errors in the page's order.
    field_order = ["age_years", "sex", "legal_status", "needs", "risks_to_child", "risks_to_others", "summary"]

    age_years = forms.IntegerField(
        label="Age in years", min_value=0, max_value=17,
        error_messages=whole_number_messages(
            "Enter the child's age in years", thing="The child's age", example="14", minimum=0, maximum=17
        ),
    )  # fmt: skip
    sex = forms.ChoiceField(
        label="Sex", choices=ReferralSex.choices, widget=forms.RadioSelect,
        error_messages=choice_messages("Select the child's sex"),
    )  # fmt: skip
    legal_status = forms.ChoiceField(
        label="Legal status", choices=LegalStatus.choices, widget=forms.RadioSelect,
        error_messages=choice_messages("Select the child's legal status"),
    )  # fmt: skip
    needs = forms.ModelMultipleChoiceField(
        label="Needs", queryset=Need.objects.order_by("label"), to_field_name="code", required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Select all that apply.",
        error_messages=choice_messages("Select the child's needs from the list"),
    )  # fmt: skip
    risks_to_child = forms.MultipleChoiceField(
        label="Risks to the child", choices=RiskToChild.choices, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages=choice_messages("Select the risks to the child from the list"),
    )  # fmt: skip
    risks_to_others = forms.MultipleChoiceField(
        label="Risks to others", choices=RiskToOthers.choices, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages=choice_messages("Select the risks to others from the list"),
    )  # fmt: skip
    urgency = forms.ChoiceField(
        label="How soon", choices=Urgency.choices, widget=forms.RadioSelect,
        error_messages=choice_messages("Select how soon the child needs a home"),
    )  # fmt: skip
    start_by = DatePartsField(
        label="Start by", help_text="The date the placement should start by.",
        error_messages=date_messages("Enter the date the placement should start by", thing="The start-by date"),
    )  # fmt: skip
    planned_duration = forms.ChoiceField(
        label="Planned duration", choices=PlannedDuration.choices, widget=forms.RadioSelect,
        error_messages=choice_messages("Select how long the placement is planned to last"),
    )  # fmt: skip
    living_companions = forms.ChoiceField(
        label="Living with other children", choices=LivingCompanions.choices, widget=forms.RadioSelect,
        initial=LivingCompanions.ANY,
        error_messages=choice_messages("Select whether the child can live with other children, or no preference"),
    )  # fmt: skip
    education = forms.ChoiceField(
        label="Education", choices=EducationNeed.choices, widget=forms.RadioSelect,
        error_messages=choice_messages("Select the child's education need"),
    )  # fmt: skip
    home_local_authority = forms.ModelChoiceField(
        label="The child's home authority", queryset=LocalAuthority.objects.filter(is_current=True).order_by("name"),
        required=False, empty_label="Choose an authority",
        error_messages=choice_messages("Choose the child's home authority from the list"),
    )  # fmt: skip
    postcode_district = forms.CharField(
        label="Or a postcode district", max_length=5, required=False,
        help_text="The first half of a postcode only, like LS6. Never a full postcode.",
        error_messages={"max_length": "Enter the first half of a postcode only, like LS6"},
    )  # fmt: skip
    maximum_distance_km = forms.IntegerField(
        label="Furthest acceptable distance (km)", min_value=1, max_value=MAXIMUM_DISTANCE_KM, initial=50,
        error_messages=whole_number_messages(
            "Enter the furthest acceptable distance in km", thing="The furthest acceptable distance", example="50",
            minimum=1, maximum=MAXIMUM_DISTANCE_KM,
        ),
    )  # fmt: skip
    areas_to_avoid = forms.ModelMultipleChoiceField(
        label="Areas to avoid", queryset=LocalAuthority.objects.filter(is_current=True).order_by("name"),
        required=False, widget=forms.CheckboxSelectMultiple,
        error_messages=choice_messages("Select the areas to avoid from the list"),
    )  # fmt: skip
    out_of_area_reason = forms.ChoiceField(
        label="Reason for placing outside your authority", choices=[("", "Not applicable"), *OutOfAreaReason.choices],
        required=False, widget=forms.RadioSelect,
        help_text="Needed when the child's location is outside your authority.",
        error_messages=choice_messages("Select the reason for placing the child outside your authority"),
    )  # fmt: skip
    weekly_budget_guide = _money_field("Weekly budget guide (£)", thing="The weekly budget guide")
    framework_lot = forms.ModelChoiceField(
        label="Framework lot", queryset=FrameworkLot.objects.none(), required=False, empty_label="No framework",
        error_messages=choice_messages("Choose a lot of one of your authority's frameworks, or no framework"),
    )  # fmt: skip
    summary = forms.CharField(
        label="Needs and strengths", widget=forms.Textarea, max_length=SUMMARY_MAX_LENGTH,
        help_text="Describe the child without identifying them: no names, dates of birth, addresses, "
        "phone numbers or case numbers.",
        error_messages=text_messages(
            "Describe the child's needs and strengths", thing="Needs and strengths", limit=SUMMARY_MAX_LENGTH
        ),
    )  # fmt: skip

    def __init__(self, *args: Any, local_authority: LocalAuthority | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if local_authority is not None:
            lots = FrameworkLot.objects.filter(framework__local_authorities=local_authority)
            self.fields["framework_lot"].queryset = lots.select_related("framework")  # type: ignore[attr-defined]

    def clean_summary(self) -> str:
        return screened(self.cleaned_data["summary"], field="the summary")

    def clean_start_by(self) -> datetime.date:
        return not_in_the_past(self.cleaned_data["start_by"], "Enter a start-by date that is today or in the future")

    def details(self) -> ReferralDetails:
        data = self.cleaned_data
        return ReferralDetails(
            age_years=data["age_years"], sex=data["sex"], legal_status=data["legal_status"],
            urgency=data["urgency"], planned_duration=data["planned_duration"], education=data["education"],
            start_by=data["start_by"], summary=data["summary"], living_companions=data["living_companions"],
            need_codes=[need.code for need in data["needs"]], risks_to_child=data["risks_to_child"],
            risks_to_others=data["risks_to_others"], home_local_authority=data["home_local_authority"],
            postcode_district=data["postcode_district"], maximum_distance_km=data["maximum_distance_km"],
            areas_to_avoid=list(data["areas_to_avoid"]), out_of_area_reason=data["out_of_area_reason"],
            weekly_budget_guide=data["weekly_budget_guide"], framework_lot=data["framework_lot"],
        )  # fmt: skip


def initial_from(placement_request: PlacementRequest) -> dict[str, Any]:
    """A draft's values for the edit form."""
    names = [name for name in PlacementRequestForm.base_fields if name not in {"needs", "areas_to_avoid"}]
    initial = {name: getattr(placement_request, name) for name in names}
    initial["needs"] = list(placement_request.needs.all())
    initial["areas_to_avoid"] = list(placement_request.areas_to_avoid.all())
    # A date input needs ISO 8601, not the localised date the template would print.
    initial["start_by"] = placement_request.start_by.isoformat()
    return initial


class SendForm(GovukForm):
    homes = forms.ModelMultipleChoiceField(
        label="Homes to send the referral to", queryset=Home.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages=choice_messages(
            "Keep at least one home to send the referral to.", "Choose homes from the matches shown."
        ),
    )  # fmt: skip

    def __init__(self, *args: Any, candidate_home_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only homes the matching offered can be chosen: a forged id is refused here.
        self.fields["homes"].queryset = Home.objects.filter(pk__in=candidate_home_ids)  # type: ignore[attr-defined]


class ReasonForm(GovukForm):
    reason = forms.CharField(
        label="Reason", max_length=REASON_MAX_LENGTH,
        help_text="Every invited provider is told this. Do not identify the child.",
        error_messages=text_messages("Enter the reason to tell the invited providers", thing="The reason",
                                     limit=REASON_MAX_LENGTH),
    )  # fmt: skip

    def clean_reason(self) -> str:
        return screened(self.cleaned_data["reason"], field="the reason")


class DeclineForm(GovukForm):
    reason = forms.ChoiceField(
        label="Why are you declining?", choices=DeclineReason.choices, widget=forms.RadioSelect,
        error_messages=choice_messages("Select why you are declining the referral"),
    )  # fmt: skip
    note = forms.CharField(
        label="Note for the local authority", widget=forms.Textarea, required=False, max_length=NOTE_MAX_LENGTH,
        help_text="Optional, unless you chose Other. Do not identify the child.",
        error_messages=text_messages(None, thing="The note", limit=NOTE_MAX_LENGTH),
    )  # fmt: skip

    def clean_note(self) -> str:
        return screened(self.cleaned_data["note"], field="the note")


class OfferForm(GovukForm):
    home = forms.ModelChoiceField(
        label="Home", queryset=Home.objects.none(), widget=forms.RadioSelect,
        error_messages=choice_messages(
            "Select the home you are offering", "Select one of the homes the referral was sent for"
        ),
    )  # fmt: skip
    start_date = DatePartsField(
        label="Start date",
        error_messages=date_messages("Enter the date the placement could start", thing="The start date"),
    )  # fmt: skip
    weekly_fee_core = _money_field(
        "Core weekly fee (£)", thing="The core weekly fee", required="Enter the core weekly fee, like 4500 or 4500.50"
    )
    weekly_fee_additional_support = _money_field("Additional support (£ a week)", thing="The additional support fee")
    weekly_fee_education = _money_field("Education (£ a week)", thing="The education fee")
    weekly_fee_other = _money_field("Other (£ a week)", thing="The other fee")
    conditions = forms.CharField(
        label="Conditions", widget=forms.Textarea, required=False, max_length=NOTE_MAX_LENGTH,
        help_text="Optional. Do not identify the child.",
        error_messages=text_messages(None, thing="The conditions", limit=NOTE_MAX_LENGTH),
    )  # fmt: skip

    def __init__(self, *args: Any, homes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home"].queryset = homes  # type: ignore[attr-defined]

    def clean_conditions(self) -> str:
        return screened(self.cleaned_data["conditions"], field="the conditions")

    def clean_start_date(self) -> datetime.date:
        return not_in_the_past(self.cleaned_data["start_date"], "Enter a start date that is today or in the future")

    def fees(self) -> WeeklyFees:
        data = self.cleaned_data
        zero = Decimal("0.00")
        return WeeklyFees(
            core=data["weekly_fee_core"],
            additional_support=data["weekly_fee_additional_support"] or zero,
            education=data["weekly_fee_education"] or zero,
            other=data["weekly_fee_other"] or zero,
        )


class PlacementEndForm(GovukForm):
    end_date = DatePartsField(
        label="End date", error_messages=date_messages("Enter the date the placement ended", thing="The end date"),
    )  # fmt: skip
    ended_as_planned = forms.TypedChoiceField(
        label="Did the placement end as planned?", choices=[("yes", "Yes, as planned"), ("no", "No, unplanned")],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect,
        error_messages=choice_messages("Select yes if the placement ended as planned"),
    )  # fmt: skip
