"""The scenario planner's query string: the market chosen, the moves, and the forms that add one.

The whole scenario lives in the query string, so a scenario is a link (ADR 27):
  geography, as_of, level, basis, include_local_authority, small (a small provider's most homes);
  open=<authority ONS code>:<number>:<homes|places>   a local authority opens homes or places;
  exit=<owner id>                                     a group exits;
  buy=<owner id>:<buyer's owner id>                   a group is bought by another owner;
  reserve=<percent>                                   framework reservations for small providers;
  federate=<owner id>,<owner id>,...                  named small providers federate;
  federate_small=yes                                  every other small provider federates as one
                                                      (federate_small=<n>: the same, small meaning
                                                      at most n homes, as small=<n> would).
Each may repeat (federate_small aside). Owner ids are scenario_inputs.owner_token's.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from config.forms import GovukForm
from market.analytics.scenario_inputs import BaseOwner
from market.models import ENGLAND_CODE, MarketBasis, OwnerLevel
from market.scenarios import Exit, Federation, Opening, Problem, Purchase, Reservation, Scenario

MOST_HOMES = 500
MOST_PLACES = 5000
MOST_MOVES = 20  # of each kind
MOST_MEMBERS = 500
MOST_SMALL_HOMES = 20
MOST_PERCENT = 50
_TOKEN = re.compile(r"^[A-Za-z0-9]{1,60}$")
_CODE = re.compile(r"^E\d{8}$")
UNITS = [(MarketBasis.HOMES.value, "Homes"), (MarketBasis.PLACES.value, "Places")]
# The dashboards' own defaults: ultimate owners, on places, with councils' homes.
DEFAULTS = {"level": OwnerLevel.ULTIMATE.value, "basis": MarketBasis.PLACES.value, "include_local_authority": "yes"}


class ScenarioMarketForm(GovukForm):
    """The market a scenario starts from; its choices are the current run's areas and dates."""

    level = forms.ChoiceField(
        label="Count owners as",
        choices=OwnerLevel.choices,
        error_messages={
            "required": "Choose how to count owners",
            "invalid_choice": "Choose registered owner, provider organisation or ultimate owner",
        },
    )
    basis = forms.ChoiceField(
        label="Measure the market by",
        choices=[(MarketBasis.PLACES, "Places"), (MarketBasis.HOMES, "Homes")],
        error_messages={"required": "Choose places or homes", "invalid_choice": "Choose places or homes"},
    )
    include_local_authority = forms.ChoiceField(
        label="Include local authorities' own homes",
        choices=[("yes", "Yes"), ("no", "No")],
        error_messages={
            "required": "Choose yes or no for local authorities' own homes",
            "invalid_choice": "Choose yes or no for local authorities' own homes",
        },
    )

    geography = forms.ChoiceField(
        label="Area",
        error_messages={
            "required": "Choose England, a region or a local authority",
            "invalid_choice": "Choose England, a region or a local authority from the list",
        },
    )
    as_of = forms.ChoiceField(
        label="Date of the figures", error_messages={"required": "The current figures have no dates to choose from"}
    )
    small = forms.IntegerField(
        label="A small provider has at most this many homes in the area",
        min_value=1,
        max_value=MOST_SMALL_HOMES,
        error_messages={
            "required": "Enter the most homes a small provider has, like 3",
            "invalid": "Enter the most homes a small provider has as a whole number, like 3",
            "min_value": f"Enter a number of homes from 1 to {MOST_SMALL_HOMES} for a small provider",
            "max_value": f"Enter a number of homes from 1 to {MOST_SMALL_HOMES} for a small provider",
        },
    )

    def __init__(self, data: dict[str, str], *, areas: Sequence[tuple[str, str]], dates: Sequence[datetime.date]):
        super().__init__(data=data)
        _choose(self.fields["geography"], list(areas))
        _choose(self.fields["as_of"], [(day.isoformat(), f"{day.day} {day:%B %Y}") for day in reversed(dates)])
        shown = ", ".join(f"{day.day} {day:%B %Y}" for day in dates) or "none"
        self.fields["as_of"].error_messages["invalid_choice"] = (
            f"There are no figures for that date: choose one of {shown}"
        )

    def clean_as_of(self) -> datetime.date:
        return datetime.date.fromisoformat(self.cleaned_data["as_of"])


def _choose(field: forms.Field, choices: list[tuple[str, str]]) -> None:
    if isinstance(field, forms.ChoiceField):  # every caller passes one
        field.choices = choices


def market_defaults(dates: Sequence[datetime.date]) -> dict[str, str]:
    latest = dates[-1].isoformat() if dates else ""
    return {**DEFAULTS, "geography": ENGLAND_CODE, "as_of": latest, "small": "3"}


def _whole(raw: str, low: int, high: int) -> int | None:
    return int(raw) if raw.isdigit() and low <= int(raw) <= high else None


