"""The plugin system: hookspecs, discovery, per-township hooks, enabling services."""

# The plugin API version this core implements; plugins declare the range they support
# (PluginMetadata.core_versions). Re-exported as township_integrity.CORE_VERSION: it is
# defined here so the core never imports the API layer above it.
CORE_VERSION = "0.3.0"
