"""The trust log's services beyond a plain append: commitments and their updates, the right of
reply, action updates, restorative cases, the service's own entries, opening relationships,
pulse check-ins, audited administrator access and the log's time order.

Every refusal is checked with `refused`, which also asserts that nothing changed: no entry,
commitment, restorative case, pulse check-in, administrator access or relationship.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Membership, Notification
from tests.conftest import Cast
from trust.models import (
    AdministratorAccess,
    Commitment,
    CommitmentStatus,
    Entry,
    EntryType,
    PulseCheckIn,
    Relationship,
    RelationshipOrigin,
    RestorativeCase,
    RestorativeStage,
)
from trust.selectors import ChainReport, StageReached, chain_verify, entries_visible_to, restorative_stages
from trust.services import (
    administrator_access_record,
    pulse_check_in_submit,
    relationship_get_or_create,
    relationship_open,
    restorative_case_open,
    system_entry_record,
    trust_entry_add,
)

pytestmark = pytest.mark.django_db

OPEN_CASE_ONLY = "Choose an open restorative case of this relationship."
SCORES = {"commitments_honoured": 4, "heard": 3, "information_timely": 2, "learn_together": 5}
TWO_ACTIONS = [
    {"action": "Name a deputy for the referrals inbox", "owner": "Provider P"},
    {"action": "Send referrals to the shared inbox too", "owner": "Authority A"},
]


# --- Helpers ---------------------------------------------------------------------------------


def _log_state() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the services under test write, in a comparable form."""
    return {
        "relationships": list(
            Relationship.objects.order_by("pk").values_list("pk", "local_authority", "counterpart", "created_via")
        ),
        "entries": list(Entry.objects.order_by("pk").values_list("pk", "relationship", "sequence", "entry_hash")),
        "commitments": list(
            Commitment.objects.order_by("pk").values_list("pk", "entry", "owner_organisation", "due_date", "status")
        ),
        "cases": list(
            RestorativeCase.objects.order_by("pk").values_list("pk", "concern", "closed_at", "closing_entry")
        ),
        "pulses": list(
            PulseCheckIn.objects.order_by("pk").values_list(
                "pk", "relationship", "organisation", "quarter_start", *PulseCheckIn.QUESTIONS
            )
        ),
        "accesses": list(AdministratorAccess.objects.order_by("pk").values_list("pk", "relationship", "user")),
    }


def _every_chain_verifies() -> bool:
    return all(chain_verify(relationship).ok for relationship in Relationship.objects.all())


@contextmanager
def refused(errors: dict[str, list[str]] | None = None) -> Iterator[None]:
    """The block is refused (with exactly these messages, when given) and changes nothing."""
    before = _log_state()
    caught: ValidationError | None = None
    try:
        yield
    except ValidationError as error:
        caught = error
    if caught is None:
        raise AssertionError("the service accepted what it should have refused")
    if errors is not None:
        assert caught.message_dict == errors
    assert _log_state() == before
    assert _every_chain_verifies()


def by_a(cast: Cast) -> dict[str, Any]:
    return {"author_organisation": cast.local_authority_a, "author_user": cast.commissioner_a}


def by_p(cast: Cast) -> dict[str, Any]:
    return {"author_organisation": cast.provider_organisation_p, "author_user": cast.provider_p}


def add(
    relationship: Relationship, author: dict[str, Any], entry_type: EntryType, body: str = "Said.", **extra: Any
) -> Entry:
    return trust_entry_add(relationship=relationship, entry_type=entry_type, body=body, **author, **extra)


def commitment_add(relationship: Relationship, cast: Cast) -> Entry:
    return add(
        relationship,
        by_p(cast),
        EntryType.COMMITMENT,
        "We will send the updated statement of purpose.",
        payload={
            "what": "Updated statement of purpose",
            "by_whom": "Registered manager",
            "owner_organisation": cast.provider_organisation_p.pk,
            "due_date": "2026-12-01",
        },
    )


def at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def concern(relationship, cast) -> Entry:
    return add(relationship, by_a(cast), EntryType.CONCERN, "Two referrals had no answer in time.", now=at(2))


@pytest.fixture
def other_relationship(cast) -> Relationship:
    return relationship_get_or_create(
        local_authority_organisation=cast.local_authority_b,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.PLACEMENT,
    )


# --- Commitments -----------------------------------------------------------------------------


def test_a_commitment_entry_opens_its_commitment(relationship, cast):
    commitment = commitment_add(relationship, cast)
    row = Commitment.objects.get()
    assert (
        row.entry,
        row.relationship,
        row.owner_organisation,
        row.what,
        row.due_date,
        row.status,
        row.reminded_for,
        row.missed_recorded_for,
    ) == (
        commitment,
        relationship,
        cast.provider_organisation_p,
        "Updated statement of purpose",
        datetime.date(2026, 12, 1),
        CommitmentStatus.OPEN,
        None,
        None,
    )


@pytest.mark.parametrize(("outcome", "status"), [("kept", CommitmentStatus.KEPT), ("missed", CommitmentStatus.MISSED)])
def test_a_commitment_update_records_its_outcome(relationship, cast, outcome, status):
    commitment = commitment_add(relationship, cast)
    update = add(
        relationship, by_p(cast), EntryType.COMMITMENT_UPDATE, payload={"outcome": outcome}, replies_to=commitment
    )
    assert (update.sequence, update.replies_to, update.payload) == (2, commitment, {"outcome": outcome})
    assert Commitment.objects.values_list("entry", "status", "due_date").get() == (
        commitment.pk,
        status,
        datetime.date(2026, 12, 1),
    )
    assert chain_verify(relationship).ok


