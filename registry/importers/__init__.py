"""Importers of public data into the registry and the ownership graph."""
