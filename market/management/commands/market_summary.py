"""Print one market snapshot of the current recompute run."""

from __future__ import annotations

import datetime
import json
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from market.analytics.summary import MarketQuery, NoSnapshotError, market_snapshot_current, market_snapshot_summary
from market.models import ENGLAND_CODE, MarketBasis, MarketSnapshot, OwnerLevel


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = (
        "Print one market's concentration figures from the current recompute run. Defaults: England, "
        "places basis, ultimate owners, local-authority homes included."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as-of", type=_date, required=True, help="The register's date, YYYY-MM-DD.")
        parser.add_argument("--geography", default=ENGLAND_CODE, help="ONS code (default England, E92000001).")
        parser.add_argument("--basis", choices=MarketBasis.values, default=MarketBasis.PLACES)
        parser.add_argument("--level", choices=OwnerLevel.values, default=OwnerLevel.ULTIMATE)
        parser.add_argument("--exclude-local-authority", action="store_true", help="Leave councils' own homes out.")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        query = MarketQuery(
            as_of=options["as_of"],
            geography_code=options["geography"].strip().upper(),
            basis=options["basis"],
            level=options["level"],
            include_local_authority=not options["exclude_local_authority"],
        )
        try:
            summary = market_snapshot_summary(market_snapshot_current(query))
        except NoSnapshotError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        self.stdout.write(_text(summary))


def _coverage(summary: dict[str, Any]) -> str:
    places = summary["coverage_places"]
    text = f"owner known for {_percent(summary['coverage_homes'])} of homes"
    text += f" and {_percent(places)} of places" if places is not None else " (the register gives no places)"
    if summary["links_oldest"]:
        return f"{text}, from evidence dated {summary['links_oldest']} to {summary['links_newest']}"
    return f"{text}, with no dated evidence"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _owner_lines(summary: dict[str, Any]) -> list[str]:
    if summary.get("counts_only_reason"):
        return [f"counts only: {summary['counts_only_reason']}"]
    covered = summary["coverage_places" if summary["basis"] == "places" else "coverage_homes"]
    lines = [
        f"HHI {summary['hhi']:.1f}, CR4 {summary['cr4']:.2f}%, CR10 {summary['cr10']:.2f}%",
        f"owners {summary['owners']}; for 25%: {summary['owners_for_25_percent']}, "
        f"for 50%: {summary['owners_for_50_percent']}",
        "owner types: " + ", ".join(f"{name} {share:.1f}%" for name, share in summary["owner_type_shares"].items()),
    ]
    if covered is None or covered < MarketSnapshot.COVERAGE_THRESHOLD:
        lines.append(
            f"warning: owners are known for only {_percent(covered)} of the {summary['basis']}, below "
            f"{MarketSnapshot.COVERAGE_THRESHOLD:.0f}%: the owner figures describe the part whose owner is known"
        )
    lines.append("largest owners:")
    return lines + [
        f"  {owner['share']:6.2f}%  {owner['units']:5d}  {owner['name']}" for owner in summary["top_owners"][:10]
    ]


def _text(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['geography_name']} ({summary['geography_code']}) on {summary['as_of']}: "
        f"{summary['basis']} basis, {summary['level']} owners, local-authority homes "
        f"{'included' if summary['include_local_authority'] else 'excluded'}",
        f"homes {summary['homes']}, units {summary['units']}",
        _coverage(summary),
        *_owner_lines(summary),
    ]
    return "\n".join(lines)