def test_a_renegotiated_commitment_is_open_again_with_its_new_due_date(relationship, cast):
    commitment = commitment_add(relationship, cast)
    add(relationship, by_a(cast), EntryType.COMMITMENT_UPDATE, payload={"outcome": "missed"}, replies_to=commitment)
    add(
        relationship,
        by_p(cast),
        EntryType.COMMITMENT_UPDATE,
        payload={"outcome": "renegotiated", "due_date": "2027-01-15"},
        replies_to=commitment,
    )
    assert Commitment.objects.values_list("status", "due_date").get() == (
        CommitmentStatus.OPEN,
        datetime.date(2027, 1, 15),
    )
    assert chain_verify(relationship).ok


@pytest.mark.parametrize(
    ("case", "payload", "answers", "errors"),
    [
        (
            "renegotiated without a new date",
            {"outcome": "renegotiated"},
            "commitment",
            {"payload": ["Give the new due date as a date (YYYY-MM-DD)."]},
        ),
        (
            "renegotiated to a date that is not one",
            {"outcome": "renegotiated", "due_date": "next week"},
            "commitment",
            {"payload": ["Give the new due date as a date (YYYY-MM-DD)."]},
        ),
        (
            "unknown outcome",
            {"outcome": "postponed"},
            "commitment",
            {"payload": ["Say whether it was kept, missed or renegotiated."]},
        ),
        (
            "update of a note",
            {"outcome": "kept"},
            "note",
            {"replies_to": ["A commitment update answers a commitment."]},
        ),
        (
            "update of a concern",
            {"outcome": "kept"},
            "concern",
            {"replies_to": ["A commitment update answers a commitment."]},
        ),
    ],
)
def test_refused_commitment_updates_change_nothing(relationship, cast, case, payload, answers, errors):
    entries = {
        "commitment": commitment_add(relationship, cast),
        "note": add(relationship, by_a(cast), EntryType.NOTE),
        "concern": add(relationship, by_a(cast), EntryType.CONCERN),
    }
    with refused(errors):
        add(relationship, by_p(cast), EntryType.COMMITMENT_UPDATE, payload=payload, replies_to=entries[answers])
    assert Commitment.objects.values_list("status", "due_date").get() == (
        CommitmentStatus.OPEN,
        datetime.date(2026, 12, 1),
    )


# --- The right of reply ----------------------------------------------------------------------


def test_the_other_side_replies_to_a_concern(relationship, cast, concern):
    reply = add(relationship, by_p(cast), EntryType.REPLY, "A deputy now covers the inbox.", replies_to=concern)
    assert (reply.sequence, reply.replies_to, reply.author_organisation) == (2, concern, cast.provider_organisation_p)
    assert chain_verify(relationship).ok


def test_a_side_does_not_reply_to_its_own_concern(relationship, cast, concern):
    with refused({"replies_to": ["The right of reply is the other side's: add a note or a correction instead."]}):
        add(relationship, by_a(cast), EntryType.REPLY, "And another thing.", replies_to=concern)


# --- Action updates --------------------------------------------------------------------------


@pytest.fixture
def agreement(relationship, cast) -> Entry:
    return add(relationship, by_a(cast), EntryType.AGREEMENT, "What we agreed.", payload={"actions": TWO_ACTIONS})


@pytest.mark.parametrize(("action", "status"), [(0, "in_progress"), (1, "done")])
def test_an_action_update_answers_an_entry_with_actions(relationship, cast, agreement, action, status):
    update = add(
        relationship,
        by_p(cast),
        EntryType.ACTION_UPDATE,
        payload={"action": action, "status": status},
        replies_to=agreement,
    )
    assert (update.sequence, update.replies_to, update.payload) == (2, agreement, {"action": action, "status": status})
    assert chain_verify(relationship).ok


WHICH_ACTION = "Say which action (its number in the list)."


@pytest.mark.parametrize(
    ("case", "payload", "answers", "errors"),
    [
        ("answers nothing", {"action": 0, "status": "done"}, None, {"replies_to": ["Say which entry this answers."]}),
        (
            "answers a note",
            {"action": 0, "status": "done"},
            "note",
            {"replies_to": ["An action update answers an agreement or review that lists actions."]},
        ),
        (
            "answers a review without actions",
            {"action": 0, "status": "done"},
            "review",
            {"replies_to": ["An action update answers an agreement or review that lists actions."]},
        ),
        ("negative index", {"action": -1, "status": "done"}, "agreement", {"payload": [WHICH_ACTION]}),
        ("index as text", {"action": "1", "status": "done"}, "agreement", {"payload": [WHICH_ACTION]}),
        ("no index", {"status": "done"}, "agreement", {"payload": [WHICH_ACTION]}),
        (
            "unknown status",
            {"action": 0, "status": "finished"},
            "agreement",
            {"payload": ["Say whether the action is done or in progress."]},
        ),
        (
            "unknown detail",
            {"action": 0, "status": "done", "note": "x"},
            "agreement",
            {"payload": ["Unexpected details: note."]},
        ),
    ],
)
def test_refused_action_updates_change_nothing(relationship, cast, agreement, case, payload, answers, errors):
    entries = {
        None: None,
        "agreement": agreement,
        "note": add(relationship, by_a(cast), EntryType.NOTE),
        "review": add(relationship, by_a(cast), EntryType.REVIEW, payload={"quality_perspective": "democratic"}),
    }
    with refused(errors):
        add(relationship, by_p(cast), EntryType.ACTION_UPDATE, payload=payload, replies_to=entries[answers])


def test_an_action_update_names_an_action_that_exists(relationship, cast, agreement):
    with refused({"payload": ["Entry 1 lists 2 actions."]}):
        add(
            relationship,
            by_p(cast),
            EntryType.ACTION_UPDATE,
            payload={"action": 2, "status": "done"},
            replies_to=agreement,
        )


