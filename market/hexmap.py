"""The areas map: England's upper-tier authorities as equal hexagons, coloured by a chosen measure.

Each hexagon is labelled, links to its authority's page and is reached by the keyboard in
reading order (north to south, west to east); the same figures are in a table beneath.
Unknown stays unknown: an authority whose register names no owners, or that has no children's
homes on the date, has a class of its own, never a colour of the scale.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.urls import reverse

from geography.cartogram import Cell, hex_layout, short_labels
from geography.selectors import PlacedAuthority, authorities_in_being_on
from market.dashboard_charts import display, is_counts_only, units_label
from market.models import MarketSnapshot

HEX_WIDTH = 44.0  # pixels across the flat sides
RADIUS = HEX_WIDTH / math.sqrt(3)
PADDING = 8.0
TITLE_SPACE = 56.0  # room above the hexagons for the title carried inside the SVG
SOURCE_SPACE = 40.0  # and below them for the source

# A colour-blind-safe sequential scale (viridis), light for low and dark for high, with the
# text colour that keeps a 4.5:1 contrast on each.
SCALE = [
    ("#fde725", "#0b0c0c"),
    ("#7ad151", "#0b0c0c"),
    ("#22a884", "#0b0c0c"),
    ("#2a788e", "#ffffff"),
    ("#414487", "#ffffff"),
]
NO_FIGURE = ("#f3f2f1", "#0b0c0c")
NO_HOMES = ("#ffffff", "#505a5f")


@dataclass(frozen=True)
class Measure:
    key: str
    name: str  # in a sentence: "HHI", "the four largest owners' share"
    column: str  # the table's heading
    # Upper bounds of each class but the last (which has none).
    bounds: Sequence[float]
    value: Callable[[MarketSnapshot], float | None]
    text: Callable[[float], str]


def _hhi(snapshot: MarketSnapshot) -> float | None:
    return snapshot.hhi


def _cr4(snapshot: MarketSnapshot) -> float | None:
    return snapshot.cr4


def _units(snapshot: MarketSnapshot) -> float | None:
    return float(snapshot.units) if snapshot.units is not None else None


def measure_for(sort: str, basis: str) -> Measure:
    """The measure a map is coloured by: the ranking's own, or HHI when ranked by name."""
    if sort == "cr4":
        return Measure("cr4", "CR4, the share of the four largest owners", "CR4 (%)", (25, 50, 75, 90), _cr4, _percent)
    if sort == "units":
        label = units_label(basis).lower()
        return Measure("units", f"the number of {label}", units_label(basis), (25, 50, 100, 200), _units, _count)
    # HHI: under 1,000 is usually read as unconcentrated, over 1,800 as highly concentrated.
    return Measure("hhi", "HHI (0 to 10,000)", "HHI", (1_000, 1_800, 3_000, 5_000), _hhi, _count)


def _percent(value: float) -> str:
    return f"{value:,.1f}%"


def _count(value: float) -> str:
    return f"{value:,.0f}"


@dataclass(frozen=True)
class MapClass:
    label: str
    fill: str
    text_colour: str
    count: int


@dataclass(frozen=True)
class Hexagon:
    code: str
    name: str
    region: str
    label: str
    points: str
    x: float
    y: float
    fill: str
    text_colour: str
    value: str
    class_label: str
    href: str

    @property
    def description(self) -> str:
        # The accessible name begins with the label a sighted user sees (WCAG 2.5.3, label in name).
        return f"{self.label}, {self.name}: {self.value} ({self.class_label})"


@dataclass(frozen=True)
class HexMap:
    title: str
    measure: Measure
    as_of: datetime.date
    hexagons: list[Hexagon]
    classes: list[MapClass]
    width: float
    height: float
    source: str

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def class_labels(measure: Measure) -> list[str]:
    text, bounds = measure.text, list(measure.bounds)
    labels = [f"Under {text(bounds[0])}"]
    labels += [f"{text(low)} to under {text(high)}" for low, high in itertools.pairwise(bounds)]
    return [*labels, f"{text(bounds[-1])} or more"]


def _class_of(value: float, measure: Measure) -> int:
    return next((index for index, bound in enumerate(measure.bounds) if value < bound), len(measure.bounds))


NO_FIGURE_LABEL = "No figure: the register names no owners here"
NO_HOMES_LABEL = "No children's homes on this register"


