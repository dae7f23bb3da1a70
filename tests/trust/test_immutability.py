"""The database refuses to change or remove trust log entries, whoever asks."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from trust.models import Entry, Relationship

pytestmark = pytest.mark.django_db


def _log_rows() -> list[tuple[Any, ...]]:
    return list(
        Entry.objects.order_by("sequence").values_list(
            "sequence", "content__body", "content__texts", "content__salt", "content_digest", "entry_hash"
        )
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE trust_entry SET content_digest = repeat('0', 64) WHERE sequence = 2",
        "UPDATE trust_entry SET structured = '{}'::jsonb",
        "DELETE FROM trust_entry WHERE sequence = 3",
        "DELETE FROM trust_entry",
        "TRUNCATE trust_entry CASCADE",
        "TRUNCATE trust_relationship CASCADE",
    ],
)
def test_raw_sql_cannot_change_or_remove_entries(five_entries, statement):
    before = _log_rows()
    refused = pytest.raises(IntegrityError, match="trust log entries are never changed or removed")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        # The entries were inserted in this test's transaction; their deferred foreign-key
        # checks would otherwise stop TRUNCATE before it reaches the trigger.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)
    assert _log_rows() == before


def test_the_orm_cannot_update_or_delete_entries(five_entries):
    before = _log_rows()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(sequence=1).update(content_digest="0" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(sequence=1).delete()
    assert _log_rows() == before


def test_saving_an_existing_entry_is_refused_before_the_database(five_entries):
    entry = five_entries[0]
    entry.structured = {"held_on": "2026-01-01"}
    with pytest.raises(ValueError, match="add a correction instead"):
        entry.save()
    assert Entry.objects.get(pk=entry.pk).payload == {}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE trust_relationship SET counterpart_id = OTHER",
        "UPDATE trust_relationship SET created_via = 'counterpart'",
        "DELETE FROM trust_relationship",
    ],
)
def test_a_relationship_keeps_its_two_organisations(relationship, cast, statement):
    """The chain covers the relationship's id, not its sides: handing a log to another
    organisation must be refused too."""
    before = list(Relationship.objects.values_list("pk", "local_authority", "counterpart", "created_via"))
    other = cast.provider_organisation_q.pk
    refused = pytest.raises(IntegrityError, match="never changed or removed")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement.replace("OTHER", str(other)))
    assert list(Relationship.objects.values_list("pk", "local_authority", "counterpart", "created_via")) == before
