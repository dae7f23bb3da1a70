"""Referrals (placement requests), invitations to providers, offers, declines, placements
and frameworks.

Nothing here holds a child's name, date of birth, address or case number: a referral says
age in years, sex, needs, risks, legal status and where (an authority or a postcode
district), and its free-text summary is checked for identifiers.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def _money() -> models.DecimalField[Decimal, Decimal]:
    """A weekly amount in pounds, pence-precise."""
    return models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))


class Urgency(models.TextChoices):
    TODAY = "today", "Today"
    UNDER_5_DAYS = "under_5_days", "Within 5 days"
    OVER_5_DAYS = "over_5_days", "More than 5 days"


class ReferralSex(models.TextChoices):
    FEMALE = "female", "Girl"
    MALE = "male", "Boy"
    OTHER = "other", "Other or not said"


class LegalStatus(models.TextChoices):
    SECTION_20 = "section_20", "Accommodated (section 20)"
    INTERIM_CARE_ORDER = "interim_care_order", "Interim care order (section 38)"
    CARE_ORDER = "care_order", "Care order (section 31)"
    PLACEMENT_ORDER = "placement_order", "Placement order"
    POLICE_PROTECTION = "police_protection", "Police protection"
    REMAND = "remand", "Remanded to local authority accommodation"
    OTHER = "other", "Other"


class PlannedDuration(models.TextChoices):
    EMERGENCY = "emergency", "Emergency (up to 28 days)"
    SHORT_TERM = "short_term", "Short term (up to 6 months)"
    LONG_TERM = "long_term", "Long term"
    UNTIL_INDEPENDENCE = "until_independence", "Until leaving care"


class LivingCompanions(models.TextChoices):
    ALONE = "alone", "Needs to live as the only child"
    ONE_OTHER = "one_other", "With at most one other child"
    SMALL_GROUP = "small_group", "In a small group"
    ANY = "any", "No preference"


class EducationNeed(models.TextChoices):
    KEEPS_SCHOOL = "keeps_school", "Keeps their current school"
    NEEDS_SCHOOL_PLACE = "needs_school_place", "Needs a school place"
    NEEDS_ON_SITE_EDUCATION = "needs_on_site", "Needs education on site"
    NOT_APPLICABLE = "not_applicable", "Not applicable (over school age)"


class OutOfAreaReason(models.TextChoices):
    NO_SUITABLE_HOME_IN_AREA = "no_suitable_home", "No suitable home in the authority's area"
    RISK_IN_HOME_AREA = "risk_in_home_area", "Risks to the child in their home area"
    SPECIALIST_NEEDS = "specialist_needs", "Specialist needs met elsewhere"
    FAMILY_OR_NETWORK = "family_or_network", "Near family or network"
    OTHER = "other", "Other"


# The National Placement Standard's risks to the child (6) and to others (5).
class RiskToChild(models.TextChoices):
    SEXUAL_EXPLOITATION = "sexual_exploitation", "Child sexual exploitation"
    CRIMINAL_EXPLOITATION = "criminal_exploitation", "Child criminal exploitation"
    GOING_MISSING = "going_missing", "Going missing"
    SELF_HARM = "self_harm", "Self-harm or suicidal thoughts"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    ONLINE_HARM = "online_harm", "Online harm or radicalisation"


class RiskToOthers(models.TextChoices):
    VIOLENCE = "violence", "Violence or aggression"
    HARMFUL_SEXUAL_BEHAVIOUR = "harmful_sexual_behaviour", "Harmful sexual behaviour"
    FIRE_SETTING = "fire_setting", "Fire setting"
    DAMAGE_TO_PROPERTY = "damage_to_property", "Damage to property"
    BULLYING_OR_INTIMIDATION = "bullying", "Bullying or intimidation"


class Framework(models.Model):
    """A local authority's (or a group's) framework: lots, terms and approved providers."""

    name = models.CharField(max_length=200)
    local_authorities = models.ManyToManyField("geography.LocalAuthority", related_name="frameworks")
    terms_summary = models.TextField(blank=True)
    approved_providers = models.ManyToManyField("providers.ProviderOrganisation", related_name="frameworks", blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="framework_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FrameworkLot(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="lots")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["framework", "name"]
        constraints = [models.UniqueConstraint(fields=["framework", "name"], name="framework_lot_unique_name")]

    def __str__(self) -> str:
        return f"{self.framework}: {self.name}"


class PlacementRequest(models.Model):
    """An anonymised, structured referral for one child, by one local authority."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PLACED = "placed", "Placed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="placement_requests",
        help_text="The commissioning local authority's organisation, which owns the request.",
    )  # fmt: skip
    local_authority = models.ForeignKey("geography.LocalAuthority", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    age_years = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=6, choices=ReferralSex.choices)
    needs = models.ManyToManyField("providers.Need", related_name="placement_requests", blank=True)
    risks_to_child = models.JSONField(default=list, blank=True, help_text="RiskToChild codes.")
    risks_to_others = models.JSONField(default=list, blank=True, help_text="RiskToOthers codes.")
    legal_status = models.CharField(max_length=20, choices=LegalStatus.choices)
    urgency = models.CharField(max_length=14, choices=Urgency.choices)
    planned_duration = models.CharField(max_length=20, choices=PlannedDuration.choices)
    living_companions = models.CharField(max_length=12, choices=LivingCompanions.choices, default=LivingCompanions.ANY)
    education = models.CharField(max_length=20, choices=EducationNeed.choices)
    start_by = models.DateField(help_text="The date the placement should start by.")
    # Where: the child's home authority, or a postcode district (e.g. "LS6"), never an address.
    home_local_authority = models.ForeignKey(
        "geography.LocalAuthority", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    postcode_district = models.CharField(max_length=4, blank=True)
    maximum_distance_km = models.PositiveSmallIntegerField(default=50)
    areas_to_avoid = models.ManyToManyField("geography.LocalAuthority", related_name="+", blank=True)
    out_of_area_reason = models.CharField(max_length=20, choices=OutOfAreaReason.choices, blank=True)
    weekly_budget_guide = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    framework_lot = models.ForeignKey(FrameworkLot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    summary = models.TextField(
        help_text="Needs and strengths in words; no names, dates of birth, addresses or numbers."
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_deadline = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_reason = models.CharField(max_length=200, blank=True)
    # When the child's details were removed (REFERRAL_RETENTION_DAYS after closing); what is
    # left serves only anonymous counts: authority, dates, urgency, status and outcome.
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(age_years__lte=17), name="placement_request_child_age"),
            models.CheckConstraint(
                condition=Q(home_local_authority__isnull=False) | ~Q(postcode_district=""),
                name="placement_request_has_a_location",
            ),
        ]
        indexes = [
            # Each authority's list of its requests, newest first, by status.
            models.Index(fields=["organisation", "status", "-created_at"], name="placement_request_org_idx"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.get_status_display()})"


class Invitation(models.Model):
    """A referral sent to one provider organisation: a disclosure, and a question to answer."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        OFFERED = "offered", "Offer made"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "No answer by the deadline"
        CLOSED = "closed", "Closed (request placed, withdrawn or expired)"

    placement_request = models.ForeignKey(PlacementRequest, on_delete=models.CASCADE, related_name="invitations")
    provider_organisation = models.ForeignKey(
        "providers.ProviderOrganisation", on_delete=models.PROTECT, related_name="referral_invitations"
    )
    homes = models.ManyToManyField("providers.Home", related_name="referral_invitations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    sent_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What the provider was told when the request closed.")
    outcome_sent_at = models.DateTimeField(null=True, blank=True)
    # Set by the e-mail task, so a retried task does not announce the referral twice.
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement_request", "provider_organisation"], name="invitation_one_per_provider"
            ),
        ]
        indexes = [
            # A provider's inbox: its open invitations by deadline.
            models.Index(fields=["provider_organisation", "status", "deadline"], name="invitation_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.placement_request} to {self.provider_organisation}"


class Disclosure(models.Model):
    """Every time a referral's details are shown or sent to a provider, a row here."""

    placement_request = models.ForeignKey(PlacementRequest, on_delete=models.CASCADE, related_name="disclosures")
    provider_organisation = models.ForeignKey(
        "providers.ProviderOrganisation", on_delete=models.PROTECT, related_name="+"
    )
    disclosed_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    disclosed_at = models.DateTimeField(default=timezone.now)
    purpose = models.CharField(max_length=100, default="referral sent")

    class Meta:
        ordering = ["-disclosed_at"]

    def __str__(self) -> str:
        return f"{self.placement_request} disclosed to {self.provider_organisation}"


class DeclineReason(models.TextChoices):
    NO_VACANCY = "no_vacancy", "No vacancy"
    NEEDS_OUTSIDE_REGISTRATION = "needs_outside_registration", "Needs outside our registration"
    IMPACT_ON_CHILDREN = "impact_on_children", "Impact on the children already in the home"
    LOCATION = "location", "Location"
    STAFFING = "staffing", "Staffing"
    OTHER = "other", "Other"


class Decline(models.Model):
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="decline")
    reason = models.CharField(max_length=30, choices=DeclineReason.choices)
    note = models.TextField(blank=True)
    declined_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    declined_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Decline of {self.invitation}: {self.get_reason_display()}"


