"""Adopting a covenant version (村规民约), the township's or a village's own variant.

The rule (docs/scoring.md, "Covenant versions adopted by the village"): a version
records the village meeting that adopted it (date, attendance, votes for, against
and abstaining, the minutes) and applies to entries that occur on or after its
effective date. It never rescores the past: entries keep the points and the version
they were recorded with. Once adopted, a version, its terms and its caps never
change; a change is a new version.

- A township version words every rule of the covenant (a term per rule: its points
  and whether it applies), from the rules as they stand plus the rows given, and
  its caps.
- A village variant holds only what it changes (terms of township rules) or adds
  (its own rules, recordable only for its households), and its caps.

Which version, term and caps an entry gets is ``platform_core.scoring.versions``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from django.core.files import File
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.households.models import Village
from platform_core.scoring.caps import MONTH, YEAR, CapSpec
from platform_core.scoring.models import (
    CORE_PLUGIN,
    Cap,
    CovenantTerm,
    CovenantVersion,
    Rule,
    ScoreEvent,
)
from platform_core.scoring.services import LedgerError, require_role, save_rule
from platform_core.scoring.versions import CovenantBook

MINUTES_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".doc", ".ofd")
MAX_MINUTES_BYTES = 20 * 1024 * 1024
# What a row may change of an existing rule besides its term (points, active).
WORDING_FIELDS = ("title_zh", "title_en", "category", "needs_review", "basis", "immediate")


class AdoptionError(LedgerError):
    """An adoption refused: says which figure or row is wrong (``field``)."""


def adopt_covenant(
    *,
    by: Actor,
    village: Village | None = None,
    title: str,
    effective_from: dt.date,
    meeting_date: dt.date,
    attendance: int,
    votes_for: int,
    votes_against: int,
    votes_abstaining: int,
    minutes: File | None,
    rules: Sequence[dict] = (),
    caps: Iterable[CapSpec] = (),
    note: str = "",
) -> CovenantVersion:
    """Record a covenant version the village meeting adopted; returns it.

    ``rules``: rows in the ``import_rules`` format (``code``, and any of ``title_zh``,
    ``title_en``, ``category``, ``points``, ``needs_review``, ``basis``, ``active``):
    a row for a rule the township does not have adds it (a village variant's new
    rule belongs to that village only); for an existing rule the row's points and
    active make its term. ``caps``: the version's caps. Township administrators only.
    """
    require_role(by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=_("adopt covenant versions"))
    caps = list(caps)
    _check_adoption(
        village, title, effective_from, meeting_date, attendance, votes_for, votes_against,
        votes_abstaining, minutes,
    )  # fmt: skip
    with transaction.atomic():
        # One adoption at a time per township: numbers and dates stay in order.
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE scoring_covenantversion IN EXCLUSIVE MODE")
        scope = CovenantVersion.objects.filter(village=village)
        latest = scope.order_by("-effective_from").first()
        if latest is not None and effective_from <= latest.effective_from:
            raise AdoptionError(
                _(
                    "the latest version of this covenant (%(version)s) takes effect on "
                    "%(date)s; a new version must take effect after it"
                )
                % {"version": latest, "date": latest.effective_from},
                field="effective_from",
            )
        _refuse_rescoring(village, effective_from)
        version = CovenantVersion(
            village=village,
            number=(scope.aggregate(n=Max("number"))["n"] or 0) + 1,
            title=title.strip(),
            effective_from=effective_from,
            meeting_date=meeting_date,
            attendance=attendance,
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstaining=votes_abstaining,
            note=note,
            recorded_by=by.user,
            recorded_by_label=by.label,
        )
        version.save()
        terms = _terms(version, village, rules, by)
        CovenantTerm.objects.bulk_create(terms)
        Cap.objects.bulk_create(_caps(version, caps, {t.rule.code: t for t in terms}))
        # The file last, once everything else is accepted (a refusal stores nothing).
        version.minutes.save(PurePath(minutes.name).name, minutes, save=False)
        CovenantVersion.objects.filter(pk=version.pk).update(minutes=version.minutes.name)
    return version


def _check_adoption(
    village, title, effective_from, meeting_date, attendance, votes_for, votes_against,
    abstaining, minutes,
) -> None:  # fmt: skip
    if not title or not title.strip():
        raise AdoptionError(_("a covenant version needs a title"), field="title")
    if meeting_date > timezone.localdate():
        raise AdoptionError(
            _("the village meeting date %(date)s is in the future") % {"date": meeting_date},
            field="meeting_date",
        )
    if meeting_date > effective_from:
        raise AdoptionError(
            _(
                "the covenant cannot take effect (%(effective)s) before the village meeting "
                "adopted it (%(meeting)s)"
            )
            % {"effective": effective_from, "meeting": meeting_date},
            field="effective_from",
        )
    figures = {
        "attendance": attendance,
        "votes_for": votes_for,
        "votes_against": votes_against,
        "votes_abstaining": abstaining,
    }
    for name, value in figures.items():
        if value is None or value < 0:
            raise AdoptionError(
                _("%(figure)s must be a number of people (0 or more)") % {"figure": name},
                field=name,
            )
    if attendance == 0:
        raise AdoptionError(_("nobody attended: attendance must be at least 1"), field="attendance")
    votes = votes_for + votes_against + abstaining
    if votes > attendance:
        raise AdoptionError(
            _(
                "%(votes)s votes (for %(for)s, against %(against)s, abstaining %(abstain)s) "
                "exceed the attendance of %(attendance)s"
            )
            % {
                "votes": votes,
                "for": votes_for,
                "against": votes_against,
                "abstain": abstaining,
                "attendance": attendance,
            },
            field="votes_for",
        )
    if votes_for * 2 <= attendance:
        raise AdoptionError(
            _(
                "not adopted: %(for)s votes for of %(attendance)s attending is not more than "
                "half (the Organic Law of Villagers' Committees: more than half of those "
                "attending the village meeting)"
            )
            % {"for": votes_for, "attendance": attendance},
            field="votes_for",
        )
    if minutes is None or not getattr(minutes, "name", ""):
        raise AdoptionError(
            _("the minutes of the village meeting are required (a scan or photo)"),
            field="minutes",
        )
    suffix = PurePath(minutes.name).suffix.lower()
    if suffix not in MINUTES_SUFFIXES:
        raise AdoptionError(
            _("minutes %(name)s: use one of %(types)s")
            % {"name": PurePath(minutes.name).name, "types": ", ".join(MINUTES_SUFFIXES)},
            field="minutes",
        )
    size = getattr(minutes, "size", None)
    if not size or size > MAX_MINUTES_BYTES:
        raise AdoptionError(
            _("minutes %(name)s: the file is empty or larger than %(limit)s MB")
            % {"name": PurePath(minutes.name).name, "limit": MAX_MINUTES_BYTES // 2**20},
            field="minutes",
        )


def _refuse_rescoring(village: Village | None, effective_from: dt.date) -> None:
    """A version never changes what was recorded: it starts after the last entry it would
    cover (the village's households', or any for the township version)."""
    entries = ScoreEvent.objects.filter(occurred_on__gte=effective_from)
    if village is not None:
        entries = entries.filter(household__village=village)
    last = entries.aggregate(last=Max("occurred_on"))["last"]
    if last is not None:
        raise AdoptionError(
            _(
                "entries that occurred on %(last)s are already recorded under the covenant "
                "in force; a new version takes effect after %(last)s, so the past is never "
                "rescored"
            )
            % {"last": last},
            field="effective_from",
        )


def _terms(
    version: CovenantVersion, village: Village | None, rows: Sequence[dict], by: Actor
) -> list[CovenantTerm]:
    by_code: dict[str, dict] = {}
    for row in rows:
        code = row.get("code", "")
        if code in by_code:
            raise AdoptionError(_("rule %(rule)s is given twice") % {"rule": code}, field="rules")
        by_code[code] = row
    existing = {r.code: r for r in Rule.objects.select_related("village")}
    book = CovenantBook.load()
    terms: dict[str, CovenantTerm] = {}
    for code, row in by_code.items():
        rule = existing.get(code)
        if rule is None:
            rule = _new_rule(code, row, village, by)
        elif rule.village_id is not None and rule.village_id != getattr(village, "pk", None):
            raise AdoptionError(
                _("rule %(rule)s belongs to village %(village)s; this covenant cannot word it")
                % {"rule": code, "village": rule.village.code},
                field="rules",
            )
        elif village is None:  # the township version may reword its rules
            wording = {
                k: row[k]
                for k in WORDING_FIELDS
                if row.get(k) is not None and row[k] != getattr(rule, k)
            }
            if wording:
                rule, _created = save_rule(code=code, by=by, plugin=rule.plugin, **wording)
        points = row.get("points")
        points = rule.points if points is None else points
        if village is not None and rule.village_id is None:
            # A variant keeps only what it changes of the township's covenant.
            township = book.term(rule, None, version.effective_from)
            same_active = row.get("active") is None or row["active"] == township.active
            if points == township.points and same_active:
                continue
        if (points > 0) != (rule.points > 0):
            raise AdoptionError(
                _(
                    "rule %(rule)s: %(points)s points change the rule's sign (%(rule_points)s); "
                    "a gain stays a gain and a deduction a deduction"
                )
                % {"rule": code, "points": points, "rule_points": f"{rule.points:+d}"},
                field="rules",
            )
        active = row.get("active")
        terms[code] = CovenantTerm(
            version=version,
            rule=rule,
            points=points,
            active=rule.active if active is None else active,
        )
    if village is None:  # the township version words every rule of the township
        for rule in existing.values():
            if rule.code not in terms and rule.village_id is None:
                terms[rule.code] = CovenantTerm(
                    version=version,
                    rule=rule,
                    points=rule.points,
                    # A plugin's rules are switched on and off with the plugin.
                    active=rule.active or rule.plugin != CORE_PLUGIN,
                )
    return list(terms.values())


def _new_rule(code: str, row: dict, village: Village | None, by: Actor) -> Rule:
    fields = {
        k: row[k] for k in (*WORDING_FIELDS, "points", "applies_to") if row.get(k) is not None
    }
    fields.setdefault("title_en", fields.get("title_zh"))
    fields.setdefault("needs_review", True)
    rule, _created = save_rule(code=code, by=by, **fields)
    if village is not None:
        Rule.objects.filter(pk=rule.pk).update(village=village)
        rule.village = village
    return rule


def _caps(
    version: CovenantVersion, caps: list[CapSpec], terms: dict[str, CovenantTerm]
) -> list[Cap]:
    rules = {r.code: r for r in Rule.objects.all()}
    seen = set()
    made = []
    for cap in caps:
        if cap.period not in (MONTH, YEAR):
            raise AdoptionError(
                _("cap period %(period)s: use month or year") % {"period": cap.period},
                field="caps",
            )
        if not cap.limit:
            raise AdoptionError(_("a cap of 0 points caps nothing; leave it out"), field="caps")
        if bool(cap.rule_code) == bool(cap.category):
            raise AdoptionError(_("a cap names a rule or a category, not both"), field="caps")
        if cap.key in seen:
            raise AdoptionError(
                _("cap %(cap)s is given twice") % {"cap": cap.describe()}, field="caps"
            )
        seen.add(cap.key)
        rule = None
        if cap.rule_code:
            rule = rules.get(cap.rule_code)
            if rule is None:
                raise AdoptionError(
                    _("cap on unknown rule %(rule)s") % {"rule": cap.rule_code}, field="caps"
                )
            points = terms[cap.rule_code].points if cap.rule_code in terms else rule.points
            if (points > 0) != (cap.limit > 0):
                raise AdoptionError(
                    _(
                        "cap %(cap)s: rule %(rule)s %(kind)s points, so its cap is %(sign)s "
                        "(a positive limit caps gains, a negative one losses)"
                    )
                    % {
                        "cap": cap.describe(),
                        "rule": rule.code,
                        "kind": _("adds") if points > 0 else _("deducts"),
                        "sign": _("positive") if points > 0 else _("negative"),
                    },
                    field="caps",
                )
        elif cap.category not in Rule.Category.values:
            raise AdoptionError(
                _("cap on unknown category %(category)s") % {"category": cap.category},
                field="caps",
            )
        made.append(
            Cap(
                version=version,
                rule=rule,
                category="" if rule else cap.category,
                period=cap.period,
                limit=cap.limit,
            )
        )
    return made
