"""The trust log's outside anchor: a daily digest of every chain's head, published (ADR 19).

Each night `transparency_digest_publish` takes the head of every relationship's chain (its
newest entry's sequence and hash; sequence 0 and 64 zeros for a log with no entry yet) and
makes one Merkle root over them. The root, the number of chains and the previous digest's hash
are published on /transparency/ and /transparency/digests.json, where anyone may note them.
`digests_verify` (run by `verify_trust_log`) recomputes each digest's root from the entries
now at the heads it recorded: entries removed behind the database's triggers, or a head
rewritten, make the root differ and are reported with the digest's date.

The construction, exactly (RFC 6962's Merkle Tree Hash, with our own leaves):

    leaf(r)    = canonical JSON {"entry_hash": hex, "relationship": id, "sequence": n}
                 (sorted keys, no whitespace, UTF-8; see trust.hashing.canonical_json)
    MTH([])    = SHA-256("")
    MTH([d])   = SHA-256(0x00 || d)
    MTH(D[n])  = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of 2 < n

over the leaves in ascending relationship id. A digest's own hash is SHA-256 of the canonical
JSON {"chains": n, "date": "YYYY-MM-DD", "previous_digest": hex, "root": hex, "sequence": n,
"version": 1}, exactly the fields of its item in the JSON feed but `digest` and
`published_at`; the first digest's previous_digest is 64 zeros.

`digest_inclusion_proof` gives one relationship's sides the RFC 6962 audit path of their own
head in a digest, and `inclusion_verify` checks one (RFC 9162, section 2.1.3.2).

This module holds the digest's construction, its one write and its reads; it touches only
heads, never what an entry says.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from trust.hashing import canonical_json
from trust.models import GENESIS_HASH, Entry, Relationship, TransparencyDigest

DIGEST_VERSION = 1

# (relationship id, sequence, entry hash): one chain's head, one leaf of the tree.
Head = tuple[int, int, str]


def leaf_data(head: Head) -> bytes:
    relationship_id, sequence, entry_hash = head
    return canonical_json({"entry_hash": entry_hash, "relationship": relationship_id, "sequence": sequence})


def merkle_root(leaves: Sequence[bytes]) -> str:
    """RFC 6962's Merkle Tree Hash of the leaves, in hex."""
    return _root_of([hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves]).hex()


def _root_of(level: list[bytes]) -> bytes:
    """The tree over these leaf hashes, built a level at a time: pairing from the left and
    lifting a last unpaired node unchanged gives exactly RFC 6962's split at the largest power
    of two below n (the tests compare the two), without its recursion and slicing."""
    if not level:
        return hashlib.sha256(b"").digest()
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        level = paired + level[-1:] if len(level) % 2 else paired
    return level[0]


def heads_root(heads: Iterable[Head], leaf_hashes: dict[Head, bytes] | None = None) -> str:
    """The root over the heads in relationship order; `leaf_hashes` remembers each head's leaf
    hash across calls (a verification meets most heads again in the next day's digest)."""
    known = leaf_hashes if leaf_hashes is not None else {}
    level = []
    for head in sorted(heads):
        if head not in known:
            known[head] = hashlib.sha256(b"\x00" + leaf_data(head)).digest()
        level.append(known[head])
    return _root_of(level).hex()


def digest_hash_compute(digest: TransparencyDigest) -> str:
    return hashlib.sha256(canonical_json(digest_published_fields(digest))).hexdigest()


def digest_published_fields(digest: TransparencyDigest) -> dict[str, Any]:
    """What the digest's hash covers: its item in the feed, but its own hash and the time."""
    return {
        "sequence": digest.sequence,
        "date": digest.date.isoformat(),
        "root": digest.root,
        "chains": digest.chain_count,
        "previous_digest": digest.previous_digest,
        "version": digest.version,
    }


def chain_heads() -> list[Head]:
    """Every relationship's head now, in relationship order, read in one statement (so one
    snapshot: no relationship is caught half way through an append)."""
    newest = Entry.objects.filter(relationship=OuterRef("pk")).order_by("-sequence")
    rows = (
        Relationship.objects.order_by("pk")
        .annotate(
            head_sequence=Subquery(newest.values("sequence")[:1]),
            head_hash=Subquery(newest.values("entry_hash")[:1]),
        )
        .values_list("pk", "head_sequence", "head_hash")
    )
    return [(pk, sequence or 0, entry_hash or GENESIS_HASH) for pk, sequence, entry_hash in rows]


