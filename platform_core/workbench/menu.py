"""What each person is offered in the workbench: the core's pages and the plugins' screens.

The menu is computed from the request's Viewer; a page that is not in a person's
menu also refuses them (``access.workbench_page`` with the same roles), so the menu
is a convenience, never the check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from platform_core.accounts.models import Role
from platform_core.accounts.selectors import ADMIN_ROLES, REVIEWER_ROLES, STAFF_ROLES
from platform_core.accounts.viewer import Viewer
from platform_core.alliance.services import CHECK_ROLES
from platform_core.workbench.access import holds_any

logger = logging.getLogger(__name__)

EVALUATOR_ROLES = (Role.PARTY_MEMBER, Role.GROUP_LEADER)
ADMIN_ONLY = (Role.TOWNSHIP_ADMIN,)


@dataclass(frozen=True)
class MenuItem:
    """One entry of the workbench menu; ``waiting`` counts what waits behind it."""

    key: str
    label: str
    url: str
    waiting: int | None = None
    waiting_label: str = ""


# (key, label, URL name, roles): the core's pages, in the order a month runs.
CORE_PAGES: list[tuple[str, object, str, tuple[str, ...]]] = [
    ("households", _("Households"), "work:households", STAFF_ROLES),
    (
        "enterprises",
        _("Merchants and firms"),
        "work:enterprises",
        (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE),
    ),
    ("record", _("Record an entry"), "work:record", STAFF_ROLES),
    ("declarations", _("Declarations to confirm"), "work:declarations", STAFF_ROLES),
    ("review", _("Review queue"), "work:review", REVIEWER_ROLES),
    ("objections", _("Objections"), "work:objections", REVIEWER_ROLES),
    ("repairs", _("Credit repair"), "work:repairs", REVIEWER_ROLES),
    ("rate", _("My households to rate"), "work:rate", EVALUATOR_ROLES),
    ("month", _("This month"), "work:month", ADMIN_ROLES),
    ("mine", _("My household"), "work:mine", (Role.HOUSEHOLD,)),
    ("eligibility", _("Eligibility check"), "work:eligibility", CHECK_ROLES),
    ("staff", _("Staff and roles"), "work:staff", ADMIN_ONLY),
    ("policy", _("Township policy"), "work:policy", ADMIN_ONLY),
    ("dividends", _("Integrity dividends"), "work:dividends", ADMIN_ONLY),
    ("plugins", _("Plugins"), "work:plugins", ADMIN_ONLY),
    ("feeds", _("Feeds"), "work:feeds", (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE)),
    ("whatif", _("Covenant what-if"), "work:whatif", (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE)),
    ("action_log", _("Action log"), "work:action-log", ADMIN_ONLY),
]


def menu_for(viewer: Viewer, township) -> list[MenuItem]:
    """The core's pages and the enabled plugins' screens this viewer may open."""
    items = [
        MenuItem(key, str(label), reverse(name))
        for key, label, name, roles in CORE_PAGES
        if holds_any(viewer, roles)
    ]
    return items + plugin_items(viewer, township)


def page_url(viewer: Viewer, township, url_name: str) -> str:
    """The address of the workbench page ``url_name`` when ``viewer`` may open it, else "".

    A core page (CORE_PAGES) or a plugin's screen (``work:<plugin>:<screen>``, only
    where the plugin is enabled); the admin links to these pages.
    """
    from platform_core.workbench.screens import enabled_screens

    for _key, _label, name, roles in CORE_PAGES:
        if name == url_name:
            return reverse(name) if holds_any(viewer, roles) else ""
    for mounted in enabled_screens(township):
        if mounted.url_name == url_name and holds_any(viewer, mounted.screen.roles):
            return reverse(url_name)
    return ""


def plugin_items(viewer: Viewer, township) -> list[MenuItem]:
    from platform_core.workbench.screens import enabled_screens

    zh = (get_language() or "").startswith("zh")
    items = []
    for mounted in enabled_screens(township):
        screen = mounted.screen
        if not holds_any(viewer, screen.roles):
            continue
        waiting = None
        if screen.waiting is not None:
            try:
                waiting = int(screen.waiting(viewer))
            except Exception:
                logger.exception(
                    "plugin %s: waiting count of %s failed", mounted.plugin, screen.key
                )
        label = screen.waiting_zh if zh else screen.waiting_en
        items.append(
            MenuItem(
                f"{mounted.plugin}:{screen.key}",
                screen.title(zh),
                reverse(mounted.url_name),
                waiting,
                label,
            )
        )
    return items
