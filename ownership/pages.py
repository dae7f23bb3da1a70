"""Reads behind the public owner pages and API, and the ownership shown on the registry's
pages: cached resolutions, owner summaries, chains of control as diagrams.

The data is public (Ofsted's register, Companies House), so these reads are not scoped to a
user. Ultimate owners come from ownership.selectors and are cached per register and graph
state, because resolving every home takes most of a second.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from ownership import selectors as ownership_selectors
from ownership import words
from ownership.models import Entity, HomeOwnershipCorrection, Interest, OwnerTypeOverride
from providers.models import Home, HomeKind, ImportRun, ProviderOrganisation

Resolution = ownership_selectors.Resolution

GENERATION_KEY = "registry:generation"


def registry_changed() -> None:
    """Curators' edits in the admin (a share, a category, a home's provider) change no count or
    id: they call this so cached resolutions are not served after them."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)


def _graph_version() -> str:
    """Changes whenever an import finishes, the graph grows or shrinks, or a curator edits it.
    One round trip (every public registry request asks it). A sha256, not hash(), so every
    worker process computes the same key."""
    runs, entities, interests = ImportRun._meta.db_table, Entity._meta.db_table, Interest._meta.db_table
    overrides, providers = OwnerTypeOverride._meta.db_table, ProviderOrganisation._meta.db_table
    homes, corrections = Home._meta.db_table, HomeOwnershipCorrection._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT max(finished_at) FROM {runs}), (SELECT max(id) FROM {entities}),"  # noqa: S608 - table names only
            f" (SELECT max(id) FROM {interests}), (SELECT count(*) FROM {interests}),"
            f" (SELECT max(id) FROM {overrides}), (SELECT count(*) FROM {providers}),"
            f" (SELECT max(id) FROM {homes}), (SELECT max(id) FROM {corrections})"
        )
        parts = [cache.get(GENERATION_KEY, 0), *cursor.fetchone()]
    return hashlib.sha256(str(parts).encode()).hexdigest()


# This process's copy of the latest resolutions: a request reads them without unpickling every
# home's chain from the shared cache (most of the registry's time under load). One key only, so
# a process holds at most one copy; a new graph version or date replaces it.
_in_process: dict[str, dict[int, Resolution]] = {}


def registry_state(as_of: datetime.date) -> str:
    """A key that changes whenever what the public registry shows on `as_of` may change (an
    import, a change to the graph, a curator's edit), for caching what is built from it."""
    return f"{as_of.isoformat()}:{_graph_version()}"


def resolutions_on(as_of: datetime.date) -> dict[int, Resolution]:
    """Home id -> ultimate owner resolution for every home open on `as_of` (cached)."""
    key = f"registry:resolutions:{registry_state(as_of)}"
    resolved = _in_process.get(key)
    if resolved is not None:
        return resolved
    resolved = cache.get(key)
    if resolved is None:
        resolved = ownership_selectors.ultimate_owners(as_of)
        cache.set(key, resolved, timeout=60 * 60)
    _in_process.clear()
    _in_process[key] = resolved
    return resolved


def today() -> datetime.date:
    return timezone.localdate()


def open_homes() -> QuerySet[Home]:
    """Every open children's home, with what owner pages show of it. Owner pages and the owners
    API count shares over the market's homes, as the dashboards do (market.analytics.inputs):
    provision type "Children's home", not secure homes or residential special schools."""
    return Home.objects.select_related("local_authority", "local_authority__region", "provider_organisation").filter(
        closed_on__isnull=True, kind=HomeKind.CHILDRENS_HOME
    )


def owners() -> QuerySet[Entity]:
    """Every entity of the ownership graph (public data)."""
    return Entity.objects.all()


@dataclass
class Share:
    homes: int = 0
    places: int = 0
    homes_in_area: int = 0
    places_in_area: int = 0

    @property
    def share_of_places(self) -> float:
        return 100 * self.places / self.places_in_area if self.places_in_area else 0.0

    @property
    def share_of_homes(self) -> float:
        return 100 * self.homes / self.homes_in_area if self.homes_in_area else 0.0


@dataclass
class OwnerSummary:
    owner: Entity
    homes: list[Home]
    england: Share
    regions: dict[str, Share] = field(default_factory=dict)
    owner_type: str = ""
    owner_type_reason: str = ""


