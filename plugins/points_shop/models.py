"""Points exchange shop: data in the township's schema."""
