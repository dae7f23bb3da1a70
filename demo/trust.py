"""A SYNTHETIC year of one relationship's log: Leeds City Council and the demo provider.

Both demo logins act in it (commissioner@example.org for Leeds, provider@example.org for the
provider), so either side can open /relationships/ and keep the log going. The story is
written through the trust services, interleaved in time order with the service's own
entries for the pair's synthetic referrals, so the hash chain is a real one:
meetings, commitments kept and missed, a concern put right through a restorative case that is
closed, and a second concern whose case is open at its agreement stage for the demo to review
and close. Pulse check-ins cover the past quarters; one commitment falls due in two days (the
nightly reminder) and one is overdue (the nightly "missed" entry). Every entry says nothing
about any child.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import MembershipRole, Notification, Organisation, OrganisationKind, User
from accounts.services import membership_set
from commissioning.models import Invitation, Offer, Placement
from demo.homes import DEMO_PROVIDER_NAME, synthetic_user
from demo.journey import SYNTHETIC_COMMISSIONER, authority_organisation
from demo.placements import DEMO_TODAY
from geography.models import LocalAuthority
from trust.journey import journey_event_record
from trust.models import Entry, EntryType, PulseCheckIn, Relationship, RelationshipOrigin
from trust.services import (
    pulse_check_in_submit,
    relationship_get_or_create,
    restorative_case_open,
    system_entry_record,
    trust_entry_add,
)

LONDON = ZoneInfo("Europe/London")
LEEDS_ORGANISATION = "Leeds City Council"
COMMISSIONER = "commissioner@example.org"
PROVIDER_STAFF = "provider@example.org"


@dataclass
class _Story:
    """Who writes, and the entries written so far by name (for replies and cases)."""

    relationship: Relationship
    local_authority: Organisation
    provider: Organisation
    commissioner: User
    provider_staff: User
    written: dict[str, Entry] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)

    def side(self, who: str) -> tuple[Organisation, User]:
        if who == "la":
            return self.local_authority, self.commissioner
        return self.provider, self.provider_staff

    def write(self, name: str, at: datetime.datetime, who: str, entry_type: EntryType, body: str, **extra: Any) -> None:
        organisation, user = self.side(who)
        replies_to = self.written[extra.pop("replies_to")] if "replies_to" in extra else None
        corrects = self.written[extra.pop("corrects")] if "corrects" in extra else None
        payload = extra.pop("payload", {})
        if "case" in extra:
            payload["restorative_case"] = self.cases[extra.pop("case")]
        self.written[name] = trust_entry_add(
            relationship=self.relationship,
            entry_type=entry_type,
            author_organisation=organisation,
            author_user=user,
            body=body,
            payload=payload,
            replies_to=replies_to,
            corrects=corrects,
            now=at,
        )

    def open_case(self, name: str, at: datetime.datetime, concern: str, who: str) -> None:
        organisation, user = self.side(who)
        case = restorative_case_open(concern=self.written[concern], opened_by=user, organisation=organisation, now=at)
        self.cases[name] = case.pk


@dataclass(frozen=True)
class TrustStory:
    entries: int
    story_written: bool


_Step = tuple[datetime.datetime, Callable[[], object]]


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)


def _year_story(story: _Story) -> list[_Step]:
    """The relationship over the synthetic year, dated back from DEMO_TODAY."""

    def day(days_before: int, hour: int = 10) -> datetime.datetime:
        return _at(DEMO_TODAY - datetime.timedelta(days=days_before), hour)

    commitment = {
        "what": "Share the updated statement of purpose for all eight homes",
        "by_whom": "Responsible individual",
        "due_date": (DEMO_TODAY - datetime.timedelta(days=260)).isoformat(),
    }
    risk_commitment = {
        "what": "Send the impact risk assessment with every referral",
        "by_whom": "Leeds placements team",
        "due_date": (DEMO_TODAY - datetime.timedelta(days=210)).isoformat(),
    }
    agreement_actions = [
        {"action": "Attach the education plan before a referral is sent", "owner": "Leeds placements team"},
        {"action": "Confirm receipt of the plan within one working day", "owner": "Registered managers"},
    ]
    s = story
    return [
        (day(330), lambda: s.write("intro", day(330), "la", EntryType.MEETING_RECORD,
            "Introductory meeting. We agreed to use this log for everything we promise each other, and to "
            "meet each quarter.", payload={"held_on": (DEMO_TODAY - datetime.timedelta(days=331)).isoformat()})),
        (day(329), lambda: s.write("intro-fix", day(329), "la", EntryType.NOTE,
            "Correction: the meeting was held at Harbour House's office, not at Merrion House.",
            corrects="intro")),
        (day(290), lambda: s.write("sop", day(290), "provider", EntryType.COMMITMENT,
            "We will share the updated statements of purpose so referrals reach the right homes.",
            payload={**commitment, "owner_organisation": s.provider.pk})),
        (day(265), lambda: s.write("sop-kept", day(265), "provider", EntryType.COMMITMENT_UPDATE,
            "Sent to the placements team and uploaded to each home's profile.",
            payload={"outcome": "kept"}, replies_to="sop")),
        (day(240), lambda: s.write("risk", day(240), "la", EntryType.COMMITMENT,
            "We will send the impact risk assessment with every referral, not after the offer.",
            payload={**risk_commitment, "owner_organisation": s.local_authority.pk})),
        (day(205), lambda: s.write("risk-missed", day(205), "la", EntryType.COMMITMENT_UPDATE,
            "We missed this: two referrals went out without it while the team was short-staffed.",
            payload={"outcome": "missed"}, replies_to="risk")),
        (day(204), lambda: s.write("risk-reply", day(204), "provider", EntryType.REPLY,
            "Thank you for saying so. It meant one home declined a child it could have cared for.",
            replies_to="risk-missed")),
        (day(165), lambda: s.write("concern-1", day(165), "provider", EntryType.CONCERN,
            "Two children arrived in May without their education plans; schools could not start them for "
            "three weeks.")),
        (day(160), lambda: s.write("concern-1-reply", day(160), "la", EntryType.REPLY,
            "We accept this. The plans were held by the virtual school and not attached at referral.",
            replies_to="concern-1")),
        (day(158, 11), lambda: s.open_case("case-1", day(158, 11), "concern-1", "provider")),
        (day(145), lambda: s.write("case-1-talk", day(145), "la", EntryType.RESTORATIVE_CONVERSATION,
            "Restorative conversation with both managers and the virtual school head. We named how it felt "
            "on each side; we moved from recrimination towards rapprochement.",
            payload={"held_on": (DEMO_TODAY - datetime.timedelta(days=147)).isoformat(),
                     "relationship_state": "rapprochement"}, case="case-1")),
        (day(140), lambda: s.write("case-1-agreement", day(140), "la", EntryType.AGREEMENT,
            "What we agreed, with who will do it.",
            payload={"actions": agreement_actions, "relationship_state": "reconciliation"}, case="case-1")),
        (day(60), lambda: s.write("case-1-action-0", day(60), "la", EntryType.ACTION_UPDATE,
            "Every referral since July has had its education plan attached.",
            payload={"action": 0, "status": "done"}, replies_to="case-1-agreement")),
        (day(58), lambda: s.write("case-1-action-1", day(58), "provider", EntryType.ACTION_UPDATE,
            "Managers confirm receipt the same day; the log of confirmations is kept in each home.",
            payload={"action": 1, "status": "done"}, replies_to="case-1-agreement")),
        (day(45), lambda: s.write("case-1-review", day(45), "provider", EntryType.REVIEW,
            "Joint review three months on: both actions done, no child has arrived without a plan since. We "
            "asked two young people what starting school felt like this time.",
            payload={"quality_perspective": "democratic", "closes_case": True, "relationship_state": "reconciliation"},
            case="case-1")),
        (day(30), lambda: s.write("reflection", day(30), "provider", EntryType.LEARNING_REFLECTION,
            "What we learnt: a missing document is rarely one person's fault; the gap was between two teams.")),
        (day(20), lambda: s.write("thanks", day(20), "la", EntryType.APPRECIATION,
            "Thank you to the team at the Leeds homes for taking a child at four hours' notice last week.")),
    ]  # fmt: skip


def _recent_story(story: _Story, today: datetime.date) -> list[_Step]:
    """The last fortnight, dated back from today: what is live when someone opens the demo."""

    def day(days_before: int, hour: int = 10) -> datetime.datetime:
        return _at(today - datetime.timedelta(days=days_before), hour)

    s = story
    rota = {
        "what": "Publish the weekend on-call rota for emergency enquiries",
        "by_whom": "Operations manager",
        "due_date": (today + datetime.timedelta(days=2)).isoformat(),
    }
    visits = {
        "what": "Book the quarterly visits to the three Leeds homes",
        "by_whom": "Leeds placements team",
        "due_date": (today - datetime.timedelta(days=3)).isoformat(),
    }
    return [
        (day(16), lambda: s.write("visits", day(16), "la", EntryType.COMMITMENT,
            "We will book our quarterly visits before the month is out.",
            payload={**visits, "owner_organisation": s.local_authority.pk})),
        (day(14), lambda: s.write("concern-2", day(14), "la", EntryType.CONCERN,
            "Two emergency enquiries on Saturday evenings went unanswered; we placed both children out of "
            "area.")),
        (day(13), lambda: s.write("concern-2-reply", day(13), "provider", EntryType.REPLY,
            "We are sorry. Our weekend cover relied on one manager's mobile; that is not good enough.",
            replies_to="concern-2")),
        (day(12, 11), lambda: s.open_case("case-2", day(12, 11), "concern-2", "la")),
        (day(8), lambda: s.write("case-2-talk", day(8), "provider", EntryType.RESTORATIVE_CONVERSATION,
            "Conversation held by video; both sides heard. Still some resentment about the out-of-area moves, "
            "and a shared wish to put it right.",
            payload={"held_on": (today - datetime.timedelta(days=9)).isoformat(),
                     "relationship_state": "rapprochement"}, case="case-2")),
        (day(6), lambda: s.write("case-2-agreement", day(6), "la", EntryType.AGREEMENT,
            "Agreed: a weekend rota, and a named Leeds contact for out-of-hours placements.",
            payload={"actions": [
                {"action": "Publish a weekend on-call rota", "owner": "Harbour House operations manager"},
                {"action": "Name an out-of-hours placements contact", "owner": "Leeds emergency duty team"},
            ], "relationship_state": "rapprochement"}, case="case-2")),
        (day(6, 11), lambda: s.write("rota", day(6, 11), "provider", EntryType.COMMITMENT,
            "We will publish the rota before the next weekend.",
            payload={**rota, "owner_organisation": s.provider.pk})),
    ]  # fmt: skip


def _journey_steps(local_authority: Organisation, provider: Organisation) -> list[_Step]:
    """The service's own entries for every referral of the demo logins' organisations (Leeds's
    referrals, and those sent to the demo provider), each at the moment it happened."""
    invitations = (
        Invitation.objects.filter(
            Q(placement_request__organisation=local_authority) | Q(provider_organisation__organisation=provider)
        )
        .select_related("decline")
        .order_by("pk")
    )
    steps: list[_Step] = []

    def record(kind: str, object_id: int) -> Callable[[], object]:
        return lambda: journey_event_record(kind=kind, object_id=object_id)

    for invitation in invitations:
        steps.append((invitation.sent_at, record("invitation_sent", invitation.pk)))
        decline = getattr(invitation, "decline", None)
        if decline is not None:
            steps.append((decline.declined_at, record("declined", invitation.pk)))
        if invitation.status == Invitation.Status.EXPIRED:
            steps.append((invitation.deadline, record("deadline_missed", invitation.pk)))
    for offer in Offer.objects.filter(invitation__in=invitations):
        steps.append((offer.made_at, record("offer_made", offer.pk)))
    for placement in Placement.objects.filter(offer__invitation__in=invitations):
        steps.append((placement.created_at, record("placement_made", placement.pk)))
        if placement.end_date is not None:
            steps.append((_at(placement.end_date, 17), record("placement_ended", placement.pk)))
    return steps


PULSE_ANSWERS = [
    # (quarters before this one, side, scores for the four questions in PulseCheckIn.QUESTIONS order)
    (3, "la", (3, 3, 2, 3)),
    (3, "provider", (3, 2, 3, 3)),
    (2, "la", (2, 3, 2, 3)),
    (2, "provider", (2, 2, 2, 3)),
    (1, "la", (4, 4, 3, 4)),
    (1, "provider", (4, 4, 4, 3)),
    (0, "la", (4, 4, 4, 4)),
]


def _pulses(story: _Story, today: datetime.date) -> None:
    """Four quarters of answers, dipping with the first concern and rising as it was put
    right; this quarter answered by Leeds only, so the provider's login can answer it."""
    for quarters_back, who, answers in PULSE_ANSWERS:
        organisation, user = story.side(who)
        pulse_check_in_submit(
            relationship=story.relationship,
            organisation=organisation,
            submitted_by=user,
            scores=dict(zip(PulseCheckIn.QUESTIONS, answers, strict=True)),
            today=_quarter_day(today, quarters_back),
        )


