"""The shared, append-only dialogue and trust log of each commissioner-provider relationship."""
