"""Refresh the ownership graph from Companies House's persons-with-significant-control snapshot."""

from __future__ import annotations

import datetime
import json
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ownership.services import psc_snapshot_import
from providers.models import ImportRun

REJECTED_LINES_SHOWN = 50


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from error


def run_report(run: ImportRun) -> dict[str, Any]:
    """The summary printed by --json: what the snapshot held and what the import changed."""
    return {
        "file": run.source_name,
        **run.summary,
        "as_of": run.as_of.isoformat() if run.as_of else None,
        "counts": run.counts,
        "rejected_lines": run.rejected_rows[:REJECTED_LINES_SHOWN],
        "import_run": run.pk,
    }


class Command(BaseCommand):
    help = (
        "Refresh ownership links from Companies House's PSC bulk snapshot (JSON lines, e.g. "
        "persons-with-significant-control-snapshot-2026-11-30.txt), for the companies the graph knows."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, metavar="PATH")
        parser.add_argument(
            "--snapshot-date",
            type=_date,
            default=None,
            help="The snapshot's date, YYYY-MM-DD (default: from the file's name or its totals line).",
        )
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")

        def progress(line: int) -> None:
            self.stderr.write(f"{path.name}: {line:,} lines read")

        run = psc_snapshot_import(path=path, snapshot_date=options["snapshot_date"], progress=progress)
        if run.status == ImportRun.Status.FAILED:
            raise CommandError(run.error)
        report = run_report(run)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        counts = run.counts
        self.stdout.write(
            f"{run.source_name} as at {report['as_of']}: {report['companies_read']} companies read, "
            f"{report['lines_skipped_unknown_companies']} lines of other companies skipped; "
            f"links new {counts.get('interests_new', 0)}, changed {counts.get('interests_changed', 0)}, "
            f"unchanged {counts.get('interests_unchanged', 0)}, ended {counts.get('interests_ended', 0)}; "
            f"rejected {counts['rejected']}"
        )
        for row in run.rejected_rows[:REJECTED_LINES_SHOWN]:
            self.stdout.write(f"  rejected line {row['line']}: {row['reason']}")