def test_an_action_index_is_a_number_not_yes_or_no(relationship, cast, agreement):
    with refused({"payload": ["Say which action (its number in the list)."]}):
        add(
            relationship,
            by_p(cast),
            EntryType.ACTION_UPDATE,
            payload={"action": True, "status": "done"},
            replies_to=agreement,
        )


# --- Restorative cases -----------------------------------------------------------------------


@pytest.mark.parametrize("opener", ["commissioner_a", "provider_p"])
def test_either_side_opens_a_restorative_case_on_a_concern(relationship, cast, concern, opener):
    organisation = cast.local_authority_a if opener == "commissioner_a" else cast.provider_organisation_p
    case = restorative_case_open(concern=concern, opened_by=cast.user(opener), organisation=organisation)
    assert (
        case.relationship,
        case.concern,
        case.opened_by_organisation,
        case.opened_by,
        case.closed_at,
        case.closing_entry,
    ) == (relationship, concern, organisation, cast.user(opener), None, None)
    system = Entry.objects.get(entry_type=EntryType.SYSTEM)
    assert (
        system.sequence,
        system.author_organisation,
        system.author_user,
        system.replies_to,
        system.body,
        system.payload,
    ) == (
        2,
        organisation,
        None,
        concern,
        f"{organisation} opened a restorative case on concern 1.",
        {
            "event": "restorative_case_opened",
            "event_key": f"restorative_case_opened:{case.pk}",
            "restorative_case": case.pk,
        },
    )
    assert chain_verify(relationship).ok


ONLY_THE_TWO_OPEN = {"organisation": ["Only the two organisations of the relationship open a restorative case."]}


@pytest.mark.parametrize(
    ("case", "opener", "organisation", "errors"),
    [
        (
            "not a concern",
            "commissioner_a",
            "local_authority_a",
            {"concern": ["A restorative case follows up a concern."]},
        ),
        (
            "second case on a concern",
            "provider_p",
            "provider_organisation_p",
            {"concern": ["This concern already has a restorative case."]},
        ),
        ("third organisation", "provider_q", "provider_organisation_q", ONLY_THE_TWO_OPEN),
        ("person not of that side", "provider_p", "local_authority_a", ONLY_THE_TWO_OPEN),
        ("staff administrator", "admin", "local_authority_a", ONLY_THE_TWO_OPEN),
    ],
)
def test_refused_restorative_cases_change_nothing(relationship, cast, concern, case, opener, organisation, errors):
    note = add(relationship, by_a(cast), EntryType.NOTE)
    if case == "second case on a concern":
        restorative_case_open(concern=concern, opened_by=cast.commissioner_a, organisation=cast.local_authority_a)
    with refused(errors):
        restorative_case_open(
            concern=note if case == "not a concern" else concern,
            opened_by=cast.user(opener),
            organisation=getattr(cast, organisation),
        )


def test_restorative_stages_follow_the_case_until_a_review_closes_it(relationship, cast, concern):
    reply = add(relationship, by_p(cast), EntryType.REPLY, "We hear you.", replies_to=concern, now=at(3))
    case = restorative_case_open(concern=concern, opened_by=cast.provider_p, organisation=cast.provider_organisation_p)
    assert restorative_stages(case) == [
        StageReached(RestorativeStage.CONCERN_RAISED, concern, datetime.date(2026, 11, 2)),
        StageReached(RestorativeStage.REPLY, reply, datetime.date(2026, 11, 3)),
        StageReached(RestorativeStage.CONVERSATION_HELD, None, None),
        StageReached(RestorativeStage.AGREEMENT, None, None),
        StageReached(RestorativeStage.REVIEW, None, None),
    ]

    conversation = add(
        relationship,
        by_a(cast),
        EntryType.RESTORATIVE_CONVERSATION,
        payload={"held_on": "2026-11-20", "restorative_case": case.pk, "relationship_state": "rapprochement"},
    )
    agreement = add(
        relationship, by_p(cast), EntryType.AGREEMENT, payload={"actions": TWO_ACTIONS, "restorative_case": case.pk}
    )
    review = add(
        relationship,
        by_a(cast),
        EntryType.REVIEW,
        payload={"restorative_case": case.pk, "closes_case": True, "relationship_state": "reconciliation"},
    )

    assert restorative_stages(case) == [
        StageReached(RestorativeStage.CONCERN_RAISED, concern, datetime.date(2026, 11, 2)),
        StageReached(RestorativeStage.REPLY, reply, datetime.date(2026, 11, 3)),
        StageReached(RestorativeStage.CONVERSATION_HELD, conversation, datetime.date(2026, 11, 20)),
        StageReached(RestorativeStage.AGREEMENT, agreement, timezone.localdate(agreement.created_at)),
        StageReached(RestorativeStage.REVIEW, review, timezone.localdate(review.created_at)),
    ]
    case.refresh_from_db()
    assert (case.closed_at, case.closing_entry) == (review.created_at, review)
    assert [entry.entry_type for entry in Entry.objects.filter(relationship=relationship)] == [
        EntryType.CONCERN,
        EntryType.REPLY,
        EntryType.SYSTEM,
        EntryType.RESTORATIVE_CONVERSATION,
        EntryType.AGREEMENT,
        EntryType.REVIEW,
    ]
    assert chain_verify(relationship).ok


