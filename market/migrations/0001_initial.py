"""The market's models move here from the ownership app without touching the database: their
tables keep their names (db_table), this migration creates them in Django's state only, and
ownership's 0004 removes them from ownership's state (ADR 21). Their content types follow, so
permissions already given (market.add_recomputerun starts a run) and admin log entries keep
pointing at them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

MOVED = ["recomputerun", "marketsnapshot", "costsnapshot"]


def content_types_follow(apps, schema_editor):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label="market", model=model).exists():
            content_type.objects.filter(app_label="ownership", model=model).update(app_label="market")


def content_types_go_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label="ownership", model=model).exists():
            content_type.objects.filter(app_label="market", model=model).update(app_label="ownership")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("ownership", "0003_recomputerun_marketsnapshot_costsnapshot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RecomputeRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("running", "Running"),
                                    ("succeeded", "Succeeded"),
                                    ("failed", "Failed"),
                                    ("skipped", "Skipped (another run was going)"),
                                ],
                                default="running",
                                max_length=10,
                            ),
                        ),
                        (
                            "trigger",
                            models.CharField(
                                choices=[
                                    ("schedule", "Nightly schedule"),
                                    ("command", "Management command"),
                                    ("admin", "Administrator"),
                                    ("import", "After an import"),
                                ],
                                default="command",
                                max_length=10,
                            ),
                        ),
                        ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("rows_written", models.PositiveIntegerField(default=0)),
                        ("progress", models.CharField(blank=True, max_length=200)),
                        ("error", models.TextField(blank=True)),
                        ("is_current", models.BooleanField(default=False)),
                        ("inputs_digest", models.CharField(blank=True, max_length=64)),
                        ("content_digest", models.CharField(blank=True, max_length=64)),
                    ],
                    options={
                        "ordering": ["-started_at"],
                        "db_table": "ownership_recomputerun",
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("is_current", True)),
                                fields=("is_current",),
                                name="recompute_run_one_current",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("is_current", False), ("status", "succeeded"), _connector="OR"),
                                name="recompute_run_current_succeeded",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="MarketSnapshot",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("as_of", models.DateField()),
                        (
                            "geography_level",
                            models.CharField(
                                choices=[
                                    ("england", "England"),
                                    ("region", "Region"),
                                    ("local_authority", "Local authority"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "geography_code",
                            models.CharField(help_text="ONS code; E92000001 for England.", max_length=9),
                        ),
                        ("geography_name", models.CharField(max_length=100)),
                        ("basis", models.CharField(choices=[("homes", "Homes"), ("places", "Places")], max_length=6)),
                        (
                            "level",
                            models.CharField(
                                choices=[
                                    ("registered", "Registered owner (as Ofsted writes it)"),
                                    ("provider", "Provider organisation"),
                                    ("ultimate", "Ultimate owner"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "include_local_authority",
                            models.BooleanField(help_text="Whether councils' own homes count."),
                        ),
                        ("homes", models.PositiveIntegerField()),
                        ("units", models.PositiveIntegerField(help_text="Homes or places, by basis.")),
                        ("owners", models.PositiveIntegerField()),
                        (
                            "hhi",
                            models.FloatField(help_text="Herfindahl-Hirschman index, shares in percent (0-10,000)."),
                        ),
                        ("cr4", models.FloatField(help_text="Share of the four largest owners, percent.")),
                        ("cr10", models.FloatField(help_text="Share of the ten largest owners, percent.")),
                        ("figures", models.JSONField(default=dict)),
                        (
                            "run",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="market_snapshots",
                                to="market.recomputerun",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["as_of", "geography_level", "geography_code"],
                        "db_table": "ownership_marketsnapshot",
                        "indexes": [
                            models.Index(
                                fields=["run", "level", "basis", "include_local_authority", "geography_level", "as_of"],
                                name="market_snapshot_dashboard_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("run", "as_of", "geography_code", "basis", "level", "include_local_authority"),
                                name="market_snapshot_unique",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("hhi__gte", 0), ("hhi__lte", 10000)),
                                name="market_snapshot_hhi_range",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CostSnapshot",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "financial_year",
                            models.PositiveSmallIntegerField(
                                help_text="The year the financial year starts, e.g. 2024."
                            ),
                        ),
                        ("group_kind", models.CharField(max_length=12)),
                        ("group_value", models.CharField(max_length=100)),
                        ("placements", models.PositiveIntegerField()),
                        ("suppressed", models.BooleanField(default=False)),
                        (
                            "median_weekly_fee",
                            models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True),
                        ),
                        ("lower_quartile", models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True)),
                        ("upper_quartile", models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True)),
                        ("synthetic", models.BooleanField(default=True)),
                        ("figures", models.JSONField(blank=True, default=dict)),
                        (
                            "run",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="cost_snapshots",
                                to="market.recomputerun",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["financial_year", "group_kind", "group_value"],
                        "db_table": "ownership_costsnapshot",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("run", "financial_year", "group_kind", "group_value"),
                                name="cost_snapshot_unique",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
