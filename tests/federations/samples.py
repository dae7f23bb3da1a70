"""Federations for the permission matrix and the page tests: provider P forms federation F (its
administrator coordinates it), provider Q belongs to another federation G, and a third
federation H has invited P."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organisation, User
from commissioning import services as commissioning
from commissioning.models import Framework, Invitation
from federations import services
from federations.models import CoordinatorAppointment, FederatedOffer, FederationMembership
from geography.models import LocalAuthority
from providers.models import Federation, ProviderOrganisation
from tests.commissioning.conftest import referral_details
from tests.conftest import Cast
from tests.factories import AdminMembershipFactory, HomeFactory, ProviderOrganisationFactory, totp_activate

CHARTER = "We answer every referral within a working day and share training."


def registry_record(organisation: Organisation) -> ProviderOrganisation:
    return ProviderOrganisation.objects.get(organisation=organisation)


def federation_formed(*, organisation: Organisation, administrator: User, name: str) -> Federation:
    """A federation formed through the service by the provider's administrator."""
    return services.federation_form(
        founder=registry_record(organisation), user=administrator, name=name, purpose=f"{name} works together.",
        charter=CHARTER, local_authorities=[LocalAuthority.objects.get(ons_code="E08000035")], regions=[],
    )  # fmt: skip


def provider_with_administrator(name: str) -> tuple[Organisation, User]:
    """A provider that has joined the service, and its administrator (with two-factor set up, as
    provider staff must have to use the pages)."""
    organisation = ProviderOrganisationFactory(name=name)
    administrator = AdminMembershipFactory(organisation=organisation).user
    totp_activate(administrator)
    return organisation, administrator


def federation_samples(cast: Cast) -> dict[str, dict[str, str]]:
    federation_f = federation_formed(
        organisation=cast.provider_organisation_p, administrator=cast.provider_p, name="Federation F"
    )
    admin_of_q = AdminMembershipFactory(organisation=cast.provider_organisation_q).user
    federation_formed(organisation=cast.provider_organisation_q, administrator=admin_of_q, name="Federation G")
    organisation_r, admin_of_r = provider_with_administrator("Provider R")
    federation_h = federation_formed(organisation=organisation_r, administrator=admin_of_r, name="Federation H")
    invitation_to_p = services.federation_member_invite(
        federation=federation_h, provider_organisation=registry_record(cast.provider_organisation_p), user=admin_of_r
    )
    organisation_s, _ = provider_with_administrator("Provider S")
    invitation_to_s = services.federation_member_invite(
        federation=federation_f, provider_organisation=registry_record(organisation_s), user=cast.provider_p
    )
    slug_f, slug_h = federation_f.organisation.slug, federation_h.organisation.slug
    invitation, federated_offer = _joint_inbox_sample(cast, federation_f)
    membership_of_p = FederationMembership.objects.get(federation=federation_f, status="active")
    appointment = CoordinatorAppointment.objects.get(federation=federation_f)
    return {
        **{
            f"federations:{name}": {"slug": slug_f}
            for name in ("detail", "manage", "invite", "coordinator_add", "dissolve")
        },
        "federations:answer": {"slug": slug_h, "pk": str(invitation_to_p.pk)},
        "federations:withdraw": {"slug": slug_f, "pk": str(invitation_to_s.pk)},
        "federations:leave": {"slug": slug_f, "pk": str(membership_of_p.pk)},
        "federations:coordinator_end": {"slug": slug_f, "pk": str(appointment.pk)},
        "api:federation": {"slug": slug_f},
        "federations:inbox": {"slug": slug_f},
        "federations:offer": {"slug": slug_f, "pk": str(invitation.pk)},
        "federations:inbox_share": {"slug": slug_f, "pk": str(membership_of_p.pk)},
        "federations:offer_withdraw": {"pk": str(federated_offer.pk)},
        "federations:framework_small_providers": {"pk": str(Framework.objects.get(name="Framework of A").pk)},
    }


def _joint_inbox_sample(cast: Cast, federation: Federation) -> tuple[Invitation, FederatedOffer]:
    """A referral of authority A sent now to a home of P (which shares F's inbox), and an offer F's
    coordinator made for P on another referral."""
    invitations = []
    for _ in range(2):
        draft = commissioning.placement_request_create(
            organisation=cast.local_authority_a,
            details=referral_details(cast, start_by=timezone.localdate() + datetime.timedelta(days=7)),
            created_by=cast.commissioner_a,
        )
        home = HomeFactory(provider_organisation=registry_record(cast.provider_organisation_p))
        invitations += commissioning.placement_request_send(
            placement_request=draft, homes=[home], sent_by=cast.commissioner_a
        )
    offered = invitations[1]
    federated_offer = services.federation_offer_make(
        federation=federation, invitation=offered, home=offered.homes.get(),
        start_date=timezone.localdate() + datetime.timedelta(days=7),
        fees=commissioning.WeeklyFees(core=Decimal("5000.00")), conditions="", user=cast.provider_p,
    )  # fmt: skip
    return invitations[0], federated_offer
