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

from django.db.models import Max, Q
from django.utils import timezone

from ownership import bods
from ownership.curated import CURATED_VINTAGE
from ownership.models import (
    UNKNOWN_OWNER_TYPES,
    Entity,
    EntityKind,
    HomeOwnershipCorrection,
    Interest,
    InterestType,
    OwnerCategory,
    OwnerType,
    OwnerTypeOverride,
)
from providers.models import Home, HomeObservation, ImportRun
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
    # The BODS unspecifiedReason when the chain ends at an owner who is not disclosed, else "".
    undisclosed_reason: str = ""

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
        self.register_dates: dict[int, datetime.date] = {}
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
        self.register_dates = dict(_registers_naming(HomeObservation.objects.all(), self.as_of))

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

    def register_date_of(self, entity: Entity) -> datetime.date | None:
        """The date of the latest register, on or before the graph's date, naming the entity's
        provider: when the register itself last said what kind of provider it is."""
        provider_id = entity.provider_organisation_id
        if provider_id is None:
            return None
        if not self.preloaded and provider_id not in self.register_dates:
            observations = HomeObservation.objects.filter(provider_organisation_id=provider_id)
            self.register_dates.update(_registers_naming(observations, self.as_of))
        return self.register_dates.get(provider_id)

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

    def undisclosed_party_of(self, entity_id: int, controllers: list[Interest]) -> Entity | None:
        """The undisclosed owner (a BODS unspecified party) of an entity no disclosed party controls."""
        if any(not interest.interested_party.unspecified_reason for interest in controllers):
            return None
        parties = [i.interested_party for i in self.interests_in(entity_id) if i.interested_party.unspecified_reason]
        return min(parties, key=lambda party: party.record_id) if parties else None


def _registers_naming(observations: Any, as_of: datetime.date) -> Iterable[tuple[int, datetime.date]]:
    """Provider organisation id -> the latest register date on or before `as_of` naming it."""
    return (
        observations.filter(as_of__lte=as_of, provider_organisation_id__isnull=False)
        .values("provider_organisation_id")
        .annotate(latest=Max("as_of"))
        .values_list("provider_organisation_id", "latest")
    )


@dataclass(frozen=True)
class _Walk:
    owner: Entity | None
    chain: tuple[Interest, ...]
    reason: str
    undisclosed: Entity | None = None  # the chain ends at an owner who is not disclosed


def _names(entities: Iterable[Entity]) -> str:
    return " and ".join(sorted({entity.name for entity in entities}))


def _walk(graph: _Graph, start: Entity) -> _Walk:
    chain: list[Interest] = []
    walked = {start.pk}
    current = start
    on = graph.as_of.isoformat()
    while True:
        controllers = graph.controllers_of(current.pk)
        if (undisclosed := graph.undisclosed_party_of(current.pk, controllers)) is not None:
            title = bods.unspecified_reason_title(undisclosed.unspecified_reason)
            reason = f"{current.name} has not disclosed its owner: {title}."
            return _Walk(current, tuple(chain), reason, undisclosed)
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


def _newest(*dates: datetime.date | None) -> datetime.date | None:
    known = [day for day in dates if day is not None]
    return max(known) if known else None


def _stated_on(interest: Interest) -> datetime.date | None:
    """When the source stated a link (its observed_on; else the date it says it started)."""
    return interest.observed_on or interest.start_date


@dataclass(frozen=True)
class _Decision:
    """An owner type, the sentence saying why, and the date of the evidence it rests on."""

    owner_type: str
    why: str
    evidence_on: datetime.date | None
    overridden: bool = False


@dataclass(frozen=True)
class _Facts:
    """What a classification may use: the graph, the walk and the dates of its links."""

    graph: _Graph
    start: Entity
    owner: Entity
    walked: list[Entity]
    chain_on: datetime.date | None  # the newest date among the links walked

    @property
    def has_chain(self) -> bool:
        return len(self.walked) > 1


