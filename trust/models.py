"""The shared dialogue and trust log of each local authority and provider (or federation).

Entries are append-only: the database refuses UPDATE, DELETE and TRUNCATE on them (migration
0002), and each relationship's entries form a hash chain (see `trust.hashing`) so that a change
made behind the product's back, with the triggers disabled, is still detectable.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind, User

GENESIS_HASH = "0" * 64


class RelationshipOrigin(models.TextChoices):
    INVITATION = "invitation", "First invitation"
    PLACEMENT = "placement", "First placement"
    LOCAL_AUTHORITY = "local_authority", "Opened by the local authority"
    COUNTERPART = "counterpart", "Opened by the provider or federation"


class Relationship(models.Model):
    """One local authority and one provider organisation or federation that work together."""

    local_authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="trust_relationships_as_local_authority",
        limit_choices_to=Q(kind=OrganisationKind.LOCAL_AUTHORITY),
    )
    counterpart = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="trust_relationships_as_counterpart",
        limit_choices_to=Q(kind__in=[OrganisationKind.PROVIDER, OrganisationKind.FEDERATION]),
        help_text="The provider organisation or federation.",
    )
    created_via = models.CharField(max_length=20, choices=RelationshipOrigin.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["local_authority", "counterpart"], name="relationship_unique_pair"),
            models.CheckConstraint(
                condition=~Q(local_authority=F("counterpart")), name="relationship_two_organisations"
            ),
            models.CheckConstraint(
                condition=Q(created_via__in=RelationshipOrigin.values), name="relationship_origin_valid"
            ),
        ]
        indexes = [
            # relationships_visible_to: a provider's (or federation's) relationships.
            models.Index(fields=["counterpart"], name="relationship_counterpart_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.local_authority} and {self.counterpart}"

    def sides(self) -> tuple[int, int]:
        return (self.local_authority_id, self.counterpart_id)


class EntryType(models.TextChoices):
    NOTE = "note", "Note"
    MEETING_RECORD = "meeting_record", "Meeting record"
    COMMITMENT = "commitment", "Commitment"
    COMMITMENT_UPDATE = "commitment_update", "Commitment update"
    CONCERN = "concern", "Concern"
    REPLY = "reply", "Reply"
    RESTORATIVE_CONVERSATION = "restorative_conversation", "Restorative conversation"
    AGREEMENT = "agreement", "Agreement"
    REVIEW = "review", "Review"
    LEARNING_REFLECTION = "learning_reflection", "Learning reflection"
    APPRECIATION = "appreciation", "Appreciation"
    ACTION_UPDATE = "action_update", "Action update"
    SYSTEM = "system", "Recorded by the service"


class Entry(models.Model):
    """One entry of a relationship's log. Never changed: a correction is a new entry.

    `payload` is the type's details as written (a commitment's what, by whom and due date, an
    update's outcome, a review's actions...): `structured` joined with the free text of
    `content`. `trust.services` checks its shape. Once redacted, `body` is blank, `payload`
    holds the structured part only, and `content.redaction_note` says who redacted it and why.
    """

    relationship = models.ForeignKey(Relationship, on_delete=models.PROTECT, related_name="entries")
    sequence = models.PositiveIntegerField(help_text="1, 2, 3... within the relationship.")
    entry_type = models.CharField(max_length=30, choices=EntryType.choices)
    # Null only for an entry the service writes itself with no side behind it.
    author_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The details the app relies on (ids, dates, codes, an event key): in the chain as they are.
    # Free text (the body, a commitment's what and by whom, actions) lives in `content`, which
    # can be redacted; the chain covers only its salted digest (trust.hashing, version 2).
    structured = models.JSONField(default=dict, blank=True)
    content_digest = models.CharField(max_length=64)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    replies_to = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["relationship", "sequence"]
        verbose_name_plural = "entries"
        constraints = [
            # Also the index behind a relationship's timeline and its last entry.
            models.UniqueConstraint(fields=["relationship", "sequence"], name="entry_unique_sequence"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="entry_sequence_positive"),
            models.CheckConstraint(condition=Q(entry_type__in=EntryType.values), name="entry_type_valid"),
            # People write every entry but system ones; the service writes those alone.
            models.CheckConstraint(
                condition=(Q(entry_type=EntryType.SYSTEM) & Q(author_user__isnull=True))
                | (~Q(entry_type=EntryType.SYSTEM) & Q(author_user__isnull=False, author_organisation__isnull=False)),
                name="entry_author_fits_type",
            ),
            models.CheckConstraint(condition=~Q(corrects=F("pk")), name="entry_does_not_correct_itself"),
            # A journey event (an offer, a decline...) is recorded once however often its task runs.
            models.UniqueConstraint(
                "relationship",
                KeyTextTransform("event_key", "structured"),
                condition=Q(entry_type=EntryType.SYSTEM, structured__has_key="event_key"),
                name="entry_system_event_once",
            ),
        ]
        indexes = [
            # A relationship's timeline filtered by type.
            models.Index(fields=["relationship", "entry_type", "sequence"], name="entry_timeline_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_entry_type_display()} {self.sequence} in {self.relationship}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The database refuses the UPDATE anyway; failing here says why, before a round trip.
        if not self._state.adding:
            raise ValueError("Trust log entries are never changed: add a correction instead.")
        super().save(*args, **kwargs)

    @property
    def body(self) -> str:
        return self.content.body

    @property
    def payload(self) -> dict[str, Any]:
        return {**self.structured, **self.content.texts}

    @property
    def redacted(self) -> bool:
        return self.content.redacted_at is not None


class EntryContent(models.Model):
    """What an entry says: its body and the free text of its details, with the random salt its
    digest (`Entry.content_digest`) was made with. The database allows one change only, the
    redaction: text and salt blanked, `redacted_at` and the note set, once (migration 0005)."""

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, primary_key=True, related_name="content")
    body = models.TextField(blank=True)
    # The free text of the details, by key: "what", "by_whom", "actions".
    texts = models.JSONField(default=dict, blank=True)
    salt = models.CharField(max_length=64, blank=True, help_text="64 hex; blank once redacted.")
    redacted_at = models.DateTimeField(null=True, blank=True)
    redaction_note = models.TextField(blank=True, help_text="Redacted on <date> by <whom>, because <why>.")

    class Meta:
        verbose_name_plural = "entry contents"
        constraints = [
            # The salt goes with the text: with the digest kept in the chain, a salt left behind
            # would let anyone confirm a guess of what a redacted entry said.
            models.CheckConstraint(
                condition=Q(redacted_at__isnull=True, redaction_note="") & ~Q(salt="")
                | Q(redacted_at__isnull=False, body="", texts={}, salt="") & ~Q(redaction_note=""),
                name="entry_content_whole_or_redacted",
            ),
        ]

    def __str__(self) -> str:
        return f"Content of entry {self.entry_id}"


class RedactionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class RedactionRequest(models.Model):
    """A request to redact an entry's content: by one side (the other side or a staff
    administrator decides) or by the retention schedule (either side or staff decides)."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="redaction_requests")
    # Both null when the retention schedule asks.
    requested_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField()
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=RedactionStatus.choices, default=RedactionStatus.PENDING)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Null when a staff administrator decided.
    decided_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status=RedactionStatus.PENDING), name="redaction_one_pending_per_entry"
            ),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status=RedactionStatus.APPROVED), name="redaction_approved_once"
            ),
            models.CheckConstraint(condition=Q(status__in=RedactionStatus.values), name="redaction_status_valid"),
            models.CheckConstraint(
                condition=Q(requested_by__isnull=True, requested_by_organisation__isnull=True)
                | Q(requested_by__isnull=False, requested_by_organisation__isnull=False),
                name="redaction_requested_by_a_side_or_retention",
            ),
            models.CheckConstraint(
                condition=Q(status=RedactionStatus.PENDING, decided_at__isnull=True, decided_by__isnull=True)
                | (
                    ~Q(status=RedactionStatus.PENDING)
                    & Q(decided_at__isnull=False, decided_by__isnull=False)
                    & ~Q(decision_reason="")
                ),
                name="redaction_decided_with_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Redaction of entry {self.entry_id} ({self.get_status_display().lower()})"

    @property
    def by_retention(self) -> bool:
        return self.requested_by_organisation_id is None


class CommitmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    MISSED = "missed", "Missed"


class Commitment(models.Model):
    """Where a commitment entry stands: its current due date and whether it was kept.

    The log holds what happened (the commitment, its updates, the service's "missed" entries);
    this row is an index of it that the nightly task and the indicators read. Services keep it
    in step in the same transaction as the entry that changes it.
    """

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="commitment")
    relationship = models.ForeignKey(Relationship, on_delete=models.PROTECT, related_name="commitments")
    owner_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    what = models.CharField(max_length=500)
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN)
    # The due date the last reminder and the last "missed" entry were for, so the nightly task
    # sends each once and a renegotiated date earns a reminder of its own.
    reminded_for = models.DateField(null=True, blank=True)
    missed_recorded_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CommitmentStatus.values), name="commitment_status_valid"),
        ]
        indexes = [
            # The nightly task: open commitments by due date.
            models.Index(fields=["status", "due_date"], name="commitment_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.what} (due {self.due_date:%d %B %Y})"


class RelationshipState(models.TextChoices):
    """The field's own words for where a relationship is, offered (never imposed) to both sides."""

    RESENTMENT = "resentment", "Resentment"
    RECRIMINATION = "recrimination", "Recrimination"
    RAPPROCHEMENT = "rapprochement", "Rapprochement"
    RECONCILIATION = "reconciliation", "Reconciliation"
    RECONCEIVING = "reconceiving", "Reconceiving"
    RELATIONAL = "relational", "Relational"


class RestorativeStage(models.TextChoices):
    CONCERN_RAISED = "concern_raised", "Concern raised"
    REPLY = "reply", "Reply"
    CONVERSATION_HELD = "conversation_held", "Conversation held"
    AGREEMENT = "agreement", "Agreement"
    REVIEW = "review", "Review"


class RestorativeCase(models.Model):
    """Restorative follow-up of one concern. Its stages are entries of the log that name the
    case (see `trust.selectors.restorative_stages`); this row says it is open and who opened it."""

    relationship = models.ForeignKey(Relationship, on_delete=models.PROTECT, related_name="restorative_cases")
    concern = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="restorative_case")
    opened_by_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_entry = models.OneToOneField(
        Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="closed_case"
    )

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closing_entry__isnull=True)
                | Q(closed_at__isnull=False, closing_entry__isnull=False),
                name="restorative_case_closed_by_an_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"Restorative case on concern {self.concern.sequence} in {self.relationship}"