@pytest.fixture
def cases(relationship, other_relationship, cast, concern) -> dict[str, RestorativeCase]:
    """An open case and a closed case of the relationship, and an open case of another one."""
    open_case = restorative_case_open(
        concern=concern, opened_by=cast.commissioner_a, organisation=cast.local_authority_a
    )
    closed_concern = add(relationship, by_p(cast), EntryType.CONCERN, "Invoices arrive late.")
    closed = restorative_case_open(
        concern=closed_concern, opened_by=cast.provider_p, organisation=cast.provider_organisation_p
    )
    add(relationship, by_a(cast), EntryType.REVIEW, payload={"restorative_case": closed.pk, "closes_case": True})
    elsewhere_concern = trust_entry_add(
        relationship=other_relationship,
        entry_type=EntryType.CONCERN,
        author_organisation=cast.local_authority_b,
        author_user=cast.commissioner_b,
        body="Elsewhere.",
    )
    elsewhere = restorative_case_open(
        concern=elsewhere_concern, opened_by=cast.commissioner_b, organisation=cast.local_authority_b
    )
    return {"open": open_case, "closed": closed, "elsewhere": elsewhere}


@pytest.mark.parametrize(
    ("case", "entry_type", "payload", "errors"),
    [
        (
            "conversation naming a closed case",
            EntryType.RESTORATIVE_CONVERSATION,
            {"restorative_case": "closed"},
            {"payload": [OPEN_CASE_ONLY]},
        ),
        (
            "review closing a closed case again",
            EntryType.REVIEW,
            {"restorative_case": "closed", "closes_case": True},
            {"payload": [OPEN_CASE_ONLY]},
        ),
        (
            "agreement naming another relationship's case",
            EntryType.AGREEMENT,
            {"actions": TWO_ACTIONS, "restorative_case": "elsewhere"},
            {"payload": [OPEN_CASE_ONLY]},
        ),
        (
            "review closing another relationship's case",
            EntryType.REVIEW,
            {"restorative_case": "elsewhere", "closes_case": True},
            {"payload": [OPEN_CASE_ONLY]},
        ),
        (
            "case named as text",
            EntryType.RESTORATIVE_CONVERSATION,
            {"restorative_case": "open as text"},
            {"payload": [OPEN_CASE_ONLY]},
        ),
        (
            "review closing no case",
            EntryType.REVIEW,
            {"closes_case": True},
            {"payload": ["Say which restorative case the review closes."]},
        ),
        (
            "unknown relationship state",
            EntryType.RESTORATIVE_CONVERSATION,
            {"restorative_case": "open", "relationship_state": "bliss"},
            {"payload": ["Choose one of the words for where the relationship is."]},
        ),
        (
            "agreement closing a case",
            EntryType.AGREEMENT,
            {"actions": TWO_ACTIONS, "restorative_case": "open", "closes_case": True},
            {"payload": ["Unexpected details: closes_case."]},
        ),
        (
            "closes_case not yes or no",
            EntryType.REVIEW,
            {"restorative_case": "open", "closes_case": "yes"},
            {"payload": ["Say yes or no to closing the restorative case."]},
        ),
    ],
)
def test_refused_case_stages_change_nothing(relationship, cast, cases, case, entry_type, payload, errors):
    names = {name: named.pk for name, named in cases.items()} | {"open as text": str(cases["open"].pk)}
    if "restorative_case" in payload:
        payload = {**payload, "restorative_case": names[payload["restorative_case"]]}
    with refused(errors):
        add(relationship, by_a(cast), entry_type, payload=payload)
    assert list(RestorativeCase.objects.filter(closed_at__isnull=True).order_by("pk")) == [
        cases["open"],
        cases["elsewhere"],
    ]


# --- The service's own entries ---------------------------------------------------------------


def test_a_system_entry_with_an_event_key_is_written_once(relationship, other_relationship):
    def record(on: Relationship) -> Entry | None:
        return system_entry_record(
            relationship=on, event="offer_made", event_key="offer_made:12", body="Offer made.", payload={"offer": 12}
        )

    first = record(relationship)
    assert first is not None
    assert (first.sequence, first.entry_type, first.author_organisation, first.author_user, first.payload) == (
        1,
        EntryType.SYSTEM,
        None,
        None,
        {"offer": 12, "event": "offer_made", "event_key": "offer_made:12"},
    )
    assert record(relationship) is None
    assert list(Entry.objects.filter(relationship=relationship)) == [first]
    # The key is unique within a relationship, not across them.
    elsewhere = record(other_relationship)
    assert elsewhere is not None
    assert elsewhere.sequence == 1
    assert chain_verify(relationship).ok


@pytest.mark.parametrize("event_key", [None, "party:1"])
def test_a_system_entry_names_a_known_event(relationship, event_key):
    with refused({"payload": ["A system entry names its event."]}):
        system_entry_record(relationship=relationship, event="party", event_key=event_key, body="A party.")


def test_the_database_records_a_system_event_once_per_relationship(relationship):
    def direct() -> Entry:
        # trust_entry_add has no event-key check of its own: only the constraint stops this.
        return trust_entry_add(
            relationship=relationship,
            entry_type=EntryType.SYSTEM,
            author_organisation=None,
            author_user=None,
            body="Offer made.",
            payload={"event": "offer_made", "event_key": "offer_made:12"},
        )

    first = direct()
    before = _log_state()
    with pytest.raises(IntegrityError, match="entry_system_event_once"):
        direct()
    assert _log_state() == before
    assert list(Entry.objects.all()) == [first]
    assert chain_verify(relationship).ok


# --- Opening relationships -------------------------------------------------------------------


def _opened_entries() -> list[tuple[Any, ...]]:
    return list(
        Entry.objects.order_by("pk").values_list(
            "relationship",
            "sequence",
            "entry_type",
            "author_organisation",
            "author_user",
            "content__body",
            "structured",
        )
    )


