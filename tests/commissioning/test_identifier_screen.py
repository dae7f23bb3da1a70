"""The identifier screen where it is used: the referral journey's free-text fields (service and
form), the warning while the person types, and the operators' command. The trust log's side is in
tests/trust/test_identifiers_in_the_log.py."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from commissioning import services
from commissioning.models import DeclineReason
from tests.commissioning.conftest import SENT_AT, Journey, referral_details, state
from tests.idempotency import keyed

pytestmark = pytest.mark.django_db

NAME_IN_THE_NOTE = (
    "Remove the person's name from the note. Nothing written here may identify a child: no names, dates of "
    "birth, addresses, contact details or case numbers."
)


def _refused(call, expected: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationError) as refused:
        call()
    assert refused.value.message_dict == expected


# --- Commissioning services ------------------------------------------------------------------


def test_a_decline_note_that_names_the_child_is_refused_and_nothing_changes(journey: Journey):
    journey.send()
    before = state()
    _refused(
        lambda: services.invitation_decline(
            invitation=journey.invitation("q"),
            reason=DeclineReason.OTHER,
            note="We cannot keep Jamie safe here.",
            declined_by=journey.cast.provider_q,
            now=SENT_AT + datetime.timedelta(hours=1),
        ),
        {"note": [NAME_IN_THE_NOTE]},
    )
    assert state() == before


def test_offer_conditions_with_an_address_are_refused_and_nothing_changes(journey: Journey):
    journey.send()
    before = state()
    _refused(
        lambda: services.offer_make(
            invitation=journey.invitation("p"),
            home=journey.home_p1,
            start_date=datetime.date(2026, 12, 1),
            fees=services.WeeklyFees(core=Decimal("5000.00")),
            conditions="Visit first at 12 Acacia Avenue.",
            made_by=journey.cast.provider_p,
            now=SENT_AT + datetime.timedelta(hours=1),
        ),
        {
            "conditions": [
                "Remove the street address from the conditions. Nothing written here may identify a child: no "
                "names, dates of birth, addresses, contact details or case numbers."
            ]
        },
    )
    assert state() == before


def test_a_withdrawal_reason_is_screened_and_limited_before_anything_changes(journey: Journey):
    before = state()
    _refused(
        lambda: services.placement_request_withdraw(
            placement_request=journey.draft, reason="Mr Smith objected.", withdrawn_by=journey.cast.commissioner_a
        ),
        {
            "reason": [
                "Remove the person's name from the reason. Nothing written here may identify a child: no names, "
                "dates of birth, addresses, contact details or case numbers."
            ]
        },
    )
    _refused(
        lambda: services.placement_request_withdraw(
            placement_request=journey.draft, reason="x" * 201, withdrawn_by=journey.cast.commissioner_a
        ),
        {"reason": ["Shorten the reason to 200 characters or fewer."]},
    )
    assert state() == before


def test_a_summary_longer_than_the_form_allows_is_refused_by_the_service_too(cast):
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.placement_request_create(
            organisation=cast.local_authority_a,
            created_by=cast.commissioner_a,
            details=referral_details(cast, summary="Settled. " * 500),
        )
    assert refused.value.message_dict["summary"] == ["Shorten the summary to 4,000 characters or fewer."]
    assert state() == before


def test_the_decline_form_warns_next_to_the_note_and_writes_nothing(journey: Journey, client: Client):
    journey.send()
    client.force_login(journey.cast.provider_q)
    before = state()
    url = reverse("commissioning:invitation_decline", args=[journey.invitation("q").pk])
    page = client.post(url, keyed({"reason": "other", "note": "Keeley's mum is opposed."})).content.decode()
    assert "Remove the person&#x27;s name from the note." in page
    assert page.count("Keeley") == 1  # only in the textarea the person typed
    assert state() == before


# --- While the person types ------------------------------------------------------------------


def _check(client: Client, data: dict[str, str], field: str = "summary"):
    return client.post(reverse("commissioning:identifiers_check") + f"?field={field}", data)


def test_the_check_names_the_kinds_found_in_a_polite_warning_without_the_text(client: Client, cast):
    client.force_login(cast.provider_p)
    page = _check(client, {"summary": "Jamie lives at LS6 1AA.", "age_years": "14"}).content.decode()
    assert "govuk-warning-text" in page
    assert "This seems to contain a person&#x27;s name and a full postcode. Remove it before you continue." in page
    assert "Jamie" not in page
    assert "LS6" not in page


def test_the_check_answers_nothing_for_ordinary_text_and_reads_the_named_field(client: Client, cast):
    client.force_login(cast.commissioner_a)
    assert _check(client, {"summary": "Settled at Rose Cottage."}).content.decode().strip() == ""
    page = _check(client, {"summary": "", "body": "Call 07700 900123."}, field="body").content.decode()
    assert "a phone number" in page


def test_the_check_does_not_screen_past_the_longest_field(client: Client, cast):
    client.force_login(cast.commissioner_a)
    page = _check(client, {"summary": "Jamie " * 2000}).content.decode()
    assert "This is longer than 10,000 characters, so it cannot be saved." in page


def test_the_check_is_for_signed_in_people_posting_with_a_csrf_token(cast):
    response = _check(Client(), {"summary": "Jamie"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(cast.commissioner_a)
    assert _check(signed_in, {"summary": "Jamie"}).status_code == 403
    assert signed_in.get(reverse("commissioning:identifiers_check")).status_code == 405


def test_the_free_text_fields_are_checked_while_typing_in_a_live_region(client: Client, cast):
    client.force_login(cast.commissioner_a)
    page = client.get(reverse("commissioning:referral_create")).content.decode()
    check = reverse("commissioning:identifiers_check")
    assert f'hx-post="{check}?field=summary" hx-trigger="keyup changed delay:600ms"' in page
    assert 'hx-target="#id_summary-identifiers"' in page
    assert '<div id="id_summary-identifiers" aria-live="polite"></div>' in page


# --- The operators' command ------------------------------------------------------------------


def test_screen_identifiers_writes_one_verdict_a_line_and_never_the_text():
    out = io.StringIO()
    lines = "Jamie is 14.\nLives in LS6 with her nan.\n\nborn 3 April 2011 at LS6 1AA\n"
    call_command("screen_identifiers", stdin=io.StringIO(lines), stdout=out)
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        {"identifying": True, "kinds": ["name"]},
        {"identifying": False, "kinds": []},
        {"identifying": False, "kinds": []},
        {"identifying": True, "kinds": ["date_of_birth", "postcode"]},
    ]
    assert "Jamie" not in out.getvalue()
