"""Every write of the referral journey: draft, send, answer, accept, withdraw, expire, end.

Each service owns its transaction. Anything that reads, decides and writes rows another
person may be changing at the same moment locks them first, always in the same order:
the placement request, then its offers by pk, then its invitations by pk. That order is
what keeps two people accepting two offers at once from deadlocking; the partial unique
constraint on accepted offers and the one-to-one placement are the backstop.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Notification, Organisation, User
from commissioning import selectors
from commissioning.deadlines import response_deadline
from commissioning.events import JourneyEventKind, journey_event_publish
from commissioning.identifiers import identifiers_error
from commissioning.models import (
    Decline,
    DeclineReason,
    Disclosure,
    EducationNeed,
    FrameworkLot,
    Invitation,
    LegalStatus,
    LivingCompanions,
    Offer,
    OutOfAreaReason,
    Placement,
    PlacementRequest,
    PlannedDuration,
    ReferralSex,
    RiskToChild,
    RiskToOthers,
    Urgency,
)
from config.tasks import schedule_task
from geography.models import LocalAuthority, PostcodeDistrict
from providers.models import Federation, Home, Need, ProviderOrganisation

POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
MAXIMUM_DISTANCE_KM = 500
# The longest free texts, the same for the forms, the API and every other caller.
SUMMARY_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 2000  # a decline's note, an offer's conditions
REASON_MAX_LENGTH = 200  # why a referral was withdrawn or an offer accepted: every provider reads it

_Errors = dict[str, list[str]]


@dataclass(frozen=True)
class ReferralDetails:
    """What a commissioner says about the child and the placement: no identifiers."""

    age_years: int
    sex: str
    legal_status: str
    urgency: str
    planned_duration: str
    education: str
    start_by: datetime.date
    summary: str
    living_companions: str = LivingCompanions.ANY
    need_codes: Sequence[str] = ()
    risks_to_child: Sequence[str] = ()
    risks_to_others: Sequence[str] = ()
    home_local_authority: LocalAuthority | None = None
    postcode_district: str = ""
    maximum_distance_km: int = 50
    areas_to_avoid: Sequence[LocalAuthority] = field(default_factory=tuple)
    out_of_area_reason: str = ""
    weekly_budget_guide: Decimal | None = None
    framework_lot: FrameworkLot | None = None


@dataclass(frozen=True)
class WeeklyFees:
    core: Decimal
    additional_support: Decimal = Decimal("0.00")
    education: Decimal = Decimal("0.00")
    other: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class ExpiryResult:
    requests_expired: int
    invitations_expired: int


# --- Validation of a referral --------------------------------------------------------------

# Form field name -> (attribute of ReferralDetails, the allowed codes).
_SINGLE_CHOICES = {
    "sex": ReferralSex.values,
    "legal_status": LegalStatus.values,
    "urgency": Urgency.values,
    "planned_duration": PlannedDuration.values,
    "living_companions": LivingCompanions.values,
    "education": EducationNeed.values,
}
_MULTIPLE_CHOICES = {"risks_to_child": RiskToChild.values, "risks_to_others": RiskToOthers.values}


def _add(errors: _Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _choice_errors(details: ReferralDetails, errors: _Errors) -> None:
    for name, allowed in _SINGLE_CHOICES.items():
        if getattr(details, name) not in allowed:
            _add(errors, name, "Choose one of the options.")
    for name, allowed in _MULTIPLE_CHOICES.items():
        if not set(getattr(details, name)) <= set(allowed):
            _add(errors, name, "Choose only from the listed risks.")
    if details.out_of_area_reason and details.out_of_area_reason not in OutOfAreaReason.values:
        _add(errors, "out_of_area_reason", "Choose one of the options.")
    known_needs = set(Need.objects.filter(code__in=details.need_codes).values_list("code", flat=True))
    if set(details.need_codes) - known_needs:
        _add(errors, "needs", "Choose only from the listed needs.")


def _number_errors(details: ReferralDetails, errors: _Errors) -> None:
    if not 0 <= details.age_years <= 17:
        _add(errors, "age_years", "Age must be between 0 and 17.")
    if not 1 <= details.maximum_distance_km <= MAXIMUM_DISTANCE_KM:
        _add(errors, "maximum_distance_km", f"Distance must be between 1 and {MAXIMUM_DISTANCE_KM} km.")
    if details.weekly_budget_guide is not None and details.weekly_budget_guide < 0:
        _add(errors, "weekly_budget_guide", "The budget guide cannot be negative.")


def _normalised_district(district: str) -> str:
    return district.replace(" ", "").upper()


def _location_authority(details: ReferralDetails, errors: _Errors) -> LocalAuthority | None:
    """The authority the child's location lies in, or None (with an error) when not given."""
    district_code = _normalised_district(details.postcode_district)
    if details.home_local_authority is None and not district_code:
        _add(errors, "home_local_authority", "Choose the child's home authority or give a postcode district.")
        return None
    if district_code:
        if not POSTCODE_DISTRICT.match(district_code):
            _add(errors, "postcode_district", "Give the first half of a postcode only, like LS6.")
            return None
        district = PostcodeDistrict.objects.select_related("local_authority").filter(code=district_code).first()
        if district is None:
            _add(errors, "postcode_district", f"{district_code} is not a postcode district we know.")
            return None
        if details.home_local_authority is None:
            return district.local_authority
    return details.home_local_authority


