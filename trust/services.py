"""Every write to the trust log: opening a relationship and appending an entry.

Appends to one relationship serialise on a row lock of the Relationship, so two people
writing at once get consecutive sequence numbers and an unbroken hash chain; the unique
(relationship, sequence) constraint is the backstop.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, User
from trust.hashing import entry_hash_compute
from trust.models import GENESIS_HASH, Entry, EntryType, Relationship, RelationshipOrigin
from trust.selectors import organisations_acting_for

COUNTERPART_KINDS = {OrganisationKind.PROVIDER, OrganisationKind.FEDERATION}
COMMITMENT_OUTCOMES = {"kept", "missed", "renegotiated"}
QUALITY_PERSPECTIVES = {"traditional", "scientific", "managerial", "consumerist", "democratic"}
SYSTEM_EVENTS = {
    "relationship_opened",
    "invitation_sent",
    "offer_made",
    "declined",
    "placement_made",
    "placement_ended",
    "deadline_missed",
    "commitment_missed",
}

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
) -> Entry:
    """Append one entry to the relationship's log, chained to the entry before it."""
    payload = _json_roundtrip(payload or {})
    _validate(relationship, entry_type, author_organisation, author_user, body, payload, corrects, replies_to)
    # The lock makes "read the last entry, then write the next" one step per relationship.
    Relationship.objects.select_for_update().get(pk=relationship.pk)
    last = Entry.objects.filter(relationship=relationship).order_by("-sequence").only("sequence", "entry_hash").first()
    entry = Entry(
        relationship=relationship,
        sequence=last.sequence + 1 if last else 1,
        entry_type=entry_type,
        author_organisation=author_organisation,
        author_user=author_user,
        body=body,
        payload=payload,
        corrects=corrects,
        replies_to=replies_to,
        created_at=timezone.now(),
        previous_hash=last.entry_hash if last else GENESIS_HASH,
    )
    entry.entry_hash = entry_hash_compute(entry)
    entry.save(force_insert=True)
    return entry


def _json_roundtrip(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the database will hand it back, so the hash made now verifies later."""
    try:
        return dict(json.loads(json.dumps(payload, allow_nan=False), parse_float=_refuse_float))
    except (TypeError, ValueError) as error:
        raise ValidationError({"payload": [f"The details must be plain JSON values: {error}"]}) from error


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
    _validate_author(errors, relationship, entry_type, author_organisation, author_user)
    _validate_links(errors, relationship, entry_type, author_organisation, corrects, replies_to)
    PAYLOAD_RULES.get(entry_type, _no_details)(errors, relationship, payload)
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
    if entry_type == EntryType.SYSTEM:
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
) -> None:
    if corrects is not None:
        if corrects.relationship_id != relationship.pk:
            errors["corrects"] = ["A correction belongs to the same relationship as what it corrects."]
        elif corrects.author_organisation_id != (author_organisation.pk if author_organisation else None):
            errors["corrects"] = ["Each side corrects only its own entries; reply to the other side's."]
    if replies_to is not None and replies_to.relationship_id != relationship.pk:
        errors["replies_to"] = ["A reply belongs to the same relationship as what it answers."]
    if entry_type in {EntryType.REPLY, EntryType.COMMITMENT_UPDATE} and replies_to is None:
        errors["replies_to"] = ["Say which entry this answers."]
    elif (
        entry_type == EntryType.COMMITMENT_UPDATE
        and replies_to is not None
        and replies_to.entry_type != EntryType.COMMITMENT
    ):
        errors["replies_to"] = ["A commitment update answers a commitment."]


# --- Payload shapes, one rule per entry type --------------------------------------------

_PayloadRule = Callable[[_Errors, Relationship, dict[str, Any]], None]


def _unknown_keys(errors: _Errors, payload: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(payload) - allowed)
    if unknown:
        errors.setdefault("payload", []).append(f"Unexpected details: {', '.join(unknown)}.")


def _text(errors: _Errors, payload: dict[str, Any], key: str, label: str) -> None:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.setdefault("payload", []).append(f"Say {label}.")


def _date(errors: _Errors, payload: dict[str, Any], key: str, label: str, *, required: bool = True) -> None:
    if key not in payload and not required:
        return
    try:
        datetime.date.fromisoformat(payload[key])
    except (KeyError, TypeError, ValueError):
        errors.setdefault("payload", []).append(f"Give {label} as a date (YYYY-MM-DD).")


def _actions(errors: _Errors, payload: dict[str, Any], *, required: bool) -> None:
    actions = payload.get("actions")
    if actions is None and not required:
        return
    if not isinstance(actions, list) or not actions:
        errors.setdefault("payload", []).append("List the actions agreed, each with its owner.")
        return
    for action in actions:
        if (
            not isinstance(action, dict)
            or set(action) != {"action", "owner"}
            or not all(isinstance(value, str) and value.strip() for value in action.values())
        ):
            errors.setdefault("payload", []).append("Each action has an 'action' and an 'owner'.")
            return


def _no_details(errors: _Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _unknown_keys(errors, payload, set())


def _dated_meeting(errors: _Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _unknown_keys(errors, payload, {"held_on"})
    _date(errors, payload, "held_on", "the day it was held", required=False)


def _commitment(errors: _Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _unknown_keys(errors, payload, {"what", "by_whom", "owner_organisation", "due_date"})
    _text(errors, payload, "what", "what is promised")
    _text(errors, payload, "by_whom", "who will do it")
    _date(errors, payload, "due_date", "the due date")
    if payload.get("owner_organisation") not in relationship.sides():
        errors.setdefault("payload", []).append("The owner is one of the two organisations.")


def _commitment_update(errors: _Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _unknown_keys(errors, payload, {"outcome", "due_date"})
    if payload.get("outcome") not in COMMITMENT_OUTCOMES:
        errors.setdefault("payload", []).append("Say whether it was kept, missed or renegotiated.")
    _date(errors, payload, "due_date", "the new due date", required=payload.get("outcome") == "renegotiated")


def _agreement(errors: _Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _unknown_keys(errors, payload, {"actions"})
    _actions(errors, payload, required=True)


def _review(errors: _Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _unknown_keys(errors, payload, {"actions", "quality_perspective"})
    _actions(errors, payload, required=False)
    if "quality_perspective" in payload and payload["quality_perspective"] not in QUALITY_PERSPECTIVES:
        errors.setdefault("payload", []).append("Choose one of the quality perspectives.")


def _system(errors: _Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    # System entries carry their event's own references (an offer, a reason) beside the kind.
    if payload.get("event") not in SYSTEM_EVENTS:
        errors.setdefault("payload", []).append("A system entry names its event.")


PAYLOAD_RULES: dict[str, _PayloadRule] = {
    EntryType.MEETING_RECORD: _dated_meeting,
    EntryType.RESTORATIVE_CONVERSATION: _dated_meeting,
    EntryType.COMMITMENT: _commitment,
    EntryType.COMMITMENT_UPDATE: _commitment_update,
    EntryType.AGREEMENT: _agreement,
    EntryType.REVIEW: _review,
    EntryType.SYSTEM: _system,
}
