"""Sending a referral (issue 16 parts 2-3): check your answers before anything is sent, fit and
distance explained, outcomes that say what was offered and why the referral closed, a bounded
number of queries however many homes it goes to, and the placements list."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.idempotency import FORM_REPEATED
from commissioning import matching, services, views
from commissioning.matching import Candidate, candidate_homes
from commissioning.models import Invitation, LivingCompanions, Placement, PlacementRequest, Urgency
from commissioning.services import ANSWERS_CHANGED
from geography.models import LocalAuthority
from providers.models import Home
from tests.commissioning.conftest import SENT_AT, Journey, referral_details, state
from tests.commissioning.sending import confirmation
from tests.commissioning.test_matching import BRADFORD, LEEDS, ON, _home, _need, _referral, places
from tests.factories import HomeFactory, RegistryProviderFactory

pytestmark = pytest.mark.django_db

__all__ = ["places"]  # the fixture, imported for the matching tests' referrals


def _preview_url(journey: Journey) -> str:
    return reverse("commissioning:referral_preview", args=[journey.draft.pk])


@pytest.fixture
def matched(journey: Journey, monkeypatch: pytest.MonkeyPatch) -> Journey:
    """The journey's three homes are what matching offers (they have no profiles to match on)."""
    candidates = [
        Candidate(home, home.provider_organisation, 5.0, 1, ["Registered for 1 of the 1 needs asked for"])
        for home in (journey.home_p1, journey.home_p2, journey.home_q)
    ]
    monkeypatch.setattr(views, "_candidates", lambda referral: candidates)
    return journey


def _all_homes(journey: Journey) -> dict[str, list[str]]:
    return {"homes": [str(home.pk) for home in (journey.home_p1, journey.home_p2, journey.home_q)]}


# --- Check your answers ----------------------------------------------------------------------


def test_check_your_answers_lists_every_answer_with_a_link_to_change_it_and_sends_nothing(
    matched: Journey, client: Client
):
    client.force_login(matched.cast.commissioner_a)
    before = state()
    page = client.get(_preview_url(matched)).content.decode()
    assert state() == before
    edit = reverse("commissioning:referral_edit", args=[matched.draft.pk])
    for anchor in ("id_age_years", "id_sex_0", "id_needs_0", "id_summary", "id_start_by", "id_home_local_authority"):
        assert f'href="{edit}#{anchor}"' in page
    assert page.count(">Change<span") == 18  # every answer of the form
    assert 'Change<span class="govuk-visually-hidden"> age</span>' in page
    assert "1 April 2026" in page  # start by
    assert "Going missing" in page
    assert "Nothing is sent until you press “Send referral”" in page
    matched.draft.refresh_from_db()
    assert matched.draft.status == PlacementRequest.Status.DRAFT


def test_confirming_sends_once_however_often_it_is_pressed(matched: Journey, client: Client):
    client.force_login(matched.cast.commissioner_a)
    page = client.get(_preview_url(matched)).content.decode()
    data = confirmation(page, _all_homes(matched))
    detail = reverse("commissioning:referral_detail", args=[matched.draft.pk])

    first = client.post(_preview_url(matched), data)
    second = client.post(_preview_url(matched), data)

    assert (first.status_code, first["Location"]) == (302, detail)
    assert (second.status_code, second["Location"]) == (302, detail)
    assert Invitation.objects.filter(placement_request=matched.draft).count() == 2
    assert FORM_REPEATED in client.get(detail).content.decode()


def test_a_confirmation_without_the_checked_answers_or_with_forged_ones_is_refused(matched: Journey, client: Client):
    client.force_login(matched.cast.commissioner_a)
    page = client.get(_preview_url(matched)).content.decode()
    good = confirmation(page, _all_homes(matched))
    forged_digest = signing.dumps({"referral": matched.draft.pk, "answers": "0" * 64}, salt="another salt")
    before = state()
    for answers in ("", "not-a-token", forged_digest, good["answers_checked"] + "x"):
        response = client.post(_preview_url(matched), {**good, "answers_checked": answers})
        assert response.status_code == 200
        assert "This page could not be checked: check your answers below, then send the referral again." in (
            response.content.decode()
        )
        assert state() == before


