"""Notices of approved deductions (docs/scoring.md, "Notice before a deduction counts").

``record_notices`` runs inside the transaction that approves deductions (the
scoring app's ``deduction_approved`` signal): one notice per entry and channel
(SMS to the household's phone, e-mail to its address; without either, a notice
saying so, for the village to hand over a printed letter with ``record_letter``).
``deliver`` sends them after the commit: each notice is locked, sent once and
marked sent (with the gateway's reference) or failed (with why). Nothing is sent for
a transaction that rolls back.

The household answers on its workbench page (or staff record the answer for it):
that is ``file_objection``, which files an answer given before the deduction counts
as an objection answering the notice.

``notify_staff`` tells staff of the township (an overdue case, an early warning) through
the same gateway and mail: one ``StaffNotice`` per key, person and channel, sent after
the commit (``deliver_staff``); ``send_notices`` sends whatever still waits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from platform_core.accounts.access import STAFF_ROLES
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from platform_core.households.models import Household
from platform_core.notices.backends import sms_backend
from platform_core.notices.models import Notice, StaffNotice
from platform_core.scoring.due_process import response_due
from platform_core.scoring.models import EntryStatus, ScoreEvent
from platform_core.scoring.services import require_role

logger = logging.getLogger(__name__)

NOTICE_LANGUAGE = "zh-hans"  # what households read


class NoticeError(PlatformError):
    """A notice refused (a letter for an entry that needs none, a bad date): says why."""


def channels_of(household: Household) -> list[tuple[str, str]]:
    """Where the household's notices go: (channel, address) for each contact on file."""
    found = []
    if household.phone.strip():
        found.append((Notice.Channel.SMS, household.phone.strip()))
    if household.email.strip():
        found.append((Notice.Channel.EMAIL, household.email.strip()))
    return found or [(Notice.Channel.NONE, "")]


def notice_text(entry: ScoreEvent, *, township_name: str, notified_on: dt.date) -> str:
    """The notice, in the households' language: rule, points, date, basis, how and until
    when to answer, and from when the deduction counts."""
    rule = entry.rule
    due = response_due(entry.counts_from)
    with translation.override(NOTICE_LANGUAGE):
        parts = [
            _(
                "%(township)s: household %(household)s, %(points)s points under rule "
                "%(rule)s %(title)s for %(date)s (approved on %(notified_on)s)."
            )
            % {
                "township": township_name,
                "household": entry.household.code,
                "points": entry.points,
                "rule": rule.code,
                "title": rule.title_zh,
                "date": f"{entry.occurred_on:%Y-%m-%d}",
                "notified_on": f"{notified_on:%Y-%m-%d}",
            },
            _("Basis: %(basis)s.") % {"basis": rule.basis or "-"},
        ]
        if due:
            parts.append(
                _(
                    "If you disagree, answer by %(due)s on your household's page of the "
                    "workbench, or tell your village committee; the council decides. "
                    "Without an answer it counts from %(counts_from)s."
                )
                % {"due": f"{due:%Y-%m-%d}", "counts_from": f"{entry.counts_from:%Y-%m-%d}"}
            )
        else:
            parts.append(
                _(
                    "It counts at once. If you disagree, object on your household's page "
                    "of the workbench or tell your village committee; the council decides."
                )
            )
        return " ".join(str(p) for p in parts)


def record_notices(entry_ids: Iterable[int], *, notified_on: dt.date, by: Actor | None) -> int:
    """Record the notices of approved deductions (inside the approving transaction) and
    send them after the commit. Idempotent: an entry already noticed on a channel is
    skipped. Returns how many notices were recorded."""
    entry_ids = list(entry_ids)
    entries = (
        ScoreEvent.objects.filter(pk__in=entry_ids, status=EntryStatus.APPROVED)
        .select_related("household", "rule")
        .order_by("pk")
    )
    township_name = getattr(connection.tenant, "name", "")
    label = by.label if by is not None else "import"
    notices = []
    for entry in entries.iterator(chunk_size=2000):
        text = notice_text(entry, township_name=township_name, notified_on=notified_on)
        for channel, address in channels_of(entry.household):
            unreachable = channel == Notice.Channel.NONE
            notices.append(
                Notice(
                    entry=entry,
                    household=entry.household,
                    channel=channel,
                    address=address,
                    text=text,
                    notified_on=notified_on,
                    response_due=response_due(entry.counts_from),
                    sent_by_label=label,
                    status=Notice.Status.FAILED if unreachable else Notice.Status.PENDING,
                    error=_("no phone or e-mail on file: hand the household a printed letter")
                    if unreachable
                    else "",
                )
            )
    created = Notice.objects.bulk_create(notices, batch_size=2000, ignore_conflicts=True)
    if any(n.status == Notice.Status.PENDING for n in notices):
        schema = connection.schema_name  # the callback may run after the township's block

        def send_after_commit():
            with schema_context(schema):
                deliver(entry_ids=entry_ids)

        transaction.on_commit(send_after_commit)
    return len(created)


