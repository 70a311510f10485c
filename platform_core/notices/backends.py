"""SMS gateways, chosen like Django's mail backends (docs/operations.md, "Notices").

``settings.NOTIFY_SMS_BACKEND`` names a class; the platform makes one with no
arguments and calls ``send(phone, text)``, which returns the gateway's reference for
the message or raises ``SmsError`` (any exception counts as a failed send). A
township's real gateway is a small class of its own with the same ``send``, named in
that setting (its credentials read from the environment in its ``__init__``).

Built in: ``ConsoleBackend`` (prints each message) and ``FileBackend`` (one JSON line
per message in ``settings.NOTIFY_SMS_DIR``, a file per day; the demo and the tests).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The gateway refused or could not be reached; the message says why."""


class BaseSmsBackend:
    """What a gateway implements: ``send(phone, text) -> reference``."""

    def send(self, phone: str, text: str) -> str:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Writes each message to standard output (development)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, phone: str, text: str) -> str:
        reference = f"console-{uuid.uuid4().hex[:12]}"
        self.stream.write(f"SMS to {phone} [{reference}]\n{text}\n{'-' * 40}\n")
        self.stream.flush()
        return reference


class FileBackend(BaseSmsBackend):
    """Appends one JSON line per message to ``NOTIFY_SMS_DIR/YYYY-MM-DD.jsonl``."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory or settings.NOTIFY_SMS_DIR)

    def send(self, phone: str, text: str) -> str:
        reference = f"file-{uuid.uuid4().hex[:12]}"
        now = timezone.now()
        line = json.dumps(
            {"reference": reference, "to": phone, "text": text, "at": now.isoformat()},
            ensure_ascii=False,
        )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(self.directory / f"{now.date():%Y-%m-%d}.jsonl", "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            raise SmsError(f"cannot write to {self.directory}: {exc.strerror}") from exc
        return reference


def read_file_messages(directory: str | Path, day: dt.date | None = None) -> list[dict]:
    """The messages a ``FileBackend`` wrote (all days, or one): for tests and the demo."""
    files = sorted(Path(directory).glob(f"{day:%Y-%m-%d}.jsonl" if day else "*.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()]


def sms_backend() -> BaseSmsBackend:
    """The configured gateway (``settings.NOTIFY_SMS_BACKEND``)."""
    return import_string(settings.NOTIFY_SMS_BACKEND)()