def build_hex_map(
    snapshots: Sequence[MarketSnapshot],
    authorities: Sequence[PlacedAuthority],
    measure: Measure,
    *,
    as_of: datetime.date,
    area_url: Callable[[str], str],
    source: str,
) -> HexMap | None:
    """The map of every authority in being on the date, or None when none has a position."""
    if not authorities:
        return None
    by_code = {snapshot.geography_code: snapshot for snapshot in snapshots}
    layout = hex_layout({a.ons_code: (a.easting, a.northing) for a in authorities})
    labels = short_labels({a.ons_code: a.name for a in authorities})
    names = class_labels(measure)
    west = min(_centre(cell)[0] for cell in layout.values()) - HEX_WIDTH / 2 - PADDING
    north = min(_centre(cell)[1] for cell in layout.values()) - RADIUS - PADDING - TITLE_SPACE
    hexagons = []
    for authority in sorted(authorities, key=lambda a: layout[a.ons_code]):  # reading order
        snapshot = by_code.get(authority.ons_code)
        fill, text_colour, value, class_label = _appearance(snapshot, measure, names)
        x, y = _centre(layout[authority.ons_code])
        hexagons.append(
            Hexagon(
                code=authority.ons_code,
                name=authority.name,
                region=authority.region,
                label=labels[authority.ons_code],
                points=_points(x - west, y - north),
                x=round(x - west, 1),
                y=round(y - north, 1),
                fill=fill,
                text_colour=text_colour,
                value=value,
                class_label=class_label,
                href=area_url(authority.ons_code),
            )
        )
    width = max(h.x for h in hexagons) + HEX_WIDTH / 2 + PADDING
    height = max(h.y for h in hexagons) + RADIUS + PADDING + SOURCE_SPACE
    return HexMap(
        title=f"{measure.column} by local authority at {as_of:%-d %B %Y}",
        measure=measure,
        as_of=as_of,
        hexagons=hexagons,
        classes=_legend(hexagons, measure, names),
        width=max(width, 640.0),
        height=height,
        source=source,
    )


def _appearance(snapshot: MarketSnapshot | None, measure: Measure, names: list[str]) -> tuple[str, str, str, str]:
    if snapshot is None:
        return (*NO_HOMES, "no children's homes", NO_HOMES_LABEL)
    value = None if is_counts_only(snapshot) else measure.value(snapshot)
    if value is None:
        return (*NO_FIGURE, f"{display(snapshot.units)} {measure.column.lower()} known, no owners", NO_FIGURE_LABEL)
    index = _class_of(value, measure)
    fill, text_colour = SCALE[index]
    return fill, text_colour, f"{measure.column} {measure.text(value)}", names[index]


def _legend(hexagons: Sequence[Hexagon], measure: Measure, names: list[str]) -> list[MapClass]:
    counts: dict[str, int] = {}
    for hexagon in hexagons:
        counts[hexagon.class_label] = counts.get(hexagon.class_label, 0) + 1
    classes = [MapClass(name, fill, text, counts.get(name, 0)) for name, (fill, text) in zip(names, SCALE, strict=True)]
    for label, (fill, text) in ((NO_FIGURE_LABEL, NO_FIGURE), (NO_HOMES_LABEL, NO_HOMES)):
        if counts.get(label):
            classes.append(MapClass(label, fill, text, counts[label]))
    return classes


def _centre(cell: Cell) -> tuple[float, float]:
    x, y = cell.centre()
    return x * HEX_WIDTH, y * HEX_WIDTH


def _points(x: float, y: float) -> str:
    """A pointy-topped hexagon around (x, y), slightly inset so neighbours show a gap."""
    inset = 0.94
    corners = [(math.cos(math.radians(angle)), math.sin(math.radians(angle))) for angle in range(-90, 270, 60)]
    return " ".join(f"{x + dx * RADIUS * inset:.1f},{y + dy * RADIUS * inset:.1f}" for dx, dy in corners)


def areas_hex_map(
    snapshots: Sequence[MarketSnapshot],
    sort: str,
    basis: str,
    as_of: datetime.date,
    query: str,
    *,
    link_prefix: str = "",
) -> HexMap | None:
    """The areas page's map of the authorities' snapshots on a date, links keeping the query."""
    suffix = f"?{query}" if query else ""
    return build_hex_map(
        snapshots,
        authorities_in_being_on(as_of),
        measure_for(sort, basis),
        as_of=as_of,
        area_url=lambda code: link_prefix + reverse("market:dashboards_area", args=[code]) + suffix,
        source=(
            f"Source: Ofsted's register of children's homes at {as_of:%-d %B %Y}, with owners resolved as "
            "set out in How the figures are made (Relational Commissioning)."
        ),
    )