def _opening(raw: str) -> Opening | Problem:
    code, _, rest = raw.partition(":")
    number, _, unit = rest.partition(":")
    if not _CODE.match(code) or unit not in (MarketBasis.HOMES, MarketBasis.PLACES):
        return Problem(
            "open",
            f"“{raw[:40]}” is not an opening: write it as an authority's code, a number and homes or places, "
            "like E08000035:2:homes",
        )
    most = MOST_HOMES if unit == MarketBasis.HOMES else MOST_PLACES
    count = _whole(number, 1, most)
    if count is None:
        return Problem("open", f"Enter a number of {unit} to open from 1 to {most:,}")
    return Opening(code, count, unit)


def _owner_ids(raw: str, parameter: str) -> list[str] | Problem:
    ids = [part for part in raw.split(",") if part]
    if not ids or not all(_TOKEN.match(token) for token in ids):
        return Problem(parameter, f"“{raw[:40]}” is not an owner id from this page's lists")
    return ids


def _purchase(raw: str) -> Purchase | Problem:
    owner, _, buyer = raw.partition(":")
    ids = _owner_ids(f"{owner},{buyer}", "buy")
    if isinstance(ids, Problem) or len(ids) != 2:
        return Problem("buy", f"“{raw[:40]}” is not a purchase: it names the group bought, then its buyer")
    return Purchase(ids[0], ids[1])


def _reservation(raw: str) -> Reservation | Problem:
    percent = _whole(raw, 1, MOST_PERCENT)
    if percent is None:
        return Problem(
            "reserve", f"Enter the percentage reserved for small providers as a whole number from 1 to {MOST_PERCENT}"
        )
    return Reservation(percent)


def _federation(raw: str) -> Federation | Problem:
    ids = _owner_ids(raw, "federate")
    if isinstance(ids, Problem):
        return ids
    if len(ids) > MOST_MEMBERS:
        return Problem("federate", f"A federation named here can have at most {MOST_MEMBERS} members")
    return Federation(tuple(ids))


def _exit(raw: str) -> Exit | Problem:
    ids = _owner_ids(raw, "exit")
    if isinstance(ids, Problem) or len(ids) != 1:
        return Problem("exit", f"“{raw[:40]}” is not an owner id from this page's lists")
    return Exit(ids[0])


_PARSERS = {"open": _opening, "exit": _exit, "buy": _purchase, "reserve": _reservation, "federate": _federation}


@dataclass(frozen=True)
class ParsedMoves:
    scenario: Scenario
    problems: list[Problem]


def moves_parse(query: QueryDict, small_homes: int) -> ParsedMoves:
    """The moves of a query string; each one malformed, or one too many, is a problem."""
    moves: dict[str, list[object]] = {}
    problems: list[Problem] = []
    for parameter, parse in _PARSERS.items():
        values = query.getlist(parameter)
        if len(values) > MOST_MOVES:
            problems.append(Problem(parameter, f"A scenario can have at most {MOST_MOVES} moves of one kind"))
            values = []
        parsed = [parse(value) for value in values]
        problems += [move for move in parsed if isinstance(move, Problem)]
        moves[parameter] = [move for move in parsed if not isinstance(move, Problem)]
    all_small = query.get("federate_small", "")
    # A number says what small means too: federate_small=3 is small=3&federate_small=yes.
    as_size = _whole(all_small, 1, MOST_SMALL_HOMES)
    if as_size is not None:
        all_small, small_homes = "yes", as_size
    elif all_small not in ("", "yes"):
        problems.append(
            Problem(
                "federate_small",
                f"federate_small is yes, or the most homes of a small provider (1 to {MOST_SMALL_HOMES})",
            )
        )
    scenario = Scenario(
        openings=tuple(moves["open"]),  # type: ignore[arg-type]
        exits=tuple(moves["exit"]),  # type: ignore[arg-type]
        purchases=tuple(moves["buy"]),  # type: ignore[arg-type]
        reservations=tuple(moves["reserve"]),  # type: ignore[arg-type]
        federations=tuple(moves["federate"]),  # type: ignore[arg-type]
        federate_all_small=all_small == "yes",
        small_homes=small_homes,
    )
    return ParsedMoves(scenario, problems)


def moves_query(scenario: Scenario) -> list[tuple[str, str]]:
    """The scenario's moves as query parameters, in one order (so one scenario, one URL)."""
    pairs = [("open", f"{o.authority_code}:{o.number}:{o.unit}") for o in scenario.openings]
    pairs += [("exit", move.owner) for move in scenario.exits]
    pairs += [("buy", f"{move.owner}:{move.buyer}") for move in scenario.purchases]
    pairs += [("reserve", str(move.percent)) for move in scenario.reservations]
    pairs += [("federate", ",".join(move.members)) for move in scenario.federations]
    return pairs + ([("federate_small", "yes")] if scenario.federate_all_small else [])


