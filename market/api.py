"""Public read API of the market: the snapshots as open data (issue 15, part 6)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from ownership.api import PublicApiView


class MarketApi(PublicApiView):
    def get(self, request: Request) -> Response:
        # Placeholder until the market endpoint lands.
        return Response({})


class MarketCostsApi(PublicApiView):
    def get(self, request: Request) -> Response:
        # Placeholder until the costs endpoint lands.
        return Response({})
