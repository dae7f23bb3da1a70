"""Permission matrix rows and sample URL arguments for the trust log's API.

Rows are spelt out here rather than built with tests/test_permission_matrix.py's `row`, which
imports this module. Anonymous callers get DRF's 403 JSON; a relationship and its log are
seen only by its two organisations (staff administrators read logs by audited access on the
pages, never through the API), everyone else gets 404.
"""

from __future__ import annotations

from tests.trust.samples import TrustSamples

_SIGNED_IN = ("commissioner_a", "commissioner_b", "provider_p", "provider_q", "organiser", "admin")

# Every signed-in person may list relationships: the list holds only their own.
API_SIGNED_IN = {"anonymous": "forbidden", **dict.fromkeys(_SIGNED_IN, "ok")}
# The sample relationship is authority A's with provider P.
API_RELATIONSHIP_OF_A_AND_P = {
    "anonymous": "forbidden",
    **dict.fromkeys(_SIGNED_IN, "hidden"),
    "commissioner_a": "ok",
    "provider_p": "ok",
}

API_MATRIX: dict[str, dict[str, str]] = {
    "api:relationships": API_SIGNED_IN,
    "api:relationship": API_RELATIONSHIP_OF_A_AND_P,
    "api:relationship_entries": API_RELATIONSHIP_OF_A_AND_P,
}


def api_samples(objects: TrustSamples) -> dict[str, dict[str, str]]:
    pk = str(objects.relationship.pk)
    return {"api:relationship": {"pk": pk}, "api:relationship_entries": {"pk": pk}}
