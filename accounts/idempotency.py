"""Idempotent writes: a repeated submit writes once (docs/adr/0017-idempotent-writes.md).

Every create form carries a hidden `idempotency_key` (a fresh one each time the form is
rendered; a form shown again after an error keeps its key), and every API POST an
`Idempotency-Key` header. `idempotent_write` claims the key and runs the write in one
transaction, behind the unique constraint on the key: a repeat, or a second identical request
arriving at the same moment (which waits on the constraint until the first commits), gets the
first request's answer and writes nothing. A key reused for another request (another URL,
another user, other content) is refused, never mixed up.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import IdempotencyKey, User

KEY_FIELD = "idempotency_key"
KEY_HEADER = "Idempotency-Key"
# secrets.token_urlsafe(32) gives 43 characters; clients of the API may bring their own (a UUID is 36).
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,100}")
NOT_FINGERPRINTED = frozenset({"csrfmiddlewaretoken", KEY_FIELD})
FORM_EXPIRED = "This form has expired: check your answers and submit it again."
FORM_REUSED = "This form was already submitted with other answers: check your answers and submit it again."
FORM_REPEATED = "You submitted this form more than once: it was saved once."
# Marks a request whose key must not be offered again (it was missing, invalid or spent).
_SPENT = "_idempotency_key_spent"


class IdempotencyKeyError(Exception):
    """The key cannot be used for this request."""

    status = 400


class IdempotencyKeyInvalidError(IdempotencyKeyError):
    """Missing, or not a key this service would issue (length, characters)."""


class IdempotencyKeyReusedError(IdempotencyKeyError):
    """Already used for another request: another URL, another user or other content."""

    status = 422


@dataclass(frozen=True)
class Answer:
    """What a write answered: a redirect for a form, a status and JSON text for the API."""

    status: int
    body: str = ""
    redirect_url: str = ""
    replayed: bool = False


def key_new() -> str:
    return secrets.token_urlsafe(32)


def key_valid(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None


def fingerprint_of(data: Any) -> str:
    """sha256 of the canonical submitted data, without the CSRF token and the key itself."""
    lists = getattr(data, "lists", None)  # a QueryDict: every value of each field, in order
    canonical: Any = dict(lists()) if callable(lists) else data
    if isinstance(canonical, Mapping):
        canonical = {name: value for name, value in canonical.items() if name not in NOT_FINGERPRINTED}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def _claim(*, user: User, key: str, scope: str, fingerprint: str) -> IdempotencyKey | None:
    """The new claim, or None when the key was already claimed (by a transaction that has
    committed: a concurrent claim waits here, on the unique constraint, for the first to end)."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, scope=scope, fingerprint=fingerprint)
    except IntegrityError:
        return None


def _first_answer(*, user: User, key: str, scope: str, fingerprint: str) -> Answer:
    claimed = IdempotencyKey.objects.get(key=key)
    # A claim commits with its answer, so a claim seen here always has one.
    mismatch = (claimed.user_id, claimed.scope, claimed.fingerprint) != (user.pk, scope, fingerprint)
    if mismatch or claimed.response_status is None:
        raise IdempotencyKeyReusedError(key)
    return Answer(claimed.response_status, claimed.response_body, claimed.redirect_url, replayed=True)


def idempotent_write(*, user: User, key: str, scope: str, fingerprint: str, write: Callable[[], Answer]) -> Answer:
    """Run `write` once for this key: claim and write commit together or not at all (a refused
    write leaves the key unused, so the corrected form can be sent with it again)."""
    if not key_valid(key):
        raise IdempotencyKeyInvalidError(key)
    with transaction.atomic():
        claimed = _claim(user=user, key=key, scope=scope, fingerprint=fingerprint)
        if claimed is None:
            return _first_answer(user=user, key=key, scope=scope, fingerprint=fingerprint)
        answer = write()
        claimed.response_status = answer.status
        claimed.response_body = answer.body
        claimed.redirect_url = answer.redirect_url
        claimed.save(update_fields=["response_status", "response_body", "redirect_url"])
        return answer