class Offer(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        NOT_SELECTED = "not_selected", "Not selected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="offers")
    # Denormalised from the invitation so the database can hold "one accepted offer per request".
    placement_request = models.ForeignKey(PlacementRequest, on_delete=models.CASCADE, related_name="offers")
    home = models.ForeignKey("providers.Home", on_delete=models.PROTECT, related_name="offers")
    start_date = models.DateField()
    weekly_fee_core = _money()
    weekly_fee_additional_support = _money()
    weekly_fee_education = _money()
    weekly_fee_other = _money()
    conditions = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    made_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["made_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement_request"], condition=Q(status="accepted"), name="offer_one_accepted_per_request"
            ),
            models.CheckConstraint(
                condition=Q(weekly_fee_core__gte=0)
                & Q(weekly_fee_additional_support__gte=0)
                & Q(weekly_fee_education__gte=0)
                & Q(weekly_fee_other__gte=0),
                name="offer_fees_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.home} for {self.placement_request}"

    @property
    def weekly_fee(self) -> Decimal:
        return (
            self.weekly_fee_core
            + self.weekly_fee_additional_support
            + self.weekly_fee_education
            + self.weekly_fee_other
        )


class Placement(models.Model):
    # Set when the placement came through the service: exactly one per request and offer.
    placement_request = models.OneToOneField(
        PlacementRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="placement"
    )
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="placement")
    local_authority = models.ForeignKey(
        "geography.LocalAuthority",
        on_delete=models.PROTECT,
        related_name="placements",
        help_text="The placing authority.",
    )
    home = models.ForeignKey("providers.Home", on_delete=models.PROTECT, related_name="placements")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    ended_as_planned = models.BooleanField(null=True, blank=True)
    weekly_fee_core = _money()
    weekly_fee_additional_support = _money()
    weekly_fee_education = _money()
    weekly_fee_other = _money()
    # Demo placements are synthetic (calibrated to published prices) and always labelled so.
    is_synthetic = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="placement_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekly_fee_core__gte=0)
                & Q(weekly_fee_additional_support__gte=0)
                & Q(weekly_fee_education__gte=0)
                & Q(weekly_fee_other__gte=0),
                name="placement_fees_not_negative",
            ),
        ]
        indexes = [
            # Cost analytics read placements by start date.
            models.Index(fields=["start_date"], name="placement_start_idx"),
        ]

    def __str__(self) -> str:
        return f"Placement in {self.home.urn} from {self.start_date}"

    @property
    def weekly_fee(self) -> Decimal:
        return (
            self.weekly_fee_core
            + self.weekly_fee_additional_support
            + self.weekly_fee_education
            + self.weekly_fee_other
        )
