"""The trust log's pages: /relationships/... Thin: parse, authorise (every relationship comes
from `relationships_visible_to`, so a third organisation and staff administrators get 404),
call a service, render.

Staff administrators have no side in any relationship. They read a log only through the
audited page, which records why (both organisations see it) before it shows anything.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Organisation, OrganisationKind, User
from trust import services
from trust.forms import (
    ACTION_STATUSES,
    ANSWERING_TYPES,
    COMMITMENT_OUTCOMES,
    ENTRY_FORMS,
    QUALITY_PERSPECTIVES,
    STATE_HINTS,
    AuditedAccessForm,
    EntryFilterForm,
    EntryFormContext,
    EntryTypeChoiceForm,
    PulseForm,
    RelationshipOpenForm,
    SideForm,
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
    RestorativeStage,
)
from trust.selectors import (
    ChainReport,
    StageReached,
    answers_to,
    chain_verify,
    commitments_of,
    organisations_acting_for,
    pulse_check_ins_of,
    relationships_visible_to,
    restorative_cases_of,
    restorative_stages,
    sides_acting_for,
    timeline,
)

GET_POST = require_http_methods(["GET", "POST"])
ENTRIES_PER_PAGE = 50
# Service errors about who writes are about the side chosen on the form.
SIDE_ERRORS = {"author_organisation", "author_user", "organisation"}
WRITING_KINDS = (OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.PROVIDER, OrganisationKind.FEDERATION)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # LoginRequiredMiddleware has refused anonymous requests


def _add_errors(form: Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, field_errors in error.message_dict.items():
        target = "organisation" if name in SIDE_ERRORS else name
        form.add_error(target if target in form.fields else None, field_errors)


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


def _relationship(request: HttpRequest, pk: int) -> Relationship:
    return get_object_or_404(relationships_visible_to(request.user), pk=pk)


def _long_date(day: datetime.date | datetime.datetime) -> str:
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return dateformat.format(day, "j F Y")


def _other_side(relationship: Relationship, sides: list[Organisation]) -> Organisation:
    """The organisation across the table; for someone on both sides, the provider's side."""
    if relationship.counterpart in sides and relationship.local_authority not in sides:
        return relationship.local_authority
    return relationship.counterpart


def _entry_add_url(relationship: Relationship, **query: str | int) -> str:
    return f"{reverse('trust:entry_add', args=[relationship.pk])}?{urlencode(query)}"


# --- Presenting entries --------------------------------------------------------------------


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
class _Lookup:
    """What the details of entries refer to, read once per page."""

    relationship: Relationship
    side_ids: set[int]
    names: dict[int, str]
    commitments: dict[int, Commitment]
    cases: dict[int, RestorativeCase]  # by concern entry id
    cases_by_id: dict[int, RestorativeCase]
    answers: dict[int, list[Entry]]
    read_only: bool = False


def _lookup(relationship: Relationship, sides: list[Organisation], *, read_only: bool = False) -> _Lookup:
    cases = list(restorative_cases_of(relationship))
    return _Lookup(
        relationship=relationship,
        side_ids={side.pk for side in sides},
        names={org.pk: org.name for org in (relationship.local_authority, relationship.counterpart)},
        commitments={commitment.entry_id: commitment for commitment in commitments_of(relationship)},
        cases={case.concern_id: case for case in cases},
        cases_by_id={case.pk: case for case in cases},
        answers=answers_to(relationship),
        read_only=read_only,
    )


def _choice_label(choices: list[tuple[str, str]], value: object) -> str:
    return dict(choices).get(str(value), str(value))


def _commitment_details(entry: Entry, lookup: _Lookup, target: Entry | None) -> list[tuple[str, str]]:
    payload = entry.payload
    details = [
        ("What", str(payload.get("what", ""))),
        ("By whom", str(payload.get("by_whom", ""))),
        ("Owner", lookup.names.get(payload.get("owner_organisation", 0), "")),
        ("Due", _long_date(datetime.date.fromisoformat(payload["due_date"]))),
    ]
    commitment = lookup.commitments.get(entry.pk)
    if commitment is not None:
        now = commitment.get_status_display()
        if commitment.status == CommitmentStatus.OPEN:
            now += f", due {_long_date(commitment.due_date)}"
        details.append(("Now", now))
    return details


