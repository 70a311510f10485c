"""People and their roles: Django users (public schema) and township memberships."""
