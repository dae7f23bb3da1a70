"""Public read API of the registry: homes and owners (open data, no account needed)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ownership import registry
from ownership.forms import HomeFilterForm
from providers.models import Home


class ResolutionOutput(serializers.Serializer[object]):
    id = serializers.IntegerField(source="owner.pk", allow_null=True, default=None)
    name = serializers.CharField(source="owner.name", allow_null=True, default=None)
    owner_type = serializers.CharField()
    reason = serializers.CharField()
    overridden = serializers.BooleanField()


class HomeOutput(serializers.Serializer[object]):
    urn = serializers.CharField()
    kind = serializers.CharField()
    provision_type = serializers.CharField()
    local_authority_ons_code = serializers.CharField(source="local_authority.ons_code", default=None)
    local_authority = serializers.CharField(source="local_authority.name", default=None)
    region = serializers.CharField(source="local_authority.region.name", default=None)
    sector = serializers.CharField()
    places = serializers.IntegerField(allow_null=True)
    registration_date = serializers.DateField(allow_null=True)
    registration_status = serializers.CharField()
    short_break_only = serializers.BooleanField(allow_null=True)
    multi_building = serializers.BooleanField(allow_null=True)
    registered_owner_name = serializers.CharField()
    provider_organisation_id = serializers.IntegerField(allow_null=True)
    provider_organisation = serializers.CharField(source="provider_organisation.name", default=None)
    overall_judgement = serializers.CharField()
    inspection_date = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)
    ultimate_owner = serializers.SerializerMethodField()

    @extend_schema_field(ResolutionOutput(allow_null=True))
    def get_ultimate_owner(self, home: Home) -> dict[str, object] | None:
        resolution = self.context["resolutions"].get(home.pk)
        return ResolutionOutput(resolution).data if resolution else None


class ObservationOutput(serializers.Serializer[object]):
    as_of = serializers.DateField()
    provision_type = serializers.CharField()
    local_authority_ons_code = serializers.CharField(source="local_authority.ons_code", default=None)
    sector = serializers.CharField()
    places = serializers.IntegerField(allow_null=True)
    registered_owner_name = serializers.CharField()
    overall_judgement = serializers.CharField()


class OwnerRowOutput(serializers.Serializer[object]):
    id = serializers.IntegerField(source="owner.pk")
    name = serializers.CharField(source="owner.name")
    category = serializers.CharField(source="owner.category")
    company_number = serializers.CharField(source="owner.company_number")
    owner_type = serializers.CharField()
    homes = serializers.IntegerField()
    places = serializers.IntegerField()


_FILTER_PARAMETERS = [
    OpenApiParameter(name, str, description=field.label)  # type: ignore[arg-type]
    for name, field in HomeFilterForm.base_fields.items()
]


class PublicApiView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class HomeListApi(PublicApiView):
    @extend_schema(
        parameters=[*_FILTER_PARAMETERS, OpenApiParameter("page", int)],
        responses=HomeOutput(many=True),
        summary="Open children's homes, filtered",
    )
    def get(self, request: Request) -> Response:
        form = HomeFilterForm(request.query_params)
        if not form.is_valid():
            return Response({"errors": form.errors.get_json_data()}, status=400)
        resolutions = registry.resolutions_on(registry.today())
        homes = registry.homes_matching(form.filters(), resolutions)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(homes, request, view=self)
        data = HomeOutput(page, many=True, context={"resolutions": resolutions}).data
        return paginator.get_paginated_response(data)


class HomeDetailApi(PublicApiView):
    @extend_schema(responses=HomeOutput, summary="One children's home by Ofsted URN, with its history")
    def get(self, request: Request, urn: str) -> Response:
        home = get_object_or_404(registry.all_homes(), urn=urn)
        resolution = registry.home_resolution(home)
        data = dict(HomeOutput(home, context={"resolutions": {home.pk: resolution}}).data)
        data["observations"] = ObservationOutput(home.observations.order_by("as_of"), many=True).data
        return Response(data)


class OwnerListApi(PublicApiView):
    @extend_schema(responses=OwnerRowOutput(many=True), summary="Ultimate owners by places controlled")
    def get(self, request: Request) -> Response:
        ranked = registry.owners_ranked(registry.resolutions_on(registry.today()))
        paginator = PageNumberPagination()
        page: list[Any] | None = paginator.paginate_queryset(ranked, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(OwnerRowOutput(page, many=True).data)


class RegionShareOutput(serializers.Serializer[object]):
    homes = serializers.IntegerField()
    places = serializers.IntegerField()
    share_of_places = serializers.FloatField()


class OwnerDetailOutput(serializers.Serializer[object]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    category = serializers.CharField()
    company_number = serializers.CharField()
    owner_type = serializers.CharField()
    homes = serializers.ListField(child=serializers.CharField(), help_text="URNs of the homes it ultimately owns")
    places = serializers.IntegerField()
    share_of_england_places = serializers.FloatField()
    regions = serializers.DictField(child=RegionShareOutput())
    controlled_by = ResolutionOutput()
    sources = serializers.ListField(child=serializers.CharField())


class OwnerDetailApi(PublicApiView):
    @extend_schema(
        responses=OwnerDetailOutput,
        summary="One owner: homes controlled, shares of England and regions, and its controllers",
    )
    def get(self, request: Request, pk: int) -> Response:
        entity = get_object_or_404(registry.owners(), pk=pk)
        resolutions = registry.resolutions_on(registry.today())
        summary = registry.owner_summary(entity, resolutions)
        controllers = registry.ownership_selectors.ultimate_owner_of_entity(entity, registry.today())
        data = {
            "id": entity.pk,
            "name": entity.name,
            "category": entity.category,
            "company_number": entity.company_number,
            "owner_type": summary.owner_type,
            "homes": [home.urn for home in summary.homes],
            "places": summary.england.places,
            "share_of_england_places": round(summary.england.share_of_places, 4),
            "regions": {
                name: {"homes": share.homes, "places": share.places, "share_of_places": round(share.share_of_places, 4)}
                for name, share in summary.regions.items()
            },
            "controlled_by": controllers,
            "sources": registry.sources_of(controllers),
        }
        return Response(OwnerDetailOutput(data).data)
