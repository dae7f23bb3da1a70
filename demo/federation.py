"""The demo's federation: real small providers near Leeds, from Ofsted's register, in a
federation they have NOT formed. The membership is synthetic and labelled so on every page
(FederationProfile.is_synthetic); it is written through the federations' own services, with
the synthetic member of staff giving each provider's consent, so it reads like the real thing.

The demo provider login's provider is a member, so the demo commissioner's referrals to it
reach the federation's joint inbox, where the coordinator login reads them.
"""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.models import MembershipRole, User
from accounts.services import membership_set
from demo.homes import LEEDS, NEAR_LEEDS_KM, SYNTHETIC_PROVIDER_STAFF, _staff_for, authorities_near, synthetic_user
from federations import services
from geography.models import LocalAuthority
from providers.models import Federation, HomeKind, ProviderOrganisation, Sector

FEDERATION_NAME = "West Yorkshire Small Homes Federation (demo)"
COORDINATOR_EMAIL = "coordinator@example.org"
COORDINATOR_NAME = "Jordan Lee"
# Small: at most this many open children's homes. The federation has 5 to 8 members.
SMALL_PROVIDER_HOMES = 4
OTHER_MEMBERS = 6
MINIMUM_MEMBERS = 5
WEST_YORKSHIRE = ("E08000035", "E08000032", "E08000033", "E08000034", "E08000036")
PURPOSE = (
    "Small children's homes around Leeds answering referrals together, sharing training and "
    "cover, and speaking with one voice to the authorities that place with us."
)
CHARTER = (
    "We answer every referral the federation receives within one working day, yes or no, with a reason.\n"
    "We offer only homes whose registration and children already living there suit the child.\n"
    "We share training, night cover and a clinical psychologist between our homes.\n"
    "Each member keeps its own registration, its own homes and its own voice with Ofsted."
)


def small_providers_near_leeds(*, exclude: ProviderOrganisation) -> list[ProviderOrganisation]:
    """Real registered providers with 1 to SMALL_PROVIDER_HOMES open children's homes, none run by
    a council, with most of their homes near Leeds first."""
    near = authorities_near(LEEDS, NEAR_LEEDS_KM)
    open_homes = Q(homes__closed_on__isnull=True, homes__kind=HomeKind.CHILDRENS_HOME)
    return list(
        ProviderOrganisation.objects.exclude(pk=exclude.pk)
        .exclude(homes__sector=Sector.LOCAL_AUTHORITY)
        .annotate(
            open_homes=Count("homes", filter=open_homes),
            near_leeds=Count("homes", filter=open_homes & Q(homes__local_authority__in=near)),
        )
        .filter(open_homes__range=(1, SMALL_PROVIDER_HOMES), near_leeds__gt=0)
        .order_by("-near_leeds", "name", "pk")[:OTHER_MEMBERS]
    )


def _coordinator(founder: ProviderOrganisation, password: str, staff: User) -> User:
    _staff_for(founder, staff)  # the synthetic member of staff keeps its homes, as for other providers
    coordinator = User.objects.filter(email=COORDINATOR_EMAIL).first() or User.objects.create_user(
        email=COORDINATOR_EMAIL, password=password, full_name=COORDINATOR_NAME
    )
    assert founder.organisation is not None  # noqa: S101 - _staff_for made it
    membership_set(user=coordinator, organisation=founder.organisation, role=MembershipRole.ADMIN)
    return coordinator


def _join(federation: Federation, provider: ProviderOrganisation, *, coordinator: User, consenting: User) -> None:
    invitation = services.federation_member_invite(
        federation=federation, provider_organisation=provider, user=coordinator
    )
    services.federation_invitation_answer(membership=invitation, user=consenting, accept=True, shares_inbox=True)


def demo_federation_load(
    *, demo_provider: ProviderOrganisation, demo_provider_admin: User, password: str
) -> User | None:
    """The federation and its coordinator (once); None when the registry is not loaded."""
    existing = Federation.objects.filter(name=FEDERATION_NAME).first()
    if existing is not None:
        return User.objects.get(email=COORDINATOR_EMAIL)
    others = small_providers_near_leeds(exclude=demo_provider)
    if len(others) + 1 < MINIMUM_MEMBERS or not demo_provider.homes.exists():
        return None
    staff = synthetic_user(SYNTHETIC_PROVIDER_STAFF, "Synthetic provider staff (demo data)")
    founder, *rest = others
    coordinator = _coordinator(founder, password, staff)
    federation = services.federation_form(
        founder=founder, user=coordinator, name=FEDERATION_NAME, purpose=PURPOSE, charter=CHARTER,
        local_authorities=list(LocalAuthority.objects.filter(ons_code__in=WEST_YORKSHIRE)), regions=[],
        is_synthetic=True,
    )  # fmt: skip
    _join(federation, demo_provider, coordinator=coordinator, consenting=demo_provider_admin)
    for provider in rest:
        _staff_for(provider, staff)
        assert provider.organisation is not None  # noqa: S101 - _staff_for made it
        # The synthetic member of staff answers for the provider: the consent is synthetic too.
        membership_set(user=staff, organisation=provider.organisation, role=MembershipRole.ADMIN)
        _join(federation, provider, coordinator=coordinator, consenting=staff)
    return coordinator
