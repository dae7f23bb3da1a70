"""Load the curated ownership CSVs (BenGoodair/Care-Markets) into the ownership graph."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ownership.services import ownership_edges_load
from providers.models import ImportRun

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "data"


class Command(BaseCommand):
    help = "Load curated ownership edges and classifications from a directory of CSVs (default ownership/data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIRECTORY)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        runs = ownership_edges_load(directory=directory)
        if not runs:
            raise CommandError(f"{directory} holds none of the curated ownership files")
        for run in runs:
            self.stdout.write(f"{run.source_name}: {run.get_status_display()} {run.counts}")
            for row in run.rejected_rows:
                self.stdout.write(f"  rejected line {row['line']}: {row['reason']}")
        failed = [run for run in runs if run.status == ImportRun.Status.FAILED]
        if failed:
            raise CommandError("; ".join(f"{run.source_name}: {run.error}" for run in failed))
