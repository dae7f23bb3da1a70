"""Verify the hash chain of every relationship's trust log (or one), failing loudly."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trust.models import Relationship
from trust.selectors import chain_verify


class Command(BaseCommand):
    help = "Recompute each relationship's trust log hash chain; exit non-zero naming the first entry that fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--relationship", type=int, help="Verify only the relationship with this id.")

    def handle(self, *args: Any, **options: Any) -> None:
        relationships = Relationship.objects.select_related("local_authority", "counterpart").order_by("pk")
        if options["relationship"] is not None:
            relationships = relationships.filter(pk=options["relationship"])
            if not relationships.exists():
                raise CommandError(f"There is no relationship {options['relationship']}.")
        failures: list[str] = []
        for relationship in relationships.iterator():
            report = chain_verify(relationship)
            if report.ok:
                self.stdout.write(f"relationship {relationship.pk} ({relationship}): ok, {report.reason}")
                continue
            line = (
                f"relationship {relationship.pk} ({relationship}): "
                f"FAILS at entry {report.first_bad_sequence}: {report.reason}"
            )
            self.stdout.write(line)
            failures.append(line)
        if failures:
            raise CommandError(f"{len(failures)} trust log(s) fail verification; first: {failures[0]}")
