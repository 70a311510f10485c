"""Granting roles. Django permissions are global, so every township page also
checks a membership in *that* township (see platform_core.admin_site)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.access import access_in, actor_access
from platform_core.accounts.models import ApiToken, Membership, Role
from platform_core.actors import Actor
from platform_core.errors import NotAllowed, PlatformError

# Django apps whose records a township administrator manages in the township admin.
TOWNSHIP_ADMIN_APPS = ["households", "scoring", "evaluation", "publication", "alliance"]
TOWNSHIP_ADMIN_GROUP = "township administrators"


class RoleError(PlatformError, ValueError):
    """A role that cannot be granted or revoked as asked (``field`` names the input)."""


def township_admin_group() -> Group:
    """The group holding township administrators' permissions, kept in step with the apps."""
    group, _created = Group.objects.get_or_create(name=TOWNSHIP_ADMIN_GROUP)
    from platform_core.plugin_apps import plugin_app_labels

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
    county=None,
) -> Membership:
    """Give ``user`` a ``role`` in ``township`` (idempotent).

    A household role names the household (``household_code``) and an alliance
    member role its institution (``alliance_member_code``): that is all they see.
    A county administrator role (no township) names its ``county``; without one it
    is county-wide (every county: the platform operator's).
    """
    if role == Role.HOUSEHOLD and not household_code:
        raise RoleError(_("A household role names its household."), field="household_code")
    if role == Role.ALLIANCE_MEMBER and not alliance_member_code:
        raise RoleError(
            _("An alliance member role names its institution."), field="alliance_member_code"
        )
    membership, _created = Membership.objects.get_or_create(
        user=user,
        township=township,
        county=county if role == Role.COUNTY_ADMIN else None,
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
    by: Actor,
    village_code: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user`` acting as ``role``; returns (record, token shown once).

    The user must hold that role there (for that village, when scoped) through a
    membership: a token is a narrower copy of a membership, never a wider one, and
    being a superuser or a county administrator is no role in a township.
    ``by`` is who asks: a person issues tokens only for themselves, and a township
    token only as an administrator of that township; the operator of
    ``manage.py api_token`` (no user) issues them for anyone.
    """
    county = role == Role.COUNTY_ADMIN
    if (township is None) != county:
        raise TokenError(_("a county token has no township; a township token names one"))
    if by.user is not None:
        if not by.same_person(user.pk, ""):
            raise not_for_others(by)
        _require_administrator(by, township, _("issue API tokens"))
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
        created_by_label=by.label,
        expires_at=expires_at,
    )
    return record, token


def _require_administrator(by: Actor, township, what: str) -> None:
    """A township's tokens and roles are its administrators' business (a county
    administrator of its county counts), the county's tokens the county
    administrators' (through a token: only a token of that role)."""
    if township is None:
        county = by.roles is None or Role.COUNTY_ADMIN in by.roles
        allowed = county and access_in(by.user, None).everywhere
    else:
        allowed = actor_access(by, township).holds((Role.TOWNSHIP_ADMIN,))
    if not allowed:
        where = _("the county") if township is None else township.name
        raise NotAllowed(
            _("%(who)s may not %(what)s in %(where)s")
            % {"who": by.label, "what": what, "where": where}
        )


def not_for_others(by: Actor) -> NotAllowed:
    """The refusal of a token for someone else: each person mints their own."""
    return NotAllowed(_("%(who)s may issue API tokens only for themselves") % {"who": by.label})


def revoke_token(record: ApiToken, *, by: Actor) -> ApiToken:
    """Revoke (idempotent); the record stays for the audit trail.

    A person revokes a township's tokens as its administrator (a county token, as a
    county administrator); the operator of a command revokes any.
    """
    if by.user is not None:
        _require_administrator(by, record.township, _("revoke API tokens"))
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
    return record


def authenticate_token(token: str) -> ApiToken:
    """The live token record for ``token``; TokenError when unknown, revoked or expired."""
    return check_token(find_token(token))


def find_token(token: str) -> ApiToken | None:
    """``token``'s record with its user and township, live or not; None when unknown."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    records = ApiToken.objects.select_related("user", "township")
    return records.filter(digest=token_digest(token)).first()


@dataclass(frozen=True)
class TokenLookup:
    """``find_token``'s answer with what the API reads in the same statement."""

    record: ApiToken | None  # None: no such token
    scopes: tuple = ()  # its person's memberships in the township (``access.access_from``)
    extra: object = None  # the value of the caller's expression (the client's lockout count)


def look_up_token(token: str, township, extra: tuple[str, list] | None = None) -> TokenLookup:
    """``find_token`` and, in one statement, the memberships of its person that count in
    ``township`` (None: the county) and ``extra`` (SQL and parameters: one value).

    Written out: building it with the ORM took ~2 ms of CPU, four times what it costs
    PostgreSQL to run; the rows become the same model instances ``find_token`` returns.
    """
    if not token.startswith(TOKEN_PREFIX):
        return TokenLookup(None)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from platform_core.accounts.access import scopes_sql
    from tenants.models import Township

    models = (ApiToken, get_user_model(), Township)
    aliases = ("t", "u", "w")
    columns = [
        [f"{alias}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields]
        for model, alias in zip(models, aliases, strict=True)
    ]
    scopes, params = scopes_sql(township, "t.user_id")
    extra_sql, extra_params = extra or ("NULL", [])
    quoted = [connection.ops.quote_name(model._meta.db_table) for model in models]
    sql = (
        f"SELECT {', '.join(sum(columns, []))}, {scopes}, {extra_sql} "
        f"FROM {quoted[0]} t JOIN {quoted[1]} u ON u.id = t.user_id "
        f"LEFT JOIN {quoted[2]} w ON w.id = t.township_id WHERE t.digest = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *extra_params, token_digest(token)])
        row = cursor.fetchone()
    if row is None:
        return TokenLookup(None)
    instances, at = [], 0
    for model, names in zip(models, columns, strict=True):
        values = row[at : at + len(names)]
        at += len(names)
        fields = [f.attname for f in model._meta.concrete_fields]
        instances.append(model.from_db(connection.alias, fields, values))
    record, user, where = instances
    record.user = user
    record.township = where if record.township_id is not None else None
    return TokenLookup(record, tuple(tuple(scope) for scope in row[at]), row[at + 1])


def check_token(record: ApiToken | None) -> ApiToken:
    """``record`` (from ``find_token``) if it is live; TokenError saying why not."""
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


# --- staff of a township: invitations, roles, accounts, sign-in links ------------------
#
# A township administrator acts only on memberships of their own township. Acting on
# the account itself (deactivating it, a sign-in link that sets its password, lifting
# its lockout) is allowed only for people whose every role is in this township: anyone
# who also holds a role elsewhere (another township, the county) or is a superuser
# keeps their account out of this township's hands; their roles here can still be
# revoked. Otherwise an administrator of one township could take over an account
# that works in another.

PHONE_RE = re.compile(r"^\+?\d{6,15}$")


class StaffError(RoleError):
    """A refused staff action; ``field`` names the form input it is about."""


@dataclass(frozen=True)
class Invitation:
    user: object
    created: bool  # a new account (no password yet: send them a sign-in link)


def normalise_phone(phone: str) -> str:
    """Digits with an optional leading +; spaces, dashes and dots dropped."""
    return re.sub(r"[\s.\-()]", "", phone or "")


def invite_person(*, email: str = "", phone: str = "", name: str = "") -> Invitation:
    """The person with this e-mail (else this phone), created when new.

    E-mail people sign in with their e-mail (the username, as at onboarding);
    phone-only people with their phone number, which is their username. A new
    account has no usable password: its first sign-in is through a sign-in link.
    """
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    User = get_user_model()
    email = (email or "").strip().lower()
    phone = normalise_phone(phone)
    if not email and not phone:
        raise StaffError(_("Give an e-mail address or a phone number."), field="email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise StaffError(
                _("%(email)s is not a valid e-mail address.") % {"email": email}, field="email"
            ) from None
    if phone and not PHONE_RE.match(phone):
        raise StaffError(
            _("%(phone)s is not a phone number (6 to 15 digits, optionally a leading +).")
            % {"phone": phone},
            field="phone",
        )
    username = email or phone
    user = User.objects.filter(username__iexact=username).first()
    if user is None and email:
        user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is not None:
        return Invitation(user, False)
    user = User(username=username, email=email, first_name=(name or "").strip()[:150])
    user.set_unusable_password()
    user.save()
    return Invitation(user, True)


def grant_membership(
    township,
    user,
    role: str,
    *,
    by: Actor,
    village_code: str = "",
    household_code: str = "",
    alliance_member_code: str = "",
) -> Membership:
    """A township administrator's grant: every code checked against this township.

    ``by`` administers this township (a county administrator of its county counts);
    never the county role; the village, household and institution must exist here;
    a household code only for the household role, an institution only for the
    alliance member role; a role held already is refused (nothing would change).
    """
    if by.user is not None:
        _require_administrator(by, township, _("grant roles"))
    from django_tenants.utils import tenant_context

    from platform_core.alliance.models import AllianceMember
    from platform_core.households.models import Household, Village

    village_code = (village_code or "").strip()
    household_code = (household_code or "").strip()
    alliance_member_code = (alliance_member_code or "").strip()
    if role not in Role.values or role == Role.COUNTY_ADMIN:
        raise StaffError(
            _("A township grants its own roles only; %(role)s is not one.") % {"role": role},
            field="role",
        )
    if household_code and role != Role.HOUSEHOLD:
        raise StaffError(_("Only the household role names a household."), field="household_code")
    if alliance_member_code and role != Role.ALLIANCE_MEMBER:
        raise StaffError(
            _("Only the alliance member role names an institution."),
            field="alliance_member_code",
        )
    with tenant_context(township):
        if village_code and not Village.objects.filter(code=village_code).exists():
            raise StaffError(
                _("There is no village %(code)s in %(township)s.")
                % {"code": village_code, "township": township.name},
                field="village_code",
            )
        if household_code:
            household = Household.objects.filter(code=household_code).select_related("village")
            found = household.first()
            if found is None:
                raise StaffError(
                    _("There is no household %(code)s in %(township)s.")
                    % {"code": household_code, "township": township.name},
                    field="household_code",
                )
            if village_code and found.village.code != village_code:
                raise StaffError(
                    _("Household %(code)s is not in village %(village)s.")
                    % {"code": household_code, "village": village_code},
                    field="village_code",
                )
        if (
            alliance_member_code
            and not AllianceMember.objects.filter(code=alliance_member_code).exists()
        ):
            raise StaffError(
                _("There is no alliance institution %(code)s in %(township)s.")
                % {"code": alliance_member_code, "township": township.name},
                field="alliance_member_code",
            )
    held = Membership.objects.filter(
        user=user,
        township=township,
        role=role,
        village_code=village_code,
        household_code=household_code,
        alliance_member_code=alliance_member_code,
    )
    if held.exists():
        raise StaffError(
            _("%(user)s already holds this role here.") % {"user": user.get_username()},
            field="role",
        )
    if not user.is_active:
        _only_here(user, township, _("reactivate their account"))
        user.is_active = True  # deactivated here before: a new role switches it on again
        user.save(update_fields=["is_active"])
    return grant_role(
        user,
        township,
        role,
        village_code,
        household_code=household_code,
        alliance_member_code=alliance_member_code,
    )


def revoke_role(membership: Membership, *, by: Actor) -> None:
    """Take one role away (``by``: an administrator of its township); a township keeps
    at least one administrator."""
    if membership.role == Role.COUNTY_ADMIN or membership.township_id is None:
        raise StaffError(_("A county role is revoked by the county."))
    if by.user is not None:
        _require_administrator(by, membership.township, _("revoke roles"))
    _keep_an_administrator(membership.township, [membership.pk])
    user = membership.user
    membership.delete()
    if not Membership.objects.filter(user=user, role=Role.TOWNSHIP_ADMIN).exists():
        user.groups.remove(township_admin_group())


def _keep_an_administrator(township, leaving: list[int]) -> None:
    admins = Membership.objects.filter(township=township, role=Role.TOWNSHIP_ADMIN)
    if admins.exists() and not admins.exclude(pk__in=leaving).exists():
        raise StaffError(
            _(
                "%(township)s would have no administrator left: grant the role to someone "
                "else first."
            )
            % {"township": township.name}
        )


def roles_elsewhere(user, township) -> bool:
    """Whether the account also works outside ``township`` (or is a superuser)."""
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user).exclude(township=township).exists()


def _only_here(user, township, what: str) -> None:
    """Refuse acting on an account that is not wholly this township's (see above)."""
    if roles_elsewhere(user, township):
        raise StaffError(
            _(
                "%(user)s also holds roles outside %(township)s, so only they or the county "
                "may %(what)s."
            )
            % {"user": user.get_username(), "township": township.name, "what": what}
        )


def deactivate_account(user, township, *, by: Actor) -> bool:
    """Revoke every role ``user`` holds here, and switch the account off if it has no
    other. Returns True when the account was deactivated, False when it stays active
    because the person holds roles elsewhere (those are not this township's to end)."""
    if by.user is not None and by.user.pk == user.pk:
        raise StaffError(_("You cannot deactivate your own account."))
    here = Membership.objects.filter(user=user, township=township)
    _keep_an_administrator(township, list(here.values_list("pk", flat=True)))
    for record in ApiToken.objects.filter(user=user, township=township, revoked_at=None):
        revoke_token(record, by=by)
    here.delete()
    if not Membership.objects.filter(user=user, role=Role.TOWNSHIP_ADMIN).exists():
        user.groups.remove(township_admin_group())
    if roles_elsewhere(user, township):
        return False
    user.is_active = False
    user.save(update_fields=["is_active"])
    return True


def signin_token(user, township, *, by: Actor) -> tuple[str, str]:
    """(uidb64, token) of a one-time sign-in link: the person sets a password with it.

    Django's password-reset token: it expires after ``PASSWORD_RESET_TIMEOUT`` and is
    spent once the password changes (or the person signs in). Only for active people
    whose every role is in this township.
    """
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    if not user.is_active:
        raise StaffError(
            _("%(user)s is deactivated; grant a role to reactivate the account first.")
            % {"user": user.get_username()}
        )
    _only_here(user, township, _("reset their password"))
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def mail_signin_link(user, link: str, township) -> bool:
    """E-mail the link when the person has an address and e-mail is configured."""
    from django.conf import settings
    from django.core.mail import send_mail

    if not user.email or not settings.SEND_SIGNIN_EMAIL:
        return False
    send_mail(
        _("Your sign-in link for %(township)s") % {"township": township.name},
        _(
            "Open this link to choose your password and sign in (it works once, for a few "
            "days): %(link)s"
        )
        % {"link": link},
        None,
        [user.email],
    )
    return True


def unlock_account(user, township, *, by: Actor) -> None:
    """Lift a sign-in lockout (django-axes) of someone whose roles are all here."""
    from axes.utils import reset

    _only_here(user, township, _("lift their sign-in lockout"))
    reset(username=user.get_username())
