"""The plugin system: hookspecs, discovery, per-township hooks, enabling services."""

# Defined here, re-exported as township_integrity.CORE_VERSION, so that the core never
# imports the API layer above it.
#: The plugin API version this core implements: a plugin declares the range it works
#: with in ``PluginMetadata.core_versions`` and is refused outside it.
CORE_VERSION = "0.6.1"