def _quarter_day(today: datetime.date, quarters_back: int) -> datetime.date:
    month_index = today.year * 12 + today.month - 1 - 3 * quarters_back
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


# The sector barometer (ADR 28) shows a region's figure from 10 relationships of 3 authorities:
# Leeds with eight providers and six more Yorkshire authorities with the demo provider, with
# the story's pair, make fifteen relationships of seven authorities in Yorkshire and The Humber.
BAROMETER_PROVIDERS, BAROMETER_AUTHORITIES = 8, 6
# The synthetic authorities' average answer in each past quarter, oldest first: trust dips, then
# recovers. This quarter is left for the logins to answer.
BAROMETER_TREND = {5: 3.2, 4: 2.8, 3: 2.6, 2: 3.0, 1: 3.4}


def _barometer_relationships(local_authority: Organisation, provider: Organisation) -> list[Relationship]:
    """SYNTHETIC pairs for the barometer, every one with Leeds or the demo provider (the only
    organisations with logs in the demo): Leeds and other providers in the service, and the
    demo provider and other Yorkshire authorities."""
    providers = (
        Organisation.objects.filter(kind=OrganisationKind.PROVIDER)
        .exclude(pk=provider.pk)
        .order_by("name", "pk")[:BAROMETER_PROVIDERS]
    )
    home_authority = local_authority.local_authority
    assert home_authority is not None  # noqa: S101 - a local-authority organisation
    authorities = (
        LocalAuthority.objects.filter(region=home_authority.region_id, is_current=True)
        .exclude(pk=home_authority.pk)
        .order_by("ons_code")[:BAROMETER_AUTHORITIES]
    )
    pairs = [(local_authority, other, RelationshipOrigin.LOCAL_AUTHORITY) for other in providers]
    pairs += [(authority_organisation(other), provider, RelationshipOrigin.COUNTERPART) for other in authorities]
    return [
        relationship_get_or_create(local_authority_organisation=authority, counterpart=counterpart, created_via=origin)
        for authority, counterpart, origin in pairs
    ]


