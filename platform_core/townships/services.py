"""Every write to counties and townships: onboarding, suspension, template upkeep.

Onboarding is one atomic service call used by the CLI (``onboard_township``), the
county admin's add form, the county GraphQL API (``onboardTownship``) and the demo
seed. PostgreSQL DDL is transactional, so a failure at any step
rolls back the schema together with the rows: no half-made township remains.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists

from platform_core.accounts.access import require_county_administrator
from platform_core.accounts.models import Role
from platform_core.accounts.services import grant_role
from platform_core.actors import Actor
from platform_core.plugins.manager import registry
from platform_core.plugins.services import (
    PluginError,
    configure_plugin,
    disable_plugin,
    enable_plugin,
    enable_plugins,
)
from platform_core.townships.statistics import refresh_quietly
from tenants import cloning
from tenants.cloning import template_schema
from tenants.models import County, Domain, Township

CODE_RE = re.compile(r"^\d{9}$")


class OnboardingError(Exception):
    """A township could not be onboarded; the message says why and what to do.

    ``field`` names the input it is about (``code``, ``name``, ``slug``, ``domain``,
    ``admin_email``, ``plugins``, ``county``), or is None for the whole request.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class OnboardingResult:
    township: Township
    domain: Domain
    admin_email: str | None = None
    admin_password: str | None = None  # only when generated here; shown once
    plugins: list[str] = field(default_factory=list)
    more_admins: list[str] = field(default_factory=list)


def schema_name_for(code: str) -> str:
    return f"t_{code}"


def known_plugin_keys() -> set[str]:
    """Keys of installed plugins that loaded (broken or incompatible ones are left out)."""
    return set(registry().plugins)


def check_default_plugins(keys: list[str]) -> None:
    """A county's default set must name installed plugins (checked before any onboarding).

    Here rather than in ``County.clean``: the records (``tenants``) know nothing of plugins.
    """
    unknown = sorted(set(keys) - known_plugin_keys())
    if unknown:
        raise ValidationError(
            {"default_plugins": _("Unknown plugins: %(keys)s") % {"keys": ", ".join(unknown)}}
        )


def onboard_township(
    *,
    code: str,
    name: str,
    county: str | None = None,
    county_name: str | None = None,
    slug: str | None = None,
    domain: str | None = None,
    plugins: list[str] | None = None,
    admin_email: str | None = None,
    admin_password: str | None = None,
    more_admin_emails: list[str] | None = None,
    by: Actor,
    schema_method: str = "clone",
) -> OnboardingResult:
    """Create a township: schema (cloned from the template), domain, plugins, first admins.

    ``county`` is the county's 6-digit code; it defaults to the first six digits of
    ``code`` and is created if unknown. ``by`` is who asks: a county administrator
    scoped to counties onboards only into them (an operator, with no user, anywhere).
    ``more_admin_emails`` are further administrators (new ones get no password:
    they sign in through a sign-in link). ``schema_method="migrate"`` replays every
    migration instead of cloning; it exists so the benchmark can compare the two.
    Raises OnboardingError with a clear message.
    """
    if schema_method not in SCHEMA_BUILDERS:
        raise ValueError(f"schema_method must be one of {sorted(SCHEMA_BUILDERS)}")
    code, name = (code or "").strip(), (name or "").strip()
    slug, host = check_can_onboard(
        code=code, name=name, slug=slug, domain=domain, admin_email=admin_email
    )
    more_admin_emails = [e.strip().lower() for e in more_admin_emails or () if e.strip()]
    for email in more_admin_emails:
        _check_email(email)
    if by.user is not None:
        check_county_administered(by.user, county or code[:6])

    with transaction.atomic():
        county_obj = _county_for(county or code[:6], county_name)
        plugin_keys = _plugin_keys(plugins, county_obj)
        township = Township(
            schema_name=schema_name_for(code), code=code, name=name, slug=slug, county=county_obj
        )
        _validate(township, exclude=["domain_url"])
        township.save()
        primary = Domain(domain=host, tenant=township, is_primary=True)
        _validate(primary)
        primary.save()
        SCHEMA_BUILDERS[schema_method](township.schema_name)
        try:
            enable_plugins(township, {key: None for key in plugin_keys})
        except PluginError as exc:
            raise OnboardingError(str(exc), "plugins") from exc
        result = OnboardingResult(township=township, domain=primary, plugins=plugin_keys)
        if admin_email:
            result.admin_email, result.admin_password = _grant_admin(
                township, admin_email, admin_password
            )
        for email in more_admin_emails:
            result.more_admins.append(_grant_admin(township, email, None, generate=False)[0])
    refresh_quietly(township)  # the county sees the new township at once
    return result


