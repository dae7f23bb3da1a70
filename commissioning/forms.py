"""Forms parse and check input; services decide and write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

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
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    ReferralDetails,
    WeeklyFees,
)
from geography.models import LocalAuthority
from providers.models import Home, Need


class DateInput(forms.DateInput):
    input_type = "date"


def _money_field(label: str, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0"), max_digits=10, decimal_places=2, required=required,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )  # fmt: skip


class PlacementRequestForm(forms.Form):
    """The referral, in the order a commissioner thinks about it. Every field's value comes
    back on error, so nothing typed is lost."""

    age_years = forms.IntegerField(label="Age in years", min_value=0, max_value=17)
    sex = forms.ChoiceField(label="Sex", choices=ReferralSex.choices, widget=forms.RadioSelect)
    legal_status = forms.ChoiceField(label="Legal status", choices=LegalStatus.choices, widget=forms.RadioSelect)
    needs = forms.ModelMultipleChoiceField(
        label="Needs", queryset=Need.objects.order_by("label"), to_field_name="code", required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Select all that apply.",
    )  # fmt: skip
    risks_to_child = forms.MultipleChoiceField(
        label="Risks to the child", choices=RiskToChild.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    risks_to_others = forms.MultipleChoiceField(
        label="Risks to others", choices=RiskToOthers.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    urgency = forms.ChoiceField(label="How soon", choices=Urgency.choices, widget=forms.RadioSelect)
    start_by = forms.DateField(label="Start by", widget=DateInput, help_text="The date the placement should start by.")
    planned_duration = forms.ChoiceField(
        label="Planned duration", choices=PlannedDuration.choices, widget=forms.RadioSelect
    )
    living_companions = forms.ChoiceField(
        label="Living with other children", choices=LivingCompanions.choices, widget=forms.RadioSelect,
        initial=LivingCompanions.ANY,
    )  # fmt: skip
    education = forms.ChoiceField(label="Education", choices=EducationNeed.choices, widget=forms.RadioSelect)
    home_local_authority = forms.ModelChoiceField(
        label="The child's home authority", queryset=LocalAuthority.objects.filter(is_current=True).order_by("name"),
        required=False, empty_label="Choose an authority",
    )  # fmt: skip
    postcode_district = forms.CharField(
        label="Or a postcode district", max_length=5, required=False,
        help_text="The first half of a postcode only, like LS6. Never a full postcode.",
    )  # fmt: skip
    maximum_distance_km = forms.IntegerField(
        label="Furthest acceptable distance (km)", min_value=1, max_value=500, initial=50
    )
    areas_to_avoid = forms.ModelMultipleChoiceField(
        label="Areas to avoid", queryset=LocalAuthority.objects.filter(is_current=True).order_by("name"),
        required=False, widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    out_of_area_reason = forms.ChoiceField(
        label="Reason for placing outside your authority", choices=[("", "Not applicable"), *OutOfAreaReason.choices],
        required=False, widget=forms.RadioSelect,
        help_text="Needed when the child's location is outside your authority.",
    )  # fmt: skip
    weekly_budget_guide = _money_field("Weekly budget guide (£)")
    framework_lot = forms.ModelChoiceField(
        label="Framework lot", queryset=FrameworkLot.objects.none(), required=False, empty_label="No framework"
    )
    summary = forms.CharField(
        label="Needs and strengths", widget=forms.Textarea, max_length=SUMMARY_MAX_LENGTH,
        help_text="Describe the child without identifying them: no names, dates of birth, addresses, "
        "phone numbers or case numbers.",
    )  # fmt: skip

    def __init__(self, *args: Any, local_authority: LocalAuthority | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if local_authority is not None:
            lots = FrameworkLot.objects.filter(framework__local_authorities=local_authority)
            self.fields["framework_lot"].queryset = lots.select_related("framework")  # type: ignore[attr-defined]

    def clean_summary(self) -> str:
        return screened(self.cleaned_data["summary"], field="the summary")

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


class SendForm(forms.Form):
    homes = forms.ModelMultipleChoiceField(
        label="Homes to send the referral to", queryset=Home.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Keep at least one home to send the referral to."},
    )  # fmt: skip

    def __init__(self, *args: Any, candidate_home_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only homes the matching offered can be chosen: a forged id is refused here.
        self.fields["homes"].queryset = Home.objects.filter(pk__in=candidate_home_ids)  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=REASON_MAX_LENGTH,
        help_text="Every invited provider is told this. Do not identify the child.",
    )  # fmt: skip

    def clean_reason(self) -> str:
        return screened(self.cleaned_data["reason"], field="the reason")


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label="Why are you declining?", choices=DeclineReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Note for the local authority", widget=forms.Textarea, required=False, max_length=NOTE_MAX_LENGTH,
        help_text="Optional, unless you chose Other. Do not identify the child.",
    )  # fmt: skip

    def clean_note(self) -> str:
        return screened(self.cleaned_data["note"], field="the note")


class OfferForm(forms.Form):
    home = forms.ModelChoiceField(label="Home", queryset=Home.objects.none(), widget=forms.RadioSelect)
    start_date = forms.DateField(label="Start date", widget=DateInput)
    weekly_fee_core = _money_field("Core weekly fee (£)", required=True)
    weekly_fee_additional_support = _money_field("Additional support (£ a week)")
    weekly_fee_education = _money_field("Education (£ a week)")
    weekly_fee_other = _money_field("Other (£ a week)")
    conditions = forms.CharField(
        label="Conditions", widget=forms.Textarea, required=False, max_length=NOTE_MAX_LENGTH,
        help_text="Optional. Do not identify the child.",
    )  # fmt: skip

    def __init__(self, *args: Any, homes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home"].queryset = homes  # type: ignore[attr-defined]

    def clean_conditions(self) -> str:
        return screened(self.cleaned_data["conditions"], field="the conditions")

    def fees(self) -> WeeklyFees:
        data = self.cleaned_data
        zero = Decimal("0.00")
        return WeeklyFees(
            core=data["weekly_fee_core"],
            additional_support=data["weekly_fee_additional_support"] or zero,
            education=data["weekly_fee_education"] or zero,
            other=data["weekly_fee_other"] or zero,
        )


class PlacementEndForm(forms.Form):
    end_date = forms.DateField(label="End date", widget=DateInput)
    ended_as_planned = forms.TypedChoiceField(
        label="Did the placement end as planned?", choices=[("yes", "Yes, as planned"), ("no", "No, unplanned")],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect,
    )  # fmt: skip
