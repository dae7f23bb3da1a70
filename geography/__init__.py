"""English regions and local authorities: reference data every other app points at."""
