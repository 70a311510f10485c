"""Compile the translation catalogues (``.po`` → ``.mo``) with Babel.

Django's ``compilemessages`` needs GNU gettext, which a user's machine may lack;
``make install`` and the Docker build run ``python -m platform_core.i18n``
instead. The ``.po`` files are the source (kept in git); ``.mo`` files are not.
Translators extract new strings with ``manage.py makemessages -l zh_Hans``
(that one does need gettext) and edit ``locale/zh_Hans/LC_MESSAGES/django.po``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def catalogues(root: Path = ROOT) -> list[Path]:
    """Every ``.po`` file of the project (the top-level ``locale`` and the apps')."""
    skip = {".venv", "var", "node_modules", ".git"}
    return sorted(
        p for p in root.rglob("LC_MESSAGES/*.po") if not skip & set(p.relative_to(root).parts)
    )


def compile_catalogue(po_path: Path) -> Path:
    """Write the ``.mo`` beside ``po_path`` when it is missing or older; returns its path."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return mo_path
    with po_path.open("rb") as source:
        catalogue = read_po(source, locale=po_path.parent.parent.name)
    with mo_path.open("wb") as target:
        write_mo(target, catalogue, use_fuzzy=False)
    return mo_path


def main() -> int:
    for po_path in catalogues():
        mo_path = compile_catalogue(po_path)
        print(f"compiled {mo_path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
