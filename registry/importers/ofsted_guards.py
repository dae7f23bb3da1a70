"""Refusals of whole register files: cut short, empty, shrunk, hostile or corrupt (issue 13).

A register is applied as a whole: every home it omits is closed on its date. So a file that
is not the whole register (cut mid-row, header only, far smaller than the last one) must be
refused before anything changes, and so must a spreadsheet built to exhaust memory. Each
check raises RegisterRefusedError with a message for the person importing; the import's
transaction then rolls back, and the command exits non-zero.

This module imports no other importer module, so the readers (ofsted_files) and the import
(ofsted) can both call it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max

from providers.models import Home, HomeObservation

Row = tuple[int, list[Any]]


class RegisterRefusedError(ValueError):
    """The file as a whole must not be applied; the message says why and what to do."""


def _is_blank(cells: list[Any]) -> bool:
    return all(cell in (None, "") for cell in cells)


def csv_size_check(path: Path) -> None:
    """Refuses a CSV register past REGISTER_MAX_CSV_BYTES before it is read (Ofsted's are about 2 MB)."""
    size, limit = path.stat().st_size, settings.REGISTER_MAX_CSV_BYTES
    if size > limit:
        raise RegisterRefusedError(
            f"{path.name} is {size / 1e6:,.0f} MB, past the {limit / 1e6:,.0f} MB allowed for a CSV register "
            "(REGISTER_MAX_CSV_BYTES); Ofsted's are a few megabytes. Nothing was imported."
        )


def rows_capped(rows: Iterator[Row], *, name: str) -> Iterator[Row]:
    """The rows, refusing a file with more than REGISTER_MAX_ROWS (a register has about 6,000)."""
    limit = settings.REGISTER_MAX_ROWS
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise RegisterRefusedError(
                f"{name} has more than {limit:,} rows (REGISTER_MAX_ROWS); a provider-level register has a few thousand"
            )
        yield row


def csv_rows_complete(rows: Iterator[Row], *, name: str, header_width: int, text: str) -> Iterator[Row]:
    """The rows of a CSV register, refusing it at the end if its last row was cut off.

    A file cut mid-row ends inside a quoted cell, or with a last row shorter than the header
    and the row before it, with no line break after it (Ofsted's own files sometimes end
    without one, so a missing line break alone proves nothing). Read as a row, a cut-off row
    gives a home a truncated owner and blank inspection results.
    """
    if text.count('"') % 2:
        raise RegisterRefusedError(
            f"{name} ends inside a quoted cell: the file looks cut short. Nothing was imported; "
            "download the register again."
        )
    ends_with_line_break = text.endswith(("\n", "\r"))
    width = header_width
    previous: Row | None = None
    for row in rows:
        if previous is not None:
            yield previous
            width = min(width, len(previous[1])) if not _is_blank(previous[1]) else width
        previous = row
    if previous is None:
        return
    line, cells = previous
    if not ends_with_line_break and not _is_blank(cells) and len(cells) < width:
        raise RegisterRefusedError(
            f"{name}: the last row (line {line}) is incomplete, with {len(cells)} of {width} columns: "
            "the file looks cut short. Nothing was imported; download the register again."
        )
    yield previous


def register_lists_homes(*, name: str, children_homes: int, rows: int) -> None:
    """Refuses a register that lists no children's home: applied, it would close every home."""
    if children_homes:
        return
    what = "has a header but no rows" if rows == 0 else f"has {rows:,} rows but none is a children's home"
    raise RegisterRefusedError(
        f"{name} {what}: importing it would close every home. Nothing was imported; "
        "check that this is the whole provider-level register."
    )


@dataclass(frozen=True)
class RegisterBaseline:
    """What the stored registers held before this import: what a shrink is measured against."""

    previous_on: datetime.date | None
    previous_homes: int
    open_homes: int

    @classmethod
    def load(cls, as_of: datetime.date) -> RegisterBaseline:
        """The nearest register dated on or before `as_of` (its homes), and the homes open now."""
        previous_on = HomeObservation.objects.filter(as_of__lte=as_of).aggregate(on=Max("as_of"))["on"]
        previous_homes = HomeObservation.objects.filter(as_of=previous_on).count() if previous_on else 0
        return cls(
            previous_on=previous_on,
            previous_homes=previous_homes,
            open_homes=Home.objects.filter(closed_on__isnull=True).count(),
        )


def _drop_percent(before: int, after: int) -> float:
    return 100 * (before - after) / before if before else 0.0


def register_shrink_check(
    baseline: RegisterBaseline, *, name: str, listed_homes: int, allow_shrink: str
) -> dict[str, Any] | None:
    """Refuses a register far smaller than the last, unless a reason is given; returns the record.

    Measured on children's homes listed against the previous register's, and on homes open
    after the import against those open before it (the closures it makes). Real registers
    moved by at most 7.5% a year in 2015-2025, so a bigger drop is most likely a partial file.
    A share of a handful of homes is noise: the rule applies from REGISTER_SHRINK_MIN_HOMES
    (Ofsted's registers list thousands; a header-only file is refused whatever the size).
    """
    if max(baseline.previous_homes, baseline.open_homes) < settings.REGISTER_SHRINK_MIN_HOMES:
        return None
    open_after = Home.objects.filter(closed_on__isnull=True).count()
    drops = {
        "homes": _drop_percent(baseline.previous_homes, listed_homes),
        "open_homes": _drop_percent(baseline.open_homes, open_after),
    }
    limit = settings.REGISTER_MAX_SHRINK_PERCENT
    if max(drops.values()) <= limit:
        return None
    record = {
        "previous_register_on": baseline.previous_on.isoformat() if baseline.previous_on else None,
        "previous_homes": baseline.previous_homes,
        "listed_homes": listed_homes,
        "open_homes_before": baseline.open_homes,
        "open_homes_after": open_after,
        "limit_percent": limit,
    }
    if allow_shrink.strip():
        return {**record, "reason": allow_shrink.strip()}
    listed = f"{name} lists {listed_homes:,} children's homes"
    if baseline.previous_on is not None:
        listed += (
            f" where the register of {baseline.previous_on.isoformat()} listed {baseline.previous_homes:,}"
            f" (down {drops['homes']:.0f}%)"
        )
    raise RegisterRefusedError(
        f"{listed}, and would leave {open_after:,} of {baseline.open_homes:,} homes open "
        f"(down {drops['open_homes']:.0f}%): more than the {limit}% allowed (REGISTER_MAX_SHRINK_PERCENT). "
        'Nothing was imported. If the register really is this much smaller, import it with --allow-shrink "the reason".'
    )