def _location_errors(organisation: Organisation, details: ReferralDetails, errors: _Errors) -> None:
    authority = _location_authority(details, errors)
    outside = authority is not None and authority.pk != organisation.local_authority_id
    if outside and not details.out_of_area_reason:
        _add(errors, "out_of_area_reason", "Say why the child is to be placed outside your authority.")


def _summary_errors(details: ReferralDetails, errors: _Errors) -> None:
    if not details.summary.strip():
        _add(errors, "summary", "Describe the child's needs and strengths.")
    error = _free_text_error(details.summary, field="the summary", limit=SUMMARY_MAX_LENGTH)
    if error:
        _add(errors, "summary", error)


def _free_text_error(text: str, *, field: str, limit: int) -> str | None:
    """Too long, or identifying: one check for every free text a referral, a decline or an
    offer carries. The length is checked first, so an oversized text is never screened."""
    if len(text) > limit:
        return f"Shorten {field} to {limit:,} characters or fewer."
    return identifiers_error(text, field=field)


def _free_text_refuse(text: str, *, key: str, field: str, limit: int) -> None:
    error = _free_text_error(text, field=field, limit=limit)
    if error:
        raise ValidationError({key: [error]})


def _validate_referral(organisation: Organisation, details: ReferralDetails) -> None:
    errors: _Errors = {}
    _choice_errors(details, errors)
    _number_errors(details, errors)
    _location_errors(organisation, details, errors)
    _summary_errors(details, errors)
    if errors:
        raise ValidationError(errors)


_PLAIN_FIELDS = (
    "age_years", "sex", "legal_status", "urgency", "planned_duration", "education", "start_by", "summary",
    "living_companions", "home_local_authority", "maximum_distance_km", "out_of_area_reason",
    "weekly_budget_guide", "framework_lot",
)  # fmt: skip


def _apply_details(placement_request: PlacementRequest, details: ReferralDetails) -> None:
    for name in _PLAIN_FIELDS:
        setattr(placement_request, name, getattr(details, name))
    placement_request.risks_to_child = sorted(set(details.risks_to_child))
    placement_request.risks_to_others = sorted(set(details.risks_to_others))
    placement_request.postcode_district = _normalised_district(details.postcode_district)


def _save_relations(placement_request: PlacementRequest, details: ReferralDetails) -> None:
    placement_request.needs.set(Need.objects.filter(code__in=details.need_codes))
    placement_request.areas_to_avoid.set(details.areas_to_avoid)


def _require_member(user: User, organisation: Organisation) -> None:
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise PermissionDenied("Only members of the commissioning authority can do this.")