def deliver(*, entry_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Send the notices waiting to be sent (of these entries, or all): each once, each in
    its own transaction; returns the count sent and failed."""
    waiting = Notice.objects.filter(status=Notice.Status.PENDING)
    if entry_ids is not None:
        waiting = waiting.filter(entry_id__in=list(entry_ids))
    return _deliver_waiting(waiting)


def deliver_staff(*, pks: Iterable[int] | None = None) -> dict[str, int]:
    """Send the staff notices waiting to be sent (these, or all), like ``deliver``."""
    waiting = StaffNotice.objects.filter(status=StaffNotice.Status.PENDING)
    if pks is not None:
        waiting = waiting.filter(pk__in=list(pks))
    return _deliver_waiting(waiting)


def _deliver_waiting(waiting) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0}
    for pk in waiting.order_by("pk").values_list("pk", flat=True):
        counts[_deliver_one(waiting.model, pk)] += 1
    return counts


def _deliver_one(model, pk: int) -> str:
    with transaction.atomic():
        notice = (
            model.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=Notice.Status.PENDING)
            .first()
        )
        if notice is None:  # sent meanwhile by another worker
            return "sent"
        try:
            notice.reference = _send(notice)[:128]
            notice.status = Notice.Status.SENT
            notice.sent_at = timezone.now()
        except Exception as exc:  # any gateway failure is recorded, never raised
            logger.warning("%s not sent: %s", notice, exc)
            notice.status = Notice.Status.FAILED
            notice.error = (str(exc) or exc.__class__.__name__)[:500]
        notice.save(update_fields=["reference", "status", "sent_at", "error"])
        return notice.status


def _send(notice: Notice | StaffNotice) -> str:
    if notice.channel == Notice.Channel.SMS:
        return sms_backend().send(notice.address, notice.text)
    if notice.channel == Notice.Channel.EMAIL:
        if isinstance(notice, StaffNotice):
            subject = notice.subject
        else:
            with translation.override(NOTICE_LANGUAGE):
                subject = _("Notice of a deduction (entry %(entry)s)") % {"entry": notice.entry_id}
        send_mail(
            subject,
            notice.text,
            settings.DEFAULT_FROM_EMAIL,
            [notice.address],
            fail_silently=False,
        )
        return f"email:{notice.address}"
    raise NoticeError(
        _("a %(channel)s notice is not sent by the platform") % {"channel": notice.channel}
    )


# --- notices to staff ---------------------------------------------------------------------

MAX_KEY = 200
MAX_SUBJECT = 200
MAX_TEXT = 2000


def staff_channels(user) -> list[tuple[str, str]]:
    """Where a staff member's notices go: SMS to the phone their account is named by (a
    phone-only person signs in with it), e-mail to their address; none without either."""
    from platform_core.accounts.services import PHONE_RE, normalise_phone

    found = []
    phone = normalise_phone(user.get_username())
    if PHONE_RE.match(phone):
        found.append((StaffNotice.Channel.SMS, phone))
    if (user.email or "").strip():
        found.append((StaffNotice.Channel.EMAIL, user.email.strip()))
    return found


def staff_holding(roles: Iterable[str], village_code: str | None) -> list:
    """Active people holding one of ``roles`` in the township served: township-wide
    memberships always, village ones only for ``village_code`` (none when it is None)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from platform_core.accounts.models import Membership

    where = Q(village_code="")
    if village_code:
        where |= Q(village_code=village_code)
    holders = Membership.objects.filter(where, township_id=connection.tenant.pk, role__in=roles)
    return list(
        get_user_model()
        .objects.filter(is_active=True, pk__in=holders.values("user_id"))
        .order_by("pk")
    )


