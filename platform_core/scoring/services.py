"""Writes of the covenant, the ledger, objections and the wallet (inside a township schema).

Fairness rules live here (docs/scoring.md):
- every entry names its rule, source, evidence and the person (or plugin) who recorded it;
- entries copy the rule's points, so editing a rule never changes what was recorded;
- an approved entry is never edited: a correction or an upheld objection adds a
  compensating entry and marks the original ``reversed`` (the database checks both);
- nobody approves an entry they recorded themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from platform_core.accounts.access import REVIEWER_ROLES, STAFF_ROLES, actor_access, require_held
from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.errors import NotAllowed, PlatformError
from platform_core.households.models import Household
from platform_core.scoring.due_process import (
    announce,
    due_process_fields,
    in_response_window,
    is_deduction,
    response_due,
)
from platform_core.scoring.models import (
    CORE_PLUGIN,
    EntryStatus,
    FormalFinding,
    Objection,
    Rule,
    RuleSubjects,
    ScoreEvent,
    Wallet,
    WalletSpend,
)
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.selectors import answer_due, earned_points
from platform_core.scoring.signals import standing_changed
from platform_core.scoring.versions import CovenantBook, entry_outcome, lock_household

RULE_FIELDS = (
    "title_zh",
    "title_en",
    "category",
    "points",
    "needs_review",
    "basis",
    "immediate",
    "requires_finding",
)


class LedgerError(PlatformError):
    """A ledger write refused (recording, reviewing, correcting, spending): says why."""


class ExternalIdConflict(LedgerError):
    """An external id (or a spend's reference) already names another entry or spend."""


# Stored values (statuses, tiers) named inside messages: English shows the value
# itself, other languages a word of their own.
VALUE_WORDS = {
    "proposed": pgettext_lazy("status or tier in a message", "proposed"),
    "approved": pgettext_lazy("status or tier in a message", "approved"),
    "rejected": pgettext_lazy("status or tier in a message", "rejected"),
    "reversed": pgettext_lazy("status or tier in a message", "reversed"),
    "repaired": pgettext_lazy("status or tier in a message", "repaired"),
    "pending": pgettext_lazy("status or tier in a message", "pending"),
    "upheld": pgettext_lazy("status or tier in a message", "upheld"),
    "dismissed": pgettext_lazy("status or tier in a message", "dismissed"),
    "green": pgettext_lazy("status or tier in a message", "green"),
    "blue": pgettext_lazy("status or tier in a message", "blue"),
    "red": pgettext_lazy("status or tier in a message", "red"),
}


def value_word(value) -> str:
    """A status or tier for a message, in the active language (unknown values as they are)."""
    word = VALUE_WORDS.get(str(value))
    return str(word) if word is not None else str(value)


def require_role(
    actor: Actor, roles, *, village_code: str | None, what: str, institution: str | None = None
) -> None:
    """Refuse a signed-in person without one of ``roles`` in this township (and village).

    The rule is ``platform_core.accounts.access``'s, the one a ``Viewer`` follows: an
    actor through an API token may use only the token's role (and village). With
    ``institution`` (an alliance member's code), an alliance clerk passes only for
    their own institution. An actor without a user is the operator of a management
    command (shell access to the platform) and is not checked.
    """
    require_held(
        actor,
        connection.tenant,
        roles,
        what=what,
        village_code=village_code,
        institution=institution,
    )


# --- covenant rules ---------------------------------------------------------


class IncompleteRule(LedgerError):
    """A new rule without all of ``NEW_RULE_FIELDS`` (``field``: the first missing)."""


# What a new rule cannot do without (an edit may change any of them alone).
NEW_RULE_FIELDS = ("title_zh", "title_en", "category", "points")


def save_rule(*, code: str, by: Actor, plugin: str = CORE_PLUGIN, **fields) -> tuple[Rule, bool]:
    """Add the rule ``code`` or update it; returns (rule, created).

    Only township administrators edit the covenant (``by``; an operator of a command,
    with no user, is not checked). Recorded entries keep the points they were
    recorded with.
    """
    require_role(by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=_("edit covenant rules"))
    rule = Rule.objects.filter(code=code).first()
    created = rule is None
    if created:
        missing = [name for name in NEW_RULE_FIELDS if fields.get(name) is None]
        if missing:
            raise IncompleteRule(
                _("A new rule needs %(fields)s.") % {"fields": ", ".join(missing)},
                field=missing[0],
            )
        rule = Rule(code=code, plugin=plugin, **fields)
    else:
        if problem := applies_to_problem(rule, fields.get("applies_to")):
            raise LedgerError(problem, field="applies_to")
        for name, value in fields.items():
            setattr(rule, name, value)
    if problem := basis_problem(
        code=code, points=rule.points, basis=rule.basis, immediate=rule.immediate
    ):
        raise LedgerError(problem, field="basis")
    try:
        rule.full_clean()
    except ValidationError as exc:
        problems = "; ".join(f"{field}: {' '.join(m)}" for field, m in exc.message_dict.items())
        raise LedgerError(
            _("rule %(rule)s: %(problems)s") % {"rule": code, "problems": problems}
        ) from None
    rule.save()
    return rule, created


def applies_to_problem(rule: Rule, applies_to: str | None) -> str | None:
    """Why ``rule`` may not now apply to ``applies_to`` (None: it may, or no change).

    Its entries were recorded on subjects of its present kind (``rule_subject_problem``):
    once the ledger uses it, whom it scores stays (save_rule, import_rules, the rule admin).
    """
    if not applies_to or rule.pk is None or applies_to == rule.applies_to:
        return None
    if not ScoreEvent.objects.filter(rule=rule).exists():
        return None
    return _(
        "rule %(rule)s: entries are recorded under it, so whom it applies to cannot change"
    ) % {"rule": rule.code}


def basis_problem(*, code: str, points: int | None, basis: str, immediate: bool) -> str | None:
    """Why a rule may not be saved as it is worded, or None (docs/scoring.md, Legal basis).

    Every deduction names its legal basis (a covenant clause, law or document number;
    国办发〔2020〕49号: a legal basis for every measure), and so does a rule that counts
    at once, without the household's response window. The one check the covenant's
    writers (save_rule, import_rules, the rule admin, plugins' rules) all pass.
    """
    if points is not None and points < 0 and not (basis or "").strip():
        return _(
            "rule %(rule)s deducts points: its legal basis (basis) is required — "
            "a covenant clause, law or document number"
        ) % {"rule": code}
    if immediate and not (basis or "").strip():
        return _(
            "rule %(rule)s counts at once (immediate): its legal basis (basis) must name "
            "what allows it to count without the response window"
        ) % {"rule": code}
    return None


def install_rules(rules: Iterable[dict], *, plugin: str) -> int:
    """Add the rules a plugin supplies that the township does not have yet; returns how many.

    Existing rules are left as the township edited them. A deduction (or an immediate
    rule) without a legal basis is refused (``LedgerError``, naming the rule): plugins
    declare it in ``RuleSpec.basis``.
    """
    added = 0
    for spec in rules:
        fields = {name: spec[name] for name in RULE_FIELDS if name in spec}
        if problem := basis_problem(
            code=spec["code"],
            points=fields.get("points"),
            basis=fields.get("basis", ""),
            immediate=fields.get("immediate", False),
        ):
            raise LedgerError(problem, field="basis")
        _rule, created = Rule.objects.get_or_create(
            code=spec["code"], defaults={**fields, "plugin": plugin}
        )
        added += created
    return added


# --- the ledger -------------------------------------------------------------


def record_entry(
    *,
    household: Household,
    rule: Rule,
    occurred_on: dt.date,
    recorder: Actor,
    source: str,
    evidence: str,
    points: int | None = None,
    note: str = "",
    external_id: str | None = None,
    evaluation_round=None,
    review: bool | None = None,
    finding: dict | None = None,
) -> ScoreEvent:
    """Record one entry: proposed when it needs review (default: as the rule says).

    A deduction under a rule that ``requires_finding`` (an unreasonable petition) is
    recorded only with ``finding``: a dict of ``authority``, ``document_number``,
    ``found_on`` (a date), ``warned_on`` (a date) and ``warning`` (how the petitioner
    was warned), written as its ``FormalFinding`` in the same transaction (see
    ``check_finding`` for what is refused).

    With an ``external_id`` already recorded for ``source``, for the same household
    and rule, the existing entry is returned, so retrying a feed never duplicates;
    the recorder may see it (staff of the household's village). Under any other
    household or rule the external id is refused (``ExternalIdConflict``), naming
    nothing of the other entry.
    """
    require_role(
        recorder, STAFF_ROLES, village_code=household.village.code, what=_("record ledger entries")
    )
    if external_id:
        existing = ScoreEvent.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return _same_entry(existing, household, rule)
    if problem := rule_subject_problem(rule, household):
        raise LedgerError(problem, field="rule")
    term = CovenantBook.load().term(rule, household.village_id, occurred_on)
    points = term.points if points is None else points
    _check_entry(rule, points, occurred_on, evidence)
    finding = check_finding(rule, finding, occurred_on)
    if term.refusal:
        raise LedgerError(term.refusal, field="rule")
    entry = ScoreEvent(
        household=household,
        rule=rule,
        points=points,
        covenant_version_id=term.version_id,
        occurred_on=occurred_on,
        source=source,
        external_id=external_id or None,
        evidence=evidence,
        note=note,
        evaluation_round=evaluation_round,
        recorded_by=recorder.user,
        recorded_by_label=recorder.label,
    )
    if not (rule.needs_review if review is None else review):
        entry.status = EntryStatus.APPROVED
        entry.reviewed_by_label = "rule needs no review"
        entry.reviewed_at = timezone.now()
        _due_process_fields(entry, rule)
    try:
        with transaction.atomic():
            if entry.status == EntryStatus.APPROVED:
                _apply_caps(entry)
            entry.save()
            if finding is not None:
                FormalFinding.objects.create(entry=entry, **finding)
            _announce_approval(entry, recorder)
    except IntegrityError:
        if external_id:  # the same event recorded at the same moment: keep the first
            existing = ScoreEvent.objects.get(source=source, external_id=external_id)
            return _same_entry(existing, household, rule)
        raise
    return entry


FINDING_FIELDS = ("authority", "document_number", "found_on", "warned_on", "warning")
FINDING_LIMITS = {"authority": 200, "document_number": 100}


def check_finding(rule: Rule, finding: dict | None, occurred_on: dt.date) -> dict | None:
    """The formal finding an entry under ``rule`` rests on, checked; refused with the
    reason (docs/scoring.md, "Unreasonable-petition deductions only on a formal finding").

    A rule that ``requires_finding`` needs one. A finding names the authority, its
    document number and date (``found_on``), and the advance warning to the petitioner
    (``warned_on``, ``warning``: 先提醒、后扣分). The warning comes before the finding
    (strictly: a warning given the day of the finding is no advance warning), and the
    entry is dated on or after the finding (nothing is deducted for a time before the
    finding made it lawful). Only deductions carry one.
    """
    if not finding:
        if rule.requires_finding:
            raise LedgerError(
                _(
                    "rule %(rule)s is recorded only on a formal finding: give the finding's "
                    "authority, document number and date, and when and how the petitioner "
                    "was warned in advance"
                )
                % {"rule": rule.code},
                field="finding",
            )
        return None
    if rule.points > 0:
        raise LedgerError(
            _("rule %(rule)s adds points: a formal finding belongs to a deduction")
            % {"rule": rule.code},
            field="finding",
        )
    unknown = sorted(set(finding) - set(FINDING_FIELDS))
    missing = [
        name
        for name in FINDING_FIELDS
        if finding.get(name) is None
        or (isinstance(finding[name], str) and not finding[name].strip())
    ]
    if unknown or missing:
        raise LedgerError(
            _("the formal finding needs %(fields)s") % {"fields": ", ".join(missing)}
            if missing
            else _("the formal finding has no %(fields)s") % {"fields": ", ".join(unknown)},
            field="finding",
        )
    found_on, warned_on = finding["found_on"], finding["warned_on"]
    if not isinstance(found_on, dt.date) or not isinstance(warned_on, dt.date):
        raise LedgerError(
            _("the finding's found_on and warned_on are dates (YYYY-MM-DD)"), field="finding"
        )
    clean = {
        name: finding[name].strip() if isinstance(finding[name], str) else finding[name]
        for name in FINDING_FIELDS
    }
    for name, limit in FINDING_LIMITS.items():
        if len(clean[name]) > limit:
            raise LedgerError(
                _("the finding's %(field)s is longer than %(limit)s characters")
                % {"field": name, "limit": limit},
                field="finding",
            )
    if problem := finding_dates_problem(found_on, warned_on, occurred_on):
        message, field = problem
        raise LedgerError(message, field="finding" if field != "occurred_on" else field)
    return clean


def finding_dates_problem(
    found_on: dt.date, warned_on: dt.date, occurred_on: dt.date
) -> tuple[str, str] | None:
    """(message, field) when a finding's dates are out of order, else None: the warning
    strictly before the finding, the entry on or after it (``check_finding``; the ledger
    import asks it per row)."""
    if not warned_on < found_on:
        return (
            _(
                "the petitioner must be warned before the finding: warned on %(warned)s, "
                "finding of %(found)s"
            )
            % {"warned": warned_on, "found": found_on},
            "warned_on",
        )
    if found_on > occurred_on:
        return (
            _(
                "the deduction is dated %(date)s, before the finding of %(found)s: date it "
                "on or after the finding"
            )
            % {"date": occurred_on, "found": found_on},
            "occurred_on",
        )
    return None


def record_by_hand(*, household: Household, recorder: Actor, **entry) -> ScoreEvent:
    """An entry a person records by hand (the API, the workbench): proposed unless they may
    review entries of that village, whatever the rule says, so a free-form entry always
    passes a second person. Plugins whose own procedure vouches for their entries (an
    inspection round) call ``record_entry`` and let the rule decide."""
    review = None if may_review(recorder, household.village.code) else True
    return record_entry(household=household, recorder=recorder, review=review, **entry)


def may_review(actor: Actor, village_code: str) -> bool:
    """Whether ``actor`` (as their credential allows) may review entries of that village.

    The operator of a management command (no user) may: imports say so themselves.
    """
    try:
        require_role(actor, REVIEWER_ROLES, village_code=village_code, what="")
    except NotAllowed:
        return False
    return True


def _same_entry(existing: ScoreEvent, household: Household, rule: Rule) -> ScoreEvent:
    """A retry's entry, if it is the same event; refused otherwise (without saying whose)."""
    if existing.household_id != household.pk or existing.rule_id != rule.pk:
        raise ExternalIdConflict(
            _(
                "external id %(external_id)s is already used by another entry of source "
                "%(source)s (another household or rule); give this entry its own external id"
            )
            % {"external_id": existing.external_id, "source": existing.source}
        )
    return existing


def rule_subject_problem(rule: Rule, subject: Household) -> str | None:
    """Why ``rule`` may not be recorded on ``subject``, or None (docs/subjects.md).

    Households are scored under the households' covenant, merchants and firms under
    their own: a rule of the one is never recorded on the other. The ledger import
    checks the same in SQL (``scoring.imports.WRONG_SUBJECT``).
    """
    wanted = RuleSubjects.HOUSEHOLDS if subject.is_household else RuleSubjects.ENTERPRISES
    if rule.applies_to == wanted:
        return None
    if subject.is_household:
        return _(
            "rule %(rule)s belongs to the merchants' and firms' covenant; "
            "household %(subject)s is scored under the households' rules"
        ) % {"rule": rule.code, "subject": subject.code}
    return _(
        "rule %(rule)s belongs to the households' covenant; "
        "merchant or firm %(subject)s is scored under the merchants' and firms' rules"
    ) % {"rule": rule.code, "subject": subject.code}


def _check_entry(rule: Rule, points: int, occurred_on: dt.date, evidence: str) -> None:
    if not rule.active:
        raise LedgerError(
            _("rule %(rule)s is inactive; entries cannot be recorded under it")
            % {"rule": rule.code},
            field="rule",
        )
    if points == 0 or (points > 0) != (rule.points > 0):
        raise LedgerError(
            _(
                "points %(points)s do not match rule %(rule)s (%(rule_points)s): "
                "an entry keeps the sign of its rule"
            )
            % {"points": points, "rule": rule.code, "rule_points": f"{rule.points:+d}"},
            field="points",
        )
    if occurred_on > timezone.localdate():
        raise LedgerError(
            _("date %(date)s is in the future") % {"date": occurred_on}, field="occurred_on"
        )
    if not evidence.strip():
        raise LedgerError(
            _("evidence is required: say what was seen or which document shows it"),
            field="evidence",
        )


def review_entry(entry: ScoreEvent, *, reviewer: Actor, approve: bool, reason: str = "") -> None:
    """Approve or reject a proposed entry (the joint review). Rejection needs a reason."""
    with transaction.atomic():
        entry = ScoreEvent.objects.select_for_update().get(pk=entry.pk)
        if entry.status != EntryStatus.PROPOSED:
            raise LedgerError(
                _("entry %(entry)s is already %(status)s")
                % {"entry": entry.pk, "status": value_word(entry.status)}
            )
        require_role(
            reviewer,
            REVIEWER_ROLES,
            village_code=entry.household.village.code,
            what=_("review ledger entries"),
        )
        if reviewer.same_person(entry.recorded_by_id, entry.recorded_by_label):
            raise NotAllowed(_("an entry cannot be reviewed by the person who recorded it"))
        if not approve and not reason.strip():
            raise LedgerError(_("a rejection needs a reason the household can read"))
        entry.status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
        entry.reviewed_by = reviewer.user
        entry.reviewed_by_label = reviewer.label
        entry.reviewed_at = timezone.now()
        entry.review_note = reason
        capped = _apply_caps(entry) if approve else []
        due_process = _due_process_fields(entry, entry.rule) if approve else []
        entry.save(
            update_fields=[
                "status",
                "reviewed_by",
                "reviewed_by_label",
                "reviewed_at",
                "review_note",
                *capped,
                *due_process,
            ]
        )
        if approve:
            _announce_approval(entry, reviewer)


def _due_process_fields(entry: ScoreEvent, rule: Rule) -> list[str]:
    """A deduction being approved today: its ``counts_from`` after the response window
    (docs/scoring.md, "Notice before a deduction counts"), saved with the approval."""
    policy = ScoringPolicy.of(connection.tenant)
    return due_process_fields(entry, rule, policy, notified_on=timezone.localdate())


def _announce_approval(entry: ScoreEvent, by: Actor) -> None:
    """Inside the approving transaction: an approved deduction's notice is recorded (and
    sent after the commit) by the notices app."""
    if entry.status == EntryStatus.APPROVED and is_deduction(entry.points, entry.kind):
        announce([entry.pk], notified_on=timezone.localdate(), by=by)


def _apply_caps(entry: ScoreEvent) -> list[str]:
    """An entry being approved: its ``effect`` after the caps in force and, when a cap cut
    it, the reason (docs/scoring.md, "Caps"); the household is locked until the commit."""
    lock_household(entry.household_id)
    outcome = entry_outcome(entry)
    entry.effect = outcome.effect
    entry.cap_note = outcome.note()
    return ["effect", "cap_note"]


def reverse_entry(entry: ScoreEvent, *, by: Actor, reason: str, source: str) -> ScoreEvent:
    """Cancel an approved entry with a compensating entry; the original turns ``reversed``.

    The compensating entry has the opposite points and the original's date, so the
    pair cancels in every window. Idempotent: a second call returns the first result.
    """
    with transaction.atomic():
        entry = ScoreEvent.objects.select_for_update().get(pk=entry.pk)
        if entry.status == EntryStatus.REVERSED:
            return ScoreEvent.objects.get(corrects=entry, kind=ScoreEvent.Kind.COMPENSATION)
        if entry.status != EntryStatus.APPROVED:
            raise LedgerError(
                _("only approved entries can be reversed; entry %(entry)s is %(status)s")
                % {"entry": entry.pk, "status": value_word(entry.status)}
            )
        now = timezone.now()
        compensation = ScoreEvent.objects.create(
            household_id=entry.household_id,
            rule_id=entry.rule_id,
            points=-entry.points,
            # The pair cancels after caps too: the original's effect, negated.
            effect=-(entry.points if entry.effect is None else entry.effect),
            covenant_version_id=entry.covenant_version_id,
            occurred_on=entry.occurred_on,
            # Counts from when the original does, so the pair cancels on every day.
            counts_from=entry.counts_from,
            source=source,
            external_id=f"reversal:{entry.pk}",
            evidence=f"reverses entry {entry.pk}",
            note=reason,
            kind=ScoreEvent.Kind.COMPENSATION,
            status=EntryStatus.APPROVED,
            corrects=entry,
            recorded_by=by.user,
            recorded_by_label=by.label,
            reviewed_by=by.user,
            reviewed_by_label=by.label,
            reviewed_at=now,
            review_note=reason,
        )
        ScoreEvent.objects.filter(pk=entry.pk).update(status=EntryStatus.REVERSED)
        return compensation


def correct_entry(entry: ScoreEvent, *, by: Actor, reason: str) -> ScoreEvent:
    """Staff correction of an entry approved in error (a compensating entry, never an edit)."""
    if not reason.strip():
        raise LedgerError(_("a correction needs a reason the household can read"))
    require_role(
        by, REVIEWER_ROLES, village_code=entry.household.village.code, what=_("correct entries")
    )
    return reverse_entry(entry, by=by, reason=reason, source="correction")


# --- objections -------------------------------------------------------------


def file_objection(
    entry: ScoreEvent,
    *,
    by: Actor,
    reason: str,
    on_behalf: bool = False,
    policy: ScoringPolicy | None = None,
    today: dt.date | None = None,
) -> Objection:
    """A household (or staff for it) contests a deduction within the objection window."""
    policy = policy or ScoringPolicy.of(connection.tenant)
    today = today or timezone.localdate()
    village_code = entry.household.village.code
    if on_behalf:
        require_role(
            by, STAFF_ROLES, village_code=village_code, what=_("object on a household's behalf")
        )
    else:
        require_role(
            by, (Role.HOUSEHOLD, *STAFF_ROLES), village_code=village_code, what=_("file objections")
        )
        _require_own_household(by, entry.household.code, village_code)
        # Staff objecting for a household do so on its behalf, whatever they asked for.
        on_behalf = by.user is not None and not actor_access(by, connection.tenant).speaks_for(
            entry.household.code
        )
    if entry.points >= 0 or entry.kind != ScoreEvent.Kind.NORMAL:
        raise LedgerError(_("only deductions can be contested"), field="entry")
    if entry.status != EntryStatus.APPROVED:
        raise LedgerError(
            _("entry %(entry)s is %(status)s; only approved deductions are contested")
            % {"entry": entry.pk, "status": value_word(entry.status)},
            field="entry",
        )
    deadline = objection_deadline(entry, policy)
    if today > deadline:
        raise LedgerError(
            _(
                "the objection window closed on %(deadline)s (%(days)s days "
                "after the deduction was approved)"
            )
            % {"deadline": deadline, "days": policy.objection_days},
            field="entry",
        )
    if not reason.strip():
        raise LedgerError(_("an objection needs a reason"), field="reason")
    pending = _("entry %(entry)s already has an objection awaiting the council") % {
        "entry": entry.pk
    }
    if Objection.objects.filter(entry=entry, status=Objection.Status.PENDING).exists():
        raise LedgerError(pending, field="entry")
    try:
        with transaction.atomic():
            return Objection.objects.create(
                entry=entry,
                reason=reason,
                filed_by=by.user,
                filed_by_label=by.label,
                on_behalf=on_behalf,
                # Before the deduction counts: the household's answer to its notice.
                answers_notice=in_response_window(entry, today),
                answer_due=answer_due(today, policy),
            )
    except IntegrityError:  # filed at the same moment by someone else
        raise LedgerError(pending, field="entry") from None


def _require_own_household(by: Actor, household_code: str, village_code: str) -> None:
    """A household may object only to its own entries; staff to any in their villages."""
    if by.user is None:
        return
    access = actor_access(by, connection.tenant)
    if access.holds(STAFF_ROLES, village_code):
        return
    if not access.speaks_for(household_code):
        raise NotAllowed(_("%(who)s may object only for their own household") % {"who": by.label})


def objection_deadline(entry: ScoreEvent, policy: ScoringPolicy) -> dt.date:
    """Last day to object: ``objection_days`` after approval (or after the event, if later),
    and never before the deduction's response window ends (an answer to its notice)."""
    approved_on = timezone.localdate(entry.reviewed_at) if entry.reviewed_at else entry.occurred_on
    deadline = max(approved_on, entry.occurred_on) + dt.timedelta(days=policy.objection_days)
    return max(deadline, response_due(entry.counts_from) or deadline)


def decide_objection(
    objection: Objection, *, decider: Actor, uphold: bool, reason: str
) -> Objection:
    """The council's decision; upholding reverses the deduction with a compensating entry
    and recomputes the household's standing at once (``standing_changed``)."""
    if not reason.strip():
        raise LedgerError(_("the council's decision needs a reason"))
    with transaction.atomic():
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        if objection.status != Objection.Status.PENDING:
            raise LedgerError(
                _("objection %(objection)s was already decided (%(status)s)")
                % {"objection": objection.pk, "status": value_word(objection.status)}
            )
        entry = objection.entry
        require_role(
            decider,
            REVIEWER_ROLES,
            village_code=entry.household.village.code,
            what=_("decide objections"),
        )
        if decider.same_person(entry.recorded_by_id, entry.recorded_by_label):
            raise NotAllowed(_("the person who recorded the deduction cannot decide the objection"))
        if decider.same_person(objection.filed_by_id, objection.filed_by_label):
            raise NotAllowed(_("the person who filed the objection cannot decide it"))
        if uphold:
            objection.compensating_entry = reverse_entry(
                entry,
                by=decider,
                reason=f"objection {objection.pk} upheld: {reason}",
                source="objection",
            )
        objection.status = Objection.Status.UPHELD if uphold else Objection.Status.DISMISSED
        objection.decided_by = decider.user
        objection.decided_by_label = decider.label
        objection.decided_at = timezone.now()
        objection.decision_reason = reason
        objection.save()
        if uphold:  # the standing is recomputed at once (evaluation's receiver)
            household, actor = entry.household, decider
            transaction.on_commit(
                lambda: standing_changed.send(
                    sender=Objection,
                    household=household,
                    reason=_("objection %(objection)s upheld: %(reason)s")
                    % {"objection": objection.pk, "reason": reason},
                    by=actor,
                )
            )
        return objection


# --- the points wallet ------------------------------------------------------


def spend_points(
    household: Household, *, amount: int, reference: str, description: str, by: Actor
) -> WalletSpend:
    """Spend wallet points; the integrity score is untouched. Idempotent per ``reference``
    (the same household and amount again returns the first spend; anything else is refused).

    Concurrent spends of one household are serialised by locking its wallet row.
    """
    if amount <= 0:
        raise LedgerError(_("an amount to spend must be a positive number of points"))
    with transaction.atomic():
        Wallet.objects.get_or_create(household=household)
        wallet = Wallet.objects.select_for_update().get(household=household)
        done = WalletSpend.objects.filter(reference=reference).first()
        if done is not None:  # a retry, if it is the same spend; never another household's
            if done.wallet_id != wallet.pk or done.amount != amount:
                raise ExternalIdConflict(
                    _(
                        "reference %(reference)s is already used by another spend "
                        "(another household or amount); give this spend its own reference"
                    )
                    % {"reference": reference}
                )
            return done
        balance = earned_points(household.pk) - wallet.spent
        if amount > balance:
            raise LedgerError(
                _("household %(household)s has %(balance)s points, %(amount)s needed")
                % {"household": household.code, "balance": balance, "amount": amount}
            )
        Wallet.objects.filter(pk=wallet.pk).update(spent=F("spent") + amount)
        return WalletSpend.objects.create(
            wallet=wallet,
            amount=amount,
            reference=reference,
            description=description,
            spent_by_label=by.label,
        )
