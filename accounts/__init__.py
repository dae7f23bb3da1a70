"""People, the organisations they belong to, their roles, invitations and sign-in."""
