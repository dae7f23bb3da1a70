"""The referral journey writes the trust log: one system entry per event, once, in the log of
the local authority and the provider, never with the child's details in it."""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.db import transaction

from commissioning import services
from commissioning.events import JourneyEventKind
from commissioning.models import DeclineReason, Invitation, Offer, Placement
from tests.commissioning.conftest import SENT_AT, Journey, provider_of, referral_details
from tests.conftest import Cast
from tests.factories import HomeFactory
from trust.journey import journey_event_record, journey_events_reconcile
from trust.models import Entry, EntryType, Relationship, RelationshipOrigin
from trust.selectors import chain_verify
from trust.tasks import journey_event_record_task

T = TypeVar("T")
DECLINE_NOTE = "Two younger children in the home."
ACCEPT_REASON = "Closest to her school and friends."
EXPIRY_MORNING = datetime.datetime(2026, 3, 13, 9, 0, tzinfo=datetime.UTC)  # after Thursday's 17:00 deadline


@pytest.fixture
def journey(cast: Cast) -> Journey:
    """A draft referral of authority A, and homes of providers P (two) and Q (one)."""
    draft = services.placement_request_create(
        organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_a
    )
    provider_p, provider_q = provider_of(cast.provider_organisation_p), provider_of(cast.provider_organisation_q)
    return Journey(
        cast=cast,
        draft=draft,
        home_p1=HomeFactory(provider_organisation=provider_p),
        home_p2=HomeFactory(provider_organisation=provider_p),
        home_q=HomeFactory(provider_organisation=provider_q),
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], T]], T]:
    """Run a service and then its on-commit work, as a real commit would: the journey's events
    reach the trust log (the task runs in-process in tests)."""

    def run(action: Callable[[], T]) -> T:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def log_of(local_authority: Any, counterpart: Any) -> list[Entry]:
    return list(
        Entry.objects.filter(relationship__local_authority=local_authority, relationship__counterpart=counterpart)
    )


def events(entries: list[Entry]) -> list[str]:
    return [entry.payload["event"] for entry in entries]


def accept(
    journey: Journey, offer: Offer, *, now: datetime.datetime = SENT_AT + datetime.timedelta(hours=5)
) -> Placement:
    return services.offer_accept(offer=offer, accepted_by=journey.cast.commissioner_a, reason=ACCEPT_REASON, now=now)


def decline_q(journey: Journey) -> None:
    services.invitation_decline(
        invitation=journey.invitation("q"),
        reason=DeclineReason.IMPACT_ON_CHILDREN,
        note=DECLINE_NOTE,
        declined_by=journey.cast.provider_q,
        now=SENT_AT + datetime.timedelta(hours=1),
    )


# --- Each event, once -----------------------------------------------------------------------------


def test_a_sent_referral_opens_each_relationship_and_records_the_invitation(journey: Journey, committed):
    cast = journey.cast
    committed(journey.send)

    relationship = Relationship.objects.get(
        local_authority=cast.local_authority_a, counterpart=cast.provider_organisation_p
    )
    assert relationship.created_via == RelationshipOrigin.INVITATION
    opened, sent = log_of(cast.local_authority_a, cast.provider_organisation_p)
    referral, invitation = journey.draft.pk, journey.invitation("p").pk
    assert (opened.entry_type, opened.author_organisation, opened.created_at) == (EntryType.SYSTEM, None, SENT_AT)
    assert (
        opened.body
        == f"This log began with the first referral {cast.local_authority_a} sent to Provider P through the service."
    )
    assert opened.payload == {
        "event": "relationship_opened",
        "event_key": "relationship_opened",
        "created_via": "invitation",
        "first_event": f"invitation_sent:{invitation}",
    }
    assert (sent.author_organisation, sent.created_at) == (cast.local_authority_a, SENT_AT)
    assert (
        sent.body
        == f"{cast.local_authority_a} sent referral {referral} to Provider P, to answer by 12 March 2026 at 17:00."
    )
    assert sent.payload == {
        "event": "invitation_sent",
        "event_key": f"invitation_sent:{invitation}",
        "placement_request": referral,
        "invitation": invitation,
    }
    # One invitation to Q as well, in a log of its own.
    assert events(log_of(cast.local_authority_a, cast.provider_organisation_q)) == [
        "relationship_opened",
        "invitation_sent",
    ]
    assert Relationship.objects.count() == 2