def test_a_commissioner_opens_a_relationship_once(cast):
    relationship = relationship_open(
        opened_by=cast.commissioner_a,
        organisation=cast.local_authority_a,
        other_organisation=cast.provider_organisation_q,
    )
    again = relationship_open(
        opened_by=cast.commissioner_a,
        organisation=cast.local_authority_a,
        other_organisation=cast.provider_organisation_q,
    )
    assert again == relationship
    assert list(Relationship.objects.values_list("local_authority", "counterpart", "created_via")) == [
        (cast.local_authority_a.pk, cast.provider_organisation_q.pk, RelationshipOrigin.LOCAL_AUTHORITY)
    ]
    assert _opened_entries() == [
        (
            relationship.pk,
            1,
            EntryType.SYSTEM,
            cast.local_authority_a.pk,
            None,
            f"{cast.local_authority_a} opened this relationship's log.",
            {"event": "relationship_opened", "event_key": "relationship_opened"},
        )
    ]
    assert chain_verify(relationship).ok


def test_provider_staff_open_a_relationship_the_other_side_then_finds(cast):
    relationship = relationship_open(
        opened_by=cast.provider_p, organisation=cast.provider_organisation_p, other_organisation=cast.local_authority_b
    )
    found = relationship_open(
        opened_by=cast.commissioner_b,
        organisation=cast.local_authority_b,
        other_organisation=cast.provider_organisation_p,
    )
    assert found == relationship
    assert list(Relationship.objects.values_list("local_authority", "counterpart", "created_via")) == [
        (cast.local_authority_b.pk, cast.provider_organisation_p.pk, RelationshipOrigin.COUNTERPART)
    ]
    assert _opened_entries() == [
        (
            relationship.pk,
            1,
            EntryType.SYSTEM,
            cast.provider_organisation_p.pk,
            None,
            f"{cast.provider_organisation_p} opened this relationship's log.",
            {"event": "relationship_opened", "event_key": "relationship_opened"},
        )
    ]


@pytest.mark.parametrize("opener", ["federation member", "provider_q"])
def test_a_federation_is_opened_for_by_those_who_act_for_it(cast, federation, opener):
    user = (
        Membership.objects.get(organisation=federation.organisation).user if opener != "provider_q" else cast.provider_q
    )
    relationship = relationship_open(
        opened_by=user, organisation=federation.organisation, other_organisation=cast.local_authority_b
    )
    assert (relationship.local_authority, relationship.counterpart, relationship.created_via) == (
        cast.local_authority_b,
        federation.organisation,
        RelationshipOrigin.COUNTERPART,
    )
    assert Entry.objects.values_list("relationship", "author_organisation", "structured").get() == (
        relationship.pk,
        federation.organisation.pk,
        {"event": "relationship_opened", "event_key": "relationship_opened"},
    )


@pytest.mark.parametrize(
    ("case", "opener", "organisation", "other", "errors"),
    [
        ("commissioner for a provider", "commissioner_a", "provider_organisation_p", "local_authority_b", None),
        ("provider for an authority", "provider_p", "local_authority_b", "provider_organisation_p", None),
        ("staff administrator", "admin", "local_authority_a", "provider_organisation_q", None),
        (
            "two providers",
            "provider_p",
            "provider_organisation_p",
            "provider_organisation_q",
            {"local_authority_organisation": ["Choose a local authority organisation."]},
        ),
        (
            "two local authorities",
            "commissioner_a",
            "local_authority_a",
            "local_authority_b",
            {"counterpart": ["Choose a provider organisation or a federation."]},
        ),
        (
            "an organiser",
            "organiser",
            "organiser_organisation",
            "local_authority_a",
            {"counterpart": ["Choose a provider organisation or a federation."]},
        ),
    ],
)
def test_refused_openings_change_nothing(relationship, cast, case, opener, organisation, other, errors):
    user, acting_for = cast.user(opener), getattr(cast, organisation)
    expected = errors or {"organisation": [f"{user} does not act for {acting_for}."]}
    with refused(expected):
        relationship_open(opened_by=user, organisation=acting_for, other_organisation=getattr(cast, other))


# --- Pulse check-ins -------------------------------------------------------------------------


def pulse(relationship: Relationship, cast: Cast, side: str, today: datetime.date, **extra: Any) -> PulseCheckIn:
    organisation, user = (
        (cast.local_authority_a, cast.commissioner_a)
        if side == "a"
        else (cast.provider_organisation_p, cast.provider_p)
    )
    return pulse_check_in_submit(
        relationship=relationship,
        organisation=organisation,
        submitted_by=user,
        scores=extra.pop("scores", SCORES),
        today=today,
        **extra,
    )


def test_a_side_answers_the_pulse_check_in(relationship, cast):
    check_in = pulse(relationship, cast, "p", datetime.date(2026, 11, 26), comment="  Better than last quarter. ")
    check_in.refresh_from_db()
    assert (
        check_in.relationship,
        check_in.organisation,
        check_in.quarter_start,
        check_in.commitments_honoured,
        check_in.heard,
        check_in.information_timely,
        check_in.learn_together,
        check_in.comment,
        check_in.submitted_by,
        check_in.average,
    ) == (
        relationship,
        cast.provider_organisation_p,
        datetime.date(2026, 10, 1),
        4,
        3,
        2,
        5,
        "Better than last quarter.",
        cast.provider_p,
        3.5,
    )


@pytest.mark.parametrize(
    ("today", "quarter"),
    [
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 1)),
        (datetime.date(2026, 3, 31), datetime.date(2026, 1, 1)),
        (datetime.date(2026, 4, 1), datetime.date(2026, 4, 1)),
        (datetime.date(2026, 9, 30), datetime.date(2026, 7, 1)),
        (datetime.date(2026, 11, 26), datetime.date(2026, 10, 1)),
        (datetime.date(2026, 12, 31), datetime.date(2026, 10, 1)),
    ],
)
def test_today_picks_the_quarter_answered_for(relationship, cast, today, quarter):
    assert pulse(relationship, cast, "a", today).quarter_start == quarter


