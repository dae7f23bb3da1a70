"""Federations of small providers: forming one (charter, area, members' consent, coordinators),
its public federated profile, and its joint inbox (issue 14, docs/adr/0026-federations.md)."""
