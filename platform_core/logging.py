"""Structured logs that carry the township and request id of the current request."""

from __future__ import annotations

import contextvars
import json
import logging
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdMiddleware:
    """Gives every request an id (or keeps the proxy's ``X-Request-ID``) and echoes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        token = request_id_var.set(request_id[:64])
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id_var.get()
            return response
        finally:
            request_id_var.reset(token)


class RequestContextFilter(logging.Filter):
    """Adds ``township`` (schema name) and ``request_id`` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from django.db import connection

        record.request_id = request_id_var.get()
        record.township = getattr(connection, "schema_name", "public")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "township": getattr(record, "township", "public"),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
