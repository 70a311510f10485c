"""A settings form generated from a plugin's JSON Schema (``PluginMetadata.settings_schema``).

Each top-level property becomes a field: string (``enum``: a choice), integer,
number, boolean, and arrays of strings (``items.enum``: checkboxes, otherwise one
value per line); anything else is edited as JSON. ``required``, ``minimum`` /
``maximum``, ``minLength`` / ``maxLength`` are checked by the form, in the user's
language; whatever else the schema says is checked by the plugin service, whose
refusals (``InvalidSettings.problems``) are put back at their fields.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from platform_core.workbench.forms import WorkbenchForm


class SettingsForm(WorkbenchForm):
    """The settings of one plugin; ``settings()`` is the JSON object to store."""

    schema: dict = {}
    names: dict = {}  # setting → form field (a setting named like a form attribute is renamed)

    def settings(self) -> dict:
        """The cleaned values as the plugin's settings: empty optional values left out."""
        found = {}
        for name, spec in self.schema.get("properties", {}).items():
            value = self.cleaned_data.get(self.names[name])
            if spec.get("type") == "boolean":
                found[name] = bool(value)
            elif value not in (None, "", []):
                found[name] = value
        return found

    def refuse(self, error: Exception) -> None:
        """A schema refusal at the settings it names; anything else above the form."""
        problems = getattr(error, "problems", None)
        if not problems:
            super().refuse(error)
            return
        for name, messages in problems.items():
            field = self.names.get(name)
            self.add_error(field if field in self.fields else None, messages)


def settings_form(schema: dict, stored: dict | None = None, data=None) -> SettingsForm:
    """A bound (``data``) or unbound form for ``schema``, showing the ``stored`` settings."""
    stored = stored or {}
    required = set(schema.get("required", ()))
    fields, initial, names = {}, {}, {}
    reserved = set(dir(SettingsForm)) | {"submission"}
    for name, spec in schema.get("properties", {}).items():
        names[name] = field_name = f"setting_{name}" if name in reserved else name
        fields[field_name] = field_for(name, spec, name in required)
        value = stored[name] if name in stored else spec.get("default")
        if value is not None:
            initial[field_name] = _initial(spec, value)
    attributes = {**fields, "schema": schema, "names": names}
    form_class = type("PluginSettingsForm", (SettingsForm,), attributes)
    return form_class(data, initial=initial)


def field_for(name: str, spec: dict, required: bool) -> forms.Field:
    """The form field of one schema property."""
    kind = spec.get("type")
    common = {
        "label": spec.get("title") or capfirst(name.replace("_", " ")),
        "help_text": spec.get("description", ""),
        "required": required and kind != "boolean",
    }
    if "enum" in spec:
        choices = [(v, str(v)) for v in spec["enum"]]
        if not required:
            choices = [("", "—"), *choices]
        return TypedChoice(choices=choices, coerce=_coerce(kind), empty_value=None, **common)
    if kind == "string":
        return forms.CharField(
            min_length=spec.get("minLength"), max_length=spec.get("maxLength"), **common
        )
    if kind == "integer":
        return forms.IntegerField(
            min_value=spec.get("minimum"), max_value=spec.get("maximum"), **common
        )
    if kind == "number":
        return forms.FloatField(
            min_value=spec.get("minimum"), max_value=spec.get("maximum"), **common
        )
    if kind == "boolean":
        return forms.BooleanField(**common)
    if kind == "array" and spec.get("items", {}).get("type") == "string":
        items = spec["items"]
        if "enum" in items:
            return forms.MultipleChoiceField(
                choices=[(v, v) for v in items["enum"]],
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        return LinesField(**common)
    return JsonField(**common)


class TypedChoice(forms.TypedChoiceField):
    pass


def _coerce(kind: str | None):
    if kind == "integer":
        return int
    if kind == "number":
        return float
    return str


class LinesField(forms.CharField):
    """A list of strings, one per line (empty lines dropped)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class JsonField(forms.CharField):
    """Any other JSON value, typed as JSON."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("This is not valid JSON.")) from None


def _initial(spec: dict, value):
    if (
        spec.get("type") == "array"
        and isinstance(value, list)
        and "enum" not in spec.get("items", {})
    ):
        return "\n".join(str(v) for v in value)
    return value