def _require_acting_for(user: User, provider_organisation: ProviderOrganisation) -> None:
    if not selectors.provider_organisations_acted_for(user).filter(pk=provider_organisation.pk).exists():
        raise PermissionDenied("Only staff of the invited provider can answer this referral.")


# --- Drafts --------------------------------------------------------------------------------


def placement_request_create(
    *, organisation: Organisation, details: ReferralDetails, created_by: User
) -> PlacementRequest:
    """A draft referral for the organisation's local authority."""
    if organisation.local_authority_id is None:
        raise PermissionDenied("Only a local authority can make a referral.")
    _require_member(created_by, organisation)
    _validate_referral(organisation, details)
    with transaction.atomic():
        placement_request = PlacementRequest(
            organisation=organisation, local_authority_id=organisation.local_authority_id, created_by=created_by
        )
        _apply_details(placement_request, details)
        placement_request.save()
        _save_relations(placement_request, details)
    return placement_request


def placement_request_update(
    *, placement_request: PlacementRequest, details: ReferralDetails, updated_by: User
) -> PlacementRequest:
    """Change a draft. Once sent, a referral is what the providers saw and cannot change."""
    _require_member(updated_by, placement_request.organisation)
    _validate_referral(placement_request.organisation, details)
    with transaction.atomic():
        locked = PlacementRequest.objects.select_for_update().get(pk=placement_request.pk)
        if locked.status != PlacementRequest.Status.DRAFT:
            raise ValidationError(f"Only a draft can be changed; this referral is {locked.get_status_display()}.")
        _apply_details(locked, details)
        locked.save()
        _save_relations(locked, details)
    placement_request.refresh_from_db()
    return locked


# --- Sending -------------------------------------------------------------------------------


def _homes_with_providers(homes: Sequence[Home]) -> list[Home]:
    """The homes chosen, read again with their providers in one query (the form's are bare)."""
    return list(
        Home.objects.filter(pk__in=[home.pk for home in homes])
        .select_related("provider_organisation__organisation")
        .order_by("pk")
    )


def _homes_by_provider(homes: Iterable[Home]) -> dict[ProviderOrganisation, list[Home]]:
    grouped: dict[ProviderOrganisation, list[Home]] = {}
    for home in homes:
        if home.provider_organisation is None or home.closed_on is not None:
            raise ValidationError(f"Home {home.urn} cannot receive referrals: it is closed or has no provider.")
        grouped.setdefault(home.provider_organisation, []).append(home)
    if not grouped:
        raise ValidationError("Keep at least one home to send the referral to.")
    return grouped


def _notify_providers(notices: Sequence[tuple[ProviderOrganisation, str, str]]) -> None:
    """Each (provider, message, url) told to the provider's organisation and every federation it
    belongs to: two queries however many providers, so sending to many homes stays quick."""
    federation_organisations: dict[int, list[int]] = {}
    links = Federation.members.through.objects.filter(
        providerorganisation_id__in={provider.pk for provider, _, _ in notices}
    ).values_list("providerorganisation_id", "federation__organisation_id")
    for provider_id, organisation_id in links.order_by("pk"):
        federation_organisations.setdefault(provider_id, []).append(organisation_id)
    Notification.objects.bulk_create(
        Notification(organisation_id=organisation_id, message=message[:300], url=url)
        for provider, message, url in notices
        for organisation_id in [provider.organisation_id, *federation_organisations.get(provider.pk, [])]
        if organisation_id is not None
    )


def _notify_commissioner(placement_request: PlacementRequest, message: str) -> None:
    url = reverse("commissioning:referral_detail", args=[placement_request.pk])
    Notification.objects.create(organisation=placement_request.organisation, message=message[:300], url=url)


