"""Relationship indicators on a relationship built step by step, with the exact figures the
definitions give."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Organisation
from commissioning import services
from commissioning.models import DeclineReason, PlacementRequest
from providers.models import Federation
from tests.commissioning.conftest import SENT_AT, Journey, provider_of, referral_details
from tests.conftest import Cast
from tests.factories import HomeFactory
from trust.indicators import DEFINITIONS, relationship_indicators_recompute, relationship_indicators_recompute_all
from trust.models import Entry, EntryType, Relationship, RelationshipIndicators, RelationshipOrigin
from trust.services import (
    pulse_check_in_submit,
    relationship_get_or_create,
    restorative_case_open,
    system_entry_record,
    trust_entry_add,
)

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
NOW = datetime.datetime(2026, 5, 1, 12, 0, tzinfo=datetime.UTC)


def at(day: int, month: int = 4) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 10, 0, tzinfo=datetime.UTC)


@dataclass
class World:
    cast: Cast
    journey: Journey
    monkeypatch: pytest.MonkeyPatch

    def referral(self, homes: list[Any], sent_at: datetime.datetime) -> PlacementRequest:
        draft = services.placement_request_create(
            organisation=self.cast.local_authority_a,
            details=referral_details(self.cast),
            created_by=self.cast.commissioner_a,
        )
        services.placement_request_send(
            placement_request=draft, homes=homes, sent_by=self.cast.commissioner_a, now=sent_at
        )
        return draft

    def offer(self, request: PlacementRequest, provider: str, home: Any, made_at: datetime.datetime) -> Any:
        organisation = getattr(self.cast, f"provider_organisation_{provider}")
        return services.offer_make(
            invitation=request.invitations.get(provider_organisation__organisation=organisation),
            home=home,
            start_date=datetime.date(2026, 3, 16),
            fees=services.WeeklyFees(core=Decimal("5000.00")),
            conditions="",
            made_by=self.cast.provider_p if provider == "p" else self.cast.provider_q,
            now=made_at,
        )

    def decline(self, request: PlacementRequest, provider: str, declined_at: datetime.datetime) -> None:
        organisation = getattr(self.cast, f"provider_organisation_{provider}")
        services.invitation_decline(
            invitation=request.invitations.get(provider_organisation__organisation=organisation),
            reason=DeclineReason.NO_VACANCY,
            note="",
            declined_by=self.cast.provider_p if provider == "p" else self.cast.provider_q,
            now=declined_at,
        )

    def entry(
        self, relationship: Relationship, side: str, entry_type: str, when: datetime.datetime, **extra: Any
    ) -> Entry:
        organisation, user = (
            (self.cast.local_authority_a, self.cast.commissioner_a)
            if side == "la"
            else (self.cast.provider_organisation_p, self.cast.provider_p)
        )
        return trust_entry_add(
            relationship=relationship,
            entry_type=EntryType(entry_type),
            author_organisation=organisation,
            author_user=user,
            body=f"A {entry_type} written on {when:%d %B}.",
            now=when,
            **extra,
        )

    def pinned(self, when: datetime.datetime, action: Callable[[], Any]) -> Any:
        """Run a service that stamps the time itself as if it were `when`."""
        with self.monkeypatch.context() as patch:
            patch.setattr(timezone, "now", lambda: when)
            return action()


@pytest.fixture
def world(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> World:
    provider_p, provider_q = provider_of(cast.provider_organisation_p), provider_of(cast.provider_organisation_q)
    journey = Journey(
        cast=cast,
        draft=services.placement_request_create(
            organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_a
        ),
        home_p1=HomeFactory(provider_organisation=provider_p),
        home_p2=HomeFactory(provider_organisation=provider_p),
        home_q=HomeFactory(provider_organisation=provider_q),
    )
    return World(cast=cast, journey=journey, monkeypatch=monkeypatch)


def the_journey(world: World) -> None:
    """Four referrals and four placements between authority A and providers P and Q.

    P answers in 2, 6 and 10 hours (one referral it never answers); the commissioner decides on
    P's offers in 3 and 20 hours. Q answers in 1 and 4 hours."""
    journey, cast = world.journey, world.cast
    journey.send()  # 1: to P (two homes) and Q
    offer = journey.offer("p")  # + 2 hours
    world.decline(journey.draft, "q", SENT_AT + HOUR)
    placement = services.offer_accept(
        offer=offer, accepted_by=cast.commissioner_a, reason="Fit.", now=SENT_AT + 5 * HOUR
    )
    services.placement_end(
        placement=placement, end_date=datetime.date(2026, 4, 1), ended_as_planned=False, ended_by=cast.commissioner_a
    )

    second = world.referral([journey.home_p1], SENT_AT + DAY)
    world.decline(second, "p", SENT_AT + DAY + 6 * HOUR)

    third = world.referral([journey.home_p1, journey.home_q], SENT_AT + 2 * DAY)
    world.offer(third, "p", journey.home_p1, SENT_AT + 2 * DAY + 10 * HOUR)
    world.offer(third, "q", journey.home_q, SENT_AT + 2 * DAY + 4 * HOUR)
    services.placement_request_withdraw(
        placement_request=third,
        reason="Family found.",
        withdrawn_by=cast.commissioner_a,
        now=SENT_AT + 2 * DAY + 30 * HOUR,
    )

    world.referral([journey.home_p1], SENT_AT + 3 * DAY)  # never answered
    services.placement_requests_expire(now=SENT_AT + 8 * DAY)

    authority_a, authority_b = cast.local_authority_a.local_authority, cast.local_authority_b.local_authority
    assert authority_a is not None
    assert authority_b is not None
    placed = {"start_date": datetime.date(2025, 6, 1)}
    # Recorded from the authority's returns, not through the service: still between A and P.
    journey.home_p2.placements.create(
        local_authority=authority_a, end_date=datetime.date(2025, 12, 1), ended_as_planned=True, **placed
    )
    # Another authority's placement in P's home, and A's in Q's home: not between A and P.
    journey.home_p1.placements.create(
        local_authority=authority_b, ended_as_planned=False, end_date=datetime.date(2025, 9, 1), **placed
    )
    journey.home_q.placements.create(
        local_authority=authority_a, ended_as_planned=False, end_date=datetime.date(2025, 9, 1), **placed
    )


