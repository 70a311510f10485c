"""The county endpoint (public schema): townships, plugins, statistics, onboarding.

Every field but ``health`` is for county administrators (and superusers); a
township's administrator or token gets nothing here. Mutations are thin wrappers
on ``platform_core.townships.services`` and ``platform_core.townships.statistics``
(which refuse a county administrator of another county too); refusals come back as
payload ``errors`` naming the input field. Statistics are read from the public
``TownshipStatistics`` table, never by visiting every township's schema per request.
"""

from __future__ import annotations

import graphene
from django.db.models import Prefetch
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from graphene.types.generic import GenericScalar

from graphql_api.core import viewer
from graphql_api.errors import (
    BAD_INPUT,
    NOT_FOUND,
    REFUSED,
    InputError,
    _camel,
    forbidden,
    not_found,
    unauthenticated,
)
from graphql_api.mutations import PlatformMutation
from graphql_api.township.queries import Health, resolve_health
from platform_core.accounts.viewer import Viewer
from platform_core.plugins.manager import registry
from platform_core.townships.selectors import administered_townships, list_townships
from platform_core.townships.statistics import column_values, statistics_columns
from tenants.models import PluginActivation, Township


def require_county_admin(info) -> Viewer:
    """The viewer, if a county administrator (or superuser); otherwise refused."""
    who = viewer(info)
    if who.user is None:
        raise unauthenticated()
    if not who.everywhere:
        raise forbidden(_("Only county administrators may use the county API."))
    return who


def townships(user=None):
    """Townships with what the ``Township`` type shows, in a fixed number of queries;
    with ``user``, only those of the counties they administer."""
    enabled = PluginActivation.objects.filter(enabled=True).order_by("plugin")
    chosen = list_townships() if user is None else administered_townships(user)
    return chosen.select_related("statistics").prefetch_related(
        "domains", Prefetch("plugin_activations", enabled, "enabled_plugins")
    )


def township_by_code(code: str, field: str = "code", user=None) -> Township:
    """The township ``code`` (of ``user``'s counties): another county's is NOT_FOUND."""
    township = townships(user).filter(code=code).first()
    if township is None:
        raise InputError(field, NOT_FOUND, _("No township %(code)s.") % {"code": code})
    return township


def _month(value) -> str | None:
    return f"{value:%Y-%m}" if value else None


# --- types ---------------------------------------------------------------------------

TownshipStatusEnum = graphene.Enum(
    "TownshipStatus", [("ACTIVE", "active"), ("SUSPENDED", "suspended")]
)


class EnabledPluginType(graphene.ObjectType):
    class Meta:
        name = "EnabledPlugin"

    key = graphene.String(required=True)
    settings = GenericScalar(required=True, description="The township's settings (JSON)")
    updated_at = graphene.DateTime(required=True)

    def resolve_key(root, info) -> str:
        return root.plugin


def _statistics(township: Township):
    """The township's statistics row, or None before its first refresh."""
    try:
        return township.statistics
    except Township.statistics.RelatedObjectDoesNotExist:
        return None


def _from_row(name: str):
    def resolve(root, info):
        row = _statistics(root)
        return getattr(row, name) if row else None

    return resolve


class StatisticsColumnValueType(graphene.ObjectType):
    """One plugin's figure shown as a column of the county's table (its label, its value)."""

    class Meta:
        name = "StatisticsColumnValue"

    plugin = graphene.String(required=True, description="The plugin's key")
    name = graphene.String(required=True, description="The figure's name, e.g. hotline_cases")
    label = graphene.String(required=True, description="The column's heading, in your language")
    value = graphene.Int(description="Null: not refreshed, plugin not enabled, or no figure")


