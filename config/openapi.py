"""Pieces of the OpenAPI docs every API module shares, so that the docs say what the endpoints
really return: the paginated envelope, and the error bodies DRF and our views answer with.

The API views are plain APIViews (each builds its page itself), so drf-spectacular cannot
guess their pagination or their refusals; each endpoint names them with these helpers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorOutput(serializers.Serializer[object]):
    """DRF's body for a refusal that concerns the whole request (403, 404)."""

    detail = serializers.CharField(help_text="What went wrong, in plain words.")


# DRF's body for refused input: each bad parameter, with what is wrong and what is allowed.
FIELD_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Each bad parameter, with what is wrong with it and what is allowed.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

PAGE_PARAMETER = OpenApiParameter(
    "page",
    OpenApiTypes.INT,
    description="A page number, from 1. A page past the last, or not a number, is answered 404.",
)

_paginated: dict[str, type[serializers.Serializer[Any]]] = {}


def paginated(item: type[serializers.Serializer[Any]]) -> type[serializers.Serializer[Any]]:
    """The envelope of DRF's PageNumberPagination around a list of `item` (one class per item,
    as the docs name each schema once)."""
    name = f"Paginated{item.__name__}List"
    if name not in _paginated:
        fields = {
            "count": serializers.IntegerField(help_text="Items on every page together."),
            "next": serializers.URLField(allow_null=True, help_text="The next page; null on the last."),
            "previous": serializers.URLField(allow_null=True, help_text="The page before; null on the first."),
            "results": item(many=True),
        }
        _paginated[name] = type(name, (serializers.Serializer,), fields)
    return _paginated[name]


def not_found(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorOutput, description=description)


def bad_request(description: str, schema: Any = None) -> OpenApiResponse:
    return OpenApiResponse(schema or FIELD_ERRORS_SCHEMA, description=description)


NOT_SIGNED_IN = OpenApiResponse(
    ErrorOutput, description="Not signed in: the API answers 403 with its reason, not a sign-in page."
)
BAD_PAGE = not_found("No such page (past the last, or not a number).")


class ServedSchemaGenerator(SchemaGenerator):
    """The schema /api/schema/ serves is the code's, the same for every caller (SERVE_PUBLIC), so
    each process builds it once: building it takes some 200 ms, too long for a public URL.
    `manage.py spectacular` (no request) builds afresh, so it still reports every warning."""

    _served: ClassVar[dict[tuple[Any, ...], dict[str, Any]]] = {}

    def get_schema(self, request: Any = None, public: bool = False) -> dict[str, Any]:
        if request is None:
            return dict(super().get_schema(request=request, public=public))
        key = (self.api_version, translation.get_language(), public, str(self.urlconf), settings.ROOT_URLCONF)
        if key not in self._served:
            self._served[key] = dict(super().get_schema(request=request, public=public))
        return self._served[key]
