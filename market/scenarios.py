"""The scenario planner's computation: moves applied to a base market, figures before and after.

Pure functions over plain data (market.analytics.scenario_inputs.BaseMarket); no database.
The figures are the recompute's (market.analytics.market): shares are percent of the market's
units (homes, or places); HHI the sum of squared percent shares; CR4 and CR10 the four and ten
largest owners' share; owners for 25% and 50% the fewest owners whose units reach a quarter
and a half. Owners of equal size are ordered by their key, as the recompute orders them.

Moves apply in one fixed order, whatever order they are given in (ADR 27):
openings, exits, purchases, framework reservations, then federations. A federation is a
grouping: it changes who counts as one owner, never whose the places are, so owner-type shares
never move with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from market.analytics.scenario_inputs import OWNER_TYPES, BaseMarket, BaseOwner
from market.models import MarketBasis
from ownership.models import OwnerType

LARGEST_OWNERS = 10  # framework reservations take from the ten largest owners
UNCONCENTRATED_BELOW = 1000.0  # the thresholds the method page reads HHI by
HIGHLY_CONCENTRATED_ABOVE = 1800.0
_LOCAL_AUTHORITY = OWNER_TYPES.index(OwnerType.LOCAL_AUTHORITY)


@dataclass(frozen=True)
class Opening:
    """A local authority opens homes or places of its own (local-authority owned)."""

    authority_code: str
    number: int
    unit: str  # MarketBasis: homes or places


@dataclass(frozen=True)
class Exit:
    owner: str  # an owner token


@dataclass(frozen=True)
class Purchase:
    owner: str
    buyer: str


@dataclass(frozen=True)
class Reservation:
    """Frameworks reserve `percent` of the market's units for small providers, taken from the
    ten largest owners that are neither small nor councils (whose own homes are not bought
    through frameworks), in proportion to their units, and shared among the small providers in
    proportion to theirs."""

    percent: int


@dataclass(frozen=True)
class Federation:
    members: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    openings: tuple[Opening, ...] = ()
    exits: tuple[Exit, ...] = ()
    purchases: tuple[Purchase, ...] = ()
    reservations: tuple[Reservation, ...] = ()
    federations: tuple[Federation, ...] = ()
    federate_all_small: bool = False  # every small provider left unfederated federates as one
    small_homes: int = 3  # a small provider has at most this many homes in the area's market

    @property
    def is_empty(self) -> bool:
        moves = (self.openings, self.exits, self.purchases, self.reservations, self.federations)
        return not any(moves) and not self.federate_all_small


@dataclass(frozen=True)
class Figures:
    units: float
    owners: int
    hhi: float | None
    cr4: float | None
    cr10: float | None
    owners_for_25_percent: int | None
    owners_for_50_percent: int | None
    owner_type_shares: dict[str, float]


@dataclass(frozen=True)
class Problem:
    """A move the base market cannot take, named by its query parameter."""

    parameter: str
    message: str


class ScenarioError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


@dataclass
class _Holding:
    key: str
    name: str
    units: np.ndarray  # by owner type, OWNER_TYPES order
    small: bool
    council: bool = False  # a council's own homes: not bought through frameworks


@dataclass(frozen=True)
class Outcome:
    before: Figures
    after: Figures
    effects: list[str] = field(default_factory=list)  # each move in plain words, in the order applied


# ---------------------------------------------------------------- figures


def figures_of(keys: list[str], units: np.ndarray) -> Figures:
    """The recompute's figures of a market given each owner's key and units by owner type."""
    totals = units.sum(axis=1) if len(keys) else np.zeros(0)
    held = totals > 0
    keys_held, totals, units = np.array(keys, dtype=object)[held], totals[held], units[held]
    total = float(totals.sum())
    if total <= 0:
        return Figures(0.0, 0, None, None, None, None, None, dict.fromkeys(OWNER_TYPES, 0.0))
    key_rank = np.argsort(np.argsort(keys_held.astype(str), kind="stable"), kind="stable")
    order = np.lexsort((key_rank, -totals))
    ranked = totals[order]
    shares = ranked * 100 / total
    before = np.cumsum(ranked) - ranked
    by_type = units.sum(axis=0) * 100 / total
    return Figures(
        units=total,
        owners=len(ranked),
        hhi=float((shares**2).sum()),
        cr4=float(shares[:4].sum()),
        cr10=float(shares[:10].sum()),
        owners_for_25_percent=int((before * 4 < total).sum()),
        owners_for_50_percent=int((before * 2 < total).sum()),
        owner_type_shares={name: float(share) for name, share in zip(OWNER_TYPES, by_type, strict=True)},
    )


def _figures(holdings: dict[str, _Holding]) -> Figures:
    if not holdings:
        return figures_of([], np.zeros((0, len(OWNER_TYPES))))
    return figures_of([holding.key for holding in holdings.values()], np.vstack([h.units for h in holdings.values()]))


def is_small(owner: BaseOwner, small_homes: int) -> bool:
    """A small provider: at most `small_homes` homes in the area's market, and not a council."""
    return owner.homes <= small_homes and owner.owner_type != OwnerType.LOCAL_AUTHORITY


