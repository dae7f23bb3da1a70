"""Sending a referral is confirmed from its check-your-answers page, which carries an
idempotency key and the signed answers it showed: helpers for tests that send over HTTP."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.test import Client
from django.urls import reverse

ANSWERS_INPUT = re.compile(r'<input type="hidden" name="answers_checked" value="([^"]+)">')
KEY_INPUT = re.compile(r'<input type="hidden" name="idempotency_key" value="([A-Za-z0-9_-]+)">')


def confirmation(page: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The send form's data as the check-your-answers page would post it: `data` (the homes
    kept) with the page's idempotency key and signed answers."""
    [answers] = ANSWERS_INPUT.findall(page)
    [key] = KEY_INPUT.findall(page)
    return {**data, "answers_checked": answers, "idempotency_key": key}


def send_over_http(client: Client, referral_pk: int, data: Mapping[str, Any]) -> Any:
    """Open the referral's check-your-answers page and send it with `data`, as a person does."""
    url = reverse("commissioning:referral_preview", args=[referral_pk])
    page = client.get(url).content.decode()
    return client.post(url, confirmation(page, data))
