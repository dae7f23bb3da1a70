"""The federation forms. Validation that needs the database (names taken, who may act) is the
services'; these check shape only."""

from __future__ import annotations

from django import forms

from accounts.models import User
from config.forms import GovukForm, choice_messages, text_messages
from federations.models import CHARTER_MAX, PURPOSE_MAX
from geography.models import LocalAuthority, Region
from providers.models import Federation, ProviderOrganisation


class FederationForm(GovukForm):
    founder = forms.ModelChoiceField(
        label="Which of your providers forms it",
        queryset=ProviderOrganisation.objects.none(),
        empty_label=None,
        error_messages={"required": "Choose the provider that forms the federation.",
                        "invalid_choice": "Choose one of the providers you administer."},
    )  # fmt: skip
    name = forms.CharField(
        label="Name",
        max_length=120,
        error_messages=text_messages("Enter the federation's name.", thing="The federation's name", limit=120),
    )
    purpose = forms.CharField(
        label="Purpose",
        max_length=PURPOSE_MAX,
        help_text="One or two sentences: why these providers work together.",
        widget=forms.Textarea,
        error_messages=text_messages("Enter the federation's purpose.", thing="The purpose", limit=PURPOSE_MAX),
    )
    charter = forms.CharField(
        label="Charter",
        max_length=CHARTER_MAX,
        help_text="What members promise each other and the children they care for. It is published.",
        widget=forms.Textarea,
        error_messages=text_messages(
            "Enter the federation's charter: what members promise each other.", thing="The charter", limit=CHARTER_MAX
        ),
    )
    regions = forms.ModelMultipleChoiceField(
        label="Regions it serves", queryset=Region.objects.order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple, error_messages=choice_messages("Select the regions from the list."),
    )  # fmt: skip
    local_authorities = forms.ModelMultipleChoiceField(
        label="Local authorities it serves",
        help_text="Choose at least one local authority or region. Hold Ctrl (or Cmd) to choose several.",
        queryset=LocalAuthority.objects.filter(is_current=True).order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        error_messages=choice_messages("Choose the local authorities from the list."),
    )

    def __init__(self, *args: object, founders: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["founder"].queryset = founders  # type: ignore[attr-defined]


class InviteForm(GovukForm):
    provider_organisation = forms.ModelChoiceField(
        label="Provider to invite",
        queryset=ProviderOrganisation.objects.none(),
        empty_label="Choose a provider",
        error_messages={"required": "Choose the provider to invite.",
                        "invalid_choice": "Choose a provider that has joined the service and is not invited yet."},
    )  # fmt: skip

    def __init__(self, *args: object, invitable: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["provider_organisation"].queryset = invitable  # type: ignore[attr-defined]


class CoordinatorForm(GovukForm):
    person = forms.ModelChoiceField(
        label="Person to coordinate",
        queryset=User.objects.none(),
        empty_label="Choose a person",
        error_messages={"required": "Choose the person who will coordinate.",
                        "invalid_choice": "Choose someone from a member provider who is not a coordinator yet."},
    )  # fmt: skip

    def __init__(self, *args: object, candidates: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["person"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["person"].label_from_instance = lambda user: user.get_full_name()  # type: ignore[attr-defined]


class DissolveForm(GovukForm):
    reason = forms.CharField(
        label="Why is the federation dissolved?",
        max_length=PURPOSE_MAX,
        help_text="Members and the public will read this.",
        widget=forms.Textarea,
        error_messages=text_messages(
            "Say why the federation is dissolved: members and the public will read it.",
            thing="The reason",
            limit=PURPOSE_MAX,
        ),
    )


class LotTermsForm(GovukForm):
    admits_federations = forms.TypedChoiceField(
        label="Can federations be admitted to this lot?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages=choice_messages("Say whether federations can be admitted to this lot."),
    )
    reserved_share_percent = forms.IntegerField(
        label="Share of call-offs reserved for small providers and federations (%)",
        min_value=0,
        max_value=100,
        help_text="A whole number from 0 to 100.",
        error_messages={
            "required": "Enter the reserved share, or 0.",
            "invalid": "The reserved share must be a whole number from 0 to 100.",
            "min_value": "The reserved share must be a whole number from 0 to 100.",
            "max_value": "The reserved share must be a whole number from 0 to 100.",
        },
    )


class AdmitFederationForm(GovukForm):
    federation = forms.ModelChoiceField(
        label="Federation to admit",
        queryset=Federation.objects.none(),
        empty_label="Choose a federation",
        error_messages={"required": "Choose the federation to admit.",
                        "invalid_choice": "Choose a federation not yet admitted."},
    )  # fmt: skip

    def __init__(self, *args: object, admissible: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["federation"].queryset = admissible  # type: ignore[attr-defined]
