"""A SYNTHETIC year of the referral journey, and a few live items for the demo logins.

For the twelve months before DEMO_TODAY, local authorities send referrals to the providers
of matching real homes; providers decline (with reasons) or offer; the commissioner accepts
one offer for most requests, and withdraws or lets the others expire. Everything goes
through the commissioning services, so invitations, disclosures, notifications, outcomes
and placements are as consistent as real use would make them. The services take the
moment they act (`now`), so the year is written with its own dates; only a draft's
`created_at` and the notifications are dated afterwards. Every placement is marked
`is_synthetic`, every referral's summary starts "Synthetic demo referral."

Then, as of the real current time, two Leeds referrals with offers waiting for
commissioner@example.org and two open invitations for provider@example.org, so the whole
journey can be walked in a browser.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import MembershipRole, Notification, Organisation, OrganisationKind, User
from accounts.services import membership_set, organisation_create
from commissioning.deadlines import is_working_day
from commissioning.matching import candidate_homes
from commissioning.models import Invitation, LivingCompanions, Offer, Placement, PlacementRequest, Urgency
from commissioning.services import (
    ReferralDetails,
    invitation_decline,
    offer_accept,
    offer_make,
    placement_request_create,
    placement_request_send,
    placement_request_update,
    placement_request_withdraw,
    placement_requests_expire,
)
from demo.homes import (
    DEMO_PROVIDER_NAME,
    DEMO_PROVIDER_NEEDS,
    LEEDS,
    NEAR_LEEDS_KM,
    SYNTHETIC_PROVIDER_STAFF,
    authorities_near,
    homes_profile,
    synthetic_user,
)
from demo.placements import DEMO_TODAY
from demo.referrals import (
    ACCEPT_REASONS,
    CONDITIONS,
    WITHDRAW_REASONS,
    decline_answer,
    offer_fees,
    referral_details,
    referral_summary,
)
from geography.models import LocalAuthority
from providers.models import Home, ProviderOrganisation

LONDON = ZoneInfo("Europe/London")
SYNTHETIC_COMMISSIONER = "synthetic.commissioner@example.org"
YEAR_START = DEMO_TODAY.replace(year=DEMO_TODAY.year - 1)
PLACING_AUTHORITIES = 34
# Shares of the year's referrals: Leeds (the commissioner login's authority) and Manchester.
LEEDS_SHARE, MANCHESTER_SHARE = 0.12, 0.05
# What happens to a request, and how a provider answers an invitation.
OUTCOMES = {"placed": 75, "withdrawn": 10, "expired": 15}
ANSWERS = {"offer": 22, "decline": 68, "none": 10}


@dataclasses.dataclass(frozen=True)
class JourneyResult:
    created: bool
    homes_profiled: int
    referrals: int
    live_referrals: int


@dataclasses.dataclass
class _Cast:
    """Who acts: each organisation's first member (a demo login where there is one), else
    an inactive synthetic member of staff."""

    commissioner: User
    provider_staff: User
    acting: dict[int, User] = dataclasses.field(default_factory=dict)

    def for_organisation(self, organisation: Organisation, fallback: User) -> User:
        if organisation.pk not in self.acting:
            membership = organisation.memberships.select_related("user").order_by("pk").first()
            if membership is None:
                membership_set(user=fallback, organisation=organisation, role=MembershipRole.MEMBER)
            self.acting[organisation.pk] = membership.user if membership else fallback
        return self.acting[organisation.pk]

    def for_provider(self, provider: ProviderOrganisation) -> User:
        assert provider.organisation is not None  # noqa: S101 - invited providers act in the service
        return self.for_organisation(provider.organisation, self.provider_staff)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def authority_organisation(authority: LocalAuthority) -> Organisation:
    """The authority's organisation in the service, or a new "<name> (demo)" one."""
    existing = Organisation.objects.filter(local_authority=authority).first()
    if existing is not None:
        return existing
    return organisation_create(
        name=f"{authority.name} (demo)", kind=OrganisationKind.LOCAL_AUTHORITY, local_authority=authority
    )


def _placing_authorities(rng: random.Random) -> list[LocalAuthority]:
    """Leeds, Manchester and a fixed sample of other current authorities with a position."""
    authorities = list(LocalAuthority.objects.filter(is_current=True, easting__isnull=False).order_by("ons_code"))
    named = [a for a in authorities if a.ons_code in (LEEDS, "E08000003")]
    others = [a for a in authorities if a not in named]
    return named + rng.sample(others, min(PLACING_AUTHORITIES, len(others)))


