"""/healthz: is the database answering, and is the task broker reachable?"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "not answering"
        return f"error: {error.__class__.__name__}"
    return "ok"


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "eager (no broker configured; tasks run in-process)"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        return f"error: {error.__class__.__name__}"
    return "ok"


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_status()
    body = {"status": "ok" if database == "ok" else "error", "database": database, "broker": _broker_status()}
    return JsonResponse(body, status=200 if database == "ok" else 503)
