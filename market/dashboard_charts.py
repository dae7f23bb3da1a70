"""The dashboards' charts: each one a Plotly figure and exactly the rows it draws.

A chart's rows are the single source of its figure, of the accessible table beneath it and of
its CSV download, so the three cannot disagree.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from geography.reference import REGIONS
from market.analytics.selectors import GridPosition
from market.models import CostSnapshot, MarketBasis, MarketSnapshot
from ownership.models import OwnerType

Cell = str | int | float | Decimal | datetime.date | None

FONT = {"family": "arial, sans-serif", "size": 16, "color": "#0b0c0c"}
# GOV.UK Design System colours, in an order where neighbours contrast.
PALETTE = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f", "#912b88", "#28a197", "#801650"]
OWNER_TYPE_COLOURS = {
    OwnerType.LOCAL_AUTHORITY: "#1d70b8",
    OwnerType.VOLUNTARY: "#00703c",
    OwnerType.PRIVATE_INDIVIDUAL: "#f47738",
    OwnerType.PRIVATE_CORPORATE: "#4c2c92",
    OwnerType.PRIVATE_INVESTMENT: "#d4351c",
    # Not knowing has colours of its own, never a known type's: private, owner not known is a
    # light grey beside unknown's dark grey.
    OwnerType.PRIVATE_UNKNOWN: "#b1b4b6",
    OwnerType.UNKNOWN: "#505a5f",
}
_COLOUR_OF_TYPE: dict[str, str] = {kind.value: colour for kind, colour in OWNER_TYPE_COLOURS.items()}
KNOWN_OWNER_TYPES = [kind for kind in OwnerType.values if kind not in (OwnerType.PRIVATE_UNKNOWN, OwnerType.UNKNOWN)]
NOT_KNOWN_OWNER_TYPES = [OwnerType.PRIVATE_UNKNOWN.value, OwnerType.UNKNOWN.value]
COVERAGE_THRESHOLD = MarketSnapshot.COVERAGE_THRESHOLD
COVERAGE_COLUMNS = ["Owner known (% of homes)", "Owner known (% of places)", "Links dated from", "Links dated to"]
OWNER_TYPE_LABELS = dict(OwnerType.choices)
SIZE_BANDS = ("1", "2-5", "6-20", "21+")
SUPPRESSED = "not shown (small numbers)"
SECTOR_LABELS = {"local_authority": "Local authority", "independent": "Independent", "all": "All placements"}
FEE_KINDS = {
    "all": "All placements",
    "owner_type": "By owner type",
    "region": "By region",
    "sector": "Local authority against independent",
}


@dataclass
class Chart:
    """One chart: its figure (None for a table alone), columns and rows (raw values)."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    figure: dict[str, Any] | None = None
    summary: str = ""
    # The big tables (a map's 153 authorities) are folded away under the chart.
    table_collapsed: bool = False
    csv_url: str = ""
    # Optional: a link for each row, drawn on the row's second cell (an area's name).
    links: list[str] = field(default_factory=list)
    # Beside the figure: how much of the market's ownership is known, and a warning where too
    # little is (or why a date has counts only).
    coverage: str = ""
    warning: str = ""
    # The one date a table of a single date is for (its CSV carries it on every row); None for
    # a chart over time, whose rows are dated.
    as_of: datetime.date | None = None

    @property
    def element_id(self) -> str:
        return f"chart-{self.slug}"

    @property
    def table(self) -> list[list[tuple[str, bool, str]]]:
        """Each cell as its display text, whether it is a number (right-aligned) and its link."""
        links = self.links or [""] * len(self.rows)
        return [
            [(display(cell), _is_number(cell), link if index == 1 else "") for index, cell in enumerate(row)]
            for row, link in zip(self.rows, links, strict=True)
        ]

    @property
    def data_id(self) -> str:
        return f"chart-{self.slug}-data"

    @property
    def columns_with_alignment(self) -> list[tuple[str, bool]]:
        """Each column with whether its cells are numbers (right-aligned)."""
        return [(column, any(_is_number(row[index]) for row in self.rows)) for index, column in enumerate(self.columns)]


