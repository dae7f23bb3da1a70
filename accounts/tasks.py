"""Thin Celery tasks for accounts; they take ids and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from accounts.idempotency import idempotency_keys_purge
from accounts.models import Invitation


# A soft limit gives the task a moment to stop cleanly before the hard limit kills it.
@shared_task(
    name="accounts.invitation_email_send_task",
    autoretry_for=(OSError,),
    max_retries=3,
    time_limit=60,
    soft_time_limit=50,
)
def invitation_email_send_task(invitation_id: int, accept_url: str) -> bool:
    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return False
    context = {"invitation": invitation, "accept_url": accept_url, "service_name": settings.SERVICE_NAME}
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}You are invited to join {invitation.organisation}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return True


@shared_task(name="accounts.idempotency_keys_purge_task", time_limit=300, soft_time_limit=280)
def idempotency_keys_purge_task() -> int:
    return idempotency_keys_purge()
