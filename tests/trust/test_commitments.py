"""The nightly look at commitments: missed ones recorded once, owners reminded once, and a
renegotiated date earning both again."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Notification
from tests.conftest import Cast
from trust.commitments import CommitmentsCheckResult, commitments_check
from trust.models import Commitment, CommitmentStatus, Entry, EntryType, Relationship
from trust.selectors import chain_verify
from trust.services import trust_entry_add

DUE = datetime.date(2026, 12, 1)
WHAT = "Updated statement of purpose"


def _reminders():
    # Writing a commitment also tells the other side (trust.services); these are the reminders.
    return Notification.objects.filter(message__startswith="Reminder: ")


def commitment_add(relationship: Relationship, cast: Cast, due: datetime.date = DUE, what: str = WHAT) -> Entry:
    """Provider P promises something to authority A."""
    return trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.COMMITMENT,
        author_organisation=cast.provider_organisation_p,
        author_user=cast.provider_p,
        body=f"We will send the {what.lower()}.",
        payload={
            "what": what,
            "by_whom": "Registered manager",
            "owner_organisation": cast.provider_organisation_p.pk,
            "due_date": due.isoformat(),
        },
    )


def update(commitment: Entry, cast: Cast, outcome: str, due: datetime.date | None = None) -> Entry:
    payload = {"outcome": outcome, **({"due_date": due.isoformat()} if due else {})}
    return trust_entry_add(
        relationship=commitment.relationship,
        entry_type=EntryType.COMMITMENT_UPDATE,
        author_organisation=cast.provider_organisation_p,
        author_user=cast.provider_p,
        body=f"Update: {outcome}.",
        payload=payload,
        replies_to=commitment,
    )


def missed_entries() -> list[Entry]:
    return list(Entry.objects.filter(entry_type=EntryType.SYSTEM, structured__event="commitment_missed"))


def test_a_commitment_past_its_due_date_is_recorded_as_missed_once(relationship: Relationship, cast: Cast):
    entry = commitment_add(relationship, cast)

    assert commitments_check(today=DUE + datetime.timedelta(days=1)) == CommitmentsCheckResult(missed=1, reminded=0)

    commitment = Commitment.objects.get(entry=entry)
    assert (commitment.status, commitment.missed_recorded_for) == (CommitmentStatus.MISSED, DUE)
    [missed] = missed_entries()
    assert (missed.replies_to, missed.author_organisation, missed.author_user) == (entry, None, None)
    assert missed.body == (
        f"The commitment “{WHAT}” was due on 1 December 2026 and has no update: the service records it as "
        "missed. Either side can still add an update."
    )
    assert missed.payload == {
        "event": "commitment_missed",
        "event_key": f"commitment_missed:{commitment.pk}:2026-12-01",
        "commitment": commitment.pk,
        "due_date": "2026-12-01",
    }
    assert commitments_check(today=DUE + datetime.timedelta(days=2)) == CommitmentsCheckResult(missed=0, reminded=0)
    assert len(missed_entries()) == 1
    assert chain_verify(relationship).ok


def test_a_commitment_due_on_the_day_is_not_yet_missed(relationship: Relationship, cast: Cast):
    commitment_add(relationship, cast)
    commitments_check(today=DUE - datetime.timedelta(days=5))  # nothing yet

    assert commitments_check(today=DUE).missed == 0
    assert missed_entries() == []


@pytest.mark.parametrize(
    ("days_before", "reminded"),
    [(4, 0), (3, 1), (1, 1), (0, 1)],
)
def test_the_owner_is_reminded_within_three_days_of_the_due_date(
    relationship: Relationship, cast: Cast, days_before: int, reminded: int
):
    commitment_add(relationship, cast)

    result = commitments_check(today=DUE - datetime.timedelta(days=days_before))

    assert result == CommitmentsCheckResult(missed=0, reminded=reminded)
    assert _reminders().count() == reminded


def test_the_reminder_goes_to_the_owner_organisation_once(relationship: Relationship, cast: Cast):
    entry = commitment_add(relationship, cast)

    commitments_check(today=DUE - datetime.timedelta(days=2))
    commitments_check(today=DUE - datetime.timedelta(days=1))

    notification = _reminders().get()
    assert (notification.organisation, notification.user) == (cast.provider_organisation_p, None)
    assert notification.message == (
        f"Reminder: your commitment to {cast.local_authority_a}, “{WHAT}”, is due on 1 December 2026."
    )
    assert notification.url == f"/relationships/{relationship.pk}/"
    assert Commitment.objects.get(entry=entry).reminded_for == DUE
    # A reminder is not a log entry.
    assert not Entry.objects.filter(entry_type=EntryType.SYSTEM).exists()


def test_a_long_commitment_is_shortened_in_the_reminder_never_its_date(relationship: Relationship, cast: Cast):
    commitment_add(relationship, cast, what="A" * 400)

    commitments_check(today=DUE)

    message = _reminders().get().message
    assert len(message) <= 300
    assert message.endswith("…”, is due on 1 December 2026.")


def test_renegotiating_rearms_the_reminder_and_the_missed_entry(relationship: Relationship, cast: Cast):
    entry = commitment_add(relationship, cast)
    commitments_check(today=DUE - datetime.timedelta(days=1))
    commitments_check(today=DUE + datetime.timedelta(days=1))
    assert Commitment.objects.get(entry=entry).status == CommitmentStatus.MISSED

    new_due = datetime.date(2026, 12, 15)
    update(entry, cast, "renegotiated", new_due)
    commitment = Commitment.objects.get(entry=entry)
    assert (commitment.status, commitment.due_date) == (CommitmentStatus.OPEN, new_due)

    assert commitments_check(today=new_due - datetime.timedelta(days=2)) == CommitmentsCheckResult(0, 1)
    assert commitments_check(today=new_due - datetime.timedelta(days=1)) == CommitmentsCheckResult(0, 0)
    assert commitments_check(today=new_due + datetime.timedelta(days=1)) == CommitmentsCheckResult(1, 0)
    assert commitments_check(today=new_due + datetime.timedelta(days=2)) == CommitmentsCheckResult(0, 0)

    assert _reminders().count() == 2
    assert [m.payload["event_key"] for m in missed_entries()] == [
        f"commitment_missed:{commitment.pk}:2026-12-01",
        f"commitment_missed:{commitment.pk}:2026-12-15",
    ]
    commitment.refresh_from_db()
    assert (commitment.status, commitment.reminded_for, commitment.missed_recorded_for) == (
        CommitmentStatus.MISSED,
        new_due,
        new_due,
    )
    assert chain_verify(relationship).ok


def test_kept_and_missed_commitments_are_left_alone(relationship: Relationship, cast: Cast):
    kept = commitment_add(relationship, cast)
    update(kept, cast, "kept")
    missed = commitment_add(relationship, cast, what="Quarterly report")
    update(missed, cast, "missed")

    assert commitments_check(today=DUE + datetime.timedelta(days=1)) == CommitmentsCheckResult(0, 0)
    assert commitments_check(today=DUE) == CommitmentsCheckResult(0, 0)
    assert missed_entries() == []
    assert not _reminders().exists()


def test_the_reminder_window_comes_from_the_settings(relationship: Relationship, cast: Cast, settings):
    settings.TRUST_COMMITMENT_REMINDER_DAYS = 0
    commitment_add(relationship, cast)

    assert commitments_check(today=DUE - datetime.timedelta(days=1)).reminded == 0
    assert commitments_check(today=DUE).reminded == 1
