"""Redacting an entry: asked for by one side (or the retention schedule), decided by the other
side or staff; the content goes for good, the chain still verifies, and the database allows
nothing else (ADR 18)."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from tests.idempotency import key_on, keyed
from trust.commitments import commitments_check
from trust.models import Commitment, Entry, EntryContent, EntryType, RedactionRequest, RedactionStatus
from trust.redaction import (
    redaction_request_approve,
    redaction_request_by_retention,
    redaction_request_create,
    redaction_request_decline,
)
from trust.selectors import chain_verify

pytestmark = pytest.mark.django_db

REASON = "It describes a person in more detail than the log needs."
APPROVAL = "Agreed: the log does not need this detail."
NOW = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)


def _content(entry: Entry) -> tuple[Any, ...]:
    content = EntryContent.objects.get(pk=entry.pk)
    return (content.body, content.texts, content.salt, content.redacted_at, content.redaction_note)


def _log_state() -> list[tuple[Any, ...]]:
    return list(
        Entry.objects.order_by("pk").values_list(
            "sequence",
            "structured",
            "content_digest",
            "entry_hash",
            "content__body",
            "content__texts",
            "content__salt",
            "content__redacted_at",
        )
    )


def _ask(five_entries, cast, index: int = 2) -> RedactionRequest:
    """Authority A asks to redact one of the five entries (by default its concern, entry 3)."""
    return redaction_request_create(
        entry=five_entries[index], requested_by=cast.commissioner_a, organisation=cast.local_authority_a, reason=REASON
    )


def _verify_command() -> str:
    out = StringIO()
    call_command("verify_trust_log", stdout=out)
    return out.getvalue()


# --- The path: ask, approve, verify ---------------------------------------------------------


def test_asking_tells_the_other_side_and_changes_no_entry(relationship, five_entries, cast):
    before = _log_state()
    redaction = _ask(five_entries, cast)
    assert (redaction.status, redaction.requested_by, redaction.requested_by_organisation, redaction.reason) == (
        RedactionStatus.PENDING,
        cast.commissioner_a,
        cast.local_authority_a,
        REASON,
    )
    assert _log_state() == before
    assert list(Notification.objects.filter(message__contains="redacted").values_list("organisation", "message")) == [
        (
            cast.provider_organisation_p.pk,
            f"Log with {cast.local_authority_a}: {cast.local_authority_a} asks for entry 3 to be redacted.",
        )
    ]


def test_the_other_side_approves_and_the_content_goes_for_good(relationship, five_entries, cast):
    concern = five_entries[2]
    redaction = _ask(five_entries, cast)
    record = redaction_request_approve(
        redaction=redaction,
        decided_by=cast.provider_p,
        organisation=cast.provider_organisation_p,
        reason=APPROVAL,
        now=NOW,
    )
    note = (
        f"Redacted on 30 November 2026 by {cast.provider_organisation_p}, at the request of "
        f"{cast.local_authority_a}, because: {REASON}"
    )
    assert _content(concern) == ("", {}, "", NOW, note)
    stored = Entry.objects.get(pk=concern.pk)
    # What stays: that the entry existed, who wrote it and when, and its digest in the chain.
    assert (stored.body, stored.payload, stored.author_user, stored.content_digest, stored.entry_hash) == (
        "",
        {},
        cast.commissioner_a,
        concern.content_digest,
        concern.entry_hash,
    )
    assert (record.sequence, record.entry_type, record.author_organisation, record.replies_to) == (
        6,
        EntryType.SYSTEM,
        cast.provider_organisation_p,
        concern,
    )
    assert record.structured == {
        "event": "entry_redacted",
        "event_key": f"entry_redacted:{concern.pk}",
        "entry": concern.pk,
        "also": [],
        "redaction_request": redaction.pk,
    }
    assert record.body == (
        f"Entry 3 (concern) was redacted by {cast.provider_organisation_p} at the request of "
        f"{cast.local_authority_a}. Reason for asking: {REASON} Reason for approving: {APPROVAL}"
    )
    redaction.refresh_from_db()
    assert (redaction.status, redaction.decided_by, redaction.decided_by_organisation, redaction.decided_at) == (
        RedactionStatus.APPROVED,
        cast.provider_p,
        cast.provider_organisation_p,
        NOW,
    )
    assert chain_verify(relationship).reason == "6 entries verify"
    assert _verify_command().startswith(f"relationship {relationship.pk} ({relationship}): ok, 6 entries verify\n")


def test_a_redacted_commitment_keeps_its_dates_and_loses_its_words_everywhere(relationship, five_entries, cast):
    """The index row, the reminder already sent and the service's "missed" entry quoted what was
    promised: each loses it with the commitment."""
    commitment = five_entries[1]
    commitments_check(today=datetime.date(2026, 11, 30))  # the reminder quotes what was promised
    commitments_check(today=datetime.date(2026, 12, 2))  # the "missed" entry quotes it too
    missed = Entry.objects.get(relationship=relationship, structured__event="commitment_missed")
    assert "Updated statement of purpose" in missed.body
    reminder = Notification.objects.get(message__startswith="Reminder")
    assert "Updated statement of purpose" in reminder.message
    redaction = redaction_request_create(
        entry=commitment, requested_by=cast.provider_p, organisation=cast.provider_organisation_p, reason=REASON
    )
    record = redaction_request_approve(
        redaction=redaction, decided_by=cast.commissioner_a, organisation=cast.local_authority_a, reason=APPROVAL
    )
    stored = Entry.objects.get(pk=commitment.pk)
    assert stored.payload == {"due_date": "2026-12-01", "owner_organisation": cast.provider_organisation_p.pk}
    assert Commitment.objects.get(entry=commitment).what == ""
    assert (missed.sequence, Entry.objects.get(pk=missed.pk).body, Entry.objects.get(pk=missed.pk).redacted) == (
        6,
        "",
        True,
    )
    assert record.structured["also"] == [missed.pk]
    reminder.refresh_from_db()
    assert reminder.message == "A notification about entry 2 of this log: its text was redacted."
    texts = [
        *Notification.objects.values_list("message", flat=True),
        *Entry.objects.values_list("content__body", flat=True),
    ]
    assert [text for text in texts if "statement of purpose" in text.lower() and "updated" in text.lower()] == []
    assert chain_verify(relationship).ok


def test_the_retention_schedule_asks_and_either_side_decides(relationship, five_entries, cast):
    note = five_entries[0]
    redaction = redaction_request_by_retention(
        entry=note, reason="Kept for six years: the retention period has passed."
    )
    assert redaction is not None
    assert (redaction.requested_by, redaction.requested_by_organisation, redaction.by_retention) == (None, None, True)
    assert redaction_request_by_retention(entry=note, reason="Asked again by the next run.") is None
    assert RedactionRequest.objects.count() == 1
    redaction_request_approve(
        redaction=redaction,
        decided_by=cast.commissioner_a,
        organisation=cast.local_authority_a,
        reason=APPROVAL,
        now=NOW,
    )
    assert _content(note)[4] == (
        f"Redacted on 30 November 2026 by {cast.local_authority_a}, at the request of the retention schedule, "
        "because: Kept for six years: the retention period has passed."
    )
    assert redaction_request_by_retention(entry=note, reason="Asked again by the next run.") is None
    assert chain_verify(relationship).ok


def test_a_staff_administrator_approves_for_no_side(relationship, five_entries, cast):
    redaction = _ask(five_entries, cast)
    redaction_request_approve(redaction=redaction, decided_by=cast.admin, organisation=None, reason=APPROVAL, now=NOW)
    assert _content(five_entries[2])[4].startswith("Redacted on 30 November 2026 by a service administrator, at the")
    assert Entry.objects.get(sequence=6).author_organisation is None
    assert chain_verify(relationship).ok


def test_a_declined_request_keeps_the_entry(relationship, five_entries, cast):
    before = _log_state()
    redaction = _ask(five_entries, cast)
    redaction_request_decline(
        redaction=redaction, decided_by=cast.provider_p, organisation=cast.provider_organisation_p, reason=APPROVAL
    )
    redaction.refresh_from_db()
    assert (redaction.status, redaction.decision_reason) == (RedactionStatus.DECLINED, APPROVAL)
    assert _log_state() == before
    assert Notification.objects.filter(organisation=cast.local_authority_a, message__contains="declined").count() == 1
    # Declined, it can be asked for again.
    assert _ask(five_entries, cast).status == RedactionStatus.PENDING


# --- Refusals change nothing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "organisation", "reason", "errors"),
    [
        (
            "provider_q",
            "provider_organisation_q",
            REASON,
            {"organisation": ["Only the two organisations of the relationship ask for a redaction."]},
        ),
        (
            "admin",
            "local_authority_a",
            REASON,
            {"organisation": ["Only the two organisations of the relationship ask for a redaction."]},
        ),
        ("commissioner_a", "local_authority_a", "  Because ", {"reason": ["Say why (at least 10 characters)."]}),
        ("commissioner_a", "local_authority_a", "Write to jo.bloggs@example.org about it.", "identifier"),
    ],
    ids=["third organisation", "staff asking", "reason too short", "reason with an identifier"],
)
def test_refused_requests_change_nothing(relationship, five_entries, cast, user, organisation, reason, errors):
    before, notifications = _log_state(), Notification.objects.count()
    with pytest.raises(ValidationError) as refused:
        redaction_request_create(
            entry=five_entries[2],
            requested_by=getattr(cast, user),
            organisation=getattr(cast, organisation),
            reason=reason,
        )
    if errors == "identifier":
        (message,) = refused.value.message_dict["reason"]
        assert message.startswith("Remove ")
        assert " from the reason. Nothing written here may identify a child" in message
        assert "jo.bloggs" not in message
    else:
        assert refused.value.message_dict == errors
    assert (_log_state(), Notification.objects.count(), RedactionRequest.objects.count()) == (before, notifications, 0)


def test_one_request_waits_at_a_time_and_a_redacted_entry_is_not_asked_for_again(relationship, five_entries, cast):
    redaction = _ask(five_entries, cast)
    with pytest.raises(ValidationError) as twice:
        redaction_request_create(
            entry=five_entries[2],
            requested_by=cast.provider_p,
            organisation=cast.provider_organisation_p,
            reason=REASON,
        )
    assert twice.value.message_dict == {"entry": ["A redaction of entry 3 is already waiting for a decision."]}
    redaction_request_approve(
        redaction=redaction, decided_by=cast.provider_p, organisation=cast.provider_organisation_p, reason=APPROVAL
    )
    with pytest.raises(ValidationError) as again:
        _ask(five_entries, cast)
    assert again.value.message_dict == {"entry": ["Entry 3 is already redacted."]}
    assert RedactionRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("user", "organisation", "errors"),
    [
        (
            "commissioner_a",
            "local_authority_a",
            {"organisation": ["The other side or a staff administrator decides on your own side's request."]},
        ),
        (
            "provider_q",
            "provider_organisation_q",
            {"organisation": ["Only the two organisations of the relationship or a staff administrator decide."]},
        ),
        (
            "provider_p",
            "local_authority_a",
            {"organisation": ["Only the two organisations of the relationship or a staff administrator decide."]},
        ),
        ("admin", "provider_organisation_p", {"organisation": ["A staff administrator decides for no side."]}),
    ],
    ids=["the asking side", "third organisation", "person not of that side", "staff for a side"],
)
@pytest.mark.parametrize("decide", [redaction_request_approve, redaction_request_decline], ids=["approve", "decline"])
def test_refused_decisions_change_nothing(relationship, five_entries, cast, user, organisation, errors, decide):
    redaction = _ask(five_entries, cast)
    before, notifications = _log_state(), Notification.objects.count()
    with pytest.raises(ValidationError) as refused:
        decide(
            redaction=redaction,
            decided_by=getattr(cast, user),
            organisation=getattr(cast, organisation),
            reason=APPROVAL,
        )
    assert refused.value.message_dict == errors
    redaction.refresh_from_db()
    assert (redaction.status, _log_state(), Notification.objects.count()) == (
        RedactionStatus.PENDING,
        before,
        notifications,
    )


def test_a_decision_needs_a_reason_and_is_made_once(relationship, five_entries, cast):
    redaction = _ask(five_entries, cast)
    with pytest.raises(ValidationError) as no_reason:
        redaction_request_approve(
            redaction=redaction, decided_by=cast.provider_p, organisation=cast.provider_organisation_p, reason=" "
        )
    assert no_reason.value.message_dict == {"reason": ["Say why (at least 10 characters)."]}
    redaction_request_decline(
        redaction=redaction, decided_by=cast.provider_p, organisation=cast.provider_organisation_p, reason=APPROVAL
    )
    before = _log_state()
    with pytest.raises(ValidationError) as twice:
        redaction_request_approve(
            redaction=redaction, decided_by=cast.provider_p, organisation=cast.provider_organisation_p, reason=APPROVAL
        )
    assert twice.value.message_dict == {"redaction": ["This request was already declined."]}
    assert _log_state() == before


# --- The database allows the redaction and nothing else ------------------------------------


def _raw(statement: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE trust_entrycontent SET body = 'rewritten' WHERE entry_id = %s",
        'UPDATE trust_entrycontent SET texts = \'{"what": "Something else"}\'::jsonb WHERE entry_id = %s',
        "UPDATE trust_entrycontent SET salt = repeat('0', 64) WHERE entry_id = %s",
        # Marked redacted but the text left behind.
        "UPDATE trust_entrycontent SET redacted_at = now(), redaction_note = 'x' WHERE entry_id = %s",
        # Blanked, but the salt kept: a guess of the text could be confirmed against the digest.
        "UPDATE trust_entrycontent SET body = '', texts = '{}', redacted_at = now(), redaction_note = 'x' "
        "WHERE entry_id = %s",
        "DELETE FROM trust_entrycontent WHERE entry_id = %s",
        "UPDATE trust_entry SET content_digest = repeat('0', 64) WHERE id = %s",
        "UPDATE trust_entry SET structured = '{}'::jsonb WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_content_or_a_digest(five_entries, statement):
    before = _log_state()
    with pytest.raises(IntegrityError, match="never changed or removed"):
        _raw(statement, [five_entries[1].pk])
    assert _log_state() == before


def test_raw_sql_cannot_truncate_content(five_entries):
    before = _log_state()
    with pytest.raises(IntegrityError, match="never changed or removed"):
        _raw("TRUNCATE trust_entrycontent CASCADE", [])
    assert _log_state() == before


def test_a_redaction_is_made_once(relationship, five_entries, cast):
    redaction = _ask(five_entries, cast)
    redaction_request_approve(
        redaction=redaction, decided_by=cast.provider_p, organisation=cast.provider_organisation_p, reason=APPROVAL
    )
    before = _log_state()
    with pytest.raises(IntegrityError, match="only redacted once"):
        _raw(
            "UPDATE trust_entrycontent SET redaction_note = 'Redacted by nobody' WHERE entry_id = %s",
            [five_entries[2].pk],
        )
    assert _log_state() == before


def test_a_redaction_behind_the_service_s_back_is_detected(relationship, five_entries):
    """The database allows the blanking itself (it cannot know who approved), but no entry of
    the log says so: verification names it."""
    _raw(
        "UPDATE trust_entrycontent SET body = '', texts = '{}', salt = '', redacted_at = now(), "
        "redaction_note = 'Redacted' WHERE entry_id = %s",
        [five_entries[3].pk],
    )
    report = chain_verify(relationship)
    assert (report.ok, report.first_bad_sequence, report.reason) == (
        False,
        4,
        "entry 4 was blanked, but no entry of the log records its redaction",
    )
    with pytest.raises(CommandError):
        _verify_command()


# --- After a redaction, any other change is still detected --------------------------------


@pytest.fixture
def redacted(relationship, five_entries, cast) -> Entry:
    """Entry 3 redacted the proper way, and the triggers then switched off as a table owner could."""
    redaction = _ask(five_entries, cast)
    record = redaction_request_approve(
        redaction=redaction, decided_by=cast.provider_p, organisation=cast.provider_organisation_p, reason=APPROVAL
    )
    assert chain_verify(relationship).ok
    return record


def _tamper(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("sql", "index", "sequence", "reason"),
    [
        (
            "UPDATE trust_entrycontent SET body = 'rewritten' WHERE entry_id = %s",
            0,
            1,
            "entry 1's text was changed after it was written (its content digest differs)",
        ),
        (
            'UPDATE trust_entrycontent SET texts = \'{"what": "Nothing", "by_whom": "Nobody"}\' WHERE entry_id = %s',
            1,
            2,
            "entry 2's text was changed after it was written (its content digest differs)",
        ),
        (
            "UPDATE trust_entry SET content_digest = repeat('a', 64) WHERE id = %s",
            2,
            3,
            "entry 3 was changed after it was written (its hash differs)",
        ),
        (
            "UPDATE trust_entry SET content_digest = repeat('a', 64) WHERE id = %s",
            3,
            4,
            "entry 4 was changed after it was written (its hash differs)",
        ),
        ("DELETE FROM trust_entrycontent WHERE entry_id = %s", 4, 5, "entry 5 has lost its content"),
    ],
    ids=["body", "details' text", "redacted entry's digest", "digest", "content removed"],
)
@pytest.mark.usefixtures("redacted", "triggers_disabled")
def test_other_changes_are_still_detected_after_a_redaction(relationship, five_entries, sql, index, sequence, reason):
    _tamper(sql, [five_entries[index].pk])
    report = chain_verify(relationship)
    assert (report.ok, report.first_bad_sequence, report.reason) == (False, sequence, reason)


@pytest.mark.usefixtures("triggers_disabled")
def test_a_removed_entry_is_still_detected_after_a_redaction(relationship, five_entries, redacted):
    _tamper("DELETE FROM trust_entrycontent WHERE entry_id = %s", [five_entries[3].pk])
    _tamper("DELETE FROM trust_entry WHERE id = %s", [five_entries[3].pk])
    report = chain_verify(relationship)
    assert (report.ok, report.first_bad_sequence, report.reason) == (
        False,
        4,
        "entry 4 is missing: entry 5 follows entry 3",
    )


@pytest.mark.usefixtures("triggers_disabled")
def test_removing_the_record_of_a_redaction_is_detected(relationship, five_entries, redacted):
    _tamper("DELETE FROM trust_entrycontent WHERE entry_id = %s", [redacted.pk])
    _tamper("DELETE FROM trust_entry WHERE id = %s", [redacted.pk])
    report = chain_verify(relationship)
    assert (report.ok, report.first_bad_sequence, report.reason) == (
        False,
        3,
        "entry 3 was blanked, but no entry of the log records its redaction",
    )


# --- Pages and API ---------------------------------------------------------------------------


def test_either_side_asks_on_the_timeline_and_the_other_side_approves(client, relationship, five_entries, cast):
    concern = five_entries[2]
    ask_url = reverse("trust:redaction_request", args=[relationship.pk, concern.pk])
    client.force_login(cast.commissioner_a)
    page = client.get(reverse("trust:relationship", args=[relationship.pk])).content.decode()
    assert f'href="{ask_url}">Ask for this entry to be redacted' in page
    form = client.get(ask_url)
    assert form.status_code == 200
    asked = keyed({"reason": REASON}, key_on(form.content.decode()))
    response = client.post(ask_url, asked)
    assert response.status_code == 302
    # Sent twice (a double click), it asks once and lands where the first did.
    assert client.post(ask_url, asked)["Location"] == response["Location"]
    redaction = RedactionRequest.objects.get()
    decide_url = reverse("trust:redaction_decide", args=[relationship.pk, redaction.pk])

    client.force_login(cast.provider_p)
    page = client.get(reverse("trust:relationship", args=[relationship.pk])).content.decode()
    assert "Redaction requests" in page
    assert f'href="{decide_url}"' in page
    assert f'href="{ask_url}"' not in page  # not asked for twice
    decided = keyed({"decision": "approve", "reason": APPROVAL}, key_on(client.get(decide_url).content.decode()))
    response = client.post(decide_url, decided)
    assert response.status_code == 302
    assert client.post(decide_url, decided)["Location"] == response["Location"]
    assert Entry.objects.filter(structured__event="entry_redacted").count() == 1
    page = client.get(reverse("trust:relationship", args=[relationship.pk])).content.decode()
    assert "The last two referrals had no answer within the deadline." not in page
    assert (
        f"by {cast.provider_organisation_p}, at the request of {cast.local_authority_a}, because: {REASON}"
        in page.replace("&#x27;", "'")
    )
    assert chain_verify(relationship).ok


def test_a_reason_with_an_identifier_is_shown_as_an_error_and_nothing_is_asked(
    client, relationship, five_entries, cast
):
    client.force_login(cast.commissioner_a)
    url = reverse("trust:redaction_request", args=[relationship.pk, five_entries[2].pk])
    response = client.post(url, keyed({"reason": "Ring the social worker on 020 7946 0958 today."}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Remove the phone number from the reason. Nothing written here may identify a child" in page
    assert RedactionRequest.objects.count() == 0


def test_the_asking_side_cannot_approve_its_own_request_on_the_page(client, relationship, five_entries, cast):
    redaction = _ask(five_entries, cast)
    client.force_login(cast.commissioner_a)
    url = reverse("trust:redaction_decide", args=[relationship.pk, redaction.pk])
    page = client.get(url).content.decode()
    assert "Your side asked for this redaction." in page
    assert 'name="decision"' not in page
    client.post(url, keyed({"decision": "approve", "reason": APPROVAL}))
    redaction.refresh_from_db()
    assert redaction.status == RedactionStatus.PENDING


def test_staff_decide_without_seeing_what_the_entry_says(client, relationship, five_entries, cast):
    redaction = _ask(five_entries, cast)
    client.force_login(cast.admin)
    url = reverse("trust:redaction_decide", args=[relationship.pk, redaction.pk])
    page = client.get(url).content.decode()
    assert 'name="decision"' in page
    assert "The last two referrals had no answer" not in page
    assert client.post(url, keyed({"decision": "approve", "reason": APPROVAL})).status_code == 302
    redaction.refresh_from_db()
    assert (redaction.status, redaction.decided_by, redaction.decided_by_organisation) == (
        RedactionStatus.APPROVED,
        cast.admin,
        None,
    )


def test_the_api_shows_the_redaction_not_the_text(client, relationship, five_entries, cast):
    redaction = _ask(five_entries, cast, index=1)
    with time_machine.travel(timezone.now()):
        redaction_request_approve(
            redaction=redaction, decided_by=cast.provider_p, organisation=cast.provider_organisation_p, reason=APPROVAL
        )
    client.force_login(cast.provider_p)
    entries = client.get(reverse("api:relationship_entries", args=[relationship.pk])).json()["results"]
    commitment = next(entry for entry in entries if entry["sequence"] == 2)
    assert (commitment["body"], commitment["payload"]) == (
        "",
        {"due_date": "2026-12-01", "owner_organisation": cast.provider_organisation_p.pk},
    )
    assert commitment["redaction"].startswith(
        f"Redacted on {timezone.localdate():%-d %B %Y} by {cast.provider_organisation_p}"
    )
    assert next(entry for entry in entries if entry["sequence"] == 1)["redaction"] is None
