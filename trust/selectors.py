"""Every read of the trust log, scoped to the user, and the verification of its hash chain.

A relationship is seen by the members of its two organisations and, when the counterpart is a
federation, by the members of the federation's member providers. Staff administrators get
nothing here: their access will go through an audited route of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import Organisation
from accounts.selectors import AnyUser
from trust.hashing import entry_hash_compute
from trust.models import GENESIS_HASH, Entry, Relationship


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
    organisations = organisations_acting_for(user).values("pk")
    return Relationship.objects.filter(
        Q(local_authority__in=organisations) | Q(counterpart__in=organisations)
    ).select_related("local_authority", "counterpart")


def entries_visible_to(user: AnyUser) -> QuerySet[Entry]:
    return Entry.objects.filter(relationship__in=relationships_visible_to(user).values("pk"))


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    first_bad_sequence: int | None
    reason: str
    entries_checked: int = 0


def chain_verify(relationship: Relationship) -> ChainReport:
    """Recompute the relationship's chain in order: sequences 1, 2, 3... without a gap, each
    entry pointing at the hash of the one before, and each hash matching its content."""
    expected_sequence, previous_hash = 1, GENESIS_HASH
    entries = Entry.objects.filter(relationship=relationship).order_by("sequence")
    for entry in entries.iterator(chunk_size=500):
        problem = _entry_problem(entry, expected_sequence, previous_hash)
        if problem:
            return ChainReport(False, expected_sequence, problem, expected_sequence - 1)
        expected_sequence, previous_hash = expected_sequence + 1, entry.entry_hash
    checked = expected_sequence - 1
    return ChainReport(True, None, f"{checked} entries verify", checked)


def _entry_problem(entry: Entry, expected_sequence: int, previous_hash: str) -> str:
    if entry.sequence != expected_sequence:
        return f"entry {expected_sequence} is missing: entry {entry.sequence} follows entry {expected_sequence - 1}"
    if entry.previous_hash != previous_hash:
        return f"entry {entry.sequence} does not follow the entry before it (previous hash differs)"
    if entry.entry_hash != entry_hash_compute(entry):
        return f"entry {entry.sequence} was changed after it was written (its hash differs)"
    return ""
