"""Public read API of the registry: children's homes (open data, no account needed)."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import BAD_PAGE, PAGE_PARAMETER, bad_request, not_found, paginated
from ownership import pages
from ownership.api import PublicApiView, ResolutionOutput
from providers.models import Home
from registry import selectors
from registry.forms import HomeFilterForm

RESULTS_SECONDS = 10 * 60


class HomeOutput(serializers.Serializer[object]):
    urn = serializers.CharField()
    kind = serializers.CharField()
    provision_type = serializers.CharField()
    local_authority_ons_code = serializers.CharField(source="local_authority.ons_code", default=None, allow_null=True)
    local_authority = serializers.CharField(source="local_authority.name", default=None, allow_null=True)
    region = serializers.CharField(source="local_authority.region.name", default=None, allow_null=True)
    sector = serializers.CharField()
    places = serializers.IntegerField(allow_null=True)
    registration_date = serializers.DateField(allow_null=True)
    registration_status = serializers.CharField()
    short_break_only = serializers.BooleanField(allow_null=True)
    multi_building = serializers.BooleanField(allow_null=True)
    registered_owner_name = serializers.CharField()
    provider_organisation_id = serializers.IntegerField(allow_null=True)
    provider_organisation = serializers.CharField(source="provider_organisation.name", default=None, allow_null=True)
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
    local_authority_ons_code = serializers.CharField(source="local_authority.ons_code", default=None, allow_null=True)
    sector = serializers.CharField()
    places = serializers.IntegerField(allow_null=True)
    registered_owner_name = serializers.CharField()
    overall_judgement = serializers.CharField()


class HomeDetailOutput(HomeOutput):
    """Documents the detail's body: the home, with the register's observations of it over time."""

    observations = ObservationOutput(many=True)


def _filter_parameter(name: str, field: Any) -> OpenApiParameter:
    # Regions' and authorities' choices are read from the database per form, so not listed here.
    choices = [str(value) for value, _label in getattr(field, "choices", [])]
    return OpenApiParameter(name, str, description=field.label, enum=choices or None)


_FILTER_PARAMETERS = [_filter_parameter(name, field) for name, field in HomeFilterForm.base_fields.items()]

# The filter form's refusals, as Django forms give them in JSON.
_FILTER_ERRORS_SCHEMA = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "description": "Each refused filter, with why.",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["message", "code"],
                    "properties": {"message": {"type": "string"}, "code": {"type": "string"}},
                },
            },
        }
    },
}


class HomeListApi(PublicApiView):
    @extend_schema(
        operation_id="v1_homes_list",
        parameters=[*_FILTER_PARAMETERS, PAGE_PARAMETER],
        responses={
            200: paginated(HomeOutput),
            400: bad_request("A filter is not one of its choices, or too long.", _FILTER_ERRORS_SCHEMA),
            404: BAD_PAGE,
        },
        summary="Open children's homes, filtered",
    )
    def get(self, request: Request) -> Response:
        as_of = pages.today()
        # Public data that changes only with the registry's state: each answer to each query is
        # built once per state, refusals included (the filters' choices cost queries to check).
        # Its links name the host asked, so the host is in the key.
        asked = urlencode(sorted(request.query_params.lists()), doseq=True)
        state = f"{pages.registry_state(as_of)}|{request.get_host()}?{asked}"
        key = "registry:homes-api:" + hashlib.sha256(state.encode()).hexdigest()
        answer: tuple[dict[str, Any], int] | None = cache.get(key)
        if answer is None:
            answer = self._answer(request, as_of)
            cache.set(key, answer, timeout=RESULTS_SECONDS)
        return Response(answer[0], status=answer[1])

    def _answer(self, request: Request, as_of: datetime.date) -> tuple[dict[str, Any], int]:
        form = HomeFilterForm(request.query_params)
        if not form.is_valid():
            return {"errors": form.errors.get_json_data()}, 400
        resolutions = pages.resolutions_on(as_of)
        homes = selectors.homes_matching(form.filters(), resolutions)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(homes, request, view=self)
        data = HomeOutput(page, many=True, context={"resolutions": resolutions}).data
        return dict(paginator.get_paginated_response(data).data), 200


class HomeDetailApi(PublicApiView):
    @extend_schema(
        responses={200: HomeDetailOutput, 404: not_found("No home with this URN.")},
        summary="One children's home by Ofsted URN, with its history",
    )
    def get(self, request: Request, urn: str) -> Response:
        home = get_object_or_404(selectors.all_homes(), urn=urn)
        resolution = selectors.home_resolution(home)
        data = dict(HomeOutput(home, context={"resolutions": {home.pk: resolution}}).data)
        data["observations"] = ObservationOutput(home.observations.order_by("as_of"), many=True).data
        return Response(data)
