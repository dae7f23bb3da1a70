"""What a federation says about itself, who belongs to it and who coordinates it, with history.

The federation itself (its name, service organisation and current members) is
providers.Federation, which commissioning and the trust log already read; this app keeps
the rest. Nothing here is deleted: a member who leaves, an invitation declined, a coordinator
stood down and a federation dissolved all stay as rows with who and when.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from providers.models import Federation, ProviderOrganisation

PURPOSE_MAX = 300
CHARTER_MAX = 3000


class FederationProfile(models.Model):
    """The federation's public account of itself: purpose, charter and the area it serves."""

    federation = models.OneToOneField(Federation, on_delete=models.PROTECT, related_name="profile")
    purpose = models.CharField(max_length=PURPOSE_MAX)
    charter = models.TextField(max_length=CHARTER_MAX)
    local_authorities = models.ManyToManyField(
        "geography.LocalAuthority", related_name="federation_profiles", blank=True
    )
    regions = models.ManyToManyField("geography.Region", related_name="federation_profiles", blank=True)
    formed_at = models.DateTimeField(default=timezone.now)
    formed_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    dissolved_at = models.DateTimeField(null=True, blank=True)
    dissolved_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dissolution_reason = models.CharField(max_length=PURPOSE_MAX, blank=True)
    # The demo's federations are made up from real providers: every page says so.
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_at__isnull=True) | Q(dissolved_at__gte=models.F("formed_at")),
                name="federation_dissolved_after_formed",
            ),
        ]
        indexes = [
            # The public list shows federations not dissolved.
            models.Index(fields=["dissolved_at"], name="federation_profile_active_idx"),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.federation}"

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_at is not None


class MembershipStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Member"
    DECLINED = "declined", "Declined the invitation"
    WITHDRAWN = "withdrawn", "Invitation withdrawn"
    LEFT = "left", "Left"
    DISSOLVED = "dissolved", "Member until the federation was dissolved"


OPEN_STATUSES = (MembershipStatus.INVITED, MembershipStatus.ACTIVE)


class FederationMembership(models.Model):
    """One provider's membership of one federation, from invitation to its end. The provider's
    consent is the answer of one of its administrators (answered_by, answered_at); joining
    again later is a new row."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="memberships")
    provider_organisation = models.ForeignKey(
        ProviderOrganisation, on_delete=models.PROTECT, related_name="federation_memberships"
    )
    status = models.CharField(max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.INVITED)
    invited_at = models.DateTimeField(default=timezone.now)
    invited_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The member's choice: referrals sent to it reach the federation's joint inbox too, and the
    # coordinators may offer its homes. providers.Federation.members holds exactly the active
    # members who share (commissioning reads it).
    shares_inbox = models.BooleanField(default=False)
    shares_inbox_changed_at = models.DateTimeField(null=True, blank=True)
    shares_inbox_changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The member's consent that the coordinators read its own trust logs with authorities
    # (read only: they never write for the member there).
    shares_relationships = models.BooleanField(default=False)
    shares_relationships_changed_at = models.DateTimeField(null=True, blank=True)
    shares_relationships_changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["federation", "provider_organisation__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MembershipStatus.values), name="federation_membership_status"
            ),
            # At most one invitation or membership open per provider and federation.
            models.UniqueConstraint(
                fields=["federation", "provider_organisation"],
                condition=Q(status__in=["invited", "active"]),
                name="federation_membership_one_open",
            ),
            # A member has consented: an administrator of theirs answered, at a time.
            models.CheckConstraint(
                condition=~Q(status__in=["active", "declined", "left", "dissolved"]) | Q(answered_at__isnull=False),
                name="federation_membership_answered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["invited", "active"]) | Q(ended_at__isnull=False) | Q(status="declined"),
                name="federation_membership_ended_when_closed",
            ),
        ]
        indexes = [
            # A provider's invitations and memberships (its administrators' federation page).
            models.Index(fields=["provider_organisation", "status"], name="federation_membership_prov_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_organisation} in {self.federation} ({self.get_status_display()})"


class CoordinatorAppointment(models.Model):
    """A person from a member provider chosen to coordinate the federation: while appointed they
    are an administrator of the federation's service organisation (and so read its joint inbox)."""

    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="coordinator_appointments")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="coordinator_appointments")
    provider_organisation = models.ForeignKey(ProviderOrganisation, on_delete=models.PROTECT, related_name="+")
    appointed_at = models.DateTimeField(default=timezone.now)
    appointed_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["federation", "appointed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "user"], condition=Q(ended_at__isnull=True), name="coordinator_one_current"
            ),
        ]
        indexes = [
            # coordinators_of(federation) and federations_coordinated_by(user): current ones.
            models.Index(fields=["federation", "ended_at"], name="coordinator_current_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} coordinating {self.federation}"


class FederatedOffer(models.Model):
    """An offer the federation's coordinators made for a member, with one of the member's homes.
    The member is told and may withdraw it until `withdrawable_until`."""

    offer = models.OneToOneField("commissioning.Offer", on_delete=models.PROTECT, related_name="federated")
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="offers_made")
    provider_organisation = models.ForeignKey(ProviderOrganisation, on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)
    withdrawable_until = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-made_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawable_until__gte=models.F("made_at")), name="federated_offer_window_after_made"
            ),
        ]
        indexes = [
            # A member's offers made by its federations (its "offers made for you" list).
            models.Index(fields=["provider_organisation", "made_at"], name="federated_offer_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.offer} made by {self.federation}"


RESERVED_SHARE_MAX = 100


class LotTerms(models.Model):
    """What a framework lot does to enable small providers: whether federations may be admitted
    to it, and the share of its call-offs (placements) reserved for small providers and
    federations, in whole percent. Set by the framework's commissioners."""

    lot = models.OneToOneField("commissioning.FrameworkLot", on_delete=models.CASCADE, related_name="small_terms")
    admits_federations = models.BooleanField(default=False)
    reserved_share_percent = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved_share_percent__lte=RESERVED_SHARE_MAX), name="lot_terms_share_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"Terms for small providers on {self.lot}"


class FrameworkFederation(models.Model):
    """A federation admitted to a framework (through a lot that admits federations)."""

    framework = models.ForeignKey("commissioning.Framework", on_delete=models.CASCADE, related_name="+")
    federation = models.ForeignKey(Federation, on_delete=models.PROTECT, related_name="framework_admissions")
    admitted_at = models.DateTimeField(default=timezone.now)
    admitted_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["framework", "federation__name"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "federation"], name="framework_federation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.federation} on {self.framework}"
