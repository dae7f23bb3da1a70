"""Matching the local authority names other publishers write to the reference list's ONS codes.

Ofsted writes "Durham", "Bristol", "Kingston upon Hull", "Herefordshire", "Southend on Sea",
"Telford & Wrekin", "St Helens", "Bournemouth, Christchurch & Poole"; ONS writes "County
Durham", "Bristol, City of", "Southend-on-Sea", "St. Helens". Names are compared in a
normalised form (case, punctuation, "&"/"and", "City of", "County of", hyphens), with a small
alias table for the rest. Authorities since reorganised keep their historic code: a name
shared by a historic and a current authority (Dorset, Buckinghamshire, North Yorkshire,
Somerset) resolves to whichever existed on the date of the source.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Normalised Ofsted (and other publishers') spellings -> normalised reference names.
ALIASES: dict[str, str] = {
    "durham": "county durham",
    "hull": "kingston upon hull",
    "bcp": "bournemouth christchurch and poole",
    "bournemouth christchurch poole": "bournemouth christchurch and poole",
    "city of westminster": "westminster",
    "westminster city": "westminster",
    "kensington chelsea": "kensington and chelsea",
    "hammersmith fulham": "hammersmith and fulham",
    "barking dagenham": "barking and dagenham",
    "brighton": "brighton and hove",
    "windsor maidenhead": "windsor and maidenhead",
    "scilly isles": "isles of scilly",
    "bath north east somerset": "bath and north east somerset",
    "bath and ne somerset": "bath and north east somerset",
    "ne lincolnshire": "north east lincolnshire",
    "cheshire west chester": "cheshire west and chester",
    "westmorland furness": "westmorland and furness",
}

# The principal areas of Wales: named in Ofsted's file for Welsh-registered providers, and
# never an English children's services authority.
WELSH_AUTHORITIES: frozenset[str] = frozenset(
    {
        "blaenau gwent",
        "bridgend",
        "caerphilly",
        "cardiff",
        "carmarthenshire",
        "ceredigion",
        "conwy",
        "denbighshire",
        "flintshire",
        "gwynedd",
        "isle of anglesey",
        "anglesey",
        "merthyr tydfil",
        "monmouthshire",
        "neath port talbot",
        "newport",
        "pembrokeshire",
        "powys",
        "rhondda cynon taf",
        "swansea",
        "torfaen",
        "vale of glamorgan",
        "wrexham",
    }
)

_PREFIXES = ("city of ", "county of ", "royal borough of ", "london borough of ")
_SUFFIXES = (" city of", " county of")
# "City of London" is the authority's whole name, not a prefix on "London".
_KEEP_WHOLE = frozenset({"city of london"})


def normalise_authority_name(name: str) -> str:
    """The comparable form of an authority name: "Telford & Wrekin" -> "telford and wrekin"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("-", " ").replace("'", "")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = " ".join(text.split())
    text = re.sub(r"\bst\b", "saint", text)
    if text in _KEEP_WHOLE:
        return text
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    for suffix in _SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return ALIASES.get(text, text)


@dataclass(frozen=True)
class AuthorityName:
    """An authority of the reference list, as the matcher needs it."""

    pk: int
    ons_code: str
    name: str
    ended_on: datetime.date | None


class UnknownAuthorityError(ValueError):
    """The name matches no authority of the reference list."""


class NotEnglishAuthorityError(UnknownAuthorityError):
    """The name is a Welsh (or other non-English) authority's."""


class AuthorityNameMatcher:
    """Resolves names to reference authorities, choosing by date between historic and current."""

    def __init__(self, authorities: Iterable[AuthorityName]) -> None:
        self._by_name: dict[str, list[AuthorityName]] = {}
        for authority in authorities:
            self._by_name.setdefault(normalise_authority_name(authority.name), []).append(authority)

    def match(self, name: str, *, on: datetime.date) -> AuthorityName:
        """The authority `name` meant on date `on`; raises UnknownAuthorityError if none."""
        key = normalise_authority_name(name)
        candidates = self._by_name.get(key)
        if not candidates:
            if key in WELSH_AUTHORITIES:
                raise NotEnglishAuthorityError(f"not an English authority: {name!r}")
            raise UnknownAuthorityError(f"unknown local authority {name!r}")
        return _existing_on(candidates, on)


def _existing_on(candidates: list[AuthorityName], on: datetime.date) -> AuthorityName:
    """The candidate that existed on the date; failing that, the latest to have ended.

    Several authorities can share a name across a reorganisation (the county of North
    Yorkshire until March 2023, the unitary authority from April 2023).
    """
    existing = [authority for authority in candidates if authority.ended_on is None or authority.ended_on > on]
    if existing:
        # The soonest-ending is the one in force: a historic authority before the current one.
        return min(existing, key=lambda authority: authority.ended_on or datetime.date.max)
    return max(candidates, key=lambda authority: authority.ended_on or datetime.date.max)