def _commitment_update_details(entry: Entry, lookup: _Lookup, target: Entry | None) -> list[tuple[str, str]]:
    details = [("Outcome", _choice_label(COMMITMENT_OUTCOMES, entry.payload.get("outcome")).split(":")[0])]
    if entry.payload.get("due_date"):
        details.append(("New due date", _long_date(datetime.date.fromisoformat(entry.payload["due_date"]))))
    return details


def _action_update_details(entry: Entry, lookup: _Lookup, target: Entry | None) -> list[tuple[str, str]]:
    index = entry.payload.get("action", 0)
    actions = target.payload.get("actions", []) if target is not None else []
    action = f"{index + 1}. {actions[index]['action']}" if 0 <= index < len(actions) else str(index + 1)
    return [("Action", action), ("Status", _choice_label(ACTION_STATUSES, entry.payload.get("status")))]


def _common_details(entry: Entry, lookup: _Lookup, target: Entry | None) -> list[tuple[str, str]]:
    """Details any type may carry: a meeting's day, a review's view of quality, the word for
    where the relationship is, closing a case."""
    payload, details = entry.payload, []
    if payload.get("held_on"):
        details.append(("Held on", _long_date(datetime.date.fromisoformat(payload["held_on"]))))
    if payload.get("quality_perspective"):
        details.append(("View of quality", _choice_label(QUALITY_PERSPECTIVES, payload["quality_perspective"])))
    if payload.get("relationship_state"):
        state = payload["relationship_state"]
        details.append(("Where the relationship is", f"{RelationshipState(state).label}: {STATE_HINTS[state]}"))
    if payload.get("closes_case"):
        details.append(("Restorative case", "Closed by this review"))
    return details


def _no_details(entry: Entry, lookup: _Lookup, target: Entry | None) -> list[tuple[str, str]]:
    return []


_DETAILS: dict[str, Callable[[Entry, _Lookup, Entry | None], list[tuple[str, str]]]] = {
    EntryType.COMMITMENT: _commitment_details,
    EntryType.COMMITMENT_UPDATE: _commitment_update_details,
    EntryType.ACTION_UPDATE: _action_update_details,
}


def _actions(entry: Entry, lookup: _Lookup, can_write: bool) -> list[ActionView]:
    statuses: dict[int, str] = {}
    for answer in lookup.answers.get(entry.pk, []):
        if answer.entry_type == EntryType.ACTION_UPDATE:
            statuses[answer.payload.get("action", -1)] = answer.payload.get("status", "")
    return [
        ActionView(
            number=index + 1,
            action=action.get("action", ""),
            owner=action.get("owner", ""),
            status=statuses.get(index, ""),
            mark_done_url=_entry_add_url(
                lookup.relationship, type=EntryType.ACTION_UPDATE, replies_to=entry.pk, action=index
            )
            if can_write and statuses.get(index) != "done"
            else "",
        )
        for index, action in enumerate(entry.payload.get("actions") or [])
    ]


def _links(entry: Entry, lookup: _Lookup) -> list[tuple[str, str]]:
    """Reply (the other side's right), Correct (your own entries), Record an update (open
    commitments), and a concern's restorative case."""
    relationship, links = lookup.relationship, []
    others = lookup.side_ids - {entry.author_organisation_id}
    if entry.entry_type in {EntryType.CONCERN, EntryType.COMMITMENT_UPDATE} and others:
        links.append(("Reply", _entry_add_url(relationship, type=EntryType.REPLY, replies_to=entry.pk)))
    commitment = lookup.commitments.get(entry.pk)
    if commitment is not None and commitment.status == CommitmentStatus.OPEN:
        update_url = _entry_add_url(relationship, type=EntryType.COMMITMENT_UPDATE, replies_to=entry.pk)
        links.append(("Record an update", update_url))
    if entry.entry_type == EntryType.CONCERN and entry.pk not in lookup.cases:
        links.append(("Open a restorative case", reverse("trust:case_open", args=[relationship.pk, entry.pk])))
    if entry.author_organisation_id in lookup.side_ids and entry.entry_type != EntryType.SYSTEM:
        links.append(("Correct", _entry_add_url(relationship, type=EntryType.NOTE, corrects=entry.pk)))
    return links


def _present(entry: Entry, lookup: _Lookup, target: Entry | None = None) -> EntryView:
    target = target if target is not None else (entry.replies_to if entry.replies_to_id else None)
    details = _DETAILS.get(entry.entry_type, _no_details)(entry, lookup, target)
    case_id = entry.payload.get("restorative_case")
    can_write = bool(lookup.side_ids) and not lookup.read_only
    return EntryView(
        entry=entry,
        details=details + _common_details(entry, lookup, target),
        actions=_actions(entry, lookup, can_write),
        case=lookup.cases.get(entry.pk) or lookup.cases_by_id.get(case_id if isinstance(case_id, int) else 0),
        links=_links(entry, lookup) if can_write else [],
    )


