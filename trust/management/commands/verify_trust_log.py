"""Verify the hash chain of every relationship's trust log (or one), failing loudly; a full run
also checks the logs against every published transparency digest (ADR 19)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trust.models import Relationship
from trust.selectors import chain_verify
from trust.transparency import digests_verify


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
        # A digest covers every chain at once, so only a full run checks the digests.
        digest_failures = self._digests_check() if options["relationship"] is None else []
        message = _failure_message(failures, digest_failures)
        if message:
            raise CommandError(message)

    def _digests_check(self) -> list[str]:
        failures: list[str] = []
        for report in digests_verify():
            name = f"digest of {report.date.isoformat()}"
            if report.ok:
                self.stdout.write(f"{name}: ok, its {report.chain_count} chain head(s) give its root")
                continue
            line = f"{name}: FAILS: {'; '.join(report.problems)}"
            self.stdout.write(line)
            failures.append(line)
        return failures


def _failure_message(failures: list[str], digest_failures: list[str]) -> str:
    parts = []
    if failures:
        parts.append(f"{len(failures)} trust log(s) fail verification; first: {failures[0]}")
    if digest_failures:
        count = len(digest_failures)
        parts.append(f"{count} published digest(s) no longer match the logs; first: {digest_failures[0]}")
    return "\n".join(parts)
