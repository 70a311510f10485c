"""The selections plugin's hooks: who it is, and where it plugs into the platform.

It adds no covenant rule: a round awards under the township's own rule for a "most
beautiful" honour (VO-03 by default, the setting ``rule_code``). Each hook hands over
to the module that does the work (imported when called: this module is loaded with
the plugin, before Django's apps are ready).
"""

from __future__ import annotations

from plugins.selections.conf import KEY, SETTINGS_SCHEMA
from township_integrity import PluginMetadata, hookimpl


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="最美系列评选",
        name_en="'Most beautiful' selections",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Rounds of 最美家庭, 最美庭院, 最美媳妇, 好婆婆 …: village committees "
        "nominate green households, the harmony council votes, the results are posted in "
        "public for objections, and each winner gets a ledger entry under the township's rule.",
    )


@hookimpl
def township_workbench_screens():
    """Rounds for the administrator, committees and council (``plugins.selections.workbench``)."""
    from plugins.selections.workbench import screens

    return screens()


@hookimpl
def township_urls():
    """The public posting with its objection form at ``selections/``."""
    from plugins.selections.public import urls

    return [urls()]


@hookimpl
def township_graphql_fields(settings):
    """Rounds and nominations with their vote counts, for staff; graphene imported lazily."""
    from plugins.selections.graphql import contribution

    return contribution()


@hookimpl
def township_demo_data(actor, rng, months):
    """One awarded round (posted a month ago) and one taking nominations, for ``make demo``."""
    from plugins.selections.demo import seed_demo_rounds

    return seed_demo_rounds(actor, rng, months)
