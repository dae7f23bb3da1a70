"""Appends from many threads at once keep each relationship's chain contiguous and whole."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from trust.models import Entry, EntryType
from trust.selectors import ChainReport, chain_verify
from trust.services import trust_entry_add

THREADS = 8
ENTRIES_PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_leave_a_contiguous_verifying_chain(relationship, cast):
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def append(thread: int) -> None:
        try:
            start.wait(timeout=10)
            for number in range(ENTRIES_PER_THREAD):
                side, person = (
                    (cast.local_authority_a, cast.commissioner_a)
                    if thread % 2
                    else (cast.provider_organisation_p, cast.provider_p)
                )
                trust_entry_add(
                    relationship=relationship,
                    entry_type=EntryType.NOTE,
                    author_organisation=side,
                    author_user=person,
                    body=f"thread {thread} note {number}",
                )
        except BaseException as error:  # noqa: BLE001 - reported to the test thread below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    total = THREADS * ENTRIES_PER_THREAD
    sequences = list(Entry.objects.filter(relationship=relationship).values_list("sequence", flat=True))
    assert sequences == list(range(1, total + 1))
    bodies = set(Entry.objects.values_list("content__body", flat=True))
    assert bodies == {f"thread {t} note {n}" for t in range(THREADS) for n in range(ENTRIES_PER_THREAD)}
    assert chain_verify(relationship) == ChainReport(True, None, f"{total} entries verify", total)
