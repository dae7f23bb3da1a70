"""Print, as JSON, the proof that one relationship's log is in a published transparency digest."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trust.models import TransparencyDigest
from trust.transparency import digest_inclusion_proof


class Command(BaseCommand):
    help = (
        "Print the Merkle inclusion proof of one relationship's head in a digest (the newest, or "
        "--date's), for the relationship's two sides to check against the root they noted (ADR 19)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--relationship", type=int, required=True, help="The relationship's id.")
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="The digest's date, YYYY-MM-DD.")

    def handle(self, *args: Any, **options: Any) -> None:
        digests = TransparencyDigest.objects.order_by("-sequence")
        if options["date"] is not None:
            digests = digests.filter(date=options["date"])
        digest = digests.first()
        if digest is None:
            raise CommandError("There is no such digest." if options["date"] else "No digest is published yet.")
        try:
            proof = digest_inclusion_proof(digest=digest, relationship_id=options["relationship"])
        except LookupError as missing:
            raise CommandError(str(missing)) from None
        self.stdout.write(json.dumps(proof, indent=2))
