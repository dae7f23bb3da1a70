"""JSON API for reference geography (signed-in users)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.openapi import NOT_SIGNED_IN
from geography import selectors


class LocalAuthorityOutput(serializers.Serializer[object]):
    ons_code = serializers.CharField()
    name = serializers.CharField()
    region_ons_code = serializers.CharField(source="region.ons_code")
    region = serializers.CharField(source="region.name")


class LocalAuthorityListApi(APIView):
    @extend_schema(
        responses={200: LocalAuthorityOutput(many=True), 403: NOT_SIGNED_IN},
        summary="England's current children's services authorities",
    )
    def get(self, request: Request) -> Response:
        return Response(LocalAuthorityOutput(selectors.current_local_authorities(), many=True).data)
