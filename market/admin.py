"""The market's recompute runs and snapshots, read-only: written by the recompute service alone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from market.models import CostSnapshot, MarketSnapshot, RecomputeRun
from market.scheduling import market_recompute_schedule, recompute_progress

PROGRESS_TEMPLATE = "admin/market/recomputerun/_progress.html"


class _ReadOnly:
    """Written by the recompute service only: administrators look, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RecomputeRun)
class RecomputeRunAdmin(_ReadOnly, admin.ModelAdmin[RecomputeRun]):
    """Runs with their progress while they go; "Start a recompute now" sends one to the workers."""

    change_list_template = "admin/market/recomputerun/change_list.html"
    list_display = [
        "started_at",
        "status",
        "is_current",
        "trigger",
        "progress",
        "rows_written",
        "finished_at",
        "seconds",
    ]
    list_filter = ["status", "trigger", "is_current"]

    @admin.display(description="seconds")
    def seconds(self, run: RecomputeRun) -> str:
        if run.finished_at is None:
            return "-"
        return f"{(run.finished_at - run.started_at).total_seconds():.1f}"

    def get_urls(self) -> list[URLPattern]:
        start = path("start/", self.admin_site.admin_view(self.start_view), name="market_recomputerun_start")
        progress = path(
            "progress/", self.admin_site.admin_view(self.progress_view), name="market_recomputerun_progress"
        )
        return [start, progress, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "progress": recompute_progress()})

    def progress_view(self, request: HttpRequest) -> HttpResponse:
        """The progress panel alone, which the run list asks for every few seconds while a run
        is asked for or going (and stops asking once none is)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(request, PROGRESS_TEMPLATE, {"progress": recompute_progress()})

    def start_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        # Starting a run is "adding" one: the permission an administrator is given for it.
        if not request.user.has_perm("market.add_recomputerun"):
            raise PermissionDenied
        market_recompute_schedule(trigger=RecomputeRun.Trigger.ADMIN)
        # The page returns at once: a worker does the run, and this page follows it.
        self.message_user(
            request, "A recompute was sent to the workers. Its progress shows below as it goes.", messages.SUCCESS
        )
        return redirect("admin:market_recomputerun_changelist")


@admin.register(MarketSnapshot)
class MarketSnapshotAdmin(_ReadOnly, admin.ModelAdmin[MarketSnapshot]):
    list_display = [
        "as_of",
        "geography_name",
        "geography_level",
        "basis",
        "level",
        "include_local_authority",
        "homes",
        "units",
        "owners",
        "hhi",
        "cr4",
        "cr10",
        "coverage_homes",
        "coverage_places",
        "links_newest",
        "run",
    ]
    list_filter = ["run__is_current", "as_of", "geography_level", "basis", "level", "include_local_authority"]
    search_fields = ["geography_name", "geography_code"]
    list_select_related = ["run"]
    show_full_result_count = False


@admin.register(CostSnapshot)
class CostSnapshotAdmin(_ReadOnly, admin.ModelAdmin[CostSnapshot]):
    list_display = [
        "financial_year",
        "group_kind",
        "group_value",
        "placements",
        "suppressed",
        "median_weekly_fee",
        "lower_quartile",
        "upper_quartile",
        "synthetic",
        "run",
    ]
    list_filter = ["run__is_current", "financial_year", "group_kind", "suppressed", "synthetic"]
    list_select_related = ["run"]
