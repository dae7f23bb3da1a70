"""The demo's homes: a real registered provider for the demo provider login, and SYNTHETIC
profiles and vacancies on a sample of real homes, so referrals have somewhere to go.

Ofsted's register says who runs each home, not what it can offer: the profiles (ages, sexes,
needs) and vacancies here are invented, written through the providers' own services by the
provider staff who keep them, and their statements of purpose say they are synthetic.
Every provider whose homes get a profile is linked to a service organisation named
"<registry name> (demo)" whose one member is an inactive synthetic member of staff, because
only a provider's own people may keep its homes or answer its referrals.
"""

from __future__ import annotations

import math
import random

from django.db.models import Count, Q

from accounts.models import MembershipRole, Organisation, OrganisationKind, User
from accounts.services import membership_set, organisation_create
from demo.placements import DEMO_TODAY
from geography.models import LocalAuthority
from providers.models import Home, HomeKind, Judgement, Need, ProviderOrganisation, RegisteredSex, Sector
from providers.services import home_profile_update, vacancy_add

DEMO_PROVIDER_NAME = "Harbour House Homes (demo)"
LEEDS = "E08000035"
NEAR_LEEDS_KM = 60
DEMO_PROVIDER_HOMES = (3, 8)
SYNTHETIC_PROVIDER_STAFF = "synthetic.provider.staff@example.org"
# Vacancies open from before the synthetic year starts, so every referral in it could match.
VACANCIES_FROM = DEMO_TODAY.replace(year=DEMO_TODAY.year - 1, day=1)
# How often a home is registered for each need (a home's profile draws each independently).
NEED_SHARE = {
    "emotional-behavioural": 0.95, "trauma-informed-care": 0.85, "going-missing": 0.75,
    "sexual-exploitation": 0.65, "criminal-exploitation": 0.65, "self-harm": 0.6, "mental-health": 0.55,
    "drug-alcohol-misuse": 0.4, "autism": 0.35, "learning-disability": 0.3, "therapeutic-care": 0.2,
    "harmful-sexual-behaviour": 0.15, "eating-disorder": 0.15, "solo-placement": 0.15,
    "unaccompanied-asylum-seeking": 0.15, "complex-health": 0.1, "physical-disability": 0.08,
    "sensory-impairment": 0.08, "parent-and-child": 0.04,
}  # fmt: skip
# The demo provider's homes take the needs most referrals ask for.
DEMO_PROVIDER_NEEDS = (
    "emotional-behavioural", "trauma-informed-care", "going-missing", "sexual-exploitation",
    "criminal-exploitation", "self-harm", "mental-health", "drug-alcohol-misuse",
)  # fmt: skip


def _open_childrens_homes() -> Q:
    return Q(homes__closed_on__isnull=True, homes__kind=HomeKind.CHILDRENS_HOME)


def authorities_near(ons_code: str, km: float) -> list[int]:
    """Ids of the authorities whose position lies within `km` of the given authority's."""
    positioned = LocalAuthority.objects.filter(easting__isnull=False, northing__isnull=False)
    centre = positioned.filter(ons_code=ons_code).values_list("easting", "northing").first()
    if centre is None:
        return []
    rows = positioned.values_list("pk", "easting", "northing")
    return [
        pk for pk, e, n in rows if math.hypot((e or 0) - (centre[0] or 0), (n or 0) - (centre[1] or 0)) <= km * 1000
    ]


def demo_provider_choose() -> ProviderOrganisation | None:
    """The registered provider with most open children's homes near Leeds, among those with
    3 to 8 open homes, none run by a council, and not yet acting in the service."""
    near = authorities_near(LEEDS, NEAR_LEEDS_KM)
    return (
        ProviderOrganisation.objects.filter(organisation__isnull=True)
        .exclude(homes__sector=Sector.LOCAL_AUTHORITY)
        .annotate(
            open_homes=Count("homes", filter=_open_childrens_homes()),
            near_leeds=Count("homes", filter=_open_childrens_homes() & Q(homes__local_authority__in=near)),
        )
        .filter(open_homes__range=DEMO_PROVIDER_HOMES, near_leeds__gt=0)
        .order_by("-near_leeds", "-open_homes", "name")
        .first()
    )


