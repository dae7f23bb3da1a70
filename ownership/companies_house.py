"""Companies House's persons-with-significant-control (PSC) bulk snapshot, read line by line.

The snapshot is one JSON object a line: `{"company_number": "...", "data": {"kind": ...}}`,
several gigabytes in all, ending with a `totals#persons-of-significant-control-snapshot` line.
This module reads it without ever holding it whole, skips the companies the graph does not
know before parsing their JSON (a regular expression finds the company number at the start of
the line), and translates the rest into graph fields. No database writes here (those are in
ownership.services).

Natures of control follow Companies House's enumerations (companieshouse/api-enumerations,
psc_descriptions.yml): "ownership-of-shares-75-to-100-percent" is more than 75% of the shares,
"-as-trust", "-as-firm" and the LLP, partnership and overseas-entity variants name the same
interest held another way. Individuals are kept by name only, as Companies House publishes it:
never a date of birth or an address.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from config.json_limits import JsonTooDeepError, json_loads_limited
from ownership.bods import InterestFields, company_number_normalise
from ownership.models import EntityKind, InterestType, OwnerCategory, UnspecifiedReason

SOURCE = "Companies House PSC snapshot"

INDIVIDUAL = "individual-person-with-significant-control"
CORPORATE = "corporate-entity-person-with-significant-control"
LEGAL_PERSON = "legal-person-person-with-significant-control"
SUPER_SECURE = "super-secure-person-with-significant-control"
STATEMENT = "persons-with-significant-control-statement"
EXEMPTIONS = "exemptions"
TOTALS = "totals#persons-of-significant-control-snapshot"
# Beneficial owners of overseas entities share the file in some editions; read like their kin.
PERSON_KINDS = frozenset({INDIVIDUAL, "individual-beneficial-owner"})
CORPORATE_KINDS = frozenset({CORPORATE, "corporate-entity-beneficial-owner"})
LEGAL_PERSON_KINDS = frozenset({LEGAL_PERSON, "legal-person-beneficial-owner"})
SUPER_SECURE_KINDS = frozenset({SUPER_SECURE, "super-secure-beneficial-owner"})
PSC_KINDS = PERSON_KINDS | CORPORATE_KINDS | LEGAL_PERSON_KINDS | SUPER_SECURE_KINDS
KINDS = PSC_KINDS | {STATEMENT, EXEMPTIONS, TOTALS}

# A PSC statement says why a company names no (or not every) person with significant control;
# the BODS unspecifiedReason that says the same. The "-partnership" forms read like these.
STATEMENT_REASONS = {
    "no-individual-or-entity-with-signficant-control": UnspecifiedReason.NO_BENEFICIAL_OWNERS,
    "no-individual-or-entity-with-significant-control": UnspecifiedReason.NO_BENEFICIAL_OWNERS,
    "psc-exists-but-not-identified": UnspecifiedReason.SUBJECT_UNABLE_TO_CONFIRM,
    "psc-details-not-confirmed": UnspecifiedReason.SUBJECT_UNABLE_TO_CONFIRM,
    "steps-to-find-psc-not-yet-completed": UnspecifiedReason.SUBJECT_UNABLE_TO_CONFIRM,
    "psc-contacted-but-no-response": UnspecifiedReason.PARTY_HAS_NOT_PROVIDED,
    "psc-has-failed-to-confirm-changed-details": UnspecifiedReason.PARTY_HAS_NOT_PROVIDED,
    "restrictions-notice-issued-to-psc": UnspecifiedReason.PARTY_HAS_NOT_PROVIDED,
    "no-beneficial-owner-identified": UnspecifiedReason.SUBJECT_UNABLE_TO_CONFIRM,
    "at-least-one-beneficial-owner-unidentified": UnspecifiedReason.SUBJECT_UNABLE_TO_CONFIRM,
    "information-not-provided-for-at-least-one-beneficial-owner": UnspecifiedReason.PARTY_HAS_NOT_PROVIDED,
}
# Statements that say nothing is missing: no undisclosed owner to record.
STATEMENTS_WITHOUT_OPACITY = frozenset({"all-beneficial-owners-identified"})

# Where Companies House registers companies: a corporate PSC registered there is a company we
# can follow by its number (its own PSCs are in the same snapshot).
_UK_REGISTERS = frozenset(
    {
        "england",
        "wales",
        "england and wales",
        "england & wales",
        "scotland",
        "northern ireland",
        "united kingdom",
        "uk",
        "great britain",
        "gb",
        "companies house",
        "registrar of companies for england and wales",
        "registrar of companies",
    }
)
_INTEREST_OF_NATURE = (
    ("ownership-of-shares", InterestType.SHAREHOLDING),
    ("voting-rights", InterestType.VOTING_RIGHTS),
    ("right-to-share-surplus-assets", InterestType.RIGHTS_TO_SURPLUS_ASSETS),
    ("part-right-to-share-surplus-assets", InterestType.RIGHTS_TO_SURPLUS_ASSETS),
    ("right-to-appoint-and-remove", InterestType.APPOINTMENT_OF_BOARD),
    ("significant-influence-or-control", InterestType.OTHER_INFLUENCE_OR_CONTROL),
)
_HOLDING_FORM = re.compile(
    r"(-as-(control-over-)?(trust|firm))?(-limited-liability-partnership|-registered-overseas-entity)?$"
)
_RANGE = re.compile(r"-(\d+)-to-(\d+)-percent$")
_MORE_THAN = re.compile(r"-more-than-(\d+)-percent$")
_COMPANY_NUMBER = re.compile(rb'^\s*\{\s*"company_number"\s*:\s*"([^"]*)"')
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_TAIL_BYTES = 64 * 1024
PROGRESS_EVERY = 100_000


class PscFileError(Exception):
    """The file as a whole is not a Companies House PSC snapshot (nothing is written)."""


# ---------------------------------------------------------------- natures of control


def nature_interest(nature: str) -> InterestFields:
    """The BODS interest a nature of control states; an unrecognised one stays of unknown kind."""
    base = _HOLDING_FORM.sub("", nature.strip().lower(), count=1)
    interest_type = next((kind for prefix, kind in _INTEREST_OF_NATURE if base.startswith(prefix)), None)
    if interest_type is None:
        return InterestFields(interest_type=InterestType.UNKNOWN)
    if found := _RANGE.search(base):
        low, high = Decimal(found.group(1)), Decimal(found.group(2))
        return InterestFields(
            interest_type=interest_type, share_minimum=low, share_exclusive_minimum=True, share_maximum=high
        )
    if found := _MORE_THAN.search(base):
        return InterestFields(
            interest_type=interest_type, share_minimum=Decimal(found.group(1)), share_exclusive_minimum=True
        )
    return InterestFields(interest_type=interest_type)


# ---------------------------------------------------------------- one line -> fields


@dataclass(frozen=True)
class Party:
    """Who holds the interest: an individual, a company, a legal person, or nobody disclosed."""

    record_id: str
    name: str = ""
    kind: str = EntityKind.REGISTERED_ENTITY
    category: str = OwnerCategory.UNKNOWN
    jurisdiction: str = ""
    company_number: str = ""
    unspecified_reason: str = ""
    unspecified_description: str = ""


@dataclass(frozen=True)
class Control:
    """One PSC (or statement) line of a company the graph knows: who, what interests, when."""

    company_number: str
    record_id: str  # from the PSC's own Companies House link: stable across snapshots
    party: Party
    interests: list[InterestFields]
    ceased: bool = False  # a super-secure PSC says it ceased without a date


@dataclass(frozen=True)
class Rejected:
    reason: str


@dataclass(frozen=True)
class Totals:
    generated_on: datetime.date | None


@dataclass(frozen=True)
class Other:
    """A line of the snapshot that holds nothing for the graph (exemptions)."""

    kind: str


Line = Control | Rejected | Totals | Other


def _date(data: dict[str, Any], key: str) -> datetime.date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError as error:
        raise ValueError(f"{key} {value!r} is not a date") from error


def _self_link(data: dict[str, Any]) -> str:
    link = str((data.get("links") or {}).get("self") or "").strip()
    if not link:
        raise ValueError("the PSC has no links.self to identify it")
    return link


def _uk_registered(identification: dict[str, Any]) -> bool:
    places = (identification.get("country_registered"), identification.get("place_registered"))
    return any(str(place or "").strip().lower() in _UK_REGISTERS for place in places)


def _corporate_party(data: dict[str, Any], kind: str) -> Party:
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValueError("the corporate PSC has no name")
    identification = data.get("identification") or {}
    number = company_number_normalise(str(identification.get("registration_number") or ""))
    if kind in LEGAL_PERSON_KINDS:
        # A legal person (a government body, a corporation sole) has no company number to follow.
        key = re.sub(r"\W+", "-", name.lower()).strip("-")
        return Party(record_id=f"psc-legal-person:{key}"[:255], name=name, kind=EntityKind.LEGAL_ENTITY)
    if _uk_registered(identification) and number and len(number) <= 8:
        return Party(
            record_id=f"GB-COH-{number}",
            name=name,
            category=OwnerCategory.COMPANY,
            jurisdiction="GB",
            company_number=number,
        )
    country = str(identification.get("country_registered") or "").strip()
    key = number or re.sub(r"\W+", "-", name.lower()).strip("-")
    return Party(record_id=f"psc-entity:{country.lower()}:{key}"[:255], name=name, category=OwnerCategory.COMPANY)


def _individual_party(data: dict[str, Any], link: str) -> Party:
    # Only the name Companies House publishes; date of birth and address are never read.
    name = str(data.get("name") or "").strip()
    if not name:
        elements = data.get("name_elements") or {}
        name = " ".join(str(elements[key]) for key in ("forename", "surname") if elements.get(key))
    if not name:
        raise ValueError("the individual PSC has no name")
    return Party(
        record_id=f"psc-person:{link}"[:255], name=name, kind=EntityKind.PERSON, category=OwnerCategory.INDIVIDUAL
    )


def _unspecified(reason: str, description: str) -> Party:
    return Party(record_id="", unspecified_reason=reason, unspecified_description=description)


def _psc_control(company_number: str, data: dict[str, Any], kind: str) -> Control:
    link = _self_link(data)
    start, end = _date(data, "notified_on"), _date(data, "ceased_on")
    if start and end and end < start:
        raise ValueError(f"ceased_on {end} is before notified_on {start}")
    if kind in SUPER_SECURE_KINDS:
        party = _unspecified(UnspecifiedReason.PARTY_EXEMPT, str(data.get("description") or kind))
        natures: list[str] = []
    else:
        party = _individual_party(data, link) if kind in PERSON_KINDS else _corporate_party(data, kind)
        natures = sorted({str(nature) for nature in data.get("natures_of_control") or []})
    # The PSC regime names beneficial owners and controllers: an individual's interests are
    # beneficial ownership or control; a company's are the route to its own PSCs.
    beneficial = kind in PERSON_KINDS
    interests = [
        InterestFields(
            **{
                **nature_interest(nature).as_dict(),
                "start_date": start,
                "end_date": end,
                "beneficial_ownership_or_control": beneficial,
            }
        )
        for nature in natures
    ] or [InterestFields(interest_type=InterestType.UNKNOWN, start_date=start, end_date=end)]
    return Control(company_number, f"psc:{link}"[:250], party, interests, ceased=data.get("ceased") is True)


def _statement_control(company_number: str, data: dict[str, Any]) -> Control | Other:
    code = str(data.get("statement") or "").strip()
    if not code:
        raise ValueError("the PSC statement has no statement code")
    plain = code.removesuffix("-partnership")
    if plain in STATEMENTS_WITHOUT_OPACITY:
        return Other(STATEMENT)
    reason = STATEMENT_REASONS.get(plain, UnspecifiedReason.UNKNOWN)
    start, end = _date(data, "notified_on"), _date(data, "ceased_on")
    interest = InterestFields(interest_type=InterestType.UNKNOWN, start_date=start, end_date=end)
    link = _self_link(data)
    return Control(company_number, f"psc:{link}"[:250], _unspecified(reason, f"PSC statement: {code}"), [interest])


def _totals(data: dict[str, Any]) -> Totals:
    try:
        return Totals(_date(data, "generated_at"))
    except ValueError:
        return Totals(None)


def line_read(text: str | bytes) -> Line:
    """What one line of the snapshot says (a company's number is already known to be wanted)."""
    try:
        record = json_loads_limited(text)
    except JsonTooDeepError as error:  # json would recurse once per level: RecursionError
        return Rejected(str(error))
    except json.JSONDecodeError as error:
        return Rejected(f"not JSON: {error.msg}")
    data = record.get("data") if isinstance(record, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        return Rejected("not a PSC snapshot record: no data.kind")
    kind = data["kind"]
    try:
        if kind == TOTALS:
            return _totals(data)
        if kind not in KINDS:
            return Rejected(f"unknown kind {kind!r}")
        number = company_number_normalise(str(record.get("company_number") or ""))
        if not number or len(number) > 8:
            return Rejected(f"company_number {record.get('company_number')!r} is not a Companies House number")
        if kind == EXEMPTIONS:
            return Other(EXEMPTIONS)
        if kind == STATEMENT:
            return _statement_control(number, data)
        return _psc_control(number, data, kind)
    except (ValueError, TypeError, AttributeError) as error:
        return Rejected(str(error))


# ---------------------------------------------------------------- the file


@dataclass
class Reading:
    """What a pass over the file found, besides the lines it yields."""

    lines: int = 0
    skipped: int = 0  # lines of companies not wanted, skipped unparsed
    wanted: int = 0  # lines of wanted companies
    recognised: int = 0  # lines that are PSC snapshot records at all
    exemptions: int = 0
    totals: list[Totals] = field(default_factory=list)


def snapshot_read(
    path: Path, wanted: set[str], reading: Reading, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[int, Control | Rejected]]:
    """(line number, what it says) for every line of a wanted company, streaming the file.

    Lines of other companies are counted as skipped without parsing their JSON. `reading`
    collects the counts; `progress` is called with the line number every PROGRESS_EVERY lines.
    """
    with path.open("rb") as snapshot:
        for number, raw in enumerate(snapshot, start=1):
            reading.lines = number
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(number)
            if not raw.strip():
                continue
            found = _COMPANY_NUMBER.match(raw)
            if found is not None:
                reading.recognised += 1
                if company_number_normalise(found.group(1).decode("ascii", "replace")) not in wanted:
                    reading.skipped += 1
                    continue
                reading.wanted += 1
            line = line_read(raw.rstrip(b"\r\n"))
            if isinstance(line, Rejected):
                yield number, line
                continue
            reading.recognised += found is None
            if isinstance(line, Totals):
                reading.totals.append(line)
            elif isinstance(line, Other):
                reading.exemptions += line.kind == EXEMPTIONS
            else:
                yield number, line


def snapshot_check(path: Path, lines: int = 20) -> None:
    """Refuse, before anything is written, a file whose first lines are no PSC snapshot records."""
    try:
        with path.open("rb") as snapshot:
            head = [raw for raw in (snapshot.readline() for _ in range(lines)) if raw.strip()]
    except OSError as error:
        raise PscFileError(f"cannot read {path.name}: {error}") from error
    if not head:
        raise PscFileError(f"{path.name} is empty")
    if not any(not isinstance(line_read(raw), Rejected) for raw in head):
        raise PscFileError(
            f"{path.name} is not a Companies House PSC snapshot: none of its first {len(head)} lines is a "
            f"JSON object with a company_number and a data.kind of the snapshot"
        )


def snapshot_date_of(path: Path) -> datetime.date | None:
    """The snapshot's date from its name ("persons-with-significant-control-snapshot-2026-11-30.txt")
    or, failing that, from its totals line (the file's last), read from the end of the file."""
    if found := _DATE_IN_NAME.search(path.name):
        try:
            return datetime.date.fromisoformat(found.group(1))
        except ValueError:
            pass
    with path.open("rb") as snapshot:
        snapshot.seek(0, os.SEEK_END)
        size = snapshot.tell()
        snapshot.seek(max(size - _TAIL_BYTES, 0))
        tail = snapshot.read().splitlines()
    for raw in reversed(tail):
        if TOTALS.encode() in raw:
            line = line_read(raw)
            if isinstance(line, Totals):
                return line.generated_on
    return None
