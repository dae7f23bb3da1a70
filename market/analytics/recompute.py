"""The recomputation of every market and cost snapshot: the one service that writes them.

- One at a time: a PostgreSQL advisory lock (session level, fixed key) is taken on a
  connection of the run's own; when another run holds it, a SKIPPED run is recorded and
  nothing else happens.
- Progress ("dates 3/7: 2022-03-31") is written on that same side connection, in autocommit,
  so an administrator sees it while the run goes whatever the main connection is doing.
- Atomic switch: the snapshots are written with bulk_create and the run becomes current (the
  previous current run stops being current) in one transaction, so dashboards see the old set
  or the new one, never half of one. On failure the run is FAILED with the error and the
  current run stays current.
- Never "running" for good: a run whose process died keeps RUNNING, but its lock went with its
  connection. Whoever next takes the lock (the next run, or the check beat runs every few
  minutes) records it FAILED as interrupted; market.scheduling asks again for an
  administrator's or an import's run (ADR 22).
- Idempotent: the same inputs give the same snapshots, in content and order; `inputs_digest`
  and `content_digest` show it. Snapshots of all but the last KEEP_RUNS succeeded runs are
  deleted after the switch (the runs themselves stay, as history).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import psycopg2
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from market.analytics import inputs
from market.analytics.costs import CostFigures, cost_figures
from market.analytics.market import DateFigures, Geographies, date_figures
from market.analytics.snapshot_values import market_values
from market.models import CostSnapshot, MarketSnapshot, RecomputeRun

logger = logging.getLogger(__name__)

# pg_try_advisory_lock key of market recomputes ("RCMARKET" read as digits, fits a bigint).
LOCK_KEY = 7_267_776_582
KEEP_RUNS = 3
# The error of a run whose process died mid-way (found RUNNING with its lock gone).
INTERRUPTED = "Interrupted: the process running it stopped before it finished."
BATCH_SIZE = 1000

Progress = Callable[[str], None]


class _SideConnection:
    """A connection of the run's own, in autocommit: holds the lock, writes progress."""

    def __init__(self) -> None:
        settings = connections[DEFAULT_DB_ALIAS].settings_dict
        parameters = {
            "dbname": settings["NAME"],
            "user": settings["USER"],
            "password": settings["PASSWORD"],
            "host": settings["HOST"],
            "port": settings["PORT"],
        }
        self.connection = psycopg2.connect(**{name: value for name, value in parameters.items() if value})
        self.connection.autocommit = True

    def try_lock(self) -> bool:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            row = cursor.fetchone()
        return bool(row and row[0])

    def progress(self, run_id: int, text: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {RecomputeRun._meta.db_table} SET progress = %s WHERE id = %s",  # noqa: S608 - table name is ours
                [text[:200], run_id],
            )

    def close(self) -> None:
        # Closing the session releases its advisory lock.
        self.connection.close()


@contextmanager
def _side_connection() -> Iterator[_SideConnection]:
    side = _SideConnection()
    try:
        yield side
    finally:
        side.close()


@dataclass
class Computed:
    """Everything one run writes, before it is written."""

    dates: list[datetime.date]
    markets: list[dict[str, Any]] = field(default_factory=list)
    costs: list[CostFigures] = field(default_factory=list)
    inputs_digest: str = ""
    content_digest: str = ""


def _frame_digest(digest: Any, frame: pd.DataFrame) -> None:
    digest.update(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())


def _with_codes(figures: DateFigures, geographies: Geographies, as_of: datetime.date) -> DateFigures:
    """The date's frames with the geography index replaced by its ONS code, and the date added."""

    def coded(frame: pd.DataFrame) -> pd.DataFrame:
        codes = frame["geography"].map(dict(enumerate(geographies.codes)))
        return frame.assign(geography=codes, as_of=as_of)

    return DateFigures(
        headline=coded(figures.headline),
        owner_type_shares=coded(figures.owner_type_shares),
        size_bands=coded(figures.size_bands),
        top_owners=coded(figures.top_owners),
    )


def snapshots_compute(progress: Progress) -> Computed:
    """Every market and cost snapshot's values, from the registers, the graph and placements."""
    computed = Computed(dates=inputs.snapshot_dates())
    editions = inputs.register_editions()
    names = inputs.geography_names()
    providers = inputs.provider_names()
    digest = hashlib.sha256(json.dumps([day.isoformat() for day in computed.dates]).encode())
    per_date = []
    for position, as_of in enumerate(computed.dates, start=1):
        progress(f"dates {position}/{len(computed.dates)}: {as_of.isoformat()}")
        homes = inputs.market_homes_frame(as_of, providers)
        _frame_digest(digest, homes)
        geographies = Geographies.of(homes)
        figures = date_figures(homes, geographies, editions.get(as_of))
        per_date.append(_with_codes(figures, geographies, as_of))
    progress("costs")
    placements = inputs.placements_frame()
    _frame_digest(digest, placements)
    computed.costs = cost_figures(placements, names)
    progress("assembling snapshots")
    computed.markets = market_values(per_date, computed.dates, names, editions, inputs.official_totals())
    computed.inputs_digest = digest.hexdigest()
    computed.content_digest = _content_digest(computed)
    return computed