def _entries_present(entries: list[Entry], lookup: _Lookup) -> list[EntryView]:
    views = []
    for entry in entries:
        view = _present(entry, lookup)
        view.answers = [_present(answer, lookup, target=entry) for answer in lookup.answers.get(entry.pk, [])]
        views.append(view)
    return views


# --- Relationships -------------------------------------------------------------------------


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """The number of rows of a per-relationship subquery, 0 when there are none."""
    counted = queryset.order_by().values("relationship").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _relationships_listed(user: User) -> QuerySet[Relationship]:
    concern = OuterRef("pk")
    has_case = RestorativeCase.objects.filter(concern=concern)
    replied = Entry.objects.filter(replies_to=concern, entry_type=EntryType.REPLY).exclude(
        author_organisation=OuterRef("author_organisation")
    )
    # Open: under an open restorative case, or with no case and no reply yet from the other side.
    open_concerns = Entry.objects.filter(relationship=OuterRef("pk"), entry_type=EntryType.CONCERN).filter(
        Exists(has_case.filter(closed_at__isnull=True)) | (~Exists(has_case) & ~Exists(replied))
    )
    open_commitments = Commitment.objects.filter(relationship=OuterRef("pk"), status=CommitmentStatus.OPEN)
    return relationships_visible_to(user).annotate(
        last_entry_at=Max("entries__created_at"),
        open_commitments=_count(open_commitments),
        open_concerns=_count(open_concerns),
    )


@dataclass(frozen=True)
class RelationshipRow:
    relationship: Relationship
    other_side: Organisation
    last_entry_at: datetime.datetime | None
    open_commitments: int
    open_concerns: int


def _relationship_rows(user: User, own: list[Organisation]) -> list[RelationshipRow]:
    relationships = _relationships_listed(user).order_by(F("last_entry_at").desc(nulls_last=True), "pk")
    return [
        RelationshipRow(
            relationship,
            _other_side(
                relationship, [organisation for organisation in own if organisation.pk in relationship.sides()]
            ),
            relationship.last_entry_at,  # type: ignore[attr-defined]
            relationship.open_commitments,  # type: ignore[attr-defined]
            relationship.open_concerns,  # type: ignore[attr-defined]
        )
        for relationship in relationships
    ]


@GET_POST
def relationship_list(request: HttpRequest) -> HttpResponse:
    """Open to everyone signed in: staff administrators and organisers are told why they have
    no relationships here (staff read a log only by audited access)."""
    user = _user(request)
    own = list(organisations_acting_for(user))
    writers = [organisation for organisation in own if organisation.kind in WRITING_KINDS]
    form = RelationshipOpenForm(_posted(request), own=writers) if writers else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            relationship = services.relationship_open(
                opened_by=user, organisation=form.organisation_chosen(), other_organisation=form.other_chosen()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"The log of your relationship with {form.other_chosen()} is open.")
            return redirect("trust:relationship", pk=relationship.pk)
    context = {"rows": _relationship_rows(user, own), "form": form, "is_staff": user.is_staff}
    return render(request, "trust/relationship_list.html", context)


# --- The relationship page -------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    label: str
    value: str
    definition: str


def _hours(median: float | None, count: int) -> str:
    if median is None:
        return "No responses yet"
    return f"{median:.0f} hours (median of {count})"


def _indicators(relationship: Relationship) -> list[Indicator] | None:
    try:
        indicators = relationship.indicators
    except RelationshipIndicators.DoesNotExist:
        return None
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


def _pulse_trend(relationship: Relationship) -> list[PulseRow]:
    """Each side's average answer, quarter by quarter, oldest first."""
    by_quarter: dict[datetime.date, dict[int, float]] = {}
    for check_in in pulse_check_ins_of(relationship):
        by_quarter.setdefault(check_in.quarter_start, {})[check_in.organisation_id] = check_in.average
    rows = []
    for start, averages in sorted(by_quarter.items()):
        end = datetime.date(start.year, start.month + 2, 1)
        figures = [averages.get(side) for side in relationship.sides()]
        shown = [f"{figure:.2f}" if figure is not None else "Not answered" for figure in figures]
        rows.append(PulseRow(f"{start:%b} to {end:%b} {start.year}", shown[0], shown[1]))
    return rows


