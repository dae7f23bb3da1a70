"""Every read of the trust log, scoped to the user, and the verification of its hash chain.

A relationship is seen by the members of its two organisations and, when the counterpart is a
federation, by the members of the federation's member providers; a member provider's own
relationships are read (never written) by its federation's coordinators once the member
consents (federations.selectors.organisations_sharing_relationships_with). Staff administrators get
nothing here but `relationship_for_audited_access`, the one way into a log for them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from accounts.models import Organisation
from accounts.selectors import AnyUser
from federations.selectors import organisations_sharing_relationships_with
from trust.entry_types import STAGE_TYPES, spec_of
from trust.hashing import content_digest_compute, entry_hash_compute
from trust.models import (
    GENESIS_HASH,
    Commitment,
    CommitmentStatus,
    Entry,
    EntryContent,
    EntryType,
    PulseCheckIn,
    RedactionRequest,
    RedactionStatus,
    Relationship,
    RestorativeCase,
    RestorativeStage,
)


def organisations_acting_for(user: AnyUser) -> QuerySet[Organisation]:
    """The organisations whose side of a relationship the user may see and write for: their
    own, and every federation one of their provider organisations belongs to."""
    if not user.is_authenticated or user.is_staff:
        return Organisation.objects.none()
    own = Organisation.objects.filter(memberships__user=user)
    return Organisation.objects.filter(
        Q(pk__in=own.values("pk")) | Q(federation__members__organisation__in=own.values("pk"))
    ).distinct()


def relationships_visible_to(user: AnyUser) -> QuerySet[Relationship]:
    """Relationships of the organisations the user acts for, and (to read only: the user has no
    side in them) those of federation members that consent to the coordinators reading them."""
    organisations = organisations_acting_for(user).values("pk")
    consenting = organisations_sharing_relationships_with(user).values("pk")
    return Relationship.objects.filter(
        Q(local_authority__in=organisations) | Q(counterpart__in=organisations) | Q(counterpart__in=consenting)
    ).select_related("local_authority", "counterpart")


def entries_visible_to(user: AnyUser) -> QuerySet[Entry]:
    return Entry.objects.filter(relationship__in=relationships_visible_to(user).values("pk"))


def relationship_for_audited_access(user: AnyUser, pk: int) -> Relationship:
    """A relationship for a staff administrator to read; 404 for anyone else.

    Staff have no side, so no scoped selector shows them a relationship: the audited page is
    their one way in, and it records every reading before it shows the log."""
    if not user.is_staff:
        raise Http404("No such page.")
    return get_object_or_404(Relationship.objects.select_related("local_authority", "counterpart"), pk=pk)


def open_concerns_of(relationship: Relationship | OuterRef) -> QuerySet[Entry]:
    """The relationship's open concerns: those under a restorative case not yet closed, and
    those with no case and no reply yet from the other side. This is the pages' one definition
    of "open"; DEFINITIONS["open_concerns"] in trust/indicators.py says it in words, and the
    nightly indicator there has its own query for the same concerns: change the two together.
    Pass OuterRef("pk") to count them per relationship in an annotation."""
    concern = OuterRef("pk")
    has_case = RestorativeCase.objects.filter(concern=concern)
    replied = Entry.objects.filter(replies_to=concern, entry_type=EntryType.REPLY).exclude(
        author_organisation=OuterRef("author_organisation")
    )
    # Q(...): the stubs accept a relationship or an expression here, but not a union of the two.
    return Entry.objects.filter(Q(relationship=relationship), entry_type=EntryType.CONCERN).filter(
        Exists(has_case.filter(closed_at__isnull=True)) | (~Exists(has_case) & ~Exists(replied))
    )


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """The number of rows of a per-relationship subquery, 0 when there are none."""
    counted = queryset.order_by().values("relationship").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class RelationshipListed(TypedDict):
    last_entry_at: datetime.datetime | None
    open_commitments: int
    open_concerns: int


def relationships_listed_for(user: AnyUser) -> QuerySet[WithAnnotations[Relationship, RelationshipListed]]:
    """The user's relationships, each with when its last entry was written and how many
    commitments and concerns are open in it: the list of relationships, in one query."""
    open_commitments = Commitment.objects.filter(relationship=OuterRef("pk"), status=CommitmentStatus.OPEN)
    return relationships_visible_to(user).annotate(
        last_entry_at=Max("entries__created_at"),
        open_commitments=_count(open_commitments),
        open_concerns=_count(open_concerns_of(OuterRef("pk"))),
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    first_bad_sequence: int | None
    reason: str
    entries_checked: int = 0
    # The newest entry's hash when the chain verifies: a fingerprint of the whole log that each
    # side can note down, so that even the removal of the newest entries could be noticed.
    head_hash: str = field(default="", compare=False)


def chain_verify(relationship: Relationship) -> ChainReport:
    """Recompute the relationship's chain in order: sequences 1, 2, 3... without a gap, each
    entry pointing at the hash of the one before, each hash matching the entry, and each
    entry's content matching its digest unless it was redacted; every redacted entry is one
    that a later system entry of the log says was redacted (ADR 18)."""
    expected_sequence, previous_hash = 1, GENESIS_HASH
    redacted: dict[int, int] = {}  # entry id: sequence, of redacted entries
    announced: set[int] = set()  # entry ids that "entry_redacted" system entries name
    entries = Entry.objects.filter(relationship=relationship).select_related("content").order_by("sequence")
    for entry in entries.iterator(chunk_size=500):
        problem = _entry_problem(entry, expected_sequence, previous_hash)
        if problem:
            return ChainReport(False, expected_sequence, problem, expected_sequence - 1)
        if entry.redacted:
            redacted[entry.pk] = entry.sequence
        if entry.entry_type == EntryType.SYSTEM and entry.structured.get("event") == "entry_redacted":
            announced.update(_redacted_ids(entry.structured))
        expected_sequence, previous_hash = expected_sequence + 1, entry.entry_hash
    checked = expected_sequence - 1
    unannounced = sorted(sequence for pk, sequence in redacted.items() if pk not in announced)
    if unannounced:
        reason = f"entry {unannounced[0]} was blanked, but no entry of the log records its redaction"
        return ChainReport(False, unannounced[0], reason, checked)
    return ChainReport(True, None, f"{checked} entries verify", checked, head_hash=previous_hash)


def _redacted_ids(structured: dict[str, Any]) -> list[int]:
    named = [structured.get("entry"), *(structured.get("also") or [])]
    return [pk for pk in named if isinstance(pk, int)]


def _entry_problem(entry: Entry, expected_sequence: int, previous_hash: str) -> str:
    if entry.sequence != expected_sequence:
        return f"entry {expected_sequence} is missing: entry {entry.sequence} follows entry {expected_sequence - 1}"
    if entry.previous_hash != previous_hash:
        return f"entry {entry.sequence} does not follow the entry before it (previous hash differs)"
    if entry.entry_hash != entry_hash_compute(entry):
        return f"entry {entry.sequence} was changed after it was written (its hash differs)"
    return _content_problem(entry)


def _content_problem(entry: Entry) -> str:
    try:
        content = entry.content
    except EntryContent.DoesNotExist:
        return f"entry {entry.sequence} has lost its content"
    if content.redacted_at is not None:
        # Blank by the table's constraint; announced by a system entry, checked at the end.
        return ""
    if content_digest_compute(salt=content.salt, body=content.body, texts=content.texts) != entry.content_digest:
        return f"entry {entry.sequence}'s text was changed after it was written (its content digest differs)"
    return ""


def sides_acting_for(user: AnyUser, relationship: Relationship) -> list[Organisation]:
    """The side (rarely both, never more) of the relationship the user writes for."""
    return list(organisations_acting_for(user).filter(pk__in=relationship.sides()).order_by("kind", "name"))


def entries_of(relationship: Relationship) -> QuerySet[Entry]:
    """The entries of one relationship: the only place a URL's entry id is looked up, so an id
    from another relationship is simply not found. `relationship` comes from
    `relationships_visible_to`."""
    return Entry.objects.filter(relationship=relationship).select_related("content")


def organisations_to_open_with(own: list[Organisation], kinds: set[str]) -> QuerySet[Organisation]:
    """The other side's organisations a relationship can be opened with, by name."""
    return Organisation.objects.filter(kind__in=kinds).exclude(pk__in=[o.pk for o in own]).order_by("name")


