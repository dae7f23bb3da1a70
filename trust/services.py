"""Every write to the trust log: opening a relationship and appending an entry.

Appends to one relationship serialise on a row lock of the Relationship, so two people
writing at once get consecutive sequence numbers and an unbroken hash chain; the unique
(relationship, sequence) constraint is the backstop.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Organisation, OrganisationKind, User
from commissioning.identifiers import identifiers_error
from trust.entry_types import spec_of
from trust.hashing import content_digest_compute, entry_hash_compute, payload_split, salt_new
from trust.models import (
    GENESIS_HASH,
    AdministratorAccess,
    Entry,
    EntryContent,
    EntryType,
    PulseCheckIn,
    Relationship,
    RelationshipOrigin,
    RestorativeCase,
)
from trust.selectors import organisations_acting_for

COUNTERPART_KINDS = {OrganisationKind.PROVIDER, OrganisationKind.FEDERATION}
# The longest free texts, the same for the forms, the API and every other caller: past them a
# text is refused before it is screened.
BODY_MAX_LENGTH = 10_000  # an entry's words, and all the texts of its details together
COMMENT_MAX_LENGTH = 2000  # a pulse check-in's comment, an administrator's reason

_Errors = dict[str, list[str]]


def relationship_get_or_create(
    *, local_authority_organisation: Organisation, counterpart: Organisation, created_via: RelationshipOrigin
) -> Relationship:
    """The relationship of a local authority and a provider organisation or federation."""
    errors: _Errors = {}
    if local_authority_organisation.kind != OrganisationKind.LOCAL_AUTHORITY:
        errors["local_authority_organisation"] = ["Choose a local authority organisation."]
    if counterpart.kind not in COUNTERPART_KINDS:
        errors["counterpart"] = ["Choose a provider organisation or a federation."]
    if errors:
        raise ValidationError(errors)
    relationship, _created = Relationship.objects.get_or_create(
        local_authority=local_authority_organisation,
        counterpart=counterpart,
        defaults={"created_via": created_via},
    )
    return relationship


@transaction.atomic
def trust_entry_add(
    *,
    relationship: Relationship,
    entry_type: EntryType,
    author_organisation: Organisation | None,
    author_user: User | None,
    body: str,
    payload: dict[str, Any] | None = None,
    corrects: Entry | None = None,
    replies_to: Entry | None = None,
    now: datetime.datetime | None = None,
) -> Entry:
    """Append one entry to the relationship's log, chained to the entry before it, and keep
    the commitment and restorative-case indexes in step with it."""
    payload = _json_roundtrip(payload or {})
    if now is not None and timezone.is_naive(now):
        raise ValidationError({"now": ["Give the moment with its time zone."]})
    # The lock makes "check, read the last entry, then write the next" one step per
    # relationship: what validation sees (an open case, an open commitment) still holds at the write.
    Relationship.objects.select_for_update().get(pk=relationship.pk)
    _validate(relationship, entry_type, author_organisation, author_user, body, payload, corrects, replies_to)
    entry = _append(
        relationship, entry_type, author_organisation, author_user, body, payload, corrects, replies_to, now
    )
    _index_entry(entry)
    _tell_the_other_side(entry)
    return entry


def _tell_the_other_side(entry: Entry) -> None:
    """A person's entry is news for the other side (the writer's side knows); an administrator's
    reading is news for both. The service's journey entries echo what the journey already told."""
    relationship = entry.relationship
    if not spec_of(entry.entry_type).by_service:
        told = [side for side in relationship.sides() if side != entry.author_organisation_id]
        news = f"{entry.author_organisation} added {entry.get_entry_type_display().lower()} (entry {entry.sequence})"
    elif entry.payload.get("event") == "administrator_access":
        told = list(relationship.sides())
        news = f"A service administrator read the log (entry {entry.sequence} says why)"
    else:
        return
    url = reverse("trust:relationship", kwargs={"pk": relationship.pk})
    Notification.objects.bulk_create(
        # Organisation names run long; a notification holds 300 characters.
        Notification(
            organisation_id=side, message=f"Log with {_other_name(relationship, side)}: {news}."[:300], url=url
        )
        for side in told
    )


def _other_name(relationship: Relationship, side: int) -> str:
    return str(relationship.counterpart if side == relationship.local_authority_id else relationship.local_authority)


