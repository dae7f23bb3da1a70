"""The hex cartogram of England's authorities: one cell each, near home, the same every time."""

from __future__ import annotations

import datetime
import math
import statistics

import pytest

from geography.cartogram import Cell, hex_layout, short_labels
from geography.positions import positions_read
from geography.selectors import authorities_in_being_on

NORTHUMBERLAND, CORNWALL, KENT, CUMBRIA = "E06000057", "E06000052", "E10000016", "E10000006"


@pytest.fixture(scope="module")
def england() -> dict[str, tuple[int, int]]:
    return {code: (place.easting, place.northing) for code, place in positions_read().items()}


def _distance(a: Cell, b: Cell) -> float:
    (ax, ay), (bx, by) = a.centre(), b.centre()
    return math.hypot(ax - bx, ay - by)


def test_every_authority_has_a_cell_of_its_own(england: dict[str, tuple[int, int]]) -> None:
    layout = hex_layout(england)

    assert set(layout) == set(england)
    assert len(set(layout.values())) == len(england)


def test_the_layout_is_the_same_whatever_the_order_given(england: dict[str, tuple[int, int]]) -> None:
    reversed_input = dict(reversed(list(england.items())))

    assert hex_layout(reversed_input) == hex_layout(england)


def test_england_keeps_its_shape(england: dict[str, tuple[int, int]]) -> None:
    layout = hex_layout(england)

    assert layout[NORTHUMBERLAND].row < layout[KENT].row  # north above south
    assert layout[CORNWALL].column < layout[KENT].column  # west left of east
    assert layout[CORNWALL].row > layout[NORTHUMBERLAND].row


def test_london_stays_together_and_places_stay_near_home(england: dict[str, tuple[int, int]]) -> None:
    layout = hex_layout(england)
    london = [cell for code, cell in layout.items() if code.startswith("E09")]
    centre = Cell(round(statistics.mean(c.row for c in london)), round(statistics.mean(c.column for c in london)))

    # 33 hexagons packed round their middle reach about three and a half cells out.
    assert max(_distance(cell, centre) for cell in london) < 5
    # Every London borough's neighbours on the map are mostly London boroughs.
    others = [cell for code, cell in layout.items() if not code.startswith("E09")]
    assert sum(1 for cell in others if _distance(cell, centre) < 2.5) <= 3


def test_short_labels_are_unique_and_read_as_the_name() -> None:
    names = {
        "E09000002": "Barking and Dagenham",
        "E06000057": "Northumberland",
        "E06000056": "North Somerset",
        "E08000001": "North Tyneside",
        "E09000021": "Kingston upon Thames",
        "E06000058": "Bournemouth, Christchurch and Poole",
        "E10000030": "Surrey",
        "E08000019": "Sunderland",
        "E08000016": "Sunderl and",  # a made-up near-twin, to force a second choice
    }
    labels = short_labels(names)

    assert len(set(labels.values())) == len(names)
    assert labels["E09000002"] == "BD"
    assert labels["E09000021"] == "KT"
    assert labels["E06000057"] == "Nor"
    assert labels["E06000058"] == "BCP"
    assert all(1 <= len(label) <= 4 for label in labels.values())


@pytest.mark.django_db
def test_authorities_in_being_follow_reorganisations() -> None:
    before = {a.ons_code for a in authorities_in_being_on(datetime.date(2020, 3, 31))}
    after = {a.ons_code for a in authorities_in_being_on(datetime.date(2024, 3, 31))}

    assert CUMBRIA in before
    assert CUMBRIA not in after
    assert "E06000063" in after
    assert "E06000063" not in before
    assert "E06000061" not in before
    assert "E06000061" in after
    assert len(after) == 153