def _content_digest(computed: Computed) -> str:
    costs = [vars(figures) for figures in computed.costs]
    content = json.dumps({"markets": computed.markets, "costs": costs}, sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()


def _cost_snapshot(run: RecomputeRun, figures: CostFigures) -> CostSnapshot:
    return CostSnapshot(
        run=run,
        financial_year=figures.financial_year,
        group_kind=figures.group_kind,
        group_value=figures.group_value,
        placements=figures.placements,
        suppressed=figures.suppressed,
        median_weekly_fee=figures.median_weekly_fee,
        lower_quartile=figures.lower_quartile,
        upper_quartile=figures.upper_quartile,
        synthetic=figures.synthetic,
        figures={"label": figures.label},
    )


# The columns COPY writes, in order (MarketSnapshot's fields but its id).
_COPIED = [field.column for field in MarketSnapshot._meta.concrete_fields if not field.primary_key]


def _copy_cell(value: Any) -> Any:
    """A value as COPY's CSV reads it: an unquoted empty field is NULL, JSON as its text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value  # str() of a float round-trips exactly, as bulk_create's parameters do


def _market_snapshots_copy(run: RecomputeRun, markets: list[dict[str, Any]]) -> None:
    """Every market snapshot in one COPY: eleven years are some 20,000 rows, and bulk INSERTs
    of them were the slowest part of a recompute. Inside the caller's transaction."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for values in markets:
        row = {"run_id": run.pk, **values}
        writer.writerow([_copy_cell(row[column]) for column in _COPIED])
    buffer.seek(0)
    table = MarketSnapshot._meta.db_table
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(_COPIED)}) FROM STDIN WITH (FORMAT csv)", buffer)


def _publish(run: RecomputeRun, computed: Computed) -> None:
    """Write the snapshots and make the run current, in one transaction."""
    with transaction.atomic():
        _market_snapshots_copy(run, computed.markets)
        markets = computed.markets
        costs = [_cost_snapshot(run, figures) for figures in computed.costs]
        CostSnapshot.objects.bulk_create(costs, batch_size=BATCH_SIZE)
        RecomputeRun.objects.filter(is_current=True).exclude(pk=run.pk).update(is_current=False)
        run.status = RecomputeRun.Status.SUCCEEDED
        run.is_current = True
        run.finished_at = timezone.now()
        run.rows_written = len(markets) + len(costs)
        run.progress = f"done: {len(computed.dates)} dates, {len(markets)} market and {len(costs)} cost snapshots"
        run.inputs_digest = computed.inputs_digest
        run.content_digest = computed.content_digest
        run.save(
            update_fields=[
                "status",
                "is_current",
                "finished_at",
                "rows_written",
                "progress",
                "inputs_digest",
                "content_digest",
            ]
        )


def _old_snapshots_delete() -> None:
    """Keep the snapshots of the last KEEP_RUNS succeeded runs (the current one first)."""
    kept = list(
        RecomputeRun.objects.filter(status=RecomputeRun.Status.SUCCEEDED)
        .order_by("-is_current", "-started_at", "-pk")
        .values_list("pk", flat=True)[:KEEP_RUNS]
    )
    MarketSnapshot.objects.exclude(run_id__in=kept).delete()
    CostSnapshot.objects.exclude(run_id__in=kept).delete()


def _fail(run: RecomputeRun, error: Exception) -> None:
    run.status = RecomputeRun.Status.FAILED
    run.error = f"{type(error).__name__}: {error}"
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


def _skipped(trigger: str) -> RecomputeRun:
    now = timezone.now()
    return RecomputeRun.objects.create(
        status=RecomputeRun.Status.SKIPPED,
        trigger=trigger,
        started_at=now,
        finished_at=now,
        progress="another recompute was running",
    )


def _silent(text: str) -> None:
    return None


def _interrupted_runs_fail() -> list[RecomputeRun]:
    """Called only while holding the lock, so no run is going: every RUNNING run was left by a
    process that died (a worker killed, its pool child lost), whose lock went with its
    connection. Each is recorded FAILED, saying so; the runs, oldest first."""
    interrupted = list(RecomputeRun.objects.filter(status=RecomputeRun.Status.RUNNING).order_by("started_at", "pk"))
    now = timezone.now()
    for run in interrupted:
        run.status = RecomputeRun.Status.FAILED
        run.error = INTERRUPTED
        run.finished_at = now
        run.save(update_fields=["status", "error", "finished_at"])
        logger.warning("Market recompute %s was interrupted; recorded as failed", run.pk)
    return interrupted


def market_recompute_interrupted_fail() -> list[RecomputeRun]:
    """Record as FAILED the runs left RUNNING by a process that died; none while a run is going
    (that run does it when it starts). The runs so recorded."""
    with _side_connection() as side:
        if not side.try_lock():
            return []
        return _interrupted_runs_fail()


def market_recompute(*, trigger: str, progress: Progress | None = None) -> RecomputeRun:
    """Recompute every snapshot unless another run is going; returns this run's record
    (SUCCEEDED and current, FAILED with the error, or SKIPPED)."""
    tell = progress or _silent
    with _side_connection() as side:
        if not side.try_lock():
            tell("another recompute is running: skipped")
            return _skipped(trigger)
        _interrupted_runs_fail()
        run = RecomputeRun.objects.create(trigger=trigger, status=RecomputeRun.Status.RUNNING)

        def report(text: str) -> None:
            side.progress(run.pk, text)
            tell(text)

        try:
            computed = snapshots_compute(report)
            report(f"writing {len(computed.markets) + len(computed.costs)} snapshots")
            _publish(run, computed)
        except Exception as error:
            logger.exception("Market recompute %s failed", run.pk)
            _fail(run, error)
            return run
        _old_snapshots_delete()
    tell(run.progress)
    return run
