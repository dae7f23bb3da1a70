"""Journey events reach subscribers inside the step's transaction, so the work they write into
the outbox commits with the step, or rolls back with it (ADR 22)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.db import transaction

from commissioning.events import (
    JourneyEventKind,
    journey_event_publish,
    journey_event_subscribe,
    journey_event_unsubscribe,
)
from outbox.models import OutboxMessage
from outbox.sealing import call_open

Heard = list[tuple[JourneyEventKind, int]]


@pytest.fixture
def heard() -> Iterator[Heard]:
    received: Heard = []

    def listener(kind: JourneyEventKind, object_id: int) -> None:
        received.append((kind, object_id))

    journey_event_subscribe(listener)
    journey_event_subscribe(listener)  # twice is once
    yield received
    journey_event_unsubscribe(listener)


def recorded() -> list[tuple[str, list[object]]]:
    """The trust log's work in the outbox: the trust app subscribes from its AppConfig."""
    messages = OutboxMessage.objects.filter(task_name="trust.journey_event_record_task").order_by("pk")
    return [(message.task_name, call_open(message.sealed_call)[0]) for message in messages]


@pytest.mark.django_db(transaction=True)
def test_the_trust_log_s_work_commits_with_the_step_and_never_after_a_rollback(heard: Heard):
    with transaction.atomic():
        journey_event_publish(JourneyEventKind.OFFER_MADE, 12)
        assert heard == [(JourneyEventKind.OFFER_MADE, 12)]  # told inside the transaction, once
        assert recorded() == [("trust.journey_event_record_task", ["offer_made", 12])]
    delivered = OutboxMessage.objects.get()
    assert delivered.delivered_at is not None  # after the commit

    with contextlib.suppress(RuntimeError), transaction.atomic():
        journey_event_publish(JourneyEventKind.DECLINED, 13)
        assert OutboxMessage.objects.count() == 2
        raise RuntimeError("rolled back")
    assert list(OutboxMessage.objects.all()) == [delivered]


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_fails_the_step_so_no_step_commits_without_its_events(heard: Heard):
    def broken(kind: JourneyEventKind, object_id: int) -> None:
        raise ConnectionRefusedError("no database")

    journey_event_subscribe(broken)
    try:
        with pytest.raises(ConnectionRefusedError), transaction.atomic():
            journey_event_publish(JourneyEventKind.PLACEMENT_MADE, 7)
    finally:
        journey_event_unsubscribe(broken)
    assert recorded() == []
