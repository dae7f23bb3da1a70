"""Create forms and API POSTs carry an idempotency key (accounts.idempotency): helpers for tests
that post them, either reading the key from the rendered form or adding a fresh one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from accounts.idempotency import KEY_FIELD, KEY_HEADER, key_new

KEY_INPUT = re.compile(r'<input type="hidden" name="idempotency_key" value="([A-Za-z0-9_-]+)">')


def keyed(data: Mapping[str, Any] | None = None, key: str | None = None) -> dict[str, Any]:
    """Form data with an idempotency key: a fresh one, as a newly rendered form would carry."""
    return {**(data or {}), KEY_FIELD: key or key_new()}


def key_on(page: str) -> str:
    """The key a rendered form carries (exactly one form with a key on the page)."""
    keys = KEY_INPUT.findall(page)
    assert len(keys) == 1, keys
    return keys[0]


def api_key_header(key: str | None = None) -> dict[str, str]:
    """The Idempotency-Key header, for the test client's `headers=`."""
    return {KEY_HEADER: key or key_new()}
