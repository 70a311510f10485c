"""A township's policy and plugins within the limits its county sets.

The county administrator sets, per township, which plugins it may enable itself (an
allow-list; empty: every installed plugin) and the ranges of its policy (green and
red thresholds, objection days, score windows). The township administrator then
chooses within them. Every refusal names the field it is about. Plugins the
county itself enables (onboarding, the county API) are not limited by the list:
the list is what the township may do on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from platform_core.accounts.access import require_county_administrator, require_held
from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from platform_core.plugins.manager import registry
from tenants.models import PluginActivation, ScoreWindow, Township

OBJECTION_DAYS_RANGE = (1, 365)  # the model's own bounds
# Due-process periods (docs/scoring.md, "Due process"), in working days except the last.
# 0 switches the response window or the posting off (records that went through due
# process elsewhere); an objection always gets an answer period.
DUE_PROCESS_RANGES = {
    "response_days": (0, 60),
    "posting_days": (0, 60),
    "objection_answer_days": (1, 60),
    "red_publication_months": (3, 36),
}


class PolicyError(PlatformError):
    """A policy or a limit refused; ``field`` names the input."""


@dataclass(frozen=True)
class Limits:
    """What the county allows a township (None / empty: no limit)."""

    allowed_plugins: tuple[str, ...] = ()
    green_above_min: int | None = None
    green_above_max: int | None = None
    red_below_min: int | None = None
    red_below_max: int | None = None
    objection_days_min: int | None = None
    objection_days_max: int | None = None
    allowed_score_windows: tuple[str, ...] = ()

    @classmethod
    def of(cls, township: Township) -> Limits:
        return cls(
            allowed_plugins=tuple(township.allowed_plugins or ()),
            green_above_min=township.green_above_min,
            green_above_max=township.green_above_max,
            red_below_min=township.red_below_min,
            red_below_max=township.red_below_max,
            objection_days_min=township.objection_days_min,
            objection_days_max=township.objection_days_max,
            allowed_score_windows=tuple(township.allowed_score_windows or ()),
        )

    def windows(self) -> list[str]:
        """The score windows the township may choose, in the model's order."""
        allowed = set(self.allowed_score_windows)
        return [w for w in ScoreWindow.values if not allowed or w in allowed]

    def range_of(self, name: str) -> tuple[int | None, int | None]:
        return getattr(self, f"{name}_min"), getattr(self, f"{name}_max")


@dataclass(frozen=True)
class Policy:
    """The part of a township's policy its administrator sets."""

    green_above: int
    red_below: int
    score_window: str
    objection_days: int
    publish_red_on_board: bool
    # The due-process periods; None keeps the stored value.
    response_days: int | None = None
    posting_days: int | None = None
    objection_answer_days: int | None = None
    red_publication_months: int | None = None

    @classmethod
    def of(cls, township: Township) -> Policy:
        return cls(
            township.green_above,
            township.red_below,
            township.score_window,
            township.objection_days,
            township.publish_red_on_board,
            township.response_days,
            township.posting_days,
            township.objection_answer_days,
            township.red_publication_months,
        )

    def chosen(self) -> dict:
        """The fields this policy sets (the due-process periods left None are kept)."""
        return {name: value for name, value in vars(self).items() if value is not None}


# --- the county's limits -----------------------------------------------------------------


