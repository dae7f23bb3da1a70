"""The sector barometer: every relationship's pulse check-ins, averaged by quarter for England and
for each region of the local authority in the relationship (issue 15 part 5; ADR 28).

It is public, so what it shows is built never to point at one relationship:
- a figure covers at least 10 relationships and 3 local authorities, or it is not shown;
- when hidden figures could be worked out from England's and the others' (England less the
  regions shown), more are hidden, smallest first, until what is hidden together covers as many;
- only averages, rounded to one decimal place, and counts of relationships: never a name.

One aggregate query makes the whole barometer; it is kept in the cache under the newest
check-in's id and the number of check-ins, so a new answer shows at once.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from trust.models import PulseCheckIn

MINIMUM_RELATIONSHIPS = 10
MINIMUM_AUTHORITIES = 3
ENGLAND_CODE = "E92000001"
QUESTIONS = tuple(PulseCheckIn.QUESTIONS)
SOURCE = "Pulse check-ins of local authorities and providers recorded in Relational Commissioning"
TOO_FEW = "fewer than 10 relationships: not shown"
# Three local authorities at least, so that a region's figure is never one authority's.
TOO_FEW_AUTHORITIES = "fewer than 3 local authorities: not shown"
COMPLEMENT = "not shown, so that a hidden figure cannot be worked out from England's and the others'"
CACHE_SECONDS = 60 * 60
_REGION = "relationship__local_authority__local_authority__region__"


@dataclass(frozen=True)
class Tally:
    """What one area's check-ins of one quarter add up to."""

    relationships: int = 0
    authorities: int = 0
    check_ins: int = 0
    sums: tuple[int, ...] = (0,) * len(QUESTIONS)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.relationships + other.relationships,
            self.authorities + other.authorities,
            self.check_ins + other.check_ins,
            tuple(mine + theirs for mine, theirs in zip(self.sums, other.sums, strict=True)),
        )

    @property
    def unsafe_reason(self) -> str:
        if self.relationships < MINIMUM_RELATIONSHIPS:
            return TOO_FEW
        if self.authorities < MINIMUM_AUTHORITIES:
            return TOO_FEW_AUTHORITIES
        return ""


def _rounded(total: int, count: int) -> Decimal:
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Cell:
    """One area in one quarter: its average answer (1 to 5) and by question, or why not shown."""

    relationships: int
    average: Decimal | None = None
    by_question: dict[str, Decimal] = field(default_factory=dict)
    hidden_because: str = ""

    @classmethod
    def of(cls, tally: Tally, hidden_because: str) -> Cell:
        if tally.check_ins == 0:
            return cls(relationships=0, hidden_because="no check-ins")
        if hidden_because:
            return cls(relationships=0, hidden_because=hidden_because)
        return cls(
            relationships=tally.relationships,
            average=_rounded(sum(tally.sums), tally.check_ins * len(QUESTIONS)),
            by_question={
                question: _rounded(total, tally.check_ins)
                for question, total in zip(QUESTIONS, tally.sums, strict=True)
            },
        )

    @property
    def shown(self) -> bool:
        return self.average is not None


@dataclass(frozen=True)
class Region:
    ons_code: str
    name: str


@dataclass(frozen=True)
class Quarter:
    start: datetime.date
    england: Cell
    regions: dict[str, Cell]  # by the region's ONS code, every region of the barometer

    @property
    def label(self) -> str:
        end = datetime.date(self.start.year, self.start.month + 2, 1)
        return f"{self.start:%b} to {end:%b} {self.start.year}"


@dataclass(frozen=True)
class Barometer:
    regions: list[Region]  # the regions with a check-in in any quarter, by ONS code
    quarters: list[Quarter]  # oldest first, every quarter from the first check-in's to the last's
    newest_check_in_at: datetime.datetime | None
    computed_at: datetime.datetime
    version: str = ""  # its cache key: what is drawn from it is kept under the same

    @property
    def shows_anything(self) -> bool:
        return any(quarter.england.shown for quarter in self.quarters)


def suppression_apply(regions: dict[str, Tally], england: Tally) -> tuple[dict[str, str], str]:
    """Why each hidden figure is hidden: the regions' by ONS code, and England's ("" if shown).

    A region below the thresholds is hidden. Then England less the regions shown gives what the
    hidden ones add up to, so while that covers too few, the smallest region still shown is
    hidden as well. With every region hidden, what they add up to is England, which is shown
    only when it covers enough: so the loop always ends with nothing recoverable."""
    england_reason = england.unsafe_reason
    if england_reason:
        # Every region is a part of England, so each covers too few as well.
        return {code: tally.unsafe_reason for code, tally in regions.items() if tally.check_ins}, england_reason
    hidden = {code: tally.unsafe_reason for code, tally in regions.items() if tally.check_ins and tally.unsafe_reason}
    while hidden and sum((regions[code] for code in hidden), Tally()).unsafe_reason:
        shown = [code for code, tally in regions.items() if tally.check_ins and code not in hidden]
        smallest = min(shown, key=lambda code: (regions[code].relationships, regions[code].authorities, code))
        hidden[smallest] = COMPLEMENT
    return hidden, ""


def _quarters_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    quarters, start = [], first
    while start <= last:
        quarters.append(start)
        month = start.month + 3
        start = datetime.date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return quarters


