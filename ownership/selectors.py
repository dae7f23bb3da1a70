"""Every read of the ownership graph: ultimate owners of homes as of a date, and the graph
as a whole for export.

Ultimate-owner resolution follows *control* upward from an entity, one controller at a time,
among the interests current on the date (see docs/adr/0006-ultimate-owner-resolution.md):

- an interest of a share-bearing type (shareholding, voting rights, rights to surplus assets)
  controls when its share is a majority: exact > 50, or minimum > 50, or minimum 50 exclusive;
- an `otherInfluenceOrControl` interest with beneficial ownership or control and no share is
  a control link (the curated holding company -> global ultimate owner links are recorded so);
  an indirect one names the *ultimate* controller and so is preferred to a direct majority
  shareholder, whose own chain is often unknown;
- the walk stops at an entity with no controller, at two different controllers with equal
  claims (joint control), or when it comes back to an entity already walked (a cycle).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ownership import bods
from ownership.models import (
    UNKNOWN_OWNER_TYPES,
    Entity,
    EntityKind,
    Interest,
    InterestType,
    OwnerCategory,
    OwnerType,
    OwnerTypeOverride,
)
from providers.models import Home
from providers.selectors import homes_open_on

MAJORITY = Decimal(50)
SHARE_CONTROL_TYPES = frozenset(
    {InterestType.SHAREHOLDING, InterestType.VOTING_RIGHTS, InterestType.RIGHTS_TO_SURPLUS_ASSETS}
)
PUBLIC_CATEGORIES = frozenset({OwnerCategory.LOCAL_AUTHORITY, OwnerCategory.HEALTH_BODY})
INVESTMENT_CATEGORIES = frozenset({OwnerCategory.INVESTMENT_FIRM, OwnerCategory.PRIVATE_EQUITY_FIRM})

# Ranks of a controlling interest: lower is followed first.
_RANK_ULTIMATE_CONTROL_LINK = 0
_RANK_MAJORITY_SHARE = 1
_RANK_OTHER_CONTROL_LINK = 2


@dataclass(frozen=True)
class Resolution:
    owner: Entity | None  # the ultimate owner (the provider's own entity when nobody controls it)
    chain: tuple[Interest, ...]  # the controlling interests walked, bottom-up
    owner_type: str  # an OwnerType value
    reason: str  # a sentence: why this owner / why unknown / "cycle detected at X"
    overridden: bool  # owner_type came from an OwnerTypeOverride
    # The newest date among the links, classifications and decisions the owner type rests on
    # (a register's own date when the register decided it); None when nothing established it.
    evidence_on: datetime.date | None = None

    @property
    def is_known(self) -> bool:
        """Whether evidence established the owner type (not unknown, not "private, not known")."""
        return self.owner_type not in UNKNOWN_OWNER_TYPES


def interests_current_on(as_of: datetime.date) -> Q:
    """Interests in force on `as_of`: started on or before it, not yet ended."""
    return (Q(start_date__isnull=True) | Q(start_date__lte=as_of)) & (Q(end_date__isnull=True) | Q(end_date__gt=as_of))


def is_majority(interest: Interest) -> bool:
    """Whether the interest's share is more than half."""
    if interest.share_exact is not None:
        return interest.share_exact > MAJORITY
    if interest.share_minimum is not None:
        return interest.share_minimum > MAJORITY or (
            interest.share_minimum == MAJORITY and interest.share_exclusive_minimum
        )
    return False


def _has_no_share(interest: Interest) -> bool:
    return interest.share_exact is None and interest.share_minimum is None and interest.share_maximum is None


def control_rank(interest: Interest) -> int | None:
    """How strongly an interest confers control (lower is stronger), or None if it does not."""
    if interest.interest_type in SHARE_CONTROL_TYPES and is_majority(interest):
        return _RANK_MAJORITY_SHARE
    if (
        interest.interest_type == InterestType.OTHER_INFLUENCE_OR_CONTROL
        and interest.beneficial_ownership_or_control is True
        and _has_no_share(interest)
    ):
        return _RANK_ULTIMATE_CONTROL_LINK if interest.direct is False else _RANK_OTHER_CONTROL_LINK
    return None


