"""Journey events: what the referral journey tells other apps once its writes have committed.

The trust log records each step of the journey (a referral sent, an offer, a decline, a
placement...), but `commissioning` must never import `trust` (the dependency runs the other
way). So the services publish an explicit event here, one line at each point where the step
happens, and `trust` subscribes from its AppConfig.ready(). We chose this over Django model
signals: a signal fires on every save (fixtures, admin, imports, a status change for another
reason) and hides the workflow in the model layer; a publish call sits in the service beside
the write it describes, and says which object the event is about.

Nothing is delivered for a rolled-back transaction: each subscriber is called from
`transaction.on_commit`, after the writes are visible to every other connection. Subscribers
must be quick and should not raise (the person's action has already succeeded; one that does is
logged and the others are still called); the trust app's subscriber hands the event to a Celery
task. Events carry ids, never objects.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
from collections.abc import Callable, Iterator

from django.db import transaction


class JourneyEventKind(enum.StrEnum):
    """What happened, and (in brackets) whose id the event carries."""

    INVITATION_SENT = "invitation_sent"  # Invitation
    OFFER_MADE = "offer_made"  # Offer
    DECLINED = "declined"  # Invitation declined (one decline per invitation)
    PLACEMENT_MADE = "placement_made"  # Placement
    PLACEMENT_ENDED = "placement_ended"  # Placement
    DEADLINE_MISSED = "deadline_missed"  # Invitation that expired with no answer


JourneyEventHandler = Callable[[JourneyEventKind, int], None]

_subscribers: list[JourneyEventHandler] = []
# Set only by bulk loaders (the demo's synthetic year) that record the events they need themselves.
_paused: contextvars.ContextVar[bool] = contextvars.ContextVar("journey_events_paused", default=False)


@contextlib.contextmanager
def journey_events_paused() -> Iterator[None]:
    """Publish nothing inside the block. For bulk loaders of synthetic history only: they then
    record, in time order, the events someone will look at."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def journey_event_subscribe(handler: JourneyEventHandler) -> None:
    """Call `handler(kind, object_id)` after the commit of every journey event. Subscribing the
    same handler twice (ready() may run more than once in tests) subscribes it once."""
    if handler not in _subscribers:
        _subscribers.append(handler)


def journey_event_unsubscribe(handler: JourneyEventHandler) -> None:
    if handler in _subscribers:
        _subscribers.remove(handler)


def journey_event_publish(kind: JourneyEventKind, object_id: int) -> None:
    """Tell every subscriber, once the current transaction commits, that `kind` happened to the
    object with `object_id`. Called by the services inside their transaction."""
    if _paused.get():
        return
    for handler in list(_subscribers):
        # robust: a failing subscriber is logged and the others still hear of the event.
        transaction.on_commit(_delivery(handler, kind, object_id), robust=True)


def _delivery(handler: JourneyEventHandler, kind: JourneyEventKind, object_id: int) -> Callable[[], None]:
    # A named function rather than functools.partial: Django names the callback when it logs
    # a failure, and a partial has no name.
    def deliver() -> None:
        handler(kind, object_id)

    deliver.__qualname__ = f"journey event {kind}:{object_id} to {getattr(handler, '__qualname__', handler)}"
    return deliver