class DigestDateError(ValueError):
    """The clock reads a day before the newest digest's: digests are dated in order."""


def transparency_digest_publish(*, now: datetime.datetime | None = None) -> TransparencyDigest:
    """Publish today's digest (London's date), chained to the one before; the existing one when
    today's is already published, so the nightly task can run twice, even at once."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        existing = TransparencyDigest.objects.filter(date=day).first()
        if existing is not None:
            return existing
        previous = TransparencyDigest.objects.order_by("-sequence").first()
        if previous is not None and previous.date > day:
            raise DigestDateError(f"The newest digest is dated {previous.date.isoformat()}, after {day.isoformat()}.")
        heads = chain_heads()
        digest = TransparencyDigest(
            sequence=previous.sequence + 1 if previous else 1,
            date=day,
            published_at=now,
            root=heads_root(heads),
            chain_count=len(heads),
            heads=[list(head) for head in heads],
            previous_digest=previous.digest_hash if previous else GENESIS_HASH,
            version=DIGEST_VERSION,
        )
        digest.digest_hash = digest_hash_compute(digest)
        try:
            # The unique sequence and date make a second publisher at the same moment fail here.
            with transaction.atomic():
                digest.save()
        except IntegrityError:
            return TransparencyDigest.objects.get(date=day)
    return digest


def transparency_digests_published() -> QuerySet[TransparencyDigest]:
    """The published digests, newest first, without the heads (which are not published)."""
    return TransparencyDigest.objects.defer("heads").order_by("-sequence")


def digest_feed_item(digest: TransparencyDigest) -> dict[str, Any]:
    return {
        **digest_published_fields(digest),
        "digest": digest.digest_hash,
        "published_at": digest.published_at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
    }


@dataclass(frozen=True)
class DigestReport:
    date: datetime.date
    sequence: int
    chain_count: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class _LogNow:
    """The entries now at the heads digests recorded, looked up once each across all digests."""

    def __init__(self) -> None:
        self.hashes: dict[tuple[int, int], str] = {}
        self.leaf_hashes: dict[Head, bytes] = {}
        self.ends = dict(
            Entry.objects.order_by()
            .values("relationship")
            .annotate(end=Max("sequence"))
            .values_list("relationship", "end")
        )
        self.relationships = set(Relationship.objects.values_list("pk", flat=True))

    def load(self, heads: Iterable[Head]) -> None:
        wanted = [(rel, seq) for rel, seq, _ in heads if seq > 0 and (rel, seq) not in self.hashes]
        if not wanted:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.relationship_id, e.sequence, e.entry_hash FROM trust_entry e"
                " JOIN unnest(%s::bigint[], %s::bigint[]) AS h(relationship_id, sequence)"
                " ON e.relationship_id = h.relationship_id AND e.sequence = h.sequence",
                [[rel for rel, _ in wanted], [seq for _, seq in wanted]],
            )
            found = {(rel, seq): entry_hash for rel, seq, entry_hash in cursor.fetchall()}
        for pair in wanted:
            self.hashes[pair] = found.get(pair, "")

    def hash_at(self, relationship_id: int, sequence: int) -> str:
        if relationship_id not in self.relationships:
            return ""
        return GENESIS_HASH if sequence == 0 else self.hashes.get((relationship_id, sequence), "")

    def head_problem(self, head: Head) -> str:
        relationship_id, sequence, recorded_hash = head
        now_hash = self.hash_at(relationship_id, sequence)
        if relationship_id not in self.relationships:
            return f"relationship {relationship_id} is gone"
        if not now_hash:
            end = self.ends.get(relationship_id, 0)
            if end >= sequence:
                return f"relationship {relationship_id} has lost entry {sequence}, its head then"
            return (
                f"relationship {relationship_id} has lost its newest entries: "
                f"its head then was entry {sequence}, its log now ends at entry {end}"
            )
        if now_hash != recorded_hash:
            return f"relationship {relationship_id}'s entry {sequence}, its head then, was rewritten"
        return ""


def digests_verify() -> list[DigestReport]:
    """Check every digest, oldest first: the digests chain one to the next, each hash covers
    what it says, and the entries now at each digest's recorded heads give its root again."""
    log_now = _LogNow()
    reports: list[DigestReport] = []
    previous_hash, expected_sequence = GENESIS_HASH, 1
    for digest in TransparencyDigest.objects.order_by("sequence").iterator(chunk_size=20):
        problems = _digest_chain_problems(digest, expected_sequence, previous_hash)
        problems += _digest_heads_problems(digest, log_now)
        reports.append(DigestReport(digest.date, digest.sequence, digest.chain_count, tuple(problems)))
        previous_hash, expected_sequence = digest.digest_hash, digest.sequence + 1
    return reports