def test_offer_decline_acceptance_and_unplanned_end_each_write_one_entry(journey: Journey, committed):
    cast = journey.cast
    committed(journey.send)
    referral = journey.draft.pk

    offer = committed(lambda: journey.offer("p"))
    [made] = log_of(cast.local_authority_a, cast.provider_organisation_p)[2:]
    assert (made.author_organisation, made.created_at) == (
        cast.provider_organisation_p,
        SENT_AT + datetime.timedelta(hours=2),
    )
    assert made.body == f"Provider P offered home {journey.home_p1.urn} for referral {referral}."
    assert made.payload == {
        "event": "offer_made",
        "event_key": f"offer_made:{offer.pk}",
        "placement_request": referral,
        "invitation": journey.invitation("p").pk,
        "offer": offer.pk,
        "home_urn": journey.home_p1.urn,
    }

    committed(lambda: decline_q(journey))
    [declined] = log_of(cast.local_authority_a, cast.provider_organisation_q)[2:]
    decline = journey.invitation("q").decline
    assert declined.author_organisation == cast.provider_organisation_q
    assert (
        declined.body == f"Provider Q declined referral {referral}. Reason: Impact on the children already in the home."
    )
    assert declined.payload == {
        "event": "declined",
        "event_key": f"declined:{journey.invitation('q').pk}",
        "placement_request": referral,
        "invitation": journey.invitation("q").pk,
        "decline": decline.pk,
        "reason": "impact_on_children",
    }

    placement = committed(lambda: accept(journey, offer))
    [placed] = log_of(cast.local_authority_a, cast.provider_organisation_p)[3:]
    assert (placed.author_organisation, placed.created_at) == (
        cast.local_authority_a,
        SENT_AT + datetime.timedelta(hours=5),
    )
    assert placed.body == (
        f"{cast.local_authority_a} accepted Provider P's offer of home {journey.home_p1.urn} for referral {referral}: "
        "a placement was made."
    )
    assert placed.payload == {
        "event": "placement_made",
        "event_key": f"placement_made:{placement.pk}",
        "placement": placement.pk,
        "home_urn": journey.home_p1.urn,
        "placement_request": referral,
        "offer": offer.pk,
    }

    committed(
        lambda: services.placement_end(
            placement=placement,
            end_date=datetime.date(2026, 6, 1),
            ended_as_planned=False,
            ended_by=cast.commissioner_a,
        )
    )
    [ended] = log_of(cast.local_authority_a, cast.provider_organisation_p)[4:]
    assert ended.author_organisation == cast.local_authority_a
    assert ended.body == (
        f"{cast.local_authority_a} recorded the end of the placement in home {journey.home_p1.urn} "
        f"(referral {referral}): an unplanned ending."
    )
    assert ended.payload["ended_as_planned"] is False
    assert events(log_of(cast.local_authority_a, cast.provider_organisation_p)) == [
        "relationship_opened", "invitation_sent", "offer_made", "placement_made", "placement_ended",
    ]  # fmt: skip
    # Accepting P's offer closed Q's declined invitation: that is no event of Q's.
    assert events(log_of(cast.local_authority_a, cast.provider_organisation_q)) == [
        "relationship_opened", "invitation_sent", "declined",
    ]  # fmt: skip


def test_an_invitation_expiring_unanswered_is_a_missed_deadline(journey: Journey, committed):
    cast = journey.cast
    committed(journey.send)
    committed(lambda: journey.offer("p"))

    result = committed(lambda: services.placement_requests_expire(now=EXPIRY_MORNING))

    assert result.invitations_expired == 1
    [missed] = log_of(cast.local_authority_a, cast.provider_organisation_q)[2:]
    invitation = journey.invitation("q")
    assert (missed.author_organisation, missed.created_at) == (None, invitation.deadline)
    assert (
        missed.body == f"Provider Q did not answer referral {journey.draft.pk} by its deadline, 12 March 2026 at 17:00."
    )
    assert missed.payload == {
        "event": "deadline_missed",
        "event_key": f"deadline_missed:{invitation.pk}",
        "placement_request": journey.draft.pk,
        "invitation": invitation.pk,
    }
    # P answered in time: nothing new in its log.
    assert events(log_of(cast.local_authority_a, cast.provider_organisation_p)) == [
        "relationship_opened", "invitation_sent", "offer_made",
    ]  # fmt: skip
    # The second run expires nothing and records nothing.
    committed(lambda: services.placement_requests_expire(now=EXPIRY_MORNING))
    assert Entry.objects.count() == 6