def notify_staff(
    *,
    roles: Iterable[str],
    village_code: str | None,
    subject: str,
    text: str,
    key: str,
    by: Actor | None = None,
) -> int:
    """Queue a notice to each person holding one of ``roles`` in the township served
    (village roles only for ``village_code``; township-wide roles always): by SMS when
    their account has a phone, by e-mail when it has an address. Sent after the
    transaction commits; a failure is recorded on the notice. Idempotent per (``key``,
    person, channel): asking again with the same key sends nothing new. Returns how many
    notices were queued."""
    if connection.schema_name == "public" or getattr(connection.tenant, "pk", None) is None:
        raise NoticeError(_("Staff are notified inside a township."))
    roles = tuple(roles or ())
    unknown = [r for r in roles if r not in STAFF_ROLES]
    if not roles or unknown:
        raise NoticeError(
            _("Staff notices go to staff roles (%(known)s), not %(roles)s.")
            % {"known": ", ".join(STAFF_ROLES), "roles": ", ".join(unknown) or "-"},
            field="roles",
        )
    key, subject, text = (key or "").strip(), (subject or "").strip(), (text or "").strip()
    for name, value, limit in (
        ("key", key, MAX_KEY),
        ("subject", subject, MAX_SUBJECT),
        ("text", text, MAX_TEXT),
    ):
        if not value or len(value) > limit:
            raise NoticeError(
                _("A staff notice needs a %(name)s of 1 to %(limit)s characters.")
                % {"name": name, "limit": limit},
                field=name,
            )
    village_code = (village_code or "").strip() or None
    already = set(StaffNotice.objects.filter(key=key).values_list("person_id", "channel"))
    label = by.label if by is not None else "platform"
    notices = [
        StaffNotice(
            key=key,
            person=person,
            person_label=(person.email or person.get_username())[:150],
            village_code=village_code or "",
            channel=channel,
            address=address,
            subject=subject,
            text=text,
            sent_by_label=label[:150],
        )
        for person in staff_holding(roles, village_code)
        for channel, address in staff_channels(person)
        if (person.pk, channel) not in already
    ]
    if not notices:
        return 0
    StaffNotice.objects.bulk_create(notices, ignore_conflicts=True)  # a racing call: once
    schema = connection.schema_name  # the callback may run after the township's block

    def send_after_commit():
        with schema_context(schema):
            deliver_staff(pks=StaffNotice.objects.filter(key=key).values_list("pk", flat=True))

    transaction.on_commit(send_after_commit)
    return len(notices)


def record_letter(entry: ScoreEvent, *, by: Actor, handed_over_on: dt.date, to: str) -> Notice:
    """Staff record that a printed notice was handed to the household (``to``: whom).

    The response window stays as it was set at approval (the ledger does not change);
    the letter is the record that the household was told."""
    require_role(
        by,
        STAFF_ROLES,
        village_code=entry.household.village.code,
        what=_("record notices handed over"),
    )
    if not Notice.objects.filter(entry=entry).exists():
        raise NoticeError(_("entry %(entry)s has no notice to hand over") % {"entry": entry.pk})
    if handed_over_on > timezone.localdate():
        raise NoticeError(
            _("date %(date)s is in the future") % {"date": handed_over_on}, field="handed_over_on"
        )
    if not to.strip():
        raise NoticeError(_("say to whom the letter was handed"), field="to")
    first = Notice.objects.filter(entry=entry).order_by("pk").first()
    notice, _created = Notice.objects.get_or_create(
        entry=entry,
        channel=Notice.Channel.LETTER,
        defaults={
            "household": entry.household,
            "address": to.strip()[:254],
            "text": first.text,
            "notified_on": first.notified_on,
            "response_due": first.response_due,
            "status": Notice.Status.SENT,
            "sent_at": timezone.now(),
            "reference": f"handed over {handed_over_on:%Y-%m-%d}",
            "sent_by_label": by.label,
        },
    )
    return notice
