"""The plugins page: enable, disable and configure the plugins the county allows,
through a settings form generated from each plugin's JSON Schema."""

from __future__ import annotations

import dataclasses

import pytest
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.plugins.services import InvalidSettings, validate_settings
from platform_core.townships import policy
from platform_core.workbench.schema_form import settings_form
from tenants.models import PluginActivation
from tests import factories as f
from tests.workbench.conftest import work
from tests.workbench.test_staff import field_error, key


@pytest.fixture
def admin(world):
    with tenant_context(world):
        return f.person("boss", "township_admin")


def activation(township, plugin: str):
    return PluginActivation.objects.filter(township=township, plugin=plugin).first()


def switch(client, township, plugin: str, action: str, submission: str = ""):
    page = client.get(work(township, "plugins/"))
    return client.post(
        work(township, f"plugins/{plugin}/{action}/"), {"submission": submission or key(page)}
    )


def test_the_administrator_enables_and_disables_a_plugin_once(world, admin, signed_in):
    client = signed_in(admin)
    page = client.get(work(world, "plugins/")).content.decode()
    assert 'data-plugin="petition" data-enabled="no"' in page
    assert switch(client, world, "petition", "enable", "s1").status_code == 302
    assert switch(client, world, "petition", "enable", "s1").status_code == 302  # double submit
    assert activation(world, "petition").enabled
    page = client.get(work(world, "plugins/")).content.decode()
    assert 'data-plugin="petition" data-enabled="yes"' in page
    switch(client, world, "petition", "disable")
    assert not activation(world, "petition").enabled


def test_the_settings_form_is_generated_from_the_schema(world, admin, signed_in):
    client = signed_in(admin)
    page = client.get(work(world, "plugins/petition/"))
    html = page.content.decode()
    for name in ("warning_months", "warning_factor", "warning_minimum"):
        assert f'data-field="{name}"' in html
    data = {"submission": key(page), "warning_months": "6", "warning_factor": "2.5"}
    reply = client.post(work(world, "plugins/petition/"), data)
    assert reply.status_code == 302
    stored = activation(world, "petition")
    assert stored.enabled and stored.settings == {"warning_months": 6, "warning_factor": 2.5}


def test_settings_the_schema_refuses_show_at_their_fields(world, admin, signed_in):
    client = signed_in(admin)
    page = client.get(work(world, "plugins/petition/"))
    # Out of the schema's maximum: the form refuses it, in the user's language.
    reply = client.post(
        work(world, "plugins/petition/"), {"submission": key(page), "warning_months": "40"}
    )
    assert reply.status_code == 400
    assert "less than or equal to 36" in field_error(reply, "warning_months")
    # exclusiveMinimum is not a form rule: the plugin service's schema check refuses it,
    # and the refusal lands at the field all the same.
    reply = client.post(
        work(world, "plugins/petition/"), {"submission": key(page), "warning_factor": "1"}
    )
    assert reply.status_code == 400
    assert "less than or equal to the minimum of 1" in field_error(reply, "warning_factor")
    assert activation(world, "petition") is None


def test_a_string_setting_and_a_boolean_default(world, admin, signed_in):
    client = signed_in(admin)
    page = client.get(work(world, "plugins/loans/"))
    assert 'name="freeze_on_red"' in page.content.decode()
    assert "checked" in field_error_or_block(page, "freeze_on_red")  # the schema's default
    reply = client.post(
        work(world, "plugins/loans/"),
        {"submission": key(page), "legal_basis": "《洪桥镇信用贷款办法》"},
    )
    assert reply.status_code == 302
    assert activation(world, "loans").settings == {
        "freeze_on_red": False,
        "legal_basis": "《洪桥镇信用贷款办法》",
    }


def field_error_or_block(page, name: str) -> str:
    html = page.content.decode()
    start = html.index(f'data-field="{name}"')
    return html[start : html.index("</div>", start)]


def test_only_the_plugins_the_county_allows(world, admin, signed_in):
    policy.set_limits(world, policy.Limits(allowed_plugins=("petition",)), by=Actor("county"))
    from platform_core.plugins.services import enable_plugin

    enable_plugin(world, "loans")  # the county's own choice: listed, not changeable here
    client = signed_in(admin)
    page = client.get(work(world, "plugins/")).content.decode()
    assert 'data-plugin="petition"' in page and 'data-plugin="loans"' not in page
    assert 'data-county-plugin="loans"' in page
    assert client.get(work(world, "plugins/loans/")).status_code == 404
    reply = client.post(work(world, "plugins/loans/disable/"), {"submission": "x"})
    assert reply.status_code == 404
    assert activation(world, "loans").enabled
    assert client.get(work(world, "plugins/no-such-plugin/")).status_code == 404


def test_the_generated_form_covers_the_schema_types():
    schema = {
        "type": "object",
        "required": ["title", "level"],
        "properties": {
            "title": {"type": "string", "maxLength": 5},
            "level": {"type": "integer", "minimum": 1, "maximum": 3},
            "ratio": {"type": "number", "minimum": 0},
            "on": {"type": "boolean"},
            "colour": {"type": "string", "enum": ["red", "blue"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "days": {"type": "array", "items": {"type": "string", "enum": ["mon", "tue"]}},
            "media": {"type": "string"},  # named like a form attribute: renamed
        },
    }
    form = settings_form(
        schema,
        data={
            "title": "abc",
            "level": "2",
            "ratio": "0.5",
            "colour": "blue",
            "tags": "a\n\nb ",
            "days": ["tue"],
            "setting_media": "x",
        },
    )
    assert form.is_valid(), form.errors
    assert form.settings() == {
        "title": "abc",
        "level": 2,
        "ratio": 0.5,
        "on": False,
        "colour": "blue",
        "tags": ["a", "b"],
        "days": ["tue"],
        "media": "x",
    }
    bad = settings_form(schema, data={"title": "toolong", "level": "9", "colour": "green"})
    assert not bad.is_valid()
    assert set(bad.errors) >= {"title", "level", "colour"}
    missing = settings_form(schema, data={})
    assert not missing.is_valid() and {"title", "level"} <= set(missing.errors)


def test_a_missing_required_setting_is_named_by_the_service(monkeypatch):
    from platform_core.plugins.manager import registry

    loaded = registry().plugins["petition"]
    schema = {**loaded.metadata.settings_schema, "required": ["warning_months"]}
    metadata = dataclasses.replace(loaded.metadata, settings_schema=schema)
    monkeypatch.setitem(
        registry().plugins, "petition", dataclasses.replace(loaded, metadata=metadata)
    )
    with pytest.raises(InvalidSettings) as refused:
        validate_settings("petition", {"warning_minimum": 0})
    assert set(refused.value.problems) == {"warning_months", "warning_minimum"}
