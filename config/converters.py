"""URL converters for the identifiers the service uses in paths.

Narrow patterns answer 404 to anything else before a view runs (a NUL byte in a path would
otherwise reach PostgreSQL and fail with a 500).
"""

from __future__ import annotations

from django.urls import register_converter


class UrnConverter:
    """An Ofsted unique reference number: "SC123456", "2594543"."""

    regex = "[A-Za-z0-9]{1,12}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


class OnsCodeConverter:
    """An ONS geography code: a letter and eight digits, e.g. E08000035."""

    regex = "[EWSN][0-9]{8}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UrnConverter, "urn")
register_converter(OnsCodeConverter, "ons")
