"""The trust log's pages: /relationships/... Thin: parse, authorise (every relationship comes
from `relationships_visible_to`, so a third organisation and staff administrators get 404),
call a service, render.

Staff administrators have no side in any relationship. They read a log only through the
audited page, which records why (both organisations see it) before it shows anything.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods
from django_stubs_ext import WithAnnotations

from accounts.idempotency import form_replayed, form_submit_once
from accounts.models import Organisation, OrganisationKind, User
from config.forms import form_errors_add
from config.pagination import page_of
from trust import services
from trust.entry_types import STAGE_TYPES, spec_of, types_where
from trust.forms import (
    STATE_HINTS,
    AuditedAccessForm,
    EntryFilterForm,
    EntryForm,
    EntryFormContext,
    EntryTypeChoiceForm,
    PulseForm,
    RedactionDecisionForm,
    RedactionRequestForm,
    RelationshipOpenForm,
    SideForm,
)
from trust.indicators import DEFINITIONS, relationship_indicators_current
from trust.models import (
    CommitmentStatus,
    Entry,
    EntryType,
    RedactionRequest,
    RedactionStatus,
    Relationship,
    RelationshipState,
    RestorativeCase,
    RestorativeStage,
)
from trust.presenting import (
    ENTRY_PAGES,
    cases_present,
    chain_message,
    entries_present,
    entry_add_url,
    entry_present,
    indicators_present,
    lookup_for,
    pulse_trend_present,
)
from trust.redaction import redaction_request_approve, redaction_request_create, redaction_request_decline
from trust.selectors import (
    RelationshipListed,
    StageReached,
    chain_verify,
    commitments_of,
    entries_of,
    organisations_acting_for,
    pulse_check_ins_of,
    redaction_requests_of,
    redaction_requests_pending_of,
    relationship_for_audited_access,
    relationship_for_staff_decision,
    relationships_listed_for,
    relationships_visible_to,
    restorative_case_relationship_state,
    restorative_cases_of,
    restorative_stages,
    sides_acting_for,
    timeline,
)

GET_POST = require_http_methods(["GET", "POST"])
ENTRIES_PER_PAGE = 50
# Service errors about who writes are about the side chosen on the form.
# The services name the side in several ways; the forms have one "organisation" field.
SIDE_ERRORS = dict.fromkeys(("author_organisation", "author_user", "organisation"), "organisation")
WRITING_KINDS = (OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.PROVIDER, OrganisationKind.FEDERATION)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # LoginRequiredMiddleware has refused anonymous requests


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


def _relationship(request: HttpRequest, pk: int) -> Relationship:
    return get_object_or_404(relationships_visible_to(request.user), pk=pk)


def _other_side(relationship: Relationship, sides: list[Organisation]) -> Organisation:
    """The organisation across the table; for someone on both sides, the provider's side."""
    if relationship.counterpart in sides and relationship.local_authority not in sides:
        return relationship.local_authority
    return relationship.counterpart


# --- Relationships -------------------------------------------------------------------------


@dataclass(frozen=True)
class RelationshipRow:
    relationship: Relationship
    other_side: Organisation
    last_entry_at: datetime.datetime | None
    open_commitments: int
    open_concerns: int


