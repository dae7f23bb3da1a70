"""BODS 0.4 in and out: import, idempotence, rejections, export validity and the round trip."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from bods_fixtures import load
from django.core.management import CommandError, call_command

from ownership import bods
from ownership.models import (
    Entity,
    EntityKind,
    Interest,
    InterestType,
    OwnerCategory,
    OwnerType,
    UnspecifiedReason,
)
from ownership.selectors import bods_statements_export, ultimate_owner_of_entity
from ownership.services import bods_file_import, provider_entity_ensure
from providers.models import ImportRun, Sector
from tests.ownership.factories import (
    CompanyFactory,
    MajorityShareholdingFactory,
    PersonFactory,
    PrivateEquityFirmFactory,
    ProviderRecordFactory,
    UltimateControlLinkFactory,
)

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 4, 17)


def write(tmp_path, statements, name="statements.json"):
    path = tmp_path / name
    path.write_text(json.dumps(statements), encoding="utf-8")
    return path


def graph_facts():
    entities = set(
        Entity.objects.values_list(
            "record_id", "name", "kind", "category", "jurisdiction", "company_number", "research_owner_type", "source"
        )
    )
    interests = set(
        Interest.objects.values_list(
            "record_id",
            "subject__record_id",
            "interested_party__record_id",
            "interest_type",
            "share_exact",
            "share_minimum",
            "share_maximum",
            "share_exclusive_minimum",
            "share_exclusive_maximum",
            "direct",
            "beneficial_ownership_or_control",
            "start_date",
            "end_date",
            "source",
        )
    )
    return entities, interests


def test_direct_ownership_fixture_imports_each_interest_as_a_row(tmp_path):
    path = write(tmp_path, load("core/01-direct-ownership").statements)

    run = bods_file_import(path=path)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.kind == ImportRun.Kind.BODS
    assert run.counts == {"entities_new": 2, "interests_new": 2, "interests_removed": 0, "rejected": 0}
    acme = Entity.objects.get(record_id="rec-acme-holdings-ltd")
    jane = Entity.objects.get(record_id="rec-jane-smith-1975")
    assert (acme.name, acme.kind, acme.category, acme.company_number, acme.jurisdiction) == (
        "Acme Holdings Ltd",
        EntityKind.REGISTERED_ENTITY,
        OwnerCategory.COMPANY,
        "10000001",
        "GB",
    )
    assert (jane.name, jane.kind, jane.category, jane.jurisdiction) == (
        "Jane Smith",
        EntityKind.PERSON,
        OwnerCategory.INDIVIDUAL,
        "GB",
    )
    assert list(
        Interest.objects.order_by("record_id").values_list(
            "record_id", "interest_type", "share_exact", "direct", "beneficial_ownership_or_control", "start_date"
        )
    ) == [
        ("rec-rel-jane-acme#0", InterestType.SHAREHOLDING, Decimal(75), True, True, datetime.date(2010, 1, 1)),
        ("rec-rel-jane-acme#1", InterestType.VOTING_RIGHTS, Decimal(75), True, True, datetime.date(2010, 1, 1)),
    ]
    assert set(Interest.objects.values_list("subject", "interested_party", "source")) == {
        (acme.pk, jane.pk, "Synthetic fixture for conformance testing")
    }
    resolution = ultimate_owner_of_entity(acme, ON)
    assert resolution.owner == jane
    assert resolution.owner_type == OwnerType.PRIVATE_INDIVIDUAL


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, load("core/01-direct-ownership").statements)
    bods_file_import(path=path)
    before = graph_facts()

    run = bods_file_import(path=path)

    assert run.counts == {"entities_unchanged": 2, "interests_unchanged": 2, "interests_removed": 0, "rejected": 0}
    assert graph_facts() == before
    assert ImportRun.objects.filter(kind=ImportRun.Kind.BODS).count() == 2


def test_entity_with_a_known_company_number_merges_into_the_provider_entity(tmp_path):
    provider = ProviderRecordFactory(name="Acme Holdings Limited", companies_house_number="10000001")
    provider_entity = provider_entity_ensure(provider_organisation=provider, sector=Sector.PRIVATE)
    path = write(tmp_path, load("core/01-direct-ownership").statements)

    first = bods_file_import(path=path)
    second = bods_file_import(path=path)

    assert first.counts["entities_merged_unchanged"] == 1
    assert second.counts["entities_merged_unchanged"] == 1
    assert Entity.objects.count() == 2
    provider_entity.refresh_from_db()
    assert provider_entity.name == "Acme Holdings Limited"
    assert provider_entity.record_id == f"provider-organisation-{provider.pk}"
    assert set(Interest.objects.values_list("subject", flat=True)) == {provider_entity.pk}
    owner = ultimate_owner_of_entity(provider_entity, ON).owner
    assert owner is not None
    assert owner.name == "Jane Smith"


def test_bad_statements_are_rejected_with_position_and_reason_and_the_rest_imported(tmp_path):
    statements = load("core/01-direct-ownership").statements
    no_subject = {key: value for key, value in statements[0].items() if key != "declarationSubject"}
    dangling = json.loads(json.dumps(statements[2]))
    dangling["recordId"] = "rec-rel-nobody"
    dangling["recordDetails"]["interestedParty"] = "rec-nobody"
    path = write(tmp_path, [no_subject, statements[1], dangling, statements[2]])

    run = bods_file_import(path=path)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.rejected_rows == [
        {
            "statement": 1,
            "statement_id": "f01-e1-7c4f-4a1c-b3ad-61353b66a9b7",
            "reason": "statement: 'declarationSubject' is a required property",
        },
        {
            "statement": 3,
            "statement_id": "f01-r1-3b88-4cbb-bb4f-72e9c7c4d201",
            "reason": "subject 'rec-acme-holdings-ltd' is not an entity or person in this file or the register",
        },
        {
            "statement": 4,
            "statement_id": "f01-r1-3b88-4cbb-bb4f-72e9c7c4d201",
            "reason": "subject 'rec-acme-holdings-ltd' is not an entity or person in this file or the register",
        },
    ]
    assert run.counts["rejected"] == 3
    assert list(Entity.objects.values_list("record_id", flat=True)) == ["rec-jane-smith-1975"]
    assert Interest.objects.count() == 0


def test_json_lines_rejections_give_the_line(tmp_path):
    statements = load("core/01-direct-ownership").statements
    broken = dict(statements[1], statementId="too-short")
    path = tmp_path / "statements.jsonl"
    path.write_text(
        "\n".join([json.dumps(statements[0]), "{not json", "", json.dumps(broken), json.dumps(statements[2])]) + "\n",
        encoding="utf-8",
    )

    run = bods_file_import(path=path)

    assert [(row["line"], row["reason"]) for row in run.rejected_rows] == [
        (2, "not JSON: Expecting property name enclosed in double quotes"),
        (4, "statementId: 'too-short' is too short"),
        (5, "interestedParty 'rec-jane-smith-1975' is not an entity or person in this file or the register"),
    ]
    assert list(Entity.objects.values_list("record_id", flat=True)) == ["rec-acme-holdings-ltd"]


def test_share_range_out_of_order_is_rejected(tmp_path):
    statements = load("core/01-direct-ownership").statements
    relationship = json.loads(json.dumps(statements[2]))
    relationship["recordDetails"]["interests"][0]["share"] = {"minimum": 60, "maximum": 40}
    path = write(tmp_path, [statements[0], statements[1], relationship])

    run = bods_file_import(path=path)

    assert run.rejected_rows == [
        {
            "statement": 3,
            "statement_id": relationship["statementId"],
            "reason": "share minimum 60.0000 is above maximum 40.0000",
        }
    ]
    assert Interest.objects.count() == 0


def test_a_file_that_is_not_json_fails_the_run_and_changes_nothing(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("[{", encoding="utf-8")

    run = bods_file_import(path=path)

    assert run.status == ImportRun.Status.FAILED
    assert run.error.startswith("broken.json is not valid JSON:")
    assert Entity.objects.count() == 0


def test_unspecified_interested_party_is_stored_as_an_undisclosed_owner(tmp_path):
    path = write(tmp_path, load("edge-cases/11-anonymous-person").statements)

    run = bods_file_import(path=path)

    assert run.rejected_rows == []
    assert run.counts["unspecified_parties_new"] == 1
    assert run.summary["unspecified_parties"] == [
        "rec-rel-opaque-no-ubo: interested party unspecified (subjectUnableToConfirmOrIdentifyBeneficialOwner)"
    ]
    hidden = Entity.objects.get(unspecified_reason=UnspecifiedReason.SUBJECT_UNABLE_TO_CONFIRM)
    assert (hidden.record_id, hidden.kind, hidden.category, hidden.unspecified_description) == (
        "unspecified:subjectUnableToConfirmOrIdentifyBeneficialOwner:rec-opaque-holdings-sa",
        EntityKind.UNKNOWN_ENTITY,
        OwnerCategory.UNKNOWN,
        "The subject entity has reported that it is unable to identify any beneficial owner meeting the reporting "
        "threshold.",
    )
    link = Interest.objects.get()
    assert (link.subject.record_id, link.interested_party, link.interest_type) == (
        "rec-opaque-holdings-sa",
        hidden,
        InterestType.UNKNOWN,
    )
    assert (link.source, link.observed_on) == ("Synthetic fixture", datetime.date(2026, 4, 17))


def opaque_statements():
    """Three subjects whose owners are not disclosed, for four reasons (one subject gives two)."""
    statements = load("edge-cases/11-anonymous-person").statements
    entity, relationship = statements[0], statements[1]
    out = [entity]
    for number, name in ((2, "Quiet Holdings Ltd"), (3, "Silent Care Ltd")):
        out.append(
            {
                **entity,
                "statementId": f"opaque-entity-{number}".ljust(32, "0"),
                "recordId": f"rec-opaque-{number}",
                "declarationSubject": f"rec-opaque-{number}",
                "recordDetails": {
                    "isComponent": False,
                    "entityType": {"type": "registeredEntity"},
                    "name": name,
                    "identifiers": [{"scheme": "GB-COH", "id": f"1000000{number}"}],
                    "jurisdiction": {"code": "GB", "name": "United Kingdom"},
                },
            }
        )
    reasons = [
        ("rec-opaque-holdings-sa", "subjectUnableToConfirmOrIdentifyBeneficialOwner", "Cannot identify anyone."),
        ("rec-opaque-2", "interestedPartyHasNotProvidedInformation", "The holder did not answer the notice."),
        ("rec-opaque-2", "interestedPartyExemptFromDisclosure", ""),
        ("rec-opaque-3", "noBeneficialOwners", "Nobody holds more than 25%."),
    ]
    for index, (subject, reason, description) in enumerate(reasons):
        party = {"reason": reason, **({"description": description} if description else {})}
        out.append(
            {
                **relationship,
                "statementId": f"opaque-relationship-{index}".ljust(32, "0"),
                "recordId": f"rec-rel-opaque-{index}",
                "declarationSubject": subject,
                "statementDate": f"2026-0{index + 1}-15",
                "recordDetails": {
                    "isComponent": False,
                    "subject": subject,
                    "interestedParty": party,
                    "interests": [{"type": "shareholding", "share": {"exclusiveMinimum": 75, "maximum": 100}}],
                },
            }
        )
    return out


def opaque_facts():
    return set(
        Entity.objects.filter(unspecified_reason__gt="").values_list(
            "record_id", "unspecified_reason", "unspecified_description", "source"
        )
    ), set(
        Interest.objects.values_list("record_id", "subject__record_id", "interested_party__record_id", "observed_on")
    )


def test_round_trip_keeps_every_unspecified_party_and_the_second_import_changes_nothing(tmp_path):
    bods_file_import(path=write(tmp_path, opaque_statements()))
    before, facts = graph_facts(), opaque_facts()
    assert len(facts[0]) == 4
    assert {date for *_, date in facts[1]} == {datetime.date(2026, month, 15) for month in (1, 2, 3, 4)}

    exported = bods_statements_export(datetime.date(2026, 5, 1))

    assert bods.statements_problems(exported) == []
    assert [s["recordType"] for s in exported] == ["entity"] * 3 + ["relationship"] * 4  # no entity for nobody
    relationships = [s for s in exported if s["recordType"] == "relationship"]
    parties: dict[str, list[Any]] = {s["recordDetails"]["subject"]: [] for s in relationships}
    for s in exported:
        if s["recordType"] == "relationship":
            parties[s["recordDetails"]["subject"]].append(s["recordDetails"]["interestedParty"])
    assert parties == {
        "rec-opaque-holdings-sa": [
            {"reason": "subjectUnableToConfirmOrIdentifyBeneficialOwner", "description": "Cannot identify anyone."}
        ],
        "rec-opaque-2": [
            {
                "reason": "interestedPartyHasNotProvidedInformation",
                "description": "The holder did not answer the notice.",
            },
            {"reason": "interestedPartyExemptFromDisclosure"},
        ],
        "rec-opaque-3": [{"reason": "noBeneficialOwners", "description": "Nobody holds more than 25%."}],
    }
    assert {s["statementDate"] for s in exported if s["recordType"] == "relationship"} == {
        "2026-01-15",
        "2026-02-15",
        "2026-03-15",
        "2026-04-15",
    }
    Interest.objects.all().delete()
    Entity.objects.all().delete()
    path = write(tmp_path, exported, name="exported.json")

    first = bods_file_import(path=path)
    second = bods_file_import(path=path)

    assert first.rejected_rows == []
    assert second.rejected_rows == []
    assert graph_facts() == before
    assert opaque_facts() == facts
    assert {key for key, value in second.counts.items() if value} == {
        "entities_unchanged",
        "interests_unchanged",
        "unspecified_parties_unchanged",
    }
    assert bods_statements_export(datetime.date(2026, 5, 1)) == exported


def test_an_undisclosed_controller_ends_the_chain_with_its_reason(tmp_path):
    provider = ProviderRecordFactory(name="Silent Care Ltd", companies_house_number="10000003")
    provider_entity = provider_entity_ensure(provider_organisation=provider, sector=Sector.PRIVATE)
    holding = CompanyFactory(name="Quiet Holdings Ltd", company_number="10000002")
    MajorityShareholdingFactory(subject=provider_entity, interested_party=holding)
    statements = [s for s in opaque_statements() if s["recordId"] in ("rec-opaque-2", "rec-rel-opaque-1")]
    bods_file_import(path=write(tmp_path, statements))

    resolution = ultimate_owner_of_entity(provider_entity, ON)

    assert resolution.owner == holding
    assert [link.interested_party for link in resolution.chain] == [holding]
    assert resolution.owner_type == OwnerType.PRIVATE_UNKNOWN
    assert resolution.undisclosed_reason == UnspecifiedReason.PARTY_HAS_NOT_PROVIDED
    assert resolution.reason.startswith(
        "Quiet Holdings Ltd has not disclosed its owner: Interested party has not provided information."
    )


def test_a_disclosed_majority_holder_is_followed_past_an_undisclosed_minority(tmp_path):
    subject = CompanyFactory(name="Mixed Holdings Ltd")
    owner = PersonFactory(name="Jane Smith")
    MajorityShareholdingFactory(subject=subject, interested_party=owner)
    hidden = Entity.objects.create(
        name="Undisclosed",
        kind=EntityKind.UNKNOWN_ENTITY,
        record_id="unspecified:unknown:x",
        unspecified_reason="unknown",
    )
    MajorityShareholdingFactory(subject=subject, interested_party=hidden, share_exact=Decimal(10))

    resolution = ultimate_owner_of_entity(subject, ON)

    assert (resolution.owner, resolution.owner_type, resolution.undisclosed_reason) == (
        owner,
        OwnerType.PRIVATE_INDIVIDUAL,
        "",
    )


def test_the_owner_page_shows_that_the_owner_is_not_disclosed(client, tmp_path):
    provider = ProviderRecordFactory(name="Quiet Holdings Ltd", companies_house_number="10000002")
    provider_entity_ensure(provider_organisation=provider, sector=Sector.PRIVATE)
    statements = [s for s in opaque_statements() if s["recordId"] in ("rec-opaque-2", "rec-rel-opaque-1")]
    bods_file_import(path=write(tmp_path, statements))
    entity = Entity.objects.get(provider_organisation=provider)

    text = client.get(f"/registry/owners/{entity.pk}/").content.decode()

    assert "Quiet Holdings Ltd has not disclosed its owner: Interested party has not provided information." in text
    assert "Nobody holds majority control of Quiet Holdings Ltd" not in text
    assert "Undisclosed owner (interested party has not provided information)" in text


def test_circular_ownership_fixture_terminates_with_a_clear_reason(tmp_path):
    bods_file_import(path=write(tmp_path, load("edge-cases/10-circular-ownership").statements))
    alpha = Entity.objects.get(record_id="rec-alpha-corp")

    resolution = ultimate_owner_of_entity(alpha, ON)

    assert resolution.owner is None
    assert [interest.record_id for interest in resolution.chain] == ["rec-rel-beta-owns-alpha#0"]
    assert resolution.reason.startswith("Cycle detected at Alpha Corp Ltd:")
    assert resolution.owner_type == OwnerType.UNKNOWN


@pytest.fixture
def varied_graph():
    """Every kind of fact the export must carry: persons, ranges, dates, control links, categories."""
    provider = CompanyFactory(
        name="Little Brook Care Ltd", company_number="01234567", research_owner_type="private_individual"
    )
    holding = CompanyFactory(name="Brook Holdings Limited", identifiers=[{"scheme": "GB-CHC", "id": "1100000"}])
    fund = PrivateEquityFirmFactory(name="Oakfield Capital LLP", jurisdiction="JE")
    person = PersonFactory(name="Jane Smith", jurisdiction="GB")
    MajorityShareholdingFactory(
        subject=provider,
        interested_party=holding,
        share_exact=Decimal("66.67"),
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2024, 1, 1),
    )
    MajorityShareholdingFactory(
        subject=holding,
        interested_party=person,
        share_exact=None,
        share_minimum=Decimal(25),
        share_exclusive_minimum=True,
        share_maximum=Decimal(50),
        direct=None,
        record_id="psc-jane#0",
    )
    MajorityShareholdingFactory(
        subject=holding, interested_party=person, interest_type=InterestType.VOTING_RIGHTS, record_id="psc-jane#1"
    )
    UltimateControlLinkFactory(subject=provider, interested_party=fund, record_id="curated:holding_cos:x->y#0")
    return provider


def test_export_is_valid_bods_with_stable_statement_ids(varied_graph):
    statements = bods_statements_export(datetime.date(2026, 5, 1))

    assert bods.statements_problems(statements) == []
    # Entities and persons (in record-id order, which the factories' sequences decide), then
    # the relationships.
    kinds = [statement["recordType"] for statement in statements]
    assert sorted(kinds[:4]) == ["entity"] * 3 + ["person"]
    assert kinds[4:] == ["relationship"] * 3
    assert [s["recordId"] for s in statements[:4]] == sorted(s["recordId"] for s in statements[:4])
    assert {json.dumps(statement["publicationDetails"], sort_keys=True) for statement in statements} == {
        json.dumps(
            {"bodsVersion": "0.4", "publicationDate": "2026-05-01", "publisher": {"name": "Relational Commissioning"}},
            sort_keys=True,
        )
    }
    assert all(len(statement["statementId"]) == 64 for statement in statements)
    again = bods_statements_export(datetime.date(2026, 6, 1))
    assert [s["statementId"] for s in again] == [s["statementId"] for s in statements]
    jane = next(s for s in statements if s["recordId"] == "psc-jane")
    assert jane["recordDetails"]["interests"] == [
        {"type": "shareholding", "directOrIndirect": "unknown", "share": {"exclusiveMinimum": 25, "maximum": 50}},
        {"type": "votingRights", "directOrIndirect": "direct", "share": {"exact": 100}},
    ]
    provider_statement = next(s for s in statements if s["recordId"] == varied_graph.record_id)
    assert provider_statement["recordDetails"]["identifiers"] == [{"scheme": "GB-COH", "id": "01234567"}]


def test_round_trip_export_import_export_gives_the_same_graph(varied_graph, tmp_path):
    before = graph_facts()
    exported = bods_statements_export(datetime.date(2026, 5, 1))
    assert bods.statements_problems(exported) == []
    Interest.objects.all().delete()
    Entity.objects.all().delete()

    run = bods_file_import(path=write(tmp_path, exported))

    assert run.rejected_rows == []
    assert graph_facts() == before
    again = bods_statements_export(datetime.date(2026, 5, 1))
    strip = [{k: v for k, v in s.items() if k != "statementDate"} for s in exported]
    assert [{k: v for k, v in s.items() if k != "statementDate"} for s in again] == strip


def test_export_command_writes_the_file_and_import_command_reports(varied_graph, tmp_path):
    output = tmp_path / "graph.json"
    call_command("export_bods", "--output", str(output), stderr=io.StringIO())
    written = json.loads(output.read_text(encoding="utf-8"))
    assert len(written) == 7
    Interest.objects.all().delete()
    Entity.objects.all().delete()

    stdout = io.StringIO()
    call_command("import_bods", str(output), stdout=stdout)

    assert stdout.getvalue().startswith("graph.json: {'entities_new': 4, 'interests_new': 4,")
    assert Interest.objects.count() == 4


def test_invalid_export_fails_loudly_and_writes_nothing(varied_graph, tmp_path, monkeypatch):
    build = bods.statements_build

    def broken(*args, **kwargs):
        statements = build(*args, **kwargs)
        statements[0]["recordStatus"] = "retired"
        return statements

    monkeypatch.setattr(bods, "statements_build", broken)
    output = tmp_path / "graph.json"

    with pytest.raises(CommandError, match="1 schema errors, first: 0/recordStatus: 'retired' is not one of"):
        call_command("export_bods", "--output", str(output))

    assert not output.exists()


def test_import_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_bods", str(tmp_path / "missing.json"))
    assert ImportRun.objects.count() == 0
