import pytest

from commissioning.identifiers import identifiers_in, identifiers_message, nhs_number_is_valid

POSTCODE = "a full postcode"
DATE = "a date that could be a date of birth"
NHS = "an NHS number"
REFERENCE = "a case or reference number"
LONG_NUMBER = "a long number that could be a case or reference number"
EMAIL = "an e-mail address"
PHONE = "a phone number"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lived at LS6 1AA until last year", [POSTCODE]),
        ("postcode ls61aa", [POSTCODE]),
        ("Near SW1A 2AA", [POSTCODE]),
        ("Born 03/04/2011", [DATE]),
        ("born 3.4.11", [DATE]),
        ("born 3 April 2011", [DATE]),
        ("born 21st of Sept 2011", [DATE]),
        ("born April 3, 2011", [DATE]),
        ("DOB 2011-04-03", [DATE]),
        ("NHS 943 476 5919", [NHS]),
        ("NHS 9434765919", [NHS]),
        ("Case 12345", [REFERENCE]),
        ("ref: AB123456", [REFERENCE]),
        ("Mosaic ID 4471", [REFERENCE]),
        ("file no. 2231", [REFERENCE]),
        ("The number is 88123456", [LONG_NUMBER]),
        ("Social worker: jo.bloggs@example.gov.uk", [EMAIL]),
        ("Call 07700 900123", [PHONE]),
        ("Call 0113 496 0000", [PHONE]),
        ("Call +44 7700 900123", [PHONE]),
        ("Lives at LS6 1AA, born 03/04/2011, case 12345", [POSTCODE, DATE, REFERENCE]),
    ],
)
def test_each_kind_is_found_and_named(text, expected):
    assert identifiers_in(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Lives in LS6 with her grandmother",
        "Would like to stay near SW1A or E1",
        "Aged 14, has 3 siblings and 2 pets",
        "Placed since 2024, school year 9",
        "Needs 2:1 support for 12 hours a week, from 10:30",
        "Weekly budget about 5000 pounds",
        "Enjoys football; finds change hard.",
        "",
    ],
)
def test_ordinary_text_districts_ages_and_years_are_not_flagged(text):
    assert identifiers_in(text) == []


def test_a_ten_digit_number_failing_the_nhs_check_is_still_a_long_number():
    assert nhs_number_is_valid("9434765919") is True
    assert nhs_number_is_valid("9434765918") is False
    assert identifiers_in("number 9434765918") == [LONG_NUMBER]


def test_the_message_names_the_kinds_but_never_echoes_the_text():
    text = "Lives at LS6 1AA, case 12345"
    message = identifiers_message(identifiers_in(text))
    assert message == (
        "Remove a full postcode and a case or reference number from the summary. A referral must not "
        "identify the child: no names, dates of birth, addresses, contact details or case numbers."
    )
    assert "LS6 1AA" not in message
    assert "12345" not in message
