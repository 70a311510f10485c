"""Overdue objections escalated to the township administrator (docs/scoring.md,
"Objections on a deadline").

An objection is answered within the township's ``objection_answer_days`` working
days (the credit-reporting rule's 20 days). One still pending after its deadline is
escalated once: ``escalated_at`` is set and the township's administrators get an
e-mail listing it; their workbench home shows it until the council decides. The
dispatcher sends the escalation task to a township while such objections wait
(``platform_core.scheduling``).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from platform_core.accounts.models import Membership, Role
from platform_core.actors import Actor
from platform_core.scoring.models import Objection
from platform_core.scoring.selectors import to_escalate
from platform_core.scoring.services import require_role

log = logging.getLogger(__name__)


def escalate_overdue_objections(*, by: Actor, today: dt.date | None = None) -> list[Objection]:
    """Escalate every overdue objection not escalated yet, once; mail the administrators.

    Returns the objections escalated by this call (none when called again). Objections
    another run holds at the moment are left to it. ``by``: a township administrator
    or the scheduler.
    """
    require_role(
        by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=_("escalate overdue objections")
    )
    with transaction.atomic():
        due = list(
            to_escalate(today)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("entry__household", "entry__rule")
        )
        if not due:
            return []
        now = timezone.now()
        Objection.objects.filter(pk__in=[o.pk for o in due]).update(escalated_at=now)
        for objection in due:
            objection.escalated_at = now
        township = connection.tenant
        transaction.on_commit(lambda: mail_administrators(township, due))
    log.info("%s: %s overdue objections escalated", connection.tenant.code, len(due))
    return due


def administrators_addresses(township) -> list[str]:
    """E-mail addresses of the township's active administrators."""
    return sorted(
        set(
            Membership.objects.filter(
                township=township, role=Role.TOWNSHIP_ADMIN, user__is_active=True
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def mail_administrators(township, objections: list[Objection]) -> int:
    """One e-mail to the administrators listing the escalated objections (in the
    platform's language); returns the number of recipients."""
    recipients = administrators_addresses(township)
    if not recipients:
        log.warning("%s: overdue objections escalated, but no administrator has e-mail", township)
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _(
                "Objection %(objection)s of household %(household)s against %(rule)s "
                "(%(points)s, %(date)s): filed %(filed)s, answer was due %(due)s."
            )
            % {
                "objection": o.pk,
                "household": o.entry.household.code,
                "rule": o.entry.rule.code,
                "points": f"{o.entry.points:+d}",
                "date": o.entry.occurred_on,
                "filed": timezone.localdate(o.filed_at),
                "due": o.answer_due,
            }
            for o in objections
        ]
        subject = _("%(township)s: %(count)s objections not answered on time") % {
            "township": township.name,
            "count": len(objections),
        }
        body = "\n".join(
            [
                _(
                    "These objections were not answered by their deadline and are escalated "
                    "to you, the township administrator. Please see that the council decides "
                    "them (workbench, Objections):"
                ),
                "",
                *lines,
            ]
        )
    send_mail(subject, body, None, recipients)
    return len(recipients)
