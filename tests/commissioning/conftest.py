"""Referrals in each meaningful state, for LA A, reaching providers P and Q."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from accounts.models import Notification
from commissioning import services
from commissioning.models import (
    Decline,
    Disclosure,
    EducationNeed,
    Invitation,
    LegalStatus,
    Offer,
    Placement,
    PlacementRequest,
    PlannedDuration,
    ReferralSex,
    RiskToChild,
    Urgency,
)
from providers.models import Home, Need, ProviderOrganisation
from tests.conftest import Cast
from tests.factories import HomeFactory

# A Tuesday morning in London, well inside the bank holiday table.
SENT_AT = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def clock_after_sending() -> Iterator[datetime.datetime]:
    """Pages read the real clock: put it an hour after the journey's referral was sent, with
    its deadlines still ahead, whatever day the tests run."""
    moment = SENT_AT + datetime.timedelta(hours=1)
    with time_machine.travel(moment, tick=True):
        yield moment


def referral_details(cast: Cast, **overrides: Any) -> services.ReferralDetails:
    need, _ = Need.objects.get_or_create(
        code="emotional-behavioural-difficulties",
        defaults={"label": "Emotional and behavioural difficulties", "source": "ofsted"},
    )
    values: dict[str, Any] = {
        "age_years": 14,
        "sex": ReferralSex.FEMALE,
        "legal_status": LegalStatus.CARE_ORDER,
        "urgency": Urgency.UNDER_5_DAYS,
        "planned_duration": PlannedDuration.LONG_TERM,
        "education": EducationNeed.NEEDS_SCHOOL_PLACE,
        "start_by": datetime.date(2026, 4, 1),
        "summary": "Enjoys football and art; finds change hard and needs a calm, consistent home.",
        "need_codes": [need.code],
        "risks_to_child": [RiskToChild.GOING_MISSING],
        "home_local_authority": cast.local_authority_a.local_authority,
    }
    values.update(overrides)
    return services.ReferralDetails(**values)


def provider_of(organisation: Any) -> ProviderOrganisation:
    return ProviderOrganisation.objects.get(organisation=organisation)


@dataclass
class Journey:
    cast: Cast
    draft: PlacementRequest
    home_p1: Home
    home_p2: Home
    home_q: Home

    def send(self) -> list[Invitation]:
        return services.placement_request_send(
            placement_request=self.draft,
            homes=[self.home_p1, self.home_p2, self.home_q],
            sent_by=self.cast.commissioner_a,
            now=SENT_AT,
        )

    def invitation(self, provider: str) -> Invitation:
        organisation = getattr(self.cast, f"provider_organisation_{provider}")
        return Invitation.objects.get(placement_request=self.draft, provider_organisation__organisation=organisation)

    def offer(self, provider: str, *, core: str = "5000.00", home: Home | None = None) -> Offer:
        user = self.cast.provider_p if provider == "p" else self.cast.provider_q
        return services.offer_make(
            invitation=self.invitation(provider),
            home=home or (self.home_p1 if provider == "p" else self.home_q),
            start_date=datetime.date(2026, 3, 16),
            fees=services.WeeklyFees(core=Decimal(core), additional_support=Decimal("400.00")),
            conditions="",
            made_by=user,
            now=SENT_AT + datetime.timedelta(hours=2),
        )


@pytest.fixture
def journey(cast: Cast) -> Journey:
    draft = services.placement_request_create(
        organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_a
    )
    provider_p = provider_of(cast.provider_organisation_p)
    provider_q = provider_of(cast.provider_organisation_q)
    return Journey(
        cast=cast,
        draft=draft,
        home_p1=HomeFactory(provider_organisation=provider_p),
        home_p2=HomeFactory(provider_organisation=provider_p),
        home_q=HomeFactory(provider_organisation=provider_q),
    )


def state() -> dict[str, Any]:
    """Everything a refused action must leave as it was."""
    return {
        "requests": list(
            PlacementRequest.objects.order_by("pk").values_list(
                "pk", "status", "closed_at", "closing_reason", "age_years"
            )
        ),
        "invitations": list(Invitation.objects.order_by("pk").values_list("pk", "status", "outcome", "responded_at")),
        "offers": list(Offer.objects.order_by("pk").values_list("pk", "status", "weekly_fee_core")),
        "placements": list(Placement.objects.order_by("pk").values_list("pk", "end_date", "ended_as_planned")),
        "declines": Decline.objects.count(),
        "disclosures": Disclosure.objects.count(),
        "notifications": Notification.objects.count(),
    }