def _invite_all(
    placement_request: PlacementRequest,
    grouped: dict[ProviderOrganisation, list[Home]],
    *,
    sent_by: User,
    now: datetime.datetime,
) -> list[Invitation]:
    """One invitation per provider (naming its homes), a disclosure each, the providers told in
    the service; written in bulk, so the queries do not grow with the homes (only the outbox's
    two messages per invitation do: its e-mail and its trust log event)."""
    assert placement_request.response_deadline is not None  # noqa: S101 - set by the caller
    ordered = sorted(grouped.items(), key=lambda item: item[0].pk)
    invitations = Invitation.objects.bulk_create(
        Invitation(
            placement_request=placement_request, provider_organisation=provider, sent_at=now,
            deadline=placement_request.response_deadline,
        )
        for provider, _ in ordered
    )  # fmt: skip
    Invitation.homes.through.objects.bulk_create(
        Invitation.homes.through(invitation_id=invitation.pk, home_id=home.pk)
        for invitation, (_, kept) in zip(invitations, ordered, strict=True)
        for home in kept
    )
    Disclosure.objects.bulk_create(
        Disclosure(
            placement_request=placement_request, provider_organisation=provider, disclosed_by=sent_by,
            disclosed_at=now, purpose="referral sent",
        )
        for provider, _ in ordered
    )  # fmt: skip
    deadline = timezone.localtime(placement_request.response_deadline).strftime("%-d %B %Y at %H:%M")
    message = f"New referral from {placement_request.local_authority.name}: please answer by {deadline}."
    _notify_providers(
        [
            (
                invitation.provider_organisation,
                message,
                reverse("commissioning:invitation_detail", args=[invitation.pk]),
            )
            for invitation in invitations
        ]
    )
    for invitation in invitations:  # delivered once after the commit, by the outbox (ADR 22)
        schedule_task("commissioning.invitation_email_send_task", invitation.pk)
        journey_event_publish(JourneyEventKind.INVITATION_SENT, invitation.pk)
    return invitations


ANSWERS_CHANGED = (
    "The referral was changed after you checked it (perhaps in another tab): check your answers again, then send it."
)


def placement_request_send(
    *,
    placement_request: PlacementRequest,
    homes: Sequence[Home],
    sent_by: User,
    now: datetime.datetime | None = None,
    answers_checked: str | None = None,
) -> list[Invitation]:
    """Send a draft to the providers of the homes the commissioner kept: one invitation per
    provider organisation (naming its homes), a disclosure logged for each, the provider told
    in the service and by e-mail once the transaction commits. `answers_checked` is the digest
    of the answers the commissioner confirmed (selectors.placement_request_answers_digest): a
    draft changed since is refused, under the lock, so what is sent is what was checked."""
    now = now or timezone.now()
    _require_member(sent_by, placement_request.organisation)
    grouped = _homes_by_provider(_homes_with_providers(homes))
    with transaction.atomic():
        locked = (
            PlacementRequest.objects.select_for_update().select_related("local_authority").get(pk=placement_request.pk)
        )
        if locked.status != PlacementRequest.Status.DRAFT:
            raise ValidationError(f"This referral is already {locked.get_status_display().lower()}.")
        if answers_checked is not None and answers_checked != selectors.placement_request_answers_digest(locked):
            raise ValidationError(ANSWERS_CHANGED, code="answers_changed")
        locked.status = PlacementRequest.Status.SENT
        locked.sent_at = now
        locked.response_deadline = response_deadline(locked.urgency, now)
        locked.save(update_fields=["status", "sent_at", "response_deadline"])
        invitations = _invite_all(locked, grouped, sent_by=sent_by, now=now)
    placement_request.refresh_from_db()
    return invitations


# --- Answers from providers ----------------------------------------------------------------


def _lock_for_answer(invitation: Invitation, now: datetime.datetime) -> tuple[PlacementRequest, Invitation]:
    """Lock the request, then the invitation, and check an answer can still be given."""
    placement_request = PlacementRequest.objects.select_for_update().get(pk=invitation.placement_request_id)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if placement_request.status != PlacementRequest.Status.SENT:
        raise ValidationError(f"This referral is {placement_request.get_status_display().lower()}: it is closed.")
    if locked.deadline <= now or locked.status == Invitation.Status.EXPIRED:
        raise ValidationError("The deadline for answering this referral has passed.")
    return placement_request, locked


