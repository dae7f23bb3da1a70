"""Permission matrix rows and sample URL arguments for the trust log's API."""

from __future__ import annotations

from tests.trust.samples import TrustSamples

API_MATRIX: dict[str, dict[str, str]] = {}


def api_samples(objects: TrustSamples) -> dict[str, dict[str, str]]:
    return {}
