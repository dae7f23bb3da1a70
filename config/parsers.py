"""The API's JSON parser: DRF's, refusing with a 400 a body nested past JSON_MAX_DEPTH.

DRF's own parser let a deeply nested body raise RecursionError inside json: a 500 (issue 13).
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]
from rest_framework.utils import json as drf_json

from config.json_limits import json_loads_limited


class DepthLimitedJSONParser(JSONParser):
    """Parses as DRF does (its encoding check, strict constants), counting the depth first."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            parse_constant = drf_json.strict_constant if self.strict else None
            data: dict[str, Any] = json_loads_limited(text, parse_constant=parse_constant)
        except ValueError as error:  # bad JSON, bad encoding, or too deep
            raise ParseError(f"JSON parse error - {error}") from error
        return data
