"""River-crab cooperative: data in the township's schema."""