def _public_or_voluntary(facts: _Facts) -> _Decision | None:
    for entity in (facts.owner, facts.start):
        if entity.category in PUBLIC_CATEGORIES:
            why = f"{entity.name} is a public body ({entity.get_category_display()})."
            return _Decision(OwnerType.LOCAL_AUTHORITY, why, _category_date(facts, entity))
    for entity in facts.walked:
        if entity.research_owner_type == OwnerType.LOCAL_AUTHORITY:
            why = f"research classifies {entity.name} as a local-authority-owned company."
            return _Decision(OwnerType.LOCAL_AUTHORITY, why, _newest(facts.chain_on, CURATED_VINTAGE))
    for entity in (facts.owner, facts.start):
        if entity.category == OwnerCategory.CHARITY:
            why = f"{entity.name} is a charity or voluntary organisation."
            return _Decision(OwnerType.VOLUNTARY, why, _category_date(facts, entity))
    return None


def _category_date(facts: _Facts, entity: Entity) -> datetime.date | None:
    """A provider's category comes from the register naming it (its sector); an owner's from
    the links that reached it."""
    if entity.pk == facts.start.pk:
        return _newest(facts.graph.register_date_of(entity), facts.chain_on if facts.has_chain else None)
    return facts.chain_on


def _investment(facts: _Facts) -> _Decision | None:
    for entity in facts.walked:
        if entity.category in INVESTMENT_CATEGORIES:
            why = f"{entity.name} ({entity.get_category_display()}) is in the control chain."
            return _Decision(OwnerType.PRIVATE_INVESTMENT, why, facts.chain_on)
    for entity in facts.walked:
        if entity.research_owner_type == OwnerType.PRIVATE_INVESTMENT:
            why = f"research classifies {entity.name} as investment owned."
            return _Decision(OwnerType.PRIVATE_INVESTMENT, why, _newest(facts.chain_on, CURATED_VINTAGE))
    return None


def _is_individual(entity: Entity) -> bool:
    return entity.kind == EntityKind.PERSON or entity.category == OwnerCategory.INDIVIDUAL


def _individual(facts: _Facts) -> _Decision | None:
    """Individual-owned needs evidence: a person at the top, research saying so, or holders
    of the top company who are all individuals."""
    if _is_individual(facts.owner):
        return _Decision(
            OwnerType.PRIVATE_INDIVIDUAL, f"the ultimate owner {facts.owner.name} is an individual.", facts.chain_on
        )
    for entity in facts.walked:
        if entity.research_owner_type == OwnerType.PRIVATE_INDIVIDUAL:
            why = f"research classifies {entity.name} as individual owned."
            return _Decision(OwnerType.PRIVATE_INDIVIDUAL, why, _newest(facts.chain_on, CURATED_VINTAGE))
    holders = facts.graph.interests_in(facts.owner.pk)
    if holders and all(_is_individual(interest.interested_party) for interest in holders):
        names = _names(interest.interested_party for interest in holders)
        why = f"every holder of an interest in {facts.owner.name} is an individual ({names})."
        return _Decision(OwnerType.PRIVATE_INDIVIDUAL, why, _newest(facts.chain_on, *(_stated_on(i) for i in holders)))
    return None


def _corporate_or_not_known(facts: _Facts) -> _Decision:
    owner = facts.owner
    if facts.has_chain:
        why = f"{owner.name} is a company at the top of a corporate chain."
        return _Decision(OwnerType.PRIVATE_CORPORATE, why, facts.chain_on)
    if owner.research_owner_type == OwnerType.PRIVATE_CORPORATE:
        why = f"research classifies {owner.name} as corporate owned."
        return _Decision(OwnerType.PRIVATE_CORPORATE, why, CURATED_VINTAGE)
    if owner.category == OwnerCategory.COMPANY:
        # For-profit is known (a private provider, a company); which kind of owner is not.
        why = f"no link, classification or correction says who owns the private company {owner.name}."
        return _Decision(OwnerType.PRIVATE_UNKNOWN, why, None)
    return _Decision(OwnerType.UNKNOWN, f"nothing is known about what kind of owner {owner.name} is.", None)


