"""The county's operations on its townships, above the multi-tenancy layer (``tenants``).

Onboarding, suspension, the county's limits on townships' policy and plugins, the
county statistics, backup and restore, the county admin, the schema migrations at
township scale and their management commands. ``tenants`` keeps only the records,
routing and schema switching; it imports nothing of this package.
"""
