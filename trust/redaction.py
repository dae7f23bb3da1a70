"""Redacting what an entry says, without breaking the log's chain (ADR 18).

Either side asks for an entry to be redacted, giving a reason; the other side or a staff
administrator approves or declines it, with a reason. The retention schedule asks too
(`redaction_request_by_retention`), and then either side or staff decides. An approval blanks
the entry's content (body, the details' free text and the salt: the only change the database
allows on content), blanks the commitment index's copy of the text, replaces any notification
that quoted it, and writes a system entry saying which entry was redacted, by whom and why.
The chain covers each entry's salted content digest, not its text, so it still verifies.

Every call locks the relationship row first, like every append to its log, so a request, a
decision and a new entry of one relationship happen one at a time.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts.models import Notification, Organisation, User
from commissioning.identifiers import identifiers_error
from trust.models import (
    Commitment,
    Entry,
    EntryContent,
    EntryType,
    RedactionRequest,
    RedactionStatus,
    Relationship,
)
from trust.selectors import entries_past_retention, organisations_acting_for
from trust.services import system_entry_record

_Errors = dict[str, list[str]]
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 2000
RETENTION = "the retention schedule"
STAFF = "a service administrator"


def _reason_errors(errors: _Errors, field: str, reason: str) -> None:
    """A reason is written into the log for both sides to read for ever: long enough to say
    why, and nothing in it may identify a child (the message names the kind, never the text)."""
    text = reason.strip()
    if len(text) < REASON_MIN_LENGTH:
        errors.setdefault(field, []).append(f"Say why (at least {REASON_MIN_LENGTH} characters).")
        return
    if len(text) > REASON_MAX_LENGTH:
        errors.setdefault(field, []).append(f"Say why in at most {REASON_MAX_LENGTH} characters.")
        return
    if "\x00" in text or any("\ud800" <= character <= "\udfff" for character in text):
        errors.setdefault(field, []).append("The reason contains a character that cannot be stored.")
        return
    identifying = identifiers_error(text, field="the reason")
    if identifying:
        errors.setdefault(field, []).append(identifying)


def _acts_for_a_side(user: User, organisation: Organisation, relationship: Relationship) -> bool:
    return (
        organisation.pk in relationship.sides() and organisations_acting_for(user).filter(pk=organisation.pk).exists()
    )


def _notify(relationship: Relationship, sides: list[int], news: str) -> None:
    url = reverse("trust:relationship", kwargs={"pk": relationship.pk})
    names = {
        relationship.local_authority_id: relationship.counterpart,
        relationship.counterpart_id: relationship.local_authority,
    }
    Notification.objects.bulk_create(
        Notification(organisation_id=side, message=f"Log with {names[side]}: {news}"[:300], url=url) for side in sides
    )


def _request_errors(entry: Entry) -> _Errors:
    if entry.redacted:
        return {"entry": [f"Entry {entry.sequence} is already redacted."]}
    if RedactionRequest.objects.filter(entry=entry, status=RedactionStatus.PENDING).exists():
        return {"entry": [f"A redaction of entry {entry.sequence} is already waiting for a decision."]}
    return {}


@transaction.atomic
def redaction_request_create(
    *, entry: Entry, requested_by: User, organisation: Organisation, reason: str
) -> RedactionRequest:
    """One side asks for an entry of its relationship's log to be redacted; the other side is told."""
    relationship = Relationship.objects.select_for_update().get(pk=entry.relationship_id)
    entry = Entry.objects.select_related("content").get(pk=entry.pk)
    errors = _request_errors(entry)
    if not _acts_for_a_side(requested_by, organisation, relationship):
        errors["organisation"] = ["Only the two organisations of the relationship ask for a redaction."]
    _reason_errors(errors, "reason", reason)
    if errors:
        raise ValidationError(errors)
    redaction = RedactionRequest.objects.create(
        entry=entry, requested_by=requested_by, requested_by_organisation=organisation, reason=reason.strip()
    )
    others = [side for side in relationship.sides() if side != organisation.pk]
    _notify(relationship, others, f"{organisation} asks for entry {entry.sequence} to be redacted.")
    return redaction


