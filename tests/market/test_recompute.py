"""The recompute service: the real 2025 figures, idempotence, the lock, failure, progress, the
commands, the admin, the nightly schedule and a real Celery worker."""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from bods_fixtures import load
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings

from config.celery import app as celery_app
from config.env import env_cron
from geography.models import LocalAuthority
from market.analytics import recompute as recompute_module
from market.analytics.recompute import LOCK_KEY, market_recompute
from market.models import (
    ENGLAND_CODE,
    CostSnapshot,
    GeographyLevel,
    MarketBasis,
    MarketSnapshot,
    OwnerLevel,
    RecomputeRun,
)
from market.tasks import recompute_market_task
from ownership import services as ownership_services
from ownership.services import bods_file_import, ownership_edges_load, provider_entity_ensure
from providers.models import Home, HomeObservation, ImportRun
from registry.importers.ofsted import ofsted_register_import
from tests.factories import StaffUserFactory, totp_activate
from tests.ownership.factories import HomeFactory, ProviderRecordFactory
from tests.workers import real_worker

ROOT = Path(__file__).resolve().parents[2]
REGISTER_2025 = ROOT / "registry" / "data" / "ofsted" / "provider_at_march_2025.csv"
MARCH_2025 = datetime.date(2025, 3, 31)
SUCCEEDED, FAILED, SKIPPED = RecomputeRun.Status.SUCCEEDED, RecomputeRun.Status.FAILED, RecomputeRun.Status.SKIPPED


def leeds() -> LocalAuthority:
    return LocalAuthority.objects.get(ons_code="E08000035")


def observed_home(name: str = "Recompute Care Limited", places: int = 4) -> Home:
    """A private home in Leeds, in the register of 31 March 2025."""
    organisation = ProviderRecordFactory(name=name)
    provider_entity_ensure(provider_organisation=organisation, sector="private")
    home = HomeFactory(provider_organisation=organisation, places=places, local_authority=leeds())
    run, _ = ImportRun.objects.get_or_create(
        kind=ImportRun.Kind.OFSTED, source_name="register", as_of=MARCH_2025, status=ImportRun.Status.SUCCEEDED
    )
    HomeObservation.objects.create(
        home=home,
        import_run=run,
        as_of=MARCH_2025,
        provision_type=home.provision_type,
        local_authority=home.local_authority,
        sector=home.sector,
        places=home.places,
        registered_owner_name=home.registered_owner_name,
        provider_organisation=organisation,
    )
    return home


def snapshot_values(run: RecomputeRun) -> list[dict[str, Any]]:
    return list(MarketSnapshot.objects.filter(run=run).order_by("pk").values(*_VALUE_FIELDS))


_VALUE_FIELDS = [field.name for field in MarketSnapshot._meta.concrete_fields if field.name not in ("id", "run")]


def database_parameters() -> dict[str, Any]:
    settings_dict = connection.settings_dict
    parameters = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"],
        "host": settings_dict["HOST"],
        "port": settings_dict["PORT"],
    }
    return {name: value for name, value in parameters.items() if value}


@pytest.fixture
def other_connection() -> Iterator[Any]:
    """A connection of another process's kind: not the test's, not the service's."""
    other = psycopg2.connect(**database_parameters())
    other.autocommit = True
    yield other
    other.close()


# ---------------------------------------------------------------- the real register


@pytest.mark.django_db
def test_the_2025_register_gives_the_published_concentration(reference_data):
    ofsted_register_import(path=REGISTER_2025)

    run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    assert run.status == SUCCEEDED
    england = MarketSnapshot.objects.get(
        run=run,
        as_of=MARCH_2025,
        geography_code=ENGLAND_CODE,
        basis="places",
        level="registered",
        include_local_authority=True,
    )
    assert england.hhi == pytest.approx(41.5, abs=0.5)
    assert england.cr4 is not None
    assert england.cr10 is not None
    assert (round(england.cr4, 2), round(england.cr10, 2), england.owners) == (8.82, 14.20, 1316)
    # 3,946 homes of type "Children's home" with 14,275 places.
    assert (england.homes, england.units) == (3946, 14275)


# ---------------------------------------------------------------- the service


