"""The areas map: every authority a labelled hexagon, coloured by the measure, unknown kept apart."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from market.hexmap import NO_FIGURE_LABEL, NO_HOMES_LABEL, SCALE, areas_hex_map, class_labels, measure_for
from market.models import GeographyLevel, MarketBasis, MarketSnapshot
from tests.market.snapshot_factories import LATEST, NEWCASTLE, SUNDERLAND, MarketSnapshotFactory, market_over_time

pytestmark = pytest.mark.django_db

GATESHEAD = "E08000037"


def _authorities_on(day: datetime.date) -> list[MarketSnapshot]:
    return list(
        MarketSnapshot.objects.filter(
            as_of=day, geography_level=GeographyLevel.LOCAL_AUTHORITY, basis=MarketBasis.PLACES, level="ultimate"
        )
    )


def test_each_authority_in_being_has_a_hexagon_in_reading_order() -> None:
    market_over_time()

    hexmap = areas_hex_map(_authorities_on(LATEST), "hhi", MarketBasis.PLACES, LATEST, "basis=places")

    assert hexmap is not None
    assert len(hexmap.hexagons) == 153
    assert hexmap.title == "HHI by local authority at 31 March 2024"
    rows = [(h.y, h.x) for h in hexmap.hexagons]
    assert rows == sorted(rows)  # north to south, then west to east: the keyboard's path
    newcastle = next(h for h in hexmap.hexagons if h.code == NEWCASTLE)
    assert newcastle.value == "HHI 2,210"
    assert newcastle.class_label == "1,800 to under 3,000"
    assert newcastle.fill == SCALE[2][0]
    assert newcastle.href == reverse("market:dashboards_area", args=[NEWCASTLE]) + "?basis=places"
    assert newcastle.description == f"{newcastle.label}, Newcastle upon Tyne: HHI 2,210 (1,800 to under 3,000)"


def test_unknown_is_never_a_colour_of_the_scale() -> None:
    run = market_over_time()
    MarketSnapshotFactory(
        run=run,
        geography_level=GeographyLevel.LOCAL_AUTHORITY,
        geography_code=GATESHEAD,
        geography_name="Gateshead",
        hhi=None,
        cr4=None,
        figures={"counts_only_reason": "The register names no owners."},
    )

    hexmap = areas_hex_map(_authorities_on(LATEST), "cr4", MarketBasis.PLACES, LATEST, "")

    assert hexmap is not None
    by_code = {h.code: h for h in hexmap.hexagons}
    assert by_code[GATESHEAD].class_label == NO_FIGURE_LABEL
    assert by_code["E06000057"].class_label == NO_HOMES_LABEL  # Northumberland: no snapshot, no homes
    scale = {fill for fill, _ in SCALE}
    assert by_code[GATESHEAD].fill not in scale
    assert by_code["E06000057"].fill not in scale
    assert by_code[SUNDERLAND].class_label == "50.0% to under 75.0%"
    legend = {c.label: c.count for c in hexmap.classes}
    assert legend[NO_FIGURE_LABEL] == 1
    assert legend[NO_HOMES_LABEL] == 150
    assert sum(legend.values()) == 153


def test_classes_are_labelled_by_what_they_measure() -> None:
    assert class_labels(measure_for("units", MarketBasis.HOMES))[0] == "Under 25"
    assert measure_for("units", MarketBasis.HOMES).column == "Homes"
    assert measure_for("name", MarketBasis.PLACES).key == "hhi"
    assert class_labels(measure_for("hhi", MarketBasis.PLACES))[-1] == "5,000 or more"


def test_the_map_downloads_as_svg_with_its_title_date_and_source(client: Client) -> None:
    market_over_time()

    response = client.get(reverse("market:dashboards_areas_map"), {"sort": "cr4", "as_of": "2024-03-31"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0"')
    assert "CR4 (%) by local authority at 31 March 2024" in body
    assert "Source: Ofsted&#x27;s register of children&#x27;s homes at 31 March 2024" in body
    assert f'href="http://testserver/dashboards/areas/{NEWCASTLE}/?as_of=2024-03-31"' in body


def test_the_map_answers_with_no_figures_yet(client: Client) -> None:
    assert client.get(reverse("market:dashboards_areas_map")).status_code == 404
