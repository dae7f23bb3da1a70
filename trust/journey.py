"""The referral journey in the trust log: one system entry per journey event.

`commissioning` publishes its events (see `commissioning.events`) and the trust app records
them here, through a Celery task, after the journey's transaction has committed. Each event is
written once however often it is delivered (its event key is "<kind>:<object id>"), and the
nightly sweep `journey_events_reconcile` writes any whose task was lost.

What an entry says is limited to references: the referral's number, the invitation, offer,
decline and placement ids, the home's Ofsted URN, a decline's reason (its code and label) and
whether an ending was planned. Never the child's details (the referral's summary, age, sex,
needs or risks), never free text a person typed (a decline's note, an acceptance's reason),
and never fees: the log outlives the referral's retention period and is read by both sides.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation
from commissioning.events import JourneyEventKind
from commissioning.models import Decline, Invitation, Offer, Placement, PlacementRequest
from providers.models import Home, ProviderOrganisation
from trust.models import Entry, Relationship, RelationshipOrigin
from trust.services import relationship_get_or_create, system_entry_record


class Actor(enum.Enum):
    """The side whose action the event records; the service's own when nobody acted."""

    LOCAL_AUTHORITY = "local_authority"
    PROVIDER = "provider"
    SERVICE = "service"


@dataclass(frozen=True)
class JourneyStep:
    """One journey event as the trust log records it."""

    local_authority: Organisation | None
    provider: Organisation | None
    created_via: RelationshipOrigin
    acted_by: Actor
    body: str
    payload: dict[str, Any]
    occurred_at: datetime.datetime


def journey_event_record(*, kind: JourneyEventKind | str, object_id: int) -> Entry | None:
    """Write the event's system entry in the log of the local authority and the provider, opening
    the log on their first contact. None when there is nothing to write: the object is gone or
    not in the state the event claims, the provider has not joined the service, or the entry is
    already in the log."""
    kind = JourneyEventKind(kind)
    step = STEP_LOADERS[kind](object_id)
    if step is None or step.local_authority is None or step.provider is None:
        return None
    with transaction.atomic():
        relationship = _relationship_for(step.local_authority, step.provider, step, first_event=f"{kind}:{object_id}")
        return system_entry_record(
            relationship=relationship,
            event=kind.value,
            event_key=f"{kind}:{object_id}",
            author_organisation=_author(step),
            payload=step.payload,
            body=step.body,
            now=step.occurred_at,
        )


def _relationship_for(
    local_authority: Organisation, provider: Organisation, step: JourneyStep, *, first_event: str
) -> Relationship:
    is_new = not Relationship.objects.filter(local_authority=local_authority, counterpart=provider).exists()
    relationship = relationship_get_or_create(
        local_authority_organisation=local_authority, counterpart=provider, created_via=step.created_via
    )
    if is_new:
        # Two first events racing both think the log is new; the event key writes this once.
        how = (
            f"the first referral {local_authority} sent to {provider}"
            if step.created_via == RelationshipOrigin.INVITATION
            else f"the first placement {local_authority} made with {provider}"
        )
        system_entry_record(
            relationship=relationship,
            event="relationship_opened",
            event_key="relationship_opened",
            body=f"This log began with {how} through the service.",
            payload={"created_via": step.created_via.value, "first_event": first_event},
            now=step.occurred_at,
        )
    return relationship


def _author(step: JourneyStep) -> Organisation | None:
    return {Actor.LOCAL_AUTHORITY: step.local_authority, Actor.PROVIDER: step.provider}.get(step.acted_by)


# --- Loading each kind of event ------------------------------------------------------------


def _referral(placement_request: PlacementRequest) -> str:
    # The number the journey's own pages and messages use ("Referral 12"); never its details.
    return f"referral {placement_request.pk}"