def owner_summary(owner: Entity, resolutions: dict[int, Resolution]) -> OwnerSummary:
    """The homes an owner ultimately controls, and its share of England and of each region."""
    homes = list(open_homes())
    owned_ids = {home_id for home_id, resolution in resolutions.items() if _is(resolution.owner, owner)}
    england = Share()
    regions: dict[str, Share] = defaultdict(Share)
    for home in homes:
        region = home.local_authority.region.name if home.local_authority else "Unknown"
        places = home.places or 0
        for share in (england, regions[region]):
            share.homes_in_area += 1
            share.places_in_area += places
            if home.pk in owned_ids:
                share.homes += 1
                share.places += places
    owned = [home for home in homes if home.pk in owned_ids]
    types = Counter(resolutions[home.pk].owner_type for home in owned)
    reasons = {resolutions[home.pk].owner_type: resolutions[home.pk].reason for home in owned}
    owner_type = types.most_common(1)[0][0] if types else ""
    return OwnerSummary(
        owner=owner,
        homes=owned,
        england=england,
        regions={name: share for name, share in sorted(regions.items()) if share.homes},
        owner_type=owner_type,
        owner_type_reason=reasons.get(owner_type, ""),
    )


def owner_reading(
    owner: Entity, resolutions: dict[int, Resolution], on: datetime.date
) -> tuple[OwnerSummary, Resolution]:
    """An owner's summary and its own resolution, read one way: an owner at the top of its own
    chain that ultimately owns homes has the owner type of those homes (its own walk stops at
    itself and may know less than its homes' chains do, e.g. a research classification of a
    subsidiary); an owner controlled by someone else has the type its controller gives it."""
    summary = owner_summary(owner, resolutions)
    own = ownership_selectors.ultimate_owner_of_entity(owner, on)
    if own.owner is not None and own.owner.pk == owner.pk and summary.owner_type:
        if own.owner_type != summary.owner_type:
            why = f" As the owner of its homes: {summary.owner_type_reason}" if summary.owner_type_reason else ""
            own = dataclasses.replace(own, owner_type=summary.owner_type, reason=own.reason + why)
    else:
        summary.owner_type, summary.owner_type_reason = own.owner_type, own.reason
    return summary, own


def longest_chain_owned_by(owner: Entity, resolutions: dict[int, Resolution]) -> Resolution | None:
    """Of the homes `owner` ultimately owns, the resolution with the longest chain of control
    (the best example of how it reaches its homes), or None when it controls no one."""
    chains = [r for r in resolutions.values() if _is(r.owner, owner) and r.chain]
    return max(chains, key=lambda resolution: len(resolution.chain), default=None)


def _is(candidate: Entity | None, owner: Entity) -> bool:
    return candidate is not None and candidate.pk == owner.pk


def owners_ranked(resolutions: dict[int, Resolution], limit: int | None = None) -> list[dict[str, Any]]:
    """Ultimate owners by places controlled in England."""
    places = {home.pk: home.places or 0 for home in open_homes()}
    totals: dict[int, dict[str, Any]] = {}
    for home_id, resolution in resolutions.items():
        if resolution.owner is None or home_id not in places:
            continue
        row = totals.setdefault(
            resolution.owner.pk,
            {"owner": resolution.owner, "owner_type": resolution.owner_type, "homes": 0, "places": 0},
        )
        row["homes"] += 1
        row["places"] += places[home_id]
    ranked = sorted(totals.values(), key=lambda row: (-row["places"], -row["homes"], row["owner"].name))
    return ranked[:limit] if limit else ranked


def sources_of(resolution: Resolution) -> list[str]:
    """The sources behind an ownership chain, in the order walked, named in plain words with
    their dates ("Companies House's register of people with significant control (snapshot of
    1 June 2025)"), never as the file they came in."""
    return [str(source) for source in words.sources_named(resolution)]


@dataclass(frozen=True)
class DiagramNode:
    name: str
    detail: str
    y: int
    link_pk: int | None
    edge_label: str  # the interest that links this node to the one above it


BOX_HEIGHT, BOX_GAP = 56, 44


def chain_diagram(start: Entity | None, resolution: Resolution) -> tuple[list[DiagramNode], int]:
    """Boxes (bottom-up order reversed for drawing top-down) for the ownership chain, and the
    drawing's height. The top box is the ultimate owner; arrows point to who controls whom."""
    if start is None:
        return [], 0
    entities = [start] + [interest.interested_party for interest in resolution.chain]
    labels = [""] + [_share_label(interest) for interest in resolution.chain]
    nodes = []
    for index, entity in enumerate(reversed(entities)):
        original = len(entities) - 1 - index
        nodes.append(
            DiagramNode(
                name=entity.name,
                detail=entity.get_category_display(),
                y=index * (BOX_HEIGHT + BOX_GAP),
                link_pk=entity.pk,
                edge_label=labels[original],  # how this entity controls the one drawn below it
            )
        )
    return nodes, len(nodes) * (BOX_HEIGHT + BOX_GAP) - BOX_GAP


def _share_label(interest: Interest) -> str:
    return words.share_in_words(interest)
