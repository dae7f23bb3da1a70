"""Each state change of the referral journey, and every refusal changing nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Notification
from commissioning import services
from commissioning.deadlines import LONDON
from commissioning.models import (
    Decline,
    DeclineReason,
    Disclosure,
    Invitation,
    Offer,
    OutOfAreaReason,
    Placement,
    PlacementRequest,
)
from geography.models import PostcodeDistrict
from tests.commissioning.conftest import SENT_AT, Journey, provider_of, referral_details, state
from tests.factories import HomeFactory

pytestmark = pytest.mark.django_db


# --- Drafts ---------------------------------------------------------------------------------


def test_create_makes_a_draft_for_the_commissioners_authority(cast):
    draft = services.placement_request_create(
        organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_a
    )
    assert draft.status == PlacementRequest.Status.DRAFT
    assert draft.local_authority == cast.local_authority_a.local_authority
    assert draft.created_by == cast.commissioner_a
    assert list(draft.needs.values_list("code", flat=True)) == ["emotional-behavioural-difficulties"]
    assert draft.risks_to_child == ["going_missing"]


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"age_years": 18}, {"age_years": ["Age must be between 0 and 17."]}),
        (
            {"home_local_authority": None},
            {"home_local_authority": ["Choose the child's home authority or give a postcode district."]},
        ),
        (
            {"postcode_district": "LS6 1AA"},
            {"postcode_district": ["Give the first half of a postcode only, like LS6."]},
        ),
        ({"need_codes": ["not-a-need"]}, {"needs": ["Choose only from the listed needs."]}),
        ({"risks_to_others": ["arson"]}, {"risks_to_others": ["Choose only from the listed risks."]}),
        ({"urgency": "yesterday"}, {"urgency": ["Choose one of the options."]}),
        (
            {"summary": "Lives at LS6 1AA"},
            {
                "summary": [
                    "Remove the full postcode from the summary. Nothing written here may identify a child: no "
                    "names, dates of birth, addresses, contact details or case numbers."
                ]
            },
        ),
    ],
)
def test_create_refuses_invalid_details_and_changes_nothing(cast, overrides, errors):
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.placement_request_create(
            organisation=cast.local_authority_a,
            details=referral_details(cast, **overrides),
            created_by=cast.commissioner_a,
        )
    assert refused.value.message_dict == errors
    assert state() == before


def test_out_of_area_needs_a_reason(cast):
    elsewhere = cast.local_authority_b.local_authority
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.placement_request_create(
            organisation=cast.local_authority_a,
            details=referral_details(cast, home_local_authority=elsewhere),
            created_by=cast.commissioner_a,
        )
    assert refused.value.message_dict == {
        "out_of_area_reason": ["Say why the child is to be placed outside your authority."]
    }
    assert state() == before
    draft = services.placement_request_create(
        organisation=cast.local_authority_a,
        details=referral_details(
            cast, home_local_authority=elsewhere, out_of_area_reason=OutOfAreaReason.RISK_IN_HOME_AREA
        ),
        created_by=cast.commissioner_a,
    )
    assert draft.out_of_area_reason == "risk_in_home_area"


def test_a_postcode_district_places_the_referral_in_its_authority(cast):
    authority_a = cast.local_authority_a.local_authority
    PostcodeDistrict.objects.update_or_create(
        code="ZZ9", defaults={"easting": 400000, "northing": 400000, "local_authority": authority_a}
    )
    draft = services.placement_request_create(
        organisation=cast.local_authority_a,
        details=referral_details(cast, home_local_authority=None, postcode_district="zz9"),
        created_by=cast.commissioner_a,
    )
    assert draft.postcode_district == "ZZ9"
    assert draft.out_of_area_reason == ""


def test_only_members_create_referrals(cast):
    before = state()
    with pytest.raises(PermissionDenied):
        services.placement_request_create(
            organisation=cast.local_authority_a, details=referral_details(cast), created_by=cast.commissioner_b
        )
    assert state() == before


def test_update_changes_a_draft_only(journey: Journey):
    cast = journey.cast
    services.placement_request_update(
        placement_request=journey.draft, details=referral_details(cast, age_years=12), updated_by=cast.commissioner_a
    )
    journey.draft.refresh_from_db()
    assert journey.draft.age_years == 12
    journey.send()
    before = state()
    with pytest.raises(ValidationError, match=r"Only a draft can be changed; this referral is Sent."):
        services.placement_request_update(
            placement_request=journey.draft, details=referral_details(cast, age_years=9), updated_by=cast.commissioner_a
        )
    assert state() == before


# --- Sending --------------------------------------------------------------------------------


def test_send_invites_each_provider_once_logs_disclosures_and_notifies(
    journey: Journey, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitations = journey.send()
    journey.draft.refresh_from_db()
    assert journey.draft.status == PlacementRequest.Status.SENT
    assert journey.draft.sent_at == SENT_AT
    # Under 5 days, sent Tuesday 10 March: 17:00 on Thursday 12 March.
    assert journey.draft.response_deadline == datetime.datetime(2026, 3, 12, 17, 0, tzinfo=LONDON)
    assert [i.provider_organisation.name for i in invitations] == ["Provider P", "Provider Q"]
    assert set(journey.invitation("p").homes.all()) == {journey.home_p1, journey.home_p2}
    assert list(journey.invitation("q").homes.all()) == [journey.home_q]
    assert {i.deadline for i in invitations} == {journey.draft.response_deadline}
    assert sorted(Disclosure.objects.values_list("provider_organisation__name", "disclosed_by", "purpose")) == [
        ("Provider P", journey.cast.commissioner_a.pk, "referral sent"),
        ("Provider Q", journey.cast.commissioner_a.pk, "referral sent"),
    ]
    assert sorted(Notification.objects.values_list("organisation__name", flat=True)) == ["Provider P", "Provider Q"]
    assert len(callbacks) == 4  # for each invitation: the e-mail task and the journey event (trust log)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [journey.cast.provider_p.email, journey.cast.provider_q.email]
    )
    assert mail.outbox[0].subject.startswith("[Relational Commissioning] New referral from ")
    assert journey.draft.summary not in mail.outbox[0].body


def test_send_refuses_no_homes_and_a_second_send(journey: Journey):
    before = state()
    with pytest.raises(ValidationError, match=r"Keep at least one home"):
        services.placement_request_send(placement_request=journey.draft, homes=[], sent_by=journey.cast.commissioner_a)
    assert state() == before
    journey.send()
    before = state()
    with pytest.raises(ValidationError, match=r"This referral is already sent."):
        journey.send()
    assert state() == before


def test_send_refuses_a_closed_home(journey: Journey):
    closed = HomeFactory(closed_on=datetime.date(2025, 3, 31))
    before = state()
    with pytest.raises(ValidationError, match=f"Home {closed.urn} cannot receive referrals"):
        services.placement_request_send(
            placement_request=journey.draft, homes=[closed], sent_by=journey.cast.commissioner_a
        )
    assert state() == before


# --- Answers --------------------------------------------------------------------------------


def test_decline_records_reason_and_note_and_tells_the_commissioner(journey: Journey):
    journey.send()
    invitation = journey.invitation("q")
    decline = services.invitation_decline(
        invitation=invitation,
        reason=DeclineReason.IMPACT_ON_CHILDREN,
        note="Two younger children in the home.",
        declined_by=journey.cast.provider_q,
        now=SENT_AT + datetime.timedelta(hours=1),
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert invitation.responded_at == SENT_AT + datetime.timedelta(hours=1)
    assert (decline.reason, decline.note, decline.declined_by) == (
        "impact_on_children",
        "Two younger children in the home.",
        journey.cast.provider_q,
    )
    assert Notification.objects.filter(organisation=journey.cast.local_authority_a).get().message == (
        f"Provider Q declined referral {journey.draft.pk}: Impact on the children already in the home."
    )


def test_decline_refusals_change_nothing(journey: Journey):
    journey.send()
    invitation = journey.invitation("q")
    before = state()
    with pytest.raises(ValidationError):
        services.invitation_decline(
            invitation=invitation, reason=DeclineReason.OTHER, note=" ", declined_by=journey.cast.provider_q
        )
    with pytest.raises(PermissionDenied):
        services.invitation_decline(
            invitation=invitation, reason=DeclineReason.STAFFING, note="", declined_by=journey.cast.provider_p
        )
    with pytest.raises(ValidationError, match=r"The deadline for answering this referral has passed."):
        services.invitation_decline(
            invitation=invitation,
            reason=DeclineReason.STAFFING,
            note="",
            declined_by=journey.cast.provider_q,
            now=datetime.datetime(2026, 3, 12, 17, 0, tzinfo=LONDON),
        )
    assert state() == before


def test_offer_is_made_for_an_invited_home(journey: Journey):
    journey.send()
    offer = journey.offer("p", core="4800.50")
    invitation = journey.invitation("p")
    assert invitation.status == Invitation.Status.OFFERED
    assert (offer.home, offer.status, offer.weekly_fee) == (journey.home_p1, "open", Decimal("5200.50"))
    assert offer.placement_request == journey.draft


def test_offer_refusals_change_nothing(journey: Journey):
    journey.send()
    before = state()
    with pytest.raises(ValidationError) as refused:
        journey.offer("p", home=journey.home_q)
    assert refused.value.message_dict == {"home": ["Choose one of the homes the referral was sent for."]}
    with pytest.raises(ValidationError) as refused:
        journey.offer("p", core="-1.00")
    assert refused.value.message_dict == {"weekly_fee_core": ["Fees cannot be negative."]}
    with pytest.raises(PermissionDenied):
        services.offer_make(
            invitation=journey.invitation("p"),
            home=journey.home_p1,
            start_date=datetime.date(2026, 3, 16),
            fees=services.WeeklyFees(core=Decimal("1.00")),
            conditions="",
            made_by=journey.cast.provider_q,
        )
    assert state() == before


# --- Accepting, withdrawing, expiring --------------------------------------------------------


def test_accept_creates_one_placement_and_closes_the_loop(journey: Journey):
    journey.send()
    offer_p = journey.offer("p", core="5000.00")
    offer_q = journey.offer("q", core="4500.00")
    Notification.objects.all().delete()
    placement = services.offer_accept(
        offer=offer_p, accepted_by=journey.cast.commissioner_a, reason="Closer to her school and family."
    )
    offer_p.refresh_from_db()
    offer_q.refresh_from_db()
    journey.draft.refresh_from_db()
    assert (placement.home, placement.offer, placement.placement_request) == (journey.home_p1, offer_p, journey.draft)
    assert (placement.weekly_fee_core, placement.weekly_fee) == (Decimal("5000.00"), Decimal("5400.00"))
    assert placement.local_authority == journey.cast.local_authority_a.local_authority
    assert (offer_p.status, offer_q.status) == ("accepted", "not_selected")
    assert journey.draft.status == PlacementRequest.Status.PLACED
    assert journey.draft.closing_reason == "Closer to her school and family."
    invitation_p, invitation_q = journey.invitation("p"), journey.invitation("q")
    assert (invitation_p.status, invitation_q.status) == ("closed", "closed")
    assert invitation_p.outcome.startswith(
        f"Your offer of {journey.home_p1} for referral {journey.draft.pk} was accepted."
    )
    assert invitation_q.outcome == (
        f"Referral {journey.draft.pk} from {journey.draft.local_authority.name} is closed: another provider's "
        "offer was accepted. The reason given: Closer to her school and family."
    )
    assert sorted(Notification.objects.values_list("organisation__name", "message")) == [
        ("Provider P", invitation_p.outcome),
        ("Provider Q", invitation_q.outcome),
    ]


def test_accept_refusals_change_nothing(journey: Journey):
    journey.send()
    offer_p = journey.offer("p")
    offer_q = journey.offer("q")
    before = state()
    with pytest.raises(ValidationError):
        services.offer_accept(offer=offer_p, accepted_by=journey.cast.commissioner_a, reason="  ")
    with pytest.raises(PermissionDenied):
        services.offer_accept(offer=offer_p, accepted_by=journey.cast.commissioner_b, reason="Best fit.")
    assert state() == before
    services.offer_accept(offer=offer_p, accepted_by=journey.cast.commissioner_a, reason="Best fit.")
    before = state()
    with pytest.raises(ValidationError, match=r"This referral is placed: it is closed."):
        services.offer_accept(offer=offer_q, accepted_by=journey.cast.commissioner_a, reason="Best fit.")
    assert state() == before
    assert Placement.objects.count() == 1


def test_withdraw_tells_every_invited_provider(journey: Journey):
    journey.send()
    offer_p = journey.offer("p")
    services.placement_request_withdraw(
        placement_request=journey.draft,
        reason="The child is staying with family.",
        withdrawn_by=journey.cast.commissioner_a,
    )
    journey.draft.refresh_from_db()
    offer_p.refresh_from_db()
    assert journey.draft.status == PlacementRequest.Status.WITHDRAWN
    assert journey.draft.closing_reason == "The child is staying with family."
    assert offer_p.status == Offer.Status.NOT_SELECTED
    expected = (
        f"Referral {journey.draft.pk} was withdrawn by the local authority. "
        "The reason given: The child is staying with family."
    )
    assert list(Invitation.objects.order_by("pk").values_list("status", "outcome")) == [
        ("closed", expected),
        ("closed", expected),
    ]
    before = state()
    with pytest.raises(ValidationError, match=r"This referral is already withdrawn."):
        services.placement_request_withdraw(
            placement_request=journey.draft, reason="Again.", withdrawn_by=journey.cast.commissioner_a
        )
    assert state() == before


def test_expire_closes_old_requests_and_late_invitations(journey: Journey):
    journey.send()
    journey.offer("p")
    # After the deadline (Thursday 12 March, 17:00) but before the start date: Q's invitation expires.
    result = services.placement_requests_expire(now=datetime.datetime(2026, 3, 13, 9, 0, tzinfo=LONDON))
    assert (result.requests_expired, result.invitations_expired) == (0, 1)
    assert journey.invitation("q").status == Invitation.Status.EXPIRED
    assert journey.invitation("p").status == Invitation.Status.OFFERED
    # After the start date (1 April) with no accepted offer: the request expires.
    result = services.placement_requests_expire(now=datetime.datetime(2026, 4, 2, 0, 30, tzinfo=LONDON))
    assert (result.requests_expired, result.invitations_expired) == (1, 0)
    journey.draft.refresh_from_db()
    assert journey.draft.status == PlacementRequest.Status.EXPIRED
    assert set(Invitation.objects.values_list("status", flat=True)) == {"closed"}
    assert list(Offer.objects.values_list("status", flat=True)) == ["not_selected"]
    before = state()
    result = services.placement_requests_expire(now=datetime.datetime(2026, 4, 3, 0, 30, tzinfo=LONDON))
    assert (result.requests_expired, result.invitations_expired) == (0, 0)
    assert state() == before


def test_placed_requests_do_not_expire(journey: Journey):
    journey.send()
    services.offer_accept(offer=journey.offer("p"), accepted_by=journey.cast.commissioner_a, reason="Best fit.")
    before = state()
    result = services.placement_requests_expire(now=datetime.datetime(2026, 5, 1, 0, 30, tzinfo=LONDON))
    assert (result.requests_expired, result.invitations_expired) == (0, 0)
    assert state() == before


def test_placement_end(journey: Journey):
    journey.send()
    placement = services.offer_accept(offer=journey.offer("p"), accepted_by=journey.cast.commissioner_a, reason="Fit.")
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.placement_end(
            placement=placement,
            end_date=datetime.date(2026, 3, 1),
            ended_as_planned=True,
            ended_by=journey.cast.commissioner_a,
        )
    assert refused.value.message_dict == {"end_date": ["The end date cannot be before the placement started."]}
    with pytest.raises(PermissionDenied):
        services.placement_end(
            placement=placement,
            end_date=datetime.date(2026, 9, 1),
            ended_as_planned=True,
            ended_by=journey.cast.commissioner_b,
        )
    assert state() == before
    services.placement_end(
        placement=placement,
        end_date=datetime.date(2026, 9, 1),
        ended_as_planned=False,
        ended_by=journey.cast.commissioner_a,
    )
    placement.refresh_from_db()
    assert (placement.end_date, placement.ended_as_planned) == (datetime.date(2026, 9, 1), False)


def test_a_federation_acts_for_its_members(journey: Journey):
    from providers.models import Federation
    from tests.factories import MembershipFactory, OrganisationFactory

    federation_organisation = OrganisationFactory(kind="federation", name="Small Homes Federation")
    federation = Federation.objects.create(name="Small Homes Federation", organisation=federation_organisation)
    federation.members.add(provider_of(journey.cast.provider_organisation_q))
    coordinator = MembershipFactory(organisation=federation_organisation).user
    journey.send()
    assert Notification.objects.filter(organisation=federation_organisation).count() == 1
    decline = services.invitation_decline(
        invitation=journey.invitation("q"),
        reason=DeclineReason.NO_VACANCY,
        note="",
        declined_by=coordinator,
        now=SENT_AT + datetime.timedelta(hours=1),
    )
    assert decline.declined_by == coordinator
    assert Decline.objects.count() == 1