def _relationship_rows(
    relationships: Iterable[WithAnnotations[Relationship, RelationshipListed]], own: list[Organisation]
) -> list[RelationshipRow]:
    return [
        RelationshipRow(
            relationship,
            _other_side(
                relationship, [organisation for organisation in own if organisation.pk in relationship.sides()]
            ),
            relationship.last_entry_at,
            relationship.open_commitments,
            relationship.open_concerns,
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
            form_errors_add(form, error, renamed=SIDE_ERRORS)
        else:
            messages.success(request, f"The log of your relationship with {form.other_chosen()} is open.")
            return redirect("trust:relationship", pk=relationship.pk)
    listed = page_of(request, relationships_listed_for(user).order_by(F("last_entry_at").desc(nulls_last=True), "pk"))
    rows = _relationship_rows(listed["page"].object_list, own)
    context = {**listed, "rows": rows, "form": form, "is_staff": user.is_staff}
    return render(request, "trust/relationship_list.html", context)


# --- The relationship page -------------------------------------------------------------------


def _timeline_page(request: HttpRequest, relationship: Relationship) -> tuple[EntryFilterForm, Any]:
    filter_form = EntryFilterForm(request.GET or None)
    entry_type = filter_form.cleaned_data["type"] if filter_form.is_valid() else ""
    paginator = Paginator(timeline(relationship, entry_type=entry_type or None), ENTRIES_PER_PAGE)
    return filter_form, paginator.get_page(request.GET.get("page"))


# The side lists of the relationship page each turn their own pages (?commitments_page=2), so
# that turning one leaves the log and the others where they were.
SIDE_LISTS = ("commitments_page", "cases_page", "redactions_page")
SIDE_LIST_PER_PAGE = 10


def _timeline_query(request: HttpRequest, filter_form: EntryFilterForm) -> str:
    """The log's page links keep its filter and the side lists' pages."""
    kept = {"type": filter_form.cleaned_data["type"]} if filter_form.is_valid() else {}
    kept |= {name: request.GET[name] for name in SIDE_LISTS if name in request.GET}
    return urlencode(kept)


def _side_lists(request: HttpRequest, relationship: Relationship) -> dict[str, Any]:
    """Open commitments (soonest due first), restorative cases (newest first) and redaction
    requests waiting (oldest first), a page each; every order ends on the id, so pages are stable."""
    commitments = commitments_of(relationship).filter(status=CommitmentStatus.OPEN).order_by("due_date", "pk")
    cases = page_of(
        request,
        restorative_cases_of(relationship).order_by("-opened_at", "-pk"),
        SIDE_LIST_PER_PAGE,
        param="cases_page",
    )
    cases["rows"] = cases_present(cases["page"].object_list)
    redactions = redaction_requests_pending_of(relationship).order_by("requested_at", "pk")
    return {
        "open_commitments": page_of(request, commitments, SIDE_LIST_PER_PAGE, param="commitments_page"),
        "cases": cases,
        "redactions": page_of(request, redactions, SIDE_LIST_PER_PAGE, param="redactions_page"),
    }


@require_GET
def relationship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    sides = sides_acting_for(request.user, relationship)
    filter_form, page = _timeline_page(request, relationship)
    report = chain_verify(relationship)
    current = relationship_indicators_current(relationship=relationship)
    context = {
        "relationship": relationship,
        "other_side": _other_side(relationship, sides),
        "filter_form": filter_form,
        "page": page,
        "query_string": _timeline_query(request, filter_form),
        "entries": entries_present(list(page.object_list), lookup_for(relationship, sides)),
        "indicators": indicators_present(current.indicators),
        "indicators_as_of": current.as_of,
        "pulse_definition": DEFINITIONS["pulse_trend"],
        "chain": report,
        "chain_message": chain_message(report),
        "today": timezone.localdate(),
        "pulse_trend": pulse_trend_present(relationship),
        **_side_lists(request, relationship),
    }
    return render(request, "trust/relationship_detail.html", context)


# --- Adding an entry -----------------------------------------------------------------------


def _linked_entry(relationship: Relationship, value: str | None) -> Entry | None:
    """An entry of this relationship named in the query string; 404 for any other."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):  # "²" is a digit to Python, not to int()
        raise Http404("No such entry.")
    return get_object_or_404(entries_of(relationship), pk=int(value))


def _answer_fits(entry_type: str, replies_to: Entry | None) -> bool:
    """An update answers the right kind of entry: a commitment, or an agreement with actions."""
    answers = spec_of(entry_type).answers
    # An answer with nothing to answer is sent back to the log.
    return replies_to is None or answers is None or answers.fits(replies_to)


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
    form: type[EntryForm]


def _entry_request(request: HttpRequest, relationship: Relationship, entry_type: str) -> _EntryRequest:
    page = ENTRY_PAGES.get(entry_type)
    if page is None or page.form is None:
        raise Http404("No such entry type.")  # the service's own (system) entries included
    replies_to = _linked_entry(relationship, request.GET.get("replies_to"))
    corrects = _linked_entry(relationship, request.GET.get("corrects"))
    if not _answer_fits(entry_type, replies_to):
        raise Http404("That entry cannot be answered this way.")
    return _EntryRequest(relationship, entry_type, replies_to, corrects, page.form_class())


def _entry_heading(asked: _EntryRequest, heading: str) -> str:
    if asked.corrects is not None:
        return f"Correct entry {asked.corrects.sequence}"
    answers = spec_of(asked.entry_type).answers
    if answers is not None and answers.heading and asked.replies_to is not None:
        return answers.heading.format(sequence=asked.replies_to.sequence)
    return heading


@GET_POST
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    entry_type = request.GET.get("type", "")
    if not entry_type:
        return _entry_type_choice(request, relationship)
    asked = _entry_request(request, relationship, entry_type)
    if spec_of(entry_type).answers is not None and asked.replies_to is None:
        messages.info(request, "Use the link beside the entry you are answering.")
        return redirect("trust:relationship", pk=relationship.pk)
    sides = sides_acting_for(request.user, relationship)
    context = EntryFormContext(
        relationship=relationship,
        sides=sides,
        open_cases=list(restorative_cases_of(relationship).filter(closed_at__isnull=True)),
        target_actions=list(asked.replies_to.payload.get("actions") or []) if asked.replies_to else [],
    )
    form = asked.form(_posted(request), initial=_entry_initial(request, asked, sides), context=context)
    if request.method == "POST" and form.is_valid():

        def add() -> str:
            entry = services.trust_entry_add(
                relationship=relationship, entry_type=EntryType(entry_type), author_organisation=form.author(),
                author_user=_user(request), body=form.cleaned_data["body"], payload=form.payload(),
                corrects=asked.corrects, replies_to=asked.replies_to,
            )  # fmt: skip
            messages.success(request, f"{entry.get_entry_type_display()} added to the log as entry {entry.sequence}.")
            return reverse("trust:relationship", args=[relationship.pk])

        try:
            return form_submit_once(request, add)
        except ValidationError as error:
            form_errors_add(form, error, renamed=SIDE_ERRORS)
    lookup = lookup_for(relationship, [])
    answered = [entry_present(linked, lookup) for linked in (asked.replies_to, asked.corrects) if linked is not None]
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
    if repeated := form_replayed(request):
        return repeated
    concerns = entries_of(relationship).filter(entry_type__in=types_where(lambda spec: spec.opens_case))
    concern = get_object_or_404(concerns, pk=entry)
    existing = restorative_cases_of(relationship).filter(concern=concern).first()
    if existing is not None:
        messages.info(request, "This concern already has a restorative case.")
        return redirect("trust:case", pk=relationship.pk, case=existing.pk)
    form = SideForm(_posted(request), sides=sides_acting_for(request.user, relationship))
    if request.method == "POST" and form.is_valid():

        def open_case() -> str:
            case = services.restorative_case_open(concern=concern, opened_by=_user(request), organisation=form.side())
            messages.success(request, "Restorative case opened. Both organisations can see it in the log.")
            return reverse("trust:case", args=[relationship.pk, case.pk])

        try:
            return form_submit_once(request, open_case)
        except ValidationError as error:
            form_errors_add(form, error, renamed=SIDE_ERRORS)
    context = {
        "relationship": relationship,
        "concern": entry_present(concern, lookup_for(relationship, [])),
        "form": form,
    }
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
    relationship, spec = case.relationship, STAGE_TYPES[stage.stage]
    if stage.entry is not None or case.closed_at is not None or not spec.stage_prompt:
        return "", ""
    if spec.answers is not None:  # the right of reply to the concern: the other side's
        if {side.pk for side in sides} - {case.concern.author_organisation_id}:
            return spec.stage_prompt, entry_add_url(relationship, type=spec.entry_type, replies_to=case.concern_id)
        return "", ""
    return spec.stage_prompt, entry_add_url(relationship, type=spec.entry_type, case=case.pk)


@require_GET
def case_detail(request: HttpRequest, pk: int, case: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    restorative_case = get_object_or_404(restorative_cases_of(relationship), pk=case)
    sides = sides_acting_for(request.user, relationship)
    stages = [
        StageRow(stage, STAGE_EXPLANATIONS[stage.stage], *_stage_action(stage, restorative_case, sides))
        for stage in restorative_stages(restorative_case)
    ]
    word = restorative_case_relationship_state(restorative_case)
    context = {
        "relationship": relationship,
        "case": restorative_case,
        "concern": entry_present(restorative_case.concern, lookup_for(relationship, [])),
        "stages": stages,
        "word": word,
        "word_label": RelationshipState(word.payload["relationship_state"]).label if word else "",
        "states": [(RelationshipState(value).label, hint) for value, hint in STATE_HINTS.items()],
        "close_url": entry_add_url(relationship, type=EntryType.REVIEW, case=restorative_case.pk, closes_case=1),
    }
    return render(request, "trust/case_detail.html", context)


# --- Pulse check-in ------------------------------------------------------------------------


@GET_POST
def pulse(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _relationship(request, pk)
    if repeated := form_replayed(request):
        return repeated
    quarter = services.quarter_start(timezone.localdate())
    answered = list(pulse_check_ins_of(relationship).filter(quarter_start=quarter))
    answered_ids = {check_in.organisation_id for check_in in answered}
    sides = sides_acting_for(request.user, relationship)
    unanswered = [side for side in sides if side.pk not in answered_ids]
    form = PulseForm(_posted(request), sides=unanswered) if unanswered else None
    if request.method == "POST" and form is not None and form.is_valid():
        chosen = form

        def submit() -> str:
            services.pulse_check_in_submit(
                relationship=relationship, organisation=chosen.side(), submitted_by=_user(request),
                scores=chosen.scores(), comment=chosen.cleaned_data["comment"],
            )  # fmt: skip
            messages.success(request, "Thank you. Your answers for this quarter are recorded.")
            return reverse("trust:relationship", args=[relationship.pk])

        try:
            return form_submit_once(request, submit)
        except ValidationError as error:
            form_errors_add(form, error, renamed=SIDE_ERRORS)
    context = {
        "relationship": relationship,
        "form": form,
        "quarter": quarter,
        "answered_by_you": [check_in for check_in in answered if check_in.organisation_id in {s.pk for s in sides}],
        "pulse_trend": pulse_trend_present(relationship),
        "pulse_definition": DEFINITIONS["pulse_trend"],
    }
    return render(request, "trust/pulse.html", context)


# --- Audited access by staff administrators ----------------------------------------------------


@GET_POST
def audited_access(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    relationship = relationship_for_audited_access(user, pk)
    form = AuditedAccessForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.administrator_access_record(
                relationship=relationship, user=user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form_errors_add(form, error, renamed=SIDE_ERRORS)
        else:
            # Shown in this response, never at a URL: each reading is one recorded access.
            report = chain_verify(relationship)
            entries = entries_present(list(timeline(relationship)), lookup_for(relationship, [], read_only=True))
            context = {
                "relationship": relationship,
                "entries": entries,
                "chain": report,
                "chain_message": chain_message(report),
            }
            return render(request, "trust/audited_log.html", context)
    return render(request, "trust/audited_access.html", {"relationship": relationship, "form": form})


# --- Redaction (ADR 18) --------------------------------------------------------------------


@GET_POST
def redaction_request(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    """Either side asks for an entry to be redacted, with a reason; the other side decides."""
    relationship = _relationship(request, pk)
    if repeated := form_replayed(request):
        return repeated
    target = get_object_or_404(entries_of(relationship), pk=entry)
    anchor = f"{reverse('trust:relationship', args=[relationship.pk])}#entry-{target.sequence}"
    if target.redacted:
        messages.info(request, f"Entry {target.sequence} is already redacted.")
        return redirect(anchor)
    pending = redaction_requests_pending_of(relationship).filter(entry=target).first()
    if pending is not None:
        messages.info(request, f"A redaction of entry {target.sequence} is already waiting for a decision.")
        return redirect("trust:redaction_decide", pk=relationship.pk, redaction=pending.pk)
    form = RedactionRequestForm(_posted(request), sides=sides_acting_for(request.user, relationship))
    if request.method == "POST" and form.is_valid():

        def ask() -> str:
            redaction_request_create(
                entry=target, requested_by=_user(request), organisation=form.side(), reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"You asked for entry {target.sequence} to be redacted. The other side decides.")
            return anchor

        try:
            return form_submit_once(request, ask)
        except ValidationError as error:
            form_errors_add(form, error, renamed=SIDE_ERRORS)
    context = {"relationship": relationship, "entry": entry_present(target, lookup_for(relationship, [])), "form": form}
    return render(request, "trust/redaction_request.html", context)


def _deciding_sides(user: User, relationship: Relationship, asked: RedactionRequest) -> list[Organisation]:
    """The sides the user may decide for: not the one that asked."""
    return [side for side in sides_acting_for(user, relationship) if side.pk != asked.requested_by_organisation_id]


@GET_POST
def redaction_decide(request: HttpRequest, pk: int, redaction: int) -> HttpResponse:
    """The other side, or a staff administrator, approves or declines a redaction request.
    Staff see who wrote the entry and when, never what it says (that is the audited page's)."""
    user = _user(request)
    relationship = relationship_for_staff_decision(user, pk) if user.is_staff else _relationship(request, pk)
    if repeated := form_replayed(request):
        return repeated
    asked = get_object_or_404(redaction_requests_of(relationship), pk=redaction)
    sides = [] if user.is_staff else _deciding_sides(user, relationship, asked)
    can_decide = asked.status == RedactionStatus.PENDING and (user.is_staff or bool(sides))
    form = RedactionDecisionForm(_posted(request), sides=sides) if can_decide else None
    if request.method == "POST" and form is not None and form.is_valid():
        decision = form.cleaned_data["decision"]

        def decide() -> str:
            _DECISIONS[decision](
                redaction=asked, decided_by=user, organisation=form.side(), reason=form.cleaned_data["reason"]
            )
            done = "redacted" if decision == "approve" else "kept: the request was declined"
            messages.success(request, f"Entry {asked.entry.sequence} is {done}.")
            return reverse("trust:redaction_decide", args=[relationship.pk, asked.pk])

        try:
            return form_submit_once(request, decide)
        except ValidationError as error:
            form_errors_add(form, error, renamed=SIDE_ERRORS)
    context = {
        "relationship": relationship,
        "asked": asked,
        "form": form,
        "is_staff": user.is_staff,
        "entry": None if user.is_staff else entry_present(asked.entry, lookup_for(relationship, [])),
    }
    return render(request, "trust/redaction_decide.html", context)


_DECISIONS: dict[str, Any] = {
    "approve": redaction_request_approve,
    "decline": redaction_request_decline,
}
