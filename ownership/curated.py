"""Curated ownership edges: the CSVs of the research repository BenGoodair/Care-Markets
(see ownership/data/README.md), read into edges between named parties.

Reading only; ownership.services.curated_file_load writes them through the same services as
BODS. How each file's columns become BODS interests:

- shareholderss_list.csv: a shareholding, direct, with the "Direct %" as the exact share.
  The company database writes some shares as strings: ">75.00" is "more than 75%, at most
  100%", ">=50" "at least 50%", "<0.50" "at least 0, less than 0.5%"; "WO" (wholly owned)
  and "MO" (majority owned) are "more than 50%, at most 100%". A "-" is not "no share": it
  names an owner higher up the same group, held indirectly (Cambian Childcare: Advanced
  Childcare Services 100.00 directly, CareTech Holdings "-"), so it becomes an indirect
  `otherInfluenceOrControl` with beneficial ownership or control, the same control link as a
  global ultimate owner's. Other codes ("FC", "NG", "US", "n.a.", ...) say nothing about the
  share: a direct shareholding with no share, kept as a fact, not refused.
- holding_cos.csv: the company's global ultimate owner (GUO). No percentage is given, so the
  link is an indirect `otherInfluenceOrControl` with beneficial ownership or control and no
  share: ultimate-owner resolution treats it as control (the file states who ultimately
  controls), preferring it to a direct shareholder.
- GUO_shareholderss_list.csv: the GUO's shareholders, without percentages: shareholdings with
  no share (facts, not control).
- duo_corporate_pscs.csv: corporate persons with significant control. "Ownership of shares -
  between 25% and 50%" is a shareholding of more than 25% (exclusive) and at most 50%;
  "above 75%" is more than 75%; voting rights and surplus assets likewise; "significant
  influence or control" is `otherInfluenceOrControl` without a share; a blank nature an
  unknown interest.
- c_home_cats.csv: the research's classification of each company (Individual owned, ...),
  kept on the entity as `research_owner_type`.

Every link and classification read from these files is dated CURATED_VINTAGE: the research
matched the register of March 2023, so its links describe the market up to then.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ownership.bods import InterestFields, company_number_normalise, interest_record_id
from ownership.models import EntityKind, InterestType, OwnerCategory, OwnerType

SHAREHOLDERS = "shareholderss_list.csv"
HOLDING_COMPANIES = "holding_cos.csv"
GUO_SHAREHOLDERS = "GUO_shareholderss_list.csv"
CORPORATE_PSCS = "duo_corporate_pscs.csv"
CLASSIFICATIONS = "c_home_cats.csv"
LOOKUP_FILE = "lookup_fame_search_final.csv"
CORRECTIONS = "all_missing_info.csv"
FILES_IN_ORDER = (HOLDING_COMPANIES, SHAREHOLDERS, GUO_SHAREHOLDERS, CORPORATE_PSCS, CLASSIFICATIONS)

# The vintage of the research's matching: its company-database search matched the providers
# of Ofsted's register at 31 March 2023, so its links state the market as of that date
# (ownership/data/README.md). Every curated link and classification is observed_on it.
CURATED_VINTAGE = datetime.date(2023, 3, 31)

_MAJORITY_CODES = {"WO", "MO"}  # wholly owned, majority owned
_HELD_HIGHER_IN_GROUP = "-"  # an owner higher up the same group, held indirectly
# ">75.00", ">= 50", "<0.50", "≥25", "75.00%": a bound written before the number.
_SHARE_BOUND = re.compile(r"^(>=|=>|≥|>|<=|=<|≤|<)\s*(\d+(?:\.\d+)?)\s*%?$")
_SHARE_EXACT = re.compile(r"^(\d+(?:\.\d+)?)\s*%?$")
_CATEGORY_OF_TYPE = {
    "corporate": OwnerCategory.COMPANY,
    "corporate entity": OwnerCategory.COMPANY,
    "private equity firm": OwnerCategory.PRIVATE_EQUITY_FIRM,
    "financial company": OwnerCategory.INVESTMENT_FIRM,
    "mutual and pension fund, nominee, trust, trustee": OwnerCategory.INVESTMENT_FIRM,
    "foundation, research institute": OwnerCategory.CHARITY,
    "employees, managers, directors": OwnerCategory.INDIVIDUAL,
    "public authority, state, government": OwnerCategory.LOCAL_AUTHORITY,
}
_OWNER_TYPE_OF_SECTOR = {
    "individual owned": OwnerType.PRIVATE_INDIVIDUAL,
    "corporate owned": OwnerType.PRIVATE_CORPORATE,
    "investment owned": OwnerType.PRIVATE_INVESTMENT,
    "la owned company": OwnerType.LOCAL_AUTHORITY,
}
# all_missing_info.csv's Correct_category.
_OWNER_TYPE_OF_CATEGORY = {
    **_OWNER_TYPE_OF_SECTOR,
    "third sector": OwnerType.VOLUNTARY,
    "voluntary": OwnerType.VOLUNTARY,
    "charity": OwnerType.VOLUNTARY,
    "local authority": OwnerType.LOCAL_AUTHORITY,
    "la owned": OwnerType.LOCAL_AUTHORITY,
}
# A reason saying the company database matched the wrong company ("incorrect fame match",
# "wrong match", "mismatched"): the chain found for that company is not the home's.
_WRONG_MATCH = re.compile(r"\b(?:incorrect|wrong|mis)[\w ]*?match|\bmismatch", re.IGNORECASE)
_URN = re.compile(r"^[A-Z]{0,2}\d{6,8}$")
_NATURE_TYPES = (
    ("ownership of shares", InterestType.SHAREHOLDING),
    ("ownership of voting rights", InterestType.VOTING_RIGHTS),
    ("right to surplus assets", InterestType.RIGHTS_TO_SURPLUS_ASSETS),
    ("right to appoint and remove", InterestType.APPOINTMENT_OF_BOARD),
    ("significant influence or control", InterestType.OTHER_INFLUENCE_OR_CONTROL),
)
_BETWEEN = re.compile(r"between (\d+)% and (\d+)%")
_ABOVE = re.compile(r"(?:above|more than) (\d+)%|(\d+)% or more")
_NHS = re.compile(r"\bN ?H ?S\b")
_WORDS = {"LTD": "LIMITED", "CO": "COMPANY", "PLC": "PUBLIC LIMITED COMPANY", "UK": "UK"}


class CuratedFileError(Exception):
    """The file cannot be read at all."""


@dataclass(frozen=True)
class Party:
    name: str
    category: str = OwnerCategory.COMPANY
    jurisdiction: str = ""
    kind: str = EntityKind.REGISTERED_ENTITY


@dataclass(frozen=True)
class Edge:
    record_id: str
    subject: Party
    interested_party: Party
    fields: InterestFields


@dataclass(frozen=True)
class Classification:
    company_name: str
    owner_type: str


@dataclass(frozen=True)
class Rejection:
    reason: str


@dataclass(frozen=True)
class CompanyLink:
    """lookup_fame_search_final.csv: a Companies House company and the Ofsted name it trades as."""

    company_number: str
    ofsted_name: str


@dataclass(frozen=True)
class Correction:
    """all_missing_info.csv: the researcher's correction of one home's owner type."""

    urn: str
    owner_type: str
    company_name: str
    reason: str
    comment: str
    wrong_company_match: bool


Row = Edge | Classification | Rejection
_EdgeReader = Callable[[dict[str, str]], tuple[Party, Party, InterestFields]]


def name_normalise(name: str) -> str:
    """The form of a company name that matches across sources: upper case, '&' as AND, no
    punctuation or apostrophes, LTD as LIMITED, single spaces."""
    text = name.upper().replace("&", " AND ").replace("'", "").replace("\u2019", "")
    words = re.sub(r"[^A-Z0-9]+", " ", text).split()
    return " ".join(_WORDS.get(word, word) for word in words)


def entity_record_id(name: str) -> str:
    key = name_normalise(name)
    record_id = f"curated-entity:{key}"
    return record_id if len(record_id) <= 255 else "curated-entity:" + hashlib.sha256(key.encode()).hexdigest()


def _party(name: str, kind_text: str = "", country: str = "") -> Party:
    name = " ".join(name.split())
    category = _CATEGORY_OF_TYPE.get(kind_text.strip().lower(), OwnerCategory.COMPANY)
    if _NHS.search(name.upper()):
        category = OwnerCategory.HEALTH_BODY
    jurisdiction = country.strip().upper() if re.fullmatch(r"[A-Za-z]{2}", country.strip()) else ""
    kind = EntityKind.UNKNOWN_ENTITY if category == OwnerCategory.INDIVIDUAL else EntityKind.REGISTERED_ENTITY
    return Party(name=name, category=category, jurisdiction=jurisdiction, kind=kind)


def _share_of(text: str) -> InterestFields:
    """The "Direct %" column as an interest (see the module's docstring for each form)."""
    text = " ".join(text.split()).upper()
    if text == _HELD_HIGHER_IN_GROUP:
        return InterestFields(
            InterestType.OTHER_INFLUENCE_OR_CONTROL, direct=False, beneficial_ownership_or_control=True
        )
    if text in _MAJORITY_CODES:
        return InterestFields(
            InterestType.SHAREHOLDING,
            share_minimum=Decimal(50),
            share_exclusive_minimum=True,
            share_maximum=Decimal(100),
            direct=True,
        )
    if exact := _SHARE_EXACT.match(text):
        return InterestFields(InterestType.SHAREHOLDING, share_exact=_percentage(exact.group(1), text), direct=True)
    if bound := _SHARE_BOUND.match(text):
        return _share_range(bound.group(1), _percentage(bound.group(2), text))
    # A code the company database uses for "not given" ("FC", "NG", "US", "n.a."): no share.
    return InterestFields(InterestType.SHAREHOLDING, direct=True)


def _percentage(number: str, text: str) -> Decimal:
    value = Decimal(number)
    if not 0 <= value <= 100:
        raise ValueError(f"direct share {number}% is not a percentage")
    return value


def _share_range(operator: str, value: Decimal) -> InterestFields:
    """ ">75" is (75, 100]; ">=75" [75, 100]; "<0.5" [0, 0.5); "<=0.5" [0, 0.5]."""
    if operator in {">", ">=", "=>", "≥"}:
        return InterestFields(
            InterestType.SHAREHOLDING,
            share_minimum=value,
            share_exclusive_minimum=operator == ">",
            share_maximum=Decimal(100),
            direct=True,
        )
    return InterestFields(
        InterestType.SHAREHOLDING,
        share_minimum=Decimal(0),
        share_maximum=value,
        share_exclusive_maximum=operator == "<",
        direct=True,
    )


def nature_of_control(text: str) -> InterestFields:
    """A PSC 'nature of control' as an interest with its share range."""
    lowered = " ".join(text.lower().split())
    if not lowered:
        return InterestFields(InterestType.UNKNOWN)
    interest_type = next((kind for phrase, kind in _NATURE_TYPES if phrase in lowered), None)
    if interest_type is None:
        raise ValueError(f"nature of control {text!r} is not one this importer knows")
    if between := _BETWEEN.search(lowered):
        low, high = Decimal(between.group(1)), Decimal(between.group(2))
        return InterestFields(interest_type, share_minimum=low, share_exclusive_minimum=True, share_maximum=high)
    if above := _ABOVE.search(lowered):
        low = Decimal(above.group(1) or above.group(2))
        return InterestFields(
            interest_type, share_minimum=low, share_exclusive_minimum=True, share_maximum=Decimal(100)
        )
    return InterestFields(interest_type)


def _required(row: dict[str, str], *columns: str) -> list[str]:
    values = [(row.get(column) or "").strip() for column in columns]
    missing = [column for column, value in zip(columns, values, strict=True) if not value]
    if missing:
        raise ValueError(f"no value in {', '.join(missing)}")
    return values


def _shareholder_edge(row: dict[str, str]) -> tuple[Party, Party, InterestFields]:
    company, holder = _required(row, "Company.name", "SH...Name")
    return (
        _party(company),
        _party(holder, row.get("SH...Type", ""), row.get("SH...Country.ISO.code", "")),
        _share_of(row.get("SH...Direct..", "")),
    )


def _holding_edge(row: dict[str, str]) -> tuple[Party, Party, InterestFields]:
    company, owner = _required(row, "Company.name", "GUO...Name")
    fields = InterestFields(InterestType.OTHER_INFLUENCE_OR_CONTROL, direct=False, beneficial_ownership_or_control=True)
    return _party(company), _party(owner, row.get("GUO...Type", ""), row.get("GUO...Country.ISO.code", "")), fields


def _guo_shareholder_edge(row: dict[str, str]) -> tuple[Party, Party, InterestFields]:
    company, holder = _required(row, "Company.name", "SH...Name")
    holder_party = _party(holder, row.get("SH...Type", ""), row.get("SH...Country.ISO.code", ""))
    return _party(company), holder_party, InterestFields(InterestType.SHAREHOLDING)


def _psc_edge(row: dict[str, str]) -> tuple[Party, Party, InterestFields]:
    company, psc = _required(row, "Company.name", "PSC...Name")
    return (
        _party(company),
        _party(psc, row.get("PSC...Type", "")),
        nature_of_control(row.get("PSC...Nature.of.control", "")),
    )


_EDGE_READERS: dict[str, _EdgeReader] = {
    SHAREHOLDERS: _shareholder_edge,
    HOLDING_COMPANIES: _holding_edge,
    GUO_SHAREHOLDERS: _guo_shareholder_edge,
    CORPORATE_PSCS: _psc_edge,
}


def _classification(row: dict[str, str]) -> Classification:
    company, sector = _required(row, "Company.name", "Sector")
    owner_type = _OWNER_TYPE_OF_SECTOR.get(sector.lower())
    if owner_type is None:
        raise ValueError(f"classification {sector!r} is not one this importer knows")
    return Classification(company_name=" ".join(company.split()), owner_type=owner_type)


def _csv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    except OSError as error:
        raise CuratedFileError(f"cannot read {path.name}: {error}") from error
    reader = csv.DictReader(text.splitlines())
    return [(reader.line_num, row) for row in reader]


def rows_read(path: Path) -> list[tuple[int, Row]]:
    """Each data row of a curated file as an edge, a classification, or a rejection with its
    reason, with its line number. Repeated (company, holder) pairs get successive record ids."""
    if path.name == CLASSIFICATIONS:
        read: list[tuple[int, Row]] = []
        for line, row in _csv_rows(path):
            try:
                read.append((line, _classification(row)))
            except ValueError as error:
                read.append((line, Rejection(str(error))))
        return read
    edge_of = _EDGE_READERS.get(path.name)
    if edge_of is None:
        raise CuratedFileError(f"{path.name} is not a curated ownership file this importer knows")
    return _edges_read(path, edge_of)


def _edges_read(path: Path, edge_of: _EdgeReader) -> list[tuple[int, Row]]:
    seen: dict[str, int] = {}
    read: list[tuple[int, Row]] = []
    for line, row in _csv_rows(path):
        try:
            subject, party, fields = edge_of(row)
        except ValueError as error:
            read.append((line, Rejection(str(error))))
            continue
        if name_normalise(subject.name) == name_normalise(party.name):
            read.append((line, Rejection(f"{subject.name} is listed as holding an interest in itself")))
            continue
        relationship = f"curated:{path.stem}:{name_normalise(subject.name)}->{name_normalise(party.name)}"
        occurrence = seen.get(relationship, 0)
        seen[relationship] = occurrence + 1
        read.append((line, Edge(interest_record_id(relationship, occurrence), subject, party, fields)))
    return read


def company_links_read(path: Path) -> dict[str, CompanyLink]:
    """lookup_fame_search_final.csv: normalised Companies House name -> number and Ofsted name."""
    if not path.is_file():
        return {}
    links: dict[str, CompanyLink] = {}
    for _, row in _csv_rows(path):
        name, number = (row.get("Company.name") or "").strip(), (row.get("Registered.number") or "").strip()
        if name and number and len(company_number_normalise(number)) <= 8:
            links.setdefault(
                name_normalise(name),
                CompanyLink(company_number_normalise(number), (row.get("Organisation") or "").strip()),
            )
    return links


def _correction(row: dict[str, str]) -> Correction:
    urn, category, reason = _required(row, "URN", "Correct_category", "Reason")
    urn = urn.upper()
    if not _URN.match(urn):
        raise ValueError(f"URN {urn!r} is not an Ofsted URN")
    owner_type = _OWNER_TYPE_OF_CATEGORY.get(" ".join(category.lower().split()))
    if owner_type is None:
        raise ValueError(f"Correct_category {category!r} is not one this importer knows")
    return Correction(
        urn=urn,
        owner_type=owner_type,
        company_name=" ".join((row.get("Company.name") or "").split())[:255],
        reason=" ".join(reason.split()),
        comment=" ".join((row.get("comment") or "").split()),
        wrong_company_match=bool(_WRONG_MATCH.search(reason)),
    )


def corrections_read(path: Path) -> list[tuple[int, Correction | Rejection]]:
    """Each row of all_missing_info.csv as a correction or a rejection with its reason; a URN
    corrected twice is refused the second time (the first stands)."""
    read: list[tuple[int, Correction | Rejection]] = []
    first_line: dict[str, int] = {}
    for line, row in _csv_rows(path):
        try:
            correction = _correction(row)
        except ValueError as error:
            read.append((line, Rejection(str(error))))
            continue
        earlier = first_line.setdefault(correction.urn, line)
        if earlier != line:
            read.append((line, Rejection(f"URN {correction.urn} is already corrected on line {earlier}")))
            continue
        read.append((line, correction))
    return read
