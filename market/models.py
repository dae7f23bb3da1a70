"""The market's recomputed figures: one RecomputeRun at a time is current, and its
MarketSnapshot and CostSnapshot rows are all the dashboards read.

These models moved here from the ownership app (ADR 21); their tables keep their old names.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class RecomputeRun(models.Model):
    """One recomputation of every market and cost snapshot.

    Exactly one succeeded run is current; dashboards read its snapshots only, and a new run
    becomes current in one transaction, so nobody sees a half-written set.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another run was going)"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Nightly schedule"
        COMMAND = "command", "Management command"
        ADMIN = "admin", "Administrator"
        IMPORT = "import", "After an import"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.COMMAND)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    # Shown to administrators while the run goes: "3 of 7 dates", a percentage.
    progress = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    is_current = models.BooleanField(default=False)
    # A digest of the inputs and of the snapshot content, to show runs are idempotent.
    inputs_digest = models.CharField(max_length=64, blank=True)
    content_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "ownership_recomputerun"  # kept from before the move (ADR 21)
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="recompute_run_one_current"
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(status="succeeded"), name="recompute_run_current_succeeded"
            ),
        ]

    def __str__(self) -> str:
        return f"Recompute {self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class GeographyLevel(models.TextChoices):
    ENGLAND = "england", "England"
    REGION = "region", "Region"
    LOCAL_AUTHORITY = "local_authority", "Local authority"


class MarketBasis(models.TextChoices):
    HOMES = "homes", "Homes"
    PLACES = "places", "Places"


class OwnerLevel(models.TextChoices):
    REGISTERED = "registered", "Registered owner (as Ofsted writes it)"
    PROVIDER = "provider", "Provider organisation"
    ULTIMATE = "ultimate", "Ultimate owner"


ENGLAND_CODE = "E92000001"


class MarketSnapshot(models.Model):
    """Concentration figures of one market: a date x geography x basis x owner level, with or
    without local-authority homes.

    The headline figures are columns (dashboards rank areas by them); the rest are in
    `figures`:
      owners_for_25_percent, owners_for_50_percent: int
      owner_type_shares: {owner type: percent of units}
      size_bands: {"1" | "2-5" | "6-20" | "21+": {"owners": int, "units": int, "share": percent}}
      top_owners: [{"name", "owner_type", "entity_id" | None, "provider_organisation_id" | None,
                    "units", "share"}] (20 at most, largest first)
      change_since_previous, change_since_first: {"as_of", "edition_break", "units", "owners",
                    "hhi", "cr4", "cr10"} differences (None where not measured on both dates), or
                    None for the market's first date; edition_break: the two registers differ in
                    kind, so the change is not like with like
      counts_only_reason: why the date has counts only ("" when it has concentration figures)
      edition: {"has_owner_names", "has_places", "name"} of the date's register (name: what a
                    register listing only some homes lists, "" for a whole register)
      official_totals: {"homes", "places", "source", "source_date"}: Ofsted's own totals of
                    the date, on England's snapshots counting every home; None elsewhere or
                    when Ofsted gives none
    """

    COVERAGE_THRESHOLD = 90.0  # below this percent, pages say owner figures are not the market's

    run = models.ForeignKey(RecomputeRun, on_delete=models.CASCADE, related_name="market_snapshots")
    as_of = models.DateField()
    geography_level = models.CharField(max_length=16, choices=GeographyLevel.choices)
    geography_code = models.CharField(max_length=9, help_text="ONS code; E92000001 for England.")
    geography_name = models.CharField(max_length=100)
    basis = models.CharField(max_length=6, choices=MarketBasis.choices)
    level = models.CharField(max_length=10, choices=OwnerLevel.choices)
    include_local_authority = models.BooleanField(help_text="Whether councils' own homes count.")
    homes = models.PositiveIntegerField()
    units = models.PositiveIntegerField(help_text="Homes or places, by basis.")
    # Empty (null) on a date whose register names no owners: counts only (figures says why).
    owners = models.PositiveIntegerField(null=True, blank=True)
    hhi = models.FloatField(
        null=True, blank=True, help_text="Herfindahl-Hirschman index, shares in percent (0-10,000)."
    )
    cr4 = models.FloatField(null=True, blank=True, help_text="Share of the four largest owners, percent.")
    cr10 = models.FloatField(null=True, blank=True, help_text="Share of the ten largest owners, percent.")
    # Coverage: percent of the market's homes, and of its places, whose owner is known from
    # evidence no older than OWNERSHIP_LINKS_MAX_AGE_DAYS; null where the date has no places.
    coverage_homes = models.FloatField(null=True, blank=True, help_text="Homes whose owner is known, percent.")
    coverage_places = models.FloatField(null=True, blank=True, help_text="Places whose owner is known, percent.")
    # The oldest and newest date of the evidence (links, classifications) the owner types rest on.
    links_oldest = models.DateField(null=True, blank=True)
    links_newest = models.DateField(null=True, blank=True)
    figures = models.JSONField(default=dict)

    class Meta:
        db_table = "ownership_marketsnapshot"  # kept from before the move (ADR 21)
        ordering = ["as_of", "geography_level", "geography_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "as_of", "geography_code", "basis", "level", "include_local_authority"],
                name="market_snapshot_unique",
            ),
            models.CheckConstraint(condition=Q(hhi__gte=0, hhi__lte=10000), name="market_snapshot_hhi_range"),
        ]
        indexes = [
            # Dashboards: one run's snapshots of a level and basis, by area type and date.
            models.Index(
                fields=["run", "level", "basis", "include_local_authority", "geography_level", "as_of"],
                name="market_snapshot_dashboard_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.geography_name} {self.as_of} {self.basis} {self.level}"


class CostSnapshot(models.Model):
    """Weekly fees of placements starting in one financial year, for one group.

    group_kind: "all", "owner_type", "region", "sector" (local authority against independent).
    Counts under 5 are suppressed in public views (`suppressed`, figures left empty).
    """

    run = models.ForeignKey(RecomputeRun, on_delete=models.CASCADE, related_name="cost_snapshots")
    financial_year = models.PositiveSmallIntegerField(help_text="The year the financial year starts, e.g. 2024.")
    group_kind = models.CharField(max_length=12)
    group_value = models.CharField(max_length=100)
    placements = models.PositiveIntegerField()
    suppressed = models.BooleanField(default=False)
    median_weekly_fee = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    lower_quartile = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    upper_quartile = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # True while any placement counted is synthetic (the demo's), so pages say so.
    synthetic = models.BooleanField(default=True)
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "ownership_costsnapshot"  # kept from before the move (ADR 21)
        ordering = ["financial_year", "group_kind", "group_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "financial_year", "group_kind", "group_value"], name="cost_snapshot_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.financial_year} {self.group_kind}={self.group_value}"
