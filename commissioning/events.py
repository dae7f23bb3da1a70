"""Journey events: what the referral journey tells other apps once its writes have committed.

The trust log records each step of the journey (a referral sent, an offer, a decline, a
placement...), but `commissioning` must never import `trust` (the dependency runs the other
way). So the services publish an explicit event here, one line at each point where the step
happens, and `trust` subscribes from its AppConfig.ready(). We chose this over Django model
signals: a signal fires on every save (fixtures, admin, imports, a status change for another
reason) and hides the workflow in the model layer; a publish call sits in the service beside
the write it describes, and says which object the event is about.

Each subscriber is called at once, inside the service's transaction, and must only write its
work into the outbox (config.tasks.schedule_task): the work then commits, or rolls back, with
the step itself, and the outbox delivers it once after the commit, whatever fails on the way
(ADR 22). The trust app's subscriber schedules the task that writes the trust log entry. Events
carry ids, never objects.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
from collections.abc import Callable, Iterator


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
    """Tell every subscriber that `kind` happened to the object with `object_id`. Called by the
    services inside their transaction; the subscribers write their work into the outbox in it."""
    if _paused.get():
        return
    for handler in list(_subscribers):
        handler(kind, object_id)