def the_log(world: World, relationship: Relationship) -> None:
    """Concerns in each state, three commitments, the last person's entry on 28 April."""
    cast = world.cast
    unanswered = world.entry(relationship, "la", "concern", at(1))  # open, 30 days old on 1 May
    answered = world.entry(relationship, "la", "concern", at(5))
    world.entry(relationship, "p", "reply", at(6), replies_to=answered)
    in_a_case = world.entry(relationship, "la", "concern", at(10))
    world.entry(relationship, "p", "reply", at(11), replies_to=in_a_case)
    world.pinned(
        at(12),
        lambda: restorative_case_open(
            concern=in_a_case, opened_by=cast.provider_p, organisation=cast.provider_organisation_p
        ),
    )
    case_closed = world.entry(relationship, "la", "concern", at(15))
    case = world.pinned(
        at(16),
        lambda: restorative_case_open(
            concern=case_closed, opened_by=cast.commissioner_a, organisation=cast.local_authority_a
        ),
    )
    world.entry(relationship, "la", "review", at(20), payload={"restorative_case": case.pk, "closes_case": True})
    assert unanswered.sequence == 1

    for due, outcome, when in (("2026-05-01", "kept", 22), ("2026-04-25", "missed", 26), ("2026-06-01", None, 21)):
        payload = {
            "what": f"Due {due}",
            "by_whom": "Manager",
            "owner_organisation": cast.provider_organisation_p.pk,
            "due_date": due,
        }
        commitment = world.entry(relationship, "p", "commitment", at(21), payload=payload)
        if outcome:
            world.entry(
                relationship, "p", "commitment_update", at(when), payload={"outcome": outcome}, replies_to=commitment
            )
    world.entry(relationship, "la", "note", at(28))
    system_entry_record(relationship=relationship, event="commitment_reminder", body="A reminder.", now=at(30))

    for organisation, user, day, scores in (
        (cast.local_authority_a, cast.commissioner_a, datetime.date(2026, 1, 15), (4, 3, 4, 5)),
        (cast.provider_organisation_p, cast.provider_p, datetime.date(2026, 2, 1), (3, 3, 2, 4)),
        (cast.local_authority_a, cast.commissioner_a, datetime.date(2026, 4, 15), (5, 4, 4, 4)),
    ):
        pulse_check_in_submit(
            relationship=relationship,
            organisation=organisation,
            submitted_by=user,
            scores=dict(
                zip(("commitments_honoured", "heard", "information_timely", "learn_together"), scores, strict=True)
            ),
            today=day,
        )


