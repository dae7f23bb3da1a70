"""Permission matrix rows and sample URL arguments for the trust log's pages."""

from __future__ import annotations

from tests.trust.samples import TrustSamples

PAGE_MATRIX: dict[str, dict[str, str]] = {}


def page_samples(objects: TrustSamples) -> dict[str, dict[str, str]]:
    return {}
