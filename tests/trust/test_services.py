"""Appending to the log: what is accepted, and refusals that change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from trust.models import Entry, EntryType, Relationship, RelationshipOrigin
from trust.selectors import chain_verify
from trust.services import relationship_get_or_create, trust_entry_add

pytestmark = pytest.mark.django_db


def test_relationship_get_or_create_returns_the_one_relationship_of_a_pair(cast, relationship):
    again = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.PLACEMENT,
    )
    assert again == relationship
    assert again.created_via == RelationshipOrigin.INVITATION
    assert Relationship.objects.count() == 1


@pytest.mark.parametrize(
    ("local_authority", "counterpart"),
    [
        ("provider_organisation_p", "provider_organisation_q"),
        ("local_authority_a", "local_authority_b"),
        ("local_authority_a", "organiser_organisation"),
    ],
)
def test_a_relationship_joins_a_local_authority_and_a_provider_or_federation(cast, local_authority, counterpart):
    with pytest.raises(ValidationError):
        relationship_get_or_create(
            local_authority_organisation=getattr(cast, local_authority),
            counterpart=getattr(cast, counterpart),
            created_via=RelationshipOrigin.LOCAL_AUTHORITY,
        )
    assert Relationship.objects.count() == 0


def test_a_system_entry_has_no_author_person(relationship):
    entry = trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.SYSTEM,
        author_organisation=None,
        author_user=None,
        body="Invitation sent for referral R-1.",
        payload={"event": "invitation_sent", "invitation": 7},
    )
    assert (entry.sequence, entry.author_user, entry.payload) == (
        1,
        None,
        {"event": "invitation_sent", "invitation": 7},
    )


def test_a_correction_is_a_new_entry_pointing_at_the_old(relationship, five_entries, cast):
    correction = trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.NOTE,
        author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a,
        body="The first meeting is on Tuesday, not Monday.",
        corrects=five_entries[0],
    )
    assert (correction.sequence, correction.corrects) == (6, five_entries[0])
    assert Entry.objects.get(pk=five_entries[0].pk).body == "First meeting booked."


def _refusals(cast, five_entries, other_entry):
    commitment = {
        "what": "x",
        "by_whom": "y",
        "owner_organisation": cast.local_authority_a.pk,
        "due_date": "2026-12-01",
    }
    as_a = {"author_organisation": cast.local_authority_a, "author_user": cast.commissioner_a}
    return {
        "outsider organisation": {"author_organisation": cast.provider_organisation_q, "author_user": cast.provider_q},
        "person not of that side": {
            "author_organisation": cast.provider_organisation_p,
            "author_user": cast.commissioner_a,
        },
        "staff administrator": {"author_organisation": cast.local_authority_a, "author_user": cast.admin},
        "empty body": {**as_a, "body": "  "},
        "commitment without due date": {
            **as_a,
            "entry_type": EntryType.COMMITMENT,
            "payload": {**commitment, "due_date": ""},
        },
        "commitment owned by an outsider": {
            **as_a,
            "entry_type": EntryType.COMMITMENT,
            "payload": {**commitment, "owner_organisation": cast.provider_organisation_q.pk},
        },
        "update without its commitment": {
            **as_a,
            "entry_type": EntryType.COMMITMENT_UPDATE,
            "payload": {"outcome": "kept"},
        },
        "update of a note": {
            **as_a,
            "entry_type": EntryType.COMMITMENT_UPDATE,
            "payload": {"outcome": "kept"},
            "replies_to": five_entries[0],
        },
        "renegotiated without new date": {
            **as_a,
            "entry_type": EntryType.COMMITMENT_UPDATE,
            "payload": {"outcome": "renegotiated"},
            "replies_to": five_entries[1],
        },
        "reply across relationships": {**as_a, "entry_type": EntryType.REPLY, "replies_to": other_entry},
        "correction across relationships": {**as_a, "corrects": other_entry},
        "correcting the other side": {**as_a, "corrects": five_entries[1]},
        "system entry by a person": {**as_a, "entry_type": EntryType.SYSTEM, "payload": {"event": "offer_made"}},
        "system entry without event": {
            "author_organisation": None,
            "author_user": None,
            "entry_type": EntryType.SYSTEM,
        },
        "unknown detail": {**as_a, "payload": {"mood": "good"}},
        "fractional number": {**as_a, "entry_type": EntryType.REVIEW, "payload": {"score": 2.5}},
        "agreement without actions": {**as_a, "entry_type": EntryType.AGREEMENT, "payload": {"actions": []}},
        "unknown quality perspective": {
            **as_a,
            "entry_type": EntryType.REVIEW,
            "payload": {"quality_perspective": "vibes"},
        },
    }


@pytest.mark.parametrize(
    "case",
    [
        "outsider organisation",
        "person not of that side",
        "staff administrator",
        "empty body",
        "commitment without due date",
        "commitment owned by an outsider",
        "update without its commitment",
        "update of a note",
        "renegotiated without new date",
        "reply across relationships",
        "correction across relationships",
        "correcting the other side",
        "system entry by a person",
        "system entry without event",
        "unknown detail",
        "fractional number",
        "agreement without actions",
        "unknown quality perspective",
    ],
)
def test_refused_entries_change_nothing(relationship, five_entries, cast, case):
    other = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_b,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.PLACEMENT,
    )
    other_entry = trust_entry_add(
        relationship=other,
        entry_type=EntryType.NOTE,
        author_organisation=cast.provider_organisation_p,
        author_user=cast.provider_p,
        body="Elsewhere.",
    )
    before = list(Entry.objects.order_by("pk").values_list("pk", "relationship", "sequence", "entry_hash"))
    arguments = {
        "entry_type": EntryType.NOTE,
        "body": "Something to say.",
        **_refusals(cast, five_entries, other_entry)[case],
    }
    with pytest.raises(ValidationError):
        trust_entry_add(relationship=relationship, **arguments)
    assert list(Entry.objects.order_by("pk").values_list("pk", "relationship", "sequence", "entry_hash")) == before
    assert chain_verify(relationship).ok
