"""JSON nested past JSON_MAX_DEPTH is refused before it is parsed (issue 13).

Python's json module recurses once per level of nesting, so a few thousand "[" in a BODS file
or an API request body raised RecursionError: a traceback from import_bods, a 500 from the
API. The depth is counted first, without recursion: strings are removed (a bracket inside
one is text), then the brackets left are summed as +1 and -1.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from django.conf import settings

# A string, or an unterminated one to the end: the closing quote is optional so that a failed
# match never rescans the text from every quote (quadratic on '"\\"\\"\\...').
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonTooDeepError(ValueError):
    """The text nests arrays or objects deeper than allowed; the message says how deep."""


def json_depth(text: str) -> int:
    """How deeply the text nests arrays and objects (0 for a bare value)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(_STEP[bracket] for bracket in brackets), default=0)


def json_loads_limited(text: str | bytes, *, max_depth: int | None = None, **options: Any) -> Any:
    """json.loads, refusing with JsonTooDeepError text nested deeper than JSON_MAX_DEPTH."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    limit = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    if json_depth(text) > limit:
        raise JsonTooDeepError(f"the JSON is nested more than {limit} levels deep (JSON_MAX_DEPTH)")
    try:
        return json.loads(text, **options)
    except RecursionError as error:  # a depth the count missed (it never should): still a refusal
        raise JsonTooDeepError(f"the JSON is nested too deeply to read: {error}") from error
