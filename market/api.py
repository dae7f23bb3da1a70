"""Public read API of the market: the snapshots as open data (issue 15, part 6).

`/api/v1/market/` gives one market's snapshot from the current recompute run with exactly
the figures `python manage.py market_summary --json` prints (the same two functions build
both), plus the dates that market can be asked for, so a caller can walk the years.
`/api/v1/market/costs/` gives the weekly fees by financial year and group with the costs
dashboard's suppression: a suppressed group publishes neither its fees nor its count.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.cache import cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import PAGE_PARAMETER, bad_request, not_found, paginated
from market.analytics import selectors
from market.analytics.costs import SUPPRESS_UNDER
from market.analytics.selectors import MarketOptions
from market.analytics.summary import MarketQuery, NoSnapshotError, market_snapshot_current, market_snapshot_summary
from market.dashboard_charts import financial_year, group_label
from market.models import ENGLAND_CODE, CostSnapshot, MarketBasis, OwnerLevel, RecomputeRun
from ownership.api import PublicApiView

MARKET_SOURCE = (
    "Ofsted's register of children's homes on as_of (the homes of the provision type \"Children's home\"), "
    "with each home's owners from Companies House and the service's ownership evidence, dated links_oldest to "
    "links_newest; computed by the recompute run `run` at computed_at. Method: /dashboards/method/."
)
COSTS_SOURCE = (
    "Weekly fees of the placements commissioners record in this service, by the financial year (April to "
    "March) the placement started; computed by the recompute run `run` at computed_at."
)
SUPPRESSION_REASON = (
    f"Fewer than {SUPPRESS_UNDER} placements, or hidden so that a smaller group's count cannot be worked out "
    "from the others: its count and fees are not published, to protect the children placed."
)
NO_RUN = "No market recompute has succeeded yet: there are no figures to give."

# --- Market ------------------------------------------------------------------------------------


def _choice_field(choices: list[str], name: str, default: str) -> serializers.ChoiceField:
    allowed = ", ".join(choices)
    return serializers.ChoiceField(
        choices=choices,
        default=default,
        error_messages={"invalid_choice": f'Unknown {name} "{{input}}": use one of {allowed}.'},
    )


class MarketQueryInput(serializers.Serializer[object]):
    as_of = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        error_messages={"invalid": "Not a date: give the register's date as YYYY-MM-DD, e.g. 2024-03-31."},
    )
    geography = serializers.RegexField(
        r"^[EWSNewsn][0-9]{8}$",
        default=ENGLAND_CODE,
        error_messages={
            "invalid": "Not an ONS code: give a letter and eight digits, e.g. E92000001 (England), "
            "E12000001 (a region) or E08000021 (a local authority)."
        },
    )
    level = _choice_field(list(OwnerLevel.values), "level", OwnerLevel.ULTIMATE)
    basis = _choice_field(list(MarketBasis.values), "basis", MarketBasis.PLACES)
    include_local_authority = serializers.BooleanField(
        default=True,
        error_messages={"invalid": "Give true or false: whether councils' own homes count."},
    )


def _parameters(request: Request, serializer: serializers.Serializer[Any], paging: bool = False) -> dict[str, Any]:
    """The validated parameters, or 400 naming every bad one. A misspelt parameter is refused
    too: ignored, it would silently give another market's figures."""
    errors = {} if serializer.is_valid() else dict(serializer.errors)
    known = {*serializer.fields, *(["page"] if paging else [])}
    allowed = ", ".join(sorted(known))
    errors.update({name: [f"Unknown parameter: use only {allowed}."] for name in set(request.query_params) - known})
    if errors:
        raise ValidationError(errors)
    return dict(serializer.validated_data)


def _given(request: Request) -> dict[str, str]:
    """The parameters given a value: `?as_of=&basis=` (a form's empty fields) asks for the defaults."""
    return {name: str(value) for name, value in request.query_params.items() if value != ""}


def _current_run() -> RecomputeRun:
    run = selectors.current_run()
    if run is None:
        raise NotFound(NO_RUN)
    return run


def _no_dates(query: dict[str, Any]) -> NotFound:
    return NotFound(
        f"No snapshot of {query['geography']} ({query['basis']}, {query['level']}, local-authority homes "
        f"{'in' if query['include_local_authority'] else 'out'}) on any date: an area with no homes, or a code "
        "that is not an area of England, has none."
    )


