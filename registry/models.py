"""The registry's own data: Ofsted's official totals, beside the figures drawn from registers.

Homes, their observations and the import runs stay in `providers` (ADR 21).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OfficialTotal(models.Model):
    """Ofsted's own count of children's homes and places at one date, as one source gives it.

    Read from the time-series sheet of an ODS/XLSX release, or from the curated
    registry/data/ofsted/official_totals.csv. A register file may list fewer homes than this
    (the 2023 file lists the inspected homes only), so pages show both and say which is which.
    `homes` counts Ofsted's "children's homes" (not secure children's homes or residential
    special schools), the same rows as a register's "Children's home" count.
    """

    as_of = models.DateField(help_text="The date the figures describe (31 March of a year).")
    homes = models.PositiveIntegerField(help_text="Children's homes, as Ofsted counts them.")
    places = models.PositiveIntegerField(null=True, blank=True, help_text="Their places; blank when not given.")
    source = models.CharField(max_length=255, help_text="Where the figures come from, in words.")
    # The date of the release the figures were read from, when known: a later release may
    # restate an earlier year, and the newest statement wins.
    source_date = models.DateField(null=True, blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["as_of", "-source_date"]
        constraints = [
            models.UniqueConstraint(fields=["as_of", "source"], name="official_total_one_per_source_and_date"),
        ]

    def __str__(self) -> str:
        return f"{self.homes} children's homes at {self.as_of} ({self.source})"
