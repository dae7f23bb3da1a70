"""A provider never sees another provider's invitation or any price but its own; a
commissioner never sees another authority's referrals. Through selectors and over HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commissioning import selectors
from commissioning.models import Invitation, Offer, PlacementRequest
from tests.commissioning.conftest import Journey

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(journey: Journey) -> Journey:
    journey.send()
    journey.offer("p", core="5123.45")
    journey.offer("q", core="4987.65")
    return journey


def test_selectors_scope_referrals_to_the_commissioners_authority(offered: Journey):
    cast = offered.cast
    assert list(selectors.placement_requests_visible_to(cast.commissioner_a)) == [offered.draft]
    for person in (cast.commissioner_b, cast.provider_p, cast.provider_q, cast.organiser):
        assert list(selectors.placement_requests_visible_to(person)) == []
    assert list(selectors.placement_requests_visible_to(cast.admin)) == [offered.draft]
    assert list(selectors.placement_requests_actionable_by(cast.admin)) == []


def test_selectors_scope_invitations_and_offers_to_the_provider(offered: Journey):
    cast = offered.cast
    invitation_p, invitation_q = offered.invitation("p"), offered.invitation("q")
    assert list(selectors.invitations_visible_to(cast.provider_p)) == [invitation_p]
    assert list(selectors.invitations_visible_to(cast.provider_q)) == [invitation_q]
    for person in (cast.commissioner_a, cast.commissioner_b, cast.organiser):
        assert list(selectors.invitations_visible_to(person)) == []
    assert [o.weekly_fee_core for o in selectors.offers_visible_to(cast.provider_p)] == [
        invitation_p.offers.get().weekly_fee_core
    ]
    assert [str(o.weekly_fee_core) for o in selectors.offers_visible_to(cast.provider_q)] == ["4987.65"]
    assert sorted(str(o.weekly_fee_core) for o in selectors.offers_visible_to(cast.commissioner_a)) == [
        "4987.65",
        "5123.45",
    ]
    assert list(selectors.offers_visible_to(cast.commissioner_b)) == []


def test_a_provider_cannot_open_another_providers_invitation(offered: Journey, client):
    invitation_p = offered.invitation("p")
    client.force_login(offered.cast.provider_q)
    for name in ("invitation_detail", "offer_create", "invitation_decline"):
        assert client.get(reverse(f"commissioning:{name}", args=[invitation_p.pk])).status_code == 404
    assert (
        client.post(
            reverse("commissioning:invitation_decline", args=[invitation_p.pk]), {"reason": "staffing"}
        ).status_code
        == 404
    )
    assert Invitation.objects.get(pk=invitation_p.pk).status == Invitation.Status.OFFERED


def test_a_provider_sees_its_own_price_only(offered: Journey, client):
    client.force_login(offered.cast.provider_q)
    inbox = client.get(reverse("commissioning:invitation_list")).content.decode()
    page = client.get(reverse("commissioning:invitation_detail", args=[offered.invitation("q").pk])).content.decode()
    api = client.get(reverse("api:invitations")).content.decode()
    for body in (inbox, page, api):
        assert "5123.45" not in body
        assert "5,123.45" not in body
        assert "Provider P" not in body
    assert "£5,387.65" in page  # Q's own offer: core 4987.65 + additional support 400.00


def test_a_commissioner_cannot_see_another_authoritys_referral(offered: Journey, client):
    client.force_login(offered.cast.commissioner_b)
    offer = Offer.objects.filter(placement_request=offered.draft).first()
    assert offer is not None
    for url in (
        reverse("commissioning:referral_detail", args=[offered.draft.pk]),
        reverse("commissioning:referral_withdraw", args=[offered.draft.pk]),
        reverse("commissioning:offer_accept", args=[offered.draft.pk, offer.pk]),
        reverse("api:placement_request", args=[offered.draft.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("commissioning:offer_accept", args=[offered.draft.pk, offer.pk]), {"reason": "x"})
    assert response.status_code == 404
    assert client.get(reverse("api:placement_requests")).json() == []
    assert "Referral" not in client.get(reverse("commissioning:referral_list")).content.decode().split("<tbody")[1]
    assert PlacementRequest.objects.get(pk=offered.draft.pk).status == PlacementRequest.Status.SENT


def test_the_api_lists_what_the_user_may_see(offered: Journey, client):
    client.force_login(offered.cast.commissioner_a)
    referrals = client.get(reverse("api:placement_requests")).json()
    assert [r["id"] for r in referrals] == [offered.draft.pk]
    assert referrals[0]["needs"] == ["emotional-behavioural-difficulties"]
    assert client.get(reverse("api:invitations")).json() == []
    client.force_login(offered.cast.provider_p)
    invitations = client.get(reverse("api:invitations")).json()
    assert [(i["id"], i["provider_organisation"], sorted(i["homes"])) for i in invitations] == [
        (offered.invitation("p").pk, "Provider P", sorted([offered.home_p1.urn, offered.home_p2.urn]))
    ]
    assert invitations[0]["placement_request"]["age_years"] == 14
    assert client.get(reverse("api:invitation", args=[offered.invitation("q").pk])).status_code == 404
