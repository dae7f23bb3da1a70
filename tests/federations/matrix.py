"""The federations' rows of the permission matrix (samples: tests/federations/samples.py).

Provider P's administrator coordinates federation F (the sample of every F page); provider
Q's staff belong to another federation G; commissioners and the organiser belong to none.
A federation's own pages answer its coordinators (and, for reading, its members' and invited
providers' staff) and 404 everyone else, staff administrators included."""

from __future__ import annotations

PRINCIPALS = ("anonymous", "commissioner_a", "commissioner_b", "provider_p", "provider_q", "organiser", "admin")


def _row(anonymous: str, signed_in: str, **overrides: str) -> dict[str, str]:
    outcomes = dict.fromkeys(PRINCIPALS, signed_in)
    outcomes["anonymous"] = anonymous
    outcomes.update(overrides)
    return outcomes


PUBLIC = _row("ok", "ok")
COORDINATOR_OF_F = _row("login", "hidden", provider_p="ok")

FEDERATION_MATRIX: dict[str, dict[str, str]] = {
    "federations:list": PUBLIC,
    "federations:detail": PUBLIC,
    "federations:market": PUBLIC,
    # Provider staff (P and Q) see their federations and invitations.
    "federations:yours": _row("login", "hidden", provider_p="ok", provider_q="ok"),
    # Only a provider's administrator forms a federation (Q's person is a plain member).
    "federations:form": _row("login", "hidden", provider_p="ok"),
    # F's own pages: Q (of federation G) and non-members get 404.
    "federations:manage": COORDINATOR_OF_F,
    "federations:invite": COORDINATOR_OF_F,
    "federations:withdraw": COORDINATOR_OF_F,
    "federations:coordinator_add": COORDINATOR_OF_F,
    "federations:coordinator_end": COORDINATOR_OF_F,
    "federations:dissolve": COORDINATOR_OF_F,
    # H's invitation to P: P's administrator answers it.
    "federations:answer": _row("login", "hidden", provider_p="ok"),
    # P's membership of F: P's administrator may take P out.
    "federations:leave": _row("login", "hidden", provider_p="ok"),
    # F's joint inbox and offering for a member: F's coordinators only (never G's, never others').
    "federations:inbox": COORDINATOR_OF_F,
    "federations:offer": COORDINATOR_OF_F,
    # P's choice about F's joint inbox, and an offer F made for P: P's own people.
    "federations:inbox_share": _row("login", "hidden", provider_p="ok"),
    "federations:offer_withdraw": _row("login", "hidden", provider_p="ok"),
    # A framework's small providers and federations: whoever sees the framework (the sample is A's,
    # with P approved); A's commissioners set its lots' terms there.
    "federations:framework_small_providers": _row("login", "hidden", commissioner_a="ok", provider_p="ok"),
    # The federated profile is open data.
    "api:federations": PUBLIC,
    "api:federation": PUBLIC,
    # The administration site only reads the federations' history: nobody adds or deletes there.
    **{
        f"admin:federations_{model}_{action}": _row("login", "forbidden")
        for model in (
            "federationprofile",
            "federationmembership",
            "coordinatorappointment",
            "federatedoffer",
            "lotterms",
            "frameworkfederation",
        )
        for action in ("add", "delete")
    },
}
