"""The ownership graph, shaped like the Beneficial Ownership Data Standard (BODS) 0.4.

Entities are companies, charities, local authorities, investment and private-equity firms,
and unknown owners; persons appear only where an individual is the ultimate owner.
Interests are BODS relationships: who holds what interest in whom, with a share range,
dates and a source. A home's ultimate owner is found by following majority control upward
from its registered provider's entity (see ownership.services / ownership.selectors).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class EntityKind(models.TextChoices):
    """BODS 0.4 recordType/entityType, with `person` for person records."""

    REGISTERED_ENTITY = "registeredEntity", "Registered entity"
    LEGAL_ENTITY = "legalEntity", "Legal entity"
    ARRANGEMENT = "arrangement", "Arrangement"
    ANONYMOUS_ENTITY = "anonymousEntity", "Anonymous entity"
    UNKNOWN_ENTITY = "unknownEntity", "Unknown entity"
    STATE = "state", "State"
    STATE_BODY = "stateBody", "State body"
    PERSON = "person", "Person"


class OwnerCategory(models.TextChoices):
    """What kind of owner an entity is, for classifying the homes it controls."""

    COMPANY = "company", "Registered company"
    CHARITY = "charity", "Charity or voluntary organisation"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    HEALTH_BODY = "health_body", "NHS or health body"
    INVESTMENT_FIRM = "investment_firm", "Investment firm"
    PRIVATE_EQUITY_FIRM = "private_equity_firm", "Private-equity firm"
    INDIVIDUAL = "individual", "Individual"
    UNKNOWN = "unknown", "Unknown"


class OwnerType(models.TextChoices):
    """The five owner types of the market analyses, and two kinds of not knowing.

    PRIVATE_UNKNOWN: the register says the home is private (for-profit is known) but no link,
    classification, correction or curator says which kind of private owner it has. UNKNOWN:
    not even that is known. Neither is ever replaced by a default type.
    """

    LOCAL_AUTHORITY = "local_authority", "Local authority"
    VOLUNTARY = "voluntary", "Voluntary / third sector"
    PRIVATE_INDIVIDUAL = "private_individual", "Private, individual-owned"
    PRIVATE_CORPORATE = "private_corporate", "Private, corporate"
    PRIVATE_INVESTMENT = "private_investment", "Private, investment-owned"
    PRIVATE_UNKNOWN = "private_unknown", "Private, owner not known"
    UNKNOWN = "unknown", "Unknown"


UNKNOWN_OWNER_TYPES = frozenset({OwnerType.PRIVATE_UNKNOWN, OwnerType.UNKNOWN})


class UnspecifiedReason(models.TextChoices):
    """BODS 0.4 codelist unspecifiedReason: why an interested party cannot be named."""

    NO_BENEFICIAL_OWNERS = "noBeneficialOwners", "No beneficial owners"
    SUBJECT_UNABLE_TO_CONFIRM = (
        "subjectUnableToConfirmOrIdentifyBeneficialOwner",
        "Subject unable to confirm or identify beneficial owner",
    )
    PARTY_HAS_NOT_PROVIDED = "interestedPartyHasNotProvidedInformation", "Interested party has not provided information"
    SUBJECT_EXEMPT = "subjectExemptFromDisclosure", "Subject exempt from disclosure"
    PARTY_EXEMPT = "interestedPartyExemptFromDisclosure", "Interested party exempt from disclosure"
    UNKNOWN = "unknown", "Unknown reason"
    UNKNOWN_TO_PUBLISHER = "informationUnknownToPublisher", "Information unknown to the publisher of the data"


class Entity(models.Model):
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=EntityKind.choices, default=EntityKind.REGISTERED_ENTITY)
    category = models.CharField(max_length=24, choices=OwnerCategory.choices, default=OwnerCategory.UNKNOWN)
    jurisdiction = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2, e.g. GB.")
    company_number = models.CharField(max_length=8, blank=True, help_text="Companies House number (GB-COH).")
    charity_number = models.CharField(max_length=12, blank=True)
    # Other identifiers as BODS gives them: [{"scheme": "...", "id": "..."}].
    identifiers = models.JSONField(default=list, blank=True)
    provider_organisation = models.OneToOneField(
        "providers.ProviderOrganisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entity",
    )
    local_authority = models.ForeignKey(
        "geography.LocalAuthority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The BODS recordId this entity was read from or is written as; stable across exports.
    record_id = models.CharField(max_length=255, unique=True)
    source = models.CharField(max_length=255, blank=True, help_text="Where we learnt of this entity.")
    # What published research classifies this company as (c_home_cats.csv: "Investment owned",
    # ...). An input to owner-type classification, weaker than the control chain; not a
    # curator's decision (that is an OwnerTypeOverride).
    research_owner_type = models.CharField(
        max_length=24,
        choices=OwnerType.choices,
        blank=True,
        help_text="Owner type given by published research (BenGoodair/Care-Markets), if any.",
    )
    # Set when this entity stands for a BODS "unspecified" interested party: an owner who is
    # not disclosed. Kept, not dropped: opacity is itself a finding. Exported back as an
    # Unspecified Record, never as an entity statement.
    unspecified_reason = models.CharField(max_length=48, choices=UnspecifiedReason.choices, blank=True)
    unspecified_description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        constraints = [
            # One entity per Companies House number.
            models.UniqueConstraint(
                fields=["company_number"], condition=~Q(company_number=""), name="entity_company_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InterestType(models.TextChoices):
    """BODS 0.4 interest types used here."""

    SHAREHOLDING = "shareholding", "Shareholding"
    VOTING_RIGHTS = "votingRights", "Voting rights"
    APPOINTMENT_OF_BOARD = "appointmentOfBoard", "Appointment of board"
    OTHER_INFLUENCE_OR_CONTROL = "otherInfluenceOrControl", "Other influence or control"
    SENIOR_MANAGING_OFFICIAL = "seniorManagingOfficial", "Senior managing official"
    SETTLOR = "settlor", "Settlor"
    TRUSTEE = "trustee", "Trustee"
    PROTECTOR = "protector", "Protector"
    BENEFICIARY_OF_LEGAL_ARRANGEMENT = "beneficiaryOfLegalArrangement", "Beneficiary of legal arrangement"
    RIGHTS_TO_SURPLUS_ASSETS = "rightsToSurplusAssetsOnDissolution", "Rights to surplus assets on dissolution"
    RIGHTS_TO_PROFIT_OR_INCOME = "rightsToProfitOrIncome", "Rights to profit or income"
    RIGHTS_GRANTED_BY_CONTRACT = "rightsGrantedByContract", "Rights granted by contract"
    CONDITIONAL_RIGHTS = "conditionalRightsGrantedByContract", "Conditional rights granted by contract"
    CONTROL_VIA_COMPANY_RULES = "controlViaCompanyRulesOrArticles", "Control via company rules or articles"
    CONTROL_BY_LEGAL_FRAMEWORK = "controlByLegalFramework", "Control by legal framework"
    UNPUBLISHED = "unpublishedInterest", "Unpublished interest"
    UNKNOWN = "unknownInterest", "Unknown interest"


class Interest(models.Model):
    """A BODS relationship: `interested_party` holds an interest in `subject`."""

    subject = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="interests_held_in_it")
    interested_party = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="interests_held")
    interest_type = models.CharField(max_length=40, choices=InterestType.choices, default=InterestType.SHAREHOLDING)
    share_exact = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    share_minimum = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    share_maximum = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    # BODS: whether the minimum and maximum bounds are exclusive ("more than 25%").
    share_exclusive_minimum = models.BooleanField(default=False)
    share_exclusive_maximum = models.BooleanField(default=False)
    direct = models.BooleanField(null=True, blank=True, help_text="Direct (True), indirect (False) or unknown.")
    beneficial_ownership_or_control = models.BooleanField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    record_id = models.CharField(max_length=255, unique=True)
    source = models.CharField(max_length=255, blank=True, help_text="Where we learnt of this interest.")
    # When the source stated the link (BODS statementDate, a Companies House snapshot's date,
    # the curated files' vintage): the age of what a resolution rests on, for coverage.
    observed_on = models.DateField(null=True, blank=True, help_text="The date the source stated this link.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["subject", "interested_party"]
        constraints = [
            models.CheckConstraint(condition=~Q(subject=F("interested_party")), name="interest_not_in_itself"),
            models.CheckConstraint(
                condition=(Q(share_exact__isnull=True) | Q(share_exact__gte=0, share_exact__lte=100))
                & (Q(share_minimum__isnull=True) | Q(share_minimum__gte=0, share_minimum__lte=100))
                & (Q(share_maximum__isnull=True) | Q(share_maximum__gte=0, share_maximum__lte=100)),
                name="interest_share_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(share_minimum__isnull=True)
                | Q(share_maximum__isnull=True)
                | Q(share_minimum__lte=F("share_maximum")),
                name="interest_share_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="interest_ends_after_it_starts",
            ),
        ]
        indexes = [
            # Ultimate-owner resolution walks from a subject to its controllers.
            models.Index(fields=["subject", "interest_type"], name="interest_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.interested_party} → {self.subject} ({self.get_interest_type_display()})"


class OwnerTypeOverride(models.Model):
    """A curator's decision on an entity's owner type, with the reason. The latest one counts;
    earlier ones stay as history."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="owner_type_overrides")
    owner_type = models.CharField(max_length=24, choices=OwnerType.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entity", "-decided_at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="owner_type_override_has_reason")]

    def __str__(self) -> str:
        return f"{self.entity}: {self.get_owner_type_display()}"


class HomeOwnershipCorrection(models.Model):
    """A researcher's correction of one home's ownership (all_missing_info.csv): where the
    company-database match was wrong, or a charity is listed as private, the owner type the home
    should have and why. Keyed by URN, so it can be loaded before the register naming the home."""

    urn = models.CharField(max_length=12, unique=True)
    owner_type = models.CharField(max_length=24, choices=OwnerType.choices)
    # The company the home's provider was (wrongly) matched to, as the source names it.
    company_name = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    comment = models.TextField(blank=True)
    # The match to a company (and so its ownership chain) was wrong: the home's ultimate owner
    # is its registered provider itself.
    wrong_company_match = models.BooleanField(default=False)
    source = models.CharField(max_length=255)
    observed_on = models.DateField(null=True, blank=True, help_text="The vintage of the source.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["urn"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="home_ownership_correction_has_reason")]

    def __str__(self) -> str:
        return f"{self.urn}: {self.get_owner_type_display()}"
