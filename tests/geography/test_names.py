"""Matching Ofsted's local authority names to the reference list's ONS codes."""

import datetime

import pytest

from geography.names import (
    AuthorityName,
    AuthorityNameMatcher,
    NotEnglishAuthorityError,
    UnknownAuthorityError,
    normalise_authority_name,
)
from geography.reference import authority_rows
from tests.registry.register_counts import YEARS, read_rows, real_file

MATCHER = AuthorityNameMatcher(
    AuthorityName(pk=index, ons_code=row.ons_code, name=row.name, ended_on=row.ended_on)
    for index, row in enumerate(authority_rows())
)
APRIL_2025 = datetime.date(2025, 4, 1)


@pytest.mark.parametrize(
    ("ofsted_name", "ons_code"),
    [
        ("Durham", "E06000047"),
        ("Bristol", "E06000023"),
        ("Kingston upon Hull", "E06000010"),
        ("Hull", "E06000010"),
        ("Herefordshire", "E06000019"),
        ("Southend on Sea", "E06000033"),
        ("Telford & Wrekin", "E06000020"),
        ("Telford and Wrekin", "E06000020"),
        ("St Helens", "E08000013"),
        ("St. Helens", "E08000013"),
        ("Stockton on Tees", "E06000004"),
        ("Bournemouth, Christchurch and Poole", "E06000058"),
        ("Bournemouth, Christchurch & Poole", "E06000058"),
        ("City of London", "E09000001"),
        ("Westminster", "E09000033"),
        ("City of Westminster", "E09000033"),
        ("KENSINGTON AND CHELSEA", "E09000020"),
    ],
)
def test_ofsted_spellings_match_their_ons_codes(ofsted_name, ons_code):
    assert MATCHER.match(ofsted_name, on=APRIL_2025).ons_code == ons_code


@pytest.mark.parametrize(
    ("name", "on", "ons_code"),
    [
        ("North Yorkshire", datetime.date(2023, 3, 31), "E10000023"),
        ("North Yorkshire", datetime.date(2023, 4, 1), "E06000065"),
        ("Somerset", datetime.date(2022, 3, 31), "E10000027"),
        ("Somerset", datetime.date(2024, 3, 31), "E06000066"),
        ("Dorset", datetime.date(2019, 3, 31), "E10000009"),
        ("Dorset", datetime.date(2020, 3, 31), "E06000059"),
        ("Buckinghamshire", datetime.date(2020, 3, 31), "E10000002"),
        ("Buckinghamshire", datetime.date(2021, 3, 31), "E06000060"),
        ("Bournemouth", datetime.date(2019, 3, 31), "E06000028"),
        ("Poole", datetime.date(2019, 3, 31), "E06000029"),
        ("Northamptonshire", datetime.date(2021, 3, 31), "E10000021"),
        # Named after it ended: kept as named, with its historic code.
        ("Cumbria", datetime.date(2024, 3, 31), "E10000006"),
    ],
)
def test_reorganised_authorities_resolve_by_date(name, on, ons_code):
    assert MATCHER.match(name, on=on).ons_code == ons_code


def test_an_unknown_name_is_refused_with_the_name():
    with pytest.raises(UnknownAuthorityError, match="unknown local authority 'Atlantis'"):
        MATCHER.match("Atlantis", on=APRIL_2025)


def test_a_welsh_authority_is_refused_as_not_english():
    with pytest.raises(NotEnglishAuthorityError, match="not an English authority: 'Cardiff'"):
        MATCHER.match("Cardiff", on=APRIL_2025)


def test_normalisation_ignores_case_punctuation_and_city_of():
    assert normalise_authority_name("Kingston upon Hull, City of") == "kingston upon hull"
    assert normalise_authority_name("Stoke-on-Trent") == "stoke on trent"
    assert normalise_authority_name("Brighton & Hove") == "brighton and hove"


@pytest.mark.parametrize("year", YEARS)
def test_every_authority_named_for_a_childrens_home_in_the_real_files_matches(year):
    on = datetime.date(year, 3, 31)
    names = {
        row["local authority"]
        for row in read_rows(real_file(year))
        if "children's home" in row["provision type"].lower()
    }
    unmatched = set()
    for name in names:
        try:
            MATCHER.match(name, on=on)
        except UnknownAuthorityError:
            unmatched.add(name)
    assert unmatched == set()
