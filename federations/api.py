"""Public read API of federations: the federated profile, open data like the registry."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import BAD_PAGE, PAGE_PARAMETER, not_found, paginated
from federations import selectors
from federations.selectors import FederatedProfile
from ownership.api import PublicApiView

# Each federation's profile reads its members' homes: a page of 20 keeps an answer quick.
PAGE_SIZE = 20


class FederationPagination(PageNumberPagination):
    page_size = PAGE_SIZE


class MemberHomeOutput(serializers.Serializer[object]):
    urn = serializers.CharField()
    local_authority_ons_code = serializers.CharField(source="local_authority.ons_code", default=None, allow_null=True)
    local_authority = serializers.CharField(source="local_authority.name", default=None, allow_null=True)
    places = serializers.IntegerField(allow_null=True)
    overall_judgement = serializers.CharField()


class MemberOutput(serializers.Serializer[object]):
    provider_organisation_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    homes = serializers.SerializerMethodField()

    @extend_schema_field(MemberHomeOutput(many=True))
    def get_homes(self, member: Any) -> list[dict[str, object]]:
        homes = [home for home in self.context["homes"] if home.provider_organisation_id == member.pk]
        return MemberHomeOutput(homes, many=True).data  # type: ignore[return-value]


class AreaOutput(serializers.Serializer[object]):
    ons_code = serializers.CharField()
    name = serializers.CharField()


class RatingOutput(serializers.Serializer[object]):
    judgement = serializers.CharField()
    homes = serializers.IntegerField()


class FederationOutput(serializers.Serializer[object]):
    slug = serializers.CharField(source="federation.organisation.slug")
    name = serializers.CharField(source="federation.name")
    purpose = serializers.CharField(source="federation.profile.purpose")
    charter = serializers.CharField(source="federation.profile.charter")
    synthetic = serializers.BooleanField(
        source="federation.profile.is_synthetic", help_text="True: made up for the demonstration."
    )
    dissolved_at = serializers.DateTimeField(source="federation.profile.dissolved_at", allow_null=True)
    places = serializers.IntegerField(help_text="Places in the members' open homes whose places are known.")
    homes_without_places = serializers.IntegerField()
    areas = AreaOutput(many=True, help_text="Local authorities it says it serves.")
    regions = AreaOutput(many=True)
    home_areas = AreaOutput(many=True, help_text="Local authorities where its members' homes are.")
    needs = serializers.SerializerMethodField()
    ratings = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    def get_needs(self, profile: FederatedProfile) -> list[str]:
        return [need.code for need in profile.needs]

    @extend_schema_field(RatingOutput(many=True))
    def get_ratings(self, profile: FederatedProfile) -> list[dict[str, object]]:
        return [{"judgement": label, "homes": count} for label, count in profile.ratings]

    @extend_schema_field(MemberOutput(many=True))
    def get_members(self, profile: FederatedProfile) -> list[dict[str, object]]:
        return MemberOutput(profile.members, many=True, context={"homes": profile.homes}).data  # type: ignore[return-value]


class FederationListApi(PublicApiView):
    @extend_schema(
        operation_id="v1_federations_list",
        parameters=[PAGE_PARAMETER],
        responses={200: paginated(FederationOutput), 404: BAD_PAGE},
        summary="Federations",
    )
    def get(self, request: Request) -> Response:
        paginator = FederationPagination()
        page = paginator.paginate_queryset(selectors.federations_public(), request, view=self) or []
        today = timezone.localdate()
        profiles = [selectors.federated_profile_of(federation, on=today) for federation in page]
        return paginator.get_paginated_response(FederationOutput(profiles, many=True).data)


class FederationDetailApi(PublicApiView):
    @extend_schema(
        responses={200: FederationOutput, 404: not_found("No federation with this slug is public.")},
        summary="One federation's federated profile",
    )
    def get(self, request: Request, slug: str) -> Response:
        federation = selectors.federation_public_by_slug(slug)
        if federation is None:
            raise Http404
        return Response(FederationOutput(selectors.federated_profile_of(federation, on=timezone.localdate())).data)
