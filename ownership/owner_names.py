"""Registered owners' names as Ofsted writes them, normalised to identify one organisation.

Ofsted's owner names are free text typed by providers and inspectors: "CAMBIAN CHILDCARE LTD"
one year, "Cambian Childcare Limited" the next; trading names after "T/A"; company numbers
written into the name ("Crusoe Care Limited 06843979", "ERA Care Limited 5921904"). The
normalised name is the legal name without any of that: lower case, legal forms abbreviated
("limited" -> "ltd") and dropped from the end ("Oak Childcare Plus" and "Oak Childcare Plus
Ltd" are one owner in Ofsted's registers), "&" -> "and", apostrophes and punctuation removed,
"the" dropped. Names that still differ but carry the same company number are one
organisation: the importer merges them by number.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

LOOKUP_PATH = Path(__file__).resolve().parent / "data" / "lookup_fame_search_final.csv"

# "Tulip Care One Limited t/as TulipCare", "RCS operations LTD trading as Cumulus Care",
# "A&m Care Solutions Ltd - T/a Metropolitan Care", "Devon & Cornwall ... (t/a Spectrum)".
_TRADING_AS = re.compile(r"\s*[-(]?\s*\b(?:t/as?|t\\a|trading as|trades as)\b.*$", re.IGNORECASE)
# Companies House numbers: eight digits, or two letters and six digits (SC, NI, OC, ...);
# owners often drop the leading zero ("5921904").
_COMPANY_NUMBER = re.compile(r"\(?\b((?:SC|NI|OC|SO|NC)\d{6}|\d{7,8})\b\)?", re.IGNORECASE)
_LEGAL_FORMS = {
    "limited": "ltd",
    "ltd": "ltd",
    "plc": "plc",
    "llp": "llp",
    "cic": "cic",
    "co": "co",
    "company": "co",
}
_TRAILING_LEGAL_FORMS = frozenset({"ltd", "plc", "llp", "cic"})
_PHRASES = (
    ("public limited company", "plc"),
    ("community interest company", "cic"),
    ("limited liability partnership", "llp"),
)


def company_number_in(name: str) -> str:
    """The Companies House number written into an owner's name, padded to eight characters."""
    match = _COMPANY_NUMBER.search(name)
    if match is None:
        return ""
    return _padded_company_number(match.group(1).upper())


def _padded_company_number(number: str) -> str:
    if number.isdigit():
        return number.zfill(8)
    return number[:2] + number[2:].zfill(6)


def legal_name(name: str) -> str:
    """The name without trading names or company numbers, whitespace tidied, case kept."""
    text = _TRADING_AS.sub("", name)
    text = _COMPANY_NUMBER.sub("", text)
    return " ".join(text.split()).strip(" -,")


def normalise_owner_name(name: str) -> str:
    """The comparable form of an owner name; "" for a blank name."""
    text = unicodedata.normalize("NFKD", legal_name(name)).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    for phrase, short in _PHRASES:
        text = re.sub(rf"\b{phrase}\b", short, text)
    words = [_LEGAL_FORMS.get(word, word) for word in text.split()]
    # "The X", "X, The", and "X" / "X Ltd": the same organisation as Ofsted writes it.
    while len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and (words[-1] == "the" or words[-1] in _TRAILING_LEGAL_FORMS):
        words = words[:-1]
    return " ".join(words)


@dataclass(frozen=True)
class RegisteredNumbers:
    """What the Companies House lookup knows of an owner."""

    company_number: str = ""
    charity_number: str = ""


def parse_registered_number(value: str) -> RegisteredNumbers:
    """The lookup's `Registered.number`: a company number, "CHA..." for a charity, or "NA"."""
    value = value.strip().upper()
    if value in {"", "NA", "N/A"}:
        return RegisteredNumbers()
    if value.startswith("CHA"):
        return RegisteredNumbers(charity_number=value[3:])
    if len(value) <= 8 and value.isalnum():
        return RegisteredNumbers(company_number=_padded_company_number(value))
    return RegisteredNumbers()


# The lookup's name columns, in the order they are trusted: the name as Ofsted wrote it, then
# the company's name at Companies House (a provider renamed since, or a register that uses
# the legal name: "Compass Children's Homes North East Limited" is the company behind
# "Artemis Support Ltd", 07013791).
_LOOKUP_NAME_COLUMNS = ("Organisation", "Company.name")


@functools.cache
def company_numbers_by_owner_name(path: Path = LOOKUP_PATH) -> dict[str, RegisteredNumbers]:
    """Normalised owner name -> registered numbers, from the shipped lookup file: every Ofsted
    spelling first, then every Companies House name not already an Ofsted spelling."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    numbers: dict[str, RegisteredNumbers] = {}
    for column in _LOOKUP_NAME_COLUMNS:
        for row in rows:
            parsed = parse_registered_number(row.get("Registered.number") or "")
            name = normalise_owner_name(row.get(column) or "")
            if name and parsed != RegisteredNumbers():
                numbers.setdefault(name, parsed)
    return numbers


def registered_numbers_for(name: str, *, charity: bool = False) -> RegisteredNumbers:
    """The numbers of an owner: from the lookup, else a number written in the name.

    A number in a charity's name (`charity`: Ofsted's sector "Voluntary") is its charity
    number ("Hollybank Trust 1043129"), not a company number.
    """
    known = company_numbers_by_owner_name().get(normalise_owner_name(name))
    if known is not None:
        return known
    number = company_number_in(name)
    if charity and number.isdigit():
        return RegisteredNumbers(charity_number=number.lstrip("0"))
    return RegisteredNumbers(company_number=number)
