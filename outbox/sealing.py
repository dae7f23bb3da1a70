"""A message's arguments are sealed at rest (Fernet: AES with an HMAC), keyed from SECRET_KEY.

An invitation e-mail's arguments carry its link, whose token the database otherwise holds only
as a hash, so that a reader of the database cannot use the links; sealed, the outbox keeps that
promise while the e-mail waits out an outage. SECRET_KEY_FALLBACKS still open what was sealed
before a key rotation.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

_PURPOSE = b"relational-commissioning.outbox.v1:"


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(_PURPOSE + secret.encode()).digest()))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret) for secret in secrets])


def call_seal(args: list[Any], kwargs: dict[str, Any]) -> str:
    """The task's arguments, as JSON, sealed; refuses what JSON cannot carry, as Celery would."""
    plain = json.dumps({"args": args, "kwargs": kwargs}, separators=(",", ":")).encode()
    return _keys().encrypt(plain).decode()


def call_open(sealed: str) -> tuple[list[Any], dict[str, Any]]:
    call = json.loads(_keys().decrypt(sealed.encode()))
    return list(call["args"]), dict(call["kwargs"])