def check_can_onboard(
    *,
    code: str,
    name: str,
    slug: str | None = None,
    domain: str | None = None,
    admin_email: str | None = None,
) -> tuple[str, str]:
    """Refuse, before anything is written, what onboarding would refuse; return (slug, host)."""
    _check_code_and_name(code, name)
    slug = (slug or code).strip().lower()
    host = (domain or f"{slug}.{settings.BASE_DOMAIN}").strip().lower()
    _check_unique(code, slug, host)
    if admin_email:
        _check_email(admin_email)
    return slug, host


def check_county_administered(user, county_code: str, field: str = "county") -> None:
    """Refuse a county administrator acting outside the counties they administer."""
    from platform_core.townships.selectors import administered_counties

    counties = administered_counties(user)
    if counties is None:
        return
    found = County.objects.filter(code=county_code).values_list("pk", flat=True).first()
    if found is None or found not in counties:
        raise OnboardingError(
            _("You do not administer county %(county)s: onboard townships of your own county.")
            % {"county": county_code},
            field,
        )


def _check_code_and_name(code: str, name: str) -> None:
    if not CODE_RE.match(code):
        raise OnboardingError(
            _(
                "Township code %(code)s is not valid: use the 9-digit administrative division "
                "code, for example 330502103. Nothing was created."
            )
            % {"code": repr(code)},
            "code",
        )
    if not name:
        raise OnboardingError(_("Township name is empty: give --name, for example 洪桥镇."), "name")


def _check_unique(code: str, slug: str, host: str) -> None:
    existing = Township.objects.filter(code=code).first()
    if existing:
        raise OnboardingError(
            _(
                "Township %(code)s already exists (%(name)s, schema %(schema)s). "
                "Nothing was changed."
            )
            % {"code": code, "name": existing.name, "schema": existing.schema_name},
            "code",
        )
    if Township.objects.filter(slug=slug).exists():
        raise OnboardingError(
            _("The host name label %(slug)s is taken by another township.") % {"slug": repr(slug)},
            "slug",
        )
    if Domain.objects.filter(domain=host).exists():
        raise OnboardingError(
            _("The domain %(domain)s already belongs to another township.")
            % {"domain": repr(host)},
            "domain",
        )
    if schema_exists(schema_name_for(code)):
        raise OnboardingError(
            _(
                "A schema named %(schema)s already exists in the database without a "
                "township record. Remove or rename it before onboarding this code."
            )
            % {"schema": schema_name_for(code)},
            "code",
        )


def _check_email(email: str) -> None:
    try:
        validate_email(email)
    except ValidationError as exc:
        raise OnboardingError(
            _("Administrator e-mail %(email)s is not a valid address.") % {"email": repr(email)},
            "admin_email",
        ) from exc


# Model fields of the records onboarding writes → the input that fills them.
_INPUT_OF_FIELD = {"domain": "domain", "domain_url": "domain", "schema_name": "code"}