def _answering_for(organisation: Organisation, synthetic: User) -> User:
    """The organisation's first member (a demo login where there is one), else the inactive
    synthetic member of staff, who cannot sign in."""
    membership = organisation.memberships.select_related("user").order_by("pk").first()
    if membership is not None:
        return membership.user
    membership_set(user=synthetic, organisation=organisation, role=MembershipRole.MEMBER)
    return synthetic


def _barometer_pulses(local_authority: Organisation, provider: Organisation, today: datetime.date) -> int:
    """Past quarters' SYNTHETIC answers of each synthetic pair's authority, once: a pair that
    has answered before is left as it is. Returns how many were written."""
    synthetic = synthetic_user(SYNTHETIC_COMMISSIONER, "Synthetic commissioner (demo data)")
    written = 0
    for index, relationship in enumerate(_barometer_relationships(local_authority, provider)):
        if relationship.pulse_check_ins.exists():
            continue
        user = _answering_for(relationship.local_authority, synthetic)
        for quarters_back, mean in BAROMETER_TREND.items():
            # A spread of -1 to +1 around the quarter's mean, the same on every load.
            scores = [min(5, max(1, round(mean + ((index + question) % 3 - 1) * 0.8))) for question in range(4)]
            pulse_check_in_submit(
                relationship=relationship,
                organisation=relationship.local_authority,
                submitted_by=user,
                scores=dict(zip(PulseCheckIn.QUESTIONS, scores, strict=True)),
                today=_quarter_day(today, quarters_back),
            )
            written += 1
    return written