def test_each_side_answers_once_a_quarter(relationship, cast):
    pulse(relationship, cast, "p", datetime.date(2026, 11, 26))
    with refused(
        {
            "quarter_start": [
                f"{cast.provider_organisation_p} has already answered for the quarter from 01 October 2026."
            ]
        }
    ):
        pulse(relationship, cast, "p", datetime.date(2026, 12, 31))
    pulse(relationship, cast, "a", datetime.date(2026, 10, 1))
    pulse(relationship, cast, "p", datetime.date(2027, 1, 2))
    assert list(PulseCheckIn.objects.order_by("pk").values_list("organisation", "quarter_start")) == [
        (cast.provider_organisation_p.pk, datetime.date(2026, 10, 1)),
        (cast.local_authority_a.pk, datetime.date(2026, 10, 1)),
        (cast.provider_organisation_p.pk, datetime.date(2027, 1, 1)),
    ]


ONE_TO_FIVE = ["Answer from 1 (not at all) to 5 (fully)."]


@pytest.mark.parametrize(
    ("case", "scores", "errors"),
    [
        ("zero", {**SCORES, "heard": 0}, {"heard": ONE_TO_FIVE}),
        ("six", {**SCORES, "learn_together": 6}, {"learn_together": ONE_TO_FIVE}),
        ("missing", {key: value for key, value in SCORES.items() if key != "heard"}, {"heard": ONE_TO_FIVE}),
        ("yes or no", {**SCORES, "commitments_honoured": True}, {"commitments_honoured": ONE_TO_FIVE}),
        ("text", {**SCORES, "information_timely": "4"}, {"information_timely": ONE_TO_FIVE}),
        ("fraction", {**SCORES, "heard": 3.5}, {"heard": ONE_TO_FIVE}),
        ("unknown question", {**SCORES, "fun": 5}, {"scores": ["Unknown questions: fun."]}),
    ],
)
def test_refused_pulse_scores_change_nothing(relationship, cast, case, scores, errors):
    with refused(errors):
        pulse(relationship, cast, "p", datetime.date(2026, 11, 26), scores=scores)


@pytest.mark.parametrize(
    ("user", "organisation"),
    [
        ("provider_q", "provider_organisation_q"),  # a third organisation
        ("commissioner_a", "provider_organisation_p"),  # a person not of that side
        ("admin", "local_authority_a"),
    ],
)
def test_only_the_two_sides_answer_the_pulse_check_in(relationship, cast, user, organisation):
    with refused({"organisation": ["Only the two organisations of the relationship answer its pulse check-in."]}):
        pulse_check_in_submit(
            relationship=relationship,
            organisation=getattr(cast, organisation),
            submitted_by=cast.user(user),
            scores=SCORES,
            today=datetime.date(2026, 11, 26),
        )


# --- Audited administrator access ------------------------------------------------------------


def test_administrator_access_is_recorded_and_both_sides_see_it(relationship, cast, five_entries):
    access = administrator_access_record(
        relationship=relationship, user=cast.admin, reason="  Reviewing a complaint about referral R-12. "
    )
    assert (access.relationship, access.user, access.reason) == (
        relationship,
        cast.admin,
        "Reviewing a complaint about referral R-12.",
    )
    entry = Entry.objects.get(entry_type=EntryType.SYSTEM)
    assert (entry.sequence, entry.author_organisation, entry.author_user, entry.body, entry.payload) == (
        6,
        None,
        None,
        f"A service administrator ({cast.admin.email}) read this log. "
        "Reason given: Reviewing a complaint about referral R-12.",
        {"event": "administrator_access", "event_key": f"administrator_access:{access.pk}"},
    )
    for person in (cast.commissioner_a, cast.provider_p):
        assert list(entries_visible_to(person).order_by("sequence")) == [*five_entries, entry]
    assert list(entries_visible_to(cast.provider_q)) == []
    assert chain_verify(relationship).ok


def test_each_administrator_access_is_its_own_entry(relationship, cast):
    first = administrator_access_record(relationship=relationship, user=cast.admin, reason="Audit 2026")  # 10 chars
    second = administrator_access_record(relationship=relationship, user=cast.admin, reason="Audit 2026")
    assert list(Entry.objects.values_list("sequence", "structured__event_key")) == [
        (1, f"administrator_access:{first.pk}"),
        (2, f"administrator_access:{second.pk}"),
    ]


@pytest.mark.parametrize(
    ("user", "reason", "errors"),
    [
        (
            "commissioner_a",
            "Reviewing a complaint.",
            {"user": ["Only staff administrators read a log by audited access."]},
        ),
        ("provider_p", "Reviewing a complaint.", {"user": ["Only staff administrators read a log by audited access."]}),
        ("admin", "Too short", {"reason": ["Say why you need to read this log (at least 10 characters)."]}),
        ("admin", "   short        ", {"reason": ["Say why you need to read this log (at least 10 characters)."]}),
    ],
)
def test_refused_administrator_access_changes_nothing(relationship, cast, five_entries, user, reason, errors):
    with refused(errors):
        administrator_access_record(relationship=relationship, user=cast.user(user), reason=reason)


# --- Time order ------------------------------------------------------------------------------


def test_a_back_dated_entry_does_not_jump_the_queue(relationship, cast):
    later = add(relationship, by_a(cast), EntryType.NOTE, "Written on the 20th.", now=at(20, 12))
    back_dated = add(relationship, by_p(cast), EntryType.NOTE, "Dated the 19th.", now=at(19, 12))
    assert back_dated.created_at == later.created_at == at(20, 12)
    assert list(Entry.objects.order_by("sequence").values_list("sequence", "created_at")) == [
        (1, at(20, 12)),
        (2, at(20, 12)),
    ]
    assert chain_verify(relationship) == ChainReport(True, None, "2 entries verify", 2)


