"""Tasks that run inside one township's schema (sent with ``apply_async`` under it)."""

from django.db import connection

from platform_core.celery import app
from platform_core.households import selectors


@app.task(name="tenants.township_summary")
def township_summary() -> dict:
    """Read back what the worker sees of the current township: its schema and households."""
    return {"schema": connection.schema_name, "households": selectors.household_count()}
