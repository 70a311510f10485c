"""Requests from the dispute code and the steps of mediation: every write and rule of the plugin.

The steps: requested (the resident, from the dispute code) → accepted (the station
reached the applicant on the phone given) → sessions held (date and note, any
number) → agreement reached (text, and the signed scan now or later) → follow-up
(date, whether the agreement held) closes the case; or, after acceptance, failed →
referred elsewhere (court, petition office, police), which also finishes it. Every
step keeps who and when; a finished case (referred or closed) is never edited.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.mediation.conf import SCAN_SIGNATURES
from plugins.mediation.models import (
    FINISHED,
    Case,
    Category,
    ReferredTo,
    Status,
    Step,
    StepKind,
)
from plugins.mediation.selectors import township_settings
from township_integrity.errors import PluginError
from township_integrity.models import Village
from township_integrity.roles import Role
from township_integrity.services import Actor, require_role

# Who works a village station's cases: that village's committee (village-scoped), and
# the township's administrators for every village.
MEDIATOR_ROLES = (Role.VILLAGE_COMMITTEE, Role.TOWNSHIP_ADMIN)

# A mainland China mobile number: 11 digits, 1 then 3–9 (after removing spaces, dashes
# and a +86 / 86 country prefix).
MOBILE = re.compile(r"1[3-9]\d{9}")
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the phone
RECEIPT_LENGTH = 8
LIMITS = {"applicant_name": 50, "other_party": 100, "description": 2000}


def normalise_phone(value: str) -> str:
    """The number's 11 digits (spaces, dashes and a +86/86 prefix removed)."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def check_request(
    *,
    village: Village | None,
    applicant_name: str,
    phone: str,
    phone_again: str,
    other_party: str,
    category: str,
    description: str,
) -> dict:
    """The request's cleaned values, or a ValidationError naming every wrong field.

    The public form calls it to show its errors and ``request_mediation`` before
    saving, so the rules live here only.
    """
    errors: dict[str, str] = {}
    cleaned = {
        "applicant_name": (applicant_name or "").strip(),
        "other_party": (other_party or "").strip(),
        "description": (description or "").strip(),
        "category": (category or "").strip(),
        "phone": normalise_phone(phone),
    }
    if village is None:
        errors["village"] = _("Choose your village.")
    if not cleaned["applicant_name"]:
        errors["applicant_name"] = _("Your name is required.")
    if not cleaned["description"]:
        errors["description"] = _("Say briefly what the dispute is about.")
    for name, limit in LIMITS.items():
        if len(cleaned[name]) > limit and name not in errors:
            errors[name] = _("At most %(limit)d characters.") % {"limit": limit}
    if cleaned["category"] not in Category.values:
        errors["category"] = _("Choose what the dispute is about.")
    if not MOBILE.fullmatch(cleaned["phone"]):
        errors["phone"] = _("Enter a mainland mobile number: 11 digits starting with 1.")
    elif normalise_phone(phone_again) != cleaned["phone"]:
        errors["phone_again"] = _("The two phone numbers differ: type it again.")
    if errors:
        raise ValidationError(errors)
    return {**cleaned, "village": village}


def request_mediation(
    *,
    village: Village | None,
    applicant_name: str,
    phone: str,
    phone_again: str,
    category: str,
    description: str,
    other_party: str = "",
    at: dt.datetime | None = None,
) -> Case:
    """A resident's request from the dispute code (no sign-in): the case and its receipt.

    Nothing is saved when a field is wrong (``check_request``'s ValidationError).
    """
    township_settings()
    values = check_request(
        village=village,
        applicant_name=applicant_name,
        phone=phone,
        phone_again=phone_again,
        other_party=other_party,
        category=category,
        description=description,
    )
    at = at or timezone.now()
    with transaction.atomic():
        case = Case.objects.create(receipt=_new_receipt(), received_at=at, **values)
        Step.objects.create(
            case=case, kind=StepKind.REQUESTED, at=at, by_label=_("resident (dispute code)")
        )
    return case


def _new_receipt() -> str:
    while True:
        receipt = "MD" + "".join(secrets.choice(RECEIPT_ALPHABET) for _n in range(RECEIPT_LENGTH))
        if not Case.objects.filter(receipt=receipt).exists():
            return receipt


def accept(case: Case, *, by: Actor, phone_confirmed: bool, note: str = "", at=None) -> Step:
    """The station takes the case, after reaching the applicant on the phone given."""
    if not phone_confirmed:
        raise PluginError(
            _("Call the applicant first: a case is accepted once the phone number is confirmed."),
            field="phone_confirmed",
        )
    return _step(case, StepKind.ACCEPTED, by=by, note=note, at=at, allowed=(Status.REQUESTED,))


def record_session(case: Case, *, by: Actor, on: dt.date, note: str, at=None) -> Step:
    """A mediation session held on ``on``, with what happened (required)."""
    if not (note or "").strip():
        raise PluginError(_("Say what happened at the session."), field="note")
    if on is None or on > timezone.localdate():
        raise PluginError(_("The session's date cannot be in the future."), field="on")
    if on < timezone.localdate(case.received_at):
        raise PluginError(_("The session's date is before the request."), field="on")
    return _step(case, StepKind.SESSION, by=by, note=note, on=on, at=at, allowed=(Status.ACCEPTED,))


def reach_agreement(
    case: Case, *, by: Actor, text: str, scan: UploadedFile | None = None, at=None
) -> Step:
    """The parties agreed (after at least one session): the agreement's text, and its
    signed scan when at hand (``attach_scan`` adds it later)."""
    _require_mediator(case, by)  # before looking at the file
    text = (text or "").strip()
    if not text:
        raise PluginError(_("Write down what the parties agreed."), field="text")
    scan_type = check_scan(scan) if scan else ""
    with transaction.atomic():
        step = _step(
            case,
            StepKind.SETTLED,
            by=by,
            at=at,
            allowed=(Status.ACCEPTED,),
            needs_session=True,
            changes={"agreement_text": text},
        )
        if scan:
            _store_scan(step.case, scan, scan_type)
    return step