def _digest_chain_problems(digest: TransparencyDigest, expected_sequence: int, previous_hash: str) -> list[str]:
    problems = []
    if digest.sequence != expected_sequence:
        problems.append(f"the digest before it (number {expected_sequence}) is missing")
    elif digest.previous_digest != previous_hash:
        problems.append("it does not follow the digest before it (previous digest differs)")
    if digest.digest_hash != digest_hash_compute(digest):
        problems.append("it was changed after it was published (its hash differs)")
    return problems


def _digest_heads_problems(digest: TransparencyDigest, log_now: _LogNow) -> list[str]:
    heads: list[Head] = [(int(rel), int(seq), str(entry_hash)) for rel, seq, entry_hash in digest.heads]
    if len(heads) != digest.chain_count or heads_root(heads, log_now.leaf_hashes) != digest.root:
        return ["its recorded heads do not give its published root (the digest was changed)"]
    log_now.load(heads)
    now_heads = [(rel, seq, log_now.hash_at(rel, seq)) for rel, seq, _ in heads]
    # The recorded heads give the root (checked above), so the same heads now give it too; only
    # when one differs is the root recomputed from the entries, to be sure it no longer matches.
    if now_heads == heads or heads_root(now_heads, log_now.leaf_hashes) == digest.root:
        return []
    changed = [problem for head in heads if (problem := log_now.head_problem(head))]
    return ["the entries at its heads no longer give its root: " + "; ".join(changed)]


def inclusion_path(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 6962's audit path of the leaf at `index`: the sibling subtree roots, lowest first."""
    if len(leaf_hashes) <= 1:
        return []
    split = 1 << ((len(leaf_hashes) - 1).bit_length() - 1)  # the largest power of two below n
    if index < split:
        return [*inclusion_path(leaf_hashes[:split], index), _root_of(list(leaf_hashes[split:]))]
    return [*inclusion_path(leaf_hashes[split:], index - split), _root_of(list(leaf_hashes[:split]))]


def inclusion_verify(*, leaf: bytes, index: int, size: int, path: Sequence[bytes], root: str) -> bool:
    """RFC 9162 section 2.1.3.2: does this path lead from the leaf at `index` of a tree of
    `size` leaves to `root`? What a side runs, with the digest it noted, to see its own log in it."""
    if index >= size:
        return False
    position, last, node = index, size - 1, hashlib.sha256(b"\x00" + leaf).digest()
    for sibling in path:
        if last == 0:
            return False
        if position & 1 or position == last:
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
            while not position & 1 and position != 0:
                position, last = position >> 1, last >> 1
        else:
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        position, last = position >> 1, last >> 1
    return last == 0 and node.hex() == root


def digest_inclusion_proof(*, digest: TransparencyDigest, relationship_id: int) -> dict[str, Any]:
    """The proof that one relationship's head is in a digest, for that relationship's two sides:
    their own leaf and the sibling hashes, never anybody else's head."""
    heads: list[Head] = sorted((int(rel), int(seq), str(entry_hash)) for rel, seq, entry_hash in digest.heads)
    index = next((number for number, head in enumerate(heads) if head[0] == relationship_id), None)
    if index is None:
        raise LookupError(f"The digest of {digest.date.isoformat()} has no head of relationship {relationship_id}.")
    leaf_hashes = [hashlib.sha256(b"\x00" + leaf_data(head)).digest() for head in heads]
    return {
        "date": digest.date.isoformat(),
        "root": digest.root,
        "digest": digest.digest_hash,
        "leaf": leaf_data(heads[index]).decode(),
        "leaf_index": index,
        "tree_size": len(heads),
        "inclusion_path": [node.hex() for node in inclusion_path(leaf_hashes, index)],
    }
