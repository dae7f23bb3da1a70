"""After a recompute, England's market is read ahead for the scenario planner, so the first
visitor does not wait for it (issue 15: a scenario computes in under 300 ms for England)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from market.analytics import scenario_inputs
from market.analytics.selectors import run_dates
from market.models import ENGLAND_CODE, RecomputeRun
from market.tasks import recompute_market_task
from tests.market.test_recompute import observed_home

pytestmark = pytest.mark.django_db


def test_a_recompute_reads_englands_market_ahead_for_the_planner(reference_data, monkeypatch) -> None:
    cache.clear()
    observed_home()

    recompute_market_task.apply(kwargs={"trigger": RecomputeRun.Trigger.COMMAND}).get()

    run = RecomputeRun.objects.get(is_current=True)

    def not_read_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("England's market was read again")

    monkeypatch.setattr(scenario_inputs, "base_market", not_read_again)
    kept = scenario_inputs.base_market_cached(
        run.pk,
        as_of=run_dates(run)[-1],
        geography_code=ENGLAND_CODE,
        level="ultimate",
        basis="places",
        include_local_authority=True,
    )
    assert kept.geography_code == ENGLAND_CODE
    assert kept.owners
