"""The trust log's JSON API: relationships and entries, read and append, for the two sides only."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from drf_spectacular.drainage import reset_generator_stats

from accounts.models import Organisation
from tests.conftest import Cast
from tests.factories import MembershipFactory, totp_activate
from tests.idempotency import api_key_header
from trust.indicators import DEFINITIONS
from trust.models import Entry, EntryType, Relationship, RelationshipOrigin
from trust.selectors import chain_verify
from trust.services import pulse_check_in_submit, relationship_get_or_create, trust_entry_add

pytestmark = pytest.mark.django_db

# A winter morning, when London is on GMT and DRF writes the time with a "Z".
MORNING = datetime.datetime(2026, 2, 2, 9, 30, tzinfo=datetime.UTC)


def _relationship_url(relationship: Relationship) -> str:
    return reverse("api:relationship", args=[relationship.pk])


def _entries_url(relationship: Relationship) -> str:
    return reverse("api:relationship_entries", args=[relationship.pk])


def _post(client: Client, relationship: Relationship, data: dict[str, Any]) -> Any:
    """Each call is a new request, so it carries a new idempotency key."""
    return client.post(_entries_url(relationship), data, content_type="application/json", headers=api_key_header())


def _organisation(organisation: Organisation) -> dict[str, object]:
    return {"id": organisation.pk, "name": organisation.name, "slug": organisation.slug}


def _relationship_with(cast: Cast, local_authority: Organisation, counterpart: Organisation) -> Relationship:
    return relationship_get_or_create(
        local_authority_organisation=local_authority, counterpart=counterpart, created_via=RelationshipOrigin.PLACEMENT
    )


# --- Relationships -----------------------------------------------------------------------


def test_the_list_holds_the_relationships_of_the_callers_organisations(client, cast: Cast):
    # Created at a known moment (a relationship row is never updated afterwards).
    relationship = Relationship.objects.create(
        local_authority=cast.local_authority_a,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.INVITATION,
        created_at=MORNING,
    )
    for hours in (0, 2):
        trust_entry_add(
            relationship=relationship,
            entry_type=EntryType.NOTE,
            author_organisation=cast.local_authority_a,
            author_user=cast.commissioner_a,
            body="Visit arranged.",
            now=MORNING + datetime.timedelta(hours=hours),
        )
    client.force_login(cast.provider_p)
    assert client.get(reverse("api:relationships")).json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": relationship.pk,
                "local_authority": _organisation(cast.local_authority_a),
                "counterpart": {**_organisation(cast.provider_organisation_p), "kind": "provider"},
                "created_via": "invitation",
                "created_at": "2026-02-02T09:30:00Z",
                "entries_count": 2,
                "last_entry_at": "2026-02-02T11:30:00Z",
                "url": f"http://testserver{_relationship_url(relationship)}",
            }
        ],
    }


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("commissioner_a", ["a_and_q", "a_and_p"]),  # the one with an entry first, then the quiet one
        ("commissioner_b", ["b_and_q"]),
        ("provider_p", ["a_and_p"]),
        ("provider_q", ["a_and_q", "b_and_q"]),
        ("organiser", []),
        ("admin", []),  # staff read a log only by audited access, on the pages
    ],
)
def test_the_list_is_scoped_to_the_caller(client, cast: Cast, principal: str, expected: list[str]):
    relationships = {
        "a_and_p": _relationship_with(cast, cast.local_authority_a, cast.provider_organisation_p),
        "a_and_q": _relationship_with(cast, cast.local_authority_a, cast.provider_organisation_q),
        "b_and_q": _relationship_with(cast, cast.local_authority_b, cast.provider_organisation_q),
    }
    trust_entry_add(
        relationship=relationships["a_and_q"],
        entry_type=EntryType.APPRECIATION,
        author_organisation=cast.provider_organisation_q,
        author_user=cast.provider_q,
        body="Thank you for the clear referral.",
    )
    client.force_login(cast.user(principal))
    results = client.get(reverse("api:relationships")).json()["results"]
    assert [result["id"] for result in results] == [relationships[name].pk for name in expected]


def test_the_detail_shows_a_verifying_chain_and_indicators_as_of_the_newest_entry(
    client, cast: Cast, relationship, five_entries
):
    client.force_login(cast.commissioner_a)
    body = client.get(_relationship_url(relationship)).json()
    assert body["id"] == relationship.pk
    assert body["entries_count"] == 5
    assert parse_datetime(body["indicators"]["as_of"]) == five_entries[-1].created_at
    assert body["indicators"]["commitments_kept_share"]["open"] == 1
    assert body["indicators"]["open_concerns"]["value"] == 0  # answered by the provider
    assert body["chain"] == {
        "verifies": True,
        "entries_checked": 5,
        "first_bad_sequence": None,
        "reason": "5 entries verify",
    }


def test_the_detail_gives_each_indicator_with_its_definition(client, cast: Cast, relationship):
    trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.COMMITMENT,
        author_organisation=cast.provider_organisation_p,
        author_user=cast.provider_p,
        body="We will send the statement of purpose.",
        payload={
            "what": "Statement of purpose",
            "by_whom": "Manager",
            "owner_organisation": cast.provider_organisation_p.pk,
            "due_date": "2026-12-01",
        },
        now=MORNING,
    )
    trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.CONCERN,
        author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a,
        body="No answer within the deadline.",
        now=MORNING + datetime.timedelta(hours=1),
    )
    pulse_check_in_submit(
        relationship=relationship,
        organisation=cast.local_authority_a,
        submitted_by=cast.commissioner_a,
        scores={"commitments_honoured": 4, "heard": 4, "information_timely": 3, "learn_together": 4},
        today=datetime.date(2026, 1, 15),
    )
    client.force_login(cast.provider_p)
    with time_machine.travel(MORNING + datetime.timedelta(days=3), tick=False):
        indicators = client.get(_relationship_url(relationship)).json()["indicators"]
    assert indicators == {
        "as_of": "2026-02-02T10:30:00Z",  # the concern, the newest entry
        "computed_at": "2026-02-05T09:30:00Z",
        "commitments_kept_share": {
            "value": None,
            "kept": 0,
            "missed": 0,
            "open": 1,
            "definition": DEFINITIONS["commitments_kept_share"],
        },
        "provider_response_hours_median": {
            "value": None,
            "responses": 0,
            "definition": DEFINITIONS["provider_response_hours_median"],
        },
        "commissioner_response_hours_median": {
            "value": None,
            "responses": 0,
            "definition": DEFINITIONS["commissioner_response_hours_median"],
        },
        "open_concerns": {"value": 1, "oldest_days": 3, "definition": DEFINITIONS["open_concerns"]},
        "days_since_dialogue": {"value": 3, "definition": DEFINITIONS["days_since_dialogue"]},
        "placements": {"value": 0, "unplanned_endings": 0, "definition": DEFINITIONS["placements"]},
        "pulse_trend": {
            "value": [{"quarter_start": "2026-01-01", "organisation": cast.local_authority_a.pk, "average": 3.75}],
            "definition": DEFINITIONS["pulse_trend"],
        },
    }


@pytest.mark.usefixtures("triggers_disabled")
def test_the_detail_shows_a_chain_changed_behind_the_products_back(client, cast: Cast, relationship, five_entries):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trust_entrycontent SET body = 'rewritten' WHERE entry_id = %s", [five_entries[2].pk])
    client.force_login(cast.provider_p)
    assert client.get(_relationship_url(relationship)).json()["chain"] == {
        "verifies": False,
        "entries_checked": 2,
        "first_bad_sequence": 3,
        "reason": "entry 3's text was changed after it was written (its content digest differs)",
    }


# --- Reading entries ---------------------------------------------------------------------


def test_entries_come_newest_first_with_every_field(client, cast: Cast, relationship, five_entries):
    client.force_login(cast.commissioner_a)
    body = client.get(_entries_url(relationship)).json()
    assert body["count"] == 5
    assert [entry["sequence"] for entry in body["results"]] == [5, 4, 3, 2, 1]
    reply, concern = five_entries[3], five_entries[2]
    assert body["results"][1] == {
        "id": reply.pk,
        "sequence": 4,
        "entry_type": "reply",
        "author_organisation": {"id": cast.provider_organisation_p.pk, "name": cast.provider_organisation_p.name},
        "author": cast.provider_p.full_name,
        "body": "Our inbox owner was away; a deputy now covers it.",
        "payload": {},
        "redaction": None,
        "corrects": None,
        "replies_to": concern.pk,
        "created_at": body["results"][1]["created_at"],
        "previous_hash": concern.entry_hash,
        "entry_hash": reply.entry_hash,
    }
    assert datetime.datetime.fromisoformat(body["results"][1]["created_at"]) == reply.created_at


def test_a_system_entry_has_no_author_and_a_person_without_a_name_is_shown_by_email(client, cast: Cast, relationship):
    cast.commissioner_a.full_name = ""
    cast.commissioner_a.save(update_fields=["full_name"])
    trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.SYSTEM,
        author_organisation=None,
        author_user=None,
        body="Invitation sent.",
        payload={"event": "invitation_sent"},
    )
    trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.NOTE,
        author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a,
        body="Noted.",
    )
    client.force_login(cast.provider_p)
    results = client.get(_entries_url(relationship)).json()["results"]
    assert [(entry["author"], entry["author_organisation"]) for entry in results] == [
        (cast.commissioner_a.email, {"id": cast.local_authority_a.pk, "name": cast.local_authority_a.name}),
        (None, None),
    ]


@pytest.mark.parametrize(
    ("entry_type", "sequences"), [("concern", [3]), ("note", [1]), ("review", []), ("", [5, 4, 3, 2, 1])]
)
def test_entries_filter_by_type(client, cast: Cast, relationship, five_entries, entry_type: str, sequences):
    client.force_login(cast.provider_p)
    body = client.get(_entries_url(relationship), {"type": entry_type}).json()
    assert [entry["sequence"] for entry in body["results"]] == sequences


def test_an_unknown_type_filter_is_refused_clearly(client, cast: Cast, relationship, five_entries):
    client.force_login(cast.provider_p)
    response = client.get(_entries_url(relationship), {"type": "gossip"})
    assert response.status_code == 400
    assert response.json() == {"type": [f'Unknown entry type "gossip": use one of {", ".join(EntryType.values)}.']}


# --- Appending entries -------------------------------------------------------------------

_EntryData = Callable[[Cast, list[Entry]], dict[str, Any]]

APPENDS: dict[str, tuple[str, str, _EntryData]] = {
    "note by the local authority": (
        "commissioner_a",
        "local_authority_a",
        lambda cast, entries: {"entry_type": "note", "body": "Quarterly meeting booked for 3 March."},
    ),
    "commitment by the provider": (
        "provider_p",
        "provider_organisation_p",
        lambda cast, entries: {
            "entry_type": "commitment",
            "body": "We will share the new staffing rota.",
            "payload": {
                "what": "Staffing rota",
                "by_whom": "Deputy manager",
                "owner_organisation": cast.provider_organisation_p.pk,
                "due_date": "2026-04-01",
            },
        },
    ),
    "reply by the provider to the authority's concern": (
        "provider_p",
        "provider_organisation_p",
        lambda cast, entries: {"entry_type": "reply", "body": "We have fixed the inbox.", "replies_to": entries[2].pk},
    ),
    "correction by the authority of its own note": (
        "commissioner_a",
        "local_authority_a",
        lambda cast, entries: {"entry_type": "note", "body": "The meeting is the 4th.", "corrects": entries[0].pk},
    ),
}


@pytest.mark.parametrize("case", list(APPENDS))
def test_each_side_appends_an_entry_and_the_chain_still_verifies(client, cast: Cast, relationship, five_entries, case):
    principal, side, build = APPENDS[case]
    data = build(cast, five_entries)
    author = getattr(cast, principal)
    client.force_login(author)
    response = _post(client, relationship, data)
    assert response.status_code == 201, response.json()
    entry = Entry.objects.get(relationship=relationship, sequence=6)
    organisation = getattr(cast, side)
    assert (entry.entry_type, entry.author_organisation, entry.author_user, entry.body) == (
        data["entry_type"],
        organisation,
        author,
        data["body"],
    )
    assert response.json() == {
        "id": entry.pk,
        "sequence": 6,
        "entry_type": data["entry_type"],
        "author_organisation": {"id": organisation.pk, "name": organisation.name},
        "author": author.full_name,
        "body": data["body"],
        "payload": data.get("payload", {}),
        "redaction": None,
        "corrects": data.get("corrects"),
        "replies_to": data.get("replies_to"),
        "created_at": response.json()["created_at"],
        "previous_hash": five_entries[-1].entry_hash,
        "entry_hash": entry.entry_hash,
    }
    assert chain_verify(relationship).ok


def _refused(response: Any, relationship: Relationship, count_before: int) -> dict[str, Any]:
    assert response.status_code == 400
    assert Entry.objects.filter(relationship=relationship).count() == count_before
    return response.json()


def test_the_right_of_reply_is_the_other_sides(client, cast: Cast, relationship, five_entries):
    client.force_login(cast.commissioner_a)
    response = _post(
        client, relationship, {"entry_type": "reply", "body": "Replying to myself.", "replies_to": five_entries[2].pk}
    )
    assert _refused(response, relationship, 5) == {
        "replies_to": ["The right of reply is the other side's: add a note or a correction instead."]
    }


def test_a_person_cannot_write_a_system_entry(client, cast: Cast, relationship, five_entries):
    client.force_login(cast.commissioner_a)
    response = _post(
        client, relationship, {"entry_type": "system", "body": "Offer made.", "payload": {"event": "offer_made"}}
    )
    assert _refused(response, relationship, 5) == {
        "entry_type": [
            '"system" is not an entry a person writes: use one of note, meeting_record, commitment, '
            "commitment_update, concern, reply, restorative_conversation, agreement, review, "
            "learning_reflection, appreciation, action_update."
        ]
    }


@pytest.mark.parametrize("field", ["corrects", "replies_to"])
def test_linked_entries_belong_to_the_same_relationship(client, cast: Cast, relationship, five_entries, field):
    other = _relationship_with(cast, cast.local_authority_a, cast.provider_organisation_q)
    elsewhere = trust_entry_add(
        relationship=other,
        entry_type=EntryType.NOTE,
        author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a,
        body="A note in another log.",
    )
    client.force_login(cast.commissioner_a)
    response = _post(client, relationship, {"entry_type": "note", "body": "Linked.", field: elsewhere.pk})
    assert _refused(response, relationship, 5) == {
        field: [f"There is no entry {elsewhere.pk} in this relationship's log."]
    }


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"entry_type": "note", "body": "   "}, {"body": ["Write what the entry says."]}),
        (
            {"entry_type": "commitment", "body": "We will call.", "payload": {"what": "A call"}},
            {
                "payload": [
                    "Say who will do it.",
                    "Give the due date as a date (YYYY-MM-DD).",
                    "The owner is one of the two organisations.",
                ]
            },
        ),
        ({"entry_type": "reply", "body": "Answering."}, {"replies_to": ["Say which entry this answers."]}),
        ({"body": "No type."}, {"entry_type": ["This field is required."]}),
    ],
)
def test_the_services_refusals_come_back_by_field(client, cast: Cast, relationship, five_entries, data, errors):
    client.force_login(cast.provider_p)
    assert _refused(_post(client, relationship, data), relationship, 5) == errors


def test_a_person_acting_for_both_sides_says_which_one_writes(client, cast: Cast, relationship):
    both = MembershipFactory(organisation=cast.local_authority_a).user
    MembershipFactory(user=both, organisation=cast.provider_organisation_p)
    totp_activate(both)
    client.force_login(both)
    note = {"entry_type": "note", "body": "Writing for the provider."}
    assert _refused(_post(client, relationship, note), relationship, 0) == {
        "organisation": ["You act for both sides of this relationship: say which one writes."]
    }
    stranger = cast.provider_organisation_q.pk
    assert _refused(_post(client, relationship, {**note, "organisation": stranger}), relationship, 0) == {
        "organisation": [f"You do not write for organisation {stranger} in this relationship."]
    }
    response = _post(client, relationship, {**note, "organisation": cast.provider_organisation_p.pk})
    assert response.status_code == 201
    assert Entry.objects.get(relationship=relationship).author_organisation == cast.provider_organisation_p


def test_a_person_acting_for_one_side_may_name_it(client, cast: Cast, relationship):
    client.force_login(cast.provider_p)
    wrong_side = {"entry_type": "note", "body": "For the authority?", "organisation": cast.local_authority_a.pk}
    assert _refused(_post(client, relationship, wrong_side), relationship, 0) == {
        "organisation": [f"You do not write for organisation {cast.local_authority_a.pk} in this relationship."]
    }
    own_side = {**wrong_side, "organisation": cast.provider_organisation_p.pk}
    assert _post(client, relationship, own_side).status_code == 201


# --- Who is refused ----------------------------------------------------------------------


@pytest.mark.parametrize("principal", ["commissioner_b", "provider_q", "organiser", "admin"])
def test_everyone_outside_the_relationship_gets_404_and_writes_nothing(
    client, cast: Cast, relationship, five_entries, principal
):
    client.force_login(cast.user(principal))
    assert client.get(_relationship_url(relationship)).status_code == 404
    assert client.get(_entries_url(relationship)).status_code == 404
    assert client.get(_entries_url(relationship), {"type": "gossip"}).status_code == 404
    response = _post(client, relationship, {"entry_type": "note", "body": "Let me in."})
    assert response.status_code == 404
    assert Entry.objects.filter(relationship=relationship).count() == 5


def test_anonymous_callers_get_json_403_and_write_nothing(client, cast: Cast, relationship, five_entries):
    for url in (reverse("api:relationships"), _relationship_url(relationship), _entries_url(relationship)):
        response = client.get(url)
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "Authentication credentials were not provided."},
        )
    assert _post(client, relationship, {"entry_type": "note", "body": "Hello?"}).status_code == 403
    assert Entry.objects.filter(relationship=relationship).count() == 5


def test_appending_with_a_session_needs_the_csrf_token(cast: Cast, relationship):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.commissioner_a)
    response = _post(client, relationship, {"entry_type": "note", "body": "No token."})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Entry.objects.filter(relationship=relationship).exists()


# --- The schema --------------------------------------------------------------------------


def test_the_openapi_schema_describes_the_trust_endpoints(client, cast: Cast):
    client.force_login(cast.provider_p)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/api/v1/relationships/"]) == {"get"}
    assert set(paths["/api/v1/relationships/{id}/"]) == {"get"}
    assert set(paths["/api/v1/relationships/{id}/entries/"]) == {"get", "post"}


def test_the_openapi_schema_generates_without_warnings_and_validates(tmp_path: Path):
    reset_generator_stats()  # warnings are counted once per process; count afresh
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))


def test_the_api_refuses_an_entry_that_identifies_a_child(client, cast: Cast, relationship):
    client.force_login(cast.commissioner_a)
    before = Entry.objects.count()
    response = _post(client, relationship, {"entry_type": "note", "body": "NHS 943 476 5919, case 123456."})
    assert response.status_code == 400
    assert set(response.json()) == {"body"}
    assert "943" not in response.content.decode()  # the refusal names the kind, never echoes the text
    assert Entry.objects.count() == before
