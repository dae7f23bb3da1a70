"""Placement requests, invitations, offers, placements and frameworks."""