@transaction.atomic
def redaction_request_by_retention(*, entry: Entry, reason: str) -> RedactionRequest | None:
    """The retention schedule asks for an entry to be redacted (either side or staff decides).
    None, and nothing written, when it is already redacted or a request is waiting."""
    relationship = Relationship.objects.select_for_update().get(pk=entry.relationship_id)
    entry = Entry.objects.select_related("content").get(pk=entry.pk)
    errors: _Errors = {}
    _reason_errors(errors, "reason", reason)
    if errors:
        raise ValidationError(errors)
    if _request_errors(entry):
        return None
    redaction = RedactionRequest.objects.create(entry=entry, reason=reason.strip())
    news = f"the retention schedule asks for entry {entry.sequence} to be redacted."
    _notify(relationship, list(relationship.sides()), news)
    return redaction


def redaction_requests_by_retention(*, now: datetime.datetime | None = None) -> int:
    """Nightly: ask for the redaction of people's entries older than TRUST_LOG_RETENTION_DAYS
    (storage limitation: the log keeps that an entry existed, its text only as long as it is
    needed). Either side or staff still decides each request. The number of requests made."""
    now = now or timezone.now()
    days = settings.TRUST_LOG_RETENTION_DAYS
    reason = f"Entries are kept for {days} days (TRUST_LOG_RETENTION_DAYS); this one is older."
    past = entries_past_retention(
        written_before=now - datetime.timedelta(days=days), limit=settings.TRUST_LOG_RETENTION_BATCH
    )
    return sum(redaction_request_by_retention(entry=entry, reason=reason) is not None for entry in past)


def _decision_errors(
    redaction: RedactionRequest, relationship: Relationship, decided_by: User, organisation: Organisation | None
) -> _Errors:
    if redaction.status != RedactionStatus.PENDING:
        return {"redaction": [f"This request was already {redaction.get_status_display().lower()}."]}
    if decided_by.is_staff:
        return {} if organisation is None else {"organisation": ["A staff administrator decides for no side."]}
    if organisation is None or not _acts_for_a_side(decided_by, organisation, relationship):
        return {"organisation": ["Only the two organisations of the relationship or a staff administrator decide."]}
    if organisation.pk == redaction.requested_by_organisation_id:
        return {"organisation": ["The other side or a staff administrator decides on your own side's request."]}
    return {}


def _decide(
    redaction: RedactionRequest, decided_by: User, organisation: Organisation | None, reason: str
) -> tuple[RedactionRequest, Relationship]:
    """Lock, re-read and check a decision; the request as it is now and its relationship."""
    relationship = (
        Relationship.objects.select_for_update()
        .select_related("local_authority", "counterpart")
        .get(pk=redaction.entry.relationship_id)
    )
    redaction = RedactionRequest.objects.select_related("entry__content", "requested_by_organisation").get(
        pk=redaction.pk
    )
    errors = _decision_errors(redaction, relationship, decided_by, organisation)
    _reason_errors(errors, "reason", reason)
    if errors:
        raise ValidationError(errors)
    return redaction, relationship


def _decided(
    redaction: RedactionRequest,
    status: RedactionStatus,
    decided_by: User,
    organisation: Organisation | None,
    reason: str,
    now: datetime.datetime,
) -> None:
    redaction.status = status
    redaction.decided_by = decided_by
    redaction.decided_by_organisation = organisation
    redaction.decision_reason = reason.strip()
    redaction.decided_at = now
    redaction.save(update_fields=["status", "decided_by", "decided_by_organisation", "decision_reason", "decided_at"])


@transaction.atomic
def redaction_request_decline(
    *, redaction: RedactionRequest, decided_by: User, organisation: Organisation | None, reason: str
) -> RedactionRequest:
    """The other side (or staff) declines: the entry stays as it is; the asking side is told."""
    redaction, relationship = _decide(redaction, decided_by, organisation, reason)
    _decided(redaction, RedactionStatus.DECLINED, decided_by, organisation, reason, timezone.now())
    told = [redaction.requested_by_organisation_id] if redaction.requested_by_organisation_id else relationship.sides()
    _notify(relationship, list(told), f"the redaction of entry {redaction.entry.sequence} was declined.")
    return redaction


def _who(organisation: Organisation | None) -> str:
    return str(organisation) if organisation is not None else STAFF


