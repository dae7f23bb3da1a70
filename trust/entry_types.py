"""What each type of trust-log entry is, in one place (ADR 20): one `EntryTypeSpec` per
`EntryType`, read by the services (payload rule, what it answers, corrections, what adding it
keeps in step), the selectors (restorative stages), the hashing (free-text keys) and the pages.

A type's form and how its details are shown are attached in `trust.presenting.ENTRY_PAGES`,
because forms import the services, which import this module. A test checks that both
registries name every `EntryType`, so a new type cannot be half-added.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.models import Organisation
from trust.models import (
    Commitment,
    CommitmentStatus,
    Entry,
    EntryType,
    Relationship,
    RelationshipState,
    RestorativeCase,
    RestorativeStage,
)

Errors = dict[str, list[str]]
PayloadRule = Callable[[Errors, Relationship, dict[str, Any]], None]
AnswerCheck = Callable[[Errors, Organisation | None, Entry, dict[str, Any]], None]

COMMITMENT_OUTCOMES = ("kept", "missed", "renegotiated")
QUALITY_PERSPECTIVES = ("traditional", "scientific", "managerial", "consumerist", "democratic")
ACTION_STATUSES = ("in_progress", "done")
SYSTEM_EVENTS = {
    "relationship_opened",
    "restorative_case_opened",
    "administrator_access",
    "commitment_reminder",
    "invitation_sent",
    "offer_made",
    "declined",
    "placement_made",
    "placement_ended",
    "deadline_missed",
    "commitment_missed",
    "entry_redacted",
}
CASE_KEYS = frozenset({"restorative_case", "relationship_state"})


def _nothing_more(errors: Errors, author_organisation: Organisation | None, replies_to: Entry, payload: Any) -> None:
    return None


@dataclass(frozen=True)
class Answering:
    """An answering type: it always names the entry it answers (`replies_to`), of a kind that
    `fits`; `check` adds what else the pair must satisfy."""

    fits: Callable[[Entry], bool]
    misfit: str  # the error when the entry answered does not fit
    check: AnswerCheck = _nothing_more
    heading: str = ""  # the form's heading, with {sequence} of the entry answered; "" for the form's own


@dataclass(frozen=True)
class EntryTypeSpec:
    """Everything the service and its pages know about one entry type, but its form and
    presenter (`trust.presenting.ENTRY_PAGES`)."""

    entry_type: EntryType
    # The details' keys allowed (None: any, for the service's own entries) and the rule that
    # checks their values, required ones included.
    payload_keys: frozenset[str] | None
    payload_rule: PayloadRule
    # Keys whose values are free text: screened, kept in the entry's redactable content, and
    # out of the hash chain (ADR 18).
    free_text_keys: frozenset[str] = frozenset()
    by_service: bool = False  # written by the service alone, never by a person
    answers: Answering | None = None
    # Why an entry of this type may not be a correction ("" when it may), and whether an
    # entry of this type may be corrected.
    correction_refused: str = ""
    correctable: bool = True
    reply_invited: bool = False  # the timeline offers the other side a Reply link beside it
    opens_case: bool = False  # a restorative case follows it up
    progresses_actions: bool = False  # it answers an agreement's or review's action with a status
    restorative_stage: RestorativeStage | None = None
    stage_prompt: str = ""  # the case page's link to record the stage, "" when it has none
    on_added: Callable[[Entry], None] | None = None  # the indexes it keeps in step


# --- Payload rules ------------------------------------------------------------------------


def whole_number(value: Any) -> bool:
    # JSON true is a Python int; "action": true must not mean action 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _text(errors: Errors, payload: dict[str, Any], key: str, label: str) -> None:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.setdefault("payload", []).append(f"Say {label}.")


def _date(errors: Errors, payload: dict[str, Any], key: str, label: str, *, required: bool = True) -> None:
    if key not in payload and not required:
        return
    try:
        datetime.date.fromisoformat(payload[key])
    except (KeyError, TypeError, ValueError):
        errors.setdefault("payload", []).append(f"Give {label} as a date (YYYY-MM-DD).")


def _actions(errors: Errors, payload: dict[str, Any], *, required: bool) -> None:
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


def _no_details(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    return None


def _case_stage(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    """A stage of a restorative case names an open case of this relationship, and may say, in
    the field's words, where the relationship is."""
    if "relationship_state" in payload and payload["relationship_state"] not in tuple(RelationshipState.values):
        errors.setdefault("payload", []).append("Choose one of the words for where the relationship is.")
    if "restorative_case" not in payload:
        if payload.get("closes_case"):
            errors.setdefault("payload", []).append("Say which restorative case the review closes.")
        return
    case_id = payload["restorative_case"]
    if (
        not whole_number(case_id)
        or not RestorativeCase.objects.filter(pk=case_id, relationship=relationship, closed_at__isnull=True).exists()
    ):
        errors.setdefault("payload", []).append("Choose an open restorative case of this relationship.")


