"""The signed-in home page's next actions for commissioners and provider staff, with counts
(issue 16 part 6).

Template tags, like {% attention_panel %}: accounts owns the home page but must not import
commissioning or providers (the dependency runs the other way), so the page pulls these in.
Every count starts from the scoped selectors, so it counts only what the person may act on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import template
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.selectors import AnyUser
from commissioning.models import Invitation, Offer, PlacementRequest
from commissioning.selectors import (
    invitations_actionable_by,
    placement_requests_actionable_by,
    placements_actionable_by,
)
from providers.models import Vacancy
from providers.selectors import homes_managed_by

register = template.Library()


@dataclass(frozen=True)
class CommissionerActions:
    drafts: int  # referrals started and not yet sent
    waiting: int  # referrals sent, waiting for providers' answers
    offers_to_decide: int  # open offers on referrals still waiting
    placements_current: int  # placements started and not ended, on the day


@dataclass(frozen=True)
class ProviderActions:
    to_answer: int  # referrals sent to the person's providers, open and within their deadline
    homes: int  # open homes the person keeps
    homes_without_profile: int  # which no referral can match until their profile is filled in
    places_free: int  # places in current vacancies (open now or expected)


def commissioner_actions_of(user: AnyUser, *, today: datetime.date) -> CommissionerActions:
    requests = placement_requests_actionable_by(user)
    sent = requests.filter(status=PlacementRequest.Status.SENT)
    current = Q(end_date__isnull=True) | Q(end_date__gte=today)
    return CommissionerActions(
        drafts=requests.filter(status=PlacementRequest.Status.DRAFT).count(),
        waiting=sent.count(),
        offers_to_decide=Offer.objects.filter(placement_request__in=sent, status=Offer.Status.OPEN).count(),
        placements_current=placements_actionable_by(user).filter(current, start_date__lte=today).count(),
    )


def provider_actions_of(user: AnyUser, *, today: datetime.date) -> ProviderActions:
    homes = homes_managed_by(user)
    open_invitations = invitations_actionable_by(user).filter(
        status=Invitation.Status.OPEN, deadline__gt=timezone.now()
    )
    current = Q(available_until__isnull=True) | Q(available_until__gte=today)
    places = Vacancy.objects.filter(current, home__in=homes).aggregate(places=Sum("places"))["places"]
    return ProviderActions(
        to_answer=open_invitations.count(),
        homes=homes.count(),
        homes_without_profile=homes.filter(profile__isnull=True).count(),
        places_free=places or 0,
    )


@register.simple_tag(takes_context=True)
def commissioner_actions(context: template.Context) -> CommissionerActions:
    return commissioner_actions_of(context["request"].user, today=timezone.localdate())


@register.simple_tag(takes_context=True)
def provider_actions(context: template.Context) -> ProviderActions:
    return provider_actions_of(context["request"].user, today=timezone.localdate())
