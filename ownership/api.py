"""Public read API of the owners: who ultimately owns England's children's homes (open data,
no account needed)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import BAD_PAGE, PAGE_PARAMETER, not_found, paginated
from ownership import pages


class ResolutionOutput(serializers.Serializer[object]):
    id = serializers.IntegerField(source="owner.pk", allow_null=True, default=None)
    name = serializers.CharField(source="owner.name", allow_null=True, default=None)
    owner_type = serializers.CharField()
    reason = serializers.CharField()
    overridden = serializers.BooleanField()


class OwnerRowOutput(serializers.Serializer[object]):
    id = serializers.IntegerField(source="owner.pk")
    name = serializers.CharField(source="owner.name")
    category = serializers.CharField(source="owner.category")
    company_number = serializers.CharField(source="owner.company_number")
    owner_type = serializers.CharField()
    homes = serializers.IntegerField()
    places = serializers.IntegerField()


class PublicApiView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class OwnerListApi(PublicApiView):
    @extend_schema(
        operation_id="v1_owners_list",
        parameters=[PAGE_PARAMETER],
        responses={200: paginated(OwnerRowOutput), 404: BAD_PAGE},
        summary="Ultimate owners by places controlled",
    )
    def get(self, request: Request) -> Response:
        ranked = pages.owners_ranked(pages.resolutions_on(pages.today()))
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
        responses={200: OwnerDetailOutput, 404: not_found("No owner with this id.")},
        summary="One owner: homes controlled, shares of England and regions, and its controllers",
        description=(
            "Homes, places and shares count open children's homes of the provision type \"Children's home\" "
            "only, as the dashboards do. `owner_type` and `controlled_by.owner_type` are one reading: the type "
            "of the homes an owner at the top of its chain owns, or the type its controller gives it."
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        entity = get_object_or_404(pages.owners(), pk=pk)
        resolutions = pages.resolutions_on(pages.today())
        summary, controllers = pages.owner_reading(entity, resolutions, pages.today())
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
            "sources": pages.sources_of(controllers),
        }
        return Response(OwnerDetailOutput(data).data)