def query_string(market: dict[str, str], scenario: Scenario) -> str:
    chosen = {**market, "small": str(scenario.small_homes)}
    keys = ("geography", "as_of", "level", "basis", "include_local_authority", "small")
    return urlencode([(key, chosen[key]) for key in keys] + moves_query(scenario))


# ---------------------------------------------------------------- adding a move


def _owner_choices(owners: Sequence[BaseOwner], units: str) -> list[tuple[str, str]]:
    return [(owner.token, f"{owner.name} ({owner.total:,.0f} {units})") for owner in owners]


class OpeningForm(GovukForm):
    open_authority = forms.ChoiceField(
        label="Local authority",
        error_messages={
            "required": "Choose the local authority that opens homes",
            "invalid_choice": "Choose a local authority from the list",
        },
    )
    open_number = forms.IntegerField(
        label="How many",
        min_value=1,
        max_value=MOST_PLACES,
        error_messages={
            "required": "Enter how many homes or places the local authority opens",
            "invalid": "Enter how many as a whole number, like 2",
            "min_value": "Enter a number of at least 1",
            "max_value": f"Enter a number no higher than {MOST_PLACES:,}",
        },
    )
    open_unit = forms.ChoiceField(
        label="Of",
        choices=UNITS,
        error_messages={"required": "Choose homes or places", "invalid_choice": "Choose homes or places"},
    )

    def __init__(self, data: QueryDict | None, *, authorities: Sequence[tuple[str, str]]):
        super().__init__(data=data)
        _choose(self.fields["open_authority"], list(authorities))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        number, unit = cleaned.get("open_number"), cleaned.get("open_unit")
        if unit == MarketBasis.HOMES and isinstance(number, int) and number > MOST_HOMES:
            self.add_error("open_number", f"Enter a number of homes no higher than {MOST_HOMES}")
        return cleaned

    def move(self) -> tuple[str, str]:
        data = self.cleaned_data
        return "open", f"{data['open_authority']}:{data['open_number']}:{data['open_unit']}"


class FederationForm(GovukForm):
    federate_member = forms.MultipleChoiceField(
        label="Small providers that federate",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least two small providers to federate",
            "invalid_choice": "Choose small providers from the list",
        },
    )

    def __init__(self, data: QueryDict | None, *, small: Sequence[BaseOwner], units: str):
        super().__init__(data=data)
        _choose(self.fields["federate_member"], _owner_choices(small, units))

    def clean_federate_member(self) -> list[str]:
        members = list(self.cleaned_data["federate_member"])
        if len(members) < 2:
            raise forms.ValidationError("Choose at least two small providers to federate")
        return members

    def move(self) -> tuple[str, str]:
        return "federate", ",".join(self.cleaned_data["federate_member"])


class ExitForm(GovukForm):
    exit_owner = forms.ChoiceField(
        label="Group that exits",
        error_messages={"required": "Choose the group that exits", "invalid_choice": "Choose a group from the list"},
    )

    def __init__(self, data: QueryDict | None, *, owners: Sequence[BaseOwner], units: str):
        super().__init__(data=data)
        _choose(self.fields["exit_owner"], _owner_choices(owners, units))

    def move(self) -> tuple[str, str]:
        return "exit", self.cleaned_data["exit_owner"]


class PurchaseForm(GovukForm):
    buy_owner = forms.ChoiceField(
        label="Group that is bought",
        error_messages={
            "required": "Choose the group that is bought",
            "invalid_choice": "Choose the group bought from the list",
        },
    )
    buy_buyer = forms.ChoiceField(
        label="Its buyer",
        error_messages={"required": "Choose the buyer", "invalid_choice": "Choose the buyer from the list"},
    )

    def __init__(self, data: QueryDict | None, *, owners: Sequence[BaseOwner], units: str):
        super().__init__(data=data)
        _choose(self.fields["buy_owner"], _owner_choices(owners, units))
        _choose(self.fields["buy_buyer"], _owner_choices(owners, units))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("buy_owner") and cleaned.get("buy_owner") == cleaned.get("buy_buyer"):
            self.add_error("buy_buyer", "Choose a buyer other than the group bought")
        return cleaned

    def move(self) -> tuple[str, str]:
        return "buy", f"{self.cleaned_data['buy_owner']}:{self.cleaned_data['buy_buyer']}"


class ReservationForm(GovukForm):
    reserve_percent = forms.IntegerField(
        label="Percentage of placements reserved for small providers",
        min_value=1,
        max_value=MOST_PERCENT,
        error_messages={
            "required": "Enter the percentage reserved for small providers",
            "invalid": "Enter the percentage as a whole number, like 10",
            "min_value": f"Enter a percentage from 1 to {MOST_PERCENT}",
            "max_value": f"Enter a percentage from 1 to {MOST_PERCENT}",
        },
    )

    def move(self) -> tuple[str, str]:
        return "reserve", str(self.cleaned_data["reserve_percent"])