def timeline(relationship: Relationship, *, entry_type: str | None = None) -> QuerySet[Entry]:
    """The relationship's entries newest first, optionally of one type, ready to render."""
    entries = Entry.objects.filter(relationship=relationship)
    if entry_type:
        entries = entries.filter(entry_type=entry_type)
    return entries.select_related("content", "author_organisation", "author_user", "corrects", "replies_to").order_by(
        "-sequence"
    )


def answers_to(relationship: Relationship) -> dict[int, list[Entry]]:
    """Every entry that answers or corrects another, by the id of the entry it answers, oldest
    first: the right of reply and corrections shown beside what they answer."""
    answers: dict[int, list[Entry]] = {}
    linked = (
        Entry.objects.filter(relationship=relationship)
        .filter(Q(replies_to__isnull=False) | Q(corrects__isnull=False))
        .select_related("content", "author_organisation", "author_user")
        .order_by("sequence")
    )
    for entry in linked:
        target = entry.replies_to_id or entry.corrects_id
        if target is not None:
            answers.setdefault(target, []).append(entry)
    return answers


@dataclass(frozen=True)
class StageReached:
    stage: RestorativeStage
    entry: Entry | None
    on: datetime.date | None


def restorative_stages(case: RestorativeCase) -> list[StageReached]:
    """Where the case stands: each stage with the first entry that reached it and its date."""
    concern = case.concern
    stage_entries = Entry.objects.filter(relationship=case.relationship, structured__restorative_case=case.pk)
    reached: dict[RestorativeStage, Entry | None] = {}
    for value, spec in STAGE_TYPES.items():
        stage = RestorativeStage(value)
        if spec.opens_case:
            reached[stage] = concern
        elif spec.answers is not None:
            # The right of reply: the other side's first answer to the concern.
            reached[stage] = (
                Entry.objects.filter(replies_to=concern, entry_type=spec.entry_type)
                .exclude(author_organisation=concern.author_organisation)
                .order_by("sequence")
                .first()
            )
        else:
            reached[stage] = stage_entries.filter(entry_type=spec.entry_type).order_by("sequence").first()
    if case.closing_entry is not None:
        # A closed case's review is the one that closed it; an interim review counts until then.
        closing_stage = spec_of(case.closing_entry.entry_type).restorative_stage
        if closing_stage is not None:
            reached[closing_stage] = case.closing_entry
    return [StageReached(stage, entry, _stage_date(stage, entry)) for stage, entry in reached.items()]


