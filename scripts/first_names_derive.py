"""Derive commissioning/data/first_names.txt, the first names the identifier screen knows.

Sources (both downloaded with pip, used only here, never at run time):

- names-dataset 3.3.1 (Philippe Rémy, MIT licence): first names with their popularity rank per
  country, from 2021 public social-network profiles. The rank in Great Britain weights the list
  to England and Wales; the top ranks in the countries of England's largest communities of
  overseas birth or heritage (Ireland, India, Pakistan is not ranked so Bangladesh and Afghanistan
  stand near it, Nigeria, Ghana, Jamaica, Poland, Lithuania, Turkey, Iraq, Syria, Egypt, Italy,
  Portugal) add the names of children in care whose families came from there.
- gender-guesser 0.4.0's nam_dict.txt (Jörg Michael, GNU Free Documentation License 1.2): a
  hand-kept dictionary of about 48,000 first names with their frequency per country. It vouches
  for a name below names-dataset's top British ranks, where that data set holds noise.
- english-words 2.0.2's web2 list (MIT licence): a name it does not vouch for (many Nigerian,
  Somali, Eritrean and South Asian names are not in a 2008 European dictionary) still counts when
  it ranks in Great Britain or a community's top names and is not an ordinary English word.

It also writes commissioning/data/place_names.txt: the first names that are also the name of a
town, county, local authority or constituency in Ofsted's register (registry/data/ofsted), so
the screen asks for more context before it calls "Bradford" or "Chelsea" a person.

Usage:
    pip download --no-deps names-dataset==3.3.1 gender-guesser==0.4.0 -d /tmp/names
    (unzip both wheels into /tmp/names/nd and /tmp/names/gg)
    pip download --no-deps english-words==2.0.2 -d /tmp/names  (unzipped into /tmp/names/ew)
    python scripts/first_names_derive.py /tmp/names/nd /tmp/names/gg /tmp/names/ew
"""

from __future__ import annotations

import csv
import gzip
import pickle
import re
import sys
from pathlib import Path

GB_TOP = 2_000  # names this popular in Great Britain need no second source
GB_VOUCHED = 12_000  # below that, a name must also be in the hand-kept dictionary
GB_UNVOUCHED = 8_000  # a name the dictionary lacks counts this high, if it is not an English word
US_VOUCHED = 1_000  # American names are common in England too (Lucas, Mason, Logan)
COMMUNITY_TOP = 300
COMMUNITIES = ("IE", "IN", "BD", "AF", "NG", "GH", "JM", "PL", "LT", "TR", "IQ", "SY", "EG", "IT", "PT", "RO")
# The hand-kept dictionary's frequency columns: Great Britain first, then Ireland.
GG_COLUMNS = 2
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "commissioning" / "data"
REGISTERS = sorted((ROOT / "registry" / "data" / "ofsted").glob("provider_at_march_*.csv"))
# Places in the register whose name, in a referral or a log, is far more often a person's.
PEOPLE_MORE_THAN_PLACES = frozenset(
    [
        "Amber",
        "Ash",
        "Beverley",
        "Bradley",
        "Dean",
        "Don",
        "Hazel",
        "Kimberley",
        "Leigh",
        "Leighton",
        "Perry",
        "Ross",
        "Sandy",
        "Shirley",
    ]
)
PLACE_COLUMNS = ("Town", "County", "Local authority", "Parliamentary constituency", "Ofsted Region")

HEADER = """\
# First names the identifier screen knows (commissioning/identifiers.py), one a line.
# Derived by scripts/first_names_derive.py from names-dataset 3.3.1 (Philippe Remy, MIT licence;
# ranks in Great Britain and in the countries of England's largest communities) and from
# gender-guesser 0.4.0's nam_dict.txt (Joerg Michael, GNU Free Documentation License 1.2, which
# this derived list is released under too). Do not edit by hand: change the script and rerun it.
"""


def _hand_kept(path: Path) -> set[str]:
    names: set[str] = set()
    for line in (path / "gender_guesser" / "data" / "nam_dict.txt").read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "#=":
            continue
        name = line[3:29].strip()
        frequencies = line[30 : 30 + 60]
        british = frequencies[:GG_COLUMNS].strip()
        for variant in {name.replace("+", ""), name.replace("+", "-")}:
            names.add(variant)
            if british:
                names.add(variant + "*")  # marked: known in Great Britain or Ireland
    return names


def _wanted(name: str, ranks: dict[str, int], hand_kept: set[str], english: set[str]) -> bool:
    plain = name.replace("-", "")
    if not plain.isalpha() or not name[0].isupper() or len(name) < 2:
        return False
    british = ranks.get("GB", 10**9)
    in_a_community = any(ranks.get(country, 10**9) <= COMMUNITY_TOP for country in COMMUNITIES)
    if british <= GB_TOP or name + "*" in hand_kept:
        return True
    if name in hand_kept:
        return british <= GB_VOUCHED or in_a_community or ranks.get("US", 10**9) <= US_VOUCHED
    latin = plain.isascii() and plain[1:].islower() and len(plain) >= 3
    return latin and name.lower() not in english and (british <= GB_UNVOUCHED or in_a_community)


def _english(path: Path) -> set[str]:
    with (path / "english_words" / "data" / "web2.pickle").open("rb") as handle:
        words: set[str] = pickle.load(handle)  # noqa: S301 (a pinned wheel's own file, read offline)
    return {word for word in words if word.islower()}


def _place_words() -> set[str]:
    words: set[str] = set()
    for register in REGISTERS:
        with register.open(encoding="utf-8-sig", errors="replace") as handle:
            rows = csv.reader(handle)
            header = next(row for row in rows if "URN" in row)
            columns = [header.index(name) for name in PLACE_COLUMNS if name in header]
            for row in rows:
                for column in columns:
                    words.update(re.findall(r"[A-Z][a-z]+", row[column] if column < len(row) else ""))
    return words


def main(names_dataset: Path, gender_guesser: Path, english_words: Path) -> None:
    with gzip.open(names_dataset / "names_dataset" / "v3" / "first_names.pkl.gz") as handle:
        data = pickle.load(handle)  # noqa: S301 (a pinned wheel's own file, read offline)
    hand_kept = _hand_kept(gender_guesser)
    english = _english(english_words)
    names = sorted(
        name for name, details in data.items() if _wanted(name, details.get("rank") or {}, hand_kept, english)
    )
    (DATA / "first_names.txt").write_text(HEADER + "".join(f"{name}\n" for name in names), encoding="utf-8")
    places = sorted((set(names) & _place_words()) - PEOPLE_MORE_THAN_PLACES)
    header = "# First names that are also places in Ofsted's register; see first_names.txt for the sources.\n"
    (DATA / "place_names.txt").write_text(header + "".join(f"{name}\n" for name in places), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