class StatisticsType(graphene.ObjectType):
    """Counts only: no household's name, address or other personal data."""

    class Meta:
        name = "TownshipStatistics"

    township_code = graphene.String(required=True)
    township_name = graphene.String(required=True)
    month = graphene.String(description="YYYY-MM of the latest finalised month (null: none yet)")
    households = graphene.Int(description="Households registered now (null: never refreshed)")
    green = graphene.Int(description="Green households in the latest finalised month")
    blue = graphene.Int()
    red = graphene.Int()
    columns = graphene.List(
        graphene.NonNull(StatisticsColumnValueType),
        required=True,
        description="The figures the plugins declare as columns (township_statistics_columns), "
        "for that month (or this month when none is finalised), every column for every township",
    )
    figures = GenericScalar(description="Every plugin figure: {plugin key: {figure: count}}")
    refreshed_at = graphene.DateTime(description="Null until the first refresh")

    # The root is a Township; its ``statistics`` row may not exist yet.
    def resolve_township_code(root, info) -> str:
        return root.code

    def resolve_township_name(root, info) -> str:
        return root.name

    def resolve_month(root, info):
        row = _statistics(root)
        return _month(row.month) if row else None

    resolve_figures = _from_row("extra")

    resolve_households = _from_row("households")
    resolve_green = _from_row("green")
    resolve_blue = _from_row("blue")
    resolve_red = _from_row("red")
    resolve_refreshed_at = _from_row("refreshed_at")

    def resolve_columns(root, info) -> list[StatisticsColumnValueType]:
        columns = statistics_columns()
        zh = (get_language() or "").startswith("zh")
        return [
            StatisticsColumnValueType(
                plugin=plugin, name=column.key, label=column.label(zh), value=value
            )
            for (plugin, column), value in zip(
                columns, column_values(_statistics(root), columns), strict=True
            )
        ]


class TownshipType(graphene.ObjectType):
    class Meta:
        name = "Township"

    code = graphene.String(required=True)
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    county_code = graphene.String(required=True)
    county_name = graphene.String(required=True)
    status = TownshipStatusEnum(required=True)
    schema_name = graphene.String(required=True)
    domains = graphene.List(graphene.NonNull(graphene.String), required=True)
    plugins = graphene.List(
        graphene.NonNull(EnabledPluginType), required=True, description="Enabled plugins"
    )
    created_at = graphene.DateTime(required=True)
    statistics = graphene.Field(StatisticsType, required=True)

    def resolve_county_code(root, info) -> str:
        return root.county.code

    def resolve_county_name(root, info) -> str:
        return root.county.name

    def resolve_domains(root, info) -> list[str]:
        ordered = sorted(root.domains.all(), key=lambda d: (not d.is_primary, d.domain))
        return [d.domain for d in ordered]

    def resolve_plugins(root, info):
        return root.enabled_plugins

    def resolve_statistics(root, info):
        return root


class PluginType(graphene.ObjectType):
    """An installed plugin that loaded and fits this platform version."""

    class Meta:
        name = "Plugin"

    key = graphene.String(required=True)
    name_zh = graphene.String(required=True)
    name_en = graphene.String(required=True)
    version = graphene.String(required=True)
    core_versions = graphene.String(required=True, description="PEP 440 specifier")
    depends_on = graphene.List(graphene.NonNull(graphene.String), required=True)
    description = graphene.String(required=True)
    settings_schema = GenericScalar(required=True, description="JSON Schema of the settings")
    hooks = graphene.List(graphene.NonNull(graphene.String), required=True)
    distribution = graphene.String(required=True, description="Package and version, if any")


class SkippedPluginType(graphene.ObjectType):
    class Meta:
        name = "SkippedPlugin"

    key = graphene.String(required=True)
    reason = graphene.String(required=True)


class PluginCatalogueType(graphene.ObjectType):
    class Meta:
        name = "PluginCatalogue"

    available = graphene.List(graphene.NonNull(PluginType), required=True)
    skipped = graphene.List(
        graphene.NonNull(SkippedPluginType),
        required=True,
        description="Installed but not loaded (import error, hookspec mismatch, version)",
    )


