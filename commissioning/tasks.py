"""Thin Celery tasks for referrals; they take ids and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from commissioning.models import Invitation
from commissioning.services import placement_requests_expire, placement_requests_purge


def _recipients(invitation: Invitation) -> list[str]:
    """Members of the provider's organisation and of every federation it belongs to."""
    provider = invitation.provider_organisation
    organisation_ids = [provider.organisation_id, *provider.federations.values_list("organisation_id", flat=True)]
    return list(
        User.objects.filter(memberships__organisation_id__in=organisation_ids, is_active=True)
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )


# A soft limit gives the task a moment to stop cleanly before the hard limit kills it.
@shared_task(
    name="commissioning.invitation_email_send_task",
    autoretry_for=(OSError,),
    max_retries=3,
    time_limit=60,
    soft_time_limit=50,
)
def invitation_email_send_task(invitation_id: int) -> int:
    """E-mail the provider's people that a referral is waiting. No child's details are in the
    e-mail: only the authority, the urgency and the deadline, and a link to sign in.
    An invitation no longer open, or already announced, is not announced again."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("placement_request__local_authority", "provider_organisation")
            .filter(pk=invitation_id, status=Invitation.Status.OPEN, email_sent_at__isnull=True)
            .first()
        )
        if invitation is None:
            return 0
        sent = _announce(invitation)
        invitation.email_sent_at = timezone.now()
        invitation.save(update_fields=["email_sent_at"])
    return sent


def _announce(invitation: Invitation) -> int:
    context = {
        "invitation": invitation,
        "service_name": settings.SERVICE_NAME,
        "url": settings.SITE_URL.rstrip("/") + reverse("commissioning:invitation_detail", args=[invitation.pk]),
    }
    subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}New referral from {invitation.placement_request.local_authority}"
    body = render_to_string("commissioning/email/invitation.txt", context)
    messages = [(subject, body, None, [email]) for email in _recipients(invitation)]
    return send_mass_mail(messages)


@shared_task(name="commissioning.placement_requests_expire_task", time_limit=600, soft_time_limit=570)
def placement_requests_expire_task() -> dict[str, int]:
    result = placement_requests_expire()
    return {"requests_expired": result.requests_expired, "invitations_expired": result.invitations_expired}


@shared_task(name="commissioning.placement_requests_purge_task", time_limit=600, soft_time_limit=570)
def placement_requests_purge_task() -> dict[str, int]:
    return {"purged": placement_requests_purge()}