def _at(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y at %H:%M")


def _invitations() -> QuerySet[Invitation]:
    return Invitation.objects.select_related("placement_request__organisation", "provider_organisation__organisation")


def _invitation_sent(object_id: int) -> JourneyStep | None:
    invitation = _invitations().filter(pk=object_id).first()
    if invitation is None:
        return None
    request, provider = invitation.placement_request, invitation.provider_organisation
    deadline = _at(invitation.deadline)
    return JourneyStep(
        local_authority=request.organisation,
        provider=provider.organisation,
        created_via=RelationshipOrigin.INVITATION,
        acted_by=Actor.LOCAL_AUTHORITY,
        body=f"{request.organisation} sent {_referral(request)} to {provider}, to answer by {deadline}.",
        payload={"placement_request": request.pk, "invitation": invitation.pk},
        occurred_at=invitation.sent_at,
    )


def deadline_missed_filter() -> Q:
    """Invitations that expired unanswered: expired by the daily task, or closed unanswered (the
    referral placed, withdrawn or expired) only after their deadline had passed."""
    closed_late = Q(status=Invitation.Status.CLOSED, outcome_sent_at__gt=F("deadline"))
    return Q(responded_at__isnull=True) & (Q(status=Invitation.Status.EXPIRED) | closed_late)


def _deadline_missed(object_id: int) -> JourneyStep | None:
    invitation = _invitations().filter(deadline_missed_filter(), pk=object_id).first()
    if invitation is None:
        return None
    request, provider = invitation.placement_request, invitation.provider_organisation
    return JourneyStep(
        local_authority=request.organisation,
        provider=provider.organisation,
        created_via=RelationshipOrigin.INVITATION,
        acted_by=Actor.SERVICE,
        body=f"{provider} did not answer {_referral(request)} by its deadline, {_at(invitation.deadline)}.",
        payload={"placement_request": request.pk, "invitation": invitation.pk},
        occurred_at=invitation.deadline,
    )


def _offer_made(object_id: int) -> JourneyStep | None:
    offer = (
        Offer.objects.select_related(
            "placement_request__organisation", "invitation__provider_organisation__organisation", "home"
        )
        .filter(pk=object_id)
        .first()
    )
    if offer is None:
        return None
    request, provider = offer.placement_request, offer.invitation.provider_organisation
    return JourneyStep(
        local_authority=request.organisation,
        provider=provider.organisation,
        created_via=RelationshipOrigin.INVITATION,
        acted_by=Actor.PROVIDER,
        body=f"{provider} offered home {offer.home.urn} for {_referral(request)}.",
        payload={
            "placement_request": request.pk,
            "invitation": offer.invitation_id,
            "offer": offer.pk,
            "home_urn": offer.home.urn,
        },
        occurred_at=offer.made_at,
    )


def _declined(object_id: int) -> JourneyStep | None:
    decline = (
        Decline.objects.select_related(
            "invitation__placement_request__organisation", "invitation__provider_organisation__organisation"
        )
        .filter(invitation_id=object_id)
        .first()
    )
    if decline is None:
        return None
    invitation = decline.invitation
    request, provider = invitation.placement_request, invitation.provider_organisation
    # The reason's label only: the note is free text and may say more than the log should keep.
    return JourneyStep(
        local_authority=request.organisation,
        provider=provider.organisation,
        created_via=RelationshipOrigin.INVITATION,
        acted_by=Actor.PROVIDER,
        body=f"{provider} declined {_referral(request)}. Reason: {decline.get_reason_display()}.",
        payload={
            "placement_request": request.pk,
            "invitation": invitation.pk,
            "decline": decline.pk,
            "reason": decline.reason,
        },
        occurred_at=decline.declined_at,
    )


def _placements() -> QuerySet[Placement]:
    return Placement.objects.select_related(
        "placement_request__organisation",
        "offer__invitation__provider_organisation__organisation",
        "home__provider_organisation__organisation",
    )


def _placement_sides(placement: Placement) -> tuple[Organisation | None, ProviderOrganisation | None]:
    """The placing authority's organisation and the provider: those of the referral and offer
    when the placement came through the service, otherwise the authority's and the home's."""
    if placement.placement_request is not None and placement.offer is not None:
        return placement.placement_request.organisation, placement.offer.invitation.provider_organisation
    local_authority = Organisation.objects.filter(local_authority_id=placement.local_authority_id).first()
    return local_authority, placement.home.provider_organisation


def _placement_payload(placement: Placement, home: Home) -> dict[str, Any]:
    payload: dict[str, Any] = {"placement": placement.pk, "home_urn": home.urn}
    if placement.placement_request_id is not None:
        payload["placement_request"] = placement.placement_request_id
    if placement.offer_id is not None:
        payload["offer"] = placement.offer_id
    return payload


def _placement_made(object_id: int) -> JourneyStep | None:
    placement = _placements().filter(pk=object_id).first()
    if placement is None:
        return None
    local_authority, provider = _placement_sides(placement)
    request, urn = placement.placement_request, placement.home.urn
    body = (
        f"{local_authority} accepted {provider}'s offer of home {urn} for {_referral(request)}: a placement was made."
        if request is not None
        else f"A placement in home {urn} was recorded for {local_authority}."
    )
    return JourneyStep(
        local_authority=local_authority,
        provider=provider.organisation if provider else None,
        created_via=RelationshipOrigin.PLACEMENT,
        acted_by=Actor.LOCAL_AUTHORITY,
        body=body,
        payload=_placement_payload(placement, placement.home),
        occurred_at=placement.created_at,
    )


def _placement_ended(object_id: int) -> JourneyStep | None:
    placement = _placements().filter(pk=object_id, end_date__isnull=False).first()
    if placement is None:
        return None
    local_authority, provider = _placement_sides(placement)
    request = placement.placement_request
    through = f" ({_referral(request)})" if request is not None else ""
    ending = "a planned ending" if placement.ended_as_planned else "an unplanned ending"
    return JourneyStep(
        local_authority=local_authority,
        provider=provider.organisation if provider else None,
        created_via=RelationshipOrigin.PLACEMENT,
        acted_by=Actor.LOCAL_AUTHORITY,
        body=f"{local_authority} recorded the end of the placement in home {placement.home.urn}{through}: {ending}.",
        payload={**_placement_payload(placement, placement.home), "ended_as_planned": bool(placement.ended_as_planned)},
        # The journey keeps no time for an ending (only its date, which may be ahead): the log
        # records when it heard of it.
        occurred_at=timezone.now(),
    )


STEP_LOADERS: dict[JourneyEventKind, Callable[[int], JourneyStep | None]] = {
    JourneyEventKind.INVITATION_SENT: _invitation_sent,
    JourneyEventKind.OFFER_MADE: _offer_made,
    JourneyEventKind.DECLINED: _declined,
    JourneyEventKind.PLACEMENT_MADE: _placement_made,
    JourneyEventKind.PLACEMENT_ENDED: _placement_ended,
    JourneyEventKind.DEADLINE_MISSED: _deadline_missed,
}


# --- The nightly sweep ---------------------------------------------------------------------


def journey_events_reconcile(*, since: datetime.datetime, now: datetime.datetime | None = None) -> int:
    """Record every journey event since `since` that is missing from the log (its task was lost),
    oldest first so the log reads in order. Returns how many entries it wrote."""
    recorded = 0
    for _when, kind, object_id in sorted(_events_between(since, now or timezone.now())):
        recorded += journey_event_record(kind=kind, object_id=object_id) is not None
    return recorded


def _events_between(
    since: datetime.datetime, now: datetime.datetime
) -> list[tuple[datetime.datetime, JourneyEventKind, int]]:
    """(when, kind, id) of each event in the window. Endings keep only a date, so endings dated in
    the window stand for them; placements made outside the journey (imports, the demo) are not
    journey events and are left alone."""
    kind = JourneyEventKind
    # (kind, the objects, the field holding the event's id, the field holding its time)
    sources: list[tuple[JourneyEventKind, QuerySet[Any], str, str]] = [
        (kind.INVITATION_SENT, Invitation.objects.filter(sent_at__gte=since), "pk", "sent_at"),
        (
            kind.DEADLINE_MISSED,
            Invitation.objects.filter(deadline_missed_filter(), deadline__gte=since),
            "pk",
            "deadline",
        ),
        (kind.OFFER_MADE, Offer.objects.filter(made_at__gte=since), "pk", "made_at"),
        (kind.DECLINED, Decline.objects.filter(declined_at__gte=since), "invitation_id", "declined_at"),
        (
            kind.PLACEMENT_MADE,
            Placement.objects.filter(created_at__gte=since, placement_request__isnull=False),
            "pk",
            "created_at",
        ),
    ]
    events = [
        (when, event_kind, object_id)
        for event_kind, queryset, id_field, moment in sources
        for object_id, when in queryset.values_list(id_field, moment)
    ]
    endings = Placement.objects.filter(
        placement_request__isnull=False, end_date__isnull=False, end_date__gte=timezone.localdate(since)
    ).values_list("pk", flat=True)
    events += [(now, kind.PLACEMENT_ENDED, pk) for pk in endings]
    return events
