"""Real objects for the permission matrix's commissioning URLs: a draft referral of
authority A, a sent referral of A with an invitation to provider P carrying P's open offer,
and a placement made by A."""

from __future__ import annotations

import datetime

from commissioning import services
from commissioning.models import Placement
from tests.commissioning.conftest import Journey, provider_of, referral_details
from tests.conftest import Cast
from tests.factories import HomeFactory


def commissioning_samples(cast: Cast) -> dict[str, dict[str, str]]:
    def draft():
        return services.placement_request_create(
            organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_a
        )

    home_p = HomeFactory(provider_organisation=provider_of(cast.provider_organisation_p))
    home_q = HomeFactory(provider_organisation=provider_of(cast.provider_organisation_q))
    sent = Journey(cast=cast, draft=draft(), home_p1=home_p, home_p2=home_p, home_q=home_q)
    sent.send()
    offer = sent.offer("p")
    authority_a = cast.local_authority_a.local_authority
    assert authority_a is not None
    placement = Placement.objects.create(local_authority=authority_a, home=home_q, start_date=datetime.date(2026, 1, 5))
    draft_pk = {"pk": str(draft().pk)}
    invitation_pk = {"pk": str(sent.invitation("p").pk)}
    return {
        "commissioning:referral_detail": draft_pk,
        "commissioning:referral_edit": draft_pk,
        "commissioning:referral_preview": draft_pk,
        "commissioning:referral_withdraw": draft_pk,
        "commissioning:offer_accept": {"pk": str(sent.draft.pk), "offer_pk": str(offer.pk)},
        "commissioning:placement_end": {"pk": str(placement.pk)},
        "commissioning:invitation_detail": invitation_pk,
        "commissioning:offer_create": invitation_pk,
        "commissioning:invitation_decline": invitation_pk,
        "api:placement_request": draft_pk,
        "api:invitation": invitation_pk,
    }
