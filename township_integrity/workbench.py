"""What a plugin needs to add screens to a township's workbench.

Return ``township_integrity.WorkbenchScreen`` objects from the hook
``township_workbench_screens``; the platform mounts each at
``/work/x/<plugin key>/<screen key>/`` (reversed as ``work:<plugin key>:<screen key>``,
further patterns by their own names in the same namespace), answers 404 where the
plugin is not enabled and 403 to anyone without one of the screen's roles, before
your view runs. Inside the view:

* ``request.viewer`` — who is asking: ``has(roles, village_code)``, ``villages(roles)``
  (None: every village), ``institution_codes``, ``household_codes``, and ``actor``
  for your services. Narrowing to villages or institutions is your view's job.
* ``render_page(request, template_name, context, status=200)`` — renders a template
  that extends ``BASE_TEMPLATE`` (``"workbench/base.html"``; put your markup in its
  ``workbench`` block and your title in ``page_title``) with the workbench's menu.
  Templates live in your package's ``templates/<plugin key>/workbench/`` folder.
* ``WorkbenchForm`` — a Django form with a one-time ``submission`` key; ``{{ form }}``
  renders every field in a ``data-field="<name>"`` block with its errors.
* ``submit(request, form, apply, success_url, atomic=True)`` — applies ``apply()``
  once (a double submit changes nothing twice), shows a ``PlatformError`` your
  service raised at the field it names (``PlatformError(message, field="reason")``,
  or above the form), and redirects to ``success_url(result)``; None when the form
  now holds errors (render it again with status 400). ``atomic=False`` when your
  service commits a record of its own before it may refuse.
* ``institutions_of(viewer, every_for=())`` — the active alliance institutions the
  viewer works for (every one when they hold one of ``every_for`` township-wide).
* ``mask_name(name)`` — a household head's name as shown outside its village's staff.
* ``page_of(queryset, request)`` — the page of a list that ``?page=`` and ``?size=``
  (1–100, default 25) ask for, as every workbench list pages.
"""

from __future__ import annotations

from django.shortcuts import render

from platform_core.alliance.selectors import institutions_of
from platform_core.households.selectors import mask_name
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.paging import page_of

#: The template a plugin's workbench page extends (blocks ``workbench`` and ``page_title``).
BASE_TEMPLATE = "workbench/base.html"


def render_page(request, template_name: str, context: dict | None = None, *, status: int = 200):
    """A workbench page: ``template_name`` with ``context`` and the viewer's menu."""
    from platform_core.workbench.menu import menu_for

    context = {**(context or {}), "menu": menu_for(request.viewer, request.township)}
    return render(request, template_name, context, status=status)


__all__ = [
    "BASE_TEMPLATE",
    "WorkbenchForm",
    "institutions_of",
    "mask_name",
    "page_of",
    "render_page",
    "submit",
]
