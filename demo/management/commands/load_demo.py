"""Load the demonstration data and print the demo logins (used by `make run`)."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from commissioning.models import Placement
from config.env import env_str
from demo.placements import synthetic_placements_create
from demo.services import demo_load, registry_load
from ownership.analytics.recompute import market_recompute
from ownership.models import RecomputeRun


class Command(BaseCommand):
    help = "Load demonstration organisations and logins (idempotent) and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            password = env_str("DEMO_PASSWORD", required=True)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        imported = registry_load(progress=self.stderr.write)
        had_placements = Placement.objects.filter(is_synthetic=True).exists()
        placements = synthetic_placements_create()
        self.stderr.write(f"{placements} synthetic placements (demo data, labelled so).")
        if imported or not had_placements or not RecomputeRun.objects.filter(is_current=True).exists():
            # Once, after everything is in: the dashboards read only snapshots.
            run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND, progress=self.stderr.write)
            self.stderr.write(f"Market snapshots: {run.get_status_display()}, {run.rows_written} rows.")
        logins = demo_load(password=password)
        self.stdout.write("\nDemo logins (password for each: the DEMO_PASSWORD in .data/dev.env):")
        for login in logins:
            self.stdout.write(f"  {login.role:<14} {login.email:<28} {login.organisation}")
        self.stdout.write(f"  Password: {password}\n")
