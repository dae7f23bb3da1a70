"""JSON past JSON_MAX_DEPTH: counted without recursion, and refused by the API with a 400."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from config.json_limits import JsonTooDeepError, json_depth, json_loads_limited
from tests.conftest import Cast
from tests.idempotency import api_key_header
from trust.models import Entry, RelationshipOrigin
from trust.services import relationship_get_or_create

DEEP = "[" * 100_000 + "]" * 100_000  # json.loads raised RecursionError on this


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("3", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "\\"[[[", {"k]}": "{{{"}]', 2),  # brackets inside strings, escaped quotes
        (DEEP, 100_000),
    ],
)
def test_depth_counts_brackets_outside_strings(text, depth):
    assert json_depth(text) == depth


def test_depth_is_counted_in_linear_time_even_in_unterminated_strings():
    hostile = '"\\' * 500_000  # a quote and a backslash, a million characters: no string ever closes
    started = time.perf_counter()

    assert json_depth(hostile + "[[]]") == 0  # the brackets are inside the unterminated string
    assert time.perf_counter() - started < 5  # it took hours when a failed match rescanned from each quote


def test_json_at_the_limit_is_read_and_past_it_refused(settings):
    settings.JSON_MAX_DEPTH = 3
    assert json_loads_limited('{"a": [[1]]}') == {"a": [[1]]}
    assert json_loads_limited(b'\xef\xbb\xbf{"a": [[1]]}') == {"a": [[1]]}  # bytes, with a BOM
    with pytest.raises(JsonTooDeepError, match="nested more than 3 levels deep"):
        json_loads_limited('{"a": [[[1]]]}')
    with pytest.raises(JsonTooDeepError, match="nested more than 64 levels deep"):
        json_loads_limited(DEEP, max_depth=64)


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP, json.dumps({"entry_type": "note", "body": "x", "extra": [[[[[[]]]]]] * 1})])
def test_the_trust_entries_api_answers_400_to_json_nested_too_deep(client, cast: Cast, settings, body):
    settings.JSON_MAX_DEPTH = 4  # the second body nests six levels
    relationship = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.PLACEMENT,
    )
    entries = Entry.objects.count()
    client.force_login(cast.commissioner_a)

    response = client.post(
        reverse("api:relationship_entries", args=[relationship.pk]),
        body,
        content_type="application/json",
        headers=api_key_header(),
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - the JSON is nested more than 4 levels deep (JSON_MAX_DEPTH)"
    }
    assert Entry.objects.count() == entries


@pytest.mark.django_db
def test_the_api_still_reads_ordinary_json(client, cast: Cast):
    relationship = relationship_get_or_create(
        local_authority_organisation=cast.local_authority_a,
        counterpart=cast.provider_organisation_p,
        created_via=RelationshipOrigin.PLACEMENT,
    )
    client.force_login(cast.commissioner_a)

    response = client.post(
        reverse("api:relationship_entries", args=[relationship.pk]),
        {"entry_type": "note", "body": "Visit arranged for Tuesday."},
        content_type="application/json",
        headers=api_key_header(),
    )

    assert response.status_code == 201, response.content
    assert Entry.objects.filter(relationship=relationship).count() == 1