def _undisclosed(facts: _Facts, undisclosed: Entity | None) -> _Decision | None:
    """An owner the source declares undisclosed (BODS unspecified): opacity, not a type.
    `undisclosed` is the unspecified party the walk stopped at (the chain ends below it)."""
    party = undisclosed or (facts.owner if facts.owner.unspecified_reason else None)
    if party is None:
        return None
    known_private = facts.start.category == OwnerCategory.COMPANY
    return _Decision(
        OwnerType.PRIVATE_UNKNOWN if known_private else OwnerType.UNKNOWN,
        f"the owner at the top is not disclosed ({party.get_unspecified_reason_display().lower()}).",
        None,
    )


def _override_decision(graph: _Graph, start: Entity, owner: Entity | None) -> _Decision | None:
    # The provider's own override is the more specific decision, so it is read first.
    for entity in (start, owner):
        override = graph.override_of(entity) if entity is not None else None
        if entity is not None and override is not None:
            why = f"a curator set {entity.name} to {override.get_owner_type_display()}: {override.reason}"
            return _Decision(override.owner_type, why, timezone.localdate(override.decided_at), overridden=True)
    return None


def _classify(graph: _Graph, start: Entity, walk: _Walk) -> _Decision:
    """Owner type, the reason for it, the date of its evidence and whether a curator decided it."""
    decided = _override_decision(graph, start, walk.owner)
    if decided is not None:
        return decided
    if walk.owner is None:
        return _Decision(OwnerType.UNKNOWN, "the owner type is unknown because the chain has no top.", None)
    facts = _Facts(
        graph=graph,
        start=start,
        owner=walk.owner,
        walked=[start, *(interest.interested_party for interest in walk.chain)],
        chain_on=_newest(*(_stated_on(interest) for interest in walk.chain)),
    )
    return (
        _undisclosed(facts, walk.undisclosed)
        or _public_or_voluntary(facts)
        or _investment(facts)
        or _individual(facts)
        or _corporate_or_not_known(facts)
    )