@dataclass(frozen=True)
class CaseRow:
    case: RestorativeCase
    stage: str


def _case_rows(relationship: Relationship) -> list[CaseRow]:
    rows = []
    for case in restorative_cases_of(relationship):
        if case.closed_at is not None:
            rows.append(CaseRow(case, f"Closed {_long_date(case.closed_at)}"))
            continue
        reached = [stage for stage in restorative_stages(case) if stage.entry is not None]
        rows.append(CaseRow(case, reached[-1].stage.label if reached else ""))
    return rows


def _chain_message(report: ChainReport) -> str:
    if report.ok:
        return f"The log verifies: {report.entries_checked} entries."
    return (
        f"The log does not verify from entry {report.first_bad_sequence}: {report.reason}. "
        "Entries before it are intact. Tell the service's administrators."
    )


def _timeline_page(request: HttpRequest, relationship: Relationship) -> tuple[EntryFilterForm, Any]:
    filter_form = EntryFilterForm(request.GET or None)
    entry_type = filter_form.cleaned_data["type"] if filter_form.is_valid() else ""
    paginator = Paginator(timeline(relationship, entry_type=entry_type or None), ENTRIES_PER_PAGE)
    return filter_form, paginator.get_page(request.GET.get("page"))


@require_GET
def relationship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    sides = sides_acting_for(request.user, relationship)
    filter_form, page = _timeline_page(request, relationship)
    report = chain_verify(relationship)
    context = {
        "relationship": relationship,
        "other_side": _other_side(relationship, sides),
        "filter_form": filter_form,
        "page": page,
        "query_string": urlencode({"type": filter_form.cleaned_data["type"]}) if filter_form.is_valid() else "",
        "entries": _entries_present(list(page.object_list), _lookup(relationship, sides)),
        "indicators": _indicators(relationship),
        "pulse_definition": DEFINITIONS["pulse_trend"],
        "chain": report,
        "chain_message": _chain_message(report),
        "open_commitments": commitments_of(relationship).filter(status=CommitmentStatus.OPEN),
        "today": timezone.localdate(),
        "cases": _case_rows(relationship),
        "pulse_trend": _pulse_trend(relationship),
    }
    return render(request, "trust/relationship_detail.html", context)


# --- Adding an entry -----------------------------------------------------------------------


def _linked_entry(relationship: Relationship, value: str | None) -> Entry | None:
    """An entry of this relationship named in the query string; 404 for any other."""
    if not value:
        return None
    if not value.isdigit():
        raise Http404("No such entry.")
    return get_object_or_404(Entry.objects.filter(relationship=relationship), pk=int(value))


def _answer_fits(entry_type: str, replies_to: Entry | None) -> bool:
    """An update answers the right kind of entry: a commitment, or an agreement with actions."""
    if replies_to is None:
        return True  # an answer with nothing to answer is sent back to the log
    if entry_type == EntryType.COMMITMENT_UPDATE:
        return replies_to.entry_type == EntryType.COMMITMENT
    if entry_type == EntryType.ACTION_UPDATE:
        return bool(replies_to.payload.get("actions"))
    return True


def _entry_initial(request: HttpRequest, asked: _EntryRequest, sides: list[Organisation]) -> dict[str, Any]:
    """What the links beside entries preselect; a correction starts from the words it corrects."""
    initial: dict[str, Any] = {
        "restorative_case": request.GET.get("case", ""),
        "action": request.GET.get("action", ""),
        "closes_case": request.GET.get("closes_case") == "1",
    }
    if request.GET.get("action"):
        initial["status"] = "done"  # the link beside an action says "Mark action done"
    if asked.corrects is not None:
        initial["body"] = asked.corrects.body
        initial["organisation"] = str(asked.corrects.author_organisation_id)
    elif asked.replies_to is not None:
        # Someone on both sides answers for the side that did not write the entry.
        others = [side.pk for side in sides if side.pk != asked.replies_to.author_organisation_id]
        initial["organisation"] = str(others[0]) if others else ""
    return initial


def _entry_type_choice(request: HttpRequest, relationship: Relationship) -> HttpResponse:
    # The choice comes back as ?type=...; "choose" marks a submission made with no choice.
    form = EntryTypeChoiceForm(request.GET if "choose" in request.GET else None)
    if form.is_bound:
        form.is_valid()  # no type was chosen, so this shows the error
    context = {"relationship": relationship, "form": form}
    return render(request, "trust/entry_type_choice.html", context)


