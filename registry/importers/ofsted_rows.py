"""One row of Ofsted's register read into typed values, or rejected with a reason."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from geography.names import AuthorityNameMatcher, UnknownAuthorityError
from providers.models import HomeKind, Judgement, Sector
from registry.importers.ofsted_files import Cell, RegisterTable, header_key

# Normalised provision type -> kind of children's home; every other provision is skipped.
CHILDRENS_HOME_KINDS: dict[str, HomeKind] = {
    "childrens home": HomeKind.CHILDRENS_HOME,
    "secure childrens home": HomeKind.SECURE_CHILDRENS_HOME,
    "residential special school registered as a childrens home": HomeKind.RESIDENTIAL_SPECIAL_SCHOOL,
}
SECTORS: dict[str, Sector] = {
    "private": Sector.PRIVATE,
    "local authority": Sector.LOCAL_AUTHORITY,
    "voluntary": Sector.VOLUNTARY,
    "health authority": Sector.HEALTH_AUTHORITY,
    "academy": Sector.ACADEMY,
}
JUDGEMENTS: dict[str, Judgement] = {
    "outstanding": Judgement.OUTSTANDING,
    "good": Judgement.GOOD,
    "requires improvement to be good": Judgement.REQUIRES_IMPROVEMENT,
    "requires improvement": Judgement.REQUIRES_IMPROVEMENT,
    "inadequate": Judgement.INADEQUATE,
}
# Ofsted URNs: seven digits, or two letters and six digits ("SC392492").
_URN = re.compile(r"^(?:[A-Z]{2}\d{6}|\d{6,8})$")
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%d %B %Y", "%d %b %Y")
_FALSE_FLAGS = {"", "n", "no", "false", "0"}
REDACTED = "REDACTED"


class RowRejectedError(ValueError):
    """The row cannot be read; the message is the reason given to the user."""


def cell_text(cell: Cell) -> str:
    """A cell as text, whatever the file format made of it."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    return str(cell).strip()


def home_kind(provision_type: Cell) -> HomeKind | None:
    return CHILDRENS_HOME_KINDS.get(header_key(provision_type))


def parse_urn(cell: Cell) -> str:
    urn = cell_text(cell).upper()
    if not _URN.match(urn):
        raise RowRejectedError(f"bad URN {urn!r}")
    return urn


def parse_date(cell: Cell, label: str) -> datetime.date | None:
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    text = cell_text(cell)
    if not text:
        return None
    for date_format in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text.split(" 00:00:00")[0], date_format).date()
        except ValueError:
            continue
    raise RowRejectedError(f"unreadable {label} {text!r}")


def parse_places(cell: Cell) -> int | None:
    text = cell_text(cell)
    if not text:
        return None
    if not text.isdigit():
        raise RowRejectedError(f"unreadable places {text!r}")
    return int(text)


def parse_flag(table: RegisterTable, cells: list[Cell], field_name: str) -> bool | None:
    """A yes/blank column: None when the file has no such column (earlier years)."""
    if field_name not in table.columns:
        return None
    return cell_text(table.value(cells, field_name)).lower() not in _FALSE_FLAGS


def parse_sector(cell: Cell) -> str:
    return SECTORS.get(header_key(cell), Sector.OTHER).value


def parse_judgement(cell: Cell) -> str:
    judgement = JUDGEMENTS.get(header_key(cell))
    return judgement.value if judgement else ""


def unredacted(cell: Cell) -> str:
    text = cell_text(cell)
    return "" if text.upper() == REDACTED else text


@dataclass(frozen=True)
class RegisterRow:
    """A children's home as one register describes it."""

    line: int
    urn: str
    kind: str
    provision_type: str
    name: str
    registration_date: datetime.date | None
    registration_status: str
    local_authority_id: int
    sector: str
    places: int | None
    short_break_only: bool | None
    multi_building: bool | None
    registered_owner_name: str
    overall_judgement: str
    protection_judgement: str
    leadership_judgement: str
    inspection_date: datetime.date | None


def _local_authority_id(
    table: RegisterTable, cells: list[Cell], matcher: AuthorityNameMatcher, on: datetime.date
) -> int:
    name = cell_text(table.value(cells, "local_authority"))
    region = cell_text(table.value(cells, "ofsted_region")) or cell_text(table.value(cells, "government_office_region"))
    if region.lower() == "wales":
        raise RowRejectedError(f"not an English authority: {name!r} (region Wales)")
    if not name:
        raise RowRejectedError("no local authority")
    try:
        return matcher.match(name, on=on).pk
    except UnknownAuthorityError as error:
        raise RowRejectedError(str(error)) from error


def parse_row(
    table: RegisterTable,
    line: int,
    cells: list[Cell],
    *,
    kind: HomeKind,
    matcher: AuthorityNameMatcher,
    on: datetime.date,
) -> RegisterRow:
    """The row's typed values; RowRejectedError with the reason if any cannot be read."""
    value = table.value
    return RegisterRow(
        line=line,
        urn=parse_urn(value(cells, "urn")),
        kind=kind.value,
        provision_type=cell_text(value(cells, "provision_type")),
        name=unredacted(value(cells, "name")),
        registration_date=parse_date(value(cells, "registration_date"), "registration date"),
        registration_status=cell_text(value(cells, "registration_status")),
        local_authority_id=_local_authority_id(table, cells, matcher, on),
        sector=parse_sector(value(cells, "sector")),
        places=parse_places(value(cells, "places")),
        short_break_only=parse_flag(table, cells, "short_break_only"),
        multi_building=parse_flag(table, cells, "multi_building"),
        registered_owner_name=unredacted(value(cells, "owner")),
        overall_judgement=parse_judgement(value(cells, "overall_judgement")),
        protection_judgement=parse_judgement(value(cells, "protection_judgement")),
        leadership_judgement=parse_judgement(value(cells, "leadership_judgement")),
        inspection_date=parse_date(value(cells, "inspection_date"), "inspection date"),
    )


@dataclass
class RegisterSummary:
    """What the file says, counted over its rows whatever the import made of them.

    `children_homes`, `places`, `sectors` and `regions` count rows of provision type
    "Children's home" (any case), as Ofsted's own tables do; `all_children_home_types` adds
    secure children's homes and residential special schools registered as children's homes.
    """

    children_homes: int = 0
    all_children_home_types: int = 0
    places: int = 0
    sectors: Counter[str] = field(default_factory=Counter)
    regions: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    # Rows of every children's-home type that name an owner, and that give places: an edition
    # without them (2015-2017) holds no owners (or places), which is not the same as none.
    owners_named: int = 0
    places_given: int = 0

    def add(self, table: RegisterTable, cells: list[Cell], kind: HomeKind | None) -> None:
        self.rows += 1
        if kind is None:
            return
        self.all_children_home_types += 1
        self.owners_named += bool(unredacted(table.value(cells, "owner")))
        places = cell_text(table.value(cells, "places"))
        self.places_given += places.isdigit()
        if kind != HomeKind.CHILDRENS_HOME:
            return
        self.children_homes += 1
        self.places += int(places) if places.isdigit() else 0
        self.sectors[cell_text(table.value(cells, "sector"))] += 1
        region_field = "ofsted_region" if "ofsted_region" in table.columns else "government_office_region"
        self.regions[cell_text(table.value(cells, region_field))] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "children_homes": self.children_homes,
            "all_children_home_types": self.all_children_home_types,
            # None, not 0, when the edition gives no places at all: unknown stays unknown.
            "places": self.places if self.places_given else None,
            "sectors": dict(sorted(self.sectors.items())),
            "regions": dict(sorted(self.regions.items())),
        }