def attach_scan(case: Case, *, by: Actor, scan: UploadedFile, at=None) -> Step:
    """The signed agreement's scan (PDF, JPEG or PNG), before the follow-up closes the case."""
    _require_mediator(case, by)  # before looking at the file
    if not scan:
        raise PluginError(_("Choose the scan of the signed agreement."), field="scan")
    scan_type = check_scan(scan)
    with transaction.atomic():
        step = _step(case, StepKind.SCAN, by=by, at=at, allowed=(Status.SETTLED,))
        _store_scan(step.case, scan, scan_type)
    return step


def refer(case: Case, *, by: Actor, to: str, note: str, at=None) -> Step:
    """Mediation failed: the case goes to the court, the petition office or the police."""
    if to not in ReferredTo.values:
        raise PluginError(
            _("Referred to: choose one of %(choices)s") % {"choices": ", ".join(ReferredTo.values)},
            field="to",
        )
    if not (note or "").strip():
        raise PluginError(_("Say why mediation failed."), field="note")
    return _step(
        case,
        StepKind.REFERRED,
        by=by,
        note=note,
        at=at,
        allowed=(Status.ACCEPTED,),
        changes={"referred_to": to},
    )


def record_follow_up(
    case: Case, *, by: Actor, on: dt.date, held: bool, note: str = "", at=None
) -> Step:
    """The follow-up of an agreement (whether it held) closes the case."""
    if on is None or on > timezone.localdate():
        raise PluginError(_("The follow-up's date cannot be in the future."), field="on")
    if case.settled_at and on < timezone.localdate(case.settled_at):
        raise PluginError(_("The follow-up's date is before the agreement."), field="on")
    if held is None:
        raise PluginError(_("Say whether the agreement held."), field="held")
    return _step(
        case,
        StepKind.FOLLOW_UP,
        by=by,
        note=note,
        on=on,
        at=at,
        allowed=(Status.SETTLED,),
        changes={"follow_up_on": on, "agreement_held": bool(held)},
    )


# The status a step moves the case to, and the time field it stamps.
MOVES = {
    StepKind.ACCEPTED: (Status.ACCEPTED, "accepted_at"),
    StepKind.SETTLED: (Status.SETTLED, "settled_at"),
    StepKind.REFERRED: (Status.REFERRED, "referred_at"),
    StepKind.FOLLOW_UP: (Status.CLOSED, "closed_at"),
}


def _step(
    case: Case,
    kind: str,
    *,
    by: Actor,
    allowed: tuple,
    note: str = "",
    on: dt.date | None = None,
    at: dt.datetime | None = None,
    needs_session: bool = False,
    changes: dict | None = None,
) -> Step:
    _require_mediator(case, by)
    at = at or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("village").get(pk=case.pk)
        if case.status in FINISHED:
            raise PluginError(
                _("Case %(case)s is finished (%(status)s); it is not edited any more.")
                % {"case": case.receipt, "status": case.get_status_display()}
            )
        if case.status not in allowed:
            raise PluginError(
                _("Case %(case)s is %(status)s: this step is not possible now.")
                % {"case": case.receipt, "status": case.get_status_display()}
            )
        if needs_session and not case.steps.filter(kind=StepKind.SESSION).exists():
            raise PluginError(
                _("Record at least one mediation session before the agreement."), field="text"
            )
        if at > timezone.now():
            raise PluginError(_("A step cannot be recorded in the future."))
        last = case.steps.order_by("-at", "-pk").values_list("at", flat=True).first()
        if last is not None and at < last:
            raise PluginError(_("A step cannot be earlier than the last one."))
        step = Step.objects.create(
            case=case, kind=kind, at=at, on=on, by=by.user, by_label=by.label, note=note.strip()
        )
        changed = list((changes or {}).keys())
        for name, value in (changes or {}).items():
            setattr(case, name, value)
        if kind in MOVES:
            case.status, stamp = MOVES[kind]
            setattr(case, stamp, at)
            changed += ["status", stamp]
        if changed:
            case.save(update_fields=changed)
    step.case = case
    return step


def _require_mediator(case: Case, by: Actor) -> None:
    township_settings()
    require_role(by, MEDIATOR_ROLES, village_code=case.village.code, what=_("mediate disputes"))


def check_scan(scan: UploadedFile) -> str:
    """The scan's type ("pdf", "jpg", "png") by its first bytes; PluginError when it is too
    large or none of them, whatever its name or declared content type says."""
    limit_kb = township_settings()["max_scan_kb"]
    if scan.size > limit_kb * 1024:
        raise PluginError(
            _("The scan is larger than %(limit)d KB.") % {"limit": limit_kb}, field="scan"
        )
    scan.seek(0)
    head = scan.read(16)
    scan.seek(0)
    for signature, (kind, _mime) in SCAN_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise PluginError(_("The scan must be a PDF, JPEG or PNG file."), field="scan")


def _store_scan(case: Case, scan: UploadedFile, scan_type: str) -> None:
    # A better scan replaces the first: the first file is removed once the new one is
    # committed (a failure before that leaves the case with its first scan intact).
    storage, first = case.agreement_scan.storage, case.agreement_scan.name
    case.scan_type = scan_type
    case.agreement_scan.save(f"scan.{scan_type}", scan, save=False)
    case.save(update_fields=["agreement_scan", "scan_type"])
    if first:
        transaction.on_commit(lambda: storage.delete(first))
