"""The public owner pages: what an ultimate owner controls, and who controls it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from config.pagination import page_of
from ownership import pages, words
from ownership import selectors as ownership_selectors
from ownership.models import OwnerType


@login_not_required
def owner(request: HttpRequest, pk: int) -> HttpResponse:
    entity = get_object_or_404(pages.owners(), pk=pk)
    resolutions = pages.resolutions_on(pages.today())
    summary, own_resolution = pages.owner_reading(entity, resolutions, pages.today())
    is_top = own_resolution.owner is not None and own_resolution.owner.pk == entity.pk
    example = pages.longest_chain_owned_by(entity, resolutions) if is_top else None
    if example is not None:  # show how the owner reaches its homes, not just its own box
        diagram, height = pages.chain_diagram(example.chain[0].subject, example)
    else:
        diagram, height = pages.chain_diagram(entity, own_resolution)
    # A page of the homes at a time (a large group owns hundreds); the figures above the list
    # count every home. By URN then id, so each home is on exactly one page.
    homes = page_of(request, sorted(summary.homes, key=lambda home: (home.urn, home.pk)))
    context = {
        **homes,
        "summary": summary,
        "is_top": is_top,
        "example": example,
        "diagram": diagram,
        "diagram_height": height,
        "owner_type_labels": dict(OwnerType.choices),
        "controllers": own_resolution,
        "sources": pages.sources_of(own_resolution),
        "interests_held": words.interests_in_words(
            entity.interests_held.select_related("subject").order_by("subject__name")
        ),
        "interests_in_it": words.interests_in_words(
            entity.interests_held_in_it.select_related("interested_party").order_by("interested_party__name")
        ),
        # What the ownership shown is true on: the newest register's date, not today's.
        "register_on": ownership_selectors.latest_register_date(),
        "links_dated": words.chain_dates(example or own_resolution),
    }
    return render(request, "ownership/owner.html", context)