@transaction.atomic
def demo_trust_load(*, today: datetime.date | None = None) -> TrustStory:
    """Record the journey's entries for the demo logins' organisations (the synthetic year is
    loaded with journey events paused) and, once, the demo relationship's story among them."""
    today = today or timezone.localdate()
    local_authority = Organisation.objects.get(name=LEEDS_ORGANISATION)
    provider = Organisation.objects.get(name=DEMO_PROVIDER_NAME)
    steps = _journey_steps(local_authority, provider)
    relationship = relationship_get_or_create(
        local_authority_organisation=local_authority, counterpart=provider, created_via=RelationshipOrigin.INVITATION
    )
    told = relationship.entries.exclude(entry_type=EntryType.SYSTEM).exists()
    if not told:
        story = _Story(
            relationship,
            local_authority,
            provider,
            commissioner=User.objects.get(email=COMMISSIONER),
            provider_staff=User.objects.get(email=PROVIDER_STAFF),
        )
        steps += _year_story(story) + _recent_story(story, today)
    steps.sort(key=lambda step: step[0])
    if not told and steps:
        system_entry_record(
            relationship=relationship,
            event="relationship_opened",
            event_key="relationship_opened",
            body="The relationship's log began with Leeds City Council's first referral to the provider.",
            now=steps[0][0] - datetime.timedelta(minutes=1),
        )
    before = Entry.objects.count()
    first_notification = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    for _moment, step in steps:
        step()
    # The story's news is months old: read already, so the logins' notifications show what is live.
    Notification.objects.filter(pk__gt=first_notification).update(read_at=timezone.now())
    if not told:
        _pulses(story, today)
    _barometer_pulses(local_authority, provider, today)
    return TrustStory(entries=Entry.objects.count() - before, story_written=not told)
