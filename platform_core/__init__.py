"""Core engine of the township integrity platform.

Named ``platform_core`` rather than ``platform`` because a top-level ``platform``
package shadows the standard library module that Celery and others import.
"""

__version__ = "0.1.0"
