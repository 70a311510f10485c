"""The plugin system: hookspecs, discovery, per-township hooks, enabling services."""
