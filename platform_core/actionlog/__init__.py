"""The action log's reads: who changed what and when (docs/scoring.md, "Action log").

The log is written by PostgreSQL triggers (django-pghistory) into event tables kept
next to what they track (the end of the scoring, tenants and accounts ``models.py``);
the person and path come from
``platform_core.action_context``. This app only reads it: the workbench page,
the township admin (read-only) and the county admin (the public schema's part).
"""
