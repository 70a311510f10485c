"""Public-schema records of the county and its townships. Thin: rules live in services."""

from __future__ import annotations

import uuid

import pghistory
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

TOWNSHIP_CODE_VALIDATOR = RegexValidator(
    r"^\d{9}$", _("A township code is the 9-digit administrative division code.")
)
COUNTY_CODE_VALIDATOR = RegexValidator(
    r"^\d{6}$", _("A county code is the 6-digit administrative division code.")
)
SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
    _("Use lower-case letters, digits and hyphens (a host-name label)."),
)


class County(models.Model):
    code = models.CharField(
        _("code"), max_length=6, unique=True, validators=[COUNTY_CODE_VALIDATOR]
    )
    name = models.CharField(_("name"), max_length=100)
    default_plugins = models.JSONField(
        _("default plugins"),
        default=list,
        blank=True,
        help_text=_("Plugin keys enabled for every township onboarded in this county."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        """The default set is a list of plugin keys (that they are installed is checked by
        ``platform_core.townships.services.check_default_plugins``, above this layer)."""
        from django.core.exceptions import ValidationError

        keys = self.default_plugins
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ValidationError({"default_plugins": _("A list of plugin keys.")})


class ScoreWindow(models.TextChoices):
    CALENDAR_YEAR = "calendar_year", _("Calendar year to date")
    ROLLING_12_MONTHS = "rolling_12_months", _("Rolling 12 months")
    LIFETIME = "lifetime", _("Lifetime")


class Township(TenantMixin):
    """One customer: a township and its PostgreSQL schema."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    code = models.CharField(
        _("code"), max_length=9, unique=True, validators=[TOWNSHIP_CODE_VALIDATOR]
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.CharField(
        _("host name label"), max_length=63, unique=True, validators=[SLUG_VALIDATOR]
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="townships", verbose_name=_("county")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    # Score policy: see docs/scoring.md.
    score_base = models.IntegerField(_("base score"), default=100)
    green_above = models.IntegerField(_("green above"), default=100)
    red_below = models.IntegerField(_("red below"), default=100)
    score_window = models.CharField(
        _("score window"),
        max_length=20,
        choices=ScoreWindow.choices,
        default=ScoreWindow.CALENDAR_YEAR,
    )
    objection_days = models.PositiveSmallIntegerField(
        _("objection window (days)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    evaluation_day = models.PositiveSmallIntegerField(
        _("monthly evaluation day"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    publish_red_on_board = models.BooleanField(
        _("show households to improve on boards"), default=False
    )
    # Due process (docs/scoring.md, "Due process"). Working days follow the Chinese
    # holiday calendar (platform_core.scoring.workdays); 0 switches a period off.
    response_days = models.PositiveSmallIntegerField(
        _("response window before a deduction counts (working days)"),
        default=5,
        validators=[MaxValueValidator(60)],
    )
    posting_days = models.PositiveSmallIntegerField(
        _("public posting before a month is finalised (working days)"),
        default=5,
        validators=[MaxValueValidator(60)],
    )
    objection_answer_days = models.PositiveSmallIntegerField(
        _("objections answered within (working days)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    red_publication_months = models.PositiveSmallIntegerField(
        _("households to improve shown on boards for at most (months)"),
        default=12,
        validators=[MinValueValidator(3), MaxValueValidator(36)],
    )
    # Limits the county sets (platform_core.townships.policy): the township chooses its
    # policy and its plugins within them. Empty / None: no limit.
    allowed_plugins = models.JSONField(
        _("plugins the township may enable"),
        default=list,
        blank=True,
        help_text=_("Plugin keys; empty: every plugin installed in the county."),
    )
    green_above_min = models.IntegerField(_("green above, at least"), null=True, blank=True)
    green_above_max = models.IntegerField(_("green above, at most"), null=True, blank=True)
    red_below_min = models.IntegerField(_("red below, at least"), null=True, blank=True)
    red_below_max = models.IntegerField(_("red below, at most"), null=True, blank=True)
    objection_days_min = models.PositiveSmallIntegerField(
        _("objection window, at least (days)"), null=True, blank=True
    )
    objection_days_max = models.PositiveSmallIntegerField(
        _("objection window, at most (days)"), null=True, blank=True
    )
    allowed_score_windows = models.JSONField(
        _("score windows the township may choose"),
        default=list,
        blank=True,
        help_text=_("Empty: any score window."),
    )
    # A new random value on every plugin enable/disable/settings change: per-township
    # plugin hooks are cached by it (platform_core.plugins.manager.hooks_for). Random,
    # not a counter, so a rolled-back change can never leave a cache entry that a
    # later committed change would match.
    plugins_version = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Schemas are cloned by the onboarding service, never created by save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(red_below__lte=models.F("green_above")),
                name="township_red_below_not_above_green",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class PluginActivation(models.Model):
    """Whether a plugin is enabled for a township, with its settings."""

    township = models.ForeignKey(
        Township,
        on_delete=models.CASCADE,
        related_name="plugin_activations",
        verbose_name=_("township"),
    )
    plugin = models.CharField(_("plugin"), max_length=64)
    enabled = models.BooleanField(_("enabled"), default=True)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    # Codes of the plugin's rules that disabling switched off (enabling again turns
    # exactly these back on; rules the township had switched off itself stay off).
    suspended_rules = models.JSONField(default=list, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("plugin activation")
        verbose_name_plural = _("plugin activations")
        constraints = [
            models.UniqueConstraint(
                fields=["township", "plugin"], name="plugin_activation_unique_per_township"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plugin} @ {self.township.code}"


class TownshipStatistics(models.Model):
    """A township's figures for the county, kept in the public schema.

    The county endpoint reads this one table instead of visiting every township's
    schema per request; ``platform_core.townships.statistics.refresh_statistics`` rewrites a row
    after a month is finalised, after onboarding and on demand. Counts only: no
    household's personal data ever lands here.
    """

    township = models.OneToOneField(
        Township, on_delete=models.CASCADE, related_name="statistics", verbose_name=_("township")
    )
    month = models.DateField(_("latest finalised month"), null=True, blank=True)
    households = models.PositiveIntegerField(_("households"), default=0)
    green = models.PositiveIntegerField(_("green"), default=0)
    blue = models.PositiveIntegerField(_("blue"), default=0)
    red = models.PositiveIntegerField(_("red"), default=0)
    # Figures of the enabled plugins for the month: {plugin key: {figure name: integer}};
    # the county shows those the plugins declare as columns (township_statistics_columns).
    extra = models.JSONField(_("plugin figures"), default=dict, blank=True)
    # What the county's running totals sum, computed in the township's schema at refresh
    # (platform_core.dashboard.totals.stored_totals): board households per year and in
    # total, three-none counts per month and year, and the day they are of. Empty for a
    # row refreshed before it existed: the county counts that township as no data.
    totals = models.JSONField(_("running totals"), default=dict, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("township statistics")
        verbose_name_plural = _("township statistics")
        ordering = ["township__code"]

    def __str__(self) -> str:
        month = f"{self.month:%Y-%m}" if self.month else "-"
        return f"{self.township} {month}"


# --- The action log (django-pghistory) ----------------------------------------
# The public schema's part of the action log: township policy and plugin activations.
#
# Filled by PostgreSQL triggers (django-pghistory; see the end of scoring/models.py).
# Policy: an UPDATE of the township that changes a policy field (not its status, name or
# the county's limits, which are the county's own). Plugin activations: every change.

#: The township's own score and due-process policy (what its administrator sets).
LOGGED_POLICY_FIELDS = [
    "score_base",
    "green_above",
    "red_below",
    "score_window",
    "objection_days",
    "evaluation_day",
    "publish_red_on_board",
    "response_days",
    "posting_days",
    "objection_answer_days",
    "red_publication_months",
]

TownshipPolicyEvent = pghistory.create_event_model(
    Township,
    pghistory.UpdateEvent("policy", condition=pghistory.AnyChange(*LOGGED_POLICY_FIELDS)),
    fields=["code", *LOGGED_POLICY_FIELDS],
    model_name="TownshipPolicyEvent",
    abstract=False,
    meta={
        "verbose_name": _("action log: township policy"),
        "verbose_name_plural": _("action log: township policy"),
        "ordering": ["-pgh_id"],
    },
)
PluginActivationEvent = pghistory.create_event_model(
    PluginActivation,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
    model_name="PluginActivationEvent",
    abstract=False,
    meta={
        "verbose_name": _("action log: plugin activations"),
        "verbose_name_plural": _("action log: plugin activations"),
        "ordering": ["-pgh_id"],
    },
)