def _placing_authority(rng: random.Random, authorities: list[LocalAuthority]) -> LocalAuthority:
    draw = rng.random()
    by_code = {a.ons_code: a for a in authorities}
    if draw < LEEDS_SHARE and LEEDS in by_code:
        return by_code[LEEDS]
    if draw < LEEDS_SHARE + MANCHESTER_SHARE and "E08000003" in by_code:
        return by_code["E08000003"]
    return rng.choice(authorities)


def _sending_times(rng: random.Random, count: int) -> list[datetime.datetime]:
    """`count` moments in working hours, the same number in each of the twelve months."""
    times = []
    for index in range(count):
        month = (YEAR_START.month - 1 + index % 12) % 12 + 1
        year = YEAR_START.year + (YEAR_START.month - 1 + index % 12) // 12
        days = [
            day
            for day in (datetime.date(year, month, 1) + datetime.timedelta(days=n) for n in range(31))
            if day.month == month and is_working_day(day) and YEAR_START <= day < DEMO_TODAY
        ]
        moment = datetime.time(rng.randint(9, 14), rng.choice([0, 10, 20, 30, 40, 50]))
        times.append(datetime.datetime.combine(rng.choice(days), moment, tzinfo=LONDON))
    return sorted(times)


def _draft_with_candidates(
    details: ReferralDetails, organisation: Organisation, user: User, on: datetime.date
) -> tuple[PlacementRequest, list[Home]]:
    """A draft and the homes it reaches, looking further afield if nothing is near."""
    draft = placement_request_create(organisation=organisation, details=details, created_by=user)
    candidates = candidate_homes(draft, on=on)
    if not candidates:
        wider = dataclasses.replace(details, maximum_distance_km=300)
        draft = placement_request_update(placement_request=draft, details=wider, updated_by=user)
        candidates = candidate_homes(draft, on=on)
    return draft, [candidate.home for candidate in candidates]


def _answer_moment(rng: random.Random, invitation: Invitation) -> datetime.datetime:
    return invitation.sent_at + (invitation.deadline - invitation.sent_at) * rng.uniform(0.05, 0.9)


def _offer(
    rng: random.Random, invitation: Invitation, user: User, start: datetime.date, now: datetime.datetime
) -> Offer:
    home = invitation.homes.order_by("urn").first()
    assert home is not None  # noqa: S101 - an invitation names at least one home
    return offer_make(
        invitation=invitation,
        home=home,
        start_date=start,
        fees=offer_fees(rng, start, home.sector),
        conditions=rng.choice(CONDITIONS),
        made_by=user,
        now=now,
    )


def _answer_all(
    rng: random.Random, invitations: list[Invitation], cast: _Cast, start: datetime.date, *, must_offer: bool
) -> tuple[list[Offer], datetime.datetime]:
    """Each provider offers, declines or stays silent; returns the offers and the last answer's time."""
    offers, last = [], invitations[0].sent_at
    for index, invitation in enumerate(invitations):
        answer = "offer" if must_offer and index == 0 else _pick(rng, ANSWERS)
        if answer == "none":
            continue
        moment, user = _answer_moment(rng, invitation), cast.for_provider(invitation.provider_organisation)
        last = max(last, moment)
        if answer == "offer":
            offers.append(_offer(rng, invitation, user, start, moment))
        else:
            reason, note = decline_answer(rng)
            invitation_decline(invitation=invitation, reason=reason, note=note, declined_by=user, now=moment)
    return offers, last


def _close(
    rng: random.Random, outcome: str, draft: PlacementRequest, offers: list[Offer], user: User, last: datetime.datetime
) -> datetime.datetime:
    """Accept an offer, withdraw, or let the request expire; returns when it closed."""
    closed = last + datetime.timedelta(hours=rng.uniform(1, 20))
    if outcome == "placed" and offers:
        chosen = min(offers, key=lambda o: o.weekly_fee) if rng.random() < 0.4 else rng.choice(offers)
        placement = offer_accept(offer=chosen, accepted_by=user, reason=rng.choice(ACCEPT_REASONS), now=closed)
        Placement.objects.filter(pk=placement.pk).update(is_synthetic=True)
    elif outcome == "withdrawn":
        placement_request_withdraw(
            placement_request=draft, reason=rng.choice(WITHDRAW_REASONS), withdrawn_by=user, now=closed
        )
    else:
        after_start = datetime.datetime.combine(draft.start_by + datetime.timedelta(days=1), datetime.time(7), LONDON)
        closed = max(after_start, last + datetime.timedelta(hours=1))
        placement_requests_expire(now=closed)
    return closed


