"""Imports and exports behind the township admin's buttons (the admin classes stay thin).

Imports run exactly the services the management commands run (``import_households``,
``import_rules``, ``import_score_events`` and the plugins' importers), each declared
by its app's admin as an ``Importer``: the upload is saved under its own name in a
temporary folder, because the services read a path and name the file in their
messages and in the evidence they record. The services are atomic, so a file with
a bad row writes nothing.

Exports write CSV (UTF-8 with BOM, which Excel opens as UTF-8) or XLSX through
``platform_core.tabular.write_table`` (which escapes text that a spreadsheet would
read as a formula) and answer it as a download; each app's admin declares its
``Exporter``. This module imports no app, as every app's admin uses it.
User-facing words live in the admin modules and templates, not here.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone

from platform_core.actors import Actor
from platform_core.tabular import Column, write_table

FORMATS = ("csv", "xlsx")
CHUNK = 5000  # rows fetched at a time: a ledger export never sits in memory whole


# --- imports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Importer:
    """One import the admin offers: the service to run and the columns it reads."""

    key: str
    run: Callable[[Path, Actor], object]  # returns a result with .summary()
    columns: Sequence[Column]
    suffixes: tuple[str, ...] = (".csv", ".xlsx")


def run_import(importer: Importer, upload, actor: Actor):
    """Save ``upload`` (a Django UploadedFile) under its own name and run the service on it.

    Returns the service's result; the service's TableError (file, row, column
    problems) or other PlatformError propagates, and then nothing was written.
    """
    folder = Path(tempfile.mkdtemp(prefix="admin-import-"))
    try:
        path = folder / upload_name(upload.name)
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return importer.run(path, actor)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def upload_name(name: str) -> str:
    """The uploaded file's own name, without any folder part (browsers may send one)."""
    base = Path(str(name).replace("\\", "/")).name.strip()
    return base if base not in ("", ".", "..") else "upload"


# --- exports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Exporter:
    """Rows of one changelist as a table: a header and a function from queryset to rows."""

    key: str
    header: Sequence[str]
    rows: Callable[[QuerySet], Iterable[Sequence]]


def table_response(
    header: Sequence[str], rows: Iterable[Sequence], fmt: str, name: str
) -> FileResponse:
    """A download of ``rows`` as ``<name>.csv`` (UTF-8 with BOM) or ``<name>.xlsx``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    folder = Path(tempfile.mkdtemp(prefix="admin-export-"))
    try:
        path = folder / f"{name}.{fmt}"
        write_table(path, header, (_plain(row) for row in rows), bom=True)
        handle = path.open("rb")  # stays readable after the folder is removed (POSIX)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return FileResponse(handle, as_attachment=True, filename=f"{name}.{fmt}")


def _plain(row: Sequence) -> list:
    """Cells a spreadsheet takes: local times without a zone (XLSX refuses aware ones)."""
    return [_cell(value) for value in row]


def _cell(value):
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if value is None:
        return ""
    return value


def export_name(township, what: str) -> str:
    """``<township code>-<what>-<today>``, the downloaded file's name without suffix."""
    code = getattr(township, "code", "township")
    return f"{code}-{what}-{timezone.localdate():%Y%m%d}"
