"""The nightly look at commitments: record the missed ones in the log, remind the owners of the
ones coming due.

`Commitment.missed_recorded_for` and `reminded_for` hold the due date each was last done for,
so running twice does each once, and a renegotiated date (a new due date, the commitment open
again) earns a reminder and, if it passes too, a "missed" entry of its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from trust.models import Commitment, CommitmentStatus, Relationship
from trust.services import system_entry_record


@dataclass(frozen=True)
class CommitmentsCheckResult:
    missed: int
    reminded: int


def commitments_check(*, today: datetime.date | None = None) -> CommitmentsCheckResult:
    """Record every open commitment past its due date as missed (once per due date), then remind
    the owner of every open commitment due within TRUST_COMMITMENT_REMINDER_DAYS (once per
    due date). Each commitment is its own transaction: one failure does not undo the others."""
    today = today or timezone.localdate()
    missed = sum(_miss(pk, today) for pk in _overdue(today).values_list("pk", flat=True))
    reminded = sum(_remind(pk, today) for pk in _coming_due(today).values_list("pk", flat=True))
    return CommitmentsCheckResult(missed=missed, reminded=reminded)


def _overdue(today: datetime.date) -> QuerySet[Commitment]:
    return (
        Commitment.objects.filter(status=CommitmentStatus.OPEN, due_date__lt=today)
        .filter(Q(missed_recorded_for__isnull=True) | ~Q(missed_recorded_for=F("due_date")))
        .order_by("pk")
    )


def _coming_due(today: datetime.date) -> QuerySet[Commitment]:
    last_day = today + datetime.timedelta(days=settings.TRUST_COMMITMENT_REMINDER_DAYS)
    return (
        Commitment.objects.filter(status=CommitmentStatus.OPEN, due_date__gte=today, due_date__lte=last_day)
        .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("due_date")))
        .order_by("pk")
    )


@transaction.atomic
def _miss(pk: int, today: datetime.date) -> bool:
    # The relationship first, then the commitment: the order trust_entry_add locks them in when
    # a commitment update arrives, so the two cannot deadlock.
    relationship_id = Commitment.objects.values_list("relationship_id", flat=True).get(pk=pk)
    Relationship.objects.select_for_update().get(pk=relationship_id)
    commitment = (
        _overdue(today).select_for_update(of=("self",)).select_related("entry", "relationship").filter(pk=pk).first()
    )
    if commitment is None:
        return False  # kept, missed or renegotiated since the query
    system_entry_record(
        relationship=commitment.relationship,
        event="commitment_missed",
        event_key=f"commitment_missed:{commitment.pk}:{commitment.due_date.isoformat()}",
        replies_to=commitment.entry,
        body=(
            f"The commitment {_named(commitment)} was due on {commitment.due_date:%-d %B %Y} and has no update: "
            "the service records it as missed. Either side can still add an update."
        ),
        payload={"commitment": commitment.pk, "due_date": commitment.due_date.isoformat()},
    )
    commitment.status = CommitmentStatus.MISSED
    commitment.missed_recorded_for = commitment.due_date
    commitment.save(update_fields=["status", "missed_recorded_for"])
    return True


def _named(commitment: Commitment) -> str:
    """What was promised, in quotes; once redacted (ADR 18), the entry that promised it."""
    if not commitment.what:
        return f"of entry {commitment.entry.sequence}"
    # A notification holds 300 characters: shorten what was promised, never the due date.
    what = commitment.what if len(commitment.what) <= 120 else commitment.what[:119] + "…"
    return f"“{what}”"


@transaction.atomic
def _remind(pk: int, today: datetime.date) -> bool:
    commitment = (
        _coming_due(today)
        .select_for_update(of=("self",))
        .select_related("entry", "relationship__local_authority", "relationship__counterpart")
        .filter(pk=pk)
        .first()
    )
    if commitment is None:
        return False
    relationship = commitment.relationship
    other_side = (
        relationship.counterpart
        if commitment.owner_organisation_id == relationship.local_authority_id
        else relationship.local_authority
    )
    # One notification to the organisation, which every member of it sees (notifications_for),
    # as the referral journey's notifications are.
    due = f"{commitment.due_date:%-d %B %Y}"
    Notification.objects.create(
        organisation_id=commitment.owner_organisation_id,
        message=f"Reminder: your commitment to {other_side}, {_named(commitment)}, is due on {due}."[:300],
        url=reverse("trust:relationship", args=[relationship.pk]),
    )
    commitment.reminded_for = commitment.due_date
    commitment.save(update_fields=["reminded_for"])
    return True