def _share_floor(interest: Interest) -> Decimal:
    return interest.share_exact if interest.share_exact is not None else interest.share_minimum or Decimal(0)


class _Graph:
    """The graph as of a date: preloaded whole (for every home) or read lazily (for one entity)."""

    def __init__(self, as_of: datetime.date, *, preload: bool) -> None:
        self.as_of = as_of
        self.preloaded = preload
        self.entities: dict[int, Entity] = {}
        self.interests_by_subject: dict[int, list[Interest]] = defaultdict(list)
        self.overrides: dict[int, OwnerTypeOverride] = {}
        self._controllers: dict[int, list[Interest]] = {}
        if preload:
            self._preload()

    def _preload(self) -> None:
        self.entities = {entity.pk: entity for entity in Entity.objects.all()}
        for interest in Interest.objects.filter(interests_current_on(self.as_of)).order_by("record_id"):
            interest.subject = self.entities[interest.subject_id]
            interest.interested_party = self.entities[interest.interested_party_id]
            self.interests_by_subject[interest.subject_id].append(interest)
        latest = OwnerTypeOverride.objects.order_by("entity_id", "-decided_at", "-pk").distinct("entity_id")
        self.overrides = {override.entity_id: override for override in latest}

    def interests_in(self, entity_id: int) -> list[Interest]:
        if self.preloaded or entity_id in self.interests_by_subject:
            return self.interests_by_subject.get(entity_id, [])
        found = list(
            Interest.objects.filter(interests_current_on(self.as_of), subject_id=entity_id)
            .select_related("subject", "interested_party")
            .order_by("record_id")
        )
        self.interests_by_subject[entity_id] = found
        return found

    def override_of(self, entity: Entity) -> OwnerTypeOverride | None:
        if self.preloaded:
            return self.overrides.get(entity.pk)
        return OwnerTypeOverride.objects.filter(entity=entity).order_by("-decided_at", "-pk").first()

    def controllers_of(self, entity_id: int) -> list[Interest]:
        """The strongest controlling interests in an entity (several when parties tie)."""
        if entity_id not in self._controllers:
            ranked = [
                (rank, interest)
                for interest in self.interests_in(entity_id)
                if (rank := control_rank(interest)) is not None
            ]
            if not ranked:
                self._controllers[entity_id] = []
            else:
                best = min((rank, -_share_floor(interest)) for rank, interest in ranked)
                self._controllers[entity_id] = [
                    interest for rank, interest in ranked if (rank, -_share_floor(interest)) == best
                ]
        return self._controllers[entity_id]


@dataclass(frozen=True)
class _Walk:
    owner: Entity | None
    chain: tuple[Interest, ...]
    reason: str


def _names(entities: Iterable[Entity]) -> str:
    return " and ".join(sorted({entity.name for entity in entities}))


def _walk(graph: _Graph, start: Entity) -> _Walk:
    chain: list[Interest] = []
    walked = {start.pk}
    current = start
    on = graph.as_of.isoformat()
    while True:
        controllers = graph.controllers_of(current.pk)
        parties = {interest.interested_party_id for interest in controllers}
        if not controllers:
            return _Walk(current, tuple(chain), _stop_reason(start, current, len(chain), on))
        if len(parties) > 1:
            joint = _names(interest.interested_party for interest in controllers)
            reason = f"{current.name} has no single controller on {on} ({joint} hold equal claims), so the chain stops."
            return _Walk(current, tuple(chain), reason)
        step = controllers[0]
        if step.interested_party_id in walked:
            reason = (
                f"Cycle detected at {step.interested_party.name}: control loops back to an entity already in the "
                f"chain, so no ultimate owner can be named."
            )
            return _Walk(None, tuple(chain), reason)
        chain.append(step)
        walked.add(step.interested_party_id)
        current = step.interested_party


