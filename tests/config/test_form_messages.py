"""The key messages of each form, field by field, and where the error summary links them.

tests/config/test_form_errors.py walks every page; these pin the words of the situations the
walk does not try one by one: out of range, too many digits, pence, a postcode too long, a
forged choice, a character that cannot be stored.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django import forms

from accounts.forms import InvitationForm
from commissioning.forms import OfferForm, PlacementRequestForm
from config.forms import GovukForm, date_parts_of, error_anchor
from providers.forms import HomeProfileForm, VacancyForm
from providers.models import Home

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def before_the_dates_asked_for() -> Iterator[None]:
    """The answers below name days in 2027, which a form refuses once they have gone."""
    with time_machine.travel(datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


REFERRAL = {
    "age_years": "14", "sex": "female", "legal_status": "care_order", "urgency": "today", "start_by": "2027-03-27",
    "planned_duration": "long_term", "living_companions": "any", "education": "keeps_school",
    "maximum_distance_km": "50", "summary": "Enjoys football.",
}  # fmt: skip


def _errors(form: forms.Form) -> dict[str, list[str]]:
    assert not form.is_valid()
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def _referral(**changes: Any) -> dict[str, list[str]]:
    return _errors(PlacementRequestForm(data={**REFERRAL, **changes}))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"age_years": "fourteen"}, {"age_years": ["Enter the child's age as a whole number, like 14"]}),
        ({"age_years": "18"}, {"age_years": ["The child's age must be between 0 and 17"]}),
        ({"legal_status": "orphan"}, {"legal_status": ["Select the child's legal status"]}),
        ({"sex": ""}, {"sex": ["Select the child's sex"]}),
        ({"start_by": "2027-02-30"}, {"start_by": ["The start-by date must be a real date"]}),
        ({"start_by": ""}, {"start_by": ["Enter the date the placement should start by"]}),
        ({"summary": "x" * 4001}, {"summary": ["Needs and strengths must be 4,000 characters or fewer"]}),
        ({"summary": "Enjoys\x00 football."}, {"summary": ["Remove the unusual characters from needs and strengths"]}),
        ({"weekly_budget_guide": "-1"}, {"weekly_budget_guide": ["The weekly budget guide must be £0 or more"]}),
        (
            {"weekly_budget_guide": "4500.505"},
            {"weekly_budget_guide": ["Enter the weekly budget guide in pounds and pence, like 4500.50"]},
        ),
        (
            {"weekly_budget_guide": "lots"},
            {"weekly_budget_guide": ["Enter the weekly budget guide as a number, like 4500 or 4500.50"]},
        ),
        (
            {"postcode_district": "LS6 1AB"},
            {"postcode_district": ["Enter the first half of a postcode only, like LS6"]},
        ),
        ({"needs": ["no-such-need"]}, {"needs": ["Select the child's needs from the list"]}),
        (
            {"home_local_authority": "999999"},
            {"home_local_authority": ["Choose the child's home authority from the list"]},
        ),
        (
            {"maximum_distance_km": "501"},
            {"maximum_distance_km": ["The furthest acceptable distance must be between 1 and 500"]},
        ),
    ],
)
def test_the_referral_says_what_to_put_right(changes: dict[str, Any], expected: dict[str, list[str]]) -> None:
    assert _referral(**changes) == expected


def _start_by(day: str, month: str, year: str) -> dict[str, str]:
    return {"start_by-day": day, "start_by-month": month, "start_by-year": year}


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("27", "", "2027"), ["The start-by date must include a month"]),
        (("", "", "2027"), ["The start-by date must include a day and a month"]),
        (("30", "2", "2027"), ["The start-by date must be a real date"]),
        (("27", "3", "27"), ["The start-by date must be a real date"]),
        (("27", "March", "2027"), ["The start-by date must be a real date"]),
        (("", "", ""), ["Enter the date the placement should start by"]),
    ],
)
def test_a_date_in_three_parts_says_which_part_to_put_right(parts: tuple[str, str, str], expected: list[str]) -> None:
    data = {name: value for name, value in REFERRAL.items() if name != "start_by"} | _start_by(*parts)
    assert _errors(PlacementRequestForm(data=data)) == {"start_by": expected}


def test_a_date_in_three_parts_is_read_and_its_link_goes_to_the_part_missing() -> None:
    data = {name: value for name, value in REFERRAL.items() if name != "start_by"}
    form = PlacementRequestForm(data=data | _start_by("7", "3", "2027"))
    assert form.is_valid()
    assert form.cleaned_data["start_by"] == datetime.date(2027, 3, 7)
    assert date_parts_of(form["start_by"].value()) == {"day": "7", "month": "3", "year": "2027"}
    missing_month = PlacementRequestForm(data=data | _start_by("7", "", "2027"))
    assert error_anchor(missing_month["start_by"]) == "id_start_by-month"
    assert error_anchor(PlacementRequestForm(data=data)["start_by"]) == "id_start_by-day"
    shown = PlacementRequestForm(initial={"start_by": "2027-03-07"})["start_by"]
    assert date_parts_of(shown.value()) == {"day": "7", "month": "3", "year": "2027"}


def test_an_empty_referral_has_one_message_per_question_in_the_pages_order() -> None:
    errors = _errors(PlacementRequestForm(data={}))
    assert errors == {
        "age_years": ["Enter the child's age in years"],
        "sex": ["Select the child's sex"],
        "legal_status": ["Select the child's legal status"],
        "summary": ["Describe the child's needs and strengths"],
        "urgency": ["Select how soon the child needs a home"],
        "start_by": ["Enter the date the placement should start by"],
        "planned_duration": ["Select how long the placement is planned to last"],
        "living_companions": ["Select whether the child can live with other children, or no preference"],
        "education": ["Select the child's education need"],
        "maximum_distance_km": ["Enter the furthest acceptable distance in km"],
    }
    assert list(errors) == [name for name in PlacementRequestForm().fields if name in errors]


def test_each_error_links_to_its_fields_first_input() -> None:
    form = PlacementRequestForm(data={})
    anchors = {name: error_anchor(form[name]) for name in ("age_years", "sex", "needs", "home_local_authority")}
    assert anchors == {
        "age_years": "id_age_years",
        "sex": "id_sex_0",
        "needs": "id_needs_0",
        "home_local_authority": "id_home_local_authority",
    }
    assert form.first_error_anchor == "id_age_years"


def test_an_offer_names_each_fee() -> None:
    form = OfferForm(
        data={"start_date": "2027-13-01", "weekly_fee_core": "", "weekly_fee_education": "123456789"},
        homes=Home.objects.none(),
    )
    assert _errors(form) == {
        "home": ["Select the home you are offering"],
        "start_date": ["The start date must be a real date"],
        "weekly_fee_core": ["Enter the core weekly fee, like 4500 or 4500.50"],
        "weekly_fee_education": ["The education fee must be less than £100,000,000"],
    }


def test_a_home_profile_and_a_vacancy_say_what_is_wrong() -> None:
    profile = HomeProfileForm(
        data={"age_minimum": "eight", "age_maximum": "19", "sexes": "both", "takes_emergency_admissions": "maybe"}
    )
    assert _errors(profile) == {
        "age_minimum": ["Enter the youngest age as a whole number, like 8"],
        "age_maximum": ["The oldest age must be between 0 and 18"],
        "sexes": ["Select who the home is registered for"],
        "takes_emergency_admissions": ["Select yes if the home takes emergency admissions"],
    }
    vacancy = VacancyForm(data={"places": "0", "available_from": "31/02/2027", "note": "x" * 201})
    assert _errors(vacancy) == {
        "places": ["The number of places must be 1 or more"],
        "available_from": ["The date the places are free from must be a real date"],
        "note": ["The note must be 200 characters or fewer"],
    }


def test_an_invitation_asks_for_an_address_in_the_right_format() -> None:
    assert _errors(InvitationForm(data={"email": "bob", "role": "owner"})) == {
        "email": ["Enter an e-mail address in the correct format, like name@example.org"],
        "role": ["Select the person's role: member or organisation admin"],
    }


def test_the_base_words_what_only_a_forged_request_meets_from_the_label() -> None:
    class Areas(GovukForm):
        areas = forms.MultipleChoiceField(label="Areas to avoid", choices=[("a", "A")], required=False)
        note = forms.CharField(label="Note", required=False)

    form = Areas(data={"note": "a\x00b"})
    form.fields["areas"].widget.value_from_datadict = lambda *args: "a"
    assert _errors(form) == {
        "areas": ["Choose areas to avoid from the options shown"],
        "note": ["Remove the unusual characters from note"],
    }
