"""The trust log's outside anchor (ADR 19): the daily digest of every chain's head, its public
page and feed, and verify_trust_log finding a removed tail or a rewritten head by it."""

from __future__ import annotations

import datetime
import hashlib
import json
import threading
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from tests.trust.conftest import note_add
from trust import transparency
from trust.hashing import entry_hash_compute
from trust.models import GENESIS_HASH, Entry, Relationship, RelationshipOrigin, TransparencyDigest
from trust.services import relationship_get_or_create
from trust.tasks import transparency_digest_publish_task
from trust.transparency import (
    DigestDateError,
    inclusion_path,
    inclusion_verify,
    merkle_root,
    transparency_digest_publish,
)

pytestmark = pytest.mark.django_db


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _leaf(relationship_id: int, sequence: int, entry_hash: str) -> bytes:
    text = json.dumps({"relationship": relationship_id, "sequence": sequence, "entry_hash": entry_hash}, sort_keys=True)
    return text.replace(", ", ",").replace(": ", ":").encode()


def _digest_hash(**fields: object) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _days_later(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The same London clock time `days` calendar days on, so a day's digest is always the next
    day's, even across the clocks going back (a 25-hour day)."""
    local = timezone.localtime(moment)
    day = local.date() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))


def _rows() -> list[tuple[int, str, str, str]]:
    return list(TransparencyDigest.objects.values_list("sequence", "root", "previous_digest", "digest_hash"))


@pytest.fixture
def other_relationship(cast) -> Relationship:
    """A second relationship, with no entry yet."""
    return relationship_get_or_create(
        local_authority_organisation=cast.local_authority_b,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.PLACEMENT,
    )


# RFC 6962's own test vectors (the Certificate Transparency project's Merkle tree tests):
# the root of the first n of these eight leaves.
RFC6962_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
RFC6962_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.mark.parametrize("count", range(1, 9))
def test_the_root_is_rfc_6962s_merkle_tree_hash(count):
    leaves = [bytes.fromhex(leaf) for leaf in RFC6962_LEAVES[:count]]
    assert merkle_root(leaves) == RFC6962_ROOTS[count - 1]