def _stop_reason(start: Entity, owner: Entity, links: int, on: str) -> str:
    if links == 0:
        return f"Nobody holds majority control of {start.name} on {on}, so it is its own ultimate owner."
    plural = "link" if links == 1 else "links"
    return (
        f"{owner.name} controls {start.name} through {links} {plural} of control; nobody controls {owner.name} on {on}."
    )


def _public_or_voluntary(owner: Entity, start: Entity, walked: list[Entity]) -> tuple[str, str] | None:
    for entity in (owner, start):
        if entity.category in PUBLIC_CATEGORIES:
            return OwnerType.LOCAL_AUTHORITY, f"{entity.name} is a public body ({entity.get_category_display()})."
    for entity in walked:
        if entity.research_owner_type == OwnerType.LOCAL_AUTHORITY:
            return OwnerType.LOCAL_AUTHORITY, f"research classifies {entity.name} as a local-authority-owned company."
    for entity in (owner, start):
        if entity.category == OwnerCategory.CHARITY:
            return OwnerType.VOLUNTARY, f"{entity.name} is a charity or voluntary organisation."
    return None


def _investment(walked: list[Entity]) -> tuple[str, str] | None:
    for entity in walked:
        if entity.category in INVESTMENT_CATEGORIES:
            return (
                OwnerType.PRIVATE_INVESTMENT,
                f"{entity.name} ({entity.get_category_display()}) is in the control chain.",
            )
    for entity in walked:
        if entity.research_owner_type == OwnerType.PRIVATE_INVESTMENT:
            return OwnerType.PRIVATE_INVESTMENT, f"research classifies {entity.name} as investment owned."
    return None


def _individual_or_corporate(owner: Entity, walked: list[Entity], has_chain: bool) -> tuple[str, str]:
    if owner.kind == EntityKind.PERSON or owner.category == OwnerCategory.INDIVIDUAL:
        return OwnerType.PRIVATE_INDIVIDUAL, f"the ultimate owner {owner.name} is an individual."
    for entity in walked:
        if entity.research_owner_type == OwnerType.PRIVATE_INDIVIDUAL:
            return OwnerType.PRIVATE_INDIVIDUAL, f"research classifies {entity.name} as individual owned."
    if has_chain:
        return OwnerType.PRIVATE_CORPORATE, f"{owner.name} is a company at the top of a corporate chain."
    if owner.research_owner_type == OwnerType.PRIVATE_CORPORATE:
        return OwnerType.PRIVATE_CORPORATE, f"research classifies {owner.name} as corporate owned."
    if owner.category == OwnerCategory.COMPANY:
        return OwnerType.PRIVATE_INDIVIDUAL, f"{owner.name} is a private company with no corporate controller."
    return OwnerType.UNKNOWN, f"nothing is known about what kind of owner {owner.name} is."


def _classify(graph: _Graph, start: Entity, walk: _Walk) -> tuple[str, str, bool]:
    """Owner type, the reason for it, and whether a curator's override decided it."""
    # The provider's own override is the more specific decision, so it is read first.
    for entity in (start, walk.owner):
        override = graph.override_of(entity) if entity is not None else None
        if entity is not None and override is not None:
            why = f"a curator set {entity.name} to {override.get_owner_type_display()}: {override.reason}"
            return override.owner_type, why, True
    if walk.owner is None:
        return OwnerType.UNKNOWN, "the owner type is unknown because the chain has no top.", False
    walked = [start, *(interest.interested_party for interest in walk.chain)]
    decided = _public_or_voluntary(walk.owner, start, walked) or _investment(walked)
    if decided is None:
        decided = _individual_or_corporate(walk.owner, walked, bool(walk.chain))
    return decided[0], decided[1], False


