"""One factory per meaningful state."""

from __future__ import annotations

import datetime

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from accounts.models import Invitation, Membership, MembershipRole, Organisation, OrganisationKind, User
from geography.models import LocalAuthority
from providers.models import Home, HomeKind, Judgement, ProviderOrganisation, Sector

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = OrganisationKind.ORGANISER


class LocalAuthorityOrganisationFactory(OrganisationFactory):
    kind = OrganisationKind.LOCAL_AUTHORITY
    # Looked up when built, so a test that reloaded the reference data still finds them.
    local_authority = factory.Sequence(
        lambda n: LocalAuthority.objects.filter(is_current=True).order_by("ons_code")[n % 153]
    )
    name = factory.LazyAttribute(lambda o: f"{o.local_authority.name} Council")


class ProviderOrganisationFactory(OrganisationFactory):
    kind = OrganisationKind.PROVIDER

    @factory.post_generation
    def registry_record(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            ProviderOrganisation.objects.create(name=obj.name, organisation=obj)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.MEMBER


class AdminMembershipFactory(MembershipFactory):
    role = MembershipRole.ADMIN


def totp_activate(user: User) -> str:
    """Give the user a TOTP authenticator and recovery codes, as the set-up page does; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return secret


class PendingInvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = MembershipRole.MEMBER
    token_hash = factory.Sequence(lambda n: f"{n:064d}")
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(days=7))


class RegistryProviderFactory(factory.django.DjangoModelFactory[ProviderOrganisation]):
    """A registered provider as the Ofsted import makes it (not yet a service organisation)."""

    class Meta:
        model = ProviderOrganisation

    name = factory.Sequence(lambda n: f"Provider {n} Limited")
    normalised_name = factory.LazyAttribute(lambda o: o.name.upper())


class HomeFactory(factory.django.DjangoModelFactory[Home]):
    """An open private children's home in a real local authority, first seen in March 2020."""

    class Meta:
        model = Home

    urn = factory.Sequence(lambda n: f"SC{900000 + n}")
    kind = HomeKind.CHILDRENS_HOME
    provision_type = "Children's home"
    registration_status = "Active"
    local_authority = factory.Sequence(
        lambda n: LocalAuthority.objects.filter(is_current=True).order_by("ons_code")[n % 153]
    )
    sector = Sector.PRIVATE
    places = 4
    provider_organisation = factory.SubFactory(RegistryProviderFactory)
    registered_owner_name = factory.LazyAttribute(
        lambda o: o.provider_organisation.name if o.provider_organisation else ""
    )
    overall_judgement = Judgement.GOOD
    first_seen_on = datetime.date(2020, 3, 31)
    last_seen_on = datetime.date(2025, 3, 31)
