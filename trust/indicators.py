"""What each relationship indicator means, shown beside its figure on the relationship page.

Indicators describe one relationship to the two organisations in it. There is deliberately no
single score and no ranking of organisations (see docs/adr).
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from commissioning.models import Invitation, Offer, Placement
from providers.models import ProviderOrganisation
from trust.models import (
    Commitment,
    CommitmentStatus,
    Entry,
    EntryType,
    PulseCheckIn,
    Relationship,
    RelationshipIndicators,
)

DEFINITIONS: dict[str, str] = {
    "commitments_kept_share": (
        "Of the commitments in this log whose outcome is known, the share kept (on time or after a "
        "renegotiated date). Missed means recorded as missed by either side, or passed its due date "
        "with no update (the service records that the next night)."
    ),
    "provider_response_hours_median": (
        "Median time from a referral being sent to this provider (for a federation, to any of its "
        "member providers) to the provider's first answer, an offer or a decline, over every "
        "answered invitation between the two organisations. Invitations left unanswered are not "
        "counted here: the log records each as a missed deadline."
    ),
    "commissioner_response_hours_median": (
        "Median time from an offer being made to the decision on it: accepted, or not selected "
        "(another offer accepted, the referral withdrawn, or the referral expiring with the offer "
        "still open)."
    ),
    "open_concerns": (
        "Concerns still open: those with a restorative case not yet closed, and those with no "
        "restorative case and no reply from the other side; with the age in days of the oldest, "
        "counted from the day it was raised."
    ),
    "days_since_dialogue": ("Days since the last entry written by a person (anything but the service's own entries)."),
    "placements": (
        "Placements by the local authority in the provider's homes (for a federation, its member "
        "providers' homes), whether made through the service or recorded from the authority's "
        "returns, and how many of them ended in an unplanned way."
    ),
    "pulse_trend": (
        "Each side's average answer (1 to 5) to the four pulse questions, quarter by quarter: "
        "commitments are honoured; we are heard; information comes in good time; we learn together."
    ),
}


def relationship_indicators_recompute(
    *, relationship: Relationship, now: datetime.datetime | None = None
) -> RelationshipIndicators:
    """Recompute one relationship's indicators from its log and the journey between the two
    organisations, as of `now`, and store them (one row per relationship): the nightly snapshot."""
    values = _figures(relationship, now or timezone.now())
    indicators, _created = RelationshipIndicators.objects.update_or_create(relationship=relationship, defaults=values)
    return indicators


@dataclass(frozen=True)
class CurrentIndicators:
    """A relationship's indicators as its log stands now (unsaved), and the time of the log's
    newest entry they are as of (None while the log is empty)."""

    indicators: RelationshipIndicators
    as_of: datetime.datetime | None


# Two days: a key names its day, so yesterday's figures are never read again and expire unread.
CURRENT_SECONDS = 2 * 24 * 60 * 60


def relationship_indicators_current(
    *, relationship: Relationship, now: datetime.datetime | None = None
) -> CurrentIndicators:
    """The indicators as the log stands: recomputed once per head of its chain (the newest
    entry's hash), newest pulse check-in and day, and read from the cache otherwise.

    Every change the indicators count is an entry (an entry written, a case opened or closed, a
    commitment kept or missed, an offer or placement recorded by the journey's task), so a new
    head means new figures; the day is in the key because the day counts move at midnight, and
    a placement recorded only from an authority's returns is counted by the next day at latest."""
    now = now or timezone.now()
    log = Entry.objects.filter(relationship=relationship)
    head = log.order_by("-sequence").only("entry_hash", "created_at").first()
    newest_pulse = PulseCheckIn.objects.filter(relationship=relationship).aggregate(newest=Max("pk"))["newest"]
    key = ":".join(
        [
            "trust:indicators:v1",
            str(relationship.pk),
            head.entry_hash if head else "empty",
            str(newest_pulse or 0),
            timezone.localdate(now).isoformat(),
        ]
    )
    values: dict[str, Any] | None = cache.get(key)
    if values is None:
        values = _figures(relationship, now)
        cache.set(key, values, timeout=CURRENT_SECONDS)
    return CurrentIndicators(
        indicators=RelationshipIndicators(relationship=relationship, **values),
        as_of=head.created_at if head else None,
    )


def _figures(relationship: Relationship, now: datetime.datetime) -> dict[str, Any]:
    return {
        "computed_at": now,
        **_commitment_counts(relationship),
        **_provider_responses(relationship),
        **_commissioner_responses(relationship),
        **_open_concerns(relationship, now),
        "days_since_dialogue": _days_since_dialogue(relationship, now),
        **_placements(relationship),
        "pulse_trend": _pulse_trend(relationship),
    }


def relationship_indicators_recompute_all(*, now: datetime.datetime | None = None) -> int:
    """Every relationship's indicators, as of one moment. Returns how many were recomputed."""
    now = now or timezone.now()
    relationship_ids = list(Relationship.objects.order_by("pk").values_list("pk", flat=True))
    for pk in relationship_ids:
        relationship = Relationship.objects.select_related("local_authority", "counterpart").get(pk=pk)
        relationship_indicators_recompute(relationship=relationship, now=now)
    return len(relationship_ids)


def _days_between(earlier: datetime.datetime, now: datetime.datetime) -> int:
    # Calendar days in London: an entry written yesterday evening is a day old this morning.
    return max((timezone.localdate(now) - timezone.localdate(earlier)).days, 0)


def _commitment_counts(relationship: Relationship) -> dict[str, int]:
    counts = Commitment.objects.filter(relationship=relationship).aggregate(
        commitments_kept=Count("pk", filter=Q(status=CommitmentStatus.KEPT)),
        commitments_missed=Count("pk", filter=Q(status=CommitmentStatus.MISSED)),
        commitments_open=Count("pk", filter=Q(status=CommitmentStatus.OPEN)),
    )
    return {name: int(value) for name, value in counts.items()}


def _counterpart_providers(relationship: Relationship) -> QuerySet[ProviderOrganisation, int]:
    """The provider organisation on the other side, or the member providers of a federation."""
    return ProviderOrganisation.objects.filter(
        Q(organisation=relationship.counterpart_id) | Q(federations__organisation=relationship.counterpart_id)
    ).values_list("pk", flat=True)


def _median_hours(pairs: Iterable[tuple[datetime.datetime, datetime.datetime | None]]) -> tuple[float | None, int]:
    hours = [(end - start).total_seconds() / 3600 for start, end in pairs if end is not None]
    return (round(statistics.median(hours), 2) if hours else None), len(hours)


def _provider_responses(relationship: Relationship) -> dict[str, Any]:
    answered = Invitation.objects.filter(
        placement_request__organisation=relationship.local_authority_id,
        provider_organisation__in=_counterpart_providers(relationship),
        responded_at__isnull=False,
    )
    median, count = _median_hours(answered.values_list("sent_at", "responded_at"))
    return {"provider_response_hours_median": median, "provider_responses": count}


def _commissioner_responses(relationship: Relationship) -> dict[str, Any]:
    decided = Offer.objects.filter(
        placement_request__organisation=relationship.local_authority_id,
        invitation__provider_organisation__in=_counterpart_providers(relationship),
        status__in=[Offer.Status.ACCEPTED, Offer.Status.NOT_SELECTED],
        decided_at__isnull=False,
    )
    median, count = _median_hours(decided.values_list("made_at", "decided_at"))
    return {"commissioner_response_hours_median": median, "commissioner_responses": count}


def _open_concerns(relationship: Relationship, now: datetime.datetime) -> dict[str, Any]:
    reply_from_other_side = Entry.objects.filter(replies_to=OuterRef("pk"), entry_type=EntryType.REPLY).filter(
        ~Q(author_organisation=OuterRef("author_organisation"))
    )
    case_open = Q(restorative_case__isnull=False, restorative_case__closed_at__isnull=True)
    unanswered = Q(restorative_case__isnull=True) & ~Exists(reply_from_other_side)
    figures = (
        Entry.objects.filter(relationship=relationship, entry_type=EntryType.CONCERN)
        .filter(case_open | unanswered)
        .aggregate(count=Count("pk"), oldest=Min("created_at"))
    )
    oldest = figures["oldest"]
    return {
        "open_concerns": figures["count"],
        "oldest_open_concern_days": _days_between(oldest, now) if oldest else None,
    }


def _days_since_dialogue(relationship: Relationship, now: datetime.datetime) -> int | None:
    last = (
        Entry.objects.filter(relationship=relationship)
        .exclude(entry_type=EntryType.SYSTEM)
        .aggregate(last=Max("created_at"))["last"]
    )
    return _days_between(last, now) if last else None


def _placements(relationship: Relationship) -> dict[str, int]:
    local_authority = relationship.local_authority_id
    counts = (
        Placement.objects.filter(
            Q(placement_request__organisation=local_authority) | Q(local_authority__organisation=local_authority)
        )
        .filter(home__provider_organisation__in=_counterpart_providers(relationship))
        .aggregate(made=Count("pk"), unplanned=Count("pk", filter=Q(ended_as_planned=False)))
    )
    return {"placements_made": counts["made"], "unplanned_endings": counts["unplanned"]}


def _pulse_trend(relationship: Relationship) -> list[dict[str, Any]]:
    check_ins = (
        PulseCheckIn.objects.filter(relationship=relationship)
        .select_related("organisation")
        .order_by("quarter_start", "organisation_id")
    )
    return [
        {
            "quarter_start": check_in.quarter_start.isoformat(),
            "organisation": check_in.organisation_id,
            "organisation_name": check_in.organisation.name,
            "average": round(check_in.average, 2),
        }
        for check_in in check_ins
    ]
