"""Permission matrix rows and sample URL arguments for the trust log's pages.

A relationship is seen by the members of its two organisations only (authority A and provider
P in the samples); a third organisation gets 404, as do staff administrators, who have no side
and read a log only through the audited page. The list of relationships is open to everyone
signed in: it lists the reader's own relationships (none for B, Q and the organiser) and tells
staff administrators how audited access works.
"""

from __future__ import annotations

from tests.trust.samples import TrustSamples

LOGIN, OK, HIDDEN = "login", "ok", "hidden"
PRINCIPALS = ("anonymous", "commissioner_a", "commissioner_b", "provider_p", "provider_q", "organiser", "admin")


def _row(anonymous: str, signed_in: str, **overrides: str) -> dict[str, str]:
    outcomes = {name: signed_in for name in PRINCIPALS}
    outcomes["anonymous"] = anonymous
    outcomes.update(overrides)
    return outcomes


# Authority A and provider P, the two sides of the sample relationship.
BOTH_SIDES = _row(LOGIN, HIDDEN, commissioner_a=OK, provider_p=OK)

PAGE_MATRIX: dict[str, dict[str, str]] = {
    "trust:relationship_list": _row(LOGIN, OK),
    "trust:relationship": BOTH_SIDES,
    "trust:entry_add": BOTH_SIDES,  # without ?type= it asks what to record
    # The sample concern already has its case: the page leads to it.
    "trust:case_open": BOTH_SIDES,
    "trust:case": BOTH_SIDES,
    "trust:pulse": BOTH_SIDES,
    # Staff administrators only, and it asks their reason before it shows anything.
    "trust:audited_access": _row(LOGIN, HIDDEN, admin=OK),
    # Either side asks to redact an entry (the sample concern has no request yet).
    "trust:redaction_request": BOTH_SIDES,
    # The asking side sees its request, the other side and staff decide (ADR 18); staff see
    # who wrote the entry and when, not what it says.
    "trust:redaction_decide": _row(LOGIN, HIDDEN, commissioner_a=OK, provider_p=OK, admin=OK),
}


def page_samples(objects: TrustSamples) -> dict[str, dict[str, str]]:
    relationship = {"pk": str(objects.relationship.pk)}
    return {
        "trust:relationship": relationship,
        "trust:entry_add": relationship,
        "trust:case_open": {**relationship, "entry": str(objects.concern.pk)},
        "trust:case": {**relationship, "case": str(objects.case.pk)},
        "trust:pulse": relationship,
        "trust:audited_access": relationship,
        "trust:redaction_request": {**relationship, "entry": str(objects.concern.pk)},
        "trust:redaction_decide": {**relationship, "redaction": str(objects.redaction.pk if objects.redaction else 0)},
    }
