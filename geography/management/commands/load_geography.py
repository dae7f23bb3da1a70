"""Reload regions and local authorities from the ONS lookup package (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from geography.services import reference_data_load


class Command(BaseCommand):
    help = "Load England's regions and children's services authorities (ONS codes)."

    def handle(self, *args: Any, **options: Any) -> None:
        current = reference_data_load()
        self.stdout.write(f"{current} current local authorities loaded.")
