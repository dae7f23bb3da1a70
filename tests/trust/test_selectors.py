"""Who sees which relationship and its entries: the two sides, and a federation's members; the
list of relationships with what is open in each, audited access for staff, and the word for
where a relationship is in a restorative case."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import Membership
from tests.trust.samples import trust_sample_objects
from trust.models import Entry, EntryType, Relationship, RelationshipOrigin
from trust.selectors import (
    entries_visible_to,
    open_concerns_of,
    relationship_for_audited_access,
    relationships_listed_for,
    relationships_visible_to,
    restorative_case_relationship_state,
)
from trust.services import relationship_get_or_create, restorative_case_open, trust_entry_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def federation_relationship(cast, federation):
    return relationship_get_or_create(
        local_authority_organisation=cast.local_authority_b,
        counterpart=federation.organisation,
        created_via=RelationshipOrigin.COUNTERPART,
    )


@pytest.mark.parametrize(
    ("principal", "sees_direct", "sees_federation"),
    [
        ("commissioner_a", True, False),
        ("provider_p", True, False),
        ("commissioner_b", False, True),
        ("provider_q", False, True),  # through the federation Provider Q belongs to
        ("organiser", False, False),
        ("admin", False, False),  # staff: audited access only, not through these selectors
        ("anonymous", False, False),
    ],
)
def test_relationships_and_entries_are_seen_by_their_sides_only(
    cast, relationship, five_entries, federation_relationship, principal, sees_direct, sees_federation
):
    user = cast.user(principal) or AnonymousUser()
    expected = [r for r, seen in ((relationship, sees_direct), (federation_relationship, sees_federation)) if seen]
    assert list(relationships_visible_to(user).order_by("pk")) == expected
    expected_entries = five_entries if sees_direct else []
    assert list(entries_visible_to(user).order_by("pk")) == expected_entries


def test_a_federation_member_sees_its_relationship(federation, federation_relationship):
    member = Membership.objects.get(organisation=federation.organisation).user
    assert list(relationships_visible_to(member)) == [federation_relationship]


def test_a_staff_member_of_a_side_still_sees_nothing_here(cast, relationship):
    cast.commissioner_a.is_staff = True
    cast.commissioner_a.save(update_fields=["is_staff"])
    assert list(relationships_visible_to(cast.commissioner_a)) == []


# --- The list of relationships and its open concerns ------------------------------------------


def _concern(relationship: Relationship, cast, side: str, body: str) -> Entry:
    organisation, user = {
        "authority": (cast.local_authority_a, cast.commissioner_a),
        "provider": (cast.provider_organisation_p, cast.provider_p),
    }[side]
    return trust_entry_add(
        relationship=relationship, entry_type=EntryType.CONCERN, author_organisation=organisation,
        author_user=user, body=body,
    )  # fmt: skip


def _reply(relationship: Relationship, cast, concern: Entry, side: str) -> Entry:
    organisation, user = {
        "authority": (cast.local_authority_a, cast.commissioner_a),
        "provider": (cast.provider_organisation_p, cast.provider_p),
    }[side]
    return trust_entry_add(
        relationship=relationship, entry_type=EntryType.REPLY, author_organisation=organisation,
        author_user=user, body="Our answer.", replies_to=concern,
    )  # fmt: skip


@pytest.fixture
def concerns(cast, relationship) -> dict[str, Entry]:
    """One concern in each state: unanswered, answered, under an open case (answered too), and
    under a closed case (never answered)."""
    unanswered = _concern(relationship, cast, "authority", "No answer to two referrals.")
    answered = _concern(relationship, cast, "authority", "The visit was cancelled late.")
    _reply(relationship, cast, answered, "provider")
    under_open_case = _concern(relationship, cast, "provider", "Fees paid late again.")
    _reply(relationship, cast, under_open_case, "authority")
    restorative_case_open(concern=under_open_case, opened_by=cast.provider_p, organisation=cast.provider_organisation_p)
    under_closed_case = _concern(relationship, cast, "authority", "Placement plan not shared.")
    case = restorative_case_open(
        concern=under_closed_case, opened_by=cast.commissioner_a, organisation=cast.local_authority_a
    )
    trust_entry_add(
        relationship=relationship, entry_type=EntryType.REVIEW, author_organisation=cast.provider_organisation_p,
        author_user=cast.provider_p, body="Plans are shared now.",
        payload={"restorative_case": case.pk, "closes_case": True},
    )  # fmt: skip
    return {
        "unanswered": unanswered,
        "answered": answered,
        "under_open_case": under_open_case,
        "under_closed_case": under_closed_case,
    }


def test_open_concerns_are_unanswered_or_under_an_open_case(relationship, concerns):
    assert list(open_concerns_of(relationship).order_by("sequence")) == [
        concerns["unanswered"],
        concerns["under_open_case"],
    ]


def test_only_a_reply_answers_a_concern_not_a_note_of_its_own_side(cast, relationship):
    concern = _concern(relationship, cast, "authority", "No answer to two referrals.")
    trust_entry_add(
        relationship=relationship, entry_type=EntryType.NOTE, author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a, body="Chased by phone.", replies_to=concern,
    )  # fmt: skip
    assert list(open_concerns_of(relationship)) == [concern]


def test_the_list_counts_what_is_open_in_each_relationship(cast, relationship, concerns):
    trust_entry_add(
        relationship=relationship, entry_type=EntryType.COMMITMENT, author_organisation=cast.provider_organisation_p,
        author_user=cast.provider_p, body="We will send the statement of purpose.",
        payload={"what": "Statement of purpose", "by_whom": "Registered manager",
                 "owner_organisation": cast.provider_organisation_p.pk, "due_date": "2026-12-01"},
    )  # fmt: skip
    kept = trust_entry_add(
        relationship=relationship, entry_type=EntryType.COMMITMENT, author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a, body="We will share the plan.",
        payload={"what": "Placement plan", "by_whom": "Social worker",
                 "owner_organisation": cast.local_authority_a.pk, "due_date": "2026-11-01"},
    )  # fmt: skip
    trust_entry_add(
        relationship=relationship, entry_type=EntryType.COMMITMENT_UPDATE, author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a, body="Shared.", payload={"outcome": "kept"}, replies_to=kept,
    )  # fmt: skip
    quiet = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a,
        counterpart=cast.provider_organisation_q,
        created_via=RelationshipOrigin.INVITATION,
    )
    last = Entry.objects.filter(relationship=relationship).latest("sequence")

    def listed(principal: str) -> list[tuple[int, object, int, int]]:
        listed = relationships_listed_for(cast.user(principal) or AnonymousUser()).order_by("pk")
        return list(listed.values_list("pk", "last_entry_at", "open_commitments", "open_concerns"))

    assert listed("commissioner_a") == [(relationship.pk, last.created_at, 1, 2), (quiet.pk, None, 0, 0)]
    assert listed("provider_p") == [(relationship.pk, last.created_at, 1, 2)]
    assert listed("provider_q") == [(quiet.pk, None, 0, 0)]
    for stranger in ("commissioner_b", "organiser", "admin", "anonymous"):
        assert listed(stranger) == []


# --- Audited access by staff administrators ---------------------------------------------------


@pytest.mark.parametrize("principal", ["commissioner_a", "provider_p", "commissioner_b", "organiser", "anonymous"])
def test_only_staff_reach_a_relationship_for_audited_access(cast, relationship, principal):
    with pytest.raises(Http404):
        relationship_for_audited_access(cast.user(principal) or AnonymousUser(), relationship.pk)


def test_staff_reach_any_relationship_for_audited_access_but_no_missing_one(cast, relationship):
    assert relationship_for_audited_access(cast.admin, relationship.pk) == relationship
    with pytest.raises(Http404):
        relationship_for_audited_access(cast.admin, relationship.pk + 100)


# --- Where the relationship is, in a restorative case -----------------------------------------


def test_the_relationship_state_is_the_latest_word_said_in_the_case(cast):
    samples = trust_sample_objects(cast)
    relationship, case = samples.relationship, samples.case
    assert restorative_case_relationship_state(case) is None

    def stage(entry_type: EntryType, payload: dict[str, object]) -> Entry:
        return trust_entry_add(
            relationship=relationship, entry_type=entry_type, author_organisation=cast.local_authority_a,
            author_user=cast.commissioner_a, body="A stage of the case.", payload=payload,
        )  # fmt: skip

    conversation = stage(
        EntryType.RESTORATIVE_CONVERSATION, {"restorative_case": case.pk, "relationship_state": "rapprochement"}
    )
    assert restorative_case_relationship_state(case) == conversation
    stage(EntryType.REVIEW, {"restorative_case": case.pk})  # says nothing of where the relationship is
    other_concern = _concern(relationship, cast, "provider", "Fees paid late again.")
    other_case = restorative_case_open(
        concern=other_concern, opened_by=cast.provider_p, organisation=cast.provider_organisation_p
    )
    stage(EntryType.REVIEW, {"restorative_case": other_case.pk, "relationship_state": "resentment"})
    assert restorative_case_relationship_state(case) == conversation
    review = stage(EntryType.REVIEW, {"restorative_case": case.pk, "relationship_state": "reconciliation"})
    word = restorative_case_relationship_state(case)
    assert (word, word.payload["relationship_state"] if word else None) == (review, "reconciliation")


def test_entries_of_hold_one_relationship_only(relationship, five_entries, cast):
    from trust.models import RelationshipOrigin
    from trust.selectors import entries_of
    from trust.services import relationship_get_or_create

    other = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_b,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.INVITATION,
    )
    assert list(entries_of(relationship).order_by("sequence")) == five_entries
    assert not entries_of(other).exists()


def test_a_relationship_is_opened_with_the_other_kind_of_organisation(cast):
    from trust.selectors import organisations_to_open_with

    others = organisations_to_open_with([cast.local_authority_a], {"provider", "federation"})
    assert cast.provider_organisation_p in others
    assert cast.local_authority_a not in others
    assert cast.local_authority_b not in others
