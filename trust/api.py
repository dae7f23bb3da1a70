"""The trust log over the API: relationships and their entries (read, and append).

Thin, under the same permissions as the pages: every query starts from
`relationships_visible_to`, so a third organisation and a staff administrator (who reads a log
only by audited access, on the pages) get 404; appending goes through `trust_entry_add`.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, F, Max, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import IDEMPOTENCY_KEY_PARAMETER, api_post_once
from accounts.models import Organisation, User
from config.openapi import BAD_PAGE, NOT_SIGNED_IN, PAGE_PARAMETER, bad_request, not_found, paginated
from trust import selectors
from trust.entry_types import spec_of
from trust.indicators import DEFINITIONS, relationship_indicators_current
from trust.models import Entry, EntryType, Relationship
from trust.services import BODY_MAX_LENGTH, trust_entry_add

# Entry types a person writes; the service alone writes system entries.
PERSON_ENTRY_TYPES = [(value, label) for value, label in EntryType.choices if not spec_of(value).by_service]


# --- Output ------------------------------------------------------------------------------


class RelationshipLocalAuthorityOutput(serializers.Serializer[object]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class RelationshipCounterpartOutput(RelationshipLocalAuthorityOutput):
    kind = serializers.CharField(help_text="provider or federation")


class RelationshipOutput(serializers.Serializer[object]):
    id = serializers.IntegerField()
    local_authority = RelationshipLocalAuthorityOutput()
    counterpart = RelationshipCounterpartOutput()
    created_via = serializers.CharField()
    created_at = serializers.DateTimeField()
    entries_count = serializers.IntegerField()
    last_entry_at = serializers.DateTimeField(allow_null=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:relationship")


class FigureOutput(serializers.Serializer[object]):
    definition = serializers.CharField(help_text="What the figure means (trust.indicators.DEFINITIONS).")


class CommitmentsKeptOutput(FigureOutput):
    value = serializers.FloatField(allow_null=True, help_text="Share kept, 0 to 1; null while none is decided.")
    kept = serializers.IntegerField()
    missed = serializers.IntegerField()
    open = serializers.IntegerField()


class ResponseHoursOutput(FigureOutput):
    value = serializers.FloatField(allow_null=True, help_text="Median hours; null with no response yet.")
    responses = serializers.IntegerField()


class OpenConcernsOutput(FigureOutput):
    value = serializers.IntegerField()
    oldest_days = serializers.IntegerField(allow_null=True)


class DaysSinceDialogueOutput(FigureOutput):
    value = serializers.IntegerField(allow_null=True)


class PlacementsOutput(FigureOutput):
    value = serializers.IntegerField(help_text="Placements made")
    unplanned_endings = serializers.IntegerField()


class PulseQuarterOutput(serializers.Serializer[object]):
    quarter_start = serializers.DateField()
    organisation = serializers.IntegerField()
    average = serializers.FloatField()


class PulseTrendOutput(FigureOutput):
    value = PulseQuarterOutput(many=True)


class IndicatorsOutput(serializers.Serializer[object]):
    as_of = serializers.DateTimeField(
        allow_null=True, help_text="The time of the log's newest entry the figures count; null while the log is empty."
    )
    computed_at = serializers.DateTimeField(help_text="When the figures were worked out (once per new entry).")
    commitments_kept_share = CommitmentsKeptOutput()
    provider_response_hours_median = ResponseHoursOutput()
    commissioner_response_hours_median = ResponseHoursOutput()
    open_concerns = OpenConcernsOutput()
    days_since_dialogue = DaysSinceDialogueOutput()
    placements = PlacementsOutput()
    pulse_trend = PulseTrendOutput()


class ChainOutput(serializers.Serializer[object]):
    verifies = serializers.BooleanField(source="ok")
    entries_checked = serializers.IntegerField()
    first_bad_sequence = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()


class RelationshipDetailOutput(RelationshipOutput):
    """The relationship, with its indicators and chain report as the view found them (context)."""

    indicators = serializers.SerializerMethodField(help_text="As the log stands, with the time they are as of.")
    chain = serializers.SerializerMethodField(help_text="Whether the log's hash chain verifies now.")

    @extend_schema_field(IndicatorsOutput)
    def get_indicators(self, relationship: Relationship) -> dict[str, Any]:
        return IndicatorsOutput(self.context["indicators"]).data

    @extend_schema_field(ChainOutput)
    def get_chain(self, relationship: Relationship) -> dict[str, Any]:
        return ChainOutput(self.context["chain"]).data


class EntryAuthorOrganisationOutput(serializers.Serializer[object]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EntryOutput(serializers.Serializer[object]):
    id = serializers.IntegerField()
    sequence = serializers.IntegerField()
    entry_type = serializers.CharField()
    author_organisation = EntryAuthorOrganisationOutput(allow_null=True)
    author = serializers.SerializerMethodField()
    body = serializers.CharField(help_text="Blank once the entry is redacted.")
    payload = serializers.DictField(help_text="Once redacted, only the structured details remain.")
    redaction = serializers.SerializerMethodField()
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)
    replies_to = serializers.IntegerField(source="replies_to_id", allow_null=True)
    created_at = serializers.DateTimeField()
    previous_hash = serializers.CharField()
    entry_hash = serializers.CharField()

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Null for the service's own entries."))
    def get_author(self, entry: Entry) -> str | None:
        return entry.author_user.get_full_name() if entry.author_user else None

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text="Redacted on <date> by <whom>, because <why>; null if not.")
    )
    def get_redaction(self, entry: Entry) -> str | None:
        return entry.content.redaction_note if entry.redacted else None


# --- Input -------------------------------------------------------------------------------


class EntryFilterInput(serializers.Serializer[object]):
    type = serializers.ChoiceField(
        choices=EntryType.choices,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": f'Unknown entry type "{{input}}": use one of {", ".join(EntryType.values)}.'},
    )


# The fields below narrow their queryset from the serializer's context; the queryset given when
# they are declared only tells the schema which model the ids are of.
class EntryOfThisRelationshipField(serializers.PrimaryKeyRelatedField[Entry]):
    default_error_messages = {"does_not_exist": "There is no entry {pk_value} in this relationship's log."}

    def get_queryset(self) -> QuerySet[Entry]:
        return selectors.entries_of(self.context["relationship"])


class SideOfThisRelationshipField(serializers.PrimaryKeyRelatedField[Organisation]):
    default_error_messages = {"does_not_exist": "You do not write for organisation {pk_value} in this relationship."}

    def get_queryset(self) -> QuerySet[Organisation]:
        return Organisation.objects.filter(pk__in=[side.pk for side in self.context["sides"]])


class EntryInput(serializers.Serializer[object]):
    """An entry to append. Its rules (payload shapes, right of reply...) are the service's."""

    entry_type = serializers.ChoiceField(
        choices=PERSON_ENTRY_TYPES,
        error_messages={
            "invalid_choice": f'"{{input}}" is not an entry a person writes: use one of '
            f"{', '.join(value for value, _label in PERSON_ENTRY_TYPES)}."
        },
    )
    # The form's limit: a longer body is answered 400 at once, before the screen reads it.
    body = serializers.CharField(allow_blank=True, max_length=BODY_MAX_LENGTH)
    payload = serializers.DictField(required=False, default=dict, help_text="The entry type's structured details.")
    corrects = EntryOfThisRelationshipField(queryset=Entry.objects.all(), required=False, allow_null=True)
    replies_to = EntryOfThisRelationshipField(queryset=Entry.objects.all(), required=False, allow_null=True)
    organisation = SideOfThisRelationshipField(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        help_text="The side you write for; needed only when you act for both.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("organisation") is None:
            sides: list[Organisation] = self.context["sides"]
            if len(sides) != 1:
                raise serializers.ValidationError(
                    {"organisation": ["You act for both sides of this relationship: say which one writes."]}
                )
            attrs["organisation"] = sides[0]
        return attrs


# --- Endpoints ---------------------------------------------------------------------------


def _relationships(request: Request) -> QuerySet[Relationship]:
    relationships = selectors.relationships_visible_to(request.user).annotate(
        entries_count=Count("entries"), last_entry_at=Max("entries__created_at")
    )
    return relationships.order_by(F("last_entry_at").desc(nulls_last=True), "pk")


def _relationship(request: Request, pk: int) -> Relationship:
    return get_object_or_404(selectors.relationships_visible_to(request.user), pk=pk)


def _figure(key: str, value: object, **details: object) -> dict[str, object]:
    return {"value": value, "definition": DEFINITIONS[key], **details}


def _indicators(relationship: Relationship) -> dict[str, object]:
    current = relationship_indicators_current(relationship=relationship)
    indicators = current.indicators
    return {
        "as_of": current.as_of,
        "computed_at": indicators.computed_at,
        "commitments_kept_share": _figure(
            "commitments_kept_share",
            indicators.commitments_kept_share,
            kept=indicators.commitments_kept,
            missed=indicators.commitments_missed,
            open=indicators.commitments_open,
        ),
        "provider_response_hours_median": _figure(
            "provider_response_hours_median",
            indicators.provider_response_hours_median,
            responses=indicators.provider_responses,
        ),
        "commissioner_response_hours_median": _figure(
            "commissioner_response_hours_median",
            indicators.commissioner_response_hours_median,
            responses=indicators.commissioner_responses,
        ),
        "open_concerns": _figure(
            "open_concerns", indicators.open_concerns, oldest_days=indicators.oldest_open_concern_days
        ),
        "days_since_dialogue": _figure("days_since_dialogue", indicators.days_since_dialogue),
        "placements": _figure("placements", indicators.placements_made, unplanned_endings=indicators.unplanned_endings),
        "pulse_trend": _figure("pulse_trend", indicators.pulse_trend),
    }


_NO_RELATIONSHIP = not_found("No relationship with this id that you act in.")


class RelationshipListApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="v1_relationships_list",
        parameters=[PAGE_PARAMETER],
        responses={200: paginated(RelationshipOutput), 403: NOT_SIGNED_IN, 404: BAD_PAGE},
        summary="Relationships of the organisations you act for",
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(_relationships(request), request, view=self)
        return paginator.get_paginated_response(RelationshipOutput(page, many=True, context={"request": request}).data)


class RelationshipDetailApi(APIView):
    @extend_schema(
        responses={200: RelationshipDetailOutput, 403: NOT_SIGNED_IN, 404: _NO_RELATIONSHIP},
        summary="One relationship, with its indicators and whether its log verifies",
    )
    def get(self, request: Request, pk: int) -> Response:
        relationship = get_object_or_404(_relationships(request), pk=pk)
        context = {
            "request": request,
            "indicators": _indicators(relationship),
            "chain": selectors.chain_verify(relationship),
        }
        return Response(RelationshipDetailOutput(relationship, context=context).data)


class RelationshipEntriesApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="v1_relationships_entries_list",
        parameters=[
            OpenApiParameter("type", str, enum=EntryType.values, description="Only entries of this type"),
            PAGE_PARAMETER,
        ],
        responses={
            200: paginated(EntryOutput),
            400: bad_request("The entry type is not one of the log's."),
            403: NOT_SIGNED_IN,
            404: not_found("No relationship with this id that you act in, or no such page."),
        },
        summary="A relationship's log, newest first",
    )
    def get(self, request: Request, pk: int) -> Response:
        relationship = _relationship(request, pk)
        filters = EntryFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        entries = selectors.timeline(relationship, entry_type=filters.validated_data.get("type"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(EntryOutput(page, many=True).data)

    @extend_schema(
        request=EntryInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: EntryOutput,
            400: OpenApiResponse(
                description="The entry was refused (the errors, by field), or the Idempotency-Key header is "
                "missing or malformed."
            ),
            403: NOT_SIGNED_IN,
            404: _NO_RELATIONSHIP,
            422: OpenApiResponse(description="The Idempotency-Key was already used for another request."),
        },
        summary="Append an entry to a relationship's log, for your side",
    )
    def post(self, request: Request, pk: int) -> Response:
        relationship = _relationship(request, pk)
        user = cast(User, request.user)  # IsAuthenticated has already refused anonymous requests
        context = {"relationship": relationship, "sides": selectors.sides_acting_for(user, relationship)}
        serializer = EntryInput(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)

        def add() -> Response:
            entry = _entry_add(relationship, user, serializer.validated_data)
            return Response(EntryOutput(entry).data, status=201)

        return api_post_once(request, add)


def _entry_add(relationship: Relationship, user: User, data: dict[str, Any]) -> Entry:
    try:
        return trust_entry_add(
            relationship=relationship,
            entry_type=EntryType(data["entry_type"]),
            author_organisation=data["organisation"],
            author_user=user,
            body=data["body"],
            payload=data["payload"],
            corrects=data.get("corrects"),
            replies_to=data.get("replies_to"),
        )
    except DjangoValidationError as error:
        raise serializers.ValidationError(serializers.as_serializer_error(error)) from error


# Included into config.urls' api_v1 list (names become "api:<name>").
api_urlpatterns: list[URLPattern] = [
    path("relationships/", RelationshipListApi.as_view(), name="relationships"),
    path("relationships/<int:pk>/", RelationshipDetailApi.as_view(), name="relationship"),
    path("relationships/<int:pk>/entries/", RelationshipEntriesApi.as_view(), name="relationship_entries"),
]