def _dated_meeting(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _date(errors, payload, "held_on", "the day it was held", required=False)


def _restorative_conversation(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _date(errors, payload, "held_on", "the day it was held", required=False)
    _case_stage(errors, relationship, payload)


def _commitment(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _text(errors, payload, "what", "what is promised")
    _text(errors, payload, "by_whom", "who will do it")
    _date(errors, payload, "due_date", "the due date")
    owner = payload.get("owner_organisation")
    if not whole_number(owner) or owner not in relationship.sides():
        errors.setdefault("payload", []).append("The owner is one of the two organisations.")


def _commitment_update(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    if payload.get("outcome") not in COMMITMENT_OUTCOMES:
        errors.setdefault("payload", []).append("Say whether it was kept, missed or renegotiated.")
    if payload.get("outcome") == "renegotiated":
        _date(errors, payload, "due_date", "the new due date")
    elif "due_date" in payload:
        errors.setdefault("payload", []).append("Only a renegotiated commitment has a new due date.")


def _agreement(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _actions(errors, payload, required=True)
    _case_stage(errors, relationship, payload)


def _review(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    _actions(errors, payload, required=False)
    if "quality_perspective" in payload and payload["quality_perspective"] not in QUALITY_PERSPECTIVES:
        errors.setdefault("payload", []).append("Choose one of the quality perspectives.")
    if "closes_case" in payload and not isinstance(payload["closes_case"], bool):
        errors.setdefault("payload", []).append("Say yes or no to closing the restorative case.")
    _case_stage(errors, relationship, payload)


def _action_update(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    if not whole_number(payload.get("action")) or payload["action"] < 0:
        errors.setdefault("payload", []).append("Say which action (its number in the list).")
    if payload.get("status") not in ACTION_STATUSES:
        errors.setdefault("payload", []).append("Say whether the action is done or in progress.")


def _system(errors: Errors, relationship: Relationship, payload: dict[str, Any]) -> None:
    # System entries carry their event's own references (an offer, a reason) beside the kind.
    if not isinstance(payload.get("event"), str) or payload["event"] not in SYSTEM_EVENTS:
        errors.setdefault("payload", []).append("A system entry names its event.")


# --- What an answer must fit --------------------------------------------------------------


def _right_of_reply(
    errors: Errors, author_organisation: Organisation | None, replies_to: Entry, payload: dict[str, Any]
) -> None:
    if author_organisation is not None and replies_to.author_organisation_id == author_organisation.pk:
        errors["replies_to"] = ["The right of reply is the other side's: add a note or a correction instead."]


def _action_listed(
    errors: Errors, author_organisation: Organisation | None, replies_to: Entry, payload: dict[str, Any]
) -> None:
    if whole_number(payload.get("action")) and payload["action"] >= len(replies_to.payload["actions"]):
        errors["payload"] = [f"Entry {replies_to.sequence} lists {len(replies_to.payload['actions'])} actions."]


# --- What adding an entry keeps in step (the commitment and restorative-case indexes) -------


def _commitment_index(entry: Entry) -> None:
    Commitment.objects.create(
        entry=entry,
        relationship=entry.relationship,
        owner_organisation_id=entry.payload["owner_organisation"],
        what=entry.payload["what"][:500],
        due_date=datetime.date.fromisoformat(entry.payload["due_date"]),
    )


def _commitment_update_index(entry: Entry) -> None:
    if entry.replies_to is None:
        return
    commitment = Commitment.objects.select_for_update().filter(entry=entry.replies_to).first()
    if commitment is None:  # a commitment from before the index existed: nothing to keep in step
        return
    outcome = entry.payload["outcome"]
    if outcome == "renegotiated":
        commitment.due_date = datetime.date.fromisoformat(entry.payload["due_date"])
        commitment.status = CommitmentStatus.OPEN
        # A new date earns its own reminder and, if it passes too, its own "missed" entry.
        commitment.reminded_for = commitment.missed_recorded_for = None
    else:
        commitment.status = CommitmentStatus.KEPT if outcome == "kept" else CommitmentStatus.MISSED
    commitment.save(update_fields=["due_date", "status", "reminded_for", "missed_recorded_for"])


def _review_index(entry: Entry) -> None:
    if entry.payload.get("closes_case"):
        RestorativeCase.objects.filter(pk=entry.payload["restorative_case"], closed_at__isnull=True).update(
            closed_at=entry.created_at, closing_entry=entry
        )


# --- The registry -------------------------------------------------------------------------

_SPECS = (
    EntryTypeSpec(EntryType.NOTE, frozenset(), _no_details),
    EntryTypeSpec(EntryType.MEETING_RECORD, frozenset({"held_on"}), _dated_meeting),
    EntryTypeSpec(
        EntryType.COMMITMENT,
        frozenset({"what", "by_whom", "owner_organisation", "due_date"}),
        _commitment,
        free_text_keys=frozenset({"what", "by_whom"}),
        correction_refused="Change a commitment with a commitment update (renegotiated), not a correction.",
        on_added=_commitment_index,
    ),
    EntryTypeSpec(
        EntryType.COMMITMENT_UPDATE,
        frozenset({"outcome", "due_date"}),
        _commitment_update,
        answers=Answering(
            fits=lambda answered: answered.entry_type == EntryType.COMMITMENT,
            misfit="A commitment update answers a commitment.",
        ),
        reply_invited=True,
        on_added=_commitment_update_index,
    ),
    EntryTypeSpec(
        EntryType.CONCERN,
        frozenset(),
        _no_details,
        reply_invited=True,
        opens_case=True,
        restorative_stage=RestorativeStage.CONCERN_RAISED,
    ),
    EntryTypeSpec(
        EntryType.REPLY,
        frozenset(),
        _no_details,
        answers=Answering(
            fits=lambda answered: True, misfit="", check=_right_of_reply, heading="Reply to entry {sequence}"
        ),
        restorative_stage=RestorativeStage.REPLY,
        stage_prompt="Reply to the concern",
    ),
    EntryTypeSpec(
        EntryType.RESTORATIVE_CONVERSATION,
        frozenset({"held_on", *CASE_KEYS}),
        _restorative_conversation,
        restorative_stage=RestorativeStage.CONVERSATION_HELD,
        stage_prompt="Record the conversation",
    ),
    EntryTypeSpec(
        EntryType.AGREEMENT,
        frozenset({"actions", *CASE_KEYS}),
        _agreement,
        free_text_keys=frozenset({"actions"}),
        restorative_stage=RestorativeStage.AGREEMENT,
        stage_prompt="Record the agreement",
    ),
    EntryTypeSpec(
        EntryType.REVIEW,
        frozenset({"actions", "quality_perspective", "closes_case", *CASE_KEYS}),
        _review,
        free_text_keys=frozenset({"actions"}),
        restorative_stage=RestorativeStage.REVIEW,
        stage_prompt="Record a review",
        on_added=_review_index,
    ),
    EntryTypeSpec(EntryType.LEARNING_REFLECTION, frozenset(), _no_details),
    EntryTypeSpec(EntryType.APPRECIATION, frozenset(), _no_details),
    EntryTypeSpec(
        EntryType.ACTION_UPDATE,
        frozenset({"action", "status"}),
        _action_update,
        answers=Answering(
            fits=lambda answered: bool(answered.payload.get("actions")),
            misfit="An action update answers an agreement or review that lists actions.",
            check=_action_listed,
        ),
        progresses_actions=True,
    ),
    EntryTypeSpec(EntryType.SYSTEM, None, _system, by_service=True, correctable=False),
)
ENTRY_TYPES: dict[str, EntryTypeSpec] = {spec.entry_type.value: spec for spec in _SPECS}

# Every key that is free text in some type: payloads are split by key alone (trust.hashing).
FREE_TEXT_KEYS: frozenset[str] = frozenset(key for spec in _SPECS for key in spec.free_text_keys)
# The stage each restorative stage's entry type reaches, in the stages' order.
STAGE_TYPES: dict[str, EntryTypeSpec] = {
    stage: spec for stage in RestorativeStage.values for spec in _SPECS if spec.restorative_stage == stage
}


def spec_of(entry_type: str) -> EntryTypeSpec:
    return ENTRY_TYPES[entry_type]


def types_where(test: Callable[[EntryTypeSpec], bool]) -> list[str]:
    """The entry types whose spec passes `test`, in EntryType's order."""
    return [value for value in EntryType.values if test(ENTRY_TYPES[value])]