@dataclass(frozen=True)
class _EntryRequest:
    relationship: Relationship
    entry_type: str
    replies_to: Entry | None
    corrects: Entry | None


def _entry_request(request: HttpRequest, relationship: Relationship, entry_type: str) -> _EntryRequest:
    if entry_type not in ENTRY_FORMS:
        raise Http404("No such entry type.")  # the service's own (system) entries included
    replies_to = _linked_entry(relationship, request.GET.get("replies_to"))
    corrects = _linked_entry(relationship, request.GET.get("corrects"))
    if not _answer_fits(entry_type, replies_to):
        raise Http404("That entry cannot be answered this way.")
    return _EntryRequest(relationship, entry_type, replies_to, corrects)


def _entry_heading(asked: _EntryRequest, heading: str) -> str:
    if asked.corrects is not None:
        return f"Correct entry {asked.corrects.sequence}"
    if asked.entry_type == EntryType.REPLY and asked.replies_to is not None:
        return f"Reply to entry {asked.replies_to.sequence}"
    return heading


@GET_POST
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    entry_type = request.GET.get("type", "")
    if not entry_type:
        return _entry_type_choice(request, relationship)
    asked = _entry_request(request, relationship, entry_type)
    if entry_type in ANSWERING_TYPES and asked.replies_to is None:
        messages.info(request, "Use the link beside the entry you are answering.")
        return redirect("trust:relationship", pk=relationship.pk)
    sides = sides_acting_for(request.user, relationship)
    context = EntryFormContext(
        relationship=relationship,
        sides=sides,
        open_cases=list(restorative_cases_of(relationship).filter(closed_at__isnull=True)),
        target_actions=list(asked.replies_to.payload.get("actions") or []) if asked.replies_to else [],
    )
    form = ENTRY_FORMS[entry_type](_posted(request), initial=_entry_initial(request, asked, sides), context=context)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.trust_entry_add(
                relationship=relationship, entry_type=EntryType(entry_type), author_organisation=form.author(),
                author_user=_user(request), body=form.cleaned_data["body"], payload=form.payload(),
                corrects=asked.corrects, replies_to=asked.replies_to,
            )  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{entry.get_entry_type_display()} added to the log as entry {entry.sequence}.")
            return redirect("trust:relationship", pk=relationship.pk)
    lookup = _lookup(relationship, [])
    answered = [_present(linked, lookup) for linked in (asked.replies_to, asked.corrects) if linked is not None]
    page = {
        "relationship": relationship,
        "form": form,
        "asked": asked,
        "answered": answered,
        "heading": _entry_heading(asked, form.heading),
    }
    return render(request, "trust/entry_form.html", page)


# --- Restorative cases ---------------------------------------------------------------------