def _append(
    relationship: Relationship,
    entry_type: str,
    author_organisation: Organisation | None,
    author_user: User | None,
    body: str,
    payload: dict[str, Any],
    corrects: Entry | None,
    replies_to: Entry | None,
    now: datetime.datetime | None,
) -> Entry:
    last = (
        Entry.objects.filter(relationship=relationship)
        .order_by("-sequence")
        .only("sequence", "entry_hash", "created_at")
        .first()
    )
    created_at = now or timezone.now()
    if last is not None and created_at < last.created_at:
        # A log reads in time order; a back-dated entry (the demo's history) may not jump the queue.
        created_at = last.created_at
    # The chain covers the structured details and a salted digest of the text (ADR 18).
    structured, texts = payload_split(payload)
    salt = salt_new()
    entry = Entry(
        relationship=relationship,
        sequence=last.sequence + 1 if last else 1,
        entry_type=entry_type,
        author_organisation=author_organisation,
        author_user=author_user,
        structured=structured,
        content_digest=content_digest_compute(salt=salt, body=body, texts=texts),
        corrects=corrects,
        replies_to=replies_to,
        created_at=created_at,
        previous_hash=last.entry_hash if last else GENESIS_HASH,
    )
    entry.entry_hash = entry_hash_compute(entry)
    entry.save(force_insert=True)
    EntryContent.objects.create(entry=entry, body=body, texts=texts, salt=salt)
    return entry


def _index_entry(entry: Entry) -> None:
    on_added = spec_of(entry.entry_type).on_added
    if on_added is not None:
        on_added(entry)


@transaction.atomic
def system_entry_record(
    *,
    relationship: Relationship,
    event: str,
    body: str,
    event_key: str | None = None,
    author_organisation: Organisation | None = None,
    payload: dict[str, Any] | None = None,
    replies_to: Entry | None = None,
    now: datetime.datetime | None = None,
) -> Entry | None:
    """Write an entry of the service's own. With an `event_key` (such as "offer_made:12") it is
    written once however often it is asked for: None when it is already in the log."""
    if payload and "event_key" in payload:
        raise ValidationError({"payload": ["Pass the event key as event_key, not inside the details."]})
    details = {**(payload or {}), "event": event}
    if event_key is not None:
        details["event_key"] = event_key
        Relationship.objects.select_for_update().get(pk=relationship.pk)
        if Entry.objects.filter(relationship=relationship, structured__event_key=event_key).exists():
            return None
    return trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.SYSTEM,
        author_organisation=author_organisation,
        author_user=None,
        body=body,
        payload=details,
        replies_to=replies_to,
        now=now,
    )


