"""Who acts, and through which path, for the action log (django-pghistory).

The log itself is written by PostgreSQL triggers (the event models at the end of the
scoring, tenants and accounts ``models.py``);
this module only says who is acting. While a context is open, pghistory puts its
metadata in front of every writing statement (``set_config('pghistory.context_metadata',
…)``) and the triggers copy it onto the event row:

* ``user``: the person's user id (None for the scheduler, a plugin or a CLI run
  without ``--operator``);
* ``label``: what names them in words: e-mail, ``e-mail (token 1a2b3c4d)`` for an API
  token, ``cli:<OS account>``, ``system:scheduler``;
* ``via``: ``web``, ``api``, ``cli`` or ``task``; ``path``: the address, the command
  (``manage.py evaluate``) or the task's name.

Paths: pages (``ActionLogMiddleware``), the API (``attribute``, once the token is
known), commands (``command``; ``TownshipCommand`` uses it, ``attribute`` names the
``--operator``) and Celery tasks (``connect_tasks``: the person who queued the task,
else the scheduler). A leaf: it imports pghistory and nothing of the platform.
"""

from __future__ import annotations

import getpass
from contextlib import contextmanager

import pghistory
from django.db import DatabaseError, connection
from pghistory.middleware import HistoryMiddleware
from pghistory.runtime import _is_ignored_statement, _tracker

HEADER = "actionlog"  # the Celery message header carrying the sender's context
SCHEDULER = "system:scheduler"


def current() -> dict:
    """The open context's metadata (a copy); empty outside one."""
    value = getattr(_tracker, "value", None)
    return dict(value.metadata) if value is not None else {}


def attribute(actor) -> None:
    """Name ``actor`` (an ``Actor``) as the person in the open context; nothing outside one."""
    pghistory.context(user=actor.user_id, label=actor.label)


def forget() -> None:
    """Clear the context's settings in a transaction that goes on after the context closed.

    pghistory sets them per transaction; outside a transaction nothing outlives the
    statement. Inside one (a test, a caller's ``atomic``), a later write outside any
    context must not be credited to the person who acted before.
    """
    if not connection.in_atomic_block or connection.needs_rollback:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pghistory.context_metadata', '', true), "
                "set_config('pghistory.context_id', '', true)"
            )
    except DatabaseError:  # a failed transaction: it is rolled back anyway
        pass


def person_label(user) -> str:
    return (getattr(user, "email", "") or user.get_username()) if user is not None else ""


class ActionLogMiddleware(HistoryMiddleware):
    """Opens the action-log context of a request: the signed-in person and the address.

    An API request names its token's person later (``graphql_api.views`` calls
    ``attribute`` once the token is checked).
    """

    def get_context(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        return {
            "user": user.pk if signed_in else None,
            "label": person_label(user) if signed_in else "",
            "via": "api" if request.path.rstrip("/").endswith("graphql") else "web",
            "path": request.path[:300],
        }

    def __call__(self, request):
        wrote = []

        def note(execute, sql, params, many, context):
            if not wrote and not _is_ignored_statement(sql):
                wrote.append(True)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(note):
            response = super().__call__(request)
        if wrote:  # a request that only read leaves nothing to clear (and costs no query)
            forget()
        return response


@contextmanager
def acting(**metadata):
    """``pghistory.context(**metadata)`` that, when it is the outermost, leaves nothing behind
    in the transaction (``forget``). Inside another context it only adds to it."""
    outermost = not current()
    try:
        with pghistory.context(**metadata):
            yield
    finally:
        if outermost:
            forget()


def command(name: str):
    """The context of a management command: ``manage.py <name>`` by the OS account.

    ``attribute(operator)`` then names the ``--operator`` when there is one.
    """
    return acting(user=None, label=f"cli:{_os_account()}", via="cli", path=f"manage.py {name}")


def _os_account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container)
        return "unknown"


# --- Celery ---------------------------------------------------------------------------


def _on_publish(headers=None, **kwargs):
    """A task sent while someone acts carries who they are (and the path they used)."""
    metadata = current()
    if headers is not None and metadata:
        headers[HEADER] = {
            "user": metadata.get("user"),
            "label": metadata.get("label", ""),
            "from": metadata.get("path", ""),
        }


_open: dict[str, object] = {}


def _on_start(task_id=None, task=None, **kwargs):
    if current():  # run in-process (eagerly) where someone already acts: theirs
        return
    sent_by = getattr(task.request, HEADER, None) or (task.request.headers or {}).get(HEADER)
    sent_by = sent_by if isinstance(sent_by, dict) else {}
    opened = pghistory.context(
        user=sent_by.get("user"),
        label=sent_by.get("label") or SCHEDULER,
        via="task",
        path=task.name,
        **({"sent_from": sent_by["from"]} if sent_by.get("from") else {}),
    )
    opened.__enter__()
    _open[task_id] = opened


def _on_end(task_id=None, **kwargs):
    opened = _open.pop(task_id, None)
    if opened is not None:
        opened.__exit__(None, None, None)
        forget()


def connect_tasks() -> None:
    """Open a context around every Celery task, naming who queued it (else the scheduler)."""
    from celery import signals

    signals.before_task_publish.connect(_on_publish, weak=False)
    signals.task_prerun.connect(_on_start, weak=False)
    signals.task_postrun.connect(_on_end, weak=False)
