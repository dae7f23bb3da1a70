"""Load the demonstration data and print the demo logins (used by `make run`)."""

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from commissioning.events import journey_events_paused
from commissioning.models import Placement
from config.env import env_str
from demo.journey import demo_journey_load
from demo.placements import synthetic_placements_create
from demo.services import demo_load, registry_load
from demo.trust import demo_trust_load
from market.analytics.recompute import market_recompute
from market.models import RecomputeRun
from trust.commitments import commitments_check
from trust.indicators import relationship_indicators_recompute_all


@contextlib.contextmanager
def _quiet_synthetic_tasks() -> Iterator[None]:
    """Synthetic referrals e-mail nobody: the invitations' e-mails (run in-process when there
    is no worker, once the transaction commits) go to a dummy backend, unlogged."""
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    trace.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            yield
    finally:
        trace.setLevel(level)


class Command(BaseCommand):
    help = "Load the registry, demonstration organisations, logins and synthetic journey (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--referrals", type=int, default=300, help="Synthetic referrals over the year.")
        parser.add_argument("--homes", type=int, default=400, help="Other real homes given synthetic profiles.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            password = env_str("DEMO_PASSWORD", required=True)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        imported = registry_load(progress=self.stderr.write)
        had_placements = Placement.objects.filter(is_synthetic=True).exists()
        placements = synthetic_placements_create()
        self.stderr.write(f"{placements} synthetic placements (demo data, labelled so).")
        logins = demo_load(password=password)
        # The year's journey events are not published one by one: demo_trust_load records, in
        # time order, those of the demo logins' organisations, with the demo relationship's story
        # among them (the other synthetic pairs have no one to read their logs).
        with _quiet_synthetic_tasks(), journey_events_paused(), transaction.atomic():
            journey = demo_journey_load(
                referrals=options["referrals"], sample=options["homes"], progress=self.stderr.write
            )
            story = demo_trust_load()
        missed = commitments_check()
        indicators = relationship_indicators_recompute_all()
        self.stderr.write(
            f"Trust log: {story.entries} entries written"
            f"{' with the demo relationship story' if story.story_written else ''}; "
            f"{missed.missed} commitments recorded missed, {missed.reminded} reminders; "
            f"indicators of {indicators} relationships."
        )
        self.stderr.write(
            f"{journey.referrals} synthetic referrals over the year, {journey.live_referrals} live ones for the logins."
        )
        if (
            imported
            or not had_placements
            or journey.created
            or not RecomputeRun.objects.filter(is_current=True).exists()
        ):
            # Once, after everything is in: the dashboards read only snapshots.
            run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND, progress=self.stderr.write)
            self.stderr.write(f"Market snapshots: {run.get_status_display()}, {run.rows_written} rows.")
        self.stdout.write("\nDemo logins (password for each: the DEMO_PASSWORD in .data/dev.env):")
        for login in logins:
            self.stdout.write(f"  {login.role:<14} {login.email:<28} {login.organisation}")
        self.stdout.write(f"  Password: {password}\n")