def _json_roundtrip(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the database will hand it back, so the hash made now verifies later."""
    try:
        payload = dict(json.loads(json.dumps(payload, allow_nan=False), parse_float=_refuse_float))
    except (TypeError, ValueError) as error:
        raise ValidationError({"payload": [f"The details must be plain JSON values: {error}"]}) from error
    if any(_unstorable(text) for text in _texts(payload)):
        raise ValidationError({"payload": ["The details contain a character that cannot be stored."]})
    return payload


def _texts(value: Any) -> list[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (key, *_texts(item))]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


def _unstorable(text: str) -> bool:
    # PostgreSQL text holds no NUL, and a lone surrogate has no UTF-8 form to hash.
    return "\x00" in text or any("\ud800" <= character <= "\udfff" for character in text)


def _identifier_errors(errors: _Errors, body: str, payload: dict[str, Any]) -> None:
    """An entry can never be removed, so nothing in it may identify a child: whoever writes
    it (a form, the API, a task), the body and every text in the details are checked."""
    if _unstorable(body):
        errors.setdefault("body", []).append("The text contains a character that cannot be stored.")
    for field, label, texts in (("body", "the entry", [body]), ("payload", "the details", _texts(payload))):
        error = _free_text_error("\n".join(texts), field=label, limit=BODY_MAX_LENGTH)
        if error:
            errors.setdefault(field, []).append(error)


def _free_text_error(text: str, *, field: str, limit: int) -> str | None:
    """Too long, or identifying. The length is checked first, so an oversized text is never screened."""
    if len(text) > limit:
        return f"Shorten {field} to {limit:,} characters or fewer."
    return identifiers_error(text, field=field)


def _refuse_float(text: str) -> float:
    # jsonb keeps numbers as decimals and may hand 1e20 back as an integer, breaking the hash.
    raise ValueError(f"{text} is not a whole number; give fractions as text")


def _validate(
    relationship: Relationship,
    entry_type: str,
    author_organisation: Organisation | None,
    author_user: User | None,
    body: str,
    payload: dict[str, Any],
    corrects: Entry | None,
    replies_to: Entry | None,
) -> None:
    errors: _Errors = {}
    if entry_type not in EntryType.values:
        raise ValidationError({"entry_type": [f"Unknown entry type {entry_type!r}."]})
    if not body.strip():
        errors["body"] = ["Write what the entry says."]
    spec = spec_of(entry_type)
    if not spec.by_service:
        _identifier_errors(errors, body, payload)
    _validate_author(errors, relationship, entry_type, author_organisation, author_user)
    _validate_links(errors, relationship, entry_type, author_organisation, corrects, replies_to, payload)
    if spec.payload_keys is not None:
        _unknown_keys(errors, payload, spec.payload_keys)
    spec.payload_rule(errors, relationship, payload)
    if errors:
        raise ValidationError(errors)


def _validate_author(
    errors: _Errors,
    relationship: Relationship,
    entry_type: str,
    author_organisation: Organisation | None,
    author_user: User | None,
) -> None:
    if author_organisation is not None and author_organisation.pk not in relationship.sides():
        errors["author_organisation"] = ["Only the two organisations of a relationship write in its log."]
    if spec_of(entry_type).by_service:
        if author_user is not None:
            errors["author_user"] = ["System entries are written by the service, not a person."]
        return
    if author_organisation is None or author_user is None:
        errors["author_user"] = ["A person writes for one of the two organisations."]
    elif not organisations_acting_for(author_user).filter(pk=author_organisation.pk).exists():
        errors["author_user"] = [f"{author_user} does not act for {author_organisation}."]


def _validate_links(
    errors: _Errors,
    relationship: Relationship,
    entry_type: str,
    author_organisation: Organisation | None,
    corrects: Entry | None,
    replies_to: Entry | None,
    payload: dict[str, Any],
) -> None:
    spec = spec_of(entry_type)
    if corrects is not None:
        if spec.correction_refused:
            errors["corrects"] = [spec.correction_refused]
        elif not spec_of(corrects.entry_type).correctable:
            errors["corrects"] = ["The service's own entries record what happened; reply to one instead."]
        elif corrects.relationship_id != relationship.pk:
            errors["corrects"] = ["A correction belongs to the same relationship as what it corrects."]
        elif corrects.author_organisation_id != (author_organisation.pk if author_organisation else None):
            errors["corrects"] = ["Each side corrects only its own entries; reply to the other side's."]
    if replies_to is not None and replies_to.relationship_id != relationship.pk:
        errors["replies_to"] = ["A reply belongs to the same relationship as what it answers."]
    elif spec.answers is not None and replies_to is None:
        errors["replies_to"] = ["Say which entry this answers."]
    elif replies_to is not None and spec.answers is not None:
        if not spec.answers.fits(replies_to):
            errors["replies_to"] = [spec.answers.misfit]
        else:
            spec.answers.check(errors, author_organisation, replies_to, payload)


def _unknown_keys(errors: _Errors, payload: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(payload) - allowed)
    if unknown:
        errors.setdefault("payload", []).append(f"Unexpected details: {', '.join(unknown)}.")


# --- Opening relationships and restorative cases, pulse check-ins, audited access ---------


@transaction.atomic
def relationship_open(*, opened_by: User, organisation: Organisation, other_organisation: Organisation) -> Relationship:
    """Either side opens the relationship with the other (or finds the one already open)."""
    if not organisations_acting_for(opened_by).filter(pk=organisation.pk).exists():
        raise ValidationError({"organisation": [f"{opened_by} does not act for {organisation}."]})
    la_side = organisation.kind == OrganisationKind.LOCAL_AUTHORITY
    local_authority_organisation, counterpart = (
        (organisation, other_organisation) if la_side else (other_organisation, organisation)
    )
    existing = Relationship.objects.filter(local_authority=local_authority_organisation, counterpart=counterpart)
    if existing.exists():
        # Already open (from a referral, a placement or the other side): its log says how it began.
        return existing.get()
    relationship = relationship_get_or_create(
        local_authority_organisation=local_authority_organisation,
        counterpart=counterpart,
        created_via=RelationshipOrigin.LOCAL_AUTHORITY if la_side else RelationshipOrigin.COUNTERPART,
    )
    system_entry_record(
        relationship=relationship,
        event="relationship_opened",
        event_key="relationship_opened",
        author_organisation=organisation,
        body=f"{organisation} opened this relationship's log.",
    )
    return relationship


@transaction.atomic
def restorative_case_open(
    *, concern: Entry, opened_by: User, organisation: Organisation, now: datetime.datetime | None = None
) -> RestorativeCase:
    """Open restorative follow-up of a concern; either side may, once per concern."""
    # Under the relationship's lock, two people opening a case at once get one case and one refusal.
    Relationship.objects.select_for_update().get(pk=concern.relationship_id)
    errors: _Errors = {}
    if not spec_of(concern.entry_type).opens_case:
        errors["concern"] = ["A restorative case follows up a concern."]
    elif RestorativeCase.objects.filter(concern=concern).exists():
        errors["concern"] = ["This concern already has a restorative case."]
    if organisation.pk not in concern.relationship.sides() or not (
        organisations_acting_for(opened_by).filter(pk=organisation.pk).exists()
    ):
        errors["organisation"] = ["Only the two organisations of the relationship open a restorative case."]
    if errors:
        raise ValidationError(errors)
    case = RestorativeCase.objects.create(
        relationship=concern.relationship,
        concern=concern,
        opened_by_organisation=organisation,
        opened_by=opened_by,
        opened_at=now or timezone.now(),
    )
    system_entry_record(
        relationship=concern.relationship,
        event="restorative_case_opened",
        event_key=f"restorative_case_opened:{case.pk}",
        author_organisation=organisation,
        body=f"{organisation} opened a restorative case on concern {concern.sequence}.",
        payload={"restorative_case": case.pk},
        replies_to=concern,
        now=now,
    )
    return case


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@transaction.atomic
def pulse_check_in_submit(
    *,
    relationship: Relationship,
    organisation: Organisation,
    submitted_by: User,
    scores: dict[str, int],
    comment: str = "",
    today: datetime.date | None = None,
) -> PulseCheckIn:
    """One side's answers for the current quarter; each side answers once a quarter."""
    quarter = quarter_start(today or timezone.localdate())
    Relationship.objects.select_for_update().get(pk=relationship.pk)  # one answer per side, even at once
    errors: _Errors = {}
    if organisation.pk not in relationship.sides() or not (
        organisations_acting_for(submitted_by).filter(pk=organisation.pk).exists()
    ):
        errors["organisation"] = ["Only the two organisations of the relationship answer its pulse check-in."]
    comment_error = _free_text_error(comment, field="the comment", limit=COMMENT_MAX_LENGTH)
    if comment_error:
        errors["comment"] = [comment_error]
    for question in PulseCheckIn.QUESTIONS:
        value = scores.get(question)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors[question] = ["Answer from 1 (not at all) to 5 (fully)."]
    if set(scores) - set(PulseCheckIn.QUESTIONS):
        errors["scores"] = [f"Unknown questions: {', '.join(sorted(set(scores) - set(PulseCheckIn.QUESTIONS)))}."]
    if (
        not errors
        and PulseCheckIn.objects.filter(
            relationship=relationship, organisation=organisation, quarter_start=quarter
        ).exists()
    ):
        errors["quarter_start"] = [f"{organisation} has already answered for the quarter from {quarter:%d %B %Y}."]
    if errors:
        raise ValidationError(errors)
    return PulseCheckIn.objects.create(
        relationship=relationship,
        organisation=organisation,
        quarter_start=quarter,
        comment=comment.strip(),
        submitted_by=submitted_by,
        **{question: scores[question] for question in PulseCheckIn.QUESTIONS},
    )


@transaction.atomic
def administrator_access_record(*, relationship: Relationship, user: User, reason: str) -> AdministratorAccess:
    """A staff administrator reads a relationship's log: recorded, and told to both sides."""
    if not user.is_staff:
        raise ValidationError({"user": ["Only staff administrators read a log by audited access."]})
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": ["Say why you need to read this log (at least 10 characters)."]})
    error = _free_text_error(reason, field="the reason", limit=COMMENT_MAX_LENGTH)
    if error or _unstorable(reason):
        # The reason is written into the log for ever: it must not identify a child either.
        raise ValidationError({"reason": [error or "The reason cannot be stored."]})
    access = AdministratorAccess.objects.create(relationship=relationship, user=user, reason=reason.strip())
    system_entry_record(
        relationship=relationship,
        event="administrator_access",
        event_key=f"administrator_access:{access.pk}",
        body=f"A service administrator ({user.email}) read this log. Reason given: {reason.strip()}",
    )
    return access