def demo_provider_link(organisation: Organisation) -> ProviderOrganisation:
    """Let the demo provider organisation act for a real registered provider. Without a
    registry (a fresh test database) it acts for a placeholder with no homes instead."""
    linked = ProviderOrganisation.objects.filter(organisation=organisation).first()
    if linked is not None and linked.homes.exists():
        return linked
    real = demo_provider_choose()
    if real is None:
        return linked or ProviderOrganisation.objects.create(name=DEMO_PROVIDER_NAME, organisation=organisation)
    if linked is not None:  # the placeholder of an earlier load, before the registry was there
        linked.organisation = None
        linked.save(update_fields=["organisation"])
        if not linked.referral_invitations.exists():
            linked.delete()
    real.organisation = organisation
    real.save(update_fields=["organisation"])
    return real


def synthetic_user(email: str, full_name: str) -> User:
    """An inactive member of staff who cannot sign in: the hand behind synthetic answers."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name, is_active=False)
    return user


def _staff_for(provider: ProviderOrganisation, staff: User) -> User:
    """Whoever keeps the provider's homes: its first member, or the synthetic member of staff
    in a new "(demo)" organisation."""
    if provider.organisation is None:
        provider.organisation = organisation_create(name=f"{provider.name} (demo)", kind=OrganisationKind.PROVIDER)
        provider.save(update_fields=["organisation"])
    membership = provider.organisation.memberships.select_related("user").order_by("pk").first()
    if membership is not None:
        return membership.user
    membership_set(user=staff, organisation=provider.organisation, role=MembershipRole.MEMBER)
    return staff


def _profile_needs(rng: random.Random, needs: dict[str, Need], demo: bool) -> list[Need]:
    if demo:
        return [needs[code] for code in DEMO_PROVIDER_NEEDS]
    return [need for code, need in needs.items() if rng.random() < NEED_SHARE.get(code, 0.1)]


def _profile_and_vacancy(rng: random.Random, home: Home, user: User, needs: list[Need], demo: bool) -> None:
    sexes = RegisteredSex.ANY if demo or rng.random() < 0.7 else rng.choice([RegisteredSex.MALE, RegisteredSex.FEMALE])
    home_profile_update(
        home=home,
        user=user,
        age_minimum=10 if demo else rng.choice([8, 10, 11, 12, 12, 13]),
        age_maximum=17 if demo else rng.choice([16, 17, 17, 17, 18]),
        sexes=sexes,
        needs=needs,
        statement_of_purpose="Synthetic demo profile (not the home's real statement of purpose): "
        "a small home offering relational, trauma-informed care and support with education.",
        takes_emergency_admissions=demo or rng.random() < 0.4,
    )
    places = 1 if (home.places or 1) < 3 or rng.random() < 0.7 else 2
    vacancy_add(home=home, user=user, places=places, available_from=VACANCIES_FROM, note="Synthetic demo vacancy")


def _sample(rng: random.Random, size: int, exclude: int) -> list[Home]:
    eligible = list(
        Home.objects.filter(
            kind=HomeKind.CHILDRENS_HOME,
            closed_on__isnull=True,
            provider_organisation__isnull=False,
            profile__isnull=True,
        )
        .exclude(sector=Sector.LOCAL_AUTHORITY)
        .exclude(overall_judgement=Judgement.INADEQUATE)
        .exclude(provider_organisation=exclude)
        .select_related("provider_organisation__organisation")
        .order_by("urn")
    )
    return rng.sample(eligible, min(size, len(eligible)))


def homes_profile(*, demo_provider: ProviderOrganisation, demo_staff: User, sample: int, seed: int) -> int:
    """Profiles and a vacancy for the demo provider's open homes and a sample of other real
    homes (once: a home with a profile is left as it is). Returns how many homes got one."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    needs = {need.code: need for need in Need.objects.all()}
    staff = synthetic_user(SYNTHETIC_PROVIDER_STAFF, "Synthetic provider staff (demo data)")
    own = demo_provider.homes.filter(kind=HomeKind.CHILDRENS_HOME, closed_on__isnull=True, profile__isnull=True)
    done = 0
    for home in own.order_by("urn"):
        _profile_and_vacancy(rng, home, demo_staff, _profile_needs(rng, needs, demo=True), demo=True)
        done += 1
    keepers: dict[int, User] = {}
    for home in _sample(rng, sample, exclude=demo_provider.pk):
        assert home.provider_organisation is not None  # noqa: S101 - filtered above
        if home.provider_organisation_id not in keepers:
            keepers[home.provider_organisation.pk] = _staff_for(home.provider_organisation, staff)
        user = keepers[home.provider_organisation.pk]
        _profile_and_vacancy(rng, home, user, _profile_needs(rng, needs, demo=False), demo=False)
        done += 1
    return done