def invitation_decline(
    *, invitation: Invitation, reason: str, note: str, declined_by: User, now: datetime.datetime | None = None
) -> Decline:
    """Say no, with a reason code and a note: one screen, one call."""
    now = now or timezone.now()
    _require_acting_for(declined_by, invitation.provider_organisation)
    if reason not in DeclineReason.values:
        raise ValidationError({"reason": ["Choose why you are declining."]})
    if reason == DeclineReason.OTHER and not note.strip():
        raise ValidationError({"note": ["Say why you are declining."]})
    _free_text_refuse(note, key="note", field="the note", limit=NOTE_MAX_LENGTH)
    with transaction.atomic():
        placement_request, locked = _lock_for_answer(invitation, now)
        if locked.status != Invitation.Status.OPEN:
            raise ValidationError(f"This referral has already been answered ({locked.get_status_display().lower()}).")
        decline = Decline.objects.create(
            invitation=locked, reason=reason, note=note.strip(), declined_by=declined_by, declined_at=now
        )
        locked.status = Invitation.Status.DECLINED
        locked.responded_at = now
        locked.save(update_fields=["status", "responded_at"])
        journey_event_publish(JourneyEventKind.DECLINED, locked.pk)
        _notify_commissioner(
            placement_request,
            f"{locked.provider_organisation.name} declined referral {placement_request.pk}: "
            f"{decline.get_reason_display()}.",
        )
    invitation.refresh_from_db()
    return decline


def _offer_errors(invitation: Invitation, home: Home, start_date: datetime.date, fees: WeeklyFees) -> _Errors:
    errors: _Errors = {}
    if not invitation.homes.filter(pk=home.pk).exists():
        _add(errors, "home", "Choose one of the homes the referral was sent for.")
    if min(fees.core, fees.additional_support, fees.education, fees.other) < 0:
        _add(errors, "weekly_fee_core", "Fees cannot be negative.")
    if fees.core + fees.additional_support + fees.education + fees.other <= 0:
        _add(errors, "weekly_fee_core", "Give the weekly fee.")
    sent_on = timezone.localdate(invitation.sent_at)
    if start_date < sent_on:
        _add(errors, "start_date", "The start date cannot be before the referral was sent.")
    return errors


def offer_make(
    *,
    invitation: Invitation,
    home: Home,
    start_date: datetime.date,
    fees: WeeklyFees,
    conditions: str,
    made_by: User,
    now: datetime.datetime | None = None,
) -> Offer:
    """Offer one of the invited homes, with a start date and the weekly fee in four parts."""
    now = now or timezone.now()
    _require_acting_for(made_by, invitation.provider_organisation)
    errors = _offer_errors(invitation, home, start_date, fees)
    conditions_error = _free_text_error(conditions, field="the conditions", limit=NOTE_MAX_LENGTH)
    if conditions_error:
        _add(errors, "conditions", conditions_error)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        placement_request, locked = _lock_for_answer(invitation, now)
        if locked.status not in {Invitation.Status.OPEN, Invitation.Status.OFFERED}:
            raise ValidationError(f"This referral has already been answered ({locked.get_status_display().lower()}).")
        if locked.offers.filter(home=home, status=Offer.Status.OPEN).exists():
            raise ValidationError({"home": ["You have already offered this home."]})
        offer = Offer.objects.create(
            invitation=locked,
            placement_request=placement_request,
            home=home,
            start_date=start_date,
            weekly_fee_core=fees.core,
            weekly_fee_additional_support=fees.additional_support,
            weekly_fee_education=fees.education,
            weekly_fee_other=fees.other,
            conditions=conditions.strip(),
            made_by=made_by,
            made_at=now,
        )
        locked.status = Invitation.Status.OFFERED
        locked.responded_at = locked.responded_at or now
        locked.save(update_fields=["status", "responded_at"])
        journey_event_publish(JourneyEventKind.OFFER_MADE, offer.pk)
        _notify_commissioner(
            placement_request, f"{locked.provider_organisation.name} made an offer for referral {placement_request.pk}."
        )
    invitation.refresh_from_db()
    return offer


