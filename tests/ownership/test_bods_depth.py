"""JSON nested past JSON_MAX_DEPTH: a BODS file is refused whole (nothing changes), a PSC line rejected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bods_fixtures import load
from django.core.management import CommandError, call_command

from ownership.companies_house import Rejected, line_read
from ownership.models import Entity, Interest
from providers.models import ImportRun

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000  # json.loads raised RecursionError on this


def graph() -> tuple[list[Any], list[Any]]:
    return list(Entity.objects.order_by("pk").values()), list(Interest.objects.order_by("pk").values())


@pytest.fixture
def imported(tmp_path) -> None:
    path = tmp_path / "direct.json"
    path.write_text(json.dumps(load("core/01-direct-ownership").statements), encoding="utf-8")
    call_command("import_bods", str(path))
    assert Interest.objects.exists()


def test_a_deeply_nested_json_array_is_refused_and_changes_nothing(imported, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(f"[{DEEP}]", encoding="utf-8")
    before = graph()

    with pytest.raises(CommandError, match=r"deep.json is refused: the JSON is nested more than 64 levels deep"):
        call_command("import_bods", str(path))

    assert graph() == before
    assert ImportRun.objects.filter(source_name="deep.json", status=ImportRun.Status.FAILED).exists()


def test_one_deep_line_of_json_lines_refuses_the_whole_file(imported, tmp_path):
    statements = load("core/01-direct-ownership").statements
    lines = [json.dumps(statement) for statement in statements]
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join([*lines, '{"statementId": ' + DEEP + "}"]), encoding="utf-8")
    Interest.objects.all().delete()
    before = graph()

    with pytest.raises(CommandError, match=rf"deep.jsonl is refused: line {len(lines) + 1}: the JSON is nested more"):
        call_command("import_bods", str(path))

    assert graph() == before
    assert not Interest.objects.exists()  # the valid lines before it are not imported either


def test_a_deep_line_of_a_psc_snapshot_is_rejected_with_the_reason():
    assert line_read('{"company_number": "01234567", "data": ' + DEEP + "}") == Rejected(
        "the JSON is nested more than 64 levels deep (JSON_MAX_DEPTH)"
    )
