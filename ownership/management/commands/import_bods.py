"""Import a BODS 0.4 file (JSON array or JSON Lines) into the ownership graph."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ownership.services import bods_file_import
from providers.models import ImportRun


class Command(BaseCommand):
    help = "Import BODS 0.4 statements (a JSON array or JSON Lines) into the ownership graph."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        run = bods_file_import(path=path)
        if run.status == ImportRun.Status.FAILED:
            raise CommandError(run.error)
        self.stdout.write(f"{path.name}: {run.counts}")
        for row in run.rejected_rows:
            position = ", ".join(f"{key} {value}" for key, value in row.items() if key in ("line", "statement"))
            self.stdout.write(f"  rejected {position}: {row['reason']}")
