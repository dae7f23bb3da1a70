"""The registry of entry types (ADR 20): every EntryType has a spec, and the code that writes and
reads entries asks the spec rather than naming types."""

from __future__ import annotations

import re
from pathlib import Path

from trust.entry_types import ENTRY_TYPES, FREE_TEXT_KEYS, STAGE_TYPES
from trust.forms import EntryTypeChoiceForm
from trust.models import EntryType, RestorativeStage
from trust.presenting import ENTRY_PAGES

TRUST = Path(__file__).resolve().parents[2] / "trust"
# A branch on an entry's type: `entry_type == EntryType.X`, `!= EntryType.X`, `in {EntryType.X, ...}`.
TYPE_BRANCH = re.compile(r"entry_type\s*(==|!=|in|not in)\s*[\[{(]?\s*EntryType\.[A-Z]")


def test_every_entry_type_has_a_spec_and_no_spec_lacks_a_type() -> None:
    assert set(ENTRY_TYPES) == set(EntryType.values)
    assert all(spec.entry_type == value for value, spec in ENTRY_TYPES.items())


def test_every_entry_type_has_its_pages_half_a_form_exactly_when_people_write_it() -> None:
    assert set(ENTRY_PAGES) == set(EntryType.values)
    for value, page in ENTRY_PAGES.items():
        assert (page.form is None) == ENTRY_TYPES[value].by_service, value
        assert page.form is None or page.form.entry_type == value, value


def test_the_types_offered_to_choose_are_those_people_write_that_answer_nothing() -> None:
    offered = [value for value, _label in EntryTypeChoiceForm().fields["type"].choices]  # type: ignore[attr-defined]
    assert offered == [
        EntryType.NOTE,
        EntryType.MEETING_RECORD,
        EntryType.COMMITMENT,
        EntryType.CONCERN,
        EntryType.RESTORATIVE_CONVERSATION,
        EntryType.AGREEMENT,
        EntryType.REVIEW,
        EntryType.LEARNING_REFLECTION,
        EntryType.APPRECIATION,
    ]


def test_every_restorative_stage_is_reached_by_one_type() -> None:
    assert list(STAGE_TYPES) == list(RestorativeStage.values)
    assert {value: spec.entry_type for value, spec in STAGE_TYPES.items()} == {
        RestorativeStage.CONCERN_RAISED: EntryType.CONCERN,
        RestorativeStage.REPLY: EntryType.REPLY,
        RestorativeStage.CONVERSATION_HELD: EntryType.RESTORATIVE_CONVERSATION,
        RestorativeStage.AGREEMENT: EntryType.AGREEMENT,
        RestorativeStage.REVIEW: EntryType.REVIEW,
    }


def test_free_text_keys_are_allowed_keys_of_their_type_and_split_the_payload() -> None:
    for spec in ENTRY_TYPES.values():
        assert spec.payload_keys is None or spec.free_text_keys <= spec.payload_keys, spec.entry_type
    assert {"what", "by_whom", "actions"} == FREE_TEXT_KEYS


def test_answering_types_are_the_ones_that_need_an_entry_to_answer() -> None:
    answering = {value for value, spec in ENTRY_TYPES.items() if spec.answers is not None}
    assert answering == {EntryType.REPLY, EntryType.COMMITMENT_UPDATE, EntryType.ACTION_UPDATE}


def test_services_views_and_presenting_have_no_branch_on_an_entry_type() -> None:
    """A new type is its spec, its page (form and presenter) and a migration: the services and
    the pages ask the spec. (Queries may still name a type, like the selectors' open concerns,
    and links name the type they add, like Reply.)"""
    for module in ("services.py", "hashing.py", "views.py", "presenting.py", "forms.py", "api.py"):
        source = (TRUST / module).read_text()
        assert not TYPE_BRANCH.findall(source), module
