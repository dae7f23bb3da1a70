"""A synthetic provider-level register, ten times England's size, for timing the importer.

SYNTHETIC: not Ofsted data. It has the 2025 file's layout (title rows, a header cell with a
newline, UTF-8 with BOM) and about 40,000 children's homes with a realistic owner
distribution: a few large groups owning hundreds of homes, a long tail of one-home owners,
owner names spelt inconsistently ("Ltd" / "Limited", upper case, trading names).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from geography.reference import authority_rows

HEADER = [
    "Web link",
    "URN",
    "Linked Education URN",
    "Provision type",
    "Registration date",
    "Registration status",
    "Name",
    "Address 1",
    "Local authority",
    "Ofsted Region",
    "Sector",
    "Places",
    "Short-break-only children's home",
    "Multi Building Children's Home",
    "Organisation which owns the provider",
    "\nLatest full inspection date",
    "\nOverall experiences and progress of children and young people",
    "How well children and young people are helped and protected",
    "The effectiveness of leaders and managers",
]
_JUDGEMENTS = ["Good", "Good", "Good", "Outstanding", "Requires improvement to be good", "Inadequate", ""]
_WORDS = [
    "Oak",
    "Ash",
    "Willow",
    "Harbour",
    "Meadow",
    "Bridge",
    "Horizon",
    "Haven",
    "Beacon",
    "Cedar",
    "Lantern",
    "Compass",
    "Anchor",
    "Summit",
]
_OTHER_TYPES = ["Independent Fostering Agency", "Supported Accommodation", "Residential Family Centre"]


def _owner_names(rng: random.Random, count: int) -> list[str]:
    return [f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} Care {number}" for number in range(count)]


def _spelling(rng: random.Random, owner: str) -> str:
    variant = rng.random()
    if variant < 0.6:
        return f"{owner} Limited"
    if variant < 0.85:
        return f"{owner} Ltd"
    if variant < 0.95:
        return f"{owner.upper()} LTD"
    return f"{owner} Ltd T/A {owner.split()[0]} Homes"


def _owner_weights(count: int) -> list[float]:
    # Zipf-like: the largest owners hold hundreds of homes, most owners one or two.
    return [1.0 / (rank + 1) ** 1.1 for rank in range(count)]


def synthetic_register_write(path: Path, *, homes: int = 40_000, seed: int = 2025) -> Path:
    """Writes the synthetic register CSV to `path` (UTF-8 with BOM) and returns it."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    authorities = [row for row in authority_rows() if row.ended_on is None]
    owners = _owner_names(rng, max(homes // 3, 1))
    weights = _owner_weights(len(owners))
    chosen = rng.choices(owners, weights=weights, k=homes)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Children's social care data in England (SYNTHETIC) - Provider level as at 31 March 2030"])
        writer.writerow(["Synthetic data for timing the importer; not Ofsted's."])
        writer.writerow([])
        writer.writerow(HEADER)
        for number in range(homes + homes // 6):
            is_home = number < homes
            owner = chosen[number] if is_home else rng.choice(owners)
            writer.writerow(_row(rng, number, is_home, owner, rng.choice(authorities).name))
    return path


def _row(rng: random.Random, number: int, is_home: bool, owner: str, authority: str) -> list[str]:
    sector = rng.choices(["Private", "Local Authority", "Voluntary", "Health Authority"], [84, 12, 4, 0.2])[0]
    return [
        "Ofsted Social Care Provider Webpage",
        f"{number + 3_000_000}",
        "",
        "Children's home" if is_home else rng.choice(_OTHER_TYPES),
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2000, 2029)}",
        "Active",
        "REDACTED",
        "REDACTED",
        authority,
        "North West",
        sector,
        str(rng.choices([1, 2, 3, 4, 5, 6, 8, 12], [8, 20, 26, 21, 11, 8, 4, 2])[0]) if is_home else "",
        "Short breaks only" if rng.random() < 0.03 else "",
        "Y" if rng.random() < 0.01 else "",
        _spelling(rng, owner),
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2022, 2029)}",
        *[rng.choice(_JUDGEMENTS) for _ in range(3)],
    ]