def offer_withdraw(*, offer: Offer, withdrawn_by: User, reason: str, now: datetime.datetime | None = None) -> Offer:
    """The provider takes back an open offer (e.g. one its federation made for it): the offer is
    withdrawn, the invitation is open to answer again if no other offer stands, and the
    commissioner is told why. Its caller decides who may withdraw and until when."""
    now = now or timezone.now()
    with transaction.atomic():
        placement_request, offers, invitations = _lock_request_offers_invitations(offer.placement_request_id)
        locked = next(o for o in offers if o.pk == offer.pk)
        if locked.status != Offer.Status.OPEN or placement_request.status != PlacementRequest.Status.SENT:
            raise ValidationError("This offer can no longer be withdrawn: the referral or the offer is closed.")
        locked.status, locked.decided_at = Offer.Status.WITHDRAWN, now
        locked.save(update_fields=["status", "decided_at"])
        invitation = next(i for i in invitations if i.pk == locked.invitation_id)
        if not any(o.status == Offer.Status.OPEN for o in offers if o.invitation_id == invitation.pk):
            invitation.status = Invitation.Status.OPEN
            invitation.save(update_fields=["status"])
        _notify_commissioner(
            placement_request,
            f"{invitation.provider_organisation.name} withdrew its offer of {locked.home} for referral "
            f"{placement_request.pk}: {reason}",
        )
    return locked


# --- Closing the loop ----------------------------------------------------------------------


def _lock_request_offers_invitations(pk: int) -> tuple[PlacementRequest, list[Offer], list[Invitation]]:
    """The one lock order for closing a request: request, offers by pk, invitations by pk."""
    placement_request = PlacementRequest.objects.select_for_update().get(pk=pk)
    offers = list(Offer.objects.select_for_update().filter(placement_request_id=pk).order_by("pk"))
    invitations = list(
        Invitation.objects.select_for_update(of=("self",))
        .filter(placement_request_id=pk)
        .select_related("provider_organisation__organisation")
        .order_by("pk")
    )
    return placement_request, offers, invitations


def _close_invitations(invitations: list[Invitation], outcomes: dict[int, str], now: datetime.datetime) -> None:
    """Close every invitation and tell its provider what happened (in the service, and on the
    invitation page)."""
    for invitation in invitations:
        invitation.status = Invitation.Status.CLOSED
        invitation.outcome = outcomes[invitation.pk]
        invitation.outcome_sent_at = now
    # In bulk, as a referral may have reached sixty providers.
    Invitation.objects.bulk_update(invitations, ["status", "outcome", "outcome_sent_at"])
    _notify_providers(
        [
            (
                invitation.provider_organisation,
                invitation.outcome,
                reverse("commissioning:invitation_detail", args=[invitation.pk]),
            )
            for invitation in invitations
        ]
    )


def _set_open_offers_not_selected(offers: list[Offer], now: datetime.datetime) -> None:
    Offer.objects.filter(pk__in=[o.pk for o in offers if o.status == Offer.Status.OPEN]).update(
        status=Offer.Status.NOT_SELECTED, decided_at=now
    )


def _accepted_outcomes(
    placement_request: PlacementRequest, invitations: list[Invitation], chosen: Offer, reason: str
) -> dict[int, str]:
    others = (
        f"Referral {placement_request.pk} from {placement_request.local_authority.name} is closed: "
        f"another provider's offer was accepted. The reason given: {reason}"
    )
    accepted = (
        f"Your offer of {chosen.home} for referral {placement_request.pk} was accepted. "
        f"The placement starts on {chosen.start_date:%-d %B %Y}."
    )
    return {invitation.pk: accepted if invitation.pk == chosen.invitation_id else others for invitation in invitations}


