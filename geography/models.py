"""Regions and local authorities with children's services (upper tier, ONS codes)."""

from __future__ import annotations

from django.db import models


class Region(models.Model):
    """One of England's nine regions (ONS RGN codes E12000001-E12000009)."""

    ons_code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["ons_code"]

    def __str__(self) -> str:
        return self.name


class LocalAuthority(models.Model):
    """An upper-tier local authority responsible for children's services.

    Authorities that have since been reorganised are kept (is_current False) with their
    historic ONS code and their successors, so that trends by area stay honest.
    """

    ons_code = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="local_authorities")
    is_current = models.BooleanField(default=True)
    ended_on = models.DateField(null=True, blank=True)
    successors = models.ManyToManyField("self", symmetrical=False, related_name="predecessors", blank=True)
    # The mean position of the authority's postcodes (ONS Postcode Directory, British National
    # Grid metres), to place it on a map drawn without external tiles.
    easting = models.PositiveIntegerField(null=True, blank=True)
    northing = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_current=True, ended_on__isnull=True)
                | models.Q(is_current=False, ended_on__isnull=False),
                name="local_authority_ended_iff_not_current",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PostcodeDistrict(models.Model):
    """The outward part of a postcode ("LS6"), placed at the mean position of its postcodes
    (ONS Postcode Directory), so a referral can say where without an address."""

    code = models.CharField(max_length=4, unique=True)
    easting = models.PositiveIntegerField()
    northing = models.PositiveIntegerField()
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.SET_NULL, null=True, blank=True, related_name="postcode_districts",
        help_text="The authority holding most of the district's postcodes.",
    )  # fmt: skip

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