def idempotency_keys_purge(*, now: datetime.datetime | None = None) -> int:
    """Forget keys older than the retention period; returns how many went."""
    before = (now or timezone.now()) - datetime.timedelta(days=settings.IDEMPOTENCY_KEY_RETENTION_DAYS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=before).delete()
    return deleted


# --- HTML forms ------------------------------------------------------------------------------


def form_key(request: HttpRequest) -> str:
    """The key a rendered form carries: the one it was posted with (a form shown again after an
    error keeps it), else a fresh one."""
    posted = request.POST.get(KEY_FIELD, "") if request.method == "POST" else ""
    if key_valid(posted) and not getattr(request, _SPENT, False):
        return posted
    return key_new()


def form_submit_once(request: HttpRequest, write: Callable[[], str]) -> HttpResponse:
    """Run a create form's `write` (it calls the service and returns where to go next) once per
    key; a repeat lands where the first submit did. A missing or reused key, and the service's
    own refusals, raise ValidationError for the form (the person's answers stay on the page)."""
    user = cast(User, request.user)  # LoginRequiredMiddleware has refused anonymous requests
    try:
        answer = idempotent_write(
            user=user,
            key=request.POST.get(KEY_FIELD, ""),
            scope=request.get_full_path(),
            fingerprint=fingerprint_of(request.POST),
            write=lambda: Answer(302, redirect_url=write()),
        )
    except IdempotencyKeyError as refused:
        setattr(request, _SPENT, True)  # the page is shown again with a fresh key
        message = FORM_REUSED if isinstance(refused, IdempotencyKeyReusedError) else FORM_EXPIRED
        raise ValidationError(message, code="idempotency_key") from None
    if answer.replayed:
        messages.info(request, FORM_REPEATED)
    return redirect(answer.redirect_url)


def form_replayed(request: HttpRequest) -> HttpResponse | None:
    """For a repeat of a form already saved, where the first submit went; else None. Views whose
    own checks the first submit changes (a declined referral can no longer be declined) ask this
    first, so the repeat lands where the first did rather than on their refusal."""
    key = request.POST.get(KEY_FIELD, "") if request.method == "POST" else ""
    if not key_valid(key):
        return None
    claimed = IdempotencyKey.objects.filter(
        key=key, user=request.user.pk, scope=request.get_full_path(), fingerprint=fingerprint_of(request.POST)
    ).first()
    if claimed is None or not claimed.redirect_url:
        return None
    messages.info(request, FORM_REPEATED)
    return redirect(claimed.redirect_url)


# --- API ------------------------------------------------------------------------------------


IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    KEY_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    pattern=KEY_PATTERN.pattern,
    description="Required. A new random key for each new request (16 to 100 letters, digits, - or _; "
    "a UUID will do). Repeat a request with the same key and it is written once: the repeat gets the "
    "first response's status and body, with the header Idempotent-Replayed: true. The same key with "
    "another URL or other content is refused with 422. Keys are kept for "
    "IDEMPOTENCY_KEY_RETENTION_DAYS (7 by default).",
)


def api_post_once(request: Request, write: Callable[[], Response]) -> Response:
    """Run an API POST's `write` once per `Idempotency-Key` header; a repeat gets the first
    response's status and body (with `Idempotent-Replayed: true`)."""

    def answered() -> Answer:
        response = write()
        return Answer(response.status_code, body=json.dumps(response.data, cls=DjangoJSONEncoder))

    try:
        answer = idempotent_write(
            user=cast(User, request.user),  # IsAuthenticated has refused anonymous requests
            key=request.headers.get(KEY_HEADER, ""),
            scope=request.path,
            fingerprint=fingerprint_of(request.data),
            write=answered,
        )
    except IdempotencyKeyError as refused:
        return Response({KEY_HEADER: [_api_refusal(refused)]}, status=refused.status)
    response = Response(json.loads(answer.body), status=answer.status)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _api_refusal(refused: IdempotencyKeyError) -> str:
    if isinstance(refused, IdempotencyKeyReusedError):
        return "This key was already used for another request: send a new key with each new request."
    return (
        f"Send an {KEY_HEADER} header with a new random key for each new request "
        "(16 to 100 letters, digits, - or _), and the same key when you repeat it."
    )
