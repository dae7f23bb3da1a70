"""/healthz from a real server whose database is unreachable, with and without a session cookie."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server_without_database() -> Iterator[str]:
    port = _free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{_free_port()}/gone",  # nothing listens there
        "REDIS_URL": "",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(url: str, cookie: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 - http, our own
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - our own test server
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


@pytest.mark.parametrize("cookie", [None, "sessionid=a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5; csrftoken=x"])
def test_healthz_answers_503_json_when_the_database_is_unreachable(
    server_without_database: str, cookie: str | None
) -> None:
    status, content_type, body = _get(f"{server_without_database}/healthz", cookie)

    assert status == 503
    assert content_type == "application/json"
    assert json.loads(body)["status"] == "error"
    assert json.loads(body)["database"] == "error: OperationalError"