def _tallies() -> list[dict[str, Any]]:
    """The one aggregate query: each quarter's check-ins by the region of the local authority."""
    return list(
        PulseCheckIn.objects.values(
            "quarter_start", region_code=F(f"{_REGION}ons_code"), region_name=F(f"{_REGION}name")
        )
        .annotate(
            relationships=Count("relationship", distinct=True),
            authorities=Count("relationship__local_authority", distinct=True),
            check_ins=Count("pk"),
            newest_at=Max("submitted_at"),
            **{f"sum_{question}": Sum(question) for question in QUESTIONS},
        )
        .order_by("quarter_start", "region_code")
    )


def barometer_build() -> Barometer:
    rows = _tallies()
    regions = sorted({Region(row["region_code"], row["region_name"]) for row in rows}, key=lambda r: r.ons_code)
    by_quarter: dict[datetime.date, dict[str, Tally]] = {}
    for row in rows:
        sums = tuple(int(row[f"sum_{question}"]) for question in QUESTIONS)
        tally = Tally(row["relationships"], row["authorities"], row["check_ins"], sums)
        by_quarter.setdefault(row["quarter_start"], {})[row["region_code"]] = tally
    starts = _quarters_between(min(by_quarter), max(by_quarter)) if by_quarter else []
    return Barometer(
        regions=regions,
        quarters=[_quarter(start, by_quarter.get(start, {}), regions) for start in starts],
        newest_check_in_at=max((row["newest_at"] for row in rows), default=None),
        computed_at=timezone.now(),
    )


def _quarter(start: datetime.date, found: dict[str, Tally], regions: list[Region]) -> Quarter:
    tallies = {region.ons_code: found.get(region.ons_code, Tally()) for region in regions}
    england = sum(tallies.values(), Tally())
    hidden, england_reason = suppression_apply(tallies, england)
    return Quarter(
        start=start,
        england=Cell.of(england, england_reason),
        regions={code: Cell.of(tally, hidden.get(code, "")) for code, tally in tallies.items()},
    )


def sector_barometer() -> Barometer:
    """The barometer as the check-ins stand: built once per new check-in, read from the cache
    otherwise (one small query to know which)."""
    state = PulseCheckIn.objects.aggregate(newest=Max("pk"), count=Count("pk"), latest=Max("submitted_at"))
    # The newest answer's time too: a database restored from a copy may reuse ids and counts.
    latest = state["latest"].timestamp() if state["latest"] else 0
    key = f"trust:barometer:v1:{state['newest'] or 0}:{state['count']}:{latest}"
    barometer: Barometer | None = cache.get(key)
    if barometer is None:
        barometer = dataclasses.replace(barometer_build(), version=key)
        cache.set(key, barometer, timeout=CACHE_SECONDS)
    return barometer


# --- The chart: a line for England and one for a chosen region, drawn on the server ----------

CHART_WIDTH, CHART_HEIGHT = 720, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 24, 16, 48


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # "Jan to Mar 2026: 3.4"


@dataclass(frozen=True)
class Line:
    name: str
    style: str  # "england" or "region", the stylesheet's class
    segments: list[list[Point]]  # broken where a quarter is not shown

    @property
    def points(self) -> list[Point]:
        return [point for segment in self.segments for point in segment]

    @property
    def paths(self) -> list[str]:
        return [" ".join(f"{point.x:.1f},{point.y:.1f}" for point in segment) for segment in self.segments]


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = _LEFT
    right: int = CHART_WIDTH - _RIGHT
    top: int = _TOP
    bottom: int = CHART_HEIGHT - _BOTTOM


def _x(index: int, count: int) -> float:
    width = CHART_WIDTH - _LEFT - _RIGHT
    return _LEFT + (width / 2 if count == 1 else index * width / (count - 1))


def _y(value: Decimal | int) -> float:
    height = CHART_HEIGHT - _TOP - _BOTTOM
    return _TOP + float(5 - Decimal(value)) / 4 * height


def _line(name: str, style: str, cells: list[Cell], quarters: list[Quarter]) -> Line:
    segments: list[list[Point]] = [[]]
    for index, (cell, quarter) in enumerate(zip(cells, quarters, strict=True)):
        if cell.average is None:
            segments.append([])
            continue
        segments[-1].append(Point(_x(index, len(quarters)), _y(cell.average), f"{quarter.label}: {cell.average}"))
    return Line(name, style, [segment for segment in segments if segment])


def barometer_chart(barometer: Barometer, region: Region | None) -> Chart:
    quarters = barometer.quarters
    lines = [_line("England", "england", [quarter.england for quarter in quarters], quarters)]
    if region is not None:
        lines.append(_line(region.name, "region", [quarter.regions[region.ons_code] for quarter in quarters], quarters))
    # Every quarter's label while they fit; past eight, every other one (or fewer) is labelled.
    step = max(1, -(-len(quarters) // 8))
    x_ticks = [
        Tick(_x(index, len(quarters)), quarter.label) for index, quarter in enumerate(quarters) if index % step == 0
    ]
    return Chart(lines=lines, x_ticks=x_ticks, y_ticks=[Tick(_y(value), str(value)) for value in range(1, 6)])