@pytest.mark.django_db
def test_two_runs_on_the_same_inputs_give_identical_snapshots(reference_data):
    observed_home("First Care Limited", places=3)
    observed_home("Second Care Limited", places=5)

    first = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    second = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    assert (first.status, second.status) == (SUCCEEDED, SUCCEEDED)
    assert len(first.content_digest) == len(first.inputs_digest) == 64
    assert (second.content_digest, second.inputs_digest) == (first.content_digest, first.inputs_digest)
    assert snapshot_values(second) == snapshot_values(first)
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert second.rows_written == MarketSnapshot.objects.filter(run=second).count() == 36


@pytest.mark.django_db
def test_a_changed_input_changes_both_digests(reference_data):
    observed_home("First Care Limited")
    before = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    observed_home("Second Care Limited")

    after = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    assert after.inputs_digest != before.inputs_digest
    assert after.content_digest != before.content_digest


@pytest.mark.django_db
def test_a_run_is_skipped_while_another_holds_the_lock(reference_data, other_connection):
    observed_home()
    current = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    with other_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])

    skipped = market_recompute(trigger=RecomputeRun.Trigger.SCHEDULE)

    assert (skipped.status, skipped.is_current, skipped.rows_written) == (SKIPPED, False, 0)
    assert skipped.progress == "another recompute was running"
    assert RecomputeRun.objects.get(is_current=True) == current
    assert MarketSnapshot.objects.filter(run=skipped).count() == 0
    with other_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    assert market_recompute(trigger=RecomputeRun.Trigger.COMMAND).status == SUCCEEDED


@pytest.mark.django_db
def test_a_failed_run_records_the_error_and_leaves_the_current_run_current(reference_data, monkeypatch):
    observed_home()
    current = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    snapshots = MarketSnapshot.objects.count()

    def broken(*args: object) -> None:
        raise RuntimeError("the pandas step broke")

    monkeypatch.setattr(recompute_module, "date_figures", broken)
    failed = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    assert (failed.status, failed.error, failed.is_current) == (FAILED, "RuntimeError: the pandas step broke", False)
    assert failed.finished_at is not None
    assert RecomputeRun.objects.get(is_current=True) == current
    assert MarketSnapshot.objects.count() == snapshots
    assert MarketSnapshot.objects.filter(run=failed).count() == 0


@pytest.mark.django_db
def test_a_failure_while_writing_rolls_the_snapshots_back(reference_data, monkeypatch):
    observed_home()
    current = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(CostSnapshot.objects, "bulk_create", refuse)  # after the market rows went in
    failed = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    assert (failed.status, failed.error) == (FAILED, "RuntimeError: disk full")
    assert MarketSnapshot.objects.filter(run=failed).count() == 0
    current.refresh_from_db()
    assert current.is_current is True


@pytest.mark.django_db
def test_the_snapshots_of_the_last_three_runs_are_kept(reference_data):
    observed_home()

    runs = [market_recompute(trigger=RecomputeRun.Trigger.COMMAND) for _ in range(4)]

    counts = [MarketSnapshot.objects.filter(run=run).count() for run in runs]
    # One register date and one home in Leeds: a snapshot for England, Yorkshire and the Humber
    # and Leeds, on each basis (homes, places), at each owner level, with and without councils.
    per_run = len(GeographyLevel) * len(MarketBasis) * len(OwnerLevel) * 2
    assert per_run == 36
    assert counts == [0, per_run, per_run, per_run]
    assert set(MarketSnapshot.objects.filter(run=runs[-1]).values_list("geography_code", flat=True)) == {
        ENGLAND_CODE,
        "E12000003",
        "E08000035",
    }
    assert RecomputeRun.objects.count() == 4  # the runs stay, as history


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_other_connections_while_the_run_goes(reference_data, other_connection):
    observed_home()
    seen: list[tuple[str, str]] = []

    def watch(text: str) -> None:
        with other_connection.cursor() as cursor:
            cursor.execute("SELECT status, progress FROM ownership_recomputerun ORDER BY id DESC LIMIT 1")
            seen.append(cursor.fetchone())

    run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND, progress=watch)

    assert seen[:3] == [("running", "dates 1/1: 2025-03-31"), ("running", "costs"), ("running", "assembling snapshots")]
    assert seen[-1] == ("succeeded", "done: 1 dates, 36 market and 0 cost snapshots")
    assert run.finished_at is not None
    assert run.started_at < run.finished_at