def plugin_catalogue() -> PluginCatalogueType:
    reg = registry()
    available = []
    for key, loaded in sorted(reg.plugins.items()):
        meta = loaded.metadata
        available.append(
            PluginType(
                key=key,
                name_zh=meta.name_zh,
                name_en=meta.name_en,
                version=meta.version,
                core_versions=meta.core_versions,
                depends_on=list(meta.depends_on),
                description=meta.description,
                settings_schema=meta.settings_schema,
                hooks=list(loaded.hooks),
                distribution=loaded.distribution,
            )
        )
    skipped = [SkippedPluginType(key=k, reason=why) for k, why in sorted(reg.failed.items())]
    return PluginCatalogueType(available=available, skipped=skipped)


# --- queries -------------------------------------------------------------------------


class CountyQuery(graphene.ObjectType):
    health = graphene.Field(Health, required=True, resolver=resolve_health)
    townships = graphene.List(graphene.NonNull(TownshipType), required=True)
    township = graphene.Field(TownshipType, required=True, code=graphene.String(required=True))
    plugins = graphene.Field(PluginCatalogueType, required=True)
    statistics = graphene.List(
        graphene.NonNull(StatisticsType),
        required=True,
        description="One entry per township, from the public statistics table",
    )

    def resolve_townships(root, info):
        who = require_county_admin(info)
        return list(townships(who.user))

    def resolve_township(root, info, code: str):
        who = require_county_admin(info)
        found = townships(who.user).filter(code=code).first()
        if found is None:
            raise not_found(_("Township %(code)s") % {"code": code})
        return found

    def resolve_plugins(root, info):
        require_county_admin(info)
        return plugin_catalogue()

    def resolve_statistics(root, info):
        who = require_county_admin(info)
        return list(administered_townships(who.user).select_related("statistics"))


# --- mutations -----------------------------------------------------------------------


class CountyMutationBase(PlatformMutation):
    """A county administrator's write; refusals come back as payload ``errors``."""

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root, info, **data):
        require_county_admin(info)
        return super().mutate(root, info, **data)


# Which input an onboarding refusal is about, by its message (first match wins).
class OnboardTownship(CountyMutationBase):
    """Onboard a township (schema, domain, plugins, first administrator) — as the CLI does."""

    class Arguments:
        code = graphene.String(required=True, description="9-digit administrative code")
        name = graphene.String(required=True)
        county = graphene.String(description="6-digit county code (default: from the code)")
        county_name = graphene.String(description="Name for the county if it is new")
        slug = graphene.String(description="Host-name label (default: the code)")
        domain = graphene.String(description="Full host name (default: <slug>.<base domain>)")
        plugins = graphene.List(
            graphene.NonNull(graphene.String), description="Default: the county's set"
        )
        admin_email = graphene.String()
        admin_password = graphene.String(description="Default: generated and returned once")

    township = graphene.Field(TownshipType)
    admin_email = graphene.String()
    admin_password = graphene.String(description="Only when generated; shown this once")

    @classmethod
    def perform(cls, info, **data) -> dict:
        from platform_core.townships.services import OnboardingError, onboard_township

        try:
            result = onboard_township(**data, by=viewer(info).actor)
        except OnboardingError as error:
            field = _camel(error.field) if error.field else None
            raise InputError(field, REFUSED, str(error)) from error
        return {
            "township": township_by_code(result.township.code, user=viewer(info).user),
            "admin_email": result.admin_email,
            "admin_password": result.admin_password,
        }


def _plugin_error(error) -> InputError:
    from platform_core.plugins.services import InvalidSettings

    """Settings problems name ``settings``; everything else is about the plugin ``key``."""
    field = "settings" if isinstance(error, InvalidSettings) else "key"
    return InputError(field, REFUSED, str(error))


def _settings_object(settings) -> dict | None:
    if settings is not None and not isinstance(settings, dict):
        raise InputError("settings", BAD_INPUT, _("Settings are a JSON object."))
    return settings


class EnablePlugin(CountyMutationBase):
    """Enable a plugin for a township (or change its settings); its rules join the covenant."""

    class Arguments:
        township_code = graphene.String(required=True)
        key = graphene.String(required=True)
        settings = graphene.JSONString(description="A JSON object; default: the stored settings")

    township = graphene.Field(TownshipType)

    @classmethod
    def perform(cls, info, township_code, key, settings=None) -> dict:
        from platform_core.plugins.services import PluginError
        from platform_core.townships.services import enable_township_plugin

        who = viewer(info)
        township = township_by_code(township_code, "townshipCode", who.user)
        try:
            enable_township_plugin(township, key, _settings_object(settings), by=who.actor)
        except PluginError as error:
            raise _plugin_error(error) from error
        return {"township": township_by_code(township_code, "townshipCode", viewer(info).user)}


