"""The identifier screen in the trust log: every free text an entry, a pulse answer or an
administrator's reading carries, through the services and the API's length limit."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.idempotency import api_key_header
from trust.models import Entry, EntryType, PulseCheckIn
from trust.services import administrator_access_record, pulse_check_in_submit, trust_entry_add

pytestmark = pytest.mark.django_db


def _refused(call, expected: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationError) as refused:
        call()
    assert refused.value.message_dict == expected


def _entries_state() -> list[tuple[int, int]]:
    return list(Entry.objects.order_by("pk").values_list("pk", "sequence"))


def test_a_meetings_date_now_passes_and_a_date_of_birth_is_refused(relationship, cast):
    author = {"author_organisation": cast.local_authority_a, "author_user": cast.commissioner_a}
    entry = trust_entry_add(
        relationship=relationship, entry_type=EntryType.NOTE, body="Meeting moved to 3 March 2027.", **author
    )
    assert entry.sequence == 1
    before = _entries_state()
    _refused(
        lambda: trust_entry_add(
            relationship=relationship, entry_type=EntryType.CONCERN, body="The boy, born 3 April 2011, left.", **author
        ),
        {
            "body": [
                "Remove the date of birth from the entry. Nothing written here may identify a child: no names, "
                "dates of birth, addresses, contact details or case numbers."
            ]
        },
    )
    _refused(
        lambda: trust_entry_add(relationship=relationship, entry_type=EntryType.NOTE, body="x" * 10_001, **author),
        {"body": ["Shorten the entry to 10,000 characters or fewer."]},
    )
    assert _entries_state() == before


def test_a_pulse_comment_is_screened_by_the_service(relationship, cast):
    scores = dict.fromkeys(PulseCheckIn.QUESTIONS, 4)
    _refused(
        lambda: pulse_check_in_submit(
            relationship=relationship,
            organisation=cast.local_authority_a,
            submitted_by=cast.commissioner_a,
            scores=scores,
            comment="Thanks to Ms Begum for the visit.",
        ),
        {
            "comment": [
                "Remove the person's name from the comment. Nothing written here may identify a child: no names, "
                "dates of birth, addresses, contact details or case numbers."
            ]
        },
    )
    assert not PulseCheckIn.objects.exists()


def test_an_administrators_reason_names_the_kind_and_the_field(relationship, cast):
    _refused(
        lambda: administrator_access_record(relationship=relationship, user=cast.admin, reason="About Tyler's move."),
        {
            "reason": [
                "Remove the person's name from the reason. Nothing written here may identify a child: no names, "
                "dates of birth, addresses, contact details or case numbers."
            ]
        },
    )


def test_the_api_refuses_a_body_past_the_forms_limit_at_once_and_writes_nothing(client: Client, cast, relationship):
    client.force_login(cast.commissioner_a)
    before = _entries_state()
    started = time.perf_counter()
    response = client.post(
        reverse("api:relationship_entries", args=[relationship.pk]),
        {"entry_type": "note", "body": "Jamie " * 20_000},
        content_type="application/json",
        headers=api_key_header(),
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert response.json() == {"body": ["Ensure this field has no more than 10000 characters."]}
    assert elapsed < 0.5
    assert _entries_state() == before