@pytest.mark.django_db
def test_no_registers_give_an_empty_successful_run(reference_data):
    run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    assert (run.status, run.rows_written, run.is_current) == (SUCCEEDED, 0, True)


# ---------------------------------------------------------------- commands


@pytest.mark.django_db
def test_recompute_market_command_prints_the_run_as_json(reference_data):
    observed_home()
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("recompute_market", "--json", stdout=stdout, stderr=stderr)

    summary = json.loads(stdout.getvalue())
    run = RecomputeRun.objects.get()
    assert run.finished_at is not None
    assert summary == {
        "run": run.pk,
        "status": "succeeded",
        "rows_written": 36,
        "dates": ["2025-03-31"],
        "seconds": round((run.finished_at - run.started_at).total_seconds(), 2),
        "content_digest": run.content_digest,
        "error": "",
    }
    assert run.trigger == RecomputeRun.Trigger.COMMAND
    assert "dates 1/1: 2025-03-31" in stderr.getvalue()


@pytest.mark.django_db
def test_market_summary_prints_one_snapshot_defaulting_to_england_places_ultimate(reference_data):
    home = observed_home("Summary Care Limited", places=3)
    observed_home("Other Care Limited", places=1)
    run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    stdout = io.StringIO()

    call_command("market_summary", "--as-of", "2025-03-31", "--json", stdout=stdout)

    summary = json.loads(stdout.getvalue())
    assert {key: summary[key] for key in ("run", "geography_code", "basis", "level", "include_local_authority")} == {
        "run": run.pk,
        "geography_code": ENGLAND_CODE,
        "basis": "places",
        "level": "ultimate",
        "include_local_authority": True,
    }
    # 3 and 1 of 4 places: 75% and 25%.
    assert (summary["hhi"], summary["cr4"], summary["owners"], summary["owners_for_25_percent"]) == (
        6250.0,
        100.0,
        2,
        1,
    )
    assert summary["top_owners"][0]["name"] == "Summary Care Limited"
    assert home.local_authority is not None
    code = home.local_authority.ons_code
    stdout = io.StringIO()
    call_command(
        "market_summary",
        "--as-of=2025-03-31",
        f"--geography={code}",
        "--basis=homes",
        "--level=registered",
        "--exclude-local-authority",
        "--json",
        stdout=stdout,
    )
    local = json.loads(stdout.getvalue())
    assert (local["geography_code"], local["basis"], local["level"], local["include_local_authority"]) == (
        code,
        "homes",
        "registered",
        False,
    )
    assert (local["homes"], local["owners"], local["hhi"]) == (2, 2, 5000.0)
    stdout = io.StringIO()
    call_command("market_summary", "--as-of=2025-03-31", stdout=stdout)
    assert "HHI 6250.0, CR4 100.00%, CR10 100.00%" in stdout.getvalue()
    # Neither provider has links: no owner is known, and the summary says so beside the figures.
    assert (summary["coverage_homes"], summary["coverage_places"], summary["links_newest"]) == (0.0, 0.0, None)
    assert "owner known for 0.0% of homes and 0.0% of places, with no dated evidence" in stdout.getvalue()
    assert "warning: owners are known for only 0.0% of the places, below 90%" in stdout.getvalue()


@pytest.mark.django_db
def test_market_summary_says_clearly_when_there_is_nothing_to_show(reference_data):
    with pytest.raises(CommandError, match="No market recompute has succeeded yet"):
        call_command("market_summary", "--as-of=2025-03-31")
    observed_home()
    market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    with pytest.raises(CommandError, match=r"No snapshot for E92000001 on 2024-03-31 .*Dates: 2025-03-31"):
        call_command("market_summary", "--as-of=2024-03-31")


# ---------------------------------------------------------------- scheduling


def test_the_nightly_schedule_runs_at_two_by_default():
    assert settings.CELERY_BEAT_SCHEDULE["recompute-market-nightly"] == {
        "task": "market.recompute_market_task",
        "schedule": crontab(minute="0", hour="2", day_of_month="*", month_of_year="*", day_of_week="*"),
        "kwargs": {"trigger": "schedule"},
    }
    assert settings.CELERY_TIMEZONE == "Europe/London"
    assert recompute_market_task.name in celery_app.tasks
    assert (recompute_market_task.soft_time_limit, recompute_market_task.time_limit) == (35 * 60, 40 * 60)