def _holdings(base: BaseMarket, small_homes: int) -> dict[str, _Holding]:
    return {
        owner.token: _Holding(
            owner.key,
            owner.name,
            np.array(owner.units, dtype="float64"),
            is_small(owner, small_homes),
            owner.owner_type == OwnerType.LOCAL_AUTHORITY,
        )
        for owner in base.owners
    }


# ---------------------------------------------------------------- checks


def problems_of(base: BaseMarket, scenario: Scenario, area_name: str) -> list[Problem]:
    """Every move the base market cannot take, each with a specific message."""
    owners = {owner.token: owner for owner in base.owners}
    problems = _opening_problems(base, scenario, area_name)
    gone: dict[str, str] = {}
    for move in scenario.exits:
        problems += _unknown(owners, move.owner, "exit", area_name) or _twice(gone, move.owner, owners, "exit")
    for purchase in scenario.purchases:
        found = _unknown(owners, purchase.owner, "buy", area_name) + _unknown(owners, purchase.buyer, "buy", area_name)
        problems += found or _purchase_problems(purchase, owners, gone)
    problems += _federation_problems(scenario, owners, gone, area_name)
    return problems


def _opening_problems(base: BaseMarket, scenario: Scenario, area_name: str) -> list[Problem]:
    codes = {code for code, _ in base.authorities}
    return [
        Problem("open", f"No homes in {area_name} are in a local authority with the code “{opening.authority_code}”")
        for opening in scenario.openings
        if opening.authority_code not in codes
    ]


def _unknown(owners: dict[str, BaseOwner], token: str, parameter: str, area_name: str) -> list[Problem]:
    if token in owners:
        return []
    return [Problem(parameter, f"No owner in {area_name}'s market has the id “{token[:40]}”: choose one from the list")]


def _twice(gone: dict[str, str], token: str, owners: dict[str, BaseOwner], how: str) -> list[Problem]:
    if token in gone:
        name = owners[token].name
        return [Problem(how, f"{name} already {gone[token]} in this scenario, so it cannot also {_VERBS[how]}")]
    gone[token] = _PAST[how]
    return []


_VERBS = {"exit": "exit", "buy": "be bought", "federate": "federate"}
_PAST = {"exit": "exits", "buy": "is bought"}


def _purchase_problems(purchase: Purchase, owners: dict[str, BaseOwner], gone: dict[str, str]) -> list[Problem]:
    if purchase.owner == purchase.buyer:
        return [Problem("buy", f"{owners[purchase.owner].name} cannot buy itself: choose another buyer")]
    if purchase.buyer in gone:
        name = owners[purchase.buyer].name
        return [Problem("buy", f"{name} {gone[purchase.buyer]} in this scenario, so it cannot buy another owner")]
    return _twice(gone, purchase.owner, owners, "buy")


def _federation_problems(
    scenario: Scenario, owners: dict[str, BaseOwner], gone: dict[str, str], area_name: str
) -> list[Problem]:
    problems: list[Problem] = []
    federated: set[str] = set()
    for federation in scenario.federations:
        if len(set(federation.members)) < 2:
            problems.append(Problem("federate", "A federation needs at least two different providers"))
        for token in federation.members:
            problems += _unknown(owners, token, "federate", area_name) or _member_problems(
                owners[token], scenario.small_homes, gone, federated
            )
    return problems


def _member_problems(owner: BaseOwner, small_homes: int, gone: dict[str, str], federated: set[str]) -> list[Problem]:
    if not is_small(owner, small_homes):
        why = "a council's own homes" if owner.owner_type == OwnerType.LOCAL_AUTHORITY else f"{owner.homes} homes"
        return [
            Problem("federate", f"{owner.name} is not a small provider ({why}; small is at most {small_homes} homes)")
        ]
    if owner.token in gone:
        return [Problem("federate", f"{owner.name} {gone[owner.token]} in this scenario, so it cannot also federate")]
    if owner.token in federated:
        return [Problem("federate", f"{owner.name} is in two federations: a provider can join only one")]
    federated.add(owner.token)
    return []


