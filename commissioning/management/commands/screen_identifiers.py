"""Screen texts for identifiers, one a line: `python manage.py screen_identifiers < texts.txt`.

Writes one JSON object a line, in the same order: {"identifying": true|false, "kinds": [...]}.
The same screen as every form and service (commissioning.identifiers), so an operator can check
an export or a file before it leaves. It never prints the text.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from commissioning.identifiers import identifiers_in


class Command(BaseCommand):
    help = "Read one text per line on standard input; write one JSON verdict per line."
    stealth_options = ("stdin",)  # call_command(..., stdin=io.StringIO(...)) in tests

    def handle(self, *args: Any, **options: Any) -> None:
        stdin = options.get("stdin") or sys.stdin
        for line in stdin:
            kinds = identifiers_in(line.rstrip("\r\n"))
            self.stdout.write(json.dumps({"identifying": bool(kinds), "kinds": kinds}))