def offer_accept(*, offer: Offer, accepted_by: User, reason: str, now: datetime.datetime | None = None) -> Placement:
    """Accept one offer: exactly one placement, every other offer not selected, every
    invitation closed and every provider told the outcome and the reason."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Give the reason to tell the other providers."]})
    _free_text_refuse(reason, key="reason", field="the reason", limit=REASON_MAX_LENGTH)
    _require_member(accepted_by, offer.placement_request.organisation)
    with transaction.atomic():
        placement_request, offers, invitations = _lock_request_offers_invitations(offer.placement_request_id)
        if placement_request.status != PlacementRequest.Status.SENT:
            raise ValidationError(f"This referral is {placement_request.get_status_display().lower()}: it is closed.")
        chosen = next((o for o in offers if o.pk == offer.pk), None)
        if chosen is None or chosen.status != Offer.Status.OPEN:
            raise ValidationError("This offer can no longer be accepted.")
        _set_open_offers_not_selected([o for o in offers if o.pk != chosen.pk], now)
        chosen.status = Offer.Status.ACCEPTED
        chosen.decided_at = now
        chosen.save(update_fields=["status", "decided_at"])
        placement = Placement.objects.create(
            placement_request=placement_request,
            offer=chosen,
            local_authority_id=placement_request.local_authority_id,
            home=chosen.home,
            start_date=chosen.start_date,
            weekly_fee_core=chosen.weekly_fee_core,
            weekly_fee_additional_support=chosen.weekly_fee_additional_support,
            weekly_fee_education=chosen.weekly_fee_education,
            weekly_fee_other=chosen.weekly_fee_other,
            created_at=now,
        )
        journey_event_publish(JourneyEventKind.PLACEMENT_MADE, placement.pk)
        placement_request.status = PlacementRequest.Status.PLACED
        placement_request.closed_at = now
        placement_request.closing_reason = reason[:200]
        placement_request.save(update_fields=["status", "closed_at", "closing_reason"])
        _close_invitations(invitations, _accepted_outcomes(placement_request, invitations, chosen, reason), now)
    return placement


def _close_request(
    placement_request: PlacementRequest,
    offers: list[Offer],
    invitations: list[Invitation],
    *,
    status: PlacementRequest.Status,
    outcome: str,
    reason: str,
    now: datetime.datetime,
) -> None:
    placement_request.status = status
    placement_request.closed_at = now
    placement_request.closing_reason = reason[:200]
    placement_request.save(update_fields=["status", "closed_at", "closing_reason"])
    _set_open_offers_not_selected(offers, now)
    _close_invitations(invitations, {invitation.pk: outcome for invitation in invitations}, now)


def placement_request_withdraw(
    *, placement_request: PlacementRequest, reason: str, withdrawn_by: User, now: datetime.datetime | None = None
) -> PlacementRequest:
    """Withdraw a draft or sent referral; every invited provider is told why."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the referral is withdrawn."]})
    _free_text_refuse(reason, key="reason", field="the reason", limit=REASON_MAX_LENGTH)
    _require_member(withdrawn_by, placement_request.organisation)
    with transaction.atomic():
        locked, offers, invitations = _lock_request_offers_invitations(placement_request.pk)
        if locked.status not in {PlacementRequest.Status.DRAFT, PlacementRequest.Status.SENT}:
            raise ValidationError(f"This referral is already {locked.get_status_display().lower()}.")
        outcome = f"Referral {locked.pk} was withdrawn by the local authority. The reason given: {reason}"
        _close_request(
            locked,
            offers,
            invitations,
            status=PlacementRequest.Status.WITHDRAWN,
            outcome=outcome,
            reason=reason,
            now=now,
        )
    placement_request.refresh_from_db()
    return locked


