"""Integrity loans: data in the township's schema."""
