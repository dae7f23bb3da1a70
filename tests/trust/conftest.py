"""Relationships and entries for the trust log tests, and a way to tamper behind its back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from accounts.models import OrganisationKind
from providers.models import Federation
from tests.factories import MembershipFactory, OrganisationFactory
from trust.models import Entry, EntryType, Relationship, RelationshipOrigin
from trust.services import relationship_get_or_create, trust_entry_add


@pytest.fixture
def relationship(cast) -> Relationship:
    return relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.INVITATION,
    )


def note_add(relationship: Relationship, cast, text: str) -> Entry:
    return trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.NOTE,
        author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a,
        body=text,
    )


@pytest.fixture
def five_entries(relationship, cast) -> list[Entry]:
    """Note, commitment, concern, reply, appreciation: one of each side's voices."""
    note = note_add(relationship, cast, "First meeting booked.")
    commitment = trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.COMMITMENT,
        author_organisation=cast.provider_organisation_p,
        author_user=cast.provider_p,
        body="We will send the updated statement of purpose.",
        payload={
            "what": "Updated statement of purpose",
            "by_whom": "Registered manager",
            "owner_organisation": cast.provider_organisation_p.pk,
            "due_date": "2026-12-01",
        },
    )
    concern = trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.CONCERN,
        author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a,
        body="The last two referrals had no answer within the deadline.",
    )
    reply = trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.REPLY,
        author_organisation=cast.provider_organisation_p,
        author_user=cast.provider_p,
        body="Our inbox owner was away; a deputy now covers it.",
        replies_to=concern,
    )
    thanks = trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.APPRECIATION,
        author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a,
        body="Thank you for the quick turnaround this week.",
    )
    return [note, commitment, concern, reply, thanks]


@pytest.fixture
def triggers_disabled() -> Iterator[None]:
    """Switch the immutability triggers off, as a table owner could, to tamper with the log."""
    with connection.cursor() as cursor:
        # Entries made in this test's transaction have deferred foreign-key checks pending,
        # which ALTER TABLE refuses to run past.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE trust_entry DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE trust_entrycontent DISABLE TRIGGER USER")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE trust_entry ENABLE TRIGGER USER")
        cursor.execute("ALTER TABLE trust_entrycontent ENABLE TRIGGER USER")


@pytest.fixture
def federation(cast) -> Federation:
    """A federation whose one member provider is Provider Q; it has a member of its own."""
    organisation = OrganisationFactory(name="Small Homes Federation", kind=OrganisationKind.FEDERATION)
    federation = Federation.objects.create(name="Small Homes Federation", organisation=organisation)
    federation.members.add(cast.provider_organisation_q.provider_organisation)
    MembershipFactory(organisation=organisation)
    return federation
