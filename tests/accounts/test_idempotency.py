"""The idempotency keys themselves: what a key may be, what its fingerprint covers, and the
daily purge of old keys."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from accounts.idempotency import (
    Answer,
    IdempotencyKeyInvalidError,
    IdempotencyKeyReusedError,
    fingerprint_of,
    idempotent_write,
    key_new,
    key_valid,
)
from accounts.models import IdempotencyKey, User
from accounts.tasks import idempotency_keys_purge_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_keys_are_random_url_safe_and_checked():
    keys = {key_new() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(key) == 43 and key_valid(key) for key in keys)
    assert key_valid("0f8fad5b-d9cb-469f-a165-70867728950e")  # an API client's UUID
    for bad in ("", "short", "x" * 101, "has spaces in it ok", "semi;colons;are;not;keys", "ключ-ключ-ключ-ключ"):
        assert not key_valid(bad), bad


def test_the_fingerprint_ignores_the_csrf_token_and_the_key_but_nothing_else():
    form = QueryDict("body=Hello&needs=a&needs=b&csrfmiddlewaretoken=abc&idempotency_key=k1")
    same = QueryDict("idempotency_key=k2&needs=a&needs=b&body=Hello&csrfmiddlewaretoken=xyz")
    assert fingerprint_of(form) == fingerprint_of(same)
    assert fingerprint_of(form) != fingerprint_of(QueryDict("body=Hello&needs=b&needs=a"))
    assert fingerprint_of(form) != fingerprint_of(QueryDict("body=Hello!&needs=a&needs=b"))
    assert fingerprint_of({"a": 1, "b": [1, 2]}) == fingerprint_of({"b": [1, 2], "a": 1})
    assert len(fingerprint_of({})) == 64


def test_a_write_runs_once_per_key_and_a_mismatch_is_refused():
    user, other = UserFactory(), UserFactory()
    key, calls = key_new(), []

    def write() -> Answer:
        calls.append(1)
        return Answer(302, redirect_url=f"/done/{len(calls)}/")

    def once(*, user: User = user, key: str = key, scope: str = "/things/new/", fingerprint: str = "f" * 64) -> Answer:
        return idempotent_write(user=user, key=key, scope=scope, fingerprint=fingerprint, write=write)

    assert once() == Answer(302, redirect_url="/done/1/")
    assert once() == Answer(302, redirect_url="/done/1/", replayed=True)
    assert calls == [1]
    for refused in (lambda: once(scope="/other/"), lambda: once(fingerprint="0" * 64), lambda: once(user=other)):
        with pytest.raises(IdempotencyKeyReusedError):
            refused()
    with pytest.raises(IdempotencyKeyInvalidError):
        once(key="short")
    assert calls == [1]
    assert IdempotencyKey.objects.count() == 1


def test_the_daily_purge_forgets_keys_older_than_the_retention_period():
    user = UserFactory()
    now = timezone.now()
    retention = datetime.timedelta(days=settings.IDEMPOTENCY_KEY_RETENTION_DAYS)
    ages = {"old": retention + datetime.timedelta(minutes=1), "recent": retention - datetime.timedelta(minutes=1)}
    for name, age in ages.items():
        IdempotencyKey.objects.create(
            user=user, key=f"{name}-key-0123456789", scope="/x/", fingerprint="f" * 64, created_at=now - age
        )
    assert idempotency_keys_purge_task.apply().get() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent-key-0123456789"]
    assert idempotency_keys_purge_task.apply().get() == 0


def test_the_purge_is_scheduled_daily_with_a_week_of_keys_kept_by_default():
    assert (
        settings.CELERY_BEAT_SCHEDULE["purge-idempotency-keys-daily"]["task"] == "accounts.idempotency_keys_purge_task"
    )
    assert settings.IDEMPOTENCY_KEY_RETENTION_DAYS == 7
    assert idempotency_keys_purge_task.time_limit == 300