def figures(indicators: RelationshipIndicators) -> dict[str, Any]:
    return {field: getattr(indicators, field) for field in FIGURES}


FIGURES = [
    "commitments_kept", "commitments_missed", "commitments_open",
    "provider_response_hours_median", "provider_responses",
    "commissioner_response_hours_median", "commissioner_responses",
    "open_concerns", "oldest_open_concern_days", "days_since_dialogue",
    "placements_made", "unplanned_endings",
]  # fmt: skip


def test_the_indicators_of_an_authority_and_a_provider(world: World):
    cast = world.cast
    relationship = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.INVITATION,
    )
    the_journey(world)
    the_log(world, relationship)

    indicators = relationship_indicators_recompute(relationship=relationship, now=NOW)

    assert figures(indicators) == {
        "commitments_kept": 1,
        "commitments_missed": 1,
        "commitments_open": 1,
        "provider_response_hours_median": 6.0,  # 2, 6 and 10 hours
        "provider_responses": 3,
        "commissioner_response_hours_median": 11.5,  # 3 and 20 hours
        "commissioner_responses": 2,
        "open_concerns": 2,  # the unanswered one, and the one whose case is open
        "oldest_open_concern_days": 30,
        "days_since_dialogue": 3,  # the note of 28 April; the service's entry of the 30th does not count
        "placements_made": 2,
        "unplanned_endings": 1,
    }
    assert indicators.computed_at == NOW
    assert indicators.commitments_kept_share == 0.5
    la, p = cast.local_authority_a, cast.provider_organisation_p
    assert indicators.pulse_trend == [
        {"quarter_start": "2026-01-01", "organisation": la.pk, "organisation_name": la.name, "average": 4.0},
        {"quarter_start": "2026-01-01", "organisation": p.pk, "organisation_name": "Provider P", "average": 3.0},
        {"quarter_start": "2026-04-01", "organisation": la.pk, "organisation_name": la.name, "average": 4.25},
    ]


def test_a_federation_counts_its_member_providers(world: World, federation: Federation):
    cast = world.cast
    federation_organisation: Organisation = federation.organisation
    relationship = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a,
        counterpart=federation_organisation,
        created_via=RelationshipOrigin.LOCAL_AUTHORITY,
    )
    the_journey(world)

    indicators = relationship_indicators_recompute(relationship=relationship, now=NOW)

    assert figures(indicators) == {
        "commitments_kept": 0,
        "commitments_missed": 0,
        "commitments_open": 0,
        "provider_response_hours_median": 2.5,  # Q, the member: 1 and 4 hours
        "provider_responses": 2,
        "commissioner_response_hours_median": 26.0,  # Q's offer on the third referral, until withdrawn
        "commissioner_responses": 1,
        "open_concerns": 0,
        "oldest_open_concern_days": None,
        "days_since_dialogue": None,
        "placements_made": 1,
        "unplanned_endings": 1,
    }
    assert indicators.pulse_trend == []


def test_recomputing_all_keeps_one_row_per_relationship(world: World):
    cast = world.cast
    for counterpart in (cast.provider_organisation_p, cast.provider_organisation_q):
        relationship_get_or_create(
            local_authority_organisation=cast.local_authority_a,
            counterpart=counterpart,
            created_via=RelationshipOrigin.INVITATION,
        )
    the_journey(world)

    assert relationship_indicators_recompute_all(now=NOW) == 2
    assert relationship_indicators_recompute_all(now=NOW + DAY) == 2

    assert list(
        RelationshipIndicators.objects.order_by("relationship").values_list("placements_made", "computed_at")
    ) == [
        (2, NOW + DAY),
        (1, NOW + DAY),
    ]


def test_every_figure_has_a_definition():
    assert set(DEFINITIONS) == {
        "commitments_kept_share",
        "provider_response_hours_median",
        "commissioner_response_hours_median",
        "open_concerns",
        "days_since_dialogue",
        "placements",
        "pulse_trend",
    }
