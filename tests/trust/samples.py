"""A relationship of authority A and provider P with one of each thing a trust URL can name,
for the permission matrix (tests/test_permission_matrix.py) and the page and API tests."""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import Cast
from trust.models import Entry, EntryType, RedactionRequest, Relationship, RelationshipOrigin, RestorativeCase
from trust.redaction import redaction_request_create
from trust.services import relationship_get_or_create, restorative_case_open, trust_entry_add


@dataclass(frozen=True)
class TrustSamples:
    relationship: Relationship
    commitment: Entry
    concern: Entry
    case: RestorativeCase
    # Authority A's request to redact the commitment, waiting for P (only when asked for).
    redaction: RedactionRequest | None = None


def trust_sample_objects(cast: Cast, *, with_redaction: bool = False) -> TrustSamples:
    relationship = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.INVITATION,
    )
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
    case = restorative_case_open(concern=concern, opened_by=cast.commissioner_a, organisation=cast.local_authority_a)
    redaction = (
        redaction_request_create(
            entry=commitment,
            requested_by=cast.commissioner_a,
            organisation=cast.local_authority_a,
            reason="It says more about a person than the log needs.",
        )
        if with_redaction
        else None
    )
    return TrustSamples(relationship, commitment, concern, case, redaction)
