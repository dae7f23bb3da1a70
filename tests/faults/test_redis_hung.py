"""A Redis that accepts connections but never answers (stopped with SIGSTOP, as a Redis stuck
on a full disk or a swapped-out host is): sending still answers quickly (issue 13 part 2)."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from config.tasks import schedule_task
from outbox.models import OutboxMessage
from tests.faults.conftest import SpareRedis, fallback_cache, sending_through

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_with_redis_hung_a_commit_s_send_and_the_cache_give_up_quickly(spare_redis: SpareRedis, queue: str):
    assert spare_redis.process is not None
    with sending_through(spare_redis.url, queue), override_settings(CACHES=fallback_cache(spare_redis.url)):
        cache.set("before", "kept", 60)
        os.kill(spare_redis.process.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with transaction.atomic():
                schedule_task("config.ping_task", "while Redis hangs")
            sent_in = time.monotonic() - started
            started = time.monotonic()
            with transaction.atomic():
                schedule_task("config.ping_task", "the next request")
            next_sent_in = time.monotonic() - started
            started = time.monotonic()
            cache.set("during", "in the database", 60)
            assert cache.get("during") == "in the database"
            cached_in = time.monotonic() - started
        finally:
            os.kill(spare_redis.process.pid, signal.SIGCONT)
    assert sent_in < 5, f"sending took {sent_in:.1f}s"
    assert next_sent_in < 0.5, f"the next sending took {next_sent_in:.1f}s"  # the broker is left alone a while
    assert cached_in < 3, f"the cache took {cached_in:.1f}s"
    assert list(OutboxMessage.objects.values_list("delivered_at", flat=True)) == [None, None]
