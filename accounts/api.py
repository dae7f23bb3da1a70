"""JSON API for the signed-in person and their organisations. Thin: serializers in, selectors out."""

from __future__ import annotations

from typing import cast

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.models import User
from config.openapi import NOT_SIGNED_IN, not_found


class OrganisationOutput(serializers.Serializer[object]):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    local_authority_ons_code = serializers.CharField(source="local_authority.ons_code", allow_null=True, default=None)


class MembershipOutput(serializers.Serializer[object]):
    organisation = OrganisationOutput()
    role = serializers.CharField()


class MeOutput(serializers.Serializer[object]):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    is_staff = serializers.BooleanField()
    memberships = MembershipOutput(many=True)


class MeApi(APIView):
    @extend_schema(
        responses={200: MeOutput, 403: NOT_SIGNED_IN}, summary="The signed-in person and their organisations"
    )
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated has already refused anonymous requests
        data = {
            "email": user.email,
            "full_name": user.full_name,
            "is_staff": user.is_staff,
            "memberships": selectors.memberships_of(user),
        }
        return Response(MeOutput(data).data)


class OrganisationListApi(APIView):
    @extend_schema(
        responses={200: OrganisationOutput(many=True), 403: NOT_SIGNED_IN}, summary="Organisations visible to you"
    )
    def get(self, request: Request) -> Response:
        organisations = selectors.organisations_visible_to(request.user).select_related("local_authority")
        return Response(OrganisationOutput(organisations, many=True).data)


class OrganisationDetailApi(APIView):
    @extend_schema(
        responses={
            200: OrganisationOutput,
            403: NOT_SIGNED_IN,
            404: not_found("No organisation with this slug that you may see."),
        },
        summary="One organisation visible to you",
    )
    def get(self, request: Request, slug: str) -> Response:
        organisation = get_object_or_404(selectors.organisations_visible_to(request.user), slug=slug)
        return Response(OrganisationOutput(organisation).data)
