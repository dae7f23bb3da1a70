"""The shared dialogue and trust log of each local authority and provider (or federation).

Entries are append-only: the database refuses UPDATE, DELETE and TRUNCATE on them (migration
0002), and each relationship's entries form a hash chain (see `trust.hashing`) so that a change
made behind the product's back, with the triggers disabled, is still detectable.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
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
    SYSTEM = "system", "Recorded by the service"


class Entry(models.Model):
    """One entry of a relationship's log. Never changed: a correction is a new entry.

    `payload` holds the type's structured extras (a commitment's what, by whom and due date,
    an update's outcome, a review's actions...); `trust.services` checks its shape.
    """

    relationship = models.ForeignKey(Relationship, on_delete=models.PROTECT, related_name="entries")
    sequence = models.PositiveIntegerField(help_text="1, 2, 3... within the relationship.")
    entry_type = models.CharField(max_length=30, choices=EntryType.choices)
    # Null only for an entry the service writes itself with no side behind it.
    author_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    body = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
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
        ]

    def __str__(self) -> str:
        return f"{self.get_entry_type_display()} {self.sequence} in {self.relationship}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The database refuses the UPDATE anyway; failing here says why, before a round trip.
        if not self._state.adding:
            raise ValueError("Trust log entries are never changed: add a correction instead.")
        super().save(*args, **kwargs)
