"""What one edition of Ofsted's register holds and lists, recorded on its ImportRun.

Editions differ: 2015 names no owners and gives no places, 2016-2017 give places but no
owners, and the 2023 file lists only the homes inspected under the framework at 31 March
(2,821 children's homes where Ofsted's time series counts 3,050). A figure drawn from a
register must say which it is, so each import records
- whether the file names owners and gives places (read from its columns and rows),
- what it lists, in plain words, and whether that is the whole register: from the file's own
  title where it says so ("... homes inspected ..."), else from the curated table of known
  editions (registry/data/ofsted/editions.csv, with its source), else the register of providers
  its title names (provider level at its date), saying that nothing said otherwise.
"""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from providers.models import ImportRun
from registry.importers.ofsted_rows import RegisterSummary

EDITIONS_CSV = Path(__file__).resolve().parents[1] / "data" / "ofsted" / "editions.csv"
_LISTS_LENGTH = 255
# Title words by which a file says it lists only the providers inspected, not every one registered.
_INSPECTED_ONLY = re.compile(r"\binspected\b", re.IGNORECASE)


@dataclass(frozen=True)
class EditionFacts:
    has_owner_names: bool
    has_places: bool
    lists: str
    is_complete_register: bool
    lists_source: str

    def record_on(self, run: ImportRun) -> list[str]:
        """Sets the facts on the run; returns the fields to save."""
        run.has_owner_names = self.has_owner_names
        run.has_places = self.has_places
        run.lists = self.lists[:_LISTS_LENGTH]
        run.is_complete_register = self.is_complete_register
        run.lists_source = self.lists_source[:_LISTS_LENGTH]
        return ["has_owner_names", "has_places", "lists", "is_complete_register", "lists_source"]


@dataclass(frozen=True)
class KnownEdition:
    lists: str
    is_complete_register: bool
    source: str


def known_editions(path: Path = EDITIONS_CSV) -> dict[datetime.date, KnownEdition]:
    """The curated table: as_of -> what that edition lists, with the source that says so."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            datetime.date.fromisoformat(row["as_of"]): KnownEdition(
                lists=row["lists"].strip(),
                is_complete_register=row["is_complete_register"].strip().lower() == "true",
                source=row["source"].strip(),
            )
            for row in csv.DictReader(handle)
        }


def _inspected_only_title(title_text: str) -> str | None:
    for line in title_text.splitlines():
        if _INSPECTED_ONLY.search(line):
            return " ".join(line.split())
    return None


def edition_facts(*, title_text: str, summary: RegisterSummary, as_of: datetime.date) -> EditionFacts:
    """What the edition holds (from its rows) and lists (title, curated table, else the register)."""
    holds = {"has_owner_names": summary.owners_named > 0, "has_places": summary.places_given > 0}
    titled = _inspected_only_title(title_text)
    if titled is not None:
        return EditionFacts(**holds, lists=titled, is_complete_register=False, lists_source="the file's title")
    known = known_editions().get(as_of)
    if known is not None:
        return EditionFacts(
            **holds,
            lists=known.lists,
            is_complete_register=known.is_complete_register,
            lists_source=f"registry/data/ofsted/editions.csv: {known.source}",
        )
    return EditionFacts(
        **holds,
        lists=f"every provider on Ofsted's register at {as_of.day} {as_of:%B %Y}",
        is_complete_register=True,
        lists_source="the file's title (provider level at its date); no known note says otherwise",
    )