def _free_texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _free_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _free_texts(item)]
    return []


def _quoting_copies(entry: Entry) -> tuple[list[str], list[Entry]]:
    """The entry's texts worth searching for, and the service's own entries answering it that
    quote them (a commitment's "missed" entry quoted what was promised)."""
    texts = [text.strip() for text in [entry.body, *_free_texts(entry.content.texts)] if len(text.strip()) >= 4]
    if not texts:
        return [], []
    answers = Entry.objects.filter(replies_to=entry, entry_type=EntryType.SYSTEM, content__redacted_at__isnull=True)
    copies = [answer for answer in answers.select_related("content") if any(t in answer.body for t in texts)]
    return texts, copies


def _scrub_notifications(relationship: Relationship, entry: Entry, texts: list[str]) -> int:
    """Notifications already sent that quoted the text (a commitment's reminder) say so instead."""
    url = reverse("trust:relationship", kwargs={"pk": relationship.pk})
    scrubbed = 0
    for notification in Notification.objects.filter(organisation_id__in=relationship.sides(), url=url):
        # A reminder shortens what it quotes to 119 characters and an ellipsis.
        if any(text[:119] in notification.message for text in texts):
            notification.message = f"A notification about entry {entry.sequence} of this log: its text was redacted."
            notification.save(update_fields=["message"])
            scrubbed += 1
    return scrubbed


def redaction_note(redaction: RedactionRequest, approver: str, on: datetime.datetime) -> str:
    asked = RETENTION if redaction.by_retention else str(redaction.requested_by_organisation)
    day = dateformat.format(timezone.localdate(on), "j F Y")
    return f"Redacted on {day} by {approver}, at the request of {asked}, because: {redaction.reason}"


def _blank(entry: Entry, note: str, now: datetime.datetime) -> None:
    # The one UPDATE the database allows on content (migration 0005): text and salt go for good.
    EntryContent.objects.filter(pk=entry.pk, redacted_at__isnull=True).update(
        body="", texts={}, salt="", redacted_at=now, redaction_note=note
    )
    if entry.entry_type == EntryType.COMMITMENT:
        Commitment.objects.filter(entry=entry).update(what="")


@transaction.atomic
def redaction_request_approve(
    *,
    redaction: RedactionRequest,
    decided_by: User,
    organisation: Organisation | None,
    reason: str,
    now: datetime.datetime | None = None,
) -> Entry:
    """The other side (or staff) approves: the content goes for good, and a system entry says
    that entry N was redacted, by whom and why. Returns that system entry."""
    redaction, relationship = _decide(redaction, decided_by, organisation, reason)
    now = now or timezone.now()
    entry = redaction.entry
    texts, copies = _quoting_copies(entry)
    approver = _who(organisation)
    note = redaction_note(redaction, approver, now)
    for copy in copies:
        _blank(copy, f"Redacted with entry {entry.sequence}, which it quoted. {note}", now)
    _blank(entry, note, now)
    _scrub_notifications(relationship, entry, texts)
    _decided(redaction, RedactionStatus.APPROVED, decided_by, organisation, reason, now)
    copied = ", ".join(str(copy.sequence) for copy in copies)
    also = f" The service's entries {copied} quoted it and were redacted too." if copies else ""
    record = system_entry_record(
        relationship=relationship,
        event="entry_redacted",
        event_key=f"entry_redacted:{entry.pk}",
        author_organisation=organisation,
        replies_to=entry,
        body=(
            f"Entry {entry.sequence} ({entry.get_entry_type_display().lower()}) was redacted by {approver} at the "
            f"request of {RETENTION if redaction.by_retention else redaction.requested_by_organisation}. "
            f"Reason for asking: {redaction.reason} Reason for approving: {redaction.decision_reason}{also}"
        ),
        payload={"entry": entry.pk, "also": [copy.pk for copy in copies], "redaction_request": redaction.pk},
        now=now,
    )
    if record is None:  # cannot happen: an entry is approved for redaction once (redaction_approved_once)
        raise ValidationError({"redaction": [f"Entry {entry.sequence} is already redacted."]})
    news = f"entry {entry.sequence} was redacted (entry {record.sequence} says why)."
    _notify(relationship, list(relationship.sides()), news)
    return record
