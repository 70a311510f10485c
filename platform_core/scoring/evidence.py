"""Evidence photos and households' own declarations (村民申报).

A photo is checked before anything is stored: its size (``EVIDENCE_PHOTO_MAX_BYTES``)
and that Pillow reads it as a JPEG, PNG, WebP or GIF image whatever its name says.
A declaration becomes a ledger entry only when a person of the village's staff
confirms it, and then in that person's name, proposed for the joint review.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from platform_core.accounts.access import STAFF_ROLES, actor_access
from platform_core.actors import Actor
from platform_core.errors import NotAllowed, PlatformError
from platform_core.households.models import Household
from platform_core.scoring.models import Declaration, EvidencePhoto, Rule, ScoreEvent
from platform_core.scoring.services import record_by_hand, record_entry, require_role

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
DECLARATION_SOURCE = "declaration"


class EvidenceError(PlatformError):
    """Refused evidence or declaration; ``field`` names the input it is about."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message, field=field)


def check_photo(upload, field: str = "photo") -> str:
    """The photo's content type; EvidenceError when it is too large or not an image."""
    limit = settings.EVIDENCE_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise EvidenceError(
            _("the photo is %(size)s; at most %(limit)s are accepted")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            field,
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        kind = None
    finally:
        upload.seek(0)
    if kind not in IMAGE_TYPES:
        raise EvidenceError(
            _("%(name)s is not a photo (JPEG, PNG, WebP or GIF)") % {"name": upload.name}, field
        )
    return IMAGE_TYPES[kind]


def attach_photos(
    uploads, *, by: Actor, entry: ScoreEvent | None = None, declaration: Declaration | None = None
) -> list[EvidencePhoto]:
    """Store photos for an entry or a declaration (all are checked before any is stored)."""
    types = [check_photo(upload) for upload in uploads]
    return [
        EvidencePhoto.objects.create(
            entry=entry,
            declaration=declaration,
            image=upload,
            content_type=content_type,
            size=upload.size,
            uploaded_by=by.user,
            uploaded_by_label=by.label,
        )
        for upload, content_type in zip(uploads, types, strict=True)
    ]


def record_with_photos(*, photos=(), **entry) -> ScoreEvent:
    """``record_by_hand`` and its photos in one transaction: both or neither."""
    for upload in photos:
        check_photo(upload)
    with transaction.atomic():
        recorded = record_by_hand(**entry)
        if photos and not recorded.photos.exists():  # a retried submission keeps the first
            attach_photos(photos, by=entry["recorder"], entry=recorded)
    return recorded


# --- declarations -------------------------------------------------------------


def declare_good_deed(
    *,
    household: Household,
    rule: Rule,
    occurred_on: dt.date,
    note: str,
    by: Actor,
    photos=(),
    today: dt.date | None = None,
) -> Declaration:
    """A household reports a good deed of its own, for its village's staff to confirm."""
    if not actor_access(by, connection.tenant).speaks_for(household.code):  # a token: its role
        raise NotAllowed(_("%(who)s may declare only for their own household") % {"who": by.label})
    today = today or timezone.localdate()
    if rule.points <= 0 or not rule.active:
        raise EvidenceError(_("only an active rule that awards points can be declared"), "rule")
    if occurred_on > today:
        raise EvidenceError(
            _("the date %(date)s is in the future") % {"date": occurred_on}, "occurred_on"
        )
    if occurred_on < today - dt.timedelta(days=90):
        raise EvidenceError(_("a good deed is declared within 90 days"), "occurred_on")
    if not note.strip():
        raise EvidenceError(_("say what happened"), "note")
    for upload in photos:
        check_photo(upload)
    with transaction.atomic():
        declaration = Declaration.objects.create(
            household=household,
            rule=rule,
            occurred_on=occurred_on,
            note=note.strip(),
            declared_by=by.user,
            declared_by_label=by.label,
        )
        if photos:
            attach_photos(photos, by=by, declaration=declaration)
    return declaration


def confirm_declaration(declaration: Declaration, *, by: Actor, evidence: str) -> ScoreEvent:
    """Staff of the village confirm: a proposed entry in their name, with the photos."""
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        _require_deciding_staff(declaration, by)
        if declaration.status != Declaration.Status.PENDING:
            raise PlatformError(
                _("declaration %(id)s was already decided") % {"id": declaration.pk}
            )
        entry = record_entry(
            household=declaration.household,
            rule=declaration.rule,
            occurred_on=declaration.occurred_on,
            recorder=by,
            source=DECLARATION_SOURCE,
            external_id=f"declaration-{declaration.pk}",
            evidence=evidence.strip() or declaration.note,
            note=_("declared by the household: %(note)s") % {"note": declaration.note},
            review=True,
        )
        for photo in declaration.photos.all():  # the entry shows the household's photos too
            EvidencePhoto.objects.create(
                entry=entry,
                image=photo.image.name,
                content_type=photo.content_type,
                size=photo.size,
                uploaded_by=photo.uploaded_by,
                uploaded_by_label=photo.uploaded_by_label,
            )
        declaration.status = Declaration.Status.CONFIRMED
        declaration.entry = entry
        _decided(declaration, by, "")
        return entry


def decline_declaration(declaration: Declaration, *, by: Actor, reason: str) -> Declaration:
    """Staff of the village decline, with a reason the household reads."""
    if not reason.strip():
        raise EvidenceError(
            _("a declined declaration needs a reason the household can read"), "reason"
        )
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
        _require_deciding_staff(declaration, by)
        if declaration.status != Declaration.Status.PENDING:
            raise PlatformError(
                _("declaration %(id)s was already decided") % {"id": declaration.pk}
            )
        declaration.status = Declaration.Status.DECLINED
        _decided(declaration, by, reason.strip())
        return declaration


def _require_deciding_staff(declaration: Declaration, by: Actor) -> None:
    require_role(
        by,
        STAFF_ROLES,
        village_code=declaration.household.village.code,
        what=_("confirm households' declarations"),
    )
    if by.same_person(declaration.declared_by_id, declaration.declared_by_label):
        raise NotAllowed(_("a declaration cannot be confirmed by the person who declared it"))


def _decided(declaration: Declaration, by: Actor, reason: str) -> None:
    declaration.decided_by = by.user
    declaration.decided_by_label = by.label
    declaration.decided_at = timezone.now()
    declaration.decision_reason = reason
    declaration.save()
