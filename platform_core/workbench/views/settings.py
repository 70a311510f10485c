"""The township administrator's settings: its policy and its plugins, within the county's limits.

The limits and every rule are in ``platform_core.townships.policy``; plugin settings are checked
against the plugin's JSON Schema by ``platform_core.plugins.services``.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform_core.plugins.manager import registry
from platform_core.townships import policy as township_policy
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import ADMIN_ONLY, menu_for
from platform_core.workbench.schema_form import settings_form
from tenants.models import PluginActivation, ScoreWindow


class PolicyForm(WorkbenchForm):
    green_above = forms.IntegerField(
        label=gettext_lazy("Green above"), help_text=gettext_lazy("A score above this is green.")
    )
    red_below = forms.IntegerField(
        label=gettext_lazy("Red below"), help_text=gettext_lazy("A score below this is red.")
    )
    score_window = forms.ChoiceField(
        label=gettext_lazy("Score window"), choices=ScoreWindow.choices
    )
    objection_days = forms.IntegerField(
        label=gettext_lazy("Objection window (days)"),
        help_text=gettext_lazy("How long a household may object to a deduction."),
    )
    publish_red_on_board = forms.BooleanField(
        label=gettext_lazy("Show households to improve on the honour boards"), required=False
    )
    # Due process (docs/scoring.md); left empty, a period keeps its stored value.
    response_days = forms.IntegerField(
        label=gettext_lazy("Response window before a deduction counts (working days)"),
        help_text=gettext_lazy("0 to 60; 0: a deduction counts as soon as it is approved."),
        required=False,
    )
    posting_days = forms.IntegerField(
        label=gettext_lazy("Public posting before a month is finalised (working days)"),
        help_text=gettext_lazy("0 to 60; 0: months are finalised without a posting."),
        required=False,
    )
    objection_answer_days = forms.IntegerField(
        label=gettext_lazy("Objections answered within (working days)"),
        help_text=gettext_lazy("1 to 60; overdue objections go to the township administrator."),
        required=False,
    )
    red_publication_months = forms.IntegerField(
        label=gettext_lazy("Households to improve shown on boards for at most (months)"),
        help_text=gettext_lazy("3 to 36 months."),
        required=False,
    )

    def __init__(self, *args, limits: township_policy.Limits, **kwargs):
        super().__init__(*args, **kwargs)
        windows = set(limits.windows())
        self.fields["score_window"].choices = [
            (value, label) for value, label in ScoreWindow.choices if value in windows
        ]
        for name in ("green_above", "red_below", "objection_days"):
            low, high = limits.range_of(name)
            allowed = _("The county allows %(range)s.") % {
                "range": township_policy.describe(low, high)
            }
            self.fields[name].help_text = f"{self.fields[name].help_text} {allowed}".strip()


@workbench_page(ADMIN_ONLY)
def policy(request):
    """The township's thresholds, score window, objection days, red on boards and the
    due-process periods."""
    township = request.township
    limits = township_policy.Limits.of(_stored(township))
    current = township_policy.Policy.of(_stored(township))
    status = 200
    if request.method == "POST":
        form = PolicyForm(request.POST, limits=limits)
        if form.is_valid():
            chosen = township_policy.Policy(
                **{name: form.cleaned_data[name] for name in vars(current)}
            )

            def apply():
                township_policy.set_policy(township, chosen, by=request.viewer.actor)
                messages.success(request, _("The township's policy is saved."))

            done = submit(request, form, apply, lambda result: reverse("work:policy"))
            if done is not None:
                return done
        status = 400
    else:
        form = PolicyForm(initial=vars(current), limits=limits)
    context = {"form": form, "menu": menu_for(request.viewer, township)}
    return render(request, "workbench/policy.html", context, status=status)


def _stored(township):
    """The township row as stored (the request's may come from the lookup cache)."""
    return type(township).objects.get(pk=township.pk)


# --- plugins -------------------------------------------------------------------------


def _name(metadata) -> str:
    return metadata.name_zh if (get_language() or "").startswith("zh") else metadata.name_en


@workbench_page(ADMIN_ONLY)
def plugins(request):
    """The plugins the county lets this township change, and those the county decides."""
    township = request.township
    allowed = township_policy.may_enable(_stored(township))
    enabled = township_policy.enabled_keys(township)
    loaded = registry().plugins
    rows = [
        {
            "key": key,
            "name": _name(loaded[key].metadata),
            "description": loaded[key].metadata.description,
            "enabled": key in enabled,
            "submission": uuid.uuid4().hex,
        }
        for key in allowed
    ]
    by_county = [
        {"key": key, "name": _name(loaded[key].metadata)}
        for key in sorted(enabled - set(allowed))
        if key in loaded
    ]
    context = {"rows": rows, "by_county": by_county, "menu": menu_for(request.viewer, township)}
    return render(request, "workbench/plugins.html", context)


def _allowed_key(request, key: str) -> str:
    """``key`` if the county lets this township change it; 404 otherwise."""
    if key not in township_policy.may_enable(_stored(request.township)):
        raise Http404
    return key


@workbench_page(ADMIN_ONLY)
def plugin_settings(request, key: str):
    """A plugin's settings, in a form generated from its JSON Schema; saving a disabled
    plugin's settings enables it."""
    township = request.township
    key = _allowed_key(request, key)
    metadata = registry().plugins[key].metadata
    activation = PluginActivation.objects.filter(township=township, plugin=key).first()
    stored = activation.settings if activation else {}
    enabled = bool(activation and activation.enabled)
    status = 200
    if request.method == "POST":
        form = settings_form(metadata.settings_schema, stored, request.POST)
        if form.is_valid():

            def apply():
                actor = request.viewer.actor
                if enabled:
                    township_policy.configure_allowed_plugin(
                        township, key, form.settings(), by=actor
                    )
                else:
                    township_policy.enable_allowed_plugin(township, key, form.settings(), by=actor)
                messages.success(
                    request, _("The settings of %(plugin)s are saved.") % {"plugin": key}
                )

            done = submit(request, form, apply, lambda result: reverse("work:plugins"))
            if done is not None:
                return done
        status = 400
    else:
        form = settings_form(metadata.settings_schema, stored)
    context = {
        "form": form,
        "key": key,
        "name": _name(metadata),
        "description": metadata.description,
        "enabled": enabled,
        "menu": menu_for(request.viewer, township),
    }
    return render(request, "workbench/plugin_settings.html", context, status=status)


@require_POST
@workbench_page(ADMIN_ONLY)
def plugin_switch(request, key: str, action: str):
    """Enable (with the stored settings) or disable one plugin."""
    key = _allowed_key(request, key)
    if action not in ("enable", "disable"):
        raise Http404
    form = WorkbenchForm(request.POST)
    if not form.is_valid():
        raise Http404
    change = (
        township_policy.enable_allowed_plugin
        if action == "enable"
        else township_policy.disable_allowed_plugin
    )

    def apply():
        change(request.township, key, by=request.viewer.actor)
        done = _("%(plugin)s is enabled.") if action == "enable" else _("%(plugin)s is disabled.")
        messages.success(request, done % {"plugin": key})

    here = reverse("work:plugins")
    done = submit(request, form, apply, lambda result: here)
    if done is None:
        for error in form.non_field_errors():
            messages.error(request, error)
        if action == "enable":  # most often: settings it needs; the form shows where
            return redirect(reverse("work:plugin", args=[key]))
        return redirect(here)
    return done