# ---------------------------------------------------------------- moves


def units_word(basis: str) -> str:
    return "places" if basis == MarketBasis.PLACES else "homes"


def opening_units(base: BaseMarket, opening: Opening) -> float:
    """The units an opening adds: as given when its unit is the market's basis; otherwise
    converted at the area's mean places per home (homes rounded up)."""
    if opening.unit == base.basis:
        return float(opening.number)
    if base.places_per_home <= 0:
        return 0.0
    if base.basis == MarketBasis.PLACES:
        return float(round(opening.number * base.places_per_home))
    return float(np.ceil(opening.number / base.places_per_home))


def _council_holding(holdings: dict[str, _Holding], base: BaseMarket, code: str) -> tuple[str, _Holding]:
    """The authority's own homes' owner in this market, or a new owner for them."""
    councils = [
        owner
        for owner in base.owners
        if owner.authority_code == code and owner.owner_type == OwnerType.LOCAL_AUTHORITY and owner.token in holdings
    ]
    if councils:
        largest = max(councils, key=lambda owner: (owner.total, owner.key))
        return largest.token, holdings[largest.token]
    name = dict(base.authorities).get(code, code)
    token = f"la{code}"
    holding = holdings.setdefault(
        token, _Holding(f"la:{code}", f"{name} (the council's new homes)", np.zeros(len(OWNER_TYPES)), False, True)
    )
    return token, holding


def _open(holdings: dict[str, _Holding], base: BaseMarket, opening: Opening) -> str:
    name = dict(base.authorities).get(opening.authority_code, opening.authority_code)
    asked = f"{name} opens {opening.number:,} {'home' if opening.number == 1 else opening.unit}"
    if not base.include_local_authority:
        return f"{asked}: no change, as this market leaves local authorities' own homes out"
    added = opening_units(base, opening)
    _, holding = _council_holding(holdings, base, opening.authority_code)
    holding.units[_LOCAL_AUTHORITY] += added
    converted = "" if opening.unit == base.basis else f" ({added:,.0f} {units_word(base.basis)} at the area's mean)"
    return f"{asked}{converted}, owned by the council"


def _exit(holdings: dict[str, _Holding], basis: str, move: Exit) -> str:
    holding = holdings.pop(move.owner)
    return f"{holding.name} exits: its {holding.units.sum():,.0f} {units_word(basis)} leave the market"


def _buy(holdings: dict[str, _Holding], basis: str, purchase: Purchase) -> str:
    target = holdings.pop(purchase.owner)
    buyer = holdings[purchase.buyer]
    # The places become the buyer's, so they take the buyer's owner type.
    buyer.units[int(np.argmax(buyer.units))] += target.units.sum()
    return f"{buyer.name} buys {target.name}: its {target.units.sum():,.0f} {units_word(basis)} move to {buyer.name}"


def _reserve(holdings: dict[str, _Holding], basis: str, reservation: Reservation) -> str:
    total = sum(float(holding.units.sum()) for holding in holdings.values())
    small = [holding for holding in holdings.values() if holding.small]
    independent = (h for h in holdings.values() if not h.small and not h.council)
    givers = sorted(independent, key=lambda h: (-h.units.sum(), h.key))[:LARGEST_OWNERS]
    largest = f"{len(givers)} largest owners" if len(givers) > 1 else "largest owner"
    moved = total * reservation.percent / 100
    given, small_total = sum(float(h.units.sum()) for h in givers), sum(float(h.units.sum()) for h in small)
    if not small or small_total <= 0:
        raise ScenarioError([Problem("reserve", "This market has no small providers for framework reservations")])
    if moved > given:
        raise ScenarioError(
            [
                Problem(
                    "reserve",
                    f"Reservations of {reservation.percent}% would move {moved:,.0f} {units_word(basis)}, more "
                    f"than the {given:,.0f} the {largest} {'hold' if len(givers) > 1 else 'holds'}: "
                    "choose a smaller percentage",
                )
            ]
        )
    for holding in givers:
        holding.units *= 1 - moved / given
    for holding in small:
        holding.units *= 1 + moved / small_total
    return (
        f"Framework reservations move {reservation.percent}% of {units_word(basis)} ({moved:,.0f}) from the "
        f"{largest} to {len(small):,} small providers"
    )


