"""Recompute every market and cost snapshot now, in this process."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from market.analytics.recompute import market_recompute
from market.models import MarketSnapshot, RecomputeRun


class Command(BaseCommand):
    help = "Recompute every market and cost snapshot now (progress on stderr); prints the run's summary."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND, progress=self.stderr.write)
        summary = run_summary(run)
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
        else:
            self.stdout.write(
                f"Recompute {run.pk} {run.status}: {run.rows_written} snapshots for {len(summary['dates'])} dates "
                f"in {summary['seconds']} s"
            )
        if run.status == RecomputeRun.Status.FAILED:
            raise CommandError(run.error)


def run_summary(run: RecomputeRun) -> dict[str, Any]:
    dates = sorted(set(MarketSnapshot.objects.filter(run=run).values_list("as_of", flat=True)))
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    return {
        "run": run.pk,
        "status": run.status,
        "rows_written": run.rows_written,
        "dates": [day.isoformat() for day in dates],
        "seconds": round(seconds, 2) if seconds is not None else None,
        "content_digest": run.content_digest,
        "error": run.error,
    }