class ConfigurePlugin(EnablePlugin):
    """Change the settings of a plugin the township has enabled."""

    class Arguments:
        township_code = graphene.String(required=True)
        key = graphene.String(required=True)
        settings = graphene.JSONString(required=True, description="A JSON object")

    @classmethod
    def perform(cls, info, township_code, key, settings=None) -> dict:
        from platform_core.plugins.services import PluginError
        from platform_core.townships.services import configure_township_plugin

        who = viewer(info)
        township = township_by_code(township_code, "townshipCode", who.user)
        try:
            configure_township_plugin(township, key, _settings_object(settings), by=who.actor)
        except PluginError as error:
            raise _plugin_error(error) from error
        return {"township": township_by_code(township_code, "townshipCode", viewer(info).user)}


class DisablePlugin(CountyMutationBase):
    """Disable a plugin for a township; its data is kept and its rules are deactivated."""

    class Arguments:
        township_code = graphene.String(required=True)
        key = graphene.String(required=True)

    township = graphene.Field(TownshipType)

    @classmethod
    def perform(cls, info, township_code, key) -> dict:
        from platform_core.plugins.services import PluginError
        from platform_core.townships.services import disable_township_plugin

        who = viewer(info)
        township = township_by_code(township_code, "townshipCode", who.user)
        try:
            disable_township_plugin(township, key, by=who.actor)
        except PluginError as error:
            raise _plugin_error(error) from error
        return {"township": township_by_code(township_code, "townshipCode", viewer(info).user)}


class SuspendTownship(CountyMutationBase):
    """Suspend a township: its sites and API stop answering; its data is kept."""

    class Arguments:
        code = graphene.String(required=True)

    township = graphene.Field(TownshipType)

    @classmethod
    def perform(cls, info, code) -> dict:
        from platform_core.townships.services import suspend_township

        suspend_township(township_by_code(code, user=viewer(info).user), by=viewer(info).actor)
        return {"township": township_by_code(code, user=viewer(info).user)}


class ReactivateTownship(CountyMutationBase):
    class Arguments:
        code = graphene.String(required=True)

    township = graphene.Field(TownshipType)

    @classmethod
    def perform(cls, info, code) -> dict:
        from platform_core.townships.services import reactivate_township

        reactivate_township(township_by_code(code, user=viewer(info).user), by=viewer(info).actor)
        return {"township": township_by_code(code, user=viewer(info).user)}


class RefreshStatistics(CountyMutationBase):
    """Recompute the statistics of the given townships (default: every township)."""

    class Arguments:
        codes = graphene.List(graphene.NonNull(graphene.String))

    statistics = graphene.List(graphene.NonNull(StatisticsType))

    @classmethod
    def perform(cls, info, codes=None) -> dict:
        from platform_core.townships.statistics import refresh_many

        chosen = (
            [township_by_code(c, "codes", viewer(info).user) for c in codes]
            if codes is not None
            else list(administered_townships(viewer(info).user))
        )
        refresh_many(chosen, by=viewer(info).actor)
        refreshed = list_townships().select_related("statistics")
        return {"statistics": list(refreshed.filter(pk__in=[t.pk for t in chosen]))}


class CountyMutation(graphene.ObjectType):
    onboard_township = OnboardTownship.Field()
    enable_plugin = EnablePlugin.Field()
    configure_plugin = ConfigurePlugin.Field()
    disable_plugin = DisablePlugin.Field()
    suspend_township = SuspendTownship.Field()
    reactivate_township = ReactivateTownship.Field()
    refresh_statistics = RefreshStatistics.Field()


county_schema = graphene.Schema(query=CountyQuery, mutation=CountyMutation)
