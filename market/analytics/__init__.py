"""Market analytics: concentration and cost snapshots, and the reads of them."""
