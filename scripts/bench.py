"""`make bench`: speed and memory figures of the service, printed as JSON.

Runs against a throw-away test database (created and dropped here) on the same PostgreSQL
that `make test` uses. Later capabilities add their own figures to FIGURES.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timings(action: Callable[[], object], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "runs": repeat,
    }


def measure() -> dict[str, object]:
    from django.test import Client

    from geography.services import reference_data_load
    from tests.factories import LocalAuthorityOrganisationFactory, MembershipFactory, totp_activate

    member = MembershipFactory(organisation=LocalAuthorityOrganisationFactory()).user
    totp_activate(member)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(member)
    return {
        "reference_data_reload": _timings(reference_data_load, 5),
        "get_home_anonymous": _timings(lambda: anonymous.get("/"), 200),
        "get_home_signed_in": _timings(lambda: signed_in.get("/"), 200),
        "get_healthz": _timings(lambda: anonymous.get("/healthz"), 200),
        "get_api_local_authorities": _timings(lambda: signed_in.get("/api/v1/local-authorities/"), 50),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.test.utils import get_runner, setup_test_environment, teardown_test_environment

    setup_test_environment()
    runner = get_runner(django.conf.settings)(verbosity=0, interactive=False)
    databases = runner.setup_databases()
    try:
        figures = measure()
    finally:
        runner.teardown_databases(databases)
        teardown_test_environment()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
