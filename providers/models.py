"""Provider organisations and federations as the service knows them.

The Ofsted registry (homes by URN, registration details, owners' spellings) fills these in
later; here is what sign-in and permissions need: the link between a registry record and
the organisation whose people act for it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.models import Organisation


class ProviderOrganisation(models.Model):
    """A registered provider of children's homes (the owner as Ofsted names it, normalised)."""

    name = models.CharField(max_length=255)
    companies_house_number = models.CharField(max_length=8, blank=True)
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provider_organisation",
        limit_choices_to=Q(kind="provider"),
        help_text="The service organisation whose members act for this provider, once it has joined.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Federation(models.Model):
    """A group of (usually small) providers with one shared profile and a joint inbox."""

    name = models.CharField(max_length=255, unique=True)
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="federation",
        limit_choices_to=Q(kind="federation"),
    )
    members = models.ManyToManyField(ProviderOrganisation, related_name="federations", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