class PulseCheckIn(models.Model):
    """One side's quarterly answers about the relationship, 1 (not at all) to 5 (fully)."""

    QUESTIONS = {
        "commitments_honoured": "Commitments are honoured",
        "heard": "We are heard",
        "information_timely": "Information comes in good time",
        "learn_together": "We learn together",
    }

    relationship = models.ForeignKey(Relationship, on_delete=models.PROTECT, related_name="pulse_check_ins")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    quarter_start = models.DateField(help_text="The first day of the quarter answered for.")
    commitments_honoured = models.PositiveSmallIntegerField()
    heard = models.PositiveSmallIntegerField()
    information_timely = models.PositiveSmallIntegerField()
    learn_together = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["quarter_start", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "organisation", "quarter_start"], name="pulse_once_per_side_per_quarter"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 1, f"{field}__lte": 5}), name=f"pulse_{field}_1_to_5"
                )
                for field in ("commitments_honoured", "heard", "information_timely", "learn_together")
            ],
            models.CheckConstraint(
                condition=Q(quarter_start__day=1, quarter_start__month__in=[1, 4, 7, 10]),
                name="pulse_quarter_start_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Pulse of {self.organisation} for the quarter from {self.quarter_start}"

    @property
    def average(self) -> float:
        scores = [getattr(self, field) for field in self.QUESTIONS]
        return sum(scores) / len(scores)


class RelationshipIndicators(models.Model):
    """The relationship's indicators as last recomputed (nightly by Celery beat, and on demand).

    They describe one relationship; nothing ranks organisations. Definitions are in
    `trust.indicators.DEFINITIONS` and shown beside each figure.
    """

    relationship = models.OneToOneField(Relationship, on_delete=models.CASCADE, related_name="indicators")
    computed_at = models.DateTimeField()
    commitments_kept = models.PositiveIntegerField(default=0)
    commitments_missed = models.PositiveIntegerField(default=0)
    commitments_open = models.PositiveIntegerField(default=0)
    provider_response_hours_median = models.FloatField(null=True, blank=True)
    provider_responses = models.PositiveIntegerField(default=0)
    commissioner_response_hours_median = models.FloatField(null=True, blank=True)
    commissioner_responses = models.PositiveIntegerField(default=0)
    open_concerns = models.PositiveIntegerField(default=0)
    oldest_open_concern_days = models.PositiveIntegerField(null=True, blank=True)
    days_since_dialogue = models.PositiveIntegerField(null=True, blank=True)
    placements_made = models.PositiveIntegerField(default=0)
    unplanned_endings = models.PositiveIntegerField(default=0)
    # [{"quarter_start": "2026-07-01", "organisation": id, "average": 3.75}, ...] oldest first.
    pulse_trend = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "relationship indicators"

    def __str__(self) -> str:
        return f"Indicators of {self.relationship}"

    @property
    def commitments_kept_share(self) -> float | None:
        decided = self.commitments_kept + self.commitments_missed
        return self.commitments_kept / decided if decided else None


class AdministratorAccess(models.Model):
    """A staff administrator's reading of a relationship's log: who, when and why. Each one is
    also written into the log itself, so both organisations see that it happened."""

    relationship = models.ForeignKey(Relationship, on_delete=models.PROTECT, related_name="administrator_accesses")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    accessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-accessed_at"]

    def __str__(self) -> str:
        return f"{self.user} read {self.relationship} at {self.accessed_at:%Y-%m-%d %H:%M}"


class TransparencyDigest(models.Model):
    """One day's Merkle root over the head of every relationship's chain, published for anyone to
    note (trust.transparency has the construction; ADR 19). Append-only like the entries
    (migration 0006), and each digest's hash covers the one before it."""

    sequence = models.PositiveIntegerField(unique=True, help_text="1, 2, 3... one a day.")
    date = models.DateField(unique=True)
    published_at = models.DateTimeField()
    root = models.CharField(max_length=64)
    chain_count = models.PositiveIntegerField()
    # [[relationship id, sequence, entry hash], ...] in relationship order: the leaves, kept so
    # verify_trust_log can recompute the root from the entries. Not published.
    heads = models.JSONField(default=list)
    previous_digest = models.CharField(max_length=64)
    digest_hash = models.CharField(max_length=64, unique=True)
    version = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.CheckConstraint(condition=Q(sequence__gte=1), name="transparency_digest_sequence_positive"),
        ]

    def __str__(self) -> str:
        return f"Transparency digest of {self.date:%d %B %Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Published digests are never changed.")
        super().save(*args, **kwargs)