def _sent_referral(
    rng: random.Random, organisation: Organisation, user: User, sent: datetime.datetime
) -> tuple[PlacementRequest, list[Invitation]] | None:
    """A referral sent to the homes it reaches; a child no home could take is tried again."""
    assert organisation.local_authority is not None  # noqa: S101 - a local-authority organisation
    latest_start = DEMO_TODAY - datetime.timedelta(days=1)
    for _attempt in range(3):
        details = referral_details(rng, organisation.local_authority, sent.date(), latest_start=latest_start)
        draft, homes = _draft_with_candidates(details, organisation, user, sent.date())
        if homes:
            limit = rng.randint(4, 12)
            return draft, placement_request_send(placement_request=draft, homes=homes[:limit], sent_by=user, now=sent)
        draft.delete()  # our own draft, never sent: nothing was disclosed
    return None


def _referral(rng: random.Random, authority: LocalAuthority, sent: datetime.datetime, cast: _Cast) -> bool:
    """One referral of the year, from draft to its close. False when no home could take it."""
    organisation = authority_organisation(authority)
    user = cast.for_organisation(organisation, cast.commissioner)
    first_notification = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    sent_referral = _sent_referral(rng, organisation, user, sent)
    if sent_referral is None:
        return False
    draft, invitations = sent_referral
    outcome = _pick(rng, OUTCOMES)
    offers, last = _answer_all(rng, invitations, cast, draft.start_by, must_offer=outcome == "placed")
    closed = _close(rng, outcome, draft, offers, user, last)
    PlacementRequest.objects.filter(pk=draft.pk).update(created_at=sent - datetime.timedelta(hours=rng.uniform(1, 30)))
    Notification.objects.filter(pk__gt=first_notification).update(created_at=closed, read_at=closed)
    return True


def _year_create(rng: random.Random, count: int, cast: _Cast, progress: Callable[[str], None]) -> int:
    authorities = _placing_authorities(rng)
    made = 0
    for index, sent in enumerate(_sending_times(rng, count)):
        made += _referral(rng, _placing_authority(rng, authorities), sent, cast)
        if (index + 1) % 100 == 0:
            progress(f"{index + 1} synthetic referrals")
    return made


# --- Live items, as of the real current time -----------------------------------------------


def _live_referral(
    rng: random.Random, organisation: Organisation, user: User, details: ReferralDetails
) -> tuple[PlacementRequest, list[Invitation]] | None:
    today = timezone.localdate()
    draft, homes = _draft_with_candidates(details, organisation, user, today)
    if not homes:
        draft.delete()
        return None
    return draft, placement_request_send(placement_request=draft, homes=homes[:8], sent_by=user)


def _live_details(rng: random.Random, authority: LocalAuthority, urgency: str, days: int) -> ReferralDetails:
    base = referral_details(rng, authority, timezone.localdate(), latest_start=datetime.date.max)
    needs = [code for code in base.need_codes if code in DEMO_PROVIDER_NEEDS] or ["emotional-behavioural"]
    return dataclasses.replace(
        base,
        age_years=14,
        urgency=urgency,
        start_by=timezone.localdate() + datetime.timedelta(days=days),
        need_codes=needs,
        summary=referral_summary(rng, 14, base.sex, needs),
        living_companions=LivingCompanions.ANY,
        maximum_distance_km=100,
    )


