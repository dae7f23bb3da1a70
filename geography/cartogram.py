"""An equal-area hex cartogram of England's upper-tier authorities, from their ONS codes and positions.

Every authority gets one hexagon of the same size, so a small London borough counts as much
on the map as Kent: the map shows places, not acres, which is what a market of authorities
as purchasers needs. Each authority takes the free cell nearest its own position (the mean of
its postcodes, British National Grid metres), then pairs of authorities swap cells while that
brings both nearer home, so the shape of England and the order of places within it hold.

The layout is computed, never drawn by hand: a new authority or a reorganisation (a new ONS
code with its position) finds its place without anyone editing a map file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

# The width of a hexagon across its flat sides, in metres. About 150 authorities share
# England's 130,000 km², some 870 km² each: a hexagon of that area is about 32 km across.
HEX_WIDTH_METRES = 32_000.0
ROW_HEIGHT_METRES = HEX_WIDTH_METRES * math.sqrt(3) / 2
# Cells reach this many hexagons beyond the outermost authorities, so the crowded ones near
# an edge (Merseyside, the Tyne) can spread outwards rather than inland only.
MARGIN_CELLS = 3
SWAP_PASSES = 8


@dataclass(frozen=True, order=True)
class Cell:
    """A hexagon of a pointy-topped grid; odd rows sit half a hexagon to the east.

    Rows count from the north, so that reading order (row by row, west to east) runs from
    Northumberland to Cornwall.
    """

    row: int
    column: int

    def centre(self) -> tuple[float, float]:
        """The cell's centre in hexagon widths (x to the east, y to the south)."""
        return self.column + (0.5 if self.row % 2 else 0.0), self.row * math.sqrt(3) / 2


def hex_layout(positions: Mapping[str, tuple[int, int]]) -> dict[str, Cell]:
    """One cell per authority code, each as near its own position as the others allow."""
    return dict(_layout(tuple(sorted(positions.items()))))


@lru_cache(maxsize=32)
def _layout(positions: tuple[tuple[str, tuple[int, int]], ...]) -> tuple[tuple[str, Cell], ...]:
    if not positions:
        return ()
    homes = _grid_positions(dict(positions))
    cells = _candidate_cells(homes.values())
    assigned = _nearest_free(homes, cells)
    _improve_by_swaps(homes, assigned)
    return tuple(sorted(assigned.items()))


def _grid_positions(positions: Mapping[str, tuple[int, int]]) -> dict[str, tuple[float, float]]:
    """Positions in hexagon widths from the north-west corner of the authorities' extent."""
    west = min(easting for easting, _ in positions.values())
    north = max(northing for _, northing in positions.values())
    return {
        code: ((easting - west) / HEX_WIDTH_METRES, (north - northing) / HEX_WIDTH_METRES)
        for code, (easting, northing) in positions.items()
    }


def _candidate_cells(points: Iterable[tuple[float, float]]) -> list[Cell]:
    xs, ys = zip(*points, strict=True)
    rows = range(-MARGIN_CELLS, math.ceil(max(ys) / (math.sqrt(3) / 2)) + MARGIN_CELLS + 1)
    columns = range(-MARGIN_CELLS, math.ceil(max(xs)) + MARGIN_CELLS + 1)
    return [Cell(row, column) for row in rows for column in columns]


def _distance_squared(point: tuple[float, float], cell: Cell) -> float:
    x, y = cell.centre()
    return (point[0] - x) ** 2 + (point[1] - y) ** 2


def _nearest_free(homes: Mapping[str, tuple[float, float]], cells: list[Cell]) -> dict[str, Cell]:
    """Globally greedy: the closest authority-cell pairs first, each authority and cell once."""
    pairs = sorted(
        (_distance_squared(point, cell), code, cell)
        for code, point in homes.items()
        for cell in cells
        if _distance_squared(point, cell) <= (2 * MARGIN_CELLS + 4) ** 2
    )
    assigned: dict[str, Cell] = {}
    taken: set[Cell] = set()
    for _, code, cell in pairs:
        if code not in assigned and cell not in taken:
            assigned[code] = cell
            taken.add(cell)
    # An authority whose nearby cells all went to others (never seen on England's layout)
    # takes the nearest cell left anywhere, so that no authority is ever left off the map.
    for code in sorted(set(homes) - set(assigned)):
        cell = min((cell for cell in cells if cell not in taken), key=lambda c: (_distance_squared(homes[code], c), c))
        assigned[code] = cell
        taken.add(cell)
    return assigned


def _improve_by_swaps(homes: Mapping[str, tuple[float, float]], assigned: dict[str, Cell]) -> None:
    """Swap two authorities' cells whenever that lowers their total squared distance from home."""
    codes = sorted(assigned)
    for _ in range(SWAP_PASSES):
        swapped = False
        for index, first in enumerate(codes):
            for second in codes[index + 1 :]:
                a, b = assigned[first], assigned[second]
                now = _distance_squared(homes[first], a) + _distance_squared(homes[second], b)
                after = _distance_squared(homes[first], b) + _distance_squared(homes[second], a)
                if after < now - 1e-9:
                    assigned[first], assigned[second] = b, a
                    swapped = True
        if not swapped:
            return


# ---------------------------------------------------------------- short labels

_MINOR_WORDS = {"and", "of", "the", "upon", "on", "city", "county", "borough", "council", "royal"}


def short_labels(names: Mapping[str, str]) -> dict[str, str]:
    """A short, unique label for each authority's hexagon ("Barking and Dagenham" -> "BD").

    The full name is always beside it (the hexagon's title and accessible name, and the table),
    so a label need only tell neighbours apart.
    """
    labels: dict[str, str] = {}
    used: set[str] = set()
    for code, name in sorted(names.items(), key=lambda item: (item[1], item[0])):
        label = next(
            (candidate for candidate in _label_candidates(name) if candidate not in used), _fallback(code, used)
        )
        labels[code] = label
        used.add(label)
    return labels


def _label_candidates(name: str) -> list[str]:
    words = [word for word in name.replace("-", " ").replace(",", " ").split() if word.isalpha()]
    major = [word for word in words if word.lower() not in _MINOR_WORDS] or words
    if not major:
        return []
    first = major[0]
    candidates = []
    if len(major) > 1:
        initials = "".join(word[0].upper() for word in major[:3])
        candidates += [initials, first[:2].title() + major[-1][0].upper()]
    candidates += [first[:3].title(), first[:2].title() + first[-1].lower(), first[:4].title()]
    candidates += [first[0].upper() + letter.lower() + first[-1].lower() for letter in first[1:-1]]
    return candidates


def _fallback(code: str, used: set[str]) -> str:
    label = code[-3:]
    return label if label not in used else code
