"""Write the whole ownership graph as BODS 0.4 statements, validated before writing."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ownership.bods import BodsExportInvalid
from ownership.selectors import bods_statements_export


class Command(BaseCommand):
    help = "Export the ownership graph as BODS 0.4 statements (a JSON array), to a file or stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="Where to write (default: standard output).")

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        try:
            statements = bods_statements_export()
        except BodsExportInvalid as error:
            raise CommandError(str(error)) from error
        text = json.dumps(statements, indent=2, ensure_ascii=False) + "\n"
        if output is None:
            sys.stdout.write(text)
            return
        output.write_text(text, encoding="utf-8")
        self.stderr.write(f"{len(statements)} statements written to {output}")