# --- All of it in one log --------------------------------------------------------------------


def test_one_relationship_through_every_service_still_verifies(cast):
    relationship = relationship_open(
        opened_by=cast.commissioner_a,
        organisation=cast.local_authority_a,
        other_organisation=cast.provider_organisation_p,
    )
    commitment = commitment_add(relationship, cast)
    add(
        relationship,
        by_p(cast),
        EntryType.COMMITMENT_UPDATE,
        payload={"outcome": "renegotiated", "due_date": "2027-01-15"},
        replies_to=commitment,
    )
    add(relationship, by_a(cast), EntryType.COMMITMENT_UPDATE, payload={"outcome": "kept"}, replies_to=commitment)
    concern = add(relationship, by_a(cast), EntryType.CONCERN, "Two referrals had no answer in time.")
    add(relationship, by_p(cast), EntryType.REPLY, "We hear you.", replies_to=concern)
    case = restorative_case_open(concern=concern, opened_by=cast.provider_p, organisation=cast.provider_organisation_p)
    add(relationship, by_a(cast), EntryType.RESTORATIVE_CONVERSATION, payload={"restorative_case": case.pk})
    agreement = add(
        relationship, by_p(cast), EntryType.AGREEMENT, payload={"actions": TWO_ACTIONS, "restorative_case": case.pk}
    )
    add(
        relationship, by_p(cast), EntryType.ACTION_UPDATE, payload={"action": 0, "status": "done"}, replies_to=agreement
    )
    add(relationship, by_a(cast), EntryType.REVIEW, payload={"restorative_case": case.pk, "closes_case": True})
    system_entry_record(relationship=relationship, event="placement_made", event_key="placement_made:3", body="Placed.")
    pulse(relationship, cast, "a", datetime.date(2026, 11, 26))
    administrator_access_record(relationship=relationship, user=cast.admin, reason="Reviewing a complaint.")
    add(relationship, by_a(cast), EntryType.NOTE, "Back-dated.", now=at(1))

    assert Commitment.objects.values_list("status", "due_date").get() == (
        CommitmentStatus.KEPT,
        datetime.date(2027, 1, 15),
    )
    assert RestorativeCase.objects.get().closed_at is not None
    assert chain_verify(relationship) == ChainReport(True, None, "14 entries verify", 14)
    created = list(Entry.objects.order_by("sequence").values_list("created_at", flat=True))
    assert created == sorted(created)


# --- Read, then write: what two people at once can do ----------------------------------------


def _race(first: Callable[[], object], second: Callable[[], object]) -> BaseException | None:
    """Run `second` on its own connection while `first`'s transaction is still open, commit
    `first` once `second` waits on a lock (or has finished), and return what `second` raised."""
    outcome: list[BaseException | None] = []

    def run_second() -> None:
        try:
            second()
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed back to the test thread
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run_second)
    with transaction.atomic():
        first()
        thread.start()
        deadline = time.monotonic() + 10
        while thread.is_alive() and time.monotonic() < deadline:
            with connection.cursor() as cursor:
                # pg_stat_activity is read once per transaction unless its snapshot is cleared.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.02)
    thread.join(timeout=30)
    assert not thread.is_alive()
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_two_reviews_at_once_close_a_case_once(relationship, cast):
    concern = add(relationship, by_a(cast), EntryType.CONCERN, "Two referrals had no answer in time.")
    case = restorative_case_open(concern=concern, opened_by=cast.commissioner_a, organisation=cast.local_authority_a)
    reviews: list[Entry] = []

    def review(author: dict[str, Any]) -> Callable[[], object]:
        payload = {"restorative_case": case.pk, "closes_case": True}
        return lambda: reviews.append(add(relationship, author, EntryType.REVIEW, payload=payload))

    second = _race(review(by_a(cast)), review(by_p(cast)))
    case.refresh_from_db()
    assert chain_verify(relationship).ok
    assert case.closing_entry == reviews[0]
    assert isinstance(second, ValidationError)
    assert Entry.objects.filter(entry_type=EntryType.REVIEW).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_pulse_answers_at_once_are_refused_as_a_second_answer(relationship, cast):
    def submit() -> PulseCheckIn:
        return pulse(relationship, cast, "p", datetime.date(2026, 11, 26))

    second = _race(submit, submit)
    assert PulseCheckIn.objects.count() == 1
    assert isinstance(second, ValidationError), repr(second)


@pytest.mark.django_db(transaction=True)
def test_two_cases_opened_at_once_on_a_concern_are_refused_as_a_second_case(relationship, cast):
    concern = add(relationship, by_a(cast), EntryType.CONCERN, "Two referrals had no answer in time.")

    def open_case() -> RestorativeCase:
        return restorative_case_open(
            concern=concern, opened_by=cast.provider_p, organisation=cast.provider_organisation_p
        )

    second = _race(open_case, open_case)
    assert RestorativeCase.objects.count() == 1
    assert isinstance(second, ValidationError), repr(second)


# --- Found in review -------------------------------------------------------------------------


def test_a_commitment_is_changed_by_an_update_not_a_correction(relationship, cast):
    commitment = commitment_add(relationship, cast)
    with refused({"corrects": ["Change a commitment with a commitment update (renegotiated), not a correction."]}):
        add(
            relationship,
            by_p(cast),
            EntryType.COMMITMENT,
            payload={**commitment.payload, "due_date": "2027-01-31"},
            corrects=commitment,
        )


def test_only_a_renegotiated_commitment_takes_a_new_due_date(relationship, cast):
    commitment = commitment_add(relationship, cast)
    with refused({"payload": ["Only a renegotiated commitment has a new due date."]}):
        add(
            relationship,
            by_p(cast),
            EntryType.COMMITMENT_UPDATE,
            payload={"outcome": "kept", "due_date": "2027-01-31"},
            replies_to=commitment,
        )