def test_imports_below_the_market_name_its_task_and_trigger_as_the_market_does():
    # Registry and ownership imports sit below the market (ADR 21) and ask for a recompute by
    # name: a renamed task or trigger would be an UnknownTaskError or a run that never retries.
    assert recompute_market_task.name == ownership_services.MARKET_RECOMPUTE_TASK
    assert ownership_services.AFTER_IMPORT == RecomputeRun.Trigger.IMPORT


def _settings_in_a_new_process(cron: str) -> subprocess.CompletedProcess[str]:
    script = "import django; django.setup(); from django.conf import settings; "
    script += "print(settings.CELERY_BEAT_SCHEDULE['recompute-market-nightly']['schedule'])"
    environment = {**os.environ, "MARKET_RECOMPUTE_CRON": cron, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )


def test_the_schedule_comes_from_market_recompute_cron():
    configured = _settings_in_a_new_process("30 3 * * 1")
    assert configured.stdout.strip() == "<crontab: 30 3 * * 1 (m/h/dM/MY/d)>"
    broken = _settings_in_a_new_process("30 25 * * *")
    assert broken.returncode != 0
    assert "MARKET_RECOMPUTE_CRON is not a valid cron string '30 25 * * *'" in broken.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0 2 * *", "must be a cron string of 5 fields"),
        ("0 2 * * * *", "must be a cron string of 5 fields"),
        ("61 2 * * *", "is not a valid cron string '61 2 * * *'"),
        ("0 2 * 13 *", "is not a valid cron string '0 2 * 13 *'"),
    ],
)
def test_env_cron_refuses_a_bad_value_naming_the_variable(monkeypatch, value, message):
    monkeypatch.setenv("MARKET_RECOMPUTE_CRON", value)
    with pytest.raises(ImproperlyConfigured, match=re.escape(f"Environment variable MARKET_RECOMPUTE_CRON {message}")):
        env_cron("MARKET_RECOMPUTE_CRON", "0 2 * * *")


def test_env_cron_reads_the_five_fields(monkeypatch):
    monkeypatch.setenv("MARKET_RECOMPUTE_CRON", "15 1 1-7 */2 sun")
    assert env_cron("MARKET_RECOMPUTE_CRON", "0 2 * * *") == crontab(
        minute="15", hour="1", day_of_month="1-7", month_of_year="*/2", day_of_week="sun"
    )
    monkeypatch.delenv("MARKET_RECOMPUTE_CRON")
    assert env_cron("MARKET_RECOMPUTE_CRON", "0 2 * * *") == crontab(minute="0", hour="2")


@pytest.mark.django_db
def test_the_task_runs_the_service(reference_data):
    observed_home()

    result = recompute_market_task.delay(trigger="schedule").get(timeout=60)

    run = RecomputeRun.objects.get()
    assert result == {"run_id": run.pk, "status": "succeeded", "rows_written": 36}
    assert run.trigger == RecomputeRun.Trigger.SCHEDULE


REGISTER_CSV = (
    "Children's social care data in England 2025 - Provider level as at 31 March 2025\n"
    "URN,Provision type,Registration date,Registration status,Local authority,Sector,Places,"
    "Organisation which owns the provider\n"
    "SC100001,Children's home,01/02/2020,Active,Lancashire,Private,4,Brook Care Limited\n"
)