def _validate(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        first = next(iter(exc.message_dict), None)
        field = "county" if isinstance(obj, County) else _INPUT_OF_FIELD.get(first, first)
        raise OnboardingError(
            _("Invalid %(what)s: %(details)s")
            % {"what": obj._meta.verbose_name, "details": details},
            field,
        ) from exc


def _county_for(county_code: str, county_name: str | None) -> County:
    county_obj = County.objects.filter(code=county_code).first()
    if county_obj:
        return county_obj
    county_obj = County(code=county_code, name=county_name or county_code)
    _validate(county_obj)
    county_obj.save()
    return county_obj


def _plugin_keys(requested: list[str] | None, county: County) -> list[str]:
    keys = [k.strip() for k in (requested if requested is not None else county.default_plugins)]
    keys = sorted({k for k in keys if k})
    unknown = sorted(set(keys) - known_plugin_keys())
    if unknown:
        raise OnboardingError(
            _("Unknown plugin(s): %(unknown)s. Installed plugins: %(known)s.")
            % {
                "unknown": ", ".join(unknown),
                "known": ", ".join(sorted(known_plugin_keys())) or _("none"),
            },
            "plugins",
        )
    return keys


def _grant_admin(
    township: Township, email: str, password: str | None, *, generate: bool = True
) -> tuple[str, str | None]:
    User = get_user_model()
    email = email.strip().lower()
    user = User.objects.filter(username=email).first()
    generated = None
    if user is None:
        generated = None if password or not generate else secrets.token_urlsafe(12)
        user = User.objects.create_user(username=email, email=email, password=password or generated)
    grant_role(user, township, Role.TOWNSHIP_ADMIN)
    return email, generated


def clone_template_into(schema_name: str) -> None:
    """Copy the migrated template schema (structure and data) into a new schema."""
    template = template_schema()
    if not schema_exists(template):
        raise OnboardingError(
            _(
                "The township template schema %(schema)s is missing. "
                "Run `python manage.py migrate_schemas` first."
            )
            % {"schema": repr(template)}
        )
    connection.set_schema_to_public()
    cloning.clone(template, schema_name)


def migrate_into(schema_name: str) -> None:
    """Create an empty schema and replay every tenant migration (the slow way)."""
    from django.core.management import call_command

    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
    call_command(
        "migrate_schemas", tenant=True, schema_name=schema_name, interactive=False, verbosity=0
    )
    connection.set_schema_to_public()


SCHEMA_BUILDERS = {"clone": clone_template_into, "migrate": migrate_into}


def set_status(township: Township, status: str, *, by: Actor) -> Township:
    """Suspend or reactivate a township (``by``: of its county); cached lookups are
    dropped by a signal."""
    if status not in Township.Status.values:
        raise ValueError(f"Unknown township status {status!r}.")
    require_county_administrator(by, township, what=_("suspend or reactivate townships"))
    township.status = status
    township.save(update_fields=["status"])
    return township


def suspend_township(township: Township, *, by: Actor) -> Township:
    return set_status(township, Township.Status.SUSPENDED, by=by)


def reactivate_township(township: Township, *, by: Actor) -> Township:
    return set_status(township, Township.Status.ACTIVE, by=by)


# --- the county's plugin changes ---------------------------------------------------------
#
# ``platform_core.plugins.services`` is the mechanism (operators, onboarding, the
# township's own changes in ``policy``); these are the county administrator's, who acts
# only in townships of their county, whatever the township's allow-list says.


def _require_county_for_plugins(by: Actor, township: Township) -> None:
    what = _("enable, configure or disable plugins")
    require_county_administrator(by, township, what=what)


def enable_township_plugin(
    township: Township, key: str, settings: dict | None = None, *, by: Actor
) -> None:
    """The county enables ``key`` (or changes its settings; None keeps the stored ones)."""
    _require_county_for_plugins(by, township)
    enable_plugin(township, key, settings)


def configure_township_plugin(township: Township, key: str, settings: dict, *, by: Actor) -> None:
    """The county changes the settings of a plugin the township has enabled."""
    _require_county_for_plugins(by, township)
    configure_plugin(township, key, settings)


def disable_township_plugin(township: Township, key: str, *, by: Actor) -> None:
    """The county disables ``key``; its data and rules are kept."""
    _require_county_for_plugins(by, township)
    disable_plugin(township, key)