def _leeds_offers_waiting(rng: random.Random, cast: _Cast, demo_provider: ProviderOrganisation) -> int:
    """Two Leeds referrals with offers for commissioner@example.org to compare and accept."""
    leeds = Organisation.objects.filter(local_authority__ons_code=LEEDS).first()
    if leeds is None:
        return 0
    waiting = PlacementRequest.objects.filter(
        organisation=leeds, status=PlacementRequest.Status.SENT, offers__status=Offer.Status.OPEN
    )
    if waiting.exists():
        return 0
    user, made = cast.for_organisation(leeds, cast.commissioner), 0
    for urgency, days in ((Urgency.UNDER_5_DAYS, 7), (Urgency.OVER_5_DAYS, 14)):
        assert leeds.local_authority is not None  # noqa: S101 - a local-authority organisation
        sent = _live_referral(rng, leeds, user, _live_details(rng, leeds.local_authority, urgency, days))
        if sent is None:
            continue
        draft, invitations = sent
        # The demo provider's offer first, so the provider login's own offer is on the table.
        invitations.sort(key=lambda invitation: invitation.provider_organisation_id != demo_provider.pk)
        for index, invitation in enumerate(invitations):
            provider_user = cast.for_provider(invitation.provider_organisation)
            if index < 3:
                _offer(rng, invitation, provider_user, draft.start_by, timezone.now())
            elif index < 5:
                reason, note = decline_answer(rng)
                invitation_decline(invitation=invitation, reason=reason, note=note, declined_by=provider_user)
        made += 1
    return made


def _invitations_to_answer(rng: random.Random, cast: _Cast, demo_provider: ProviderOrganisation) -> int:
    """Two open invitations for provider@example.org, from authorities near Leeds."""
    now = timezone.now()
    if Invitation.objects.filter(
        provider_organisation=demo_provider, status=Invitation.Status.OPEN, deadline__gt=now
    ).exists():
        return 0
    demo_homes = list(demo_provider.homes.filter(closed_on__isnull=True, profile__isnull=False).order_by("urn"))
    near = LocalAuthority.objects.filter(pk__in=authorities_near(LEEDS, NEAR_LEEDS_KM)).exclude(ons_code=LEEDS)
    made = 0
    for authority in list(near.order_by("ons_code"))[:2] if demo_homes else []:
        organisation = authority_organisation(authority)
        user = cast.for_organisation(organisation, cast.commissioner)
        details = _live_details(rng, authority, Urgency.OVER_5_DAYS, 21)
        draft = placement_request_create(organisation=organisation, details=details, created_by=user)
        homes = [c.home for c in candidate_homes(draft, on=timezone.localdate())][:6]
        homes += [home for home in demo_homes[:1] if home not in homes]
        invitations = placement_request_send(placement_request=draft, homes=homes, sent_by=user)
        for invitation in invitations:
            if invitation.provider_organisation_id != demo_provider.pk and rng.random() < 0.5:
                reason, note = decline_answer(rng)
                invitation_decline(
                    invitation=invitation,
                    reason=reason,
                    note=note,
                    declined_by=cast.for_provider(invitation.provider_organisation),
                )
        made += 1
    return made


def _demo_provider() -> tuple[ProviderOrganisation, User]:
    provider = ProviderOrganisation.objects.select_related("organisation").get(
        organisation__name=DEMO_PROVIDER_NAME, organisation__kind=OrganisationKind.PROVIDER
    )
    assert provider.organisation is not None  # noqa: S101 - looked up through it
    membership = provider.organisation.memberships.select_related("user").order_by("pk").get()
    return provider, membership.user


@transaction.atomic
def demo_journey_load(
    *, referrals: int = 300, sample: int = 400, seed: int = 2026, progress: Callable[[str], None] = lambda _: None
) -> JourneyResult:
    """Profiles, the synthetic year (once) and the live items (whenever none is open). Runs
    after `demo_load`, which makes the demo organisations and logins."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    demo_provider, demo_staff = _demo_provider()
    cast = _Cast(
        commissioner=synthetic_user(SYNTHETIC_COMMISSIONER, "Synthetic commissioner (demo data)"),
        provider_staff=synthetic_user(SYNTHETIC_PROVIDER_STAFF, "Synthetic provider staff (demo data)"),
    )
    created = not Placement.objects.filter(is_synthetic=True, placement_request__isnull=False).exists()
    profiled = made = 0
    if created:
        profiled = homes_profile(demo_provider=demo_provider, demo_staff=demo_staff, sample=sample, seed=seed)
        progress(f"{profiled} homes given synthetic profiles and vacancies")
        made = _year_create(rng, referrals, cast, progress)
    live = _leeds_offers_waiting(rng, cast, demo_provider) + _invitations_to_answer(rng, cast, demo_provider)
    return JourneyResult(created=created, homes_profiled=profiled, referrals=made, live_referrals=live)
