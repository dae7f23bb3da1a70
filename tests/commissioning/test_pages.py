"""The journey's pages over HTTP: create, preview, send, offer, decline, accept, outcome."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from commissioning import views
from commissioning.matching import Candidate
from commissioning.models import Decline, Invitation, Offer, Placement, PlacementRequest
from tests.commissioning.conftest import Journey, state
from tests.commissioning.sending import confirmation
from tests.idempotency import key_on, keyed

pytestmark = pytest.mark.django_db


def _form(journey: Journey, **overrides: str) -> dict[str, object]:
    data: dict[str, object] = {
        "age_years": "13",
        "sex": "male",
        "legal_status": "section_20",
        "needs": ["emotional-behavioural-difficulties"],
        "risks_to_child": ["going_missing", "online_harm"],
        "urgency": "over_5_days",
        # A month ahead of whatever day the tests run: the form refuses a day already gone.
        "start_by": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "planned_duration": "short_term",
        "living_companions": "small_group",
        "education": "keeps_school",
        "home_local_authority": str(journey.cast.local_authority_a.local_authority_id),
        "maximum_distance_km": "40",
        "summary": "Loves cooking and music; needs patient adults and a quiet room.",
    }
    data.update(overrides)
    return data


def test_create_a_referral_then_preview(journey: Journey, client):
    client.force_login(journey.cast.commissioner_a)
    page = client.get(reverse("commissioning:referral_create")).content.decode()
    assert "Do not identify the child" in page
    response = client.post(reverse("commissioning:referral_create"), keyed(_form(journey), key_on(page)))
    referral = PlacementRequest.objects.exclude(pk=journey.draft.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("commissioning:referral_preview", args=[referral.pk])
    assert (referral.age_years, referral.sex, referral.risks_to_child) == (13, "male", ["going_missing", "online_harm"])
    assert referral.organisation == journey.cast.local_authority_a


def test_an_identifier_in_the_summary_is_refused_and_nothing_is_lost(journey: Journey, client):
    client.force_login(journey.cast.commissioner_a)
    before = state()
    summary = "Lives at LS6 1AA; call 07700 900123."
    response = client.post(reverse("commissioning:referral_create"), _form(journey, summary=summary))
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Remove the full postcode and the phone number from the summary." in body
    assert body.count("LS6 1AA") == 1  # only in the textarea the person typed, not in the error
    assert 'value="13"' in body  # what was typed is kept
    assert 'value="online_harm" checked' in body
    assert state() == before


def test_preview_lists_candidates_and_sends_to_those_kept(journey: Journey, client, monkeypatch):
    candidates = [
        Candidate(journey.home_p1, journey.home_p1.provider_organisation, 5.0, 3, ["Registered for every need"]),
        Candidate(journey.home_q, journey.home_q.provider_organisation, 12.0, 2, []),
    ]
    monkeypatch.setattr(views, "_candidates", lambda referral: candidates)
    client.force_login(journey.cast.commissioner_a)
    url = reverse("commissioning:referral_preview", args=[journey.draft.pk])
    body = client.get(url).content.decode()
    assert "2 homes</strong> run by <strong>2 providers" in body
    # A home outside the candidates cannot be sent to.
    before = state()
    response = client.post(url, confirmation(body, {"homes": [str(journey.home_p2.pk)]}))
    assert response.status_code == 200
    assert state() == before
    response = client.post(url, confirmation(body, {"homes": [str(journey.home_q.pk)]}))
    assert response.status_code == 302
    journey.draft.refresh_from_db()
    assert journey.draft.status == PlacementRequest.Status.SENT
    assert list(Invitation.objects.values_list("provider_organisation__name", flat=True)) == ["Provider Q"]


def test_offer_decline_accept_and_outcome_seen_by_both(journey: Journey, client, clock_after_sending):
    journey.send()
    cast = journey.cast
    # P offers (HTTP), Q declines (HTTP), before the deadline.
    client.force_login(cast.provider_p)
    response = client.post(
        reverse("commissioning:offer_create", args=[journey.invitation("p").pk]),
        keyed({"home": str(journey.home_p2.pk), "start_date": "2026-12-01", "weekly_fee_core": "5100.00"}),
    )
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert (offer.home, offer.weekly_fee) == (journey.home_p2, offer.weekly_fee_core)
    client.force_login(cast.provider_q)
    decline_url = reverse("commissioning:invitation_decline", args=[journey.invitation("q").pk])
    assert "Why are you declining?" in client.get(decline_url).content.decode()
    response = client.post(decline_url, keyed({"reason": "staffing", "note": "Recruiting now."}))
    assert response.status_code == 302
    assert Decline.objects.get().note == "Recruiting now."
    # The commissioner compares and accepts.
    client.force_login(cast.commissioner_a)
    detail = client.get(reverse("commissioning:referral_detail", args=[journey.draft.pk])).content.decode()
    assert "£5,100.00" in detail
    assert "Staffing (Recruiting now.)" in detail
    accept_url = reverse("commissioning:offer_accept", args=[journey.draft.pk, offer.pk])
    response = client.post(accept_url, {"reason": "Keeps him at his school."})
    assert response.status_code == 302
    assert Placement.objects.get().offer == offer
    # Both providers see the outcome.
    client.force_login(cast.provider_q)
    page = client.get(reverse("commissioning:invitation_detail", args=[journey.invitation("q").pk])).content.decode()
    assert "another provider&#x27;s offer was accepted. The reason given: Keeps him at his school." in page
    client.force_login(cast.provider_p)
    page = client.get(reverse("commissioning:invitation_detail", args=[journey.invitation("p").pk])).content.decode()
    assert "was accepted. The placement starts on 1 December 2026." in page


def test_withdraw_and_end_placement_pages(journey: Journey, client):
    journey.send()
    client.force_login(journey.cast.commissioner_a)
    response = client.post(reverse("commissioning:referral_withdraw", args=[journey.draft.pk]), {"reason": ""})
    assert response.status_code == 200
    assert "Enter the reason to tell the invited providers" in response.content.decode()
    response = client.post(
        reverse("commissioning:referral_withdraw", args=[journey.draft.pk]), {"reason": "Returned home."}
    )
    assert response.status_code == 302
    journey.draft.refresh_from_db()
    assert journey.draft.status == PlacementRequest.Status.WITHDRAWN
    placement = Placement.objects.create(
        local_authority=journey.draft.local_authority, home=journey.home_q, start_date=datetime.date(2026, 1, 5)
    )
    assert "End placement" in client.get(reverse("commissioning:placement_list")).content.decode()
    response = client.post(
        reverse("commissioning:placement_end", args=[placement.pk]),
        {"end_date": "2026-06-30", "ended_as_planned": "no"},
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    assert (placement.end_date, placement.ended_as_planned) == (datetime.date(2026, 6, 30), False)


def test_home_page_attention_and_notifications(journey: Journey, client, clock_after_sending):
    journey.send()
    client.force_login(journey.cast.provider_p)
    home = client.get(reverse("home")).content.decode()
    assert "Needs your attention" in home
    assert f"Referral {journey.draft.pk} from" in home
    page = client.get(reverse("accounts:notifications")).content.decode()
    assert "New referral from" in page
    notification = Notification.objects.get(organisation=journey.cast.provider_organisation_p)
    client.post(reverse("accounts:notifications"), {"notification": str(notification.pk)})
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert Notification.objects.get(organisation=journey.cast.provider_organisation_q).read_at is None
    # Another organisation's notification cannot be marked read from here.
    other = Notification.objects.get(organisation=journey.cast.provider_organisation_q)
    client.post(reverse("accounts:notifications"), {"notification": str(other.pk)})
    other.refresh_from_db()
    assert other.read_at is None


def test_navigation_names_the_work_of_each_role(journey: Journey, client):
    client.force_login(journey.cast.commissioner_a)
    body = client.get(reverse("home")).content.decode()
    assert 'href="/referrals/"' in body
    assert "Referrals received" not in body
    client.force_login(journey.cast.provider_q)
    body = client.get(reverse("home")).content.decode()
    assert 'href="/referrals-received/"' in body
    assert 'href="/notifications/"' in body


def test_editing_a_draft_shows_its_values_and_saves_changes(journey: Journey, client):
    client.force_login(journey.cast.commissioner_a)
    url = reverse("commissioning:referral_edit", args=[journey.draft.pk])
    body = client.get(url).content.decode()
    assert all(
        f'name="start_by-{part}" type="text" inputmode="numeric" value="{value}"' in body
        for part, value in [("day", 1), ("month", 4), ("year", 2026)]
    )
    assert 'value="14"' in body
    assert 'value="going_missing" checked' in body
    response = client.post(url, _form(journey, age_years="15"))
    assert response.status_code == 302
    journey.draft.refresh_from_db()
    assert journey.draft.age_years == 15
    journey.send()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("commissioning:referral_detail", args=[journey.draft.pk])
