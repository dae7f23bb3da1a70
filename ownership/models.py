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
    """The five owner types of the market analyses, plus unknown."""

    LOCAL_AUTHORITY = "local_authority", "Local authority"
    VOLUNTARY = "voluntary", "Voluntary / third sector"
    PRIVATE_INDIVIDUAL = "private_individual", "Private, individual-owned"
    PRIVATE_CORPORATE = "private_corporate", "Private, corporate"
    PRIVATE_INVESTMENT = "private_investment", "Private, investment-owned"
    UNKNOWN = "unknown", "Unknown"


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
