"""Read-only JSON API over referrals and invitations. Thin: scoped selectors in, output
serializers out. Writes go through the HTML pages (the same services) for now."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commissioning import selectors
from commissioning.models import Invitation, PlacementRequest
from config.openapi import NOT_SIGNED_IN, not_found


class ReferralOutput(serializers.Serializer[object]):
    """The anonymised referral: what providers are shown, and what commissioners wrote."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    local_authority = serializers.CharField(source="local_authority.name")
    age_years = serializers.IntegerField()
    sex = serializers.CharField()
    legal_status = serializers.CharField()
    needs = serializers.SerializerMethodField()
    risks_to_child = serializers.ListField(child=serializers.CharField())
    risks_to_others = serializers.ListField(child=serializers.CharField())
    urgency = serializers.CharField()
    planned_duration = serializers.CharField()
    living_companions = serializers.CharField()
    education = serializers.CharField()
    start_by = serializers.DateField()
    postcode_district = serializers.CharField()
    maximum_distance_km = serializers.IntegerField()
    summary = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    response_deadline = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_needs(self, referral: PlacementRequest) -> list[str]:
        return [need.code for need in referral.needs.all()]


class InvitationOutput(serializers.Serializer[object]):
    id = serializers.IntegerField()
    status = serializers.CharField()
    provider_organisation = serializers.CharField(source="provider_organisation.name")
    sent_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    outcome = serializers.CharField()
    homes = serializers.SerializerMethodField()
    placement_request = ReferralOutput()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_homes(self, invitation: Invitation) -> list[str]:
        """The Ofsted URNs of the provider's homes the referral was sent for."""
        return [home.urn for home in invitation.homes.all()]


def _referrals(request: Request) -> QuerySet[PlacementRequest]:
    return (
        selectors.placement_requests_visible_to(request.user)
        .select_related("local_authority")
        .prefetch_related("needs")
        .order_by("-created_at")
    )


def _invitations(request: Request) -> QuerySet[Invitation]:
    return (
        selectors.invitations_visible_to(request.user)
        .select_related("provider_organisation", "placement_request__local_authority")
        .prefetch_related("homes", "placement_request__needs")
        .order_by("-sent_at")
    )


class PlacementRequestListApi(APIView):
    @extend_schema(responses={200: ReferralOutput(many=True), 403: NOT_SIGNED_IN}, summary="Your authority's referrals")
    def get(self, request: Request) -> Response:
        return Response(ReferralOutput(_referrals(request), many=True).data)


class PlacementRequestDetailApi(APIView):
    @extend_schema(
        responses={
            200: ReferralOutput,
            403: NOT_SIGNED_IN,
            404: not_found("No referral with this id that you may see."),
        },
        summary="One of your authority's referrals",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReferralOutput(get_object_or_404(_referrals(request), pk=pk)).data)


class InvitationListApi(APIView):
    @extend_schema(
        responses={200: InvitationOutput(many=True), 403: NOT_SIGNED_IN},
        summary="Referrals received by the providers you act for",
    )
    def get(self, request: Request) -> Response:
        return Response(InvitationOutput(_invitations(request), many=True).data)


class InvitationDetailApi(APIView):
    @extend_schema(
        responses={
            200: InvitationOutput,
            403: NOT_SIGNED_IN,
            404: not_found("No referral received with this id that you may see."),
        },
        summary="One referral received",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(InvitationOutput(get_object_or_404(_invitations(request), pk=pk)).data)
