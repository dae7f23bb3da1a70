"""`manage.py check --deploy` with production environment variables gives no warnings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "Zx8!pQ2#vL9@rT4$wN6%yB1^mK3&hJ7*dF5(gS0)aE-uC_iO+lP=",
    "DJANGO_ALLOWED_HOSTS": "commissioning.example.gov.uk",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://commissioning.example.gov.uk",
    "SITE_URL": "https://commissioning.example.gov.uk",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def _deploy_check(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SECURE", "REQUIRE_MFA", "DEMO_MODE"}}
    env.update(PRODUCTION, **overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_cleanly():
    result = _deploy_check()
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_would_catch_insecure_cookies():
    # Proves the check above can fail: turning the secure settings off is reported.
    result = _deploy_check(DJANGO_SECURE="false")
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stderr + result.stdout
