"""The scenario planner on the real 2025 register: England's "before" is its published snapshot,
and a scenario of every kind of move changes it. (Its speed, under 300 ms, is measured by
`make bench`, scenario_england_2025, not here.)"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from market.analytics.recompute import market_recompute
from market.analytics.scenario_inputs import base_market_cached
from market.models import ENGLAND_CODE, MarketSnapshot, RecomputeRun
from market.scenarios import Exit, Opening, Reservation, Scenario, largest_owners, outcome
from registry.importers.ofsted import ofsted_register_import

ROOT = Path(__file__).resolve().parents[2]
REGISTER_2025 = ROOT / "registry" / "data" / "ofsted" / "provider_at_march_2025.csv"
MARCH_2025 = datetime.date(2025, 3, 31)

pytestmark = pytest.mark.django_db


def test_englands_scenario_starts_from_the_snapshot(reference_data) -> None:
    ofsted_register_import(path=REGISTER_2025)
    run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    options: dict[str, Any] = {"level": "ultimate", "basis": "places", "include_local_authority": True}
    base = base_market_cached(run.pk, as_of=MARCH_2025, geography_code=ENGLAND_CODE, **options)
    largest = largest_owners(base, 2)
    scenario = Scenario(
        openings=(Opening("E08000035", 10, "homes"),),
        exits=(Exit(largest[0].token),),
        reservations=(Reservation(10),),
        federate_all_small=True,
    )

    result = outcome(
        base_market_cached(run.pk, as_of=MARCH_2025, geography_code=ENGLAND_CODE, **options), scenario, "England"
    )

    snapshot = MarketSnapshot.objects.get(run=run, as_of=MARCH_2025, geography_code=ENGLAND_CODE, **options)
    assert (result.before.units, result.before.owners) == (snapshot.units, snapshot.owners)
    assert round(result.before.hhi or 0, 4) == snapshot.hhi
    assert round(result.before.cr4 or 0, 4) == snapshot.cr4
    assert result.after.hhi is not None
    assert result.after.hhi != result.before.hhi
    response = Client().get("/dashboards/scenarios/", {"federate_small": "yes", "reserve": "10"})
    assert response.status_code == 200
    assert response.context["result"] is not None
    kept = Client().get("/dashboards/scenarios/", {"federate_small": "yes", "reserve": "10"})
    assert kept.status_code == 200
    assert re.sub(rb'nonce="[^"]*"', b"", kept.content) == re.sub(rb'nonce="[^"]*"', b"", response.content)
