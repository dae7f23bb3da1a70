"""Speaker notes: each slide's words in plain English, for the person presenting it.

They say what the method page says (templates/market/dashboards/method.html), shortened to
what a speaker needs beside one chart; the method page stays the full account.
"""

from __future__ import annotations

from ownership.models import OwnerType

Definition = tuple[str, str]

MARKET_SHOWN: list[Definition] = [
    (
        "The market shown",
        "Children's homes in the Ofsted register on the date, counted by their registered places, with local "
        "authorities' own homes included, and each owner counted as its ultimate owner (the dashboards offer the "
        "other choices).",
    ),
    (
        "Ultimate owner",
        "The company, person or body that ultimately controls the provider on the date, found by following "
        "who holds more than half of each company up the chain.",
    ),
    (
        "Coverage",
        "How much of the market's ownership is known: the percentage of homes, and of places, whose owner is "
        "established by evidence dated near enough to the date. Below the threshold the slide warns, and figures "
        "about owners describe only the part whose owner is known.",
    ),
    (
        "Unknown",
        "Not known is never guessed: a home whose kind of owner no evidence establishes is counted as “Private, "
        "owner not known” or “Unknown”, never as a known type, and an area with no figure shows a dash.",
    ),
]

OWNER_TYPES: dict[str, str] = {
    OwnerType.LOCAL_AUTHORITY: "a council's own homes, and children's trusts the council controls.",
    OwnerType.VOLUNTARY: "charities and other not-for-profit organisations.",
    OwnerType.PRIVATE_INDIVIDUAL: "for-profit providers owned by people, where evidence says so.",
    OwnerType.PRIVATE_CORPORATE: "for-profit providers owned by companies that are not investment firms.",
    OwnerType.PRIVATE_INVESTMENT: "for-profit providers whose ultimate owner is a private equity or investment firm.",
    OwnerType.PRIVATE_UNKNOWN: "the register says the home is private, but no evidence says which kind of owner.",
    OwnerType.UNKNOWN: "not even that is known.",
}

HHI: Definition = (
    "HHI (Herfindahl-Hirschman index)",
    "Add up the square of every owner's percentage share: near 0 when many small owners share the market, "
    "10,000 when one owner has it all. Under 1,000 is usually read as unconcentrated, over 1,800 as highly "
    "concentrated.",
)

BY_SLIDE: dict[str, list[Definition]] = {
    "homes-and-places": [
        ("Homes", "Each children's home in the register counts once."),
        ("Places", "The number of children each home is registered to look after. Registers before 2016 give none."),
        (
            "Ofsted's official total",
            "Ofsted's own published count for the date. A register that lists only some homes (those inspected) "
            "counts fewer, so the two can differ.",
        ),
    ],
    "owner-types": [(OwnerType(kind).label, words) for kind, words in OWNER_TYPES.items()],
    "concentration": [
        ("CR4", "The share of the market held by the 4 largest owners, in percent."),
        ("CR10", "The share held by the 10 largest owners, in percent."),
    ],
    "hhi": [HHI],
    "top-owners": [
        ("Share", "An owner's places as a percentage of all the places in the market."),
        ("Colours", "Each bar is coloured by the owner's type, as in the legend beneath it."),
        (
            "Levels of owner",
            "Registered owner: the name as Ofsted writes it. Provider organisation: every spelling of one "
            "organisation together. Ultimate owner: who controls the provider (shown here).",
        ),
    ],
    "size-bands": [
        ("Owners by size", "Owners grouped by how large they are (the bands are on the slide's axis)."),
        ("The bars", "The share of the market held by all the owners in each band together."),
    ],
    "map": [
        HHI,
        (
            "The map",
            "Each upper-tier local authority (the councils responsible for children's services) is one hexagon "
            "of the same size, placed near its real position, with a short label.",
        ),
        (
            "Colour",
            "The authority's HHI band, as in the legend. Authorities with no children's homes, or whose owners "
            "are not known, are kept off the scale.",
        ),
    ],
}

FEES: list[Definition] = [
    ("Median weekly fee", "The middle fee of the placements that started in the financial year."),
    ("Quartiles", "The bars reach the lower and upper quartiles: a quarter of fees are below and above them."),
    ("Small numbers", "A group with fewer than 5 placements is never shown, to protect the children placed."),
    (
        "Synthetic",
        "Fees marked synthetic come from demonstration placements, not real ones: do not quote them.",
    ),
]


def definitions_for(slug: str) -> list[Definition]:
    """The words a speaker needs for one slide: its own terms, then what every market slide rests on."""
    if slug.startswith("fees-"):
        return FEES
    return BY_SLIDE.get(slug, []) + MARKET_SHOWN
