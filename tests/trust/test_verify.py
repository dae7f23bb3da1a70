"""The hash chain, and `verify_trust_log` finding changes made behind the product's back."""

from __future__ import annotations

import datetime
import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.trust.conftest import note_add
from trust.models import GENESIS_HASH, Entry, EntryContent, RelationshipOrigin
from trust.selectors import ChainReport, chain_verify
from trust.services import relationship_get_or_create

pytestmark = pytest.mark.django_db


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_trust_log", *args, stdout=out)
    return out.getvalue()


def _tamper(sql: str, params: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_each_entry_hashes_its_canonical_form_and_the_one_before(relationship, five_entries, cast):
    note, commitment = five_entries[0], five_entries[1]
    assert [entry.sequence for entry in five_entries] == [1, 2, 3, 4, 5]
    assert note.previous_hash == GENESIS_HASH
    assert [entry.previous_hash for entry in five_entries[1:]] == [entry.entry_hash for entry in five_entries[:-1]]
    stored = Entry.objects.get(pk=commitment.pk)
    content = EntryContent.objects.get(pk=commitment.pk)
    said = {
        "body": "We will send the updated statement of purpose.",
        "texts": {"by_whom": "Registered manager", "what": "Updated statement of purpose"},
    }
    said_text = json.dumps(said, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert (content.body, content.texts, len(content.salt)) == (said["body"], said["texts"], 64)
    assert stored.content_digest == hashlib.sha256(bytes.fromhex(content.salt) + said_text.encode()).hexdigest()
    canonical = {
        "author_organisation": cast.provider_organisation_p.pk,
        "author_user": cast.provider_p.pk,
        "content_digest": stored.content_digest,
        "corrects": None,
        "created_at": stored.created_at.isoformat(timespec="microseconds"),
        "entry_type": "commitment",
        # Only the structured details are in the chain; the text is in the digest.
        "payload": {"due_date": "2026-12-01", "owner_organisation": cast.provider_organisation_p.pk},
        "previous_hash": note.entry_hash,
        "relationship": relationship.pk,
        "replies_to": None,
        "sequence": 2,
        "version": 2,
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert stored.created_at.utcoffset() == datetime.timedelta(0)
    assert stored.entry_hash == hashlib.sha256(text.encode()).hexdigest()


def test_two_entries_saying_the_same_have_different_digests(relationship, cast):
    """The salt: a digest in the chain cannot be matched against a guess of the text."""
    first, second = note_add(relationship, cast, "Same words."), note_add(relationship, cast, "Same words.")
    assert first.content_digest != second.content_digest


def test_an_untouched_log_verifies(relationship, five_entries):
    assert chain_verify(relationship) == ChainReport(
        True, None, "5 entries verify", 5, head_hash=five_entries[-1].entry_hash
    )
    assert _verify() == f"relationship {relationship.pk} ({relationship}): ok, 5 entries verify\n"
    assert _verify("--relationship", str(relationship.pk)).endswith("ok, 5 entries verify\n")


def test_an_empty_log_verifies(relationship):
    assert chain_verify(relationship) == ChainReport(True, None, "0 entries verify", 0, head_hash=GENESIS_HASH)


def test_an_unknown_relationship_is_an_error(relationship):
    with pytest.raises(CommandError, match=f"There is no relationship {relationship.pk + 1}"):
        _verify("--relationship", str(relationship.pk + 1))


def _assert_fails_at(relationship, sequence: int, reason: str) -> None:
    report = chain_verify(relationship)
    assert (report.ok, report.first_bad_sequence, report.reason) == (False, sequence, reason)
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("verify_trust_log", stdout=out)
    assert refused.value.returncode == 1
    line = f"relationship {relationship.pk} ({relationship}): FAILS at entry {sequence}: {reason}"
    assert out.getvalue() == line + "\n"
    assert str(refused.value) == f"1 trust log(s) fail verification; first: {line}"


@pytest.mark.usefixtures("triggers_disabled")
def test_a_changed_payload_is_detected(relationship, five_entries):
    _tamper(
        "UPDATE trust_entry SET structured = jsonb_set(structured, '{due_date}', '\"2027-06-01\"') WHERE id = %s",
        [five_entries[1].pk],
    )
    _assert_fails_at(relationship, 2, "entry 2 was changed after it was written (its hash differs)")


@pytest.mark.usefixtures("triggers_disabled")
def test_a_deleted_entry_is_detected(relationship, five_entries):
    # Entry 2 is a commitment: a tamperer removes its index row too, or the foreign key stops them.
    _tamper("DELETE FROM trust_commitment WHERE entry_id = %s", [five_entries[1].pk])
    _tamper("DELETE FROM trust_entrycontent WHERE entry_id = %s", [five_entries[1].pk])
    _tamper("DELETE FROM trust_entry WHERE id = %s", [five_entries[1].pk])
    _assert_fails_at(relationship, 2, "entry 2 is missing: entry 3 follows entry 1")


@pytest.mark.usefixtures("triggers_disabled")
def test_two_swapped_entries_are_detected(relationship, five_entries):
    second, third = five_entries[1].pk, five_entries[2].pk
    for entry_id, sequence in ((second, 1000), (third, 2), (second, 3)):
        _tamper("UPDATE trust_entry SET sequence = %s WHERE id = %s", [sequence, entry_id])
    _assert_fails_at(relationship, 2, "entry 2 does not follow the entry before it (previous hash differs)")


@pytest.mark.usefixtures("triggers_disabled")
def test_only_the_tampered_relationship_fails(relationship, five_entries, cast):
    other = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_b,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.PLACEMENT,
    )
    _tamper("UPDATE trust_entrycontent SET body = 'rewritten' WHERE entry_id = %s", [five_entries[0].pk])
    out = StringIO()
    with pytest.raises(CommandError, match=f"first: relationship {relationship.pk} "):
        call_command("verify_trust_log", stdout=out)
    assert out.getvalue().splitlines() == [
        f"relationship {relationship.pk} ({relationship}): FAILS at entry 1: "
        "entry 1's text was changed after it was written (its content digest differs)",
        f"relationship {other.pk} ({other}): ok, 0 entries verify",
    ]
    assert _verify("--relationship", str(other.pk)).endswith("ok, 0 entries verify\n")


def test_a_verifying_chain_reports_the_newest_entry_hash(relationship, five_entries):
    assert chain_verify(relationship).head_hash == five_entries[-1].entry_hash