def _is_number(cell: Cell) -> bool:
    return isinstance(cell, int | float | Decimal)


def display(cell: Cell) -> str:
    if cell is None:
        return "\N{EN DASH}"
    if isinstance(cell, Decimal):
        return f"£{cell:,.0f}"
    if isinstance(cell, float):
        return f"{cell:,.1f}"
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, datetime.date):
        return f"{cell.day} {cell:%B %Y}"
    return str(cell)


def units_label(basis: str) -> str:
    return "Places" if basis == MarketBasis.PLACES else "Homes"


def _trace(kind: str, **attributes: Any) -> dict[str, Any]:
    """A Plotly trace as the plain dictionary Plotly.js reads ("scatter", "bar")."""
    return {"type": kind, **attributes}


def _merged(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """`update` over `base`, nested dictionaries merged (as Plotly's update_layout merges)."""
    merged = dict(base)
    for key, value in update.items():
        merged[key] = (
            _merged(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


def _figure(traces: Sequence[Any], *, y_title: str = "", x_title: str = "", **layout: Any) -> dict[str, Any]:
    """The figure as Plotly.js reads it, built as plain dictionaries: plotly.py's validation
    of every property took most of an uncached page's time (about 90 ms a figure). Plotly.js
    draws without a template what plotly.py's "none" template drew."""
    base = {
        "font": FONT,
        "margin": {"l": 80, "r": 30, "t": 60, "b": 60},
        # Above the plot, clear of the axis title below it.
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#dddddd", "automargin": True},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "colorway": PALETTE,
        "height": 460,
    }
    data = [trace.to_plotly_json() if hasattr(trace, "to_plotly_json") else trace for trace in traces]
    # Through JSON so that the page gets plain numbers and strings (no numpy, no Decimal).
    loaded: dict[str, Any] = json.loads(json.dumps({"data": data, "layout": _merged(base, layout)}, default=float))
    return loaded


# ---------------------------------------------------------------- coverage


def coverage_of(snapshot: MarketSnapshot) -> float | None:
    """The coverage of the snapshot's own basis (places or homes)."""
    return snapshot.coverage_places if snapshot.basis == MarketBasis.PLACES else snapshot.coverage_homes


def is_counts_only(snapshot: MarketSnapshot) -> bool:
    return bool(snapshot.figures.get("counts_only_reason"))


def coverage_cells(snapshot: MarketSnapshot) -> list[Cell]:
    return [snapshot.coverage_homes, snapshot.coverage_places, snapshot.links_oldest, snapshot.links_newest]


def coverage_text(snapshot: MarketSnapshot) -> str:
    """Coverage in words: "Owner known for 61.2% of homes and 63.0% of places, from links dated ..."."""
    if is_counts_only(snapshot):
        return str(snapshot.figures["counts_only_reason"])
    shares = [f"{display(snapshot.coverage_homes)}% of homes"]
    if snapshot.coverage_places is not None:
        shares.append(f"{display(snapshot.coverage_places)}% of places")
    text = f"On {display(snapshot.as_of)} the owner is known for {' and '.join(shares)}"
    if snapshot.links_oldest and snapshot.links_newest:
        return f"{text}, from evidence dated {display(snapshot.links_oldest)} to {display(snapshot.links_newest)}."
    return f"{text}; no dated evidence was used."


def is_low(snapshot: MarketSnapshot) -> bool:
    coverage = coverage_of(snapshot)
    return not is_counts_only(snapshot) and (coverage is None or coverage < COVERAGE_THRESHOLD)


def coverage_warning(snapshot: MarketSnapshot) -> str:
    """The warning beside an owner figure whose market's owners are too little known."""
    if is_counts_only(snapshot):
        return str(snapshot.figures["counts_only_reason"])
    if not is_low(snapshot):
        return ""
    units = units_label(snapshot.basis).lower()
    return (
        f"Owners are known for only {display(coverage_of(snapshot))}% of the {units} on {display(snapshot.as_of)}, "
        f"below {COVERAGE_THRESHOLD:.0f}%: figures about owners describe the {units} whose owner is known, "
        f"not the whole market."
    )


def _series_coverage(chart: Chart, series: Sequence[MarketSnapshot]) -> Chart:
    """The latest date's coverage beside a chart over time, and a warning for any low date."""
    if not series:
        return chart
    chart.coverage = coverage_text(series[-1])
    low = [snapshot for snapshot in series if is_low(snapshot)]
    chart.warning = coverage_warning(low[-1]) if low else ""
    if low and len(low) > 1:
        years = ", ".join(str(snapshot.as_of.year) for snapshot in low)
        chart.warning += f" Coverage is below {COVERAGE_THRESHOLD:.0f}% in {years}."
    return chart


def _snapshot_coverage(chart: Chart, snapshot: MarketSnapshot) -> Chart:
    chart.coverage, chart.warning = coverage_text(snapshot), coverage_warning(snapshot)
    return chart


def _dates(series: Iterable[MarketSnapshot]) -> list[str]:
    return [snapshot.as_of.isoformat() for snapshot in series]


def _lines(series: Sequence[MarketSnapshot], rows: list[list[Cell]], names: Sequence[str], y_title: str) -> dict:
    x = _dates(series)
    traces = [
        _trace("scatter", x=x, y=[row[index + 1] for row in rows], name=name, mode="lines+markers")
        for index, name in enumerate(names)
    ]
    return _figure(traces, y_title=y_title, hovermode="x unified")


# ---------------------------------------------------------------- gaps and editions over time

REGISTER_COLUMN = "Register"
NO_REGISTER = "No register this year"
EDITION_CHANGED = "Edition changed: not comparable with the register before"
_GAP_COLOUR = "#f3f2f1"
_MARKS_SUMMARY = (
    " Shaded: a year with no register, where no line is drawn. Dashed line: the register changed edition "
    "(it holds different homes or figures), so the figures either side of it are not like with like."
)


def _edition_changed(snapshot: MarketSnapshot) -> bool:
    return bool((snapshot.figures.get("change_since_previous") or {}).get("edition_break"))


def _missing_years(earlier: datetime.date, later: datetime.date) -> list[int]:
    """The calendar years strictly between two registers' dates: years with no register."""
    return list(range(earlier.year + 1, later.year))


def _years_text(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]} to {years[-1]}"


def mark_timeline(chart: Chart, series: Sequence[MarketSnapshot]) -> Chart:
    """Marks a chart over time (one row per snapshot of `series`) with the years that have no
    register and the dates the register changed edition: a row per missing year and a Register
    column in the table and CSV; in the figure, the lines broken across a gap, the gap shaded
    and a dashed line at each change of edition, each labelled."""
    width = len(chart.columns)
    rows: list[list[Cell]] = []
    gaps: list[tuple[int, list[int]]] = []  # (index in series after the gap, its missing years)
    for index, (snapshot, row) in enumerate(zip(series, chart.rows, strict=True)):
        missing = _missing_years(series[index - 1].as_of, snapshot.as_of) if index else []
        if missing:
            gaps.append((index, missing))
            rows += [[str(year), *[None] * (width - 1), NO_REGISTER] for year in missing]
        rows.append([*row, EDITION_CHANGED if _edition_changed(snapshot) else ""])
    chart.columns = [*chart.columns, REGISTER_COLUMN]
    chart.rows = rows
    editions = [snapshot.as_of for snapshot in series[1:] if _edition_changed(snapshot)]
    if chart.figure is not None and (gaps or editions):
        _break_lines(chart.figure, series, gaps)
        _draw_marks(chart.figure, series, gaps, editions)
        chart.summary = (chart.summary + _MARKS_SUMMARY).strip()
    return chart


def _midpoint(earlier: datetime.date, later: datetime.date) -> str:
    return (earlier + (later - earlier) / 2).isoformat()


def _break_lines(figure: dict[str, Any], series: Sequence[MarketSnapshot], gaps: list[tuple[int, list[int]]]) -> None:
    """A point with no value inside each gap, so Plotly draws no line across it."""
    for trace in figure["data"]:
        x, y = list(trace["x"]), list(trace["y"])
        for index, _ in reversed(gaps):
            x.insert(index, _midpoint(series[index - 1].as_of, series[index].as_of))
            y.insert(index, None)
        trace["x"], trace["y"] = x, y
        trace["connectgaps"] = False


def _draw_marks(
    figure: dict[str, Any],
    series: Sequence[MarketSnapshot],
    gaps: list[tuple[int, list[int]]],
    editions: list[datetime.date],
) -> None:
    layout = figure.setdefault("layout", {})
    shapes, notes = layout.setdefault("shapes", []), layout.setdefault("annotations", [])
    for index, missing in gaps:
        earlier, later = series[index - 1].as_of.isoformat(), series[index].as_of.isoformat()
        shapes.append(_shape("rect", earlier, later, fillcolor=_GAP_COLOUR, line={"width": 0}, layer="below"))
        notes.append(
            _note(
                _midpoint(series[index - 1].as_of, series[index].as_of),
                f"No register<br>{_years_text(missing)}",
                "center",
            )
        )
    for date in editions:
        shapes.append(
            _shape("line", date.isoformat(), date.isoformat(), line={"color": "#505a5f", "width": 2, "dash": "dash"})
        )
        notes.append(_note(date.isoformat(), "Edition<br>changed", "left"))


def _shape(kind: str, x0: str, x1: str, **style: Any) -> dict[str, Any]:
    return {"type": kind, "xref": "x", "yref": "paper", "x0": x0, "x1": x1, "y0": 0, "y1": 1, **style}


def _note(x: str, text: str, anchor: str) -> dict[str, Any]:
    return {
        "x": x,
        "xref": "x",
        "yref": "paper",
        "y": 0.98,
        "yanchor": "top",
        "xanchor": anchor,
        "text": text,
        "showarrow": False,
        "font": {"size": 13, "color": "#0b0c0c"},
        "bgcolor": "rgba(255,255,255,0.85)",
    }


OFFICIAL_COLUMNS = [
    "Date",
    "Homes, Ofsted's official total",
    "Places, Ofsted's official total",
    "What the register lists",
]


def _lists(snapshot: MarketSnapshot) -> str:
    edition = snapshot.figures.get("edition") or {}
    return str(edition.get("name") or "The whole register")


def homes_places_chart(homes: Sequence[MarketSnapshot], places: Sequence[MarketSnapshot]) -> Chart:
    """Homes and places over time: homes from the homes-basis snapshots (every date), places
    from the places-basis ones (only dates whose register has places), each beside Ofsted's
    official total of the date where it gives one, so a register listing only some homes is
    never read as the market's size."""
    places_on = {snapshot.as_of: snapshot.units for snapshot in places}
    official = [snapshot.figures.get("official_totals") or {} for snapshot in homes]
    rows: list[list[Cell]] = [
        [
            snapshot.as_of,
            snapshot.homes,
            places_on.get(snapshot.as_of),
            total.get("homes"),
            total.get("places"),
            _lists(snapshot),
        ]
        for snapshot, total in zip(homes, official, strict=True)
    ]
    names = ["Homes in the register", "Places in the register"]
    if any(official):
        names += ["Homes, Ofsted's official total", "Places, Ofsted's official total"]
    sources = sorted({str(total["source"]) for total in official if total.get("source")})
    chart = Chart(
        slug="homes-and-places",
        title="Children's homes and places",
        columns=[*OFFICIAL_COLUMNS[:1], *names[:2], *OFFICIAL_COLUMNS[1:]],
        rows=rows,
        figure=_lines(homes, rows, names, "Number"),
        summary="Counted from each date's register of providers, beside Ofsted's own totals where it publishes "
        "them" + (f" ({'; '.join(sources)})" if sources else "") + ". Registers before 2016 give no places; "
        "a register that lists only some homes counts fewer than Ofsted's total.",
    )
    return mark_timeline(chart, homes)


def _owner_type_columns(kinds: list[str], basis: str, of_known: bool) -> list[str]:
    units = units_label(basis).lower()
    return [
        f"{OWNER_TYPE_LABELS[kind]} (% of {units}"
        + (" whose owner type is known)" if of_known and kind in KNOWN_OWNER_TYPES else ")")
        for kind in kinds
    ]


def _owner_type_row(snapshot: MarketSnapshot, kinds: list[str], of_known: bool) -> list[Cell]:
    shares = snapshot.figures.get("owner_type_shares") or {}
    if not shares:  # counts only: no owner types on this date
        return [snapshot.as_of, *([None] * len(kinds)), *coverage_cells(snapshot)]
    known = sum(float(shares.get(kind, 0.0)) for kind in KNOWN_OWNER_TYPES)
    cells: list[Cell] = []
    for kind in kinds:
        share = float(shares.get(kind, 0.0))
        if of_known and kind in KNOWN_OWNER_TYPES:
            share = round(share * 100 / known, 4) if known else 0.0
        cells.append(share)
    return [snapshot.as_of, *cells, *coverage_cells(snapshot)]


def owner_types_chart(series: Sequence[MarketSnapshot], basis: str) -> Chart:
    """Shares by owner type over time. Where any date's coverage is below the threshold the
    known types are shown as shares of the units whose owner type is known, beside the
    not-known shares of all units, so no share is presented as the whole market's."""
    present = {key for snapshot in series for key in snapshot.figures.get("owner_type_shares", {})}
    kinds = [kind for kind in OwnerType.values if kind in present or kind in NOT_KNOWN_OWNER_TYPES]
    of_known = any(is_low(snapshot) for snapshot in series)
    rows = [_owner_type_row(snapshot, kinds, of_known) for snapshot in series]
    traces = [
        _trace(
            "scatter",
            x=_dates(series),
            y=[row[index + 1] for row in rows],
            name=OWNER_TYPE_LABELS[kind],
            mode="lines+markers",
            line={"color": OWNER_TYPE_COLOURS[OwnerType(kind)], "width": 3},
        )
        for index, kind in enumerate(kinds)
    ]
    units = units_label(basis).lower()
    title = f"Share by type of owner, of the {units} whose owner is known" if of_known else "Share by type of owner"
    chart = Chart(
        slug="owner-types",
        title=title,
        columns=["Date", *_owner_type_columns(kinds, basis, of_known), *COVERAGE_COLUMNS],
        rows=rows,
        figure=_figure(traces, y_title=f"% of {units}", hovermode="x unified"),
        summary=f"Private, owner not known: a private home whose kind of owner no evidence establishes. "
        f"Unknown: not even that is known. Both are shown as shares of all {units}."
        if of_known
        else "",
    )
    return mark_timeline(_series_coverage(chart, series), series)


def concentration_chart(series: Sequence[MarketSnapshot]) -> Chart:
    rows: list[list[Cell]] = [
        [snapshot.as_of, snapshot.cr4, snapshot.cr10, *coverage_cells(snapshot)] for snapshot in series
    ]
    chart = Chart(
        slug="concentration",
        title="Share of the 4 and 10 largest owners (CR4, CR10)",
        columns=["Date", "CR4 (%)", "CR10 (%)", *COVERAGE_COLUMNS],
        rows=rows,
        figure=_lines(series, rows, ["CR4: 4 largest owners", "CR10: 10 largest owners"], "% of the market"),
    )
    return mark_timeline(_series_coverage(chart, series), series)


def hhi_chart(series: Sequence[MarketSnapshot]) -> Chart:
    rows: list[list[Cell]] = [[snapshot.as_of, snapshot.hhi, *coverage_cells(snapshot)] for snapshot in series]
    chart = Chart(
        slug="hhi",
        title="Herfindahl-Hirschman index (HHI)",
        columns=["Date", "HHI", *COVERAGE_COLUMNS],
        rows=rows,
        figure=_lines(series, rows, ["HHI"], "HHI (0 to 10,000)"),
        summary="HHI sums the squares of every owner's percentage share: under 1,000 is usually read as "
        "unconcentrated, over 1,800 as highly concentrated.",
    )
    return mark_timeline(_series_coverage(chart, series), series)


def top_owners_chart(snapshot: MarketSnapshot) -> Chart:
    label = units_label(snapshot.basis)
    owners = snapshot.figures.get("top_owners", [])
    rows: list[list[Cell]] = [
        [
            rank,
            owner["name"],
            OWNER_TYPE_LABELS.get(owner.get("owner_type", ""), "Unknown"),
            int(owner["units"]),
            float(owner["share"]),
            *coverage_cells(snapshot),
        ]
        for rank, owner in enumerate(owners, start=1)
    ]
    order = [f"{row[1]} " for row in reversed(rows)]  # the largest at the top
    chart = Chart(
        slug="top-owners",
        title=f"The {len(rows)} largest owners",
        columns=["Rank", "Owner", "Type of owner", label, "Share (%)", *COVERAGE_COLUMNS],
        rows=rows,
        figure=_figure(
            _bars_by_owner_type(list(reversed(owners)), list(reversed(rows))),
            x_title=f"% of {label.lower()}",
            height=max(340, 36 * len(rows) + 140),
            margin={"l": 360, "r": 30, "t": 60, "b": 60},
            yaxis={"automargin": True, "categoryorder": "array", "categoryarray": order},
            barmode="stack",
            showlegend=True,
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": {"text": "Type of owner:"}},
        ),
        summary="Each bar's colour is its owner's type, named in the key above the chart and in the table.",
        as_of=snapshot.as_of,
    )
    return _snapshot_coverage(chart, snapshot)


def _bars_by_owner_type(owners: list[dict[str, Any]], rows: list[list[Cell]]) -> list[Any]:
    """One bar trace per type of owner, so the colours have a legend naming each type."""
    kinds = list(dict.fromkeys(owner.get("owner_type") or OwnerType.UNKNOWN.value for owner in owners))
    traces = []
    for kind in kinds:
        ours = [row for owner, row in zip(owners, rows, strict=True) if (owner.get("owner_type") or "unknown") == kind]
        traces.append(
            _trace(
                "bar",
                x=[row[4] for row in ours],
                y=[f"{row[1]} " for row in ours],
                orientation="h",
                name=OWNER_TYPE_LABELS.get(kind, "Unknown"),
                marker={"color": _COLOUR_OF_TYPE.get(kind, OWNER_TYPE_COLOURS[OwnerType.UNKNOWN])},
            )
        )
    return traces


def _band_label(band: str) -> str:
    return f"{band} home" if band == "1" else f"{band} homes"


def size_bands_chart(snapshot: MarketSnapshot) -> Chart:
    """Owners grouped by how many homes each owns (the bands count homes whichever the basis),
    with the owners in each band and their share of the market's places or homes."""
    label = units_label(snapshot.basis).lower()
    bands = snapshot.figures.get("size_bands", {})
    rows: list[list[Cell]] = [
        [
            _band_label(band),
            int(bands[band]["owners"]),
            int(bands[band]["units"]),
            float(bands[band]["share"]),
            *coverage_cells(snapshot),
        ]
        for band in SIZE_BANDS
        if band in bands
    ]
    bar = _trace("bar", x=[row[0] for row in rows], y=[row[3] for row in rows], marker={"color": "#1d70b8"})
    chart = Chart(
        slug="size-bands",
        title="Owners by the number of homes they own",
        columns=[
            "Owner's size (homes owned)",
            "Owners",
            f"{label.capitalize()} they hold",
            f"Share of {label} (%)",
            *COVERAGE_COLUMNS,
        ],
        rows=rows,
        figure=_figure([bar], y_title=f"% of {label}", x_title="Owners who own this many homes"),
        summary=f"Each owner is counted in one band by the number of homes it owns; the bars are the share of "
        f"the {label} those owners hold.",
        as_of=snapshot.as_of,
    )
    return _snapshot_coverage(chart, snapshot)


def ranking_chart(
    slug: str, title: str, snapshots: Sequence[MarketSnapshot], basis: str, *, as_of: datetime.date | None = None
) -> Chart:
    """A ranked table of areas (no figure): rank, area, code and its concentration."""
    rows: list[list[Cell]] = [
        [rank, s.geography_name, s.geography_code, s.homes, s.units, s.owners, s.hhi, s.cr4, s.cr10, *coverage_cells(s)]
        for rank, s in enumerate(snapshots, start=1)
    ]
    columns = ["Rank", "Area", "ONS code", "Homes", units_label(basis), "Owners", "HHI", "CR4 (%)", "CR10 (%)"]
    columns += COVERAGE_COLUMNS
    if basis == MarketBasis.HOMES:  # homes and units are the same column
        columns, rows = columns[:4] + columns[5:], [row[:4] + row[5:] for row in rows]
    chart = Chart(slug=slug, title=title, columns=columns, rows=rows, as_of=as_of)
    return _areas_coverage(chart, snapshots, basis)


def _areas_coverage(chart: Chart, snapshots: Sequence[MarketSnapshot], basis: str) -> Chart:
    """Beside a table or map of areas: in how many the owners are known well enough."""
    if not snapshots:
        return chart
    units = units_label(basis).lower()
    low = [s for s in snapshots if is_low(s)]
    chart.coverage = (
        f"Owners are known for at least {COVERAGE_THRESHOLD:.0f}% of the {units} in "
        f"{len(snapshots) - len(low)} of these {len(snapshots)} areas (each area's coverage is in its row)."
    )
    if low:
        chart.warning = (
            f"Owners are known for less than {COVERAGE_THRESHOLD:.0f}% of the {units} in {len(low)} of these "
            f"{len(snapshots)} areas: their figures describe the part whose owner is known."
        )
    return chart


def map_chart(snapshots: Sequence[MarketSnapshot], positions: dict[str, GridPosition], basis: str) -> Chart:
    """Each authority as a point at the mean of its postcodes: size is its market, colour its HHI."""
    label = units_label(basis)
    placed = [s for s in snapshots if s.geography_code in positions]
    rows: list[list[Cell]] = [
        [
            s.geography_name,
            s.geography_code,
            positions[s.geography_code].easting,
            positions[s.geography_code].northing,
            s.units,
            s.hhi,
            *coverage_cells(s),
        ]
        for s in placed
    ]
    largest = max((s.units for s in placed), default=1) or 1
    points = go.Scatter(
        x=[row[2] for row in rows],
        y=[row[3] for row in rows],
        mode="markers",
        text=[f"{row[0]}<br>{label}: {display(row[4])}<br>HHI: {display(row[5])}" for row in rows],
        hoverinfo="text",
        marker={
            "size": [row[4] for row in rows],
            "sizemode": "area",
            "sizeref": 2.0 * largest / (36**2),
            "sizemin": 4,
            "color": [row[5] for row in rows],
            "colorscale": "Viridis",
            "reversescale": True,
            "colorbar": {"title": {"text": "HHI"}},
            "line": {"color": "#0b0c0c", "width": 1},
        },
    )
    grid = {"gridcolor": "#eeeeee", "zeroline": False, "tickformat": ",d"}
    figure = _figure(
        [points],
        height=820,
        # England's extent in British National Grid metres; the plot narrows to keep the scale
        # equal rather than showing empty sea either side.
        xaxis={
            **grid,
            "title": {"text": "Easting (metres, British National Grid)"},
            "range": [80_000, 680_000],
            "constrain": "domain",
            "nticks": 5,
            "tickangle": 0,
        },
        yaxis={
            **grid,
            "title": {"text": "Northing (metres)"},
            "range": [0, 680_000],
            "scaleanchor": "x",
            "scaleratio": 1,
        },
        margin={"l": 90, "r": 30, "t": 20, "b": 60},
    )
    chart = Chart(
        slug="map",
        title="Concentration by local authority",
        columns=["Local authority", "ONS code", "Easting", "Northing", label, "HHI", *COVERAGE_COLUMNS],
        rows=rows,
        figure=figure,
        table_collapsed=True,
        summary=f"Each circle is a local authority at the mean position of its postcodes; its area is its number "
        f"of {label.lower()} and its colour its HHI (darker is more concentrated).",
    )
    return _areas_coverage(chart, placed, basis)


def financial_year(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def group_label(kind: str, value: str) -> str:
    if kind == "owner_type":
        return OWNER_TYPE_LABELS.get(value, value)
    if kind == "region":
        return REGIONS.get(value, value)
    return SECTOR_LABELS.get(value, value)


def _fee_row(snapshot: CostSnapshot) -> list[Cell]:
    label = group_label(snapshot.group_kind, snapshot.group_value)
    year = financial_year(snapshot.financial_year)
    if snapshot.suppressed:  # not even the count: counts under 5 are never published
        return [year, label, SUPPRESSED, None, None, None]
    return [
        year,
        label,
        snapshot.placements,
        snapshot.lower_quartile,
        snapshot.median_weekly_fee,
        snapshot.upper_quartile,
    ]


def _group_colour(index: int, label: str) -> str:
    """An owner type keeps its own colour (the one every chart's key gives it); other groups
    take the palette's."""
    kind = next((kind for kind, name in OWNER_TYPE_LABELS.items() if name == label), None)
    return OWNER_TYPE_COLOURS[OwnerType(kind)] if kind else PALETTE[index % len(PALETTE)]


def _fee_trace(index: int, label: str, rows: list[list[Cell]]) -> Any:
    drawn = [row for row in rows if row[1] == label and row[4] is not None]
    medians = [float(row[4]) for row in drawn]  # type: ignore[arg-type]
    return _trace(
        "scatter",
        x=[row[0] for row in drawn],
        y=medians,
        name=label,
        mode="lines+markers",
        line={"color": _group_colour(index, label), "width": 3},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [float(row[5]) - m for row, m in zip(drawn, medians, strict=True)],  # type: ignore[arg-type]
            "arrayminus": [m - float(row[3]) for row, m in zip(drawn, medians, strict=True)],  # type: ignore[arg-type]
            "thickness": 1.5,
        },
    )


def fees_chart(kind: str, snapshots: Sequence[CostSnapshot]) -> Chart:
    """Median weekly fee (bars to the quartiles) by financial year, one line per group."""
    ours = sorted(
        (s for s in snapshots if s.group_kind == kind),
        key=lambda s: (group_label(kind, s.group_value), s.financial_year),
    )
    rows = [_fee_row(snapshot) for snapshot in ours]
    labels = list(dict.fromkeys(str(row[1]) for row in rows))
    traces = [_fee_trace(index, label, rows) for index, label in enumerate(labels)]
    synthetic = any(snapshot.synthetic for snapshot in ours)
    drawn = any(row[4] is not None for row in rows)
    figure = _figure(
        traces,
        x_title="Financial year placements started",
        hovermode="x",
        showlegend=True,  # a key to the groups' colours even when there is one group
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": sorted({str(row[0]) for row in rows}),
            "title": {"text": "Financial year placements started"},
        },
        yaxis={"title": {"text": "Weekly fee (£)"}, "tickformat": ",d", "rangemode": "tozero", "automargin": True},
    )
    return Chart(
        slug=f"fees-{kind.replace('_', '-')}",
        title=f"Weekly fees: {FEE_KINDS.get(kind, kind).lower()}" + (" (synthetic)" if synthetic else ""),
        columns=["Financial year", "Group", "Placements", "Lower quartile (£)", "Median (£)", "Upper quartile (£)"],
        rows=rows,
        figure=figure if drawn else None,
        summary=(
            "Lines join the median weekly fee; bars reach the lower and upper quartiles. Groups with fewer "
            "than 5 placements are not shown."
            if drawn
            else "Every group here is too small to show, so no fees are shown."
        )
        + (_NOT_KNOWN_GROUPS if kind == "owner_type" else ""),
    )


_NOT_KNOWN_GROUPS = (
    " A placement whose home's owner type no evidence establishes is in its own group (“Private, owner not "
    "known” or “Unknown”), never counted in a known type."
)


def fee_kinds(snapshots: Sequence[CostSnapshot]) -> list[str]:
    present = {snapshot.group_kind for snapshot in snapshots}
    return [kind for kind in FEE_KINDS if kind in present] + sorted(present - set(FEE_KINDS))