def _resolve(graph: _Graph, entity: Entity) -> Resolution:
    walk = _walk(graph, entity)
    owner_type, why, overridden = _classify(graph, entity, walk)
    label = OwnerType(owner_type).label
    return Resolution(
        owner=walk.owner,
        chain=walk.chain,
        owner_type=owner_type,
        reason=f"{walk.reason} Owner type {label.lower()}: {why}",
        overridden=overridden,
    )


def _unknown(reason: str) -> Resolution:
    return Resolution(owner=None, chain=(), owner_type=OwnerType.UNKNOWN, reason=reason, overridden=False)


def ultimate_owner_of_entity(entity: Entity, as_of: datetime.date) -> Resolution:
    """Who ultimately controls `entity` on `as_of`, and what type of owner that is."""
    return _resolve(_Graph(as_of, preload=False), entity)


def _home_without_entity(home: Home) -> Resolution:
    if home.provider_organisation_id is None:
        return _unknown(f"Children's home {home.urn} has no registered provider, so its ownership chain is unknown.")
    return _unknown(
        f"The provider of children's home {home.urn} has no entity in the ownership graph, so its ownership "
        f"chain is unknown."
    )


def ultimate_owner_of_home(home: Home, as_of: datetime.date) -> Resolution:
    """Who ultimately owns a home on `as_of`: the ultimate owner of its registered provider."""
    entity = Entity.objects.filter(provider_organisation_id=home.provider_organisation_id).first()
    if home.provider_organisation_id is None or entity is None:
        return _home_without_entity(home)
    return ultimate_owner_of_entity(entity, as_of)


def ultimate_owners(as_of: datetime.date) -> dict[int, Resolution]:
    """Home id -> Resolution for every home open on `as_of`, in a handful of queries."""
    graph = _Graph(as_of, preload=True)
    entity_of_provider = {
        entity.provider_organisation_id: entity
        for entity in graph.entities.values()
        if entity.provider_organisation_id is not None
    }
    by_entity: dict[int, Resolution] = {}
    resolved: dict[int, Resolution] = {}
    for home in homes_open_on(as_of).only("pk", "urn", "provider_organisation_id"):
        entity = entity_of_provider.get(home.provider_organisation_id or 0)
        if entity is None:
            resolved[home.pk] = _home_without_entity(home)
            continue
        if entity.pk not in by_entity:
            by_entity[entity.pk] = _resolve(graph, entity)
        resolved[home.pk] = by_entity[entity.pk]
    return resolved


def ultimate_owners_of_providers(
    as_of: datetime.date, provider_organisation_ids: Iterable[int]
) -> dict[int, Resolution]:
    """Provider organisation id -> Resolution of its entity on `as_of`, in a handful of queries.

    For registers of past dates: a home's owner then is the ultimate owner of the provider
    that register names, which may not be the home's provider today. Providers without an
    entity in the graph are left out.
    """
    wanted = set(provider_organisation_ids)
    graph = _Graph(as_of, preload=True)
    return {
        entity.provider_organisation_id: _resolve(graph, entity)
        for entity in graph.entities.values()
        if entity.provider_organisation_id in wanted
    }


def graph_for_export() -> tuple[list[Entity], list[Interest]]:
    """Every entity and interest, in a stable order, for a BODS export."""
    entities = list(Entity.objects.order_by("record_id"))
    by_pk = {entity.pk: entity for entity in entities}
    interests = list(Interest.objects.order_by("record_id"))
    for interest in interests:
        interest.subject = by_pk[interest.subject_id]
        interest.interested_party = by_pk[interest.interested_party_id]
    return entities, interests


def bods_statements_export(publication_date: datetime.date | None = None) -> list[dict[str, Any]]:
    """The whole graph as BODS 0.4 statements, validated against the schema; raises
    BodsExportInvalid rather than return anything invalid."""
    entities, interests = graph_for_export()
    statements = bods.statements_build(entities, interests, publication_date or timezone.localdate())
    problems = bods.statements_problems(statements)
    if problems:
        raise bods.BodsExportInvalid(f"{len(problems)} schema errors, first: {problems[0]}")
    return statements
