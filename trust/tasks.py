"""Thin Celery tasks of the trust log; they take ids and are safe to run twice."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from commissioning.events import JourneyEventKind
from config.tasks import schedule_task
from trust.commitments import commitments_check
from trust.indicators import relationship_indicators_recompute_all
from trust.journey import journey_event_record, journey_events_reconcile
from trust.redaction import redaction_requests_by_retention
from trust.transparency import transparency_digest_publish

# The nightly sweep looks this far back for journey events whose task was lost: two nights, so
# one missed run of the sweep itself loses nothing.
RECONCILE_WINDOW = datetime.timedelta(days=2)


def journey_event_deliver(kind: JourneyEventKind, object_id: int) -> None:
    """The trust app's subscriber to journey events (see commissioning.events and TrustConfig).
    Called inside the journey's transaction, it writes the recording task into the outbox, which
    delivers it once after the commit (ADR 22); the nightly sweep stays as a second net."""
    schedule_task("trust.journey_event_record_task", str(kind), object_id)


# A lost connection or a deadlock is worth a retry; the event key makes a retry harmless. A soft
# limit gives the task a moment to stop cleanly before the hard limit kills it.
@shared_task(
    name="trust.journey_event_record_task",
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=True,
    time_limit=60,
    soft_time_limit=50,
)
def journey_event_record_task(kind: str, object_id: int) -> int | None:
    """Write one journey event's entry in the trust log; the entry's id, or None when there was
    nothing to write (already written, or the provider has not joined the service)."""
    entry = journey_event_record(kind=kind, object_id=object_id)
    return entry.pk if entry is not None else None


@shared_task(name="trust.commitments_check_task", time_limit=600, soft_time_limit=570)
def commitments_check_task() -> dict[str, int]:
    result = commitments_check()
    return {"missed": result.missed, "reminded": result.reminded}


@shared_task(name="trust.relationship_indicators_recompute_task", time_limit=1200, soft_time_limit=1140)
def relationship_indicators_recompute_task() -> dict[str, int]:
    """Nightly: first record journey events whose task was lost (they may open relationships),
    then recompute every relationship's indicators."""
    now = timezone.now()
    recorded = journey_events_reconcile(since=now - RECONCILE_WINDOW, now=now)
    return {"journey_events_recorded": recorded, "relationships": relationship_indicators_recompute_all(now=now)}


@shared_task(name="trust.transparency_digest_publish_task", time_limit=600, soft_time_limit=570)
def transparency_digest_publish_task() -> dict[str, object]:
    """Nightly, after the night's entries: today's digest of every chain's head (ADR 19)."""
    digest = transparency_digest_publish()
    return {"date": digest.date.isoformat(), "root": digest.root, "chains": digest.chain_count}


@shared_task(name="trust.redaction_requests_by_retention_task", time_limit=600, soft_time_limit=570)
def redaction_requests_by_retention_task() -> dict[str, int]:
    """Nightly: ask for the redaction of entries kept past TRUST_LOG_RETENTION_DAYS (ADR 18)."""
    return {"requested": redaction_requests_by_retention()}