def _rfc6962_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, word for word: split at the largest power of two below n."""
    if len(leaves) == 1:
        return _sha256(b"\x00" + leaves[0])
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return _sha256(b"\x01" + _rfc6962_mth(leaves[:split]) + _rfc6962_mth(leaves[split:]))


def test_the_root_follows_rfc_6962s_definition_for_any_number_of_leaves():
    leaves = [f"leaf {number}".encode() for number in range(70)]
    for count in range(1, 71):
        assert merkle_root(leaves[:count]) == _rfc6962_mth(leaves[:count]).hex(), count


def test_no_leaves_give_the_hash_of_nothing():
    assert merkle_root([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_every_leafs_inclusion_path_leads_to_the_root_and_nothing_else_does():
    for size in range(1, 20):
        leaves = [f"leaf {number}".encode() for number in range(size)]
        hashes = [_sha256(b"\x00" + leaf) for leaf in leaves]
        root = merkle_root(leaves)
        for index in range(size):
            path = inclusion_path(hashes, index)
            assert inclusion_verify(leaf=leaves[index], index=index, size=size, path=path, root=root), (size, index)
            assert not inclusion_verify(leaf=b"another leaf", index=index, size=size, path=path, root=root)
            if size > 1:
                elsewhere = (index + 1) % size
                assert not inclusion_verify(leaf=leaves[index], index=elsewhere, size=size, path=path, root=root)
            if path:
                assert not inclusion_verify(leaf=leaves[index], index=index, size=size, path=path[:-1], root=root)


def test_a_digest_is_a_merkle_root_over_every_chain_head_in_relationship_order(
    relationship, five_entries, other_relationship
):
    now = timezone.now()
    digest = transparency_digest_publish(now=now)

    head = five_entries[-1].entry_hash
    leaves = [
        _sha256(b"\x00" + _leaf(relationship.pk, 5, head)),
        _sha256(b"\x00" + _leaf(other_relationship.pk, 0, GENESIS_HASH)),
    ]
    root = _sha256(b"\x01" + leaves[0] + leaves[1]).hex()
    day = timezone.localdate(now)
    stored = TransparencyDigest.objects.get()
    assert (stored.sequence, stored.date, stored.published_at) == (1, day, now)
    assert (stored.root, stored.chain_count) == (root, 2)
    assert stored.heads == [[relationship.pk, 5, head], [other_relationship.pk, 0, GENESIS_HASH]]
    assert stored.previous_digest == GENESIS_HASH
    assert stored.digest_hash == _digest_hash(
        chains=2, date=day.isoformat(), previous_digest=GENESIS_HASH, root=root, sequence=1, version=1
    )
    assert digest == stored


def test_each_digest_chains_to_the_one_before_and_sees_the_new_heads(relationship, five_entries, cast):
    now = timezone.now()
    first = transparency_digest_publish(now=now)
    newest = note_add(relationship, cast, "Visit booked for next week.")
    second = transparency_digest_publish(now=_days_later(now, 1))

    assert (second.sequence, second.date) == (2, timezone.localdate(now) + datetime.timedelta(days=1))
    assert second.previous_digest == first.digest_hash
    assert second.heads == [[relationship.pk, 6, newest.entry_hash]]
    assert second.root == _sha256(b"\x00" + _leaf(relationship.pk, 6, newest.entry_hash)).hex()
    assert second.digest_hash == _digest_hash(
        chains=1,
        date=second.date.isoformat(),
        previous_digest=first.digest_hash,
        root=second.root,
        sequence=2,
        version=1,
    )


def test_publishing_twice_in_a_day_returns_the_days_digest_and_writes_nothing(relationship, five_entries, cast):
    now = timezone.now()
    first = transparency_digest_publish(now=now)
    before = _rows()
    note_add(relationship, cast, "Another note the same day.")
    again = transparency_digest_publish(now=timezone.localtime(now).replace(hour=23, minute=59))  # the same day
    assert again == first
    assert _rows() == before


@pytest.mark.django_db(transaction=True)
def test_two_publishers_at_once_write_one_digest(relationship, five_entries, monkeypatch):
    # Both have looked for today's digest and found none before either reads the heads.
    both_looked = threading.Barrier(2)
    heads_now = transparency.chain_heads

    def heads_once_both_looked() -> list[transparency.Head]:
        both_looked.wait(timeout=10)
        return heads_now()

    monkeypatch.setattr(transparency, "chain_heads", heads_once_both_looked)
    now = timezone.now()
    published: list[TransparencyDigest] = []
    failures: list[BaseException] = []

    def publish() -> None:
        try:
            published.append(transparency_digest_publish(now=now))
        except BaseException as error:  # noqa: BLE001 - reported to the test thread below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    stored = TransparencyDigest.objects.get()
    assert published == [stored, stored]
    assert (stored.sequence, stored.heads) == (1, [[relationship.pk, 5, five_entries[-1].entry_hash]])


def test_a_digest_dated_before_the_newest_is_refused(relationship, five_entries):
    now = timezone.now()
    transparency_digest_publish(now=now)
    before = _rows()
    yesterday = timezone.localdate(now) - datetime.timedelta(days=1)
    with pytest.raises(DigestDateError, match=f"after {yesterday.isoformat()}"):
        transparency_digest_publish(now=_days_later(now, -1))
    assert _rows() == before


def test_the_nightly_task_publishes_after_the_nights_entries(relationship, five_entries):
    result = transparency_digest_publish_task()
    digest = TransparencyDigest.objects.get()
    assert result == {"date": digest.date.isoformat(), "root": digest.root, "chains": 1}
    publish = "publish-transparency-digest-nightly"
    assert settings.CELERY_BEAT_SCHEDULE[publish]["task"] == "trust.transparency_digest_publish_task"
    # Tonight's missed commitments and reconciled journey events are in tonight's digest.
    for writer in ("check-trust-commitments-nightly", "recompute-relationship-indicators-nightly"):
        assert _fires_at(writer) < _fires_at(publish)


def _fires_at(name: str) -> tuple[int, int]:
    schedule: Any = settings.CELERY_BEAT_SCHEDULE[name]["schedule"]  # celery's stubs lack crontab.hour
    assert (len(schedule.hour), len(schedule.minute)) == (1, 1)  # once a night
    return (min(schedule.hour), min(schedule.minute))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE trust_transparencydigest SET root = repeat('f', 64)",
        "DELETE FROM trust_transparencydigest",
        "TRUNCATE trust_transparencydigest",
    ],
)
def test_the_database_refuses_to_change_or_remove_a_digest(relationship, five_entries, statement):
    transparency_digest_publish()
    before = _rows()
    with (
        pytest.raises(IntegrityError, match="never changed or removed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert _rows() == before


def test_saving_a_published_digest_again_is_refused(relationship, five_entries):
    digest = transparency_digest_publish()
    before = _rows()
    digest.root = "f" * 64
    with pytest.raises(ValueError, match="never changed"):
        digest.save()
    assert _rows() == before


def test_a_side_gets_the_proof_that_its_own_log_is_in_a_digest(relationship, five_entries, other_relationship):
    digest = transparency_digest_publish()
    out = StringIO()
    call_command("transparency_proof", "--relationship", str(relationship.pk), stdout=out)
    proof = json.loads(out.getvalue())
    # The other relationship's leaf hash is the one sibling: its head itself is not shown.
    other_leaf = _sha256(b"\x00" + _leaf(other_relationship.pk, 0, GENESIS_HASH))
    assert proof == {
        "date": digest.date.isoformat(),
        "root": digest.root,
        "digest": digest.digest_hash,
        "leaf": _leaf(relationship.pk, 5, five_entries[-1].entry_hash).decode(),
        "leaf_index": 0,
        "tree_size": 2,
        "inclusion_path": [other_leaf.hex()],
    }
    path = [bytes.fromhex(node) for node in proof["inclusion_path"]]
    assert inclusion_verify(leaf=proof["leaf"].encode(), index=0, size=2, path=path, root=digest.root)


def test_a_proof_of_no_digest_or_no_such_relationship_is_refused(relationship, five_entries):
    def refusal(*args: str) -> str:
        with pytest.raises(CommandError) as refused:
            call_command("transparency_proof", "--relationship", *args, stdout=StringIO())
        return str(refused.value)

    assert refusal(str(relationship.pk)) == "No digest is published yet."
    digest = transparency_digest_publish()
    assert refusal(str(relationship.pk), "--date", "2000-01-01") == "There is no such digest."
    assert refusal(str(relationship.pk + 100), "--date", digest.date.isoformat()) == (
        f"The digest of {digest.date.isoformat()} has no head of relationship {relationship.pk + 100}."
    )


# The public page and feed


def test_the_page_explains_the_digest_and_lists_them_to_anyone(relationship, five_entries, client: Client):
    now = timezone.now()
    first = transparency_digest_publish(now=now)
    second = transparency_digest_publish(now=_days_later(now, 1))
    response = client.get("/transparency/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "How to check it" in page
    assert "Note a digest's date and root" in page
    rows = page.split('<tr class="govuk-table__row" id="digest-')[1:]
    assert [row.split('"')[0] for row in rows] == ["2", "1"]  # newest first
    assert second.root in rows[0]
    assert first.digest_hash in rows[0]  # its previous digest
    assert f'<time datetime="{first.date.isoformat()}">' in rows[1]
    assert "None: the first digest" in rows[1]


def test_the_page_before_any_digest(client: Client):
    response = client.get("/transparency/")
    assert response.status_code == 200
    assert "No digest has been published yet." in response.content.decode()


def test_the_feed_lists_every_digest_newest_first(relationship, five_entries, client: Client):
    now = timezone.now().replace(microsecond=0)
    first = transparency_digest_publish(now=now)
    second = transparency_digest_publish(now=_days_later(now, 1))
    response = client.get("/transparency/digests.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    item = {
        digest.sequence: {
            "sequence": digest.sequence,
            "date": digest.date.isoformat(),
            "root": digest.root,
            "chains": 1,
            "previous_digest": digest.previous_digest,
            "version": 1,
            "digest": digest.digest_hash,
            "published_at": digest.published_at.astimezone(datetime.UTC).isoformat(),
        }
        for digest in (first, second)
    }
    assert response.json() == {
        "about": "http://testserver/transparency/",
        "construction_version": 1,
        "digests": [item[2], item[1]],
    }
    # Anyone can recompute each digest's hash from the feed alone.
    for published in response.json()["digests"]:
        fields = {key: value for key, value in published.items() if key not in ("digest", "published_at")}
        assert _digest_hash(**fields) == published["digest"]


@pytest.mark.parametrize("url", ["/transparency/", "/transparency/digests.json"])
def test_the_page_and_feed_are_read_only(relationship, five_entries, url, client: Client, cast):
    transparency_digest_publish()
    before = _rows()
    client.force_login(cast.admin)
    for method in (client.post, client.put, client.delete):
        assert method(url).status_code == 405
    assert _rows() == before


# verify_trust_log against the published digests


def _verify() -> str:
    out = StringIO()
    call_command("verify_trust_log", stdout=out)
    return out.getvalue()


def _verify_fails() -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("verify_trust_log", stdout=out)
    return out.getvalue(), str(refused.value)


def _sql(*statements: tuple[str, list[Any]]) -> None:
    """Run statements as a database owner can: with every trigger of the entries switched off."""
    with connection.cursor() as cursor:
        # The test's own inserts have deferred foreign-key checks that ALTER TABLE refuses to pass.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE trust_entry DISABLE TRIGGER ALL")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("ALTER TABLE trust_entry ENABLE TRIGGER ALL")


def test_an_untouched_log_matches_its_digests(relationship, five_entries, cast):
    now = timezone.now()
    first = transparency_digest_publish(now=now)
    note_add(relationship, cast, "A note after the first digest.")
    second = transparency_digest_publish(now=_days_later(now, 1))
    assert _verify().splitlines() == [
        f"relationship {relationship.pk} ({relationship}): ok, 6 entries verify",
        f"digest of {first.date.isoformat()}: ok, its 1 chain head(s) give its root",
        f"digest of {second.date.isoformat()}: ok, its 1 chain head(s) give its root",
    ]


def test_a_removed_tail_is_detected_naming_the_digest(relationship, five_entries, other_relationship):
    digest = transparency_digest_publish()
    # The newest two entries go, with every trigger off: what is left is a chain that verifies.
    _sql(("DELETE FROM trust_entry WHERE id IN (%s, %s)", [five_entries[3].pk, five_entries[4].pk]))
    assert list(Entry.objects.filter(relationship=relationship).values_list("sequence", flat=True)) == [1, 2, 3]

    out, error = _verify_fails()
    failure = (
        f"digest of {digest.date.isoformat()}: FAILS: the entries at its heads no longer give its root: "
        f"relationship {relationship.pk} has lost its newest entries: its head then was entry 5, "
        "its log now ends at entry 3"
    )
    assert out.splitlines() == [
        f"relationship {relationship.pk} ({relationship}): ok, 3 entries verify",
        f"relationship {other_relationship.pk} ({other_relationship}): ok, 0 entries verify",
        failure,
    ]
    assert error == f"1 published digest(s) no longer match the logs; first: {failure}"


def test_a_rewritten_head_with_a_rechained_hash_is_detected(relationship, five_entries):
    digest = transparency_digest_publish()
    # The newest entry re-dated and its hash recomputed: the chain alone cannot tell.
    head = Entry.objects.get(pk=five_entries[-1].pk)
    head.created_at += datetime.timedelta(minutes=5)
    _sql(
        (
            "UPDATE trust_entry SET created_at = %s, entry_hash = %s WHERE id = %s",
            [head.created_at, entry_hash_compute(head), head.pk],
        )
    )
    out, error = _verify_fails()
    failure = (
        f"digest of {digest.date.isoformat()}: FAILS: the entries at its heads no longer give its root: "
        f"relationship {relationship.pk}'s entry 5, its head then, was rewritten"
    )
    assert out.splitlines() == [f"relationship {relationship.pk} ({relationship}): ok, 5 entries verify", failure]
    assert error == f"1 published digest(s) no longer match the logs; first: {failure}"


def test_a_changed_digest_is_detected(relationship, five_entries):
    now = timezone.now()
    first = transparency_digest_publish(now=now)
    second = transparency_digest_publish(now=_days_later(now, 1))
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE trust_transparencydigest DISABLE TRIGGER USER")
        cursor.execute("UPDATE trust_transparencydigest SET root = repeat('f', 64) WHERE id = %s", [first.pk])
        cursor.execute("ALTER TABLE trust_transparencydigest ENABLE TRIGGER USER")
    out, error = _verify_fails()
    assert out.splitlines()[1:] == [
        f"digest of {first.date.isoformat()}: FAILS: it was changed after it was published (its hash differs); "
        "its recorded heads do not give its published root (the digest was changed)",
        f"digest of {second.date.isoformat()}: ok, its 1 chain head(s) give its root",
    ]
    first_failure = f"first: digest of {first.date.isoformat()}: FAILS"
    assert error.startswith(f"1 published digest(s) no longer match the logs; {first_failure}")


def test_a_removed_digest_is_detected_by_the_one_after_it(relationship, five_entries):
    now = timezone.now()
    first, second, third = (transparency_digest_publish(now=_days_later(now, day)) for day in range(3))
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE trust_transparencydigest DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM trust_transparencydigest WHERE id = %s", [second.pk])
        cursor.execute("ALTER TABLE trust_transparencydigest ENABLE TRIGGER USER")
    out, error = _verify_fails()
    failure = f"digest of {third.date.isoformat()}: FAILS: the digest before it (number 2) is missing"
    assert out.splitlines()[1:] == [
        f"digest of {first.date.isoformat()}: ok, its 1 chain head(s) give its root",
        failure,
    ]
    assert error == f"1 published digest(s) no longer match the logs; first: {failure}"


def test_verifying_one_relationship_leaves_the_digests_alone(relationship, five_entries):
    transparency_digest_publish()
    _sql(("DELETE FROM trust_entry WHERE id = %s", [five_entries[4].pk]))
    out = StringIO()
    call_command("verify_trust_log", "--relationship", str(relationship.pk), stdout=out)
    assert out.getvalue() == f"relationship {relationship.pk} ({relationship}): ok, 4 entries verify\n"
