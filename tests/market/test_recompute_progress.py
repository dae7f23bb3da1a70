"""A recompute started from the admin returns at once and shows its progress (issue 16 part 8)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from market.models import RecomputeRun
from market.scheduling import recompute_progress
from tests.market.snapshot_factories import RecomputeRunFactory
from tests.market.test_recompute import staff_client  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
PROGRESS = "/admin/market/recomputerun/progress/"


def test_the_page_returns_before_any_worker_starts_and_says_the_run_is_waiting(staff_client: Client) -> None:  # noqa: F811
    RecomputeRunFactory(is_current=True)  # an earlier run, finished

    # No on-commit callback runs here: nothing is sent to a worker, as when every worker is busy.
    response = staff_client.post("/admin/market/recomputerun/start/", follow=True)

    text = response.content.decode()
    assert "Asked for at" in text
    assert "waiting for a worker to start it" in text
    assert 'hx-trigger="every 3s"' in text  # the panel keeps asking while the run is waited for
    assert RecomputeRun.objects.count() == 1  # the request did not do the run itself


def test_the_panel_follows_a_run_and_stops_asking_when_it_ends(staff_client: Client) -> None:  # noqa: F811
    staff_client.post("/admin/market/recomputerun/start/")
    run = RecomputeRunFactory(
        status=RecomputeRun.Status.RUNNING, started_at=timezone.now(), finished_at=None, is_current=False
    )
    RecomputeRun.objects.filter(pk=run.pk).update(progress="2019-03-31: 4 of 11 dates")

    going = staff_client.get(PROGRESS).content.decode()

    assert "Running since" in going
    assert "2019-03-31: 4 of 11 dates" in going
    assert "waiting for a worker" not in going  # the run started after it was asked for
    RecomputeRun.objects.filter(pk=run.pk).update(status=RecomputeRun.Status.SUCCEEDED, progress="done")
    ended = staff_client.get(PROGRESS).content.decode()
    assert "No recompute is going. The last succeeded" in ended
    assert "hx-trigger" not in ended


def test_progress_is_for_staff_only(client: Client) -> None:
    assert client.get(PROGRESS).status_code == 302  # to the sign-in page
    assert recompute_progress().active is False


def test_scheduling_a_task_in_a_fresh_process_runs_no_system_checks(tmp_path: Path) -> None:
    """Celery's own way of importing the tasks modules ran all of Django's system checks, seconds
    of the first request in each web process that scheduled a task (21 s on a busy machine)."""
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from django.core import checks
        calls = []
        checks.run_checks = lambda *a, **k: calls.append(1) or []
        from outbox.services import task_named
        task_named("market.recompute_market_task")
        print("checks run:", len(calls))
        """
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "checks run: 0" in result.stdout
