"""Feeds: each enabled plugin feed, its last runs and failures, and "run now".

The imports and their records are the feeds service's (``platform_core.feeds``);
this page only shows them and asks for a run.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform_core.feeds import services
from platform_core.feeds.admin import FEED_ROLES
from platform_core.feeds.models import FeedRun
from platform_core.feeds.selectors import feed_states
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import menu_for


class RunFeedForm(WorkbenchForm):
    plugin = forms.CharField(widget=forms.HiddenInput, max_length=60)
    feed = forms.CharField(widget=forms.HiddenInput, max_length=40)


@workbench_page(FEED_ROLES)
def feeds(request):
    """The township's enabled feeds with their waiting files and last runs."""
    return _page(request)


@require_POST
@workbench_page(FEED_ROLES)
def run_now(request):
    """Import one enabled feed at once (its waiting files, or a pull)."""
    form = RunFeedForm(request.POST)
    if not form.is_valid():
        form.add_error(None, _("Choose a feed to run."))
        return _page(request, form, status=400)
    plugin, feed = form.cleaned_data["plugin"], form.cleaned_data["feed"]

    def apply():
        runs = services.run_now(plugin, feed, by=request.viewer.actor)
        _report(request, runs)

    # Each file commits on its own (run_feed's transactions), so no outer transaction.
    done = submit(request, form, apply, lambda result: reverse("work:feeds"), atomic=False)
    return done if done is not None else _page(request, form, status=400)


def _report(request, runs: list[FeedRun]) -> None:
    if not runs:
        messages.info(request, _("No file was waiting: nothing was imported."))
    for run in runs:
        name = run.file_name or _("pull")
        if run.status == FeedRun.Status.FAILED:
            messages.error(request, f"{name}: {run.error}")
        else:
            messages.success(request, f"{name}: {run.summary}")


def _page(request, form: RunFeedForm | None = None, status: int = 200):
    states = feed_states()
    context = {
        "feeds": [
            {
                "state": state,
                "form": RunFeedForm(initial={"plugin": state.plugin, "feed": state.key}),
            }
            for state in states
        ],
        "refused": form if form is not None and form.errors else None,
        "menu": menu_for(request.viewer, request.township),
    }
    return render(request, "workbench/feeds.html", context, status=status)