@GET_POST
def case_open(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    concern = get_object_or_404(Entry.objects.filter(relationship=relationship, entry_type=EntryType.CONCERN), pk=entry)
    existing = restorative_cases_of(relationship).filter(concern=concern).first()
    if existing is not None:
        messages.info(request, "This concern already has a restorative case.")
        return redirect("trust:case", pk=relationship.pk, case=existing.pk)
    form = SideForm(_posted(request), sides=sides_acting_for(request.user, relationship))
    if request.method == "POST" and form.is_valid():
        try:
            case = services.restorative_case_open(concern=concern, opened_by=_user(request), organisation=form.side())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Restorative case opened. Both organisations can see it in the log.")
            return redirect("trust:case", pk=relationship.pk, case=case.pk)
    context = {"relationship": relationship, "concern": _present(concern, _lookup(relationship, [])), "form": form}
    return render(request, "trust/case_open.html", context)


@dataclass(frozen=True)
class StageRow:
    reached: StageReached
    explanation: str
    record_label: str
    record_url: str


STAGE_EXPLANATIONS = {
    RestorativeStage.CONCERN_RAISED: "One side said what went wrong, in the log.",
    RestorativeStage.REPLY: "The other side answered the concern: its right of reply.",
    RestorativeStage.CONVERSATION_HELD: "Both sides met to hear each other: what happened, who was affected, "
    "and what is needed to put it right.",
    RestorativeStage.AGREEMENT: "What each side will do, with who owns each action.",
    RestorativeStage.REVIEW: "Looking back together at whether the agreement was kept; a review can close the case.",
}


def _stage_action(stage: StageReached, case: RestorativeCase, sides: list[Organisation]) -> tuple[str, str]:
    """What the reader can record next for a stage not yet reached: (label, url) or blanks."""
    relationship = case.relationship
    if stage.entry is not None or case.closed_at is not None:
        return "", ""
    if stage.stage == RestorativeStage.REPLY:
        if {side.pk for side in sides} - {case.concern.author_organisation_id}:
            return "Reply to the concern", _entry_add_url(
                relationship, type=EntryType.REPLY, replies_to=case.concern_id
            )
        return "", ""
    types = {
        RestorativeStage.CONVERSATION_HELD: (EntryType.RESTORATIVE_CONVERSATION, "Record the conversation"),
        RestorativeStage.AGREEMENT: (EntryType.AGREEMENT, "Record the agreement"),
        RestorativeStage.REVIEW: (EntryType.REVIEW, "Record a review"),
    }
    if stage.stage not in types:
        return "", ""
    entry_type, label = types[stage.stage]
    return label, _entry_add_url(relationship, type=entry_type, case=case.pk)


def _relationship_word(case: RestorativeCase) -> Entry | None:
    """The latest stage of the case that said, in the field's words, where the relationship is."""
    return (
        Entry.objects.filter(relationship=case.relationship, payload__restorative_case=case.pk)
        .filter(payload__has_key="relationship_state")
        .select_related("author_organisation")
        .order_by("-sequence")
        .first()
    )


@require_GET
def case_detail(request: HttpRequest, pk: int, case: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    restorative_case = get_object_or_404(restorative_cases_of(relationship), pk=case)
    sides = sides_acting_for(request.user, relationship)
    stages = [
        StageRow(stage, STAGE_EXPLANATIONS[stage.stage], *_stage_action(stage, restorative_case, sides))
        for stage in restorative_stages(restorative_case)
    ]
    word = _relationship_word(restorative_case)
    context = {
        "relationship": relationship,
        "case": restorative_case,
        "concern": _present(restorative_case.concern, _lookup(relationship, [])),
        "stages": stages,
        "word": word,
        "word_label": RelationshipState(word.payload["relationship_state"]).label if word else "",
        "states": [(RelationshipState(value).label, hint) for value, hint in STATE_HINTS.items()],
        "close_url": _entry_add_url(relationship, type=EntryType.REVIEW, case=restorative_case.pk, closes_case=1),
    }
    return render(request, "trust/case_detail.html", context)


# --- Pulse check-in ------------------------------------------------------------------------


@GET_POST
def pulse(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    quarter = services.quarter_start(timezone.localdate())
    answered = list(pulse_check_ins_of(relationship).filter(quarter_start=quarter))
    answered_ids = {check_in.organisation_id for check_in in answered}
    sides = sides_acting_for(request.user, relationship)
    unanswered = [side for side in sides if side.pk not in answered_ids]
    form = PulseForm(_posted(request), sides=unanswered) if unanswered else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.pulse_check_in_submit(
                relationship=relationship, organisation=form.side(), submitted_by=_user(request),
                scores=form.scores(), comment=form.cleaned_data["comment"],
            )  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Thank you. Your answers for this quarter are recorded.")
            return redirect("trust:relationship", pk=relationship.pk)
    context = {
        "relationship": relationship,
        "form": form,
        "quarter": quarter,
        "answered_by_you": [check_in for check_in in answered if check_in.organisation_id in {s.pk for s in sides}],
        "pulse_trend": _pulse_trend(relationship),
        "pulse_definition": DEFINITIONS["pulse_trend"],
    }
    return render(request, "trust/pulse.html", context)


# --- Audited access by staff administrators ----------------------------------------------------


def _relationship_for_audit(pk: int) -> Relationship:
    # Staff have no side, so no scoped selector shows them a relationship: this page is their
    # one way in, and it records every reading before it shows the log.
    return get_object_or_404(Relationship.objects.select_related("local_authority", "counterpart"), pk=pk)


@GET_POST
def audited_access(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not user.is_staff:
        raise Http404("No such page.")
    relationship = _relationship_for_audit(pk)
    form = AuditedAccessForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.administrator_access_record(
                relationship=relationship, user=user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # Shown in this response, never at a URL: each reading is one recorded access.
            report = chain_verify(relationship)
            entries = _entries_present(list(timeline(relationship)), _lookup(relationship, [], read_only=True))
            context = {
                "relationship": relationship,
                "entries": entries,
                "chain": report,
                "chain_message": _chain_message(report),
            }
            return render(request, "trust/audited_log.html", context)
    return render(request, "trust/audited_access.html", {"relationship": relationship, "form": form})
