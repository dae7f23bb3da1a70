"""Placements of children in homes, by local authorities.

A Placement holds no child's name, date of birth, address or case number: only the placing
authority, the home, the dates and the weekly fee (split as the National Placement Standard
does). Referrals and offers, which lead to placements, come with the placement journey.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def _money() -> models.DecimalField[Decimal, Decimal]:
    """A weekly amount in pounds, pence-precise."""
    return models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))


class Placement(models.Model):
    local_authority = models.ForeignKey(
        "geography.LocalAuthority",
        on_delete=models.PROTECT,
        related_name="placements",
        help_text="The placing authority.",
    )
    home = models.ForeignKey("providers.Home", on_delete=models.PROTECT, related_name="placements")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    ended_as_planned = models.BooleanField(null=True, blank=True)
    weekly_fee_core = _money()
    weekly_fee_additional_support = _money()
    weekly_fee_education = _money()
    weekly_fee_other = _money()
    # Demo placements are synthetic (calibrated to published prices) and always labelled so.
    is_synthetic = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="placement_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekly_fee_core__gte=0)
                & Q(weekly_fee_additional_support__gte=0)
                & Q(weekly_fee_education__gte=0)
                & Q(weekly_fee_other__gte=0),
                name="placement_fees_not_negative",
            ),
        ]
        indexes = [
            # Cost analytics read placements by start date.
            models.Index(fields=["start_date"], name="placement_start_idx"),
        ]

    def __str__(self) -> str:
        return f"Placement in {self.home.urn} from {self.start_date}"

    @property
    def weekly_fee(self) -> Decimal:
        return (
            self.weekly_fee_core
            + self.weekly_fee_additional_support
            + self.weekly_fee_education
            + self.weekly_fee_other
        )