def set_limits(township: Township, limits: Limits, *, by: Actor) -> Township:
    """Store the county's limits for ``township``; the township's present policy must fit.

    A limit the present policy breaks is refused (naming the present value), so a
    township is never left outside its limits; its administrator, or the county in
    the county admin, changes the policy first. ``by`` acts for the township's county.
    """
    require_county_administrator(by, township, what=_("set the limits of townships"))
    known = set(registry().plugins)
    unknown = sorted(set(limits.allowed_plugins) - known)
    if unknown:
        raise PolicyError(
            _("Unknown plugins: %(keys)s") % {"keys": ", ".join(unknown)}, field="allowed_plugins"
        )
    bad_windows = sorted(set(limits.allowed_score_windows) - set(ScoreWindow.values))
    if bad_windows:
        raise PolicyError(
            _("Unknown score windows: %(windows)s") % {"windows": ", ".join(bad_windows)},
            field="allowed_score_windows",
        )
    for name in ("green_above", "red_below", "objection_days"):
        low, high = limits.range_of(name)
        if low is not None and high is not None and low > high:
            raise PolicyError(
                _("The lowest value %(low)s is above the highest %(high)s.")
                % {"low": low, "high": high},
                field=f"{name}_max",
            )
    days_low, days_high = OBJECTION_DAYS_RANGE
    for name in ("objection_days_min", "objection_days_max"):
        value = getattr(limits, name)
        if value is not None and not days_low <= value <= days_high:
            raise PolicyError(
                _("Objection days are between %(low)s and %(high)s.")
                % {"low": days_low, "high": days_high},
                field=name,
            )
    with transaction.atomic():
        township = Township.objects.select_for_update().get(pk=township.pk)
        for problem in policy_problems(Policy.of(township), limits):
            field, message = problem
            raise PolicyError(
                _("The township's present policy does not fit: %(problem)s") % {"problem": message},
                field=_LIMIT_FIELD_OF.get(field, field),
            )
        township.allowed_plugins = sorted(set(limits.allowed_plugins))
        township.allowed_score_windows = [
            w for w in ScoreWindow.values if w in set(limits.allowed_score_windows)
        ]
        for name in ("green_above", "red_below", "objection_days"):
            low, high = limits.range_of(name)
            setattr(township, f"{name}_min", low)
            setattr(township, f"{name}_max", high)
        township.save(update_fields=[*LIMIT_FIELDS])
    return township


LIMIT_FIELDS = (
    "allowed_plugins",
    "green_above_min",
    "green_above_max",
    "red_below_min",
    "red_below_max",
    "objection_days_min",
    "objection_days_max",
    "allowed_score_windows",
)
# A policy field's problem, reported on the county's form: at the limit it breaks.
_LIMIT_FIELD_OF = {
    "green_above": "green_above_min",
    "red_below": "red_below_min",
    "objection_days": "objection_days_min",
    "score_window": "allowed_score_windows",
}


def policy_problems(policy: Policy, limits: Limits) -> list[tuple[str, str]]:
    """(field, message) for every part of ``policy`` outside ``limits``; empty when it fits."""
    problems = []
    labels = {
        "green_above": _("Green above"),
        "red_below": _("Red below"),
        "objection_days": _("Objection days"),
    }
    for name in ("green_above", "red_below", "objection_days"):
        value = getattr(policy, name)
        low, high = limits.range_of(name)
        if (low is not None and value < low) or (high is not None and value > high):
            problems.append(
                (
                    name,
                    _("%(what)s is %(value)s; the county allows %(range)s.")
                    % {"what": labels[name], "value": value, "range": describe(low, high)},
                )
            )
    if policy.score_window not in limits.windows():
        problems.append(
            (
                "score_window",
                _("The score window %(window)s is not one the county allows.")
                % {"window": ScoreWindow(policy.score_window).label},
            )
        )
    return problems


def describe(low: int | None, high: int | None) -> str:
    """A range as people read it: "80–120", "at least 80", "at most 120", "any value"."""
    if low is not None and high is not None:
        return f"{low}–{high}"
    if low is not None:
        return _("at least %(low)s") % {"low": low}
    if high is not None:
        return _("at most %(high)s") % {"high": high}
    return _("any value")


TOWNSHIP_ADMINS = (Role.TOWNSHIP_ADMIN,)


# --- the township's policy ---------------------------------------------------------------


