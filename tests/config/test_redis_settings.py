"""With REDIS_URL set, production settings never let Redis block a request (ADR 22): the cache
falls back to the database, and sending a task has short timeouts and no publish retries."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

READ = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "cache": settings.CACHES["default"],
    "transport": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "connection_timeout": settings.CELERY_BROKER_CONNECTION_TIMEOUT,
    "beat": sorted(settings.CELERY_BEAT_SCHEDULE),
}))
"""


def test_production_settings_fall_back_and_time_out_quickly():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "Zx8!pQ2#vL9@rT4$wN6%yB1^mK3&hJ7*dF5(gS0)aE-uC_iO+lP=",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read["cache"] == {
        "BACKEND": "config.cache.FallbackCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "OPTIONS": {"FALLBACK_TABLE": "outbox_cache_fallback", "RETRY_AFTER": 30, "SOCKET_TIMEOUT": 0.5},
    }
    assert read["transport"] == {"socket_connect_timeout": 1, "socket_timeout": 1, "max_retries": 0}
    assert read["connection_timeout"] == 1
    assert {"sweep-outbox", "catch-up-periodic-jobs"} <= set(read["beat"])