def test_answers_changed_after_the_page_was_shown_are_not_sent_and_the_page_shows_them_again(
    matched: Journey, client: Client
):
    client.force_login(matched.cast.commissioner_a)
    stale_page = client.get(_preview_url(matched)).content.decode()
    services.placement_request_update(
        placement_request=matched.draft,
        details=referral_details(matched.cast, age_years=16),
        updated_by=matched.cast.commissioner_a,
    )
    before = state()

    response = client.post(_preview_url(matched), confirmation(stale_page, {"homes": [str(matched.home_q.pk)]}))

    body = response.content.decode()
    assert response.status_code == 200
    assert ANSWERS_CHANGED in html.unescape(body)
    assert state() == before
    assert re.search(
        r'<dt class="govuk-summary-list__key">Age</dt>\s*<dd class="govuk-summary-list__value">16</dd>', body
    )
    assert f'value="{matched.home_q.pk}" checked' in body  # the homes kept are kept
    assert f'value="{matched.home_p1.pk}" checked' not in body
    response = client.post(_preview_url(matched), confirmation(body, {"homes": [str(matched.home_q.pk)]}))
    assert response.status_code == 302
    assert list(Invitation.objects.values_list("provider_organisation__name", flat=True)) == ["Provider Q"]


def test_the_service_refuses_a_draft_changed_since_it_was_checked(journey: Journey):
    from commissioning.selectors import placement_request_answers_digest

    checked = placement_request_answers_digest(journey.draft)
    services.placement_request_update(
        placement_request=journey.draft,
        details=referral_details(journey.cast, maximum_distance_km=80),
        updated_by=journey.cast.commissioner_a,
    )
    before = state()
    with pytest.raises(services.ValidationError, match="changed after you checked it"):
        services.placement_request_send(
            placement_request=journey.draft, homes=[journey.home_q], sent_by=journey.cast.commissioner_a,
            answers_checked=checked,
        )  # fmt: skip
    assert state() == before


# --- Fit and distance explained ---------------------------------------------------------------


def test_the_preview_says_what_fit_counts_and_how_far_and_from_where(places: dict[str, LocalAuthority]):
    home = _home(places[BRADFORD], emergency=True, places=4)
    referral = _referral(places, urgency=Urgency.TODAY, living_companions=LivingCompanions.ALONE)

    [candidate] = candidate_homes(referral, on=ON)

    autism = _need("autism").label
    assert candidate.home == home
    assert (candidate.fit, candidate.fit_possible) == (2, 3)
    assert candidate.fit_explained == (
        f"Fit 2 of a possible 3: registered for 1 of the 1 needs asked for ({autism}); takes emergency "
        "admissions, as the referral is urgent. No point: 4 registered places, more than the 1 the living "
        "arrangement allows"
    )
    km = f"{candidate.distance_km:.0f}"
    assert candidate.distance_explained == (
        f"{km} km in a straight line from the centre of Leeds to the centre of Bradford, where the home is "
        "placed because Ofsted does not publish children's homes' addresses"
    )


def test_distance_is_said_to_be_unknown_when_the_childs_location_has_no_position(
    places: dict[str, LocalAuthority],
):
    _home(places[LEEDS])
    referral = _referral(places, postcode_district="ZZ9", home_local_authority=None)

    [candidate] = candidate_homes(referral, on=ON)

    assert candidate.distance_km is None
    assert candidate.distance_explained == (
        "Distance not known: we hold no position for postcode district ZZ9, so no distance limit was applied"
    )


def test_the_preview_page_shows_the_explanations(matched: Journey, client: Client, monkeypatch: pytest.MonkeyPatch):
    explained = Candidate(
        matched.home_q, matched.home_q.provider_organisation, 0.0, 1, [], fit_possible=2,
        fit_explained="Fit 1 of a possible 2: registered for 1 of the 1 needs asked for (Autism)",
        distance_explained="0 km in a straight line from the centre of Leeds to the centre of Leeds",
    )  # fmt: skip
    monkeypatch.setattr(views, "_candidates", lambda referral: [explained])
    client.force_login(matched.cast.commissioner_a)
    page = client.get(_preview_url(matched)).content.decode()
    assert "Fit 1 of a possible 2: registered for 1 of the 1 needs asked for (Autism).<br>" in page
    assert "0 km in a straight line from the centre of Leeds to the centre of Leeds." in page
    assert "How fit and distance are worked out" in page


# --- Outcomes ---------------------------------------------------------------------------------


