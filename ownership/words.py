"""Ownership facts in plain words for the public pages: shares ("more than 75%"), sources
named for what they are with their dates, and the date the ownership shown is true on.

A reader is a councillor or a journalist, not a data engineer: no file names, no four decimal
places, no "as of" today's date when the data are older than today.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ownership import companies_house, curated
from ownership import selectors as ownership_selectors
from ownership.models import Entity, Interest
from ownership.selectors import Resolution

OFSTED_REGISTER = "Ofsted provider-level register"
CARE_MARKETS = "gathered by the Care Markets research (github.com/BenGoodair/Care-Markets)"
SOURCES_IN_WORDS = {
    curated.SHAREHOLDERS: f"Direct shareholders from a company database, {CARE_MARKETS}",
    curated.HOLDING_COMPANIES: f"Groups' global ultimate owners from a company database, {CARE_MARKETS}",
    curated.GUO_SHAREHOLDERS: f"The shareholders of those ultimate owners, {CARE_MARKETS}",
    curated.CORPORATE_PSCS: f"Companies with significant control, from Companies House, {CARE_MARKETS}",
    curated.CLASSIFICATIONS: f"The research's classification of each company, {CARE_MARKETS}",
    companies_house.SOURCE: "Companies House's register of people with significant control",
    OFSTED_REGISTER: "Ofsted's register of children's social care providers",
}
CURATOR = "A curator's decision on the owner type"


def percent(value: Decimal | float) -> str:
    """75 -> "75%", 0.5 -> "0.5%", 33.3333 -> "33.33%"."""
    text = f"{Decimal(str(value)).quantize(Decimal('0.01')).normalize():f}"
    return f"{text}%"


def share_in_words(interest: Interest) -> str:
    """ "more than 75% shareholding", "25% voting rights", "significant influence or control"."""
    kind = interest.get_interest_type_display().lower()
    share = _share(interest)
    return f"{share} {kind}" if share else interest.get_interest_type_display()


def _share(interest: Interest) -> str:
    if interest.share_exact is not None:
        return percent(interest.share_exact)
    low, high = interest.share_minimum, interest.share_maximum
    if low is None and high is None:
        return ""
    if high is None or high >= 100:
        above = "more than" if interest.share_exclusive_minimum else "at least"
        return f"{above} {percent(low or 0)}"
    below = "less than" if interest.share_exclusive_maximum else "at most"
    if low is None or low <= 0:
        return f"{below} {percent(high)}"
    above = "more than" if interest.share_exclusive_minimum else "at least"
    return f"{above} {percent(low)} and {below} {percent(high)}"


def day(value: datetime.date) -> str:
    return f"{value:%-d %B %Y}"


@dataclass(frozen=True)
class NamedSource:
    name: str
    dates: str

    def __str__(self) -> str:
        return f"{self.name} ({self.dates})" if self.dates else self.name


def sources_named(resolution: Resolution) -> list[NamedSource]:
    """The sources behind an ownership chain in the order walked, each named with its dates."""
    dated: dict[str, list[datetime.date]] = {}
    for interest in resolution.chain:
        if interest.source:
            dated.setdefault(interest.source, []).extend([interest.observed_on] if interest.observed_on else [])
    named = [NamedSource(_source_name(source), _link_dates(source, days)) for source, days in dated.items()]
    if resolution.overridden and resolution.evidence_on:
        named.append(NamedSource(CURATOR, f"made on {day(resolution.evidence_on)}"))
    owner_source = _entity_source(resolution.owner)
    if owner_source is not None and owner_source.name not in {source.name for source in named}:
        named.append(owner_source)
    return named


def _source_name(source: str) -> str:
    # A source we do not know by name (a BODS publisher, a file a curator loaded) is named as
    # it was recorded: better its own name than a guess.
    return SOURCES_IN_WORDS.get(source, source)


def _link_dates(source: str, days: Iterable[datetime.date]) -> str:
    known = sorted(set(days))
    if not known:
        return "date not stated"
    if source == companies_house.SOURCE:
        return f"snapshot of {day(known[-1])}"
    if len(known) == 1:
        return f"links as at {day(known[0])}"
    return f"links dated {day(known[0])} to {day(known[-1])}"


def _entity_source(owner: Entity | None) -> NamedSource | None:
    if owner is None or not owner.source:
        return None
    if owner.source == OFSTED_REGISTER:
        register_on = ownership_selectors.latest_register_date()
        return NamedSource(_source_name(owner.source), f"register of {day(register_on)}" if register_on else "")
    return NamedSource(_source_name(owner.source), "")


@dataclass(frozen=True)
class InterestInWords:
    interest: Interest
    share: str
    source: str


def interests_in_words(interests: Iterable[Interest]) -> list[InterestInWords]:
    return [
        InterestInWords(
            interest,
            share_in_words(interest),
            str(NamedSource(_source_name(interest.source), _link_dates(interest.source, _observed(interest))))
            if interest.source
            else "Not recorded",
        )
        for interest in interests
    ]


def _observed(interest: Interest) -> list[datetime.date]:
    return [interest.observed_on] if interest.observed_on else []


def chain_dates(resolution: Resolution) -> str:
    """When the links of a chain were stated: "31 March 2023" or "31 March 2023 to 1 June 2025"."""
    known = sorted({interest.observed_on for interest in resolution.chain if interest.observed_on})
    if not known:
        return ""
    return day(known[0]) if len(known) == 1 else f"{day(known[0])} to {day(known[-1])}"
