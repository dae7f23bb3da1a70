"""How the trust log's pages show entries: each entry's details in words, its actions and their
state, what answers it, and the links the reader may follow from it; and the panels beside the
log on the relationship page (indicators, pulse trend, restorative cases, chain status).

The pages read what the details refer to once per page (`lookup_for`), then present every
entry from that, so a page of fifty entries costs a handful of queries, not fifty.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.http import urlencode

from accounts.models import Organisation
from trust.entry_types import spec_of
from trust.forms import (
    ACTION_STATUSES,
    COMMITMENT_OUTCOMES,
    QUALITY_PERSPECTIVES,
    STATE_HINTS,
    ActionUpdateForm,
    AgreementForm,
    AppreciationForm,
    CommitmentForm,
    CommitmentUpdateForm,
    ConcernForm,
    EntryForm,
    LearningReflectionForm,
    MeetingRecordForm,
    ReplyForm,
    RestorativeConversationForm,
    ReviewForm,
)
from trust.indicators import DEFINITIONS
from trust.models import (
    Commitment,
    CommitmentStatus,
    Entry,
    EntryType,
    Relationship,
    RelationshipIndicators,
    RelationshipState,
    RestorativeCase,
)
from trust.selectors import (
    ChainReport,
    answers_to,
    commitments_of,
    pulse_check_ins_of,
    redaction_requests_pending_of,
    restorative_cases_of,
    restorative_stages,
)

# --- Entries --------------------------------------------------------------------------------


def long_date(day: datetime.date | datetime.datetime) -> str:
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return dateformat.format(day, "j F Y")


def entry_add_url(relationship: Relationship, **query: str | int) -> str:
    return f"{reverse('trust:entry_add', args=[relationship.pk])}?{urlencode(query)}"


@dataclass(frozen=True)
class ActionView:
    number: int  # 1 for the first; the payload of an action update counts from 0
    action: str
    owner: str
    status: str  # "", "in_progress" or "done", from the latest action update
    mark_done_url: str


@dataclass
class EntryView:
    """One entry as the timeline shows it: its details in words, its actions and their state,
    what answers it, and what the reader may do with it."""

    entry: Entry
    details: list[tuple[str, str]]
    actions: list[ActionView] = field(default_factory=list)
    answers: list[EntryView] = field(default_factory=list)
    case: RestorativeCase | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


@dataclass
class Lookup:
    """What the details of entries refer to, read once per page."""

    relationship: Relationship
    side_ids: set[int]
    names: dict[int, str]
    commitments: dict[int, Commitment]
    cases: dict[int, RestorativeCase]  # by concern entry id
    cases_by_id: dict[int, RestorativeCase]
    answers: dict[int, list[Entry]]
    read_only: bool = False
    # Entries with a redaction request waiting for a decision: not asked for twice.
    redaction_pending: set[int] = field(default_factory=set)


def lookup_for(relationship: Relationship, sides: list[Organisation], *, read_only: bool = False) -> Lookup:
    """`sides` are the reader's sides, whose links (reply, correct, update) are offered; none
    for a page that only shows entries, and `read_only` for staff reading by audited access."""
    cases = list(restorative_cases_of(relationship))
    return Lookup(
        relationship=relationship,
        side_ids={side.pk for side in sides},
        names={org.pk: org.name for org in (relationship.local_authority, relationship.counterpart)},
        commitments={commitment.entry_id: commitment for commitment in commitments_of(relationship)},
        cases={case.concern_id: case for case in cases},
        cases_by_id={case.pk: case for case in cases},
        answers=answers_to(relationship),
        read_only=read_only,
        redaction_pending=set(redaction_requests_pending_of(relationship).values_list("entry_id", flat=True)),
    )


def _choice_label(choices: list[tuple[str, str]], value: object) -> str:
    return dict(choices).get(str(value), str(value))


def _commitment_details(entry: Entry, lookup: Lookup, target: Entry | None) -> list[tuple[str, str]]:
    payload = entry.payload
    # A redacted commitment keeps its owner and dates (in the chain); what and by whom are gone.
    said = [("What", str(payload.get("what", ""))), ("By whom", str(payload.get("by_whom", "")))]
    if entry.redacted:
        said = []
    details = [
        *said,
        ("Owner", lookup.names.get(payload.get("owner_organisation", 0), "")),
        ("Due", long_date(datetime.date.fromisoformat(payload["due_date"]))),
    ]
    commitment = lookup.commitments.get(entry.pk)
    if commitment is not None:
        now = commitment.get_status_display()
        if commitment.status == CommitmentStatus.OPEN:
            now += f", due {long_date(commitment.due_date)}"
        details.append(("Now", now))
    return details


def _commitment_update_details(entry: Entry, lookup: Lookup, target: Entry | None) -> list[tuple[str, str]]:
    details = [("Outcome", _choice_label(COMMITMENT_OUTCOMES, entry.payload.get("outcome")).split(":")[0])]
    if entry.payload.get("due_date"):
        details.append(("New due date", long_date(datetime.date.fromisoformat(entry.payload["due_date"]))))
    return details


def _action_update_details(entry: Entry, lookup: Lookup, target: Entry | None) -> list[tuple[str, str]]:
    index = entry.payload.get("action", 0)
    actions = target.payload.get("actions", []) if target is not None else []
    action = f"{index + 1}. {actions[index]['action']}" if 0 <= index < len(actions) else str(index + 1)
    return [("Action", action), ("Status", _choice_label(ACTION_STATUSES, entry.payload.get("status")))]


def _common_details(entry: Entry, lookup: Lookup, target: Entry | None) -> list[tuple[str, str]]:
    """Details any type may carry: a meeting's day, a review's view of quality, the word for
    where the relationship is, closing a case."""
    payload, details = entry.payload, []
    if payload.get("held_on"):
        details.append(("Held on", long_date(datetime.date.fromisoformat(payload["held_on"]))))
    if payload.get("quality_perspective"):
        details.append(("View of quality", _choice_label(QUALITY_PERSPECTIVES, payload["quality_perspective"])))
    if payload.get("relationship_state"):
        state = payload["relationship_state"]
        details.append(("Where the relationship is", f"{RelationshipState(state).label}: {STATE_HINTS[state]}"))
    if payload.get("closes_case"):
        details.append(("Restorative case", "Closed by this review"))
    return details


def _no_details(entry: Entry, lookup: Lookup, target: Entry | None) -> list[tuple[str, str]]:
    return []


Presenter = Callable[[Entry, Lookup, Entry | None], list[tuple[str, str]]]


@dataclass(frozen=True)
class EntryPage:
    """The pages' half of an entry type's spec (the rest is `trust.entry_types`): the form a
    person writes it with (None for the service's own entries) and how its own details are
    shown, before the details any type may carry."""

    form: type[EntryForm] | None
    details: Presenter = _no_details

    def form_class(self) -> type[EntryForm]:
        if self.form is None:
            raise LookupError("Nobody writes this type on a page.")
        return self.form


ENTRY_PAGES: dict[str, EntryPage] = {
    EntryType.NOTE: EntryPage(EntryForm),
    EntryType.MEETING_RECORD: EntryPage(MeetingRecordForm),
    EntryType.COMMITMENT: EntryPage(CommitmentForm, _commitment_details),
    EntryType.COMMITMENT_UPDATE: EntryPage(CommitmentUpdateForm, _commitment_update_details),
    EntryType.CONCERN: EntryPage(ConcernForm),
    EntryType.REPLY: EntryPage(ReplyForm),
    EntryType.RESTORATIVE_CONVERSATION: EntryPage(RestorativeConversationForm),
    EntryType.AGREEMENT: EntryPage(AgreementForm),
    EntryType.REVIEW: EntryPage(ReviewForm),
    EntryType.LEARNING_REFLECTION: EntryPage(LearningReflectionForm),
    EntryType.APPRECIATION: EntryPage(AppreciationForm),
    EntryType.ACTION_UPDATE: EntryPage(ActionUpdateForm, _action_update_details),
    EntryType.SYSTEM: EntryPage(None),
}


def _actions(entry: Entry, lookup: Lookup, can_write: bool) -> list[ActionView]:
    statuses: dict[int, str] = {}
    for answer in lookup.answers.get(entry.pk, []):
        if spec_of(answer.entry_type).progresses_actions:
            statuses[answer.payload.get("action", -1)] = answer.payload.get("status", "")
    return [
        ActionView(
            number=index + 1,
            action=action.get("action", ""),
            owner=action.get("owner", ""),
            status=statuses.get(index, ""),
            mark_done_url=entry_add_url(
                lookup.relationship, type=EntryType.ACTION_UPDATE, replies_to=entry.pk, action=index
            )
            if can_write and statuses.get(index) != "done"
            else "",
        )
        for index, action in enumerate(entry.payload.get("actions") or [])
    ]


def _links(entry: Entry, lookup: Lookup) -> list[tuple[str, str]]:
    """Reply (the other side's right), Correct (your own entries), Record an update (open
    commitments), and a concern's restorative case."""
    relationship, links, spec = lookup.relationship, [], spec_of(entry.entry_type)
    others = lookup.side_ids - {entry.author_organisation_id}
    if spec.reply_invited and others:
        links.append(("Reply", entry_add_url(relationship, type=EntryType.REPLY, replies_to=entry.pk)))
    commitment = lookup.commitments.get(entry.pk)
    if commitment is not None and commitment.status == CommitmentStatus.OPEN:
        update_url = entry_add_url(relationship, type=EntryType.COMMITMENT_UPDATE, replies_to=entry.pk)
        links.append(("Record an update", update_url))
    if spec.opens_case and entry.pk not in lookup.cases:
        links.append(("Open a restorative case", reverse("trust:case_open", args=[relationship.pk, entry.pk])))
    if entry.author_organisation_id in lookup.side_ids and spec.correctable:
        links.append(("Correct", entry_add_url(relationship, type=EntryType.NOTE, corrects=entry.pk)))
    if not entry.redacted and entry.pk not in lookup.redaction_pending:
        redaction_url = reverse("trust:redaction_request", args=[relationship.pk, entry.pk])
        links.append(("Ask for this entry to be redacted", redaction_url))
    return links


def entry_present(entry: Entry, lookup: Lookup, target: Entry | None = None) -> EntryView:
    """One entry without its answers; `target` is the entry it answers, when already read."""
    target = target if target is not None else (entry.replies_to if entry.replies_to_id else None)
    details = ENTRY_PAGES[entry.entry_type].details(entry, lookup, target)
    case_id = entry.payload.get("restorative_case")
    can_write = bool(lookup.side_ids) and not lookup.read_only
    return EntryView(
        entry=entry,
        details=details + _common_details(entry, lookup, target),
        actions=_actions(entry, lookup, can_write),
        case=lookup.cases.get(entry.pk) or lookup.cases_by_id.get(case_id if isinstance(case_id, int) else 0),
        links=_links(entry, lookup) if can_write else [],
    )


def entries_present(entries: list[Entry], lookup: Lookup) -> list[EntryView]:
    """Each entry with the replies and corrections that answer it shown beneath it."""
    views = []
    for entry in entries:
        view = entry_present(entry, lookup)
        view.answers = [entry_present(answer, lookup, target=entry) for answer in lookup.answers.get(entry.pk, [])]
        views.append(view)
    return views


# --- The relationship page's panels ------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    label: str
    value: str
    definition: str


def _hours(median: float | None, count: int) -> str:
    if median is None:
        return "No responses yet"
    responses = "response" if count == 1 else "responses"
    return f"{median:.0f} hours (median over {count} {responses})"


def indicators_present(indicators: RelationshipIndicators) -> list[Indicator]:
    share, decided = indicators.commitments_kept_share, indicators.commitments_kept + indicators.commitments_missed
    kept = (
        f"{share:.0%} of {decided} ({indicators.commitments_kept} kept, {indicators.commitments_missed} missed)"
        if share is not None
        else "No outcomes yet"
    )
    oldest = indicators.oldest_open_concern_days
    since = indicators.days_since_dialogue
    return [
        Indicator(
            "Commitments kept", f"{kept}; {indicators.commitments_open} open", DEFINITIONS["commitments_kept_share"]
        ),
        Indicator(
            "Provider's response time",
            _hours(indicators.provider_response_hours_median, indicators.provider_responses),
            DEFINITIONS["provider_response_hours_median"],
        ),
        Indicator(
            "Commissioner's response time",
            _hours(indicators.commissioner_response_hours_median, indicators.commissioner_responses),
            DEFINITIONS["commissioner_response_hours_median"],
        ),
        Indicator(
            "Open concerns",
            f"{indicators.open_concerns}" + (f", the oldest {oldest} days old" if oldest is not None else ""),
            DEFINITIONS["open_concerns"],
        ),
        Indicator(
            "Days since dialogue",
            "No dialogue yet" if since is None else str(since),
            DEFINITIONS["days_since_dialogue"],
        ),
        Indicator(
            "Placements",
            f"{indicators.placements_made} made, {indicators.unplanned_endings} ended unplanned",
            DEFINITIONS["placements"],
        ),
    ]


@dataclass(frozen=True)
class PulseRow:
    quarter: str
    local_authority: str
    counterpart: str


@dataclass(frozen=True)
class PulseComment:
    quarter: str
    organisation: str
    comment: str


@dataclass(frozen=True)
class PulseTrend:
    rows: list[PulseRow]
    # The log is shared, so each side reads the other's comments as well as its averages.
    comments: list[PulseComment]


def _quarter(start: datetime.date) -> str:
    end = datetime.date(start.year, start.month + 2, 1)
    return f"{start:%b} to {end:%b} {start.year}"


def pulse_trend_present(relationship: Relationship) -> PulseTrend:
    """Each side's average answer, quarter by quarter, oldest first, and what each side said."""
    sides = relationship.sides()
    check_ins = sorted(
        pulse_check_ins_of(relationship),
        # Within a quarter, the local authority first, as in the table's columns.
        key=lambda check_in: (check_in.quarter_start, check_in.organisation_id != relationship.local_authority_id),
    )
    by_quarter: dict[datetime.date, dict[int, float]] = {}
    for check_in in check_ins:
        by_quarter.setdefault(check_in.quarter_start, {})[check_in.organisation_id] = check_in.average
    rows = []
    for start, averages in by_quarter.items():
        figures = [averages.get(side) for side in sides]
        shown = [f"{figure:.2f}" if figure is not None else "Not answered" for figure in figures]
        rows.append(PulseRow(_quarter(start), shown[0], shown[1]))
    comments = [
        PulseComment(_quarter(check_in.quarter_start), check_in.organisation.name, check_in.comment)
        for check_in in check_ins
        if check_in.comment.strip()
    ]
    return PulseTrend(rows, comments)


@dataclass(frozen=True)
class CaseRow:
    case: RestorativeCase
    stage: str


def cases_present(cases: Iterable[RestorativeCase]) -> list[CaseRow]:
    rows = []
    for case in cases:
        if case.closed_at is not None:
            rows.append(CaseRow(case, f"Closed {long_date(case.closed_at)}"))
            continue
        reached = [stage for stage in restorative_stages(case) if stage.entry is not None]
        rows.append(CaseRow(case, reached[-1].stage.label if reached else ""))
    return rows


def chain_message(report: ChainReport) -> str:
    if report.ok:
        return f"The log verifies: {report.entries_checked} entries."
    return (
        f"The log does not verify from entry {report.first_bad_sequence}: {report.reason}. "
        "Entries before it are intact. Tell the service's administrators."
    )
