"""Built-in plugins, one package each (garbage_sorting, petition, loans, ...).

They arrive with the plugin-system issue; each registers through the
``township_integrity.plugins`` entry-point group like a third-party package.
"""