def _federate(holdings: dict[str, _Holding], members: list[str], number: int, label: str) -> str:
    joined = [holdings.pop(token) for token in members]
    units = np.sum([holding.units for holding in joined], axis=0)
    holdings[f"federation{number}"] = _Holding(f"f:{number}", label, units, False)
    names = ", ".join(holding.name for holding in joined[:3]) + (", …" if len(joined) > 3 else "")
    return f"{len(joined):,} small providers federate and count as one owner ({names})"


def _federations(holdings: dict[str, _Holding], scenario: Scenario, area_name: str) -> list[str]:
    effects = []
    for number, federation in enumerate(scenario.federations, start=1):
        effects.append(_federate(holdings, list(federation.members), number, f"Federation {number}"))
    if scenario.federate_all_small:
        left = [token for token, holding in holdings.items() if holding.small]
        if len(left) < 2:
            raise ScenarioError([Problem("federate_small", f"{area_name} has fewer than two small providers left")])
        label = f"Federation of {area_name}'s small providers"
        _federate(holdings, left, len(scenario.federations) + 1, label)
        effects.append(f"All {len(left):,} small providers in {area_name} federate and count as one owner")
    return effects


def outcome(base: BaseMarket, scenario: Scenario, area_name: str) -> Outcome:
    """The market before and after the scenario; ScenarioError names every move it cannot take."""
    problems = problems_of(base, scenario, area_name)
    if problems:
        raise ScenarioError(problems)
    before_holdings = _holdings(base, scenario.small_homes)
    before = _figures(before_holdings)
    holdings = _holdings(base, scenario.small_homes)
    effects = [_open(holdings, base, opening) for opening in scenario.openings]
    effects += [_exit(holdings, base.basis, move) for move in scenario.exits]
    effects += [_buy(holdings, base.basis, purchase) for purchase in scenario.purchases]
    effects += [_reserve(holdings, base.basis, reservation) for reservation in scenario.reservations]
    effects += _federations(holdings, scenario, area_name)
    return Outcome(before=before, after=_figures(holdings), effects=effects)


def small_providers(base: BaseMarket, small_homes: int) -> list[BaseOwner]:
    """The area's small providers, by name."""
    return sorted((owner for owner in base.owners if is_small(owner, small_homes)), key=lambda o: (o.name, o.key))


def largest_owners(base: BaseMarket, count: int = 60) -> list[BaseOwner]:
    return sorted(base.owners, key=lambda owner: (-owner.total, owner.key))[:count]


def without_moves(scenario: Scenario) -> Scenario:
    return replace(
        scenario, openings=(), exits=(), purchases=(), reservations=(), federations=(), federate_all_small=False
    )


# ---------------------------------------------------------------- the reading


def concentration_band(hhi: float) -> str:
    if hhi < UNCONCENTRATED_BELOW:
        return "unconcentrated (under 1,000)"
    if hhi <= HIGHLY_CONCENTRATED_ABOVE:
        return "moderately concentrated (1,000 to 1,800)"
    return "highly concentrated (over 1,800)"


def _moved(label: str, before: float | None, after: float | None, unit: str = "", digits: int = 1) -> str:
    if before is None or after is None:
        return f"{label} cannot be measured"
    if round(before, digits) == round(after, digits):
        return f"{label} is unchanged at {before:,.{digits}f}{unit}"
    verb = "rises" if after > before else "falls"
    return f"{label} {verb} from {before:,.{digits}f}{unit} to {after:,.{digits}f}{unit}"


def reading(result: Outcome, area_name: str, *, with_moves: bool = True) -> list[str]:
    """The outcome in plain words: the moves (when one or two; the list says more), what HHI
    does and in which band it lands, then CR4, CR10 and how many owners hold half the market."""
    before, after = result.before, result.after
    moves = [f"{'; '.join(result.effects)}."] if with_moves and 0 < len(result.effects) <= 2 else []
    if before.hhi is None or after.hhi is None:
        return [f"{area_name}'s market has no owners to measure after these moves."]
    hhi = _moved(f"In {area_name}, HHI", before.hhi, after.hhi, digits=0)
    band_before, band_after = concentration_band(before.hhi), concentration_band(after.hhi)
    band = (
        f"the market stays {band_after}"
        if band_before == band_after
        else f"the market moves from {band_before} to {band_after}"
    )
    owners = _moved(
        "the number of owners holding half of it", before.owners_for_50_percent, after.owners_for_50_percent, digits=0
    )
    cr4 = _moved("The four largest owners' share", before.cr4, after.cr4, "%")
    cr10 = _moved("the ten largest owners' share", before.cr10, after.cr10, "%")
    return [*moves, f"{hhi}: {band}.", f"{cr4}; {cr10}; {owners}."]