def test_recording_an_event_twice_writes_it_once(journey: Journey, committed):
    committed(journey.send)
    invitation = journey.invitation("p")
    before = list(Entry.objects.values_list("pk", flat=True))

    assert journey_event_record(kind=JourneyEventKind.INVITATION_SENT, object_id=invitation.pk) is None
    assert journey_event_record_task.delay("invitation_sent", invitation.pk).get(timeout=5) is None

    assert list(Entry.objects.values_list("pk", flat=True)) == before


def test_a_provider_that_has_not_joined_gets_no_log(journey: Journey, committed):
    not_joined = HomeFactory()  # a registered provider with no service organisation
    committed(
        lambda: services.placement_request_send(
            placement_request=journey.draft,
            homes=[journey.home_q, not_joined],
            sent_by=journey.cast.commissioner_a,
            now=SENT_AT,
        )
    )
    invitation = Invitation.objects.get(provider_organisation=not_joined.provider_organisation)

    assert journey_event_record(kind="invitation_sent", object_id=invitation.pk) is None
    assert list(Relationship.objects.values_list("counterpart", flat=True)) == [journey.cast.provider_organisation_q.pk]
    assert Entry.objects.count() == 2


def test_an_event_for_an_object_that_is_not_in_that_state_records_nothing(journey: Journey, committed):
    committed(journey.send)
    invitation = journey.invitation("q")  # still open: no deadline missed yet
    before = Entry.objects.count()

    assert journey_event_record(kind="deadline_missed", object_id=invitation.pk) is None
    assert journey_event_record(kind="offer_made", object_id=999_999) is None
    assert Entry.objects.count() == before


