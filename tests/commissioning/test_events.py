"""Journey events reach subscribers only after the commit, never after a rollback."""

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


@pytest.mark.django_db(transaction=True)
def test_subscribers_hear_of_an_event_after_the_commit_and_never_after_a_rollback(heard: Heard):
    with transaction.atomic():
        journey_event_publish(JourneyEventKind.OFFER_MADE, 12)
        assert heard == []  # nothing is told before the commit
    assert heard == [(JourneyEventKind.OFFER_MADE, 12)]

    with contextlib.suppress(RuntimeError), transaction.atomic():
        journey_event_publish(JourneyEventKind.DECLINED, 13)
        raise RuntimeError("rolled back")
    assert heard == [(JourneyEventKind.OFFER_MADE, 12)]


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_fail_the_commit_or_silence_the_others(heard: Heard, caplog):
    def broken(kind: JourneyEventKind, object_id: int) -> None:
        raise ConnectionRefusedError("no broker")

    journey_event_subscribe(broken)
    try:
        with transaction.atomic():
            journey_event_publish(JourneyEventKind.PLACEMENT_MADE, 7)
    finally:
        journey_event_unsubscribe(broken)
    assert (JourneyEventKind.PLACEMENT_MADE, 7) in heard
    assert "no broker" in caplog.text