@pytest.mark.django_db
def test_an_import_schedules_a_recompute_after_it_commits(reference_data, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "provider_at_march_2025.csv"
    path.write_text(REGISTER_CSV, encoding="utf-8")

    with override_settings(MARKET_RECOMPUTE_AFTER_IMPORT=True), django_capture_on_commit_callbacks(execute=True):
        ofsted_register_import(path=path)

    run = RecomputeRun.objects.get()
    assert (run.trigger, run.status, run.rows_written) == (RecomputeRun.Trigger.IMPORT, SUCCEEDED, 36)


@pytest.mark.django_db
def test_imports_schedule_no_recompute_when_turned_off(reference_data, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "provider_at_march_2025.csv"
    path.write_text(REGISTER_CSV, encoding="utf-8")

    with override_settings(MARKET_RECOMPUTE_AFTER_IMPORT=False), django_capture_on_commit_callbacks(execute=True):
        ofsted_register_import(path=path)

    assert RecomputeRun.objects.count() == 0


@pytest.mark.django_db
def test_graph_imports_schedule_a_recompute(tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    sent: list[dict[str, object]] = []
    monkeypatch.setattr(recompute_market_task, "delay", lambda **kwargs: sent.append(kwargs))
    statements = tmp_path / "statements.json"
    statements.write_text(json.dumps(load("edge-cases/10-circular-ownership").statements), encoding="utf-8")

    with override_settings(MARKET_RECOMPUTE_AFTER_IMPORT=True), django_capture_on_commit_callbacks(execute=True):
        bods_file_import(path=statements)
        ownership_edges_load(directory=tmp_path / "empty")

    assert sent == [{"trigger": "import"}, {"trigger": "import"}]


# ---------------------------------------------------------------- admin


@pytest.fixture
def staff_client(client: Client) -> Client:
    staff = StaffUserFactory()
    totp_activate(staff)
    client.force_login(staff)
    return client


@pytest.mark.django_db
def test_admin_lists_runs_and_starts_one(reference_data, staff_client, django_capture_on_commit_callbacks):
    observed_home()
    market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    listing = staff_client.get("/admin/market/recomputerun/").content.decode()
    assert "Start a recompute now" in listing
    assert "done: 1 dates, 36 market and 0 cost snapshots" in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/admin/market/recomputerun/start/", follow=True)

    assert response.redirect_chain == [("/admin/market/recomputerun/", 302)]
    assert "A recompute was sent to the workers. Its progress shows below as it goes." in response.content.decode()
    started = RecomputeRun.objects.filter(trigger=RecomputeRun.Trigger.ADMIN).get()
    assert (started.status, started.is_current) == (SUCCEEDED, True)
    assert staff_client.get("/admin/market/recomputerun/start/").status_code == 405
    assert staff_client.get(f"/admin/market/recomputerun/{started.pk}/change/").status_code == 200
    assert staff_client.get("/admin/market/recomputerun/add/").status_code == 403


@pytest.mark.django_db
def test_admin_shows_snapshots_read_only_with_filters(reference_data, staff_client):
    observed_home()
    market_recompute(trigger=RecomputeRun.Trigger.COMMAND)

    listing = staff_client.get("/admin/market/marketsnapshot/?level__exact=ultimate&basis__exact=places")

    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 6  # 3 areas, with and without councils' homes
    snapshot = MarketSnapshot.objects.first()
    assert snapshot is not None
    change = staff_client.post(f"/admin/market/marketsnapshot/{snapshot.pk}/change/", {"hhi": "1"})
    assert change.status_code == 403
    assert staff_client.get("/admin/market/costsnapshot/").status_code == 200


# ---------------------------------------------------------------- a real worker


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_the_test_database(reference_data):
    observed_home()
    with real_worker("test-recompute") as queue:
        result = recompute_market_task.apply_async(kwargs={"trigger": "schedule"}, queue=queue)
        answer = result.get(timeout=120)

    run = RecomputeRun.objects.get()
    assert answer == {"run_id": run.pk, "status": "succeeded", "rows_written": 36}
    assert (run.status, run.is_current, run.trigger) == (SUCCEEDED, True, RecomputeRun.Trigger.SCHEDULE)
    assert MarketSnapshot.objects.filter(run=run).count() == 36


@pytest.mark.django_db
def test_a_recompute_asked_for_by_an_import_waits_and_retries_when_skipped(reference_data, monkeypatch, settings):
    from celery.exceptions import Retry

    from market.tasks import recompute_market_task

    skipped = RecomputeRun(status=SKIPPED)
    monkeypatch.setattr("market.tasks.market_recompute", lambda trigger: skipped)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as under a worker
    with pytest.raises(Retry):
        recompute_market_task.run(trigger=RecomputeRun.Trigger.IMPORT)
    # The nightly run simply skips: tomorrow's does the work.
    assert recompute_market_task.run(trigger=RecomputeRun.Trigger.SCHEDULE)["status"] == SKIPPED
