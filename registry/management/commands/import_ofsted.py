"""Import Ofsted provider-level register files (CSV, XLSX or ODS, any year's layout)."""

from __future__ import annotations

import datetime
import json
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from providers.models import ImportRun
from registry.importers.ofsted import OfstedImportError, ofsted_register_import
from registry.importers.ofsted_files import RegisterFormatError
from registry.importers.ofsted_guards import RegisterRefusedError

REJECTED_ROWS_SHOWN = 50


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from error


def run_report(run: ImportRun) -> dict[str, Any]:
    """The summary printed by --json: what the file holds and what the import changed."""
    summary = dict(run.summary)
    summary.pop("changed_fields", None)
    return {
        "file": run.source_name,
        **summary,
        "as_of": run.as_of.isoformat() if run.as_of else None,
        "counts": run.counts,
        "changed_fields": run.summary.get("changed_fields", {}),
        "rejected_rows": run.rejected_rows[:REJECTED_ROWS_SHOWN],
        "import_run": run.pk,
        "edition": {
            "has_owner_names": run.has_owner_names,
            "has_places": run.has_places,
            "lists": run.lists,
            "is_complete_register": run.is_complete_register,
            "lists_source": run.lists_source,
        },
    }


def _reason(value: str) -> str:
    if not value.strip():
        raise ArgumentTypeError("give the reason the register is so much smaller")
    return value.strip()


class Command(BaseCommand):
    help = "Import Ofsted's provider-level register ('Children's social care data in England')."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--as-of", type=_date, default=None, help="The register's date, YYYY-MM-DD.")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        parser.add_argument(
            "--allow-shrink",
            type=_reason,
            default=None,
            metavar="REASON",
            help="Import a register far smaller than the previous one (REGISTER_MAX_SHRINK_PERCENT); "
            "the reason is kept on the import run.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reports = [self._import_one(path, options["as_of"], options["allow_shrink"] or "") for path in options["paths"]]
        if options["json"]:
            self.stdout.write(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
            return
        for report in reports:
            counts = report["counts"]
            self.stdout.write(
                f"{report['file']} as at {report['as_of']}: {report['all_children_home_types']} children's homes; "
                f"new {counts['new']}, changed {counts['changed']}, closed {counts['closed']}, "
                f"unchanged {counts['unchanged']}, rejected {counts['rejected']}"
            )

    def _import_one(self, path: Path, as_of: datetime.date | None, allow_shrink: str) -> dict[str, Any]:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")

        def progress(message: str) -> None:
            self.stderr.write(f"{path.name}: {message}")

        try:
            run = ofsted_register_import(path=path, as_of=as_of, progress=progress, allow_shrink=allow_shrink)
        except (OfstedImportError, RegisterFormatError, RegisterRefusedError) as error:
            raise CommandError(str(error)) from error
        return run_report(run)