def set_policy(township: Township, policy: Policy, *, by: Actor) -> Township:
    """Change the township's thresholds, score window, objection days and red on boards,
    within the county's limits (checked against the stored limits, under a row lock),
    and its due-process periods (``DUE_PROCESS_RANGES``); only its township
    administrators may."""
    require_held(by, township, TOWNSHIP_ADMINS, what=_("change the township's policy"))
    if policy.score_window not in ScoreWindow.values:
        raise PolicyError(_("Choose a score window."), field="score_window")
    days_low, days_high = OBJECTION_DAYS_RANGE
    if not days_low <= policy.objection_days <= days_high:
        raise PolicyError(
            _("Objection days are between %(low)s and %(high)s.")
            % {"low": days_low, "high": days_high},
            field="objection_days",
        )
    if policy.red_below > policy.green_above:
        raise PolicyError(
            _("Red below (%(red)s) cannot be above green above (%(green)s).")
            % {"red": policy.red_below, "green": policy.green_above},
            field="red_below",
        )
    _check_due_process(policy)
    chosen = policy.chosen()
    with transaction.atomic():
        stored = Township.objects.select_for_update().get(pk=township.pk)
        problems = policy_problems(policy, Limits.of(stored))
        if problems:
            field, message = problems[0]
            raise PolicyError(message, field=field)
        for name, value in chosen.items():
            setattr(stored, name, value)
        stored.save(update_fields=list(chosen))
    for name, value in chosen.items():  # the request's township object too
        setattr(township, name, value)
    return stored


def _check_due_process(policy: Policy) -> None:
    messages = {
        "response_days": _(
            "The response window is between %(low)s and %(high)s working days (0: none)."
        ),
        "posting_days": _(
            "The public posting lasts between %(low)s and %(high)s working days (0: none)."
        ),
        "objection_answer_days": _(
            "Objections are answered within %(low)s to %(high)s working days."
        ),
        "red_publication_months": _(
            "Households to improve are shown on boards for %(low)s to %(high)s months."
        ),
    }
    for name, (low, high) in DUE_PROCESS_RANGES.items():
        value = getattr(policy, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PolicyError(messages[name] % {"low": low, "high": high}, field=name)


# --- the township's own plugin changes ---------------------------------------------------


def may_enable(township: Township) -> list[str]:
    """Keys of the installed plugins the township may enable, disable and configure itself."""
    installed = sorted(registry().plugins)
    allowed = set(township.allowed_plugins or ())
    return [key for key in installed if not allowed or key in allowed]


def _check_allowed(township: Township, key: str, by: Actor) -> None:
    """Only the township's administrators, and only plugins the county allows."""
    require_held(by, township, TOWNSHIP_ADMINS, what=_("change the township's plugins"))
    if key not in may_enable(township):
        raise PolicyError(
            _("The county does not let %(township)s change plugin %(plugin)s.")
            % {"township": township.name, "plugin": key},
            field="key",
        )


def enable_allowed_plugin(
    township: Township, key: str, settings: dict | None = None, *, by: Actor
) -> None:
    """Enable a plugin the county allows; ``settings=None`` brings back the stored ones."""
    from platform_core.plugins.services import enable_plugin

    _check_allowed(township, key, by)
    enable_plugin(_fresh(township), key, settings)


def configure_allowed_plugin(township: Township, key: str, settings: dict, *, by: Actor) -> None:
    """Change the settings of an enabled plugin the county allows."""
    from platform_core.plugins.services import configure_plugin

    _check_allowed(township, key, by)
    configure_plugin(_fresh(township), key, settings)


def disable_allowed_plugin(township: Township, key: str, *, by: Actor) -> None:
    """Disable a plugin the county allows; its data and rules are kept."""
    from platform_core.plugins.services import disable_plugin

    _check_allowed(township, key, by)
    disable_plugin(_fresh(township), key)


def _fresh(township: Township) -> Township:
    """The stored row (a request's township may come from the lookup cache)."""
    return Township.objects.get(pk=township.pk)


def enabled_keys(township: Township) -> set[str]:
    return set(
        PluginActivation.objects.filter(township=township, enabled=True).values_list(
            "plugin", flat=True
        )
    )
