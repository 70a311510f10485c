"""Granting roles. Django permissions are global, so every township page also
checks a membership in *that* township (see platform_core.admin_site)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.models import ApiToken, Membership, Role
from platform_core.actors import Actor
from platform_core.errors import NotAllowed, PlatformError

# Django apps whose records a township administrator manages in the township admin.
TOWNSHIP_ADMIN_APPS = ["households", "scoring", "evaluation", "publication", "alliance"]
TOWNSHIP_ADMIN_GROUP = "township administrators"


def township_admin_group() -> Group:
    """The group holding township administrators' permissions, kept in step with the apps."""
    group, _created = Group.objects.get_or_create(name=TOWNSHIP_ADMIN_GROUP)
    from platform_core.admin_site import plugin_app_labels

    labels = [*TOWNSHIP_ADMIN_APPS, *plugin_app_labels()]  # plugin pages open only if enabled
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=labels))
    return group


def grant_role(
    user,
    township,
    role: str,
    village_code: str = "",
    *,
    household_code: str = "",
    alliance_member_code: str = "",
) -> Membership:
    """Give ``user`` a ``role`` in ``township`` (idempotent).

    A household role names the household (``household_code``) and an alliance
    member role its institution (``alliance_member_code``): that is all they see.
    """
    if role == Role.HOUSEHOLD and not household_code:
        raise ValueError("a household membership needs household_code")
    if role == Role.ALLIANCE_MEMBER and not alliance_member_code:
        raise ValueError("an alliance membership needs alliance_member_code")
    membership, _created = Membership.objects.get_or_create(
        user=user,
        township=township,
        role=role,
        village_code=village_code,
        household_code=household_code,
        alliance_member_code=alliance_member_code,
    )
    if role == Role.TOWNSHIP_ADMIN:
        user.groups.add(township_admin_group())
    # is_staff is global: it stays off for township roles (the township admin admits by
    # membership, the county admin only county administrators and superusers).
    if role == Role.COUNTY_ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


# --- API tokens ----------------------------------------------------------------

TOKEN_PREFIX = "ti_"


class TokenError(PlatformError):
    code = "unauthenticated"


def token_digest(token: str) -> str:
    """SHA-256 of the whole token: tokens carry 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    user,
    township,
    role: str,
    *,
    label: str,
    created_by: Actor | str,
    village_code: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user`` acting as ``role``; returns (record, token shown once).

    The user must hold that role there (for that village, when scoped) through a
    membership: a token is a narrower copy of a membership, never a wider one, and
    being a superuser or a county administrator is no role in a township.
    ``created_by`` is the person asking (an ``Actor``), who may issue tokens only
    for themselves, or the label of a shell operator (``manage.py api_token``).
    """
    if isinstance(created_by, Actor):
        if created_by.user is not None and not created_by.same_person(user.pk, ""):
            raise not_for_others(created_by)
        created_by = created_by.label
    county = role == Role.COUNTY_ADMIN
    if (township is None) != county:
        raise TokenError(_("a county token has no township; a township token names one"))
    if not _holds(user, township, role, village_code):
        names = {
            "user": user.get_username(),
            "role": role,
            "village": village_code,
            "where": _("the county") if county else township.name,
        }
        if village_code:
            message = _("%(user)s is not a %(role)s for village %(village)s in %(where)s")
        else:
            message = _("%(user)s is not a %(role)s in %(where)s")
        raise NotAllowed(message % names)
    if not label.strip():
        raise TokenError(_("a token needs a label saying which client uses it"))
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    record = ApiToken.objects.create(
        user=user,
        township=township,
        role=role,
        village_code=village_code,
        label=label.strip(),
        prefix=prefix,
        digest=token_digest(token),
        created_by_label=created_by,
        expires_at=expires_at,
    )
    return record, token


def not_for_others(by: Actor) -> NotAllowed:
    """The refusal of a token for someone else: each person mints their own."""
    return NotAllowed(_("%(who)s may issue API tokens only for themselves") % {"who": by.label})


def revoke_token(record: ApiToken) -> ApiToken:
    """Revoke (idempotent); the record stays for the audit trail."""
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
    return record


def authenticate_token(token: str) -> ApiToken:
    """The live token record for ``token``; TokenError when unknown, revoked or expired."""
    record = None
    if token.startswith(TOKEN_PREFIX):
        record = (
            ApiToken.objects.select_related("user", "township")
            .filter(digest=token_digest(token))
            .first()
        )
    if record is None:
        raise TokenError(_("the API token is not valid"))
    now = timezone.now()
    if record.revoked_at is not None:
        raise TokenError(_("the API token was revoked"))
    if record.expires_at is not None and record.expires_at <= now:
        raise TokenError(_("the API token has expired"))
    if not record.user.is_active:
        raise TokenError(_("the API token's user is deactivated"))
    if record.last_used_at is None or now - record.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)  # coarse, cheap
    return record


def _holds(user, township, role: str, village_code: str) -> bool:
    """Whether ``user`` has a membership a token of ``role`` (and village) may copy.

    No superuser shortcut for township tokens (separation of duties); a county
    token needs a superuser or a county administrator.
    """
    if township is None:
        county = Membership.objects.filter(user=user, role=Role.COUNTY_ADMIN)
        return user.is_superuser or county.exists()
    memberships = Membership.objects.filter(user=user, township=township, role=role)
    if village_code:
        return memberships.filter(village_code__in=["", village_code]).exists()
    return (
        memberships.filter(village_code="").exists()
        or role
        in (
            Role.HOUSEHOLD,
            Role.ALLIANCE_MEMBER,
        )
        and memberships.exists()
    )