def _resolve(graph: _Graph, entity: Entity) -> Resolution:
    walk = _walk(graph, entity)
    decided = _classify(graph, entity, walk)
    label = OwnerType(decided.owner_type).label
    return Resolution(
        owner=walk.owner,
        chain=walk.chain,
        owner_type=decided.owner_type,
        reason=f"{walk.reason} Owner type {label.lower()}: {decided.why}",
        overridden=decided.overridden,
        evidence_on=decided.evidence_on,
        undisclosed_reason=walk.undisclosed.unspecified_reason if walk.undisclosed is not None else "",
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


def _corrected(resolution: Resolution, correction: HomeOwnershipCorrection, provider: Entity | None) -> Resolution:
    """A home's resolution as the researcher's correction of it says: its owner type, and,
    where the company-database match was wrong, its registered provider as its own ultimate
    owner (the chain found for the wrongly matched company is not the home's)."""
    label = OwnerType(correction.owner_type).label.lower()
    said = f"The research corrects home {correction.urn} to {label}: {correction.reason}"
    said += f" ({correction.comment})." if correction.comment else "."
    owner: Entity | None
    chain: tuple[Interest, ...]
    if correction.wrong_company_match and provider is not None:
        reason = f"{said} The company match was wrong, so {provider.name} is its own ultimate owner."
        owner, chain = provider, ()
    else:
        reason, owner, chain = f"{resolution.reason} {said}", resolution.owner, resolution.chain
    return Resolution(
        owner=owner,
        chain=chain,
        owner_type=correction.owner_type,
        reason=reason,
        overridden=False,
        evidence_on=correction.observed_on or CURATED_VINTAGE,
    )


def corrections_by_urn(urns: Iterable[str] | None = None) -> dict[str, HomeOwnershipCorrection]:
    """The researcher's corrections of homes (all of them, or of these URNs), by URN."""
    corrections = HomeOwnershipCorrection.objects.all()
    if urns is not None:
        corrections = corrections.filter(urn__in=list(urns))
    return {correction.urn: correction for correction in corrections}


def ultimate_owner_of_home(home: Home, as_of: datetime.date) -> Resolution:
    """Who ultimately owns a home on `as_of`: the ultimate owner of its registered provider,
    as the researcher's correction of the home, if any, says."""
    entity = Entity.objects.filter(provider_organisation_id=home.provider_organisation_id).first()
    if home.provider_organisation_id is None or entity is None:
        return _home_without_entity(home)
    resolution = ultimate_owner_of_entity(entity, as_of)
    correction = corrections_by_urn([home.urn]).get(home.urn)
    return _corrected(resolution, correction, entity) if correction else resolution


def ultimate_owners(as_of: datetime.date) -> dict[int, Resolution]:
    """Home id -> Resolution for every home open on `as_of`, in a handful of queries."""
    homes = [
        (home.pk, home.urn, home.provider_organisation_id)
        for home in homes_open_on(as_of).only("pk", "urn", "provider_organisation_id")
    ]
    by_urn = ultimate_owners_of_homes(as_of, [(urn, provider_id) for _, urn, provider_id in homes])
    return {home_id: by_urn[urn] for home_id, urn, _ in homes}


def ultimate_owners_of_homes(as_of: datetime.date, homes: Iterable[tuple[str, int | None]]) -> dict[str, Resolution]:
    """URN -> Resolution on `as_of` of homes given as (URN, the provider organisation a
    register names for it), each provider resolved once, with the researcher's corrections
    of homes applied. A home whose provider has no entity is unknown, and says why."""
    homes = list(homes)
    graph = _Graph(as_of, preload=True)
    entity_of_provider = {
        entity.provider_organisation_id: entity
        for entity in graph.entities.values()
        if entity.provider_organisation_id is not None
    }
    corrections = corrections_by_urn()
    by_provider: dict[int, Resolution] = {}
    resolved: dict[str, Resolution] = {}
    for urn, provider_id in homes:
        entity = entity_of_provider.get(provider_id or 0)
        if entity is None:
            resolved[urn] = _home_without_entity(Home(urn=urn, provider_organisation_id=provider_id))
            continue
        if provider_id not in by_provider:
            by_provider[provider_id] = _resolve(graph, entity)  # type: ignore[index]
        correction = corrections.get(urn)
        resolution = by_provider[provider_id]  # type: ignore[index]
        resolved[urn] = _corrected(resolution, correction, entity) if correction else resolution
    return resolved


def corrected_resolutions(as_of: datetime.date, homes: Iterable[tuple[str, int | None]]) -> dict[str, Resolution]:
    """URN -> resolution on `as_of` of those of these homes (URN, the provider a register names
    for it) that the researcher corrected; the market applies them over its provider-level
    resolutions. Reads only the corrected homes' providers."""
    wanted = dict(homes)
    corrections = corrections_by_urn(wanted)
    providers = {wanted[urn] for urn in corrections if wanted[urn] is not None}
    entities = {
        entity.provider_organisation_id: entity
        for entity in Entity.objects.filter(provider_organisation_id__in=providers)
    }
    graph = _Graph(as_of, preload=False)
    resolved: dict[str, Resolution] = {}
    for urn, correction in corrections.items():
        entity = entities.get(wanted[urn])
        if entity is not None:
            resolved[urn] = _corrected(_resolve(graph, entity), correction, entity)
    return resolved


def ultimate_owners_of_providers(
    as_of: datetime.date, provider_organisation_ids: Iterable[int]
) -> dict[int, Resolution]:
    """Provider organisation id -> Resolution of its entity on `as_of`, in a handful of queries.

    For registers of past dates: a home's owner then is the ultimate owner of the provider
    that register names, which may not be the home's provider today. Providers without an
    entity in the graph are left out. Corrections of single homes are not applied here (see
    ultimate_owners_of_homes).
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


def latest_register_date() -> datetime.date | None:
    """The date of the newest Ofsted register imported: what "today's" ownership is true on."""
    return ImportRun.objects.filter(kind=ImportRun.Kind.OFSTED, status=ImportRun.Status.SUCCEEDED).aggregate(
        day=Max("as_of")
    )["day"]
