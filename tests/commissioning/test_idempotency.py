"""A referral, an offer or a decline submitted twice is written once (accounts.idempotency):
the repeat lands where the first submit did; a key reused for other answers is refused."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.idempotency import FORM_EXPIRED, FORM_REPEATED, FORM_REUSED, KEY_FIELD
from accounts.models import IdempotencyKey
from commissioning import services
from commissioning.models import Decline, Offer, PlacementRequest
from tests.commissioning.conftest import Journey, state
from tests.commissioning.test_pages import _form as referral_form
from tests.idempotency import key_on, keyed

pytestmark = pytest.mark.django_db

OFFER = {"start_date": "2026-12-01", "weekly_fee_core": "5100.00"}


def _twice(client: Client, url: str, data: dict[str, Any]) -> tuple[Any, Any]:
    """The same rendered form submitted twice (a double click, or a resend after a lost answer)."""
    key = key_on(client.get(url).content.decode())
    return client.post(url, keyed(data, key)), client.post(url, keyed(data, key))


def _messages(client: Client, url: str) -> str:
    return client.get(url).content.decode()


def test_a_referral_submitted_twice_is_saved_once(journey: Journey, client: Client):
    client.force_login(journey.cast.commissioner_a)
    url = reverse("commissioning:referral_create")
    first, second = _twice(client, url, referral_form(journey))
    referral = PlacementRequest.objects.exclude(pk=journey.draft.pk).get()
    preview = reverse("commissioning:referral_preview", args=[referral.pk])
    assert (first.status_code, first["Location"]) == (302, preview)
    assert (second.status_code, second["Location"]) == (302, preview)
    assert PlacementRequest.objects.count() == 2  # the journey's draft and this one
    assert FORM_REPEATED in _messages(client, preview)
    # A new rendering of the form has a new key: a second referral.
    assert client.post(url, keyed(referral_form(journey))).status_code == 302
    assert PlacementRequest.objects.count() == 3


def test_a_key_reused_for_other_answers_is_refused_and_changes_nothing(journey: Journey, client: Client):
    client.force_login(journey.cast.commissioner_a)
    url = reverse("commissioning:referral_create")
    key = key_on(client.get(url).content.decode())
    client.post(url, keyed(referral_form(journey), key))
    before = state()
    response = client.post(url, keyed(referral_form(journey, age_years="15"), key))
    page = response.content.decode()
    assert response.status_code == 200
    assert FORM_REUSED in page
    assert 'value="15"' in page  # what was typed is kept
    assert key_on(page) != key  # with a new key, so sending it again makes the new referral
    assert state() == before
    assert client.post(url, keyed(referral_form(journey, age_years="15"), key_on(page))).status_code == 302
    assert list(PlacementRequest.objects.order_by("pk").values_list("age_years", flat=True)) == [14, 13, 15]


def test_a_form_without_a_key_has_expired_and_keeps_what_was_typed(journey: Journey, client: Client):
    client.force_login(journey.cast.commissioner_a)
    url = reverse("commissioning:referral_create")
    before = state()
    for data in (referral_form(journey), {**referral_form(journey), KEY_FIELD: "not a key!"}):
        page = client.post(url, data).content.decode()
        assert FORM_EXPIRED in page
        assert 'value="13"' in page
        assert len(key_on(page)) == 43  # a fresh key to send it with
    assert state() == before
    assert IdempotencyKey.objects.count() == 0


def test_a_form_shown_again_after_an_error_keeps_its_key(journey: Journey, client: Client, monkeypatch):
    client.force_login(journey.cast.commissioner_a)
    url = reverse("commissioning:referral_create")
    key = key_on(client.get(url).content.decode())
    page = client.post(url, keyed(referral_form(journey, age_years=""), key)).content.decode()
    assert key_on(page) == key
    # A refusal by the service rolls back the key's claim with the write: the key stays unused.
    create = services.placement_request_create

    def refuse(**arguments: Any) -> PlacementRequest:
        create(**arguments)
        raise ValidationError({"summary": ["Refused after writing, to show the rollback."]})

    monkeypatch.setattr(services, "placement_request_create", refuse)
    page = client.post(url, keyed(referral_form(journey), key)).content.decode()
    assert "Refused after writing, to show the rollback." in page
    assert key_on(page) == key
    assert (IdempotencyKey.objects.count(), PlacementRequest.objects.count()) == (0, 1)
    monkeypatch.setattr(services, "placement_request_create", create)
    assert client.post(url, keyed(referral_form(journey), key)).status_code == 302
    assert IdempotencyKey.objects.get().key == key


def test_a_fresh_key_each_time_the_form_is_shown(journey: Journey, client: Client):
    client.force_login(journey.cast.commissioner_a)
    url = reverse("commissioning:referral_create")
    keys = {key_on(client.get(url).content.decode()) for _ in range(3)}
    assert len(keys) == 3


def test_an_offer_submitted_twice_is_made_once(journey: Journey, client: Client, clock_after_sending):
    journey.send()
    client.force_login(journey.cast.provider_p)
    invitation = journey.invitation("p")
    url = reverse("commissioning:offer_create", args=[invitation.pk])
    data = {**OFFER, "home": str(journey.home_p2.pk)}
    first, second = _twice(client, url, data)
    detail = reverse("commissioning:invitation_detail", args=[invitation.pk])
    assert (first["Location"], second["Location"]) == (detail, detail)
    assert list(Offer.objects.values_list("home", "weekly_fee_core")) == [(journey.home_p2.pk, 5100)]
    # A provider may make a second offer (another home): a new form, a new key.
    assert client.post(url, keyed({**OFFER, "home": str(journey.home_p1.pk)})).status_code == 302
    assert Offer.objects.count() == 2


def test_a_decline_submitted_twice_lands_where_the_first_did(journey: Journey, client: Client, clock_after_sending):
    journey.send()
    client.force_login(journey.cast.provider_q)
    url = reverse("commissioning:invitation_decline", args=[journey.invitation("q").pk])
    first, second = _twice(client, url, {"reason": "staffing", "note": "Recruiting now."})
    inbox = reverse("commissioning:invitation_list")
    assert (first["Location"], second["Location"]) == (inbox, inbox)
    assert list(Decline.objects.values_list("reason", "note")) == [("staffing", "Recruiting now.")]
    assert FORM_REPEATED in _messages(client, inbox)


def test_another_persons_key_is_refused(journey: Journey, client: Client, clock_after_sending):
    journey.send()
    client.force_login(journey.cast.provider_p)
    url = reverse("commissioning:offer_create", args=[journey.invitation("p").pk])
    key = key_on(client.get(url).content.decode())
    client.post(url, keyed({**OFFER, "home": str(journey.home_p2.pk)}, key))
    client.force_login(journey.cast.provider_q)
    before = state()
    url_q = reverse("commissioning:invitation_decline", args=[journey.invitation("q").pk])
    page = client.post(url_q, keyed({"reason": "staffing", "note": ""}, key)).content.decode()
    assert FORM_REUSED in page
    assert state() == before


@pytest.mark.django_db(transaction=True)
def test_two_identical_submits_at_once_save_one_referral(journey: Journey, monkeypatch):
    """Two posts of one form arrive together: the second waits on the key's unique constraint
    while the first writes, then is given the first's answer."""
    create = services.placement_request_create

    def slow_create(**arguments: Any) -> PlacementRequest:
        referral = create(**arguments)
        time.sleep(0.5)  # still inside the first request's transaction
        return referral

    monkeypatch.setattr(services, "placement_request_create", slow_create)
    data = keyed(referral_form(journey))
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str]] = []
    failures: list[BaseException] = []

    def submit() -> None:
        client = Client()
        client.force_login(journey.cast.commissioner_a)
        try:
            barrier.wait(timeout=10)
            response = client.post(reverse("commissioning:referral_create"), data)
            answers.append((response.status_code, response["Location"]))
        except BaseException as error:  # noqa: BLE001 - reported to the test thread below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    referral = PlacementRequest.objects.exclude(pk=journey.draft.pk).get()
    preview = reverse("commissioning:referral_preview", args=[referral.pk])
    assert answers == [(302, preview), (302, preview)]
    assert IdempotencyKey.objects.get().redirect_url == preview