def test_an_event_key_inside_the_details_is_refused(relationship):
    with refused({"payload": ["Pass the event key as event_key, not inside the details."]}):
        system_entry_record(
            relationship=relationship, event="offer_made", body="Offer.", payload={"event_key": "offer_made:1"}
        )


def test_a_moment_without_a_time_zone_is_refused(relationship, cast):
    with refused({"now": ["Give the moment with its time zone."]}):
        add(relationship, by_a(cast), EntryType.NOTE, now=datetime.datetime(2026, 11, 1, 9, 0))


def test_opening_a_relationship_that_began_with_a_referral_adds_nothing(relationship, cast):
    """The log already says how it began; a later "opened" entry would misdate its start."""
    before = _log_state()
    found = relationship_open(
        opened_by=cast.provider_p, organisation=cast.provider_organisation_p, other_organisation=cast.local_authority_a
    )
    assert found == relationship
    assert _log_state() == before


# --- Telling the other side ------------------------------------------------------------------


def _notifications() -> list[tuple[int, str, str]]:
    return list(Notification.objects.order_by("pk").values_list("organisation", "message", "url"))


def test_a_persons_entry_is_news_for_the_other_side_only(relationship, cast, concern):
    url = f"/relationships/{relationship.pk}/"
    assert _notifications() == [
        (
            cast.provider_organisation_p.pk,
            f"Log with {cast.local_authority_a}: {cast.local_authority_a} added concern (entry 1).",
            url,
        )
    ]
    add(relationship, by_p(cast), EntryType.REPLY, replies_to=concern)
    assert _notifications()[1:] == [
        (
            cast.local_authority_a.pk,
            f"Log with {cast.provider_organisation_p}: {cast.provider_organisation_p} added reply (entry 2).",
            url,
        )
    ]


def test_journey_entries_tell_nobody_but_an_administrators_reading_tells_both(relationship, cast):
    system_entry_record(relationship=relationship, event="offer_made", body="Offer made.", event_key="offer_made:1")
    assert _notifications() == []
    administrator_access_record(relationship=relationship, user=cast.admin, reason="A complaint to investigate.")
    assert sorted(organisation for organisation, _message, _url in _notifications()) == sorted(relationship.sides())
    assert {message for _organisation, message, _url in _notifications()} == {
        f"Log with {cast.provider_organisation_p}: A service administrator read the log (entry 2 says why).",
        f"Log with {cast.local_authority_a}: A service administrator read the log (entry 2 says why).",
    }


# --- Found in the second review --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "payload", "errors"),
    [
        ("Call 07700 900123 about it.", {}, "body"),
        ("A plan.", {"what": "Visit at LS6 2AB", "by_whom": "Team", "due_date": "2027-01-04"}, "payload"),
    ],
)
def test_nothing_written_to_the_log_may_identify_a_child(relationship, cast, body, payload, errors):
    entry_type = EntryType.COMMITMENT if payload else EntryType.NOTE
    if payload:
        payload["owner_organisation"] = cast.local_authority_a.pk
    with refused():
        add(relationship, by_a(cast), entry_type, body, payload=payload)
    with pytest.raises(ValidationError) as caught:
        add(relationship, by_a(cast), entry_type, body, payload=payload)
    assert list(caught.value.message_dict) == [errors]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"outcome": ["kept"]}, "Say whether it was kept, missed or renegotiated."),
        ({"outcome": {"kept": 1}}, "Say whether it was kept, missed or renegotiated."),
        ({"outcome": "kept", "due_date": ["2027-01-01"]}, "Only a renegotiated commitment has a new due date."),
    ],
)
def test_details_of_the_wrong_shape_are_refused_not_a_crash(relationship, cast, payload, message):
    commitment = commitment_add(relationship, cast)
    with refused({"payload": [message]}):
        add(relationship, by_p(cast), EntryType.COMMITMENT_UPDATE, payload=payload, replies_to=commitment)


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b"])
def test_characters_that_cannot_be_stored_are_refused(relationship, cast, agreement, text):
    with refused({"payload": ["The details contain a character that cannot be stored."]}):
        add(
            relationship,
            by_a(cast),
            EntryType.AGREEMENT,
            payload={"actions": [{"action": text, "owner": "Team"}]},
        )


def test_the_services_own_entries_are_answered_not_corrected(relationship, cast):
    offer = system_entry_record(
        relationship=relationship,
        event="offer_made",
        body="Provider P offered a home.",
        author_organisation=cast.provider_organisation_p,
        event_key="offer_made:9",
    )
    with refused({"corrects": ["The service's own entries record what happened; reply to one instead."]}):
        add(relationship, by_p(cast), EntryType.NOTE, "We offered a different home.", corrects=offer)


def test_an_administrators_reason_may_not_identify_a_child(relationship, cast):
    with refused():
        administrator_access_record(relationship=relationship, user=cast.admin, reason="Case 1234567, NHS 943 476 5919")
    assert not AdministratorAccess.objects.exists()


def test_renegotiating_a_missed_commitment_rearms_the_nightly_check(relationship, cast):
    commitment = commitment_add(relationship, cast)
    Commitment.objects.filter(entry=commitment).update(
        status=CommitmentStatus.MISSED,
        reminded_for=datetime.date(2026, 12, 1),
        missed_recorded_for=datetime.date(2026, 12, 1),
    )
    add(
        relationship,
        by_p(cast),
        EntryType.COMMITMENT_UPDATE,
        payload={"outcome": "renegotiated", "due_date": "2026-12-01"},
        replies_to=commitment,
    )
    row = Commitment.objects.get(entry=commitment)
    assert (row.status, row.reminded_for, row.missed_recorded_for) == (CommitmentStatus.OPEN, None, None)