class SizeBandOutput(serializers.Serializer[object]):
    owners = serializers.IntegerField()
    units = serializers.IntegerField()
    share = serializers.FloatField(help_text="Percent of the market's units.")


class TopOwnerOutput(serializers.Serializer[object]):
    name = serializers.CharField()
    owner_type = serializers.CharField()
    entity_id = serializers.IntegerField(allow_null=True, help_text="The owner's id in /api/v1/owners/, if any.")
    provider_organisation_id = serializers.IntegerField(allow_null=True)
    units = serializers.IntegerField()
    share = serializers.FloatField(help_text="Percent of the market's units.")


class ChangeOutput(serializers.Serializer[object]):
    as_of = serializers.DateField(help_text="The earlier date.")
    edition_break = serializers.BooleanField(
        required=False, help_text="The two registers differ in kind: the change is not like with like."
    )
    units = serializers.IntegerField(allow_null=True)
    owners = serializers.IntegerField(allow_null=True)
    hhi = serializers.FloatField(allow_null=True)
    cr4 = serializers.FloatField(allow_null=True)
    cr10 = serializers.FloatField(allow_null=True, required=False)


class EditionOutput(serializers.Serializer[object]):
    has_owner_names = serializers.BooleanField()
    has_places = serializers.BooleanField()
    name = serializers.CharField(help_text='What a register of only some homes lists; "" for a whole register.')


class OfficialTotalsOutput(serializers.Serializer[object]):
    homes = serializers.IntegerField(allow_null=True)
    places = serializers.IntegerField(allow_null=True)
    source = serializers.CharField()  # type: ignore[assignment]
    source_date = serializers.DateField(allow_null=True)


class MarketOutput(serializers.Serializer[object]):
    """Documents the body; the figures themselves are market_snapshot_summary's, unchanged."""

    run = serializers.IntegerField(help_text="The recompute run the figures come from.")
    as_of = serializers.DateField(help_text="The register's date the figures describe.")
    geography_code = serializers.CharField()
    geography_name = serializers.CharField()
    geography_level = serializers.ChoiceField(choices=["england", "region", "local_authority"])
    basis = serializers.ChoiceField(choices=MarketBasis.values, help_text="Shares of places or of homes.")
    level = serializers.ChoiceField(choices=OwnerLevel.values, help_text="Whose shares: which owner level.")
    include_local_authority = serializers.BooleanField()
    homes = serializers.IntegerField()
    units = serializers.IntegerField(help_text="Homes or places, by basis.")
    owners = serializers.IntegerField(allow_null=True, help_text="Null where the register names no owners.")
    hhi = serializers.FloatField(allow_null=True, help_text="Herfindahl-Hirschman index, 0 to 10,000.")
    cr4 = serializers.FloatField(allow_null=True, help_text="Share of the four largest owners, percent.")
    cr10 = serializers.FloatField(allow_null=True, help_text="Share of the ten largest owners, percent.")
    coverage_homes = serializers.FloatField(allow_null=True, help_text="Homes whose owner is known, percent.")
    coverage_places = serializers.FloatField(allow_null=True, help_text="Places whose owner is known, percent.")
    links_oldest = serializers.DateField(allow_null=True, help_text="Oldest evidence the owners rest on.")
    links_newest = serializers.DateField(allow_null=True, help_text="Newest evidence the owners rest on.")
    owners_for_25_percent = serializers.IntegerField(allow_null=True, required=False)
    owners_for_50_percent = serializers.IntegerField(allow_null=True, required=False)
    owner_type_shares = serializers.DictField(
        child=serializers.FloatField(), required=False, help_text="Percent of units by owner type."
    )
    size_bands = serializers.DictField(
        child=SizeBandOutput(),
        required=False,
        help_text='Owners by how many units each has: "1", "2-5", "6-20" and "21+".',
    )
    top_owners = TopOwnerOutput(many=True, required=False, help_text="Up to 20 largest owners, largest first.")
    counts_only_reason = serializers.CharField(
        required=False, help_text='Why the date has counts only; "" when it has concentration figures.'
    )
    change_since_previous = ChangeOutput(allow_null=True, required=False, help_text="Null on the market's first date.")
    change_since_first = ChangeOutput(allow_null=True, required=False, help_text="Null on the market's first date.")
    edition = EditionOutput(required=False, help_text="The kind of register of the date.")
    official_totals = OfficialTotalsOutput(
        allow_null=True, required=False, help_text="Ofsted's own totals, on England's snapshots counting every home."
    )
    dates = serializers.ListField(
        child=serializers.DateField(), help_text="Every date this market can be asked for, oldest first."
    )
    computed_at = serializers.DateTimeField(allow_null=True, help_text="When the run finished.")
    source = serializers.CharField(help_text="Where the figures come from.")  # type: ignore[assignment]