def _expire_request(pk: int, now: datetime.datetime) -> bool:
    with transaction.atomic():
        locked, offers, invitations = _lock_request_offers_invitations(pk)
        if locked.status != PlacementRequest.Status.SENT:
            return False  # placed or withdrawn since the query: nothing to do
        outcome = f"Referral {locked.pk} expired: no placement was agreed by its start date."
        _close_request(
            locked,
            offers,
            invitations,
            status=PlacementRequest.Status.EXPIRED,
            outcome=outcome,
            reason="No placement agreed by the start date.",
            now=now,
        )
    return True


def _expire_late_invitations(now: datetime.datetime) -> int:
    """Open invitations of sent referrals past their deadline expire: each a missed deadline.
    Listed under lock first, so the events name exactly the invitations that expired."""
    with transaction.atomic():
        late = list(
            Invitation.objects.select_for_update(of=("self",))
            .filter(status=Invitation.Status.OPEN, deadline__lt=now)
            .filter(placement_request__status=PlacementRequest.Status.SENT)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Invitation.objects.filter(pk__in=late).update(status=Invitation.Status.EXPIRED)
        for pk in late:
            journey_event_publish(JourneyEventKind.DEADLINE_MISSED, pk)
    return len(late)


def placement_requests_expire(*, now: datetime.datetime | None = None) -> ExpiryResult:
    """Daily: invitations past their deadline with no answer expire; sent referrals whose
    start date has passed with no accepted offer expire and their providers are told.
    Safe to run twice: the second run finds nothing to do."""
    now = now or timezone.now()
    invitations_expired = _expire_late_invitations(now)
    due = PlacementRequest.objects.filter(
        status=PlacementRequest.Status.SENT, start_by__lt=timezone.localdate(now)
    ).exclude(offers__status=Offer.Status.ACCEPTED)
    requests_expired = sum(_expire_request(pk, now) for pk in due.order_by("pk").values_list("pk", flat=True))
    return ExpiryResult(requests_expired=requests_expired, invitations_expired=invitations_expired)


PURGED_SUMMARY = "Details removed after the retention period."


def placement_requests_purge(*, now: datetime.datetime | None = None) -> int:
    """Daily: remove the child's details from referrals closed more than
    REFERRAL_RETENTION_DAYS ago (summary, needs, risks, postcode district, areas to avoid,
    budget), keeping what anonymous counts need. Returns how many were purged."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.REFERRAL_RETENTION_DAYS)
    due = PlacementRequest.objects.filter(
        status__in=[PlacementRequest.Status.PLACED, PlacementRequest.Status.WITHDRAWN, PlacementRequest.Status.EXPIRED],
        closed_at__lt=cutoff,
        purged_at__isnull=True,
    )
    purged = 0
    for pk in due.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            request = PlacementRequest.objects.select_for_update().get(pk=pk)
            request.needs.clear()
            request.areas_to_avoid.clear()
            request.home_local_authority = request.home_local_authority or request.local_authority
            request.summary, request.postcode_district = PURGED_SUMMARY, ""
            request.risks_to_child, request.risks_to_others = [], []
            request.weekly_budget_guide, request.purged_at = None, now
            request.save()
            purged += 1
    return purged


# --- Placements ----------------------------------------------------------------------------


def placement_end(
    *, placement: Placement, end_date: datetime.date, ended_as_planned: bool, ended_by: User
) -> Placement:
    """Record when a placement ends (or is planned to) and whether the ending was planned."""
    if not selectors.placements_actionable_by(ended_by).filter(pk=placement.pk).exists():
        raise PermissionDenied("Only the placing authority can end a placement.")
    with transaction.atomic():
        locked = Placement.objects.select_for_update().get(pk=placement.pk)
        if locked.end_date is not None:
            raise ValidationError("This placement already has an end date.")
        if end_date < locked.start_date:
            raise ValidationError({"end_date": ["The end date cannot be before the placement started."]})
        locked.end_date = end_date
        locked.ended_as_planned = ended_as_planned
        locked.save(update_fields=["end_date", "ended_as_planned"])
        journey_event_publish(JourneyEventKind.PLACEMENT_ENDED, locked.pk)
    placement.refresh_from_db()
    return locked
