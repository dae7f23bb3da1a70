"""Companies House's PSC bulk snapshot: small files in its published JSON-lines format."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from ownership import companies_house
from ownership.models import Entity, EntityKind, Interest, InterestType, OwnerCategory, OwnerType, UnspecifiedReason
from ownership.selectors import ultimate_owner_of_entity
from ownership.services import provider_entity_ensure, psc_snapshot_import
from providers.models import ImportRun, Sector
from tests.ownership.factories import PrivateEquityFirmFactory, ProviderRecordFactory

pytestmark = pytest.mark.django_db

SNAPSHOT = datetime.date(2026, 11, 30)
NEXT_SNAPSHOT = datetime.date(2026, 12, 31)
PROVIDER = "01111111"
HOLDCO = "02222222"
FUND = "OC300001"
STRANGER = "09999999"
SOURCE = "Companies House PSC snapshot"


def individual(company, psc_id, name, natures, notified_on="2018-01-01", ceased_on=None):
    data = {
        "kind": "individual-person-with-significant-control",
        "name": name,
        "name_elements": {"title": "Mrs", "forename": name.split()[0], "surname": name.split()[-1]},
        "natures_of_control": natures,
        "notified_on": notified_on,
        "nationality": "British",
        "country_of_residence": "England",
        "date_of_birth": {"month": 4, "year": 1961},
        "address": {"premises": "7", "address_line_1": "Mill Lane", "locality": "Leeds", "postal_code": "LS1 4AP"},
        "etag": f"etag-{psc_id}",
        "links": {"self": f"/company/{company}/persons-with-significant-control/individual/{psc_id}"},
    }
    if ceased_on:
        data["ceased_on"] = ceased_on
    return json.dumps({"company_number": company, "data": data})


def corporate(company, psc_id, name, number, natures, country="England", notified_on="2019-04-01", ceased_on=None):
    data = {
        "kind": "corporate-entity-person-with-significant-control",
        "name": name,
        "natures_of_control": natures,
        "notified_on": notified_on,
        "identification": {
            "legal_authority": "Companies Act 2006",
            "legal_form": "Private Limited Company",
            "country_registered": country,
            "place_registered": "Companies House",
            "registration_number": number,
        },
        "address": {"premises": "1", "address_line_1": "King Street", "postal_code": "M2 4WU"},
        "etag": f"etag-{psc_id}",
        "links": {"self": f"/company/{company}/persons-with-significant-control/corporate-entity/{psc_id}"},
    }
    if ceased_on:
        data["ceased_on"] = ceased_on
    return json.dumps({"company_number": company, "data": data})


def super_secure(company, psc_id):
    data = {
        "kind": "super-secure-person-with-significant-control",
        "description": "super-secure-persons-with-significant-control",
        "ceased": False,
        "etag": f"etag-{psc_id}",
        "links": {"self": f"/company/{company}/persons-with-significant-control/super-secure/{psc_id}"},
    }
    return json.dumps({"company_number": company, "data": data})


def statement(company, statement_id, code, notified_on="2017-06-01"):
    data = {
        "kind": "persons-with-significant-control-statement",
        "statement": code,
        "notified_on": notified_on,
        "etag": f"etag-{statement_id}",
        "links": {"self": f"/company/{company}/persons-with-significant-control-statements/{statement_id}"},
    }
    return json.dumps({"company_number": company, "data": data})


def exemptions(company):
    data = {
        "kind": "exemptions",
        "exemptions": {
            "psc_exempt_as_shares_admitted_on_market": {
                "exemption_type": "psc-exempt-as-shares-admitted-on-market",
                "items": [{"exempt_from": "2016-06-30"}],
            }
        },
        "links": {"self": f"/company/{company}/exemptions"},
    }
    return json.dumps({"company_number": company, "data": data})


def totals(generated_on, count):
    data = {
        "kind": "totals#persons-of-significant-control-snapshot",
        "persons_of_significant_control_count": count,
        "statements_count": 0,
        "exemptions_count": 0,
        "generated_at": f"{generated_on.isoformat()}T03:00:09Z",
    }
    return json.dumps({"data": data})


def snapshot(tmp_path, lines, date=SNAPSHOT, name=None):
    path = tmp_path / (name or f"persons-with-significant-control-snapshot-{date.isoformat()}.txt")
    path.write_text("\n".join([*lines, totals(date, len(lines))]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def provider():
    """A private provider the register knows, with its Companies House number."""
    organisation = ProviderRecordFactory(name="Bright Futures Care Limited", companies_house_number=PROVIDER)
    return provider_entity_ensure(provider_organisation=organisation, sector=Sector.PRIVATE)


@pytest.fixture
def fund():
    """A private-equity firm the curated data already classifies, by its LLP number."""
    return PrivateEquityFirmFactory(name="Oakfield Capital LLP", company_number=FUND, record_id="curated:oakfield")


SHARES_75 = ["ownership-of-shares-75-to-100-percent", "voting-rights-75-to-100-percent"]


def investment_chain_lines():
    # The holding company's own PSC comes first in the file: it is only known to matter once the
    # provider's line has been read, so the importer reads it on a second pass.
    return [
        corporate(HOLDCO, "fund1", "Oakfield Capital LLP", FUND, ["ownership-of-shares-50-to-75-percent"]),
        individual(STRANGER, "s1", "Alan Stranger", SHARES_75),
        corporate(PROVIDER, "holdco1", "Bright Futures Holdings Ltd", "2222222", SHARES_75, "England and Wales"),
        individual(PROVIDER, "minority1", "Jane Founder", ["ownership-of-shares-25-to-50-percent"]),
    ]


def graph_facts():
    entities = set(
        Entity.objects.values_list(
            "record_id", "name", "kind", "category", "company_number", "unspecified_reason", "source"
        )
    )
    interests = set(
        Interest.objects.values_list(
            "record_id",
            "subject__record_id",
            "interested_party__record_id",
            "interest_type",
            "share_minimum",
            "share_maximum",
            "share_exclusive_minimum",
            "start_date",
            "end_date",
            "source",
            "observed_on",
        )
    )
    return entities, interests


def test_corporate_psc_chain_with_a_private_equity_top_makes_the_provider_investment_owned(tmp_path, provider, fund):
    run = psc_snapshot_import(path=snapshot(tmp_path, investment_chain_lines()))

    assert run.status == ImportRun.Status.SUCCEEDED
    assert (run.kind, run.as_of) == (ImportRun.Kind.PSC, SNAPSHOT)
    assert run.rejected_rows == []
    assert run.summary["passes"] == 2  # the companies known (provider, fund), then the holding company found
    holdco = Entity.objects.get(company_number=HOLDCO)
    assert (holdco.name, holdco.kind, holdco.category, holdco.jurisdiction, holdco.source) == (
        "Bright Futures Holdings Ltd",
        EntityKind.REGISTERED_ENTITY,
        OwnerCategory.COMPANY,
        "GB",
        SOURCE,
    )
    fund.refresh_from_db()
    assert (fund.name, fund.category) == ("Oakfield Capital LLP", OwnerCategory.PRIVATE_EQUITY_FIRM)  # not demoted
    resolution = ultimate_owner_of_entity(provider, SNAPSHOT)
    assert resolution.owner == fund
    assert resolution.owner_type == OwnerType.PRIVATE_INVESTMENT
    assert [(link.subject, link.interested_party) for link in resolution.chain] == [(provider, holdco), (holdco, fund)]
    shares = Interest.objects.get(subject=provider, interested_party=holdco, interest_type=InterestType.SHAREHOLDING)
    assert (shares.share_minimum, shares.share_exclusive_minimum, shares.share_maximum) == (
        Decimal(75),
        True,
        Decimal(100),
    )
    assert (shares.start_date, shares.end_date, shares.source, shares.observed_on) == (
        datetime.date(2019, 4, 1),
        None,
        SOURCE,
        SNAPSHOT,
    )


def test_companies_the_graph_does_not_know_are_skipped_and_counted(tmp_path, provider, fund):
    run = psc_snapshot_import(path=snapshot(tmp_path, investment_chain_lines()))

    assert run.summary["lines_skipped_unknown_companies"] == 1  # the stranger's
    assert run.summary["lines"] == 5
    assert run.summary["companies_read"] == 3
    assert not Entity.objects.filter(name="Alan Stranger").exists()
    assert not Entity.objects.filter(company_number=STRANGER).exists()


def test_individuals_keep_only_their_published_name(tmp_path, provider, fund):
    psc_snapshot_import(path=snapshot(tmp_path, investment_chain_lines()))

    person = Entity.objects.get(name="Jane Founder")
    assert (person.kind, person.category, person.jurisdiction, person.identifiers) == (
        EntityKind.PERSON,
        OwnerCategory.INDIVIDUAL,
        "",
        [],
    )
    stored = json.dumps(list(Entity.objects.values()), default=str) + json.dumps(
        list(Interest.objects.values()), default=str
    )
    for private in ("1961", "Mill Lane", "LS1 4AP", "British"):
        assert private not in stored


def test_a_ceased_psc_still_answers_for_the_dates_it_held_control(tmp_path, provider):
    lines = [
        individual(PROVIDER, "founder", "Mary Founder", SHARES_75, notified_on="2016-04-06", ceased_on="2024-06-30"),
        corporate(PROVIDER, "buyer", "Bright Futures Holdings Ltd", HOLDCO, SHARES_75, notified_on="2024-06-30"),
    ]

    psc_snapshot_import(path=snapshot(tmp_path, lines))

    founder = Entity.objects.get(name="Mary Founder")
    before = ultimate_owner_of_entity(provider, datetime.date(2023, 3, 31))
    assert (before.owner, before.owner_type) == (founder, OwnerType.PRIVATE_INDIVIDUAL)
    after = ultimate_owner_of_entity(provider, SNAPSHOT)
    assert after.owner == Entity.objects.get(company_number=HOLDCO)
    assert set(Interest.objects.filter(interested_party=founder).values_list("end_date", flat=True)) == {
        datetime.date(2024, 6, 30)
    }


def test_a_super_secure_psc_is_an_undisclosed_owner_and_the_provider_private_owner_not_known(tmp_path, provider):
    run = psc_snapshot_import(path=snapshot(tmp_path, [super_secure(PROVIDER, "ss1")]))

    assert run.counts["unspecified_parties_new"] == 1
    hidden = Entity.objects.get(unspecified_reason=UnspecifiedReason.PARTY_EXEMPT)
    assert hidden.unspecified_description == "super-secure-persons-with-significant-control"
    assert hidden.name == "Undisclosed owner (interested party exempt from disclosure)"
    resolution = ultimate_owner_of_entity(provider, SNAPSHOT)
    assert resolution.owner == provider
    assert resolution.owner_type == OwnerType.PRIVATE_UNKNOWN
    assert resolution.undisclosed_reason == UnspecifiedReason.PARTY_EXEMPT
    assert resolution.reason.startswith(
        "Bright Futures Care Limited has not disclosed its owner: Interested party exempt from disclosure."
    )


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("psc-exists-but-not-identified", UnspecifiedReason.SUBJECT_UNABLE_TO_CONFIRM),
        ("no-individual-or-entity-with-signficant-control", UnspecifiedReason.NO_BENEFICIAL_OWNERS),
        ("psc-contacted-but-no-response-partnership", UnspecifiedReason.PARTY_HAS_NOT_PROVIDED),
        ("a-statement-code-not-yet-published", UnspecifiedReason.UNKNOWN),
    ],
)
def test_a_psc_statement_is_an_undisclosed_owner_with_the_matching_reason(tmp_path, provider, code, reason):
    psc_snapshot_import(path=snapshot(tmp_path, [statement(PROVIDER, "st1", code), exemptions(PROVIDER)]))

    hidden = Entity.objects.get(unspecified_reason__gt="")
    assert (hidden.unspecified_reason, hidden.unspecified_description) == (reason, f"PSC statement: {code}")
    link = Interest.objects.get(interested_party=hidden)
    assert (link.subject, link.interest_type, link.start_date, link.observed_on) == (
        provider,
        InterestType.UNKNOWN,
        datetime.date(2017, 6, 1),
        SNAPSHOT,
    )
    resolution = ultimate_owner_of_entity(provider, SNAPSHOT)
    assert resolution.owner_type == OwnerType.PRIVATE_UNKNOWN
    assert "has not disclosed its owner" in resolution.reason


def test_reimporting_the_same_snapshot_changes_nothing(tmp_path, provider, fund):
    path = snapshot(tmp_path, [*investment_chain_lines(), super_secure(PROVIDER, "ss1")])
    psc_snapshot_import(path=path)
    before = graph_facts()

    run = psc_snapshot_import(path=path)

    assert graph_facts() == before
    assert {key for key, value in run.counts.items() if value} == {
        "entities_unchanged",
        "interests_unchanged",
        "unspecified_parties_unchanged",
    }


def test_a_newer_snapshot_ends_links_that_disappeared_instead_of_deleting_them(tmp_path, provider, fund):
    psc_snapshot_import(path=snapshot(tmp_path, investment_chain_lines()))
    count = Interest.objects.count()
    newer = [line for line in investment_chain_lines() if "Jane Founder" not in line]

    run = psc_snapshot_import(path=snapshot(tmp_path, newer, date=NEXT_SNAPSHOT))

    assert run.counts["interests_ended"] == 1
    assert Interest.objects.count() == count
    jane = Interest.objects.get(interested_party__name="Jane Founder")
    assert (jane.end_date, jane.observed_on) == (NEXT_SNAPSHOT, SNAPSHOT)
    kept = Interest.objects.filter(subject=provider).exclude(interested_party__name="Jane Founder")
    assert set(kept.values_list("end_date", "observed_on")) == {(None, NEXT_SNAPSHOT)}
    assert ultimate_owner_of_entity(provider, NEXT_SNAPSHOT).owner == fund


def test_an_older_snapshot_after_a_newer_one_is_refused(tmp_path, provider, fund):
    psc_snapshot_import(path=snapshot(tmp_path, investment_chain_lines(), date=NEXT_SNAPSHOT))
    before = graph_facts()

    run = psc_snapshot_import(path=snapshot(tmp_path, investment_chain_lines()))

    assert run.status == ImportRun.Status.FAILED
    assert run.error == (
        "a newer PSC snapshot (2026-12-31) is already imported; this one (2026-11-30) would turn current links back"
    )
    assert graph_facts() == before


def test_bad_lines_are_rejected_with_their_number_and_the_rest_imported(tmp_path, provider, fund):
    lines = [
        *investment_chain_lines(),
        '{"company_number": "01111111", "data": {"kind": "individual-person-with',
        json.dumps({"company_number": PROVIDER, "data": {"kind": "an-unheard-of-kind"}}),
        individual(PROVIDER, "late", "Late Person", ["voting-rights-25-to-50-percent"], "2020-01-01", "2019-01-01"),
    ]

    run = psc_snapshot_import(path=snapshot(tmp_path, lines))

    assert run.status == ImportRun.Status.SUCCEEDED
    assert [(row["line"], row["reason"][:40]) for row in run.rejected_rows] == [
        (5, "not JSON: Unterminated string starting a"),
        (6, "unknown kind 'an-unheard-of-kind'"),
        (7, "ceased_on 2019-01-01 is before notified_"),
    ]
    assert ultimate_owner_of_entity(provider, SNAPSHOT).owner == fund


@pytest.mark.parametrize(
    "text",
    [
        "company_number,name\n01111111,Bright Futures\n",
        json.dumps([{"statementId": "x", "recordType": "entity"}]) + "\n",
        "",
    ],
)
def test_a_file_that_is_not_a_psc_snapshot_changes_nothing(tmp_path, provider, text):
    path = tmp_path / "persons-with-significant-control-snapshot-2026-11-30.txt"
    path.write_text(text, encoding="utf-8")
    before = graph_facts()

    run = psc_snapshot_import(path=path)

    assert run.status == ImportRun.Status.FAILED
    assert "persons-with-significant-control-snapshot-2026-11-30.txt" in run.error
    assert graph_facts() == before


def test_the_snapshot_date_comes_from_the_totals_line_when_the_name_has_none(tmp_path, provider):
    path = snapshot(tmp_path, [super_secure(PROVIDER, "ss1")], name="psc-part-1.txt")

    run = psc_snapshot_import(path=path)

    assert run.as_of == SNAPSHOT
    assert set(Interest.objects.values_list("observed_on", flat=True)) == {SNAPSHOT}


def test_without_any_date_the_curator_is_asked_for_one(tmp_path, provider):
    path = tmp_path / "psc.txt"
    path.write_text(super_secure(PROVIDER, "ss1") + "\n", encoding="utf-8")

    with pytest.raises(CommandError, match="no snapshot date in the file's name or its totals line"):
        call_command("import_psc_snapshot", str(path))
    assert Interest.objects.count() == 0
    call_command("import_psc_snapshot", str(path), "--snapshot-date", "2026-10-31", stdout=io.StringIO())
    assert set(Interest.objects.values_list("observed_on", flat=True)) == {datetime.date(2026, 10, 31)}


def test_command_prints_a_json_summary_and_progress(tmp_path, provider, fund, monkeypatch):
    monkeypatch.setattr(companies_house, "PROGRESS_EVERY", 2)
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command(
        "import_psc_snapshot", str(snapshot(tmp_path, investment_chain_lines())), "--json", stdout=stdout, stderr=stderr
    )

    report = json.loads(stdout.getvalue())
    assert report["file"] == "persons-with-significant-control-snapshot-2026-11-30.txt"
    assert report["as_of"] == "2026-11-30"
    assert report["counts"]["interests_new"] == 4
    assert report["lines_skipped_unknown_companies"] == 1
    assert report["rejected_lines"] == []
    assert "persons-with-significant-control-snapshot-2026-11-30.txt: 2 lines read" in stderr.getvalue()


@pytest.mark.parametrize(
    ("nature", "expected"),
    [
        ("ownership-of-shares-75-to-100-percent", (InterestType.SHAREHOLDING, Decimal(75), True, Decimal(100))),
        ("ownership-of-shares-50-to-75-percent-as-trust", (InterestType.SHAREHOLDING, Decimal(50), True, Decimal(75))),
        ("voting-rights-25-to-50-percent-as-firm", (InterestType.VOTING_RIGHTS, Decimal(25), True, Decimal(50))),
        (
            "voting-rights-50-to-75-percent-limited-liability-partnership",
            (InterestType.VOTING_RIGHTS, Decimal(50), True, Decimal(75)),
        ),
        (
            "right-to-share-surplus-assets-75-to-100-percent-as-trust-limited-liability-partnership",
            (InterestType.RIGHTS_TO_SURPLUS_ASSETS, Decimal(75), True, Decimal(100)),
        ),
        (
            "ownership-of-shares-more-than-25-percent-as-control-over-trust-registered-overseas-entity",
            (InterestType.SHAREHOLDING, Decimal(25), True, None),
        ),
        ("right-to-appoint-and-remove-directors", (InterestType.APPOINTMENT_OF_BOARD, None, False, None)),
        (
            "right-to-appoint-and-remove-members-limited-liability-partnership",
            (InterestType.APPOINTMENT_OF_BOARD, None, False, None),
        ),
        ("significant-influence-or-control-as-trust", (InterestType.OTHER_INFLUENCE_OR_CONTROL, None, False, None)),
        ("something-companies-house-adds-later", (InterestType.UNKNOWN, None, False, None)),
    ],
)
def test_natures_of_control_become_bods_interests_and_share_ranges(nature, expected):
    fields = companies_house.nature_interest(nature)

    assert (
        fields.interest_type,
        fields.share_minimum,
        fields.share_exclusive_minimum,
        fields.share_maximum,
    ) == expected