def test_a_rolled_back_journey_publishes_nothing(journey: Journey, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        journey.send()
        raise RuntimeError("the request failed after the referral was sent")

    assert callbacks == []
    assert not Relationship.objects.exists()
    assert not Entry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_journey_reaches_the_log_through_the_real_commit(journey: Journey):
    journey.send()  # its own transaction, really committed: the subscriber runs on commit

    assert events(log_of(journey.cast.local_authority_a, journey.cast.provider_organisation_p)) == [
        "relationship_opened", "invitation_sent",
    ]  # fmt: skip


def test_a_placement_made_outside_the_journey_opens_the_log_when_it_ends(journey: Journey, committed):
    cast = journey.cast
    assert cast.local_authority_a.local_authority is not None
    placement = Placement.objects.create(
        local_authority=cast.local_authority_a.local_authority,
        home=journey.home_q,
        start_date=datetime.date(2025, 9, 1),
    )

    committed(
        lambda: services.placement_end(
            placement=placement, end_date=datetime.date(2026, 2, 1), ended_as_planned=True, ended_by=cast.commissioner_a
        )
    )

    relationship = Relationship.objects.get()
    assert (relationship.local_authority, relationship.counterpart) == (
        cast.local_authority_a,
        cast.provider_organisation_q,
    )
    assert relationship.created_via == RelationshipOrigin.PLACEMENT
    opened, ended = log_of(cast.local_authority_a, cast.provider_organisation_q)
    assert (
        opened.body
        == f"This log began with the first placement {cast.local_authority_a} made with Provider Q through the service."
    )
    assert ended.body == (
        f"{cast.local_authority_a} recorded the end of the placement in home {journey.home_q.urn}: a planned ending."
    )
    assert ended.payload == {
        "event": "placement_ended",
        "event_key": f"placement_ended:{placement.pk}",
        "placement": placement.pk,
        "home_urn": journey.home_q.urn,
        "ended_as_planned": True,
    }


# --- The whole journey: no child's details, an unbroken chain ------------------------------------


def test_no_entry_carries_the_childs_details_and_every_chain_verifies(journey: Journey, committed):
    cast = journey.cast
    committed(journey.send)
    offer = committed(lambda: journey.offer("p", core="5123.45"))
    committed(lambda: decline_q(journey))
    placement = committed(lambda: accept(journey, offer))
    committed(
        lambda: services.placement_end(
            placement=placement,
            end_date=datetime.date(2026, 6, 1),
            ended_as_planned=False,
            ended_by=cast.commissioner_a,
        )
    )
    # A second referral whose invitation to Q goes unanswered.
    second = Journey(
        cast=cast,
        draft=services.placement_request_create(
            organisation=cast.local_authority_a,
            details=referral_details(cast, summary="Loves swimming; anxious at night; needs a quiet room."),
            created_by=cast.commissioner_a,
        ),
        home_p1=journey.home_p1,
        home_p2=journey.home_p2,
        home_q=journey.home_q,
    )
    committed(second.send)
    committed(lambda: services.placement_requests_expire(now=EXPIRY_MORNING))

    entries = list(Entry.objects.all())
    assert sorted(events(entries)) == sorted(
        ["relationship_opened"] * 2
        + ["invitation_sent"] * 4
        + ["offer_made", "declined", "placement_made", "placement_ended", "deadline_missed", "deadline_missed"]
    )
    forbidden = [
        journey.draft.summary, second.draft.summary, DECLINE_NOTE, ACCEPT_REASON, "5123", "5523",
        "Girl", "female", "care order", "care_order", "going missing", "going_missing", "emotional",
    ]  # fmt: skip
    references = {"event", "event_key", "created_via", "first_event", "placement_request", "invitation", "offer"}
    references |= {"decline", "reason", "placement", "home_urn", "ended_as_planned"}
    for entry in entries:
        text = entry.body + " " + json.dumps(entry.payload)
        assert [word for word in forbidden if word.lower() in text.lower()] == [], entry.body
        assert set(entry.payload) <= references
    for relationship in Relationship.objects.all():
        assert chain_verify(relationship).ok


def test_a_lost_task_is_recorded_by_the_nightly_sweep(journey: Journey, committed, monkeypatch):
    # The outbox keeps the work whatever the broker does; the nightly sweep is the second net,
    # for work that never reached the outbox (lost here by not delivering any message).
    monkeypatch.setattr("outbox.tasks.outbox_message_deliver", lambda **kwargs: False)
    committed(journey.send)
    offer = committed(lambda: journey.offer("p"))
    committed(lambda: services.placement_requests_expire(now=EXPIRY_MORNING))
    # Accepted the same morning: Q's expired invitation is closed, still a missed deadline.
    placement = committed(lambda: accept(journey, offer, now=EXPIRY_MORNING + datetime.timedelta(hours=1)))
    assert not Entry.objects.exists()
    monkeypatch.undo()

    recorded = journey_events_reconcile(
        since=SENT_AT - datetime.timedelta(days=1), now=SENT_AT + datetime.timedelta(days=4)
    )

    assert recorded == 5  # two invitations, the offer, Q's missed deadline, the placement
    cast = journey.cast
    assert events(log_of(cast.local_authority_a, cast.provider_organisation_p)) == [
        "relationship_opened", "invitation_sent", "offer_made", "placement_made",
    ]  # fmt: skip
    assert events(log_of(cast.local_authority_a, cast.provider_organisation_q)) == [
        "relationship_opened", "invitation_sent", "deadline_missed",
    ]  # fmt: skip
    assert log_of(cast.local_authority_a, cast.provider_organisation_p)[-1].payload["placement"] == placement.pk
    assert journey_events_reconcile(since=SENT_AT - datetime.timedelta(days=1)) == 0


def test_the_sweep_records_a_lost_decline_under_its_invitation(journey: Journey, committed, monkeypatch):
    committed(journey.send)
    monkeypatch.setattr("outbox.tasks.outbox_message_deliver", lambda **kwargs: False)  # the task is lost
    committed(lambda: decline_q(journey))
    monkeypatch.undo()

    assert journey_events_reconcile(since=SENT_AT) == 1

    declined = log_of(journey.cast.local_authority_a, journey.cast.provider_organisation_q)[-1]
    assert declined.payload["event_key"] == f"declined:{journey.invitation('q').pk}"
    assert journey_event_record(kind="declined", object_id=journey.invitation("q").pk) is None