def _detail(client: Client, journey: Journey) -> str:
    client.force_login(journey.cast.commissioner_a)
    return client.get(reverse("commissioning:referral_detail", args=[journey.draft.pk])).content.decode()


def _cells(page: str) -> list[str]:
    cells = re.findall(r'<td class="govuk-table__cell[^"]*">(.*?)</td>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


def test_after_acceptance_offers_keep_fit_distance_and_say_who_was_chosen(journey: Journey, client: Client):
    journey.send()
    chosen, other = journey.offer("p", core="5369.66"), journey.offer("q", core="4000.00")
    services.offer_accept(
        offer=chosen, accepted_by=journey.cast.commissioner_a, reason="Near school.",
        now=SENT_AT + datetime.timedelta(days=1),
    )  # fmt: skip
    assessed = matching.homes_assessed(journey.draft, [journey.home_p1, journey.home_q])

    page = _detail(client, journey)

    cells = _cells(page)
    assert "Accepted on 11 March 2026" in cells
    assert "Not selected: placed with Provider P" in cells
    assert "£5,769.66" in cells  # 5,369.66 core + 400.00 additional support
    for home in (journey.home_p1, journey.home_q):
        candidate = assessed[home.pk]
        assert candidate.distance_km is not None
        assert f"{candidate.fit} of {candidate.fit_possible}" in cells
        assert f"{candidate.distance_km:.0f} km" in cells
        assert candidate.distance_explained in html.unescape(page)
    assert "Closed (request placed, withdrawn or expired)" not in page
    assert f"Offered {journey.home_p1} at £5,769.66 a week: accepted" in cells
    assert f"Offered {journey.home_q} at £4,400.00 a week. Closed: placed with Provider P" in cells
    assert other.pk != chosen.pk


def test_after_withdrawal_each_answer_says_the_authority_withdrew_it(journey: Journey, client: Client):
    journey.send()
    journey.offer("p")
    services.placement_request_withdraw(
        placement_request=journey.draft, reason="Returned home.", withdrawn_by=journey.cast.commissioner_a,
        now=SENT_AT + datetime.timedelta(hours=5),
    )  # fmt: skip

    cells = _cells(_detail(client, journey))

    assert "Not selected: withdrawn by the authority on 10 March 2026" in cells
    assert "No answer before it closed. Closed: withdrawn by the authority on 10 March 2026" in cells
    assert (
        f"Offered {journey.home_p1} at £5,400.00 a week. Closed: withdrawn by the authority on 10 March 2026" in cells
    )


def test_after_expiry_each_answer_says_when(journey: Journey, client: Client):
    journey.send()
    journey.offer("p")
    services.placement_requests_expire(now=datetime.datetime(2026, 4, 2, 9, 0, tzinfo=datetime.UTC))

    cells = _cells(_detail(client, journey))

    closed = "expired on 2 April 2026, with no placement agreed by the start date"
    assert f"Not selected: {closed}" in cells
    assert f"No answer by the deadline (12 March 2026). Closed: {closed}" in cells


# --- Queries ----------------------------------------------------------------------------------

# Sending to any number of homes costs this many queries, plus the outbox's two messages per
# provider (its e-mail and its trust log event, each written in the transaction: ADR 22).
SEND_QUERIES = 11
OUTBOX_QUERIES_PER_PROVIDER = 2


def _homes_of_providers(count: int) -> list[Home]:
    homes: list[Home] = []
    for _ in range(count):
        provider = RegistryProviderFactory()
        homes += [HomeFactory(provider_organisation=provider), HomeFactory(provider_organisation=provider)]
    return homes


def _queries_to_send(journey: Journey, homes: list[Home]) -> int:
    draft = services.placement_request_create(
        organisation=journey.cast.local_authority_a, details=referral_details(journey.cast),
        created_by=journey.cast.commissioner_a,
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        services.placement_request_send(placement_request=draft, homes=homes, sent_by=journey.cast.commissioner_a)
    return len(queries)


@pytest.mark.parametrize("providers", [1, 5, 20])
def test_sending_to_many_homes_takes_a_bounded_number_of_queries(
    journey: Journey, providers: int, django_assert_max_num_queries: Any
):
    homes = _homes_of_providers(providers)
    draft = journey.draft
    with django_assert_max_num_queries(SEND_QUERIES + OUTBOX_QUERIES_PER_PROVIDER * providers):
        services.placement_request_send(placement_request=draft, homes=homes, sent_by=journey.cast.commissioner_a)
    assert Invitation.objects.filter(placement_request=draft).count() == providers


def test_only_the_outbox_messages_grow_with_the_providers_reached(journey: Journey):
    few, many = _queries_to_send(journey, _homes_of_providers(2)), _queries_to_send(journey, _homes_of_providers(8))
    assert many - few == OUTBOX_QUERIES_PER_PROVIDER * 6


# --- Placements -------------------------------------------------------------------------------


JANUARY_2025 = datetime.date(2025, 1, 1)


def test_placements_say_who_and_what_with_fees_in_pounds_and_pence_a_page_at_a_time(journey: Journey, client: Client):
    journey.send()
    offer = journey.offer("p", core="5369.66")
    placement = services.offer_accept(
        offer=offer, accepted_by=journey.cast.commissioner_a, reason="Near school.",
        now=SENT_AT + datetime.timedelta(days=1),
    )  # fmt: skip
    authority = journey.draft.local_authority
    Placement.objects.bulk_create(
        Placement(
            local_authority=authority, home=journey.home_q, start_date=JANUARY_2025 + datetime.timedelta(days=n),
            weekly_fee_core=Decimal("1000.00"), is_synthetic=True,
        )
        for n in range(25)
    )  # fmt: skip
    client.force_login(journey.cast.commissioner_a)

    first = client.get(reverse("commissioning:placement_list")).content.decode()
    second = client.get(reverse("commissioning:placement_list") + "?page=2").content.decode()

    referral_link = reverse("commissioning:referral_detail", args=[journey.draft.pk])
    assert f'<a class="govuk-link" href="{referral_link}">Referral {journey.draft.pk}</a>' in first
    cells = _cells(first)
    assert [str(journey.home_p1) in cells[0], cells[1:4]] == [True, ["Provider P", authority.name, "16 Mar 2026"]]
    assert "£5,769.66" in cells
    assert first.count('<tr class="govuk-table__row">') == 26  # the header and 25 placements
    assert second.count('<tr class="govuk-table__row">') == 2  # the header and the 26th
    assert "£1,000.00" in _cells(second)
    assert placement.pk


def test_pounds_has_thousands_and_pence():
    from commissioning.templatetags.commissioning import pounds

    assert [pounds(Decimal("5769.66")), pounds(Decimal("12")), pounds(None), pounds(1234567.5)] == [
        "£5,769.66", "£12.00", "", "£1,234,567.50",
    ]  # fmt: skip


def test_a_referral_sent_to_many_providers_lists_them_a_page_at_a_time(journey: Journey, client: Client):
    services.placement_request_send(
        placement_request=journey.draft, homes=_homes_of_providers(26), sent_by=journey.cast.commissioner_a
    )
    client.force_login(journey.cast.commissioner_a)
    url = reverse("commissioning:referral_detail", args=[journey.draft.pk])

    first, second = client.get(url).content.decode(), client.get(url + "?invitations_page=2").content.decode()

    def invited(page: str) -> int:
        table = page.split("Providers invited and their answers</caption>")[1].split("</table>")[0]
        return table.count('<tr class="govuk-table__row">') - 1  # less the header

    assert (invited(first), invited(second)) == (25, 1)
    assert 'aria-label="Pages of providers invited"' in first
    assert "invitations_page=2#invited" in first


def test_a_provider_not_chosen_reads_why_in_its_inbox_without_the_other_providers_name(
    journey: Journey, client: Client
):
    journey.send()
    chosen = journey.offer("p")
    journey.offer("q", core="4000.00")
    services.offer_accept(
        offer=chosen, accepted_by=journey.cast.commissioner_a, reason="Near school.",
        now=SENT_AT + datetime.timedelta(days=1),
    )  # fmt: skip
    client.force_login(journey.cast.provider_q)

    inbox = html.unescape(client.get(reverse("commissioning:invitation_list")).content.decode())
    page = html.unescape(
        client.get(reverse("commissioning:invitation_detail", args=[journey.invitation("q").pk])).content.decode()
    )

    assert f"Offered {journey.home_q} at £4,400.00 a week. Closed: placed with another provider" in inbox
    assert "Not selected: placed with another provider" in page
    assert "Provider P" not in inbox + page
    assert "Closed (request placed, withdrawn or expired)" not in inbox
