"""Reads of the action log: one township's events, filtered and described.

A township's log is the union of its own schema's event tables (covenant versions,
terms, caps, rules, ledger entry status, objections, repairs) and the rows of the
public schema's tables that concern it (its policy, its plugin activations, its
memberships). Another township's events are never in it: its schema's tables are
not on the search path, and the public rows are filtered by township.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import CharField, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from platform_core.accounts.models import MembershipEvent
from platform_core.scoring import models as scoring_models
from tenants.models import PluginActivationEvent, TownshipPolicyEvent

PGH_FIELDS = ("pgh_id", "pgh_created_at", "pgh_label", "pgh_obj", "pgh_context", "pgh_context_id")
ROW = ("pgh_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "pgh_context", "kind")


@dataclass(frozen=True)
class LogKind:
    """One kind of change in the log: its event table and how a township's rows are found."""

    key: str
    label: object
    model: type
    subject: tuple[str, ...]  # fields that name what changed
    township_field: str = ""  # public tables: the field naming the township
    public: bool = field(default=False)

    def rows(self, township) -> QuerySet:
        found = self.model.objects.all()
        if self.township_field:
            found = found.filter(**{self.township_field: township.pk})
        return found


KINDS: dict[str, LogKind] = {
    kind.key: kind
    for kind in (
        LogKind(
            "covenant_version",
            _("Covenant versions"),
            scoring_models.CovenantVersionEvent,
            ("title", "number"),
        ),
        LogKind(
            "covenant_term",
            _("Covenant terms"),
            scoring_models.CovenantTermEvent,
            ("version_id", "rule_id"),
        ),
        LogKind("cap", _("Caps"), scoring_models.CapEvent, ("version_id", "rule_id", "category")),
        LogKind("rule", _("Covenant rules"), scoring_models.RuleEvent, ("code",)),
        LogKind(
            "entry_status",
            _("Ledger entry status"),
            scoring_models.EntryStatusEvent,
            ("household_id", "rule_id"),
        ),
        LogKind("objection", _("Objections"), scoring_models.ObjectionEvent, ("entry_id",)),
        LogKind(
            "repair",
            _("Credit repair applications"),
            scoring_models.RepairApplicationEvent,
            ("entry_id",),
        ),
        LogKind(
            "policy",
            _("Township policy"),
            TownshipPolicyEvent,
            ("code",),
            township_field="pgh_obj_id",
            public=True,
        ),
        LogKind(
            "plugin",
            _("Plugin activations"),
            PluginActivationEvent,
            ("plugin",),
            township_field="township_id",
            public=True,
        ),
        LogKind(
            "membership",
            _("Memberships"),
            MembershipEvent,
            ("role", "user_id", "village_code"),
            township_field="township_id",
            public=True,
        ),
    )
}

ACTIONS = {
    "insert": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "status": _("status changed"),
    "policy": _("policy changed"),
}


@dataclass(frozen=True)
class LogFilter:
    """What the reader asks for; empty values do not filter."""

    kinds: tuple[str, ...] = ()
    person: str = ""  # part of the person's label (e-mail, cli:…, system:…)
    user_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def log_rows(township, chosen: LogFilter = LogFilter()) -> QuerySet:
    """The township's events, newest first: dicts with the ``ROW`` keys (pageable)."""
    unknown = [key for key in chosen.kinds if key not in KINDS]
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(unknown)}")
    keys = chosen.kinds or tuple(KINDS)
    parts = []
    for key in keys:
        found = KINDS[key].rows(township).filter(_conditions(chosen))
        parts.append(
            found.annotate(kind=Value(key, output_field=CharField()))
            .order_by()
            .values_list(*ROW[:-1], "kind", named=False)
        )
    first, *rest = parts
    combined = first.union(*rest, all=True) if rest else first
    return combined.order_by("-pgh_created_at", "-pgh_id")


def _conditions(chosen: LogFilter) -> Q:
    condition = Q()
    if chosen.person:
        condition &= Q(pgh_context__label__icontains=chosen.person)
    if chosen.user_id is not None:
        condition &= Q(pgh_context__user=chosen.user_id)
    if chosen.since:
        condition &= Q(pgh_created_at__date__gte=chosen.since)
    if chosen.until:
        condition &= Q(pgh_created_at__date__lte=chosen.until)
    return condition


@dataclass(frozen=True)
class LogEntry:
    """One event as a reader sees it."""

    at: dt.datetime
    kind: LogKind
    action: str
    object_id: int
    subject: str
    user_id: int | None
    person: str
    via: str
    path: str
    changes: list[tuple[str, str, str]]  # (field, before, after)


def describe(rows) -> list[LogEntry]:
    """The page's rows (from ``log_rows``) with what changed: before and after each field.

    A change is compared with the previous event of the same object; a creation
    lists what was set, a deletion what was there.
    """
    rows = [dict(zip(ROW, row, strict=True)) for row in rows]
    events = {}
    previous = {}
    for key in {row["kind"] for row in rows}:
        model = KINDS[key].model
        ids = [row["pgh_id"] for row in rows if row["kind"] == key]
        mine = {event.pgh_id: event for event in model.objects.filter(pgh_id__in=ids)}
        events.update({(key, pk): event for pk, event in mine.items()})
        objects = {event.pgh_obj_id for event in mine.values()}
        history = model.objects.filter(pgh_obj_id__in=objects, pgh_id__lt=max(ids)).order_by(
            "pgh_obj_id", "pgh_id"
        )
        by_object: dict[int, list] = {}
        for event in history:
            by_object.setdefault(event.pgh_obj_id, []).append(event)
        for pk, event in mine.items():
            earlier = [e for e in by_object.get(event.pgh_obj_id, []) if e.pgh_id < pk]
            previous[(key, pk)] = earlier[-1] if earlier else None
    described = []
    for row in rows:
        kind = KINDS[row["kind"]]
        event = events[(kind.key, row["pgh_id"])]
        context = row["pgh_context"] or {}
        described.append(
            LogEntry(
                at=row["pgh_created_at"],
                kind=kind,
                action=str(ACTIONS.get(row["pgh_label"], row["pgh_label"])),
                object_id=row["pgh_obj_id"],
                subject=" ".join(
                    str(getattr(event, name)) for name in kind.subject if getattr(event, name)
                ),
                user_id=context.get("user"),
                person=context.get("label") or "",
                via=context.get("via") or "",
                path=context.get("path") or "",
                changes=_changes(event, previous[(kind.key, row["pgh_id"])]),
            )
        )
    return described


def tracked_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if f.name not in PGH_FIELDS and f.name != "id"]


def _changes(event, before) -> list[tuple[str, str, str]]:
    changes = []
    for f in tracked_fields(type(event)):
        new = _shown(event, f)
        old = _shown(before, f) if before is not None else ""
        if event.pgh_label == "delete":
            changes.append((str(f.verbose_name), new, ""))
        elif before is None:
            if new not in ("", "None"):
                changes.append((str(f.verbose_name), "", new))
        elif old != new:
            changes.append((str(f.verbose_name), old, new))
    return [c for c in changes if c[1] not in ("", "None") or c[2] not in ("", "None")]


def _shown(event, f) -> str:
    value = getattr(event, f.attname)
    if value is None:
        return ""
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    return str(value)


def events_of(model, **filters) -> QuerySet:
    """An event table's rows (for tests and the admin): ``pgh_obj_id``, ``pgh_context``…"""
    return model.objects.filter(**filters).order_by("pgh_id")


__all__ = ["KINDS", "LogEntry", "LogFilter", "describe", "events_of", "log_rows"]