def _stage_date(stage: RestorativeStage, entry: Entry | None) -> datetime.date | None:
    if entry is None:
        return None
    held_on = entry.payload.get("held_on") if stage == RestorativeStage.CONVERSATION_HELD else None
    return datetime.date.fromisoformat(held_on) if held_on else timezone.localdate(entry.created_at)


def restorative_case_relationship_state(case: RestorativeCase) -> Entry | None:
    """The latest entry of the case that said, in the field's words (its `relationship_state`),
    where the relationship is: the entry, so the page can say who said it and when."""
    return (
        Entry.objects.filter(relationship=case.relationship, structured__restorative_case=case.pk)
        .filter(structured__has_key="relationship_state")
        .select_related("author_organisation")
        .order_by("-sequence")
        .first()
    )


def restorative_cases_of(relationship: Relationship) -> QuerySet[RestorativeCase]:
    return RestorativeCase.objects.filter(relationship=relationship).select_related(
        "relationship", "concern__author_organisation", "opened_by_organisation", "closing_entry"
    )


def commitments_of(relationship: Relationship) -> QuerySet[Commitment]:
    return Commitment.objects.filter(relationship=relationship).select_related("entry", "owner_organisation")


def pulse_check_ins_of(relationship: Relationship) -> QuerySet[PulseCheckIn]:
    return PulseCheckIn.objects.filter(relationship=relationship).select_related("organisation")


def redaction_requests_of(relationship: Relationship) -> QuerySet[RedactionRequest]:
    """The relationship's redaction requests, oldest first: the only place a URL's request id
    is looked up. `relationship` comes from `relationships_visible_to`, or from
    `relationship_for_staff_decision` for a staff administrator."""
    return RedactionRequest.objects.filter(entry__relationship=relationship).select_related(
        "entry__content", "entry__author_organisation", "requested_by_organisation", "decided_by_organisation"
    )


def redaction_requests_pending_of(relationship: Relationship) -> QuerySet[RedactionRequest]:
    return redaction_requests_of(relationship).filter(status=RedactionStatus.PENDING)


def relationship_for_staff_decision(user: AnyUser, pk: int) -> Relationship:
    """A relationship whose redaction requests a staff administrator may decide; 404 for anyone
    else. The decision page shows who wrote the entry and when, never what it says."""
    if not user.is_staff:
        raise Http404("No such page.")
    return get_object_or_404(Relationship.objects.select_related("local_authority", "counterpart"), pk=pk)


def entries_past_retention(*, written_before: datetime.datetime, limit: int) -> QuerySet[Entry]:
    """People's entries written before the moment, still holding their text, that the retention
    schedule has never asked about (a side that declined its request is not asked again),
    oldest first. The service's own entries hold references, not people's words."""
    asked = RedactionRequest.objects.filter(entry=OuterRef("pk"), requested_by_organisation__isnull=True)
    return (
        Entry.objects.exclude(entry_type=EntryType.SYSTEM)
        .filter(created_at__lt=written_before, content__redacted_at__isnull=True)
        .exclude(Exists(asked))
        .order_by("created_at", "pk")[:limit]
    )
