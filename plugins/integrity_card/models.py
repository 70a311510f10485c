"""Integrity card: data in the township's schema."""
