"""The workbench home: what waits for me this month, and the pages my roles open."""

from __future__ import annotations

from django.shortcuts import render

from platform_core.accounts.models import Role
from platform_core.workbench import selectors
from platform_core.workbench.access import workbench_page
from platform_core.workbench.menu import menu_for

EVERY_ROLE = tuple(Role.values)


@workbench_page(EVERY_ROLE)
def home(request):
    viewer = request.viewer
    menu = menu_for(viewer, request.township)
    urls = {item.key: item.url for item in menu}
    context = {
        "menu": menu,
        "waiting": selectors.waiting_for(viewer, urls),
        "plugin_waiting": [item for item in menu if item.waiting is not None],
    }
    return render(request, "workbench/home.html", context)
