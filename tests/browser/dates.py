"""Filling a GOV.UK date input (day, month and year, components/field.html) as a person types it."""

from __future__ import annotations

import datetime

from playwright.sync_api import Page


def date_fill(page: Page, field_name: str, date: datetime.date) -> None:
    for part, value in (("day", date.day), ("month", date.month), ("year", date.year)):
        page.locator(f"#id_{field_name}-{part}").fill(str(value))
