"""The relationship page's side lists (open commitments, restorative cases, redaction requests)
come a page at a time, each with its own page parameter so that turning one leaves the rest."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import Cast
from trust import views
from trust.models import EntryType, Relationship
from trust.redaction import redaction_request_create
from trust.services import restorative_case_open, trust_entry_add

pytestmark = pytest.mark.django_db

COMMITMENT = re.compile(r">(Commitment \d+)</a>")
CASE = re.compile(r">(Case on concern \d+)</a>")
REDACTION = re.compile(r">(Entry \d+)</a>: asked by")


@pytest.fixture
def three_of_each(relationship: Relationship, cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Relationship:
    """Three open commitments (two due the same day), three cases and three redaction requests;
    two to a page."""
    monkeypatch.setattr(views, "SIDE_LIST_PER_PAGE", 2)
    for number, due in enumerate(("2030-01-02", "2030-01-01", "2030-01-01")):
        trust_entry_add(
            relationship=relationship,
            entry_type=EntryType.COMMITMENT,
            author_organisation=cast.provider_organisation_p,
            author_user=cast.provider_p,
            body=f"We will do thing {number}.",
            payload={
                "what": f"Commitment {number}",
                "by_whom": "Registered manager",
                "owner_organisation": cast.provider_organisation_p.pk,
                "due_date": due,
            },
        )
    for number in range(3):
        concern = trust_entry_add(
            relationship=relationship,
            entry_type=EntryType.CONCERN,
            author_organisation=cast.local_authority_a,
            author_user=cast.commissioner_a,
            body=f"Concern {number}.",
        )
        restorative_case_open(concern=concern, opened_by=cast.commissioner_a, organisation=cast.local_authority_a)
        redaction_request_create(
            entry=concern,
            requested_by=cast.provider_p,
            organisation=cast.provider_organisation_p,
            reason="Too much detail.",
        )
    return relationship


def _page(client: Client, relationship: Relationship, query: str = "") -> str:
    response = client.get(f"/relationships/{relationship.pk}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_each_side_list_turns_its_own_pages(client: Client, cast: Cast, three_of_each: Relationship) -> None:
    client.force_login(cast.commissioner_a)

    first = _page(client, three_of_each)
    second = _page(client, three_of_each, "?commitments_page=2&cases_page=2&redactions_page=2")

    # Soonest due first, then in the order written; cases newest first; requests oldest first.
    assert COMMITMENT.findall(first) == ["Commitment 1", "Commitment 2"]
    assert COMMITMENT.findall(second) == ["Commitment 0"]
    assert CASE.findall(first) == ["Case on concern 8", "Case on concern 6"]
    assert CASE.findall(second) == ["Case on concern 4"]
    assert REDACTION.findall(first) == ["Entry 4", "Entry 6"]
    assert REDACTION.findall(second) == ["Entry 8"]
    assert 'href="?commitments_page=2#commitments" rel="next"' in first
    assert 'href="?cases_page=2#cases" rel="next"' in first
    assert 'href="?redactions_page=2#redactions" rel="next"' in first


def test_turning_one_list_leaves_the_others_and_the_log_where_they_were(
    client: Client, cast: Cast, three_of_each: Relationship
) -> None:
    client.force_login(cast.commissioner_a)

    page = _page(client, three_of_each, "?commitments_page=2")

    assert COMMITMENT.findall(page) == ["Commitment 0"]
    assert CASE.findall(page) == ["Case on concern 8", "Case on concern 6"]
    assert 'href="?commitments_page=2&amp;cases_page=2#cases" rel="next"' in page
    assert 'href="?commitments_page=1#commitments" rel="prev"' in page


def test_a_bad_page_number_shows_the_nearest_page(client: Client, cast: Cast, three_of_each: Relationship) -> None:
    client.force_login(cast.commissioner_a)

    past_the_end = _page(client, three_of_each, "?commitments_page=99&cases_page=first&redactions_page=-1")

    assert COMMITMENT.findall(past_the_end) == ["Commitment 0"]
    assert CASE.findall(past_the_end) == ["Case on concern 8", "Case on concern 6"]
    assert REDACTION.findall(past_the_end) == ["Entry 8"]