_MARKET_PARAMETERS = [
    OpenApiParameter(
        "as_of", OpenApiTypes.DATE, description="The register's date, YYYY-MM-DD. Default: the latest in `dates`."
    ),
    OpenApiParameter(
        "geography",
        OpenApiTypes.STR,
        pattern=r"^[EWSN][0-9]{8}$",
        description="ONS code of England, a region or a local authority. Default: E92000001 (England).",
    ),
    OpenApiParameter("level", OpenApiTypes.STR, enum=OwnerLevel.values, description="Whose shares. Default: ultimate."),
    OpenApiParameter("basis", OpenApiTypes.STR, enum=MarketBasis.values, description="Default: places."),
    OpenApiParameter(
        "include_local_authority", OpenApiTypes.BOOL, description="Whether councils' own homes count. Default: true."
    ),
]


MARKET_NAMES = ("as_of", "geography", "level", "basis", "include_local_authority")
ANSWER_SECONDS = 24 * 60 * 60


class MarketApi(PublicApiView):
    @extend_schema(
        parameters=_MARKET_PARAMETERS,
        responses={
            200: MarketOutput,
            400: bad_request("A parameter is malformed or unknown: each is named, with what is allowed."),
            404: not_found("No recompute has run yet, or there is no snapshot of that market on that date."),
        },
        summary="One market's concentration figures on one date (as market_summary --json prints them)",
    )
    def get(self, request: Request) -> Response:
        query = _parameters(request, MarketQueryInput(data=_given(request)))
        query["geography"] = query["geography"].strip().upper()
        run = _current_run()
        # A run's figures never change, so each answer is kept until another run is current.
        key = "api-market:{}:{}".format(run.pk, ":".join(str(query.get(name)) for name in sorted(MARKET_NAMES)))
        kept = cache.get(key)
        if kept is None:
            kept = self._answer(run, query)
            cache.set(key, kept, timeout=ANSWER_SECONDS)
        return Response(kept)

    def _answer(self, run: RecomputeRun, query: dict[str, Any]) -> dict[str, Any]:
        options = MarketOptions(
            level=query["level"], basis=query["basis"], include_local_authority=query["include_local_authority"]
        )
        dates = selectors.area_dates(run, options, query["geography"])
        if not dates:
            raise _no_dates(query)
        as_of = query.get("as_of") or dates[-1]
        try:
            snapshot = market_snapshot_current(_market_query(query, as_of))
        except NoSnapshotError as error:
            raise NotFound(str(error)) from None
        summary = market_snapshot_summary(snapshot)
        # The snapshot's own run: a recompute may have become current since the dates were read.
        computed_at = snapshot.run.finished_at
        extra = {"dates": [day.isoformat() for day in dates], "computed_at": computed_at, "source": MARKET_SOURCE}
        return {**summary, **extra}


def _market_query(query: dict[str, Any], as_of: datetime.date) -> MarketQuery:
    return MarketQuery(
        as_of=as_of,
        geography_code=query["geography"],
        basis=query["basis"],
        level=query["level"],
        include_local_authority=query["include_local_authority"],
    )


# --- Costs -------------------------------------------------------------------------------------

GROUP_KINDS = ["all", "owner_type", "region", "sector"]


