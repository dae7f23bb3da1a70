"""Every trust-log entry type, a restorative case and a pulse answer, submitted twice, are
written once; the API answers a repeated Idempotency-Key with the first response."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.idempotency import FORM_REPEATED, FORM_REUSED, KEY_HEADER
from accounts.models import IdempotencyKey
from tests.conftest import Cast
from tests.idempotency import api_key_header, key_on, keyed
from tests.trust.samples import TrustSamples, trust_sample_objects
from trust import api
from trust.models import Entry, EntryType, PulseCheckIn, Relationship, RelationshipOrigin, RestorativeCase
from trust.services import relationship_get_or_create, trust_entry_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def samples(cast: Cast) -> TrustSamples:
    return trust_sample_objects(cast)


def _url(name: str, relationship: Relationship, *args: int, **query: str | int) -> str:
    url = reverse(f"trust:{name}", args=[relationship.pk, *args])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def _agreement(samples: TrustSamples, cast: Cast) -> Entry:
    return trust_entry_add(
        relationship=samples.relationship,
        entry_type=EntryType.AGREEMENT,
        author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a,
        body="We agreed one thing.",
        payload={"actions": [{"action": "Weekly call", "owner": "Commissioning manager"}]},
    )


# Each entry type a person writes on the pages: who writes it, what the form holds, and what it answers.
ENTRY_CASES: list[tuple[str, str, dict[str, str], str]] = [
    ("note", "commissioner_a", {"body": "Thanks for the call."}, ""),
    ("meeting_record", "commissioner_a", {"body": "Quarterly review.", "held_on": "2026-03-02"}, ""),
    ("appreciation", "provider_p", {"body": "Thank you for the visit."}, ""),
    ("learning_reflection", "provider_p", {"body": "We answer faster with a shared inbox."}, ""),
    ("concern", "commissioner_a", {"body": "Two referrals went unanswered."}, ""),
    (
        "commitment",
        "provider_p",
        {"body": "We will share the plan.", "what": "Staffing plan", "by_whom": "Manager", "due_date": "2027-01-15"},
        "",
    ),
    ("commitment_update", "provider_p", {"body": "Sent today.", "outcome": "kept"}, "commitment"),
    ("reply", "provider_p", {"body": "We are sorry; here is what happened."}, "concern"),
    (
        "restorative_conversation",
        "commissioner_a",
        {"body": "We met and listened.", "held_on": "2026-05-04", "restorative_case": "case"},
        "",
    ),
    (
        "agreement",
        "commissioner_a",
        {"body": "We agreed.", "action_1": "Weekly call", "owner_1": "Commissioning manager"},
        "",
    ),
    ("review", "provider_p", {"body": "It works.", "restorative_case": "case"}, ""),
    ("action_update", "provider_p", {"body": "Set up.", "action": "0", "status": "done"}, "agreement"),
]


def _entry_form(samples: TrustSamples, cast: Cast, entry_type: str, data: dict[str, str], answers: str) -> tuple:
    targets = {"commitment": samples.commitment, "concern": samples.concern}
    query: dict[str, str | int] = {"type": entry_type}
    if answers:
        query["replies_to"] = (targets[answers] if answers in targets else _agreement(samples, cast)).pk
    filled = {name: str(samples.case.pk) if value == "case" else value for name, value in data.items()}
    if entry_type == "commitment":
        filled["owner_organisation"] = str(cast.provider_organisation_p.pk)
    return _url("entry_add", samples.relationship, **query), filled


@pytest.mark.parametrize(("entry_type", "author", "data", "answers"), ENTRY_CASES, ids=[c[0] for c in ENTRY_CASES])
def test_each_entry_type_submitted_twice_is_written_once(client, cast, samples, entry_type, author, data, answers):
    client.force_login(cast.user(author))
    url, filled = _entry_form(samples, cast, entry_type, data, answers)
    key = key_on(client.get(url).content.decode())
    before = Entry.objects.count()
    first = client.post(url, keyed(filled, key))
    second = client.post(url, keyed(filled, key))
    log = _url("relationship", samples.relationship)
    assert (first.status_code, first["Location"]) == (302, log), first.content.decode()[:3000]
    assert (second.status_code, second["Location"]) == (302, log)
    assert Entry.objects.count() == before + 1
    assert Entry.objects.latest("sequence").entry_type == entry_type
    page = client.get(log).content.decode()
    assert FORM_REPEATED in page


def test_a_new_rendering_of_the_form_writes_a_new_entry(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    url = _url("entry_add", samples.relationship, type="note")
    before = Entry.objects.count()
    for _ in range(2):
        key = key_on(client.get(url).content.decode())
        assert client.post(url, keyed({"body": "Thanks for the call."}, key)).status_code == 302
    assert Entry.objects.count() == before + 2


def test_a_key_reused_for_another_entry_is_refused_and_writes_nothing(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    note = _url("entry_add", samples.relationship, type="note")
    key = key_on(client.get(note).content.decode())
    client.post(note, keyed({"body": "Thanks for the call."}, key))
    before = list(Entry.objects.values_list("pk", flat=True))
    for url, data in (
        (note, {"body": "Other words."}),  # other content
        (_url("entry_add", samples.relationship, type="concern"), {"body": "Thanks for the call."}),  # another URL
    ):
        response = client.post(url, keyed(data, key))
        page = response.content.decode()
        assert response.status_code == 200
        assert FORM_REUSED in page
        assert key_on(page) != key
    assert list(Entry.objects.values_list("pk", flat=True)) == before


def test_a_restorative_case_opened_twice_is_opened_once(client: Client, cast: Cast, relationship, five_entries):
    concern = five_entries[2]
    client.force_login(cast.provider_p)
    url = _url("case_open", relationship, concern.pk)
    key = key_on(client.get(url).content.decode())
    first, second = client.post(url, keyed({}, key)), client.post(url, keyed({}, key))
    case = RestorativeCase.objects.get()
    assert (first["Location"], second["Location"]) == (_url("case", relationship, case.pk),) * 2
    assert FORM_REPEATED in client.get(second["Location"]).content.decode()


def test_a_pulse_answered_twice_is_recorded_once(client: Client, cast: Cast, samples):
    client.force_login(cast.provider_p)
    url = _url("pulse", samples.relationship)
    key = key_on(client.get(url).content.decode())
    answers = {"commitments_honoured": "4", "heard": "5", "information_timely": "3", "learn_together": "4"}
    first, second = client.post(url, keyed(answers, key)), client.post(url, keyed(answers, key))
    log = _url("relationship", samples.relationship)
    assert (first["Location"], second["Location"]) == (log, log)
    assert list(PulseCheckIn.objects.values_list("organisation", "heard")) == [(cast.provider_organisation_p.pk, 5)]


# --- The API -------------------------------------------------------------------------------


def _entries_url(relationship: Relationship) -> str:
    return reverse("api:relationship_entries", args=[relationship.pk])


def _post(client: Client, relationship: Relationship, data: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(_entries_url(relationship), data, content_type="application/json", headers=headers)


NOTE = {"entry_type": "note", "body": "Thanks for the call."}


def test_the_api_answers_a_repeat_with_the_first_response_and_writes_once(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    headers = api_key_header()
    before = Entry.objects.count()
    first = _post(client, samples.relationship, NOTE, headers)
    second = _post(client, samples.relationship, NOTE, headers)
    assert Entry.objects.count() == before + 1
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert json.loads(first.content)["id"] == Entry.objects.latest("sequence").pk
    assert "Idempotent-Replayed" not in first
    assert second["Idempotent-Replayed"] == "true"
    # A new key is a new request.
    assert _post(client, samples.relationship, NOTE, api_key_header()).status_code == 201
    assert Entry.objects.count() == before + 2


def test_the_api_refuses_a_key_reused_for_another_request(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    headers = api_key_header()
    _post(client, samples.relationship, NOTE, headers)
    other = trust_sample_objects_other(cast)
    before = Entry.objects.count()
    refusal = {KEY_HEADER: ["This key was already used for another request: send a new key with each new request."]}
    for relationship, data in ((samples.relationship, {**NOTE, "body": "Other words."}), (other, NOTE)):
        response = _post(client, relationship, data, headers)
        assert (response.status_code, response.json()) == (422, refusal)
    client.force_login(cast.provider_p)  # another person
    response = _post(client, samples.relationship, NOTE, headers)
    assert (response.status_code, response.json()) == (422, refusal)
    assert Entry.objects.count() == before


def trust_sample_objects_other(cast: Cast) -> Relationship:
    """A second relationship of local authority A (with provider Q)."""
    return relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a,
        counterpart=cast.provider_organisation_q,
        created_via=RelationshipOrigin.INVITATION,
    )


@pytest.mark.parametrize("headers", [{}, {KEY_HEADER: "short"}, {KEY_HEADER: "no spaces in a key please"}])
def test_the_api_requires_a_well_formed_key(client: Client, cast: Cast, samples, headers):
    client.force_login(cast.commissioner_a)
    before = Entry.objects.count()
    response = _post(client, samples.relationship, NOTE, headers)
    assert response.status_code == 400
    assert response.json() == {
        KEY_HEADER: [
            "Send an Idempotency-Key header with a new random key for each new request "
            "(16 to 100 letters, digits, - or _), and the same key when you repeat it."
        ]
    }
    assert (Entry.objects.count(), IdempotencyKey.objects.count()) == (before, 0)


def test_a_refused_entry_leaves_the_key_unused(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    headers = api_key_header()
    # The service refuses (the right of reply is the other side's) inside the key's transaction.
    own_reply = {"entry_type": "reply", "body": "Replying to myself.", "replies_to": samples.concern.pk}
    before = Entry.objects.count()
    refused = _post(client, samples.relationship, own_reply, headers)
    assert (refused.status_code, refused.json()) == (
        400,
        {"replies_to": ["The right of reply is the other side's: add a note or a correction instead."]},
    )
    assert (Entry.objects.count(), IdempotencyKey.objects.count()) == (before, 0)
    assert _post(client, samples.relationship, NOTE, headers).status_code == 201


def test_the_schema_documents_the_header(client: Client, cast: Cast):
    client.force_login(cast.commissioner_a)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/v1/relationships/{id}/entries/"]["post"]
    header = next(parameter for parameter in post["parameters"] if parameter["name"] == KEY_HEADER)
    assert (header["in"], header["required"]) == ("header", True)
    assert set(post["responses"]) >= {"201", "400", "422"}


@pytest.mark.django_db(transaction=True)
def test_two_identical_api_posts_at_once_write_one_entry(cast: Cast, relationship, monkeypatch):
    """The second request waits on the key's unique constraint while the first writes, then is
    given the first's response."""
    add = api.trust_entry_add

    def slow_add(**arguments: Any) -> Entry:
        entry = add(**arguments)
        time.sleep(0.5)  # still inside the first request's transaction
        return entry

    monkeypatch.setattr(api, "trust_entry_add", slow_add)
    headers = api_key_header()
    barrier = threading.Barrier(2)
    answers: list[tuple[int, bytes, str]] = []
    failures: list[BaseException] = []

    def post() -> None:
        client = Client()
        client.force_login(cast.commissioner_a)
        try:
            barrier.wait(timeout=10)
            response = _post(client, relationship, NOTE, headers)
            answers.append((response.status_code, response.content, response.get("Idempotent-Replayed", "")))
        except BaseException as error:  # noqa: BLE001 - reported to the test thread below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    entry = Entry.objects.get(relationship=relationship)
    assert [(status, json.loads(body)["id"]) for status, body, _ in answers] == [(201, entry.pk), (201, entry.pk)]
    assert answers[0][1] == answers[1][1]
    assert sorted(replayed for _, _, replayed in answers) == ["", "true"]
