"""With Redis stopped, the cache falls back to the database: signing in (with its rate limit
still counting), the public pages and the homes API answer normally (issue 13, ADR 22)."""

from __future__ import annotations

import time

import pytest
from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.test import Client, override_settings

from tests.factories import PASSWORD, UserFactory
from tests.faults.conftest import SpareRedis, fallback_cache

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_with_redis_stopped_sign_in_and_its_rate_limit_work_from_the_database(spare_redis: SpareRedis):
    UserFactory.create(email="target@example.org")
    spare_redis.stop()
    with override_settings(CACHES=fallback_cache(spare_redis.url)):
        client = Client()
        for _ in range(5):
            response = sign_in(client, "target@example.org", "guess")
            assert response.status_code == 200
        refused = sign_in(client, "target@example.org", PASSWORD)  # the sixth try is refused, as with Redis
        assert refused.context["form"].non_field_errors() == [
            str(get_adapter().error_messages["too_many_login_attempts"])
        ]
        bystander = UserFactory.create(email="bystander@example.org")
        fresh = Client()
        assert sign_in(fresh, "bystander@example.org", PASSWORD).status_code == 302
        assert fresh.session.get("_auth_user_id") == str(bystander.pk)


@pytest.mark.parametrize("path", ["/dashboards/", "/registry/", "/api/v1/homes/", "/accounts/login/"])
def test_with_redis_stopped_public_pages_answer_at_once(spare_redis: SpareRedis, reference_data, path: str):
    spare_redis.stop()
    with override_settings(CACHES=fallback_cache(spare_redis.url)):
        started = time.monotonic()
        first = Client().get(path)
        second = Client().get(path)
        elapsed = time.monotonic() - started
    assert (first.status_code, second.status_code) == (200, 200)
    assert elapsed < 10, f"{path} took {elapsed:.1f}s with Redis stopped"


def test_the_cache_uses_redis_while_it_answers_and_the_database_when_it_stops(spare_redis: SpareRedis):
    with override_settings(CACHES=fallback_cache(spare_redis.url)):
        cache.set("while-up", "in redis", 60)
        assert cache.primary.get("while-up") == "in redis"  # type: ignore[attr-defined]
        spare_redis.stop()
        started = time.monotonic()
        cache.set("while-down", "in the database", 60)
        assert cache.get("while-down") == "in the database"
        assert cache.add("while-down-count", 1) is True
        assert cache.add("while-down-count", 5) is False
        assert cache.incr("while-down-count") == 2
        assert time.monotonic() - started < 3  # one short timeout, then straight to the database
        assert cache.fallback.get("while-down") == "in the database"  # type: ignore[attr-defined]
