"""Forms of the trust log's pages: they parse and check input; `trust.services` decides and writes.

Each entry type a person writes has a form that turns its fields into the entry's `payload` (the
shapes its spec in `trust.entry_types` checks); `trust.presenting.ENTRY_PAGES` names it. Entries
are permanent, so every body is checked for obvious identifiers before it is written: a child's
details written here could never be removed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from django import forms
from django.forms.boundfield import BoundField, BoundWidget

from accounts.models import Organisation, OrganisationKind
from commissioning.identifiers import screened
from config.forms import DatePartsField, GovukForm, choice_messages, date_messages, text_messages
from trust.entry_types import types_where
from trust.models import EntryType, PulseCheckIn, Relationship, RelationshipState, RestorativeCase
from trust.selectors import organisations_to_open_with
from trust.services import BODY_MAX_LENGTH, COMMENT_MAX_LENGTH

ACTION_ROWS = 5
COUNTERPART_KINDS = (OrganisationKind.PROVIDER, OrganisationKind.FEDERATION)

QUALITY_PERSPECTIVES = [
    ("traditional", "Traditional"),
    ("scientific", "Scientific or expert"),
    ("managerial", "Managerial"),
    ("consumerist", "Consumerist"),
    ("democratic", "Democratic"),
]
QUALITY_HINTS = {
    "traditional": "Quality as rank: five stars are better than one.",
    "scientific": "Quality as conforming to a specification.",
    "managerial": "Quality as excellence measured by satisfaction.",
    "consumerist": "Quality as satisfaction for the price paid.",
    "democratic": "Quality as doing things morally right.",
}
# The field's words for where a relationship is (RelationshipState), each with what it means.
STATE_HINTS: dict[str, str] = {
    RelationshipState.RESENTMENT.value: "Hurt or anger is still felt about what happened.",
    RelationshipState.RECRIMINATION.value: "Each side is blaming the other; the talk is of fault.",
    RelationshipState.RAPPROCHEMENT.value: "Talking again: not back to how it was, but towards how it will be.",
    RelationshipState.RECONCILIATION.value: "What went wrong is acknowledged and both sides can work together.",
    RelationshipState.RECONCEIVING.value: "Rethinking together how the work is done, so it does not happen again.",
    RelationshipState.RELATIONAL.value: "Working as partners, in the open, with trust restored.",
}
COMMITMENT_OUTCOMES = [("kept", "Kept"), ("missed", "Missed"), ("renegotiated", "Renegotiated: a new due date")]
ACTION_STATUSES = [("done", "Done"), ("in_progress", "In progress")]
PULSE_SCORES = [(str(score), label) for score, label in enumerate(["1 not at all", "2", "3", "4", "5 fully"], start=1)]


def with_hints(field: BoundField, hints: dict[str, str]) -> list[tuple[BoundWidget, str]]:
    """Each radio of the field beside the sentence that explains it."""
    return [(choice, hints.get(str(choice.data["value"]), "")) for choice in field]


def _choices_set(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _organisation_choices(organisations: Iterable[Organisation]) -> list[tuple[str, str]]:
    return [(str(organisation.pk), organisation.name) for organisation in organisations]


class EntryFilterForm(GovukForm):
    type = forms.ChoiceField(
        label="Show",
        choices=[("", "All entries"), *EntryType.choices],
        required=False,
        error_messages=choice_messages("Choose a type of entry from the list, or all entries"),
    )


class RelationshipOpenForm(GovukForm):
    """Open the log with another organisation: a commissioner names a provider organisation
    or federation; provider staff name a local authority."""

    organisation = forms.ChoiceField(
        label="Your organisation",
        widget=forms.RadioSelect,
        error_messages=choice_messages("Choose the organisation you open it for.", "Choose one of your organisations."),
    )
    other_organisation = forms.ChoiceField(
        label="The other organisation",
        error_messages={
            "required": "Choose the organisation to open a relationship with.",
            "invalid_choice": "Choose one of the organisations listed.",
        },
    )

    def __init__(self, *args: Any, own: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own = _sides_offered(self, own)
        others = organisations_to_open_with(own, self._other_kinds())
        self.others = {organisation.pk: organisation for organisation in others}
        _choices_set(self, "other_organisation", [("", "Choose an organisation"), *_organisation_choices(others)])
        self.fields["other_organisation"].label = self._other_label()

    def _other_kinds(self) -> set[str]:
        kinds: set[str] = set()
        for organisation in self.own.values():
            local_authority = organisation.kind == OrganisationKind.LOCAL_AUTHORITY
            kinds |= set(COUNTERPART_KINDS) if local_authority else {OrganisationKind.LOCAL_AUTHORITY}
        return kinds

    def _other_label(self) -> str:
        kinds = self._other_kinds()
        if kinds == {OrganisationKind.LOCAL_AUTHORITY}:
            return "Local authority"
        if OrganisationKind.LOCAL_AUTHORITY in kinds:
            return "The other organisation"
        return "Provider organisation or federation"

    def organisation_chosen(self) -> Organisation:
        if "organisation" not in self.fields:
            return next(iter(self.own.values()))
        return self.own[int(self.cleaned_data["organisation"])]

    def other_chosen(self) -> Organisation:
        return self.others[int(self.cleaned_data["other_organisation"])]


# --- Entries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFormContext:
    """What an entry form offers: the relationship, the sides the person writes for, the open
    restorative cases, and the actions of the agreement an action update answers."""

    relationship: Relationship
    sides: list[Organisation]
    open_cases: list[RestorativeCase] = field(default_factory=list)
    target_actions: list[dict[str, str]] = field(default_factory=list)


# The order trust/entry_form.html asks in, so the error summary lists errors as the page does.
ENTRY_PAGE_ORDER = [
    "organisation", "what", "by_whom", "owner_organisation", "outcome", "due_date", "action", "status",
    "restorative_case", "held_on", "body",
    *[name for number in range(1, ACTION_ROWS + 1) for name in (f"action_{number}", f"owner_{number}")],
    "quality_perspective", "relationship_state", "closes_case",
]  # fmt: skip


class EntryForm(GovukForm):
    """What every entry has: its words, and the side it is written for when the person acts
    for both. Subclasses add their type's fields and build its payload."""

    entry_type: ClassVar[str] = EntryType.NOTE
    heading: ClassVar[str] = "Write a note"
    body_label: ClassVar[str] = "Note"

    organisation = forms.ChoiceField(
        label="Write for",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the organisation you write for.",
            "invalid_choice": "Choose one of your organisations.",
        },
    )
    body = forms.CharField(
        widget=forms.Textarea,
        max_length=BODY_MAX_LENGTH,
        error_messages=text_messages("Write what the entry says.", thing="The entry", limit=BODY_MAX_LENGTH),
        help_text="Entries are permanent: nothing written here can be changed or deleted. Do not identify any "
        "child: no names, dates of birth, addresses, phone numbers or case numbers.",
    )

    def __init__(self, *args: Any, context: EntryFormContext, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sides = _sides_offered(self, context.sides)
        self.fields["body"].label = self.body_label
        self.setup(context)
        self.order_fields(ENTRY_PAGE_ORDER)

    def setup(self, context: EntryFormContext) -> None:
        """Fill the choices of the type's own fields."""

    def clean_body(self) -> str:
        return screened(self.cleaned_data["body"], field="the entry")

    def author(self) -> Organisation:
        if "organisation" not in self.fields:
            return next(iter(self.sides.values()))
        return self.sides[int(self.cleaned_data["organisation"])]

    def payload(self) -> dict[str, Any]:
        return {}


class ConcernForm(EntryForm):
    entry_type = EntryType.CONCERN
    heading = "Raise a concern"
    body_label = "Your concern"


class ReplyForm(EntryForm):
    entry_type = EntryType.REPLY
    heading = "Reply"
    body_label = "Your reply"


class AppreciationForm(EntryForm):
    entry_type = EntryType.APPRECIATION
    heading = "Record appreciation"
    body_label = "What you appreciate"


class LearningReflectionForm(EntryForm):
    entry_type = EntryType.LEARNING_REFLECTION
    heading = "Record a learning reflection"
    body_label = "What you have learned"


class MeetingRecordForm(EntryForm):
    entry_type = EntryType.MEETING_RECORD
    heading = "Record a meeting"
    body_label = "What was discussed and decided"

    held_on = DatePartsField(
        label="Held on",
        required=False,
        error_messages=date_messages(None, thing="The day the meeting was held"),
    )

    def payload(self) -> dict[str, Any]:
        held_on: datetime.date | None = self.cleaned_data["held_on"]
        return {"held_on": held_on.isoformat()} if held_on else {}


class CommitmentForm(EntryForm):
    entry_type = EntryType.COMMITMENT
    heading = "Record a commitment"
    body_label = "The commitment, in your words"

    what = forms.CharField(
        label="What is promised",
        max_length=500,
        error_messages=text_messages("Say what is promised.", thing="What is promised", limit=500),
    )
    by_whom = forms.CharField(
        label="By whom",
        max_length=200,
        help_text="A role, such as the registered manager.",
        error_messages=text_messages("Say who will do it.", thing="Who will do it", limit=200),
    )
    owner_organisation = forms.ChoiceField(
        label="Which organisation owns it",
        widget=forms.RadioSelect,
        error_messages=choice_messages(
            "Choose the organisation that owns the commitment.", "Choose one of the two organisations of this log."
        ),
    )
    due_date = DatePartsField(
        label="Due date",
        error_messages={
            "required": "Enter the due date.",
            "invalid": "Enter the due date as a real date.",
            "incomplete": "The due date must include a %(parts)s.",
        },
    )

    def setup(self, context: EntryFormContext) -> None:
        relationship = context.relationship
        sides = [relationship.local_authority, relationship.counterpart]
        _choices_set(self, "owner_organisation", _organisation_choices(sides))

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "what": data["what"],
            "by_whom": data["by_whom"],
            "owner_organisation": int(data["owner_organisation"]),
            "due_date": data["due_date"].isoformat(),
        }


