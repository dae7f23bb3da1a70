"""Normalising Ofsted's free-text owner names."""

import pytest

from ownership.owner_names import (
    RegisteredNumbers,
    company_number_in,
    company_numbers_by_owner_name,
    legal_name,
    normalise_owner_name,
    parse_registered_number,
    registered_numbers_for,
)


@pytest.mark.parametrize(
    ("spellings", "normalised"),
    [
        (["CAMBIAN CHILDCARE LTD", "Cambian Childcare Limited", "Cambian Childcare Ltd."], "cambian childcare"),
        (["Athena Children's Services Limited", "Athena Childrens services limited"], "athena childrens services"),
        (["Phoenix Care & Education Ltd", "Phoenix Care And Education Ltd"], "phoenix care and education"),
        (["The Partnership Of Care Today", "Partnership of Care Today"], "partnership of care today"),
        (["The National Autistic Society", "National Autistic Society, The"], "national autistic society"),
        (["ERA Care Limited 5921904", "ERA Care Limited"], "era care"),
        (["GSM ARDENT RAWCLIFFE LIMITED (15612913)"], "gsm ardent rawcliffe"),
        (["Tulip Care One Limited t/as TulipCare", "Tulip Care One Ltd"], "tulip care one"),
        (["A&m Care Solutions Ltd - T/a Metropolitan Care Solutions"], "a and m care solutions"),
        (["Devon & Cornwall Autistic Community Trust (t/a Spectrum)"], "devon and cornwall autistic community trust"),
        (["RCS operations LTD trading as Cumulus Care Services"], "rcs operations"),
        (["Stoke on Trent City Council", "Stoke-on-Trent City Council"], "stoke on trent city council"),
        (["Acme Homes Public Limited Company", "Acme Homes PLC"], "acme homes"),
    ],
)
def test_spellings_of_one_owner_normalise_alike(spellings, normalised):
    assert {normalise_owner_name(spelling) for spelling in spellings} == {normalised}


def test_a_blank_name_normalises_to_blank():
    assert normalise_owner_name("  ") == ""


def test_legal_name_drops_trading_names_and_numbers_but_keeps_case():
    assert legal_name("HMO NE LTD T/A ForeverCare") == "HMO NE LTD"
    assert legal_name("Crusoe Care Limited 06843979") == "Crusoe Care Limited"


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("Crusoe Care Limited 06843979", "06843979"),
        ("ERA Care Limited 5921904", "05921904"),
        ("GSM ARDENT RAWCLIFFE LIMITED (15612913)", "15612913"),
        ("Scottish Care Ltd SC123456", "SC123456"),
        ("Children 1st Care Ltd", ""),
    ],
)
def test_company_numbers_written_in_names_are_found(name, number):
    assert company_number_in(name) == number


def test_registered_numbers_of_the_lookup_are_parsed():
    assert parse_registered_number("04280519") == RegisteredNumbers(company_number="04280519")
    assert parse_registered_number("CHA1043129") == RegisteredNumbers(charity_number="1043129")
    assert parse_registered_number("NA") == RegisteredNumbers()


def test_the_shipped_lookup_gives_company_numbers_by_normalised_name():
    lookup = company_numbers_by_owner_name()
    assert lookup["cambian childcare"] == RegisteredNumbers(company_number="04280519")
    assert lookup["hollybank trust"] == RegisteredNumbers(charity_number="1043129")
    # 977 Ofsted spellings, and 63 Companies House names that are no Ofsted spelling.
    assert len(lookup) == 1040


def test_numbers_come_from_the_lookup_before_the_name():
    assert registered_numbers_for("CAMBIAN CHILDCARE LTD").company_number == "04280519"
    assert registered_numbers_for("Unknown Homes Ltd 01234567").company_number == "01234567"
    assert registered_numbers_for("Little Trust 1123456", charity=True) == RegisteredNumbers(charity_number="1123456")