class CostQueryInput(serializers.Serializer[object]):
    financial_year = serializers.IntegerField(
        required=False,
        min_value=1900,
        max_value=2999,
        error_messages={
            "invalid": "Not a year: give the year the financial year starts, e.g. 2024 for 2024-25.",
            "min_value": "Give the year the financial year starts, from 1900, e.g. 2024 for 2024-25.",
            "max_value": "Give the year the financial year starts, up to 2999, e.g. 2024 for 2024-25.",
        },
    )
    group_kind = serializers.ChoiceField(
        choices=GROUP_KINDS,
        required=False,
        error_messages={"invalid_choice": f'Unknown group_kind "{{input}}": use one of {", ".join(GROUP_KINDS)}.'},
    )


class CostOutput(serializers.Serializer[object]):
    financial_year = serializers.IntegerField(help_text="The year the financial year starts (April), e.g. 2024.")
    financial_year_label = serializers.CharField(help_text='e.g. "2024-25".')
    group_kind = serializers.ChoiceField(choices=GROUP_KINDS)
    group_value = serializers.CharField(help_text="Owner type, region ONS code, sector, or all.")
    label = serializers.CharField()  # type: ignore[assignment]
    placements = serializers.IntegerField(allow_null=True, help_text="Null when suppressed.")
    suppressed = serializers.BooleanField()
    suppression_reason = serializers.CharField(allow_null=True, help_text="Why it is suppressed; null if not.")
    median_weekly_fee = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    lower_quartile = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    upper_quartile = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    synthetic = serializers.BooleanField(help_text="True: demonstration placements, not real ones. Do not quote.")


class CostPageOutput(paginated(CostOutput)):  # type: ignore[misc]
    run = serializers.IntegerField(help_text="The recompute run the figures come from.")
    computed_at = serializers.DateTimeField(allow_null=True, help_text="When the run finished.")
    source = serializers.CharField()
    suppress_under = serializers.IntegerField(help_text="Groups of fewer placements than this are suppressed.")


def _cost_row(snapshot: CostSnapshot) -> dict[str, Any]:
    hidden = snapshot.suppressed  # neither fees nor count, as on the costs dashboard
    return {
        "financial_year": snapshot.financial_year,
        "financial_year_label": financial_year(snapshot.financial_year),
        "group_kind": snapshot.group_kind,
        "group_value": snapshot.group_value,
        "label": snapshot.figures.get("label") or group_label(snapshot.group_kind, snapshot.group_value),
        "placements": None if hidden else snapshot.placements,
        "suppressed": hidden,
        "suppression_reason": SUPPRESSION_REASON if hidden else None,
        "median_weekly_fee": None if hidden else snapshot.median_weekly_fee,
        "lower_quartile": None if hidden else snapshot.lower_quartile,
        "upper_quartile": None if hidden else snapshot.upper_quartile,
        "synthetic": snapshot.synthetic,
    }


def _costs(run: RecomputeRun, query: dict[str, Any]) -> list[CostSnapshot]:
    """The run's cost snapshots asked for, by kind, group and year (as the costs page reads them)."""
    return [
        snapshot
        for snapshot in selectors.cost_snapshots(run)
        if query.get("financial_year") in (None, snapshot.financial_year)
        and query.get("group_kind") in (None, snapshot.group_kind)
    ]


class MarketCostsApi(PublicApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("financial_year", OpenApiTypes.INT, description="Only this financial year, e.g. 2024."),
            OpenApiParameter("group_kind", OpenApiTypes.STR, enum=GROUP_KINDS, description="Only this kind of group."),
            PAGE_PARAMETER,
        ],
        operation_id="v1_market_costs_list",
        responses={
            200: CostPageOutput,
            400: bad_request("A parameter is malformed or unknown: each is named, with what is allowed."),
            404: not_found("No recompute has run yet, or no such page."),
        },
        summary="Weekly fees of placements by financial year and group, small groups suppressed",
    )
    def get(self, request: Request) -> Response:
        query = _parameters(request, CostQueryInput(data=_given(request)), paging=True)
        run = _current_run()
        paginator = PageNumberPagination()
        costs = _costs(run, query)
        page: list[CostSnapshot] | None = paginator.paginate_queryset(costs, request, view=self)  # type: ignore[arg-type]
        body = paginator.get_paginated_response([_cost_row(snapshot) for snapshot in page or []]).data
        extra = {
            "run": run.pk,
            "computed_at": run.finished_at,
            "source": COSTS_SOURCE,
            "suppress_under": SUPPRESS_UNDER,
        }
        return Response(CostPageOutput({**body, **extra}).data)