class CommitmentUpdateForm(EntryForm):
    entry_type = EntryType.COMMITMENT_UPDATE
    heading = "Record an update to a commitment"
    body_label = "What happened"

    outcome = forms.ChoiceField(
        label="Outcome",
        choices=COMMITMENT_OUTCOMES,
        widget=forms.RadioSelect,
        error_messages=choice_messages("Say whether the commitment was kept, missed or renegotiated."),
    )
    due_date = DatePartsField(
        label="New due date",
        required=False,
        help_text="Only when the commitment is renegotiated.",
        error_messages=date_messages(None, thing="The new due date"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == "renegotiated" and not data.get("due_date"):
            self.add_error("due_date", "Give the new due date of a renegotiated commitment.")
        return data

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        payload: dict[str, Any] = {"outcome": data["outcome"]}
        if data["outcome"] == "renegotiated":
            payload["due_date"] = data["due_date"].isoformat()
        return payload


class ActionUpdateForm(EntryForm):
    entry_type = EntryType.ACTION_UPDATE
    heading = "Record progress on an action"
    body_label = "Progress"

    action = forms.ChoiceField(
        label="Which action",
        error_messages={"required": "Choose the action.", "invalid_choice": "Choose one of the actions listed."},
    )
    status = forms.ChoiceField(
        label="Status",
        choices=ACTION_STATUSES,
        widget=forms.RadioSelect,
        error_messages=choice_messages("Say whether the action is done or in progress."),
    )

    def setup(self, context: EntryFormContext) -> None:
        # Stored as the action's position in the agreement's list: 0 for the first.
        choices = [
            (str(index), f"{index + 1}. {action['action']} ({action['owner']})")
            for index, action in enumerate(context.target_actions)
        ]
        _choices_set(self, "action", choices)

    def payload(self) -> dict[str, Any]:
        return {"action": int(self.cleaned_data["action"]), "status": self.cleaned_data["status"]}


class CaseStageForm(EntryForm):
    """A stage of restorative follow-up: it may name the case and say, in the field's words,
    where the relationship is."""

    restorative_case = forms.ChoiceField(
        label="Restorative case",
        required=False,
        error_messages={"invalid_choice": "Choose an open restorative case of this relationship."},
    )
    relationship_state = forms.ChoiceField(
        label="Where is the relationship now?",
        choices=[("", "Not now"), *RelationshipState.choices],
        widget=forms.RadioSelect,
        required=False,
        initial="",
        help_text="Optional. The words are offered, never imposed.",
        error_messages=choice_messages("Choose where the relationship is now from the list, or not now"),
    )

    def setup(self, context: EntryFormContext) -> None:
        cases = [
            (str(case.pk), f"Concern {case.concern.sequence}: {case.concern.body[:80]}") for case in context.open_cases
        ]
        _choices_set(self, "restorative_case", [("", "Not part of a restorative case"), *cases])

    def state_choices(self) -> list[tuple[BoundWidget, str]]:
        return with_hints(self["relationship_state"], STATE_HINTS)

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        if self.cleaned_data["restorative_case"]:
            payload["restorative_case"] = int(self.cleaned_data["restorative_case"])
        if self.cleaned_data["relationship_state"]:
            payload["relationship_state"] = self.cleaned_data["relationship_state"]
        return payload


class RestorativeConversationForm(CaseStageForm):
    entry_type = EntryType.RESTORATIVE_CONVERSATION
    heading = "Record a restorative conversation"
    body_label = "What was said and heard"

    held_on = DatePartsField(
        label="Held on",
        required=False,
        error_messages=date_messages(None, thing="The day the conversation was held"),
    )

    def payload(self) -> dict[str, Any]:
        payload = super().payload()
        if self.cleaned_data["held_on"]:
            payload["held_on"] = self.cleaned_data["held_on"].isoformat()
        return payload


class ActionsForm(CaseStageForm):
    """A case stage that lists actions: up to ACTION_ROWS, each with its owner; blank rows are
    ignored."""

    actions_required: ClassVar[bool] = True

    def setup(self, context: EntryFormContext) -> None:
        super().setup(context)
        for number in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{number}"] = forms.CharField(
                label=f"Action {number}",
                max_length=500,
                required=False,
                error_messages=text_messages(None, thing=f"Action {number}", limit=500),
            )
            self.fields[f"owner_{number}"] = forms.CharField(
                label=f"Owner of action {number}",
                max_length=200,
                required=False,
                error_messages=text_messages(None, thing=f"The owner of action {number}", limit=200),
            )

    def action_rows(self) -> list[tuple[int, BoundField, BoundField]]:
        return [(number, self[f"action_{number}"], self[f"owner_{number}"]) for number in range(1, ACTION_ROWS + 1)]

    def _rows(self) -> list[tuple[int, str, str]]:
        data = self.cleaned_data
        return [
            (number, data.get(f"action_{number}", "").strip(), data.get(f"owner_{number}", "").strip())
            for number in range(1, ACTION_ROWS + 1)
        ]

    def actions(self) -> list[dict[str, str]]:
        return [{"action": action, "owner": owner} for _number, action, owner in self._rows() if action and owner]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for number, action, owner in self._rows():
            if action and not owner:
                self.add_error(f"owner_{number}", f"Say who owns action {number}.")
            elif owner and not action:
                self.add_error(f"action_{number}", f"Say what action {number} is.")
        if self.actions_required and not any(action or owner for _number, action, owner in self._rows()):
            self.add_error("action_1", "List at least one action agreed, with who owns it.")
        return data


class AgreementForm(ActionsForm):
    entry_type = EntryType.AGREEMENT
    heading = "Record an agreement"
    body_label = "What was agreed"

    def payload(self) -> dict[str, Any]:
        return {"actions": self.actions(), **super().payload()}


class ReviewForm(ActionsForm):
    entry_type = EntryType.REVIEW
    heading = "Record a review"
    body_label = "How it went"
    actions_required = False

    quality_perspective = forms.ChoiceField(
        label="Which view of quality does this review take?",
        choices=[("", "None of these"), *QUALITY_PERSPECTIVES],
        widget=forms.RadioSelect,
        required=False,
        initial="",
        help_text="Optional. Five ways of defining quality (Pfeffer and Coote).",
        error_messages=choice_messages("Choose a view of quality from the list, or none of these"),
    )
    closes_case = forms.BooleanField(label="Close the restorative case with this review", required=False)

    def perspective_choices(self) -> list[tuple[BoundWidget, str]]:
        return with_hints(self["quality_perspective"], QUALITY_HINTS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("closes_case") and not data.get("restorative_case"):
            self.add_error("restorative_case", "Choose the restorative case this review closes.")
        return data

    def payload(self) -> dict[str, Any]:
        payload = super().payload()
        if self.actions():
            payload["actions"] = self.actions()
        if self.cleaned_data["quality_perspective"]:
            payload["quality_perspective"] = self.cleaned_data["quality_perspective"]
        if self.cleaned_data["closes_case"]:
            payload["closes_case"] = True
        return payload


class EntryTypeChoiceForm(GovukForm):
    type = forms.ChoiceField(
        label="What do you want to record?",
        widget=forms.RadioSelect,
        error_messages=choice_messages("Choose what you want to record."),
        # Answering types are reached from the links beside the entry they answer, not chosen.
        choices=[
            (value, EntryType(value).label)
            for value in types_where(lambda spec: not spec.by_service and spec.answers is None)
        ],
    )


# --- Restorative cases, pulse check-ins, audited access -------------------------------------


def _sides_offered(form: forms.Form, sides: list[Organisation]) -> dict[int, Organisation]:
    """The sides a person may act for, by id. The form asks which only when there is a choice:
    one side needs no question (and with none, the question cannot be answered)."""
    if len(sides) == 1:
        del form.fields["organisation"]
    else:
        _choices_set(form, "organisation", _organisation_choices(sides))
    return {organisation.pk: organisation for organisation in sides}


class SideForm(GovukForm):
    """The side a person acts for, asked only of someone who acts for both."""

    organisation = forms.ChoiceField(
        label="Act for",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the organisation you act for.",
            "invalid_choice": "Choose one of your organisations.",
        },
    )

    def __init__(self, *args: Any, sides: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sides = _sides_offered(self, sides)

    def side(self) -> Organisation:
        if "organisation" not in self.fields:
            return next(iter(self.sides.values()))
        return self.sides[int(self.cleaned_data["organisation"])]


class PulseForm(SideForm):
    comment = forms.CharField(
        label="Anything you want to add",
        widget=forms.Textarea,
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        help_text="Optional. Both sides read it. Do not identify any child.",
        error_messages=text_messages(None, thing="Your comment", limit=COMMENT_MAX_LENGTH),
    )

    def __init__(self, *args: Any, sides: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, sides=sides, **kwargs)
        for question, label in PulseCheckIn.QUESTIONS.items():
            self.fields[question] = forms.TypedChoiceField(
                label=label,
                choices=PULSE_SCORES,
                coerce=int,
                widget=forms.RadioSelect,
                help_text="From 1 (not at all) to 5 (fully).",
                error_messages={
                    "required": f"Answer “{label.lower()}” from 1 to 5.",
                    "invalid_choice": f"Answer “{label.lower()}” from 1 to 5.",
                },
            )
        self.order_fields(["organisation", *PulseCheckIn.QUESTIONS, "comment"])

    def question_fields(self) -> list[BoundField]:
        return [self[question] for question in PulseCheckIn.QUESTIONS]

    def clean_comment(self) -> str:
        return screened(self.cleaned_data["comment"], field="the comment")

    def scores(self) -> dict[str, int]:
        return {question: self.cleaned_data[question] for question in PulseCheckIn.QUESTIONS}


class AuditedAccessForm(GovukForm):
    reason = forms.CharField(
        label="Why do you need to read this log?",
        widget=forms.Textarea,
        max_length=COMMENT_MAX_LENGTH,
        help_text="Both organisations will see that you read it, when, and the reason you give here.",
        error_messages=text_messages(
            "Say why you need to read this log.", thing="The reason", limit=COMMENT_MAX_LENGTH
        ),
    )


class RedactionRequestForm(SideForm):
    """Ask for an entry to be redacted: the side asking (if the person acts for both) and why."""

    reason = forms.CharField(
        label="Why should this entry be redacted?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=(
            "For example: it names or describes a child, or it is wrong about a person. The other side "
            "decides. Do not repeat what the entry says: your reason is written into the log."
        ),
        error_messages=text_messages("Say why this entry should be redacted.", thing="The reason", limit=2000),
    )


REDACTION_DECISIONS = [
    ("approve", "Approve: remove what the entry says for good"),
    ("decline", "Decline: keep the entry"),
]


class RedactionDecisionForm(GovukForm):
    """Approve or decline a redaction request, with a reason; a person with a side says which."""

    decision = forms.ChoiceField(
        label="Your decision",
        choices=REDACTION_DECISIONS,
        widget=forms.RadioSelect,
        error_messages=choice_messages("Choose approve or decline."),
    )
    reason = forms.CharField(
        label="Why?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Both organisations will read it.",
        error_messages=text_messages("Say why you approve or decline.", thing="The reason", limit=2000),
    )
    organisation = forms.ChoiceField(
        label="Decide for",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the organisation you decide for.",
            "invalid_choice": "Choose one of your organisations.",
        },
    )

    def __init__(self, *args: Any, sides: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sides = _sides_offered(self, sides)
        if not sides:  # staff decide for no side
            del self.fields["organisation"]

    def side(self) -> Organisation | None:
        if "organisation" not in self.fields:
            return next(iter(self.sides.values()), None)
        return self.sides[int(self.cleaned_data["organisation"])]
