"""The Django admin inside a township: who may enter, and what each role sees and edits.

Permissions in Django are global (a user is shared by every township), so this
admin does not use them: every decision is made from the user's memberships in
the township the request is routed to (``Viewer``, loaded once per request).

* Entry: an administrative role (township administrator, village committee,
  council member) in this township; county administrators and superusers enter
  all. ``is_staff`` is not needed (it is global too), so a village committee
  member signs in with the membership alone.
* ``VillageScopedAdmin`` (the base of every admin here): who may view, edit and
  delete (``view_roles``, ``edit_roles``, ``delete_roles``) and, with
  ``village_path`` (e.g. ``"household__village__code"``), rows limited to the
  villages of a viewer whose role is scoped to villages (Membership.village_code):
  lists, object pages (another village's object answers 404) and the choices of
  village, grid and household in forms.
* Import pages and CSV/XLSX exports (``importer``, ``exporter``; the work is in
  ``platform_core.admin_io``).
* PluginGate hides a plugin's models where the township has not enabled it.
* ``WorkbenchLink`` (``workbench_url_name``): a list whose work is done in the
  workbench links to that page ("Do this in the workbench").
* ``ListPage``: a page an app higher up adds to another app's list (the month's
  scores export on the household list is evaluation's).

This module is the site itself: every app's admin registers here, so it imports
no app above the accounts. What it needs from above (which plugins a township
enabled, a workbench page's address) is given to the site at start-up
(``TownshipAdminSite.connect``, from ``platform_core.apps``), and pages that read
an app's data are that app's (``platform_core.evaluation.admin``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.admin.options import IncorrectLookupParameters, get_content_type_for_model
from django.contrib.admin.views.main import IS_POPUP_VAR
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.base import ModelBase
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core import admin_io
from platform_core.accounts.models import Role
from platform_core.accounts.selectors import ADMIN_ROLES
from platform_core.accounts.viewer import Viewer, viewer_of
from platform_core.errors import PlatformError
from platform_core.plugin_apps import plugin_app_labels
from platform_core.tabular import TableError

TOWNSHIP_ADMIN = (Role.TOWNSHIP_ADMIN,)
VILLAGE_STAFF = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE)


def holds(request, roles, village_code: str | None = None) -> bool:
    """The viewer holds one of ``roles``: for ``village_code`` when given, else in any village."""
    viewer = viewer_of(request)
    if village_code is not None:
        return viewer.has(roles, village_code)
    return viewer.villages(roles) != set()


def follow(obj, path: str):
    """The value at ``path`` ("household__village__code") from ``obj``; None on a gap."""
    for name in path.split("__"):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


# Where a form's choices of these models lead to their village code.
CHOICE_VILLAGE_PATHS = {
    ("households", "village"): "code",
    ("households", "grid"): "village__code",
    ("households", "household"): "village__code",
}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("The first row names the columns. Accepted files:"),
    )


@dataclass(frozen=True)
class ListPage:
    """A page an app higher up adds to another app's admin list (``add_list_page``).

    It is served under the list's address (``route``, named like the list's own
    pages with ``name``), answered by ``view(model_admin, request)``, and offered
    as a button (``label``) above the list; the view checks who may use it.
    """

    route: str
    name: str
    view: Callable
    label: str


class WorkbenchLink:
    """An admin list whose daily work has a workbench page: the list links to that page.

    The admin stays for correcting data; the work itself (reviewing, deciding,
    handling) is done in the workbench, so its page is named here
    (``workbench_url_name``, e.g. ``"work:review"``) rather than duplicated. The link
    is shown to those who may open the page, where it exists (a plugin's screen
    only where the plugin is enabled).
    """

    workbench_url_name: str = ""

    def workbench_url(self, request) -> str:
        """The workbench page's address for this viewer ("" when it is not theirs)."""
        if not self.workbench_url_name or getattr(request, "township", None) is None:
            return ""
        page_url = getattr(self.admin_site, "workbench_page_url", None)
        if page_url is None:
            return ""
        return page_url(viewer_of(request), request.township, self.workbench_url_name)


class VillageScopedAdmin(WorkbenchLink, admin.ModelAdmin):
    """Every township admin page: access by role, rows by village scope, imports and exports."""

    # Who may see, change/add, and delete (their village's rows, with village_path).
    view_roles: tuple[str, ...] = ADMIN_ROLES
    edit_roles: tuple[str, ...] = TOWNSHIP_ADMIN
    delete_roles: tuple[str, ...] = TOWNSHIP_ADMIN
    # The lookup from a row to its village code; None: township-wide records (the
    # covenant, alliance members), seen whole by every viewer and edited only by a
    # role that covers every village.
    village_path: str | None = None
    importer: admin_io.Importer | None = None
    import_roles: tuple[str, ...] = TOWNSHIP_ADMIN  # needs the role for every village
    exporter: admin_io.Exporter | None = None

    # --- permissions ------------------------------------------------------------------

    def _may(self, request, roles, obj=None, *, edit: bool = False) -> bool:
        if self.village_path is None:
            # Township-wide records: seen by whoever holds the role somewhere, changed
            # only by a role that covers every village.
            return viewer_of(request).villages(roles) is None if edit else holds(request, roles)
        if obj is None:
            return holds(request, roles)
        return holds(request, roles, follow(obj, self.village_path) or "")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request, self.view_roles, obj) or self.has_change_permission(request, obj)

    def has_add_permission(self, request):
        return self._may(request, self.edit_roles, edit=True)

    def has_change_permission(self, request, obj=None):
        return self._may(request, self.edit_roles, obj, edit=True)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, self.delete_roles, obj, edit=True)

    def may_import(self, request) -> bool:
        """Imports write township-wide (the services do not check villages): unscoped roles."""
        return (
            self.importer is not None
            and self.has_view_permission(request)
            and viewer_of(request).villages(self.import_roles) is None
        )

    # --- village scope ----------------------------------------------------------------

    def visible_villages(self, request) -> set[str] | None:
        """Village codes whose rows this viewer sees here; None: every village."""
        return viewer_of(request).villages(self.view_roles)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        villages = self.visible_villages(request)
        if self.village_path is not None and villages is not None:
            queryset = queryset.filter(**{f"{self.village_path}__in": sorted(villages)})
        return queryset

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        scoped = self.village_path is not None and self.visible_villages(request) is not None
        if obj is None and scoped:
            raise Http404  # another village's (or no such) record: nothing says which
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        meta = db_field.remote_field.model._meta
        choice_path = CHOICE_VILLAGE_PATHS.get((meta.app_label, meta.model_name))
        villages = viewer_of(request).villages(self.edit_roles)
        if choice_path is not None and villages is not None:
            queryset = kwargs.get("queryset", db_field.remote_field.model._default_manager)
            kwargs["queryset"] = queryset.filter(**{f"{choice_path}__in": sorted(villages)})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- import and export pages ------------------------------------------------------

    def _url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def _url(self, view: str, *args) -> str:
        return reverse(f"{self.admin_site.name}:{self._url_name(view)}", args=args)

    def get_urls(self):
        own = []
        if self.importer is not None:
            own.append(
                path(
                    "import/",
                    self.admin_site.admin_view(self.import_view),
                    name=self._url_name("import"),
                )
            )
        if self.exporter is not None:
            own.append(
                path(
                    "export/<str:fmt>/",
                    self.admin_site.admin_view(self.export_view),
                    name=self._url_name("export"),
                )
            )
        for page in self.list_pages():
            own.append(
                path(
                    page.route,
                    self.admin_site.admin_view(partial(page.view, self)),
                    name=self._url_name(page.name),
                )
            )
        return own + self.extra_urls() + super().get_urls()

    def extra_urls(self) -> list:
        return []

    def list_pages(self) -> list[ListPage]:
        """The pages other apps added to this list (``TownshipAdminSite.add_list_page``)."""
        return list(getattr(self.admin_site, "added_pages", {}).get(self.model, ()))

    def io_links(self, request) -> list[dict]:
        """The buttons above the list: import, export (keeping the list's filters)."""
        links = []
        if self.may_import(request):
            links.append({"url": self._url("import"), "label": _("Import"), "kind": "import"})
        if self.exporter is not None:
            query = request.GET.urlencode()
            for fmt, label in (("csv", _("Export CSV")), ("xlsx", _("Export Excel"))):
                url = self._url("export", fmt)
                links.append({"url": f"{url}?{query}" if query else url, "label": label})
        for page in self.list_pages():
            links.append({"url": self._url(page.name), "label": str(page.label)})
        return links

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "io_links": self.io_links(request),
            "workbench_url": self.workbench_url(request),
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.may_import(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        form.fields["file"].widget.attrs["accept"] = ",".join(self.importer.suffixes)
        failure = None
        if request.method == "POST" and form.is_valid():
            viewer = viewer_of(request)
            try:
                with transaction.atomic():
                    result = admin_io.run_import(
                        self.importer, form.cleaned_data["file"], viewer.actor
                    )
                    self._log_import(request, result)
            except TableError as exc:
                failure = {
                    "file": exc.file_name,
                    "problems": exc.problems,
                    "notes": str(exc).splitlines()[len(exc.problems) :],
                }
            except PlatformError as exc:
                failure = {
                    "file": form.cleaned_data["file"].name,
                    "problems": [],
                    "notes": [str(exc)],
                }
            else:
                self.message_user(request, result.summary(), messages.SUCCESS)
                return HttpResponseRedirect(self._url("changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import %(things)s") % {"things": self.opts.verbose_name_plural},
            "opts": self.opts,
            "form": form,
            "failure": failure,
            "columns": self.importer.columns,
            "suffixes": ", ".join(self.importer.suffixes),
        }
        return TemplateResponse(request, "admin/township/import.html", context)

    def _log_import(self, request, result) -> None:
        """The admin's history names who imported what (the services log entries themselves)."""
        LogEntry.objects.create(
            user_id=request.user.pk,
            content_type_id=get_content_type_for_model(self.model).pk,
            object_repr=str(getattr(result, "file", ""))[:200],
            action_flag=ADDITION,
            change_message=_("Imported: %(summary)s") % {"summary": result.summary()},
        )

    def export_view(self, request, fmt: str):
        if fmt not in admin_io.FORMATS or not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_changelist_instance(request).queryset
        except IncorrectLookupParameters:
            return redirect(self._url("changelist"))
        return self._export(request, queryset, fmt)

    def _export(self, request, queryset, fmt: str):
        name = admin_io.export_name(getattr(request, "township", None), self.exporter.key)
        return admin_io.table_response(
            self.exporter.header, self.exporter.rows(queryset), fmt, name
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if (
            self.exporter is not None
            and self.actions is not None
            and IS_POPUP_VAR not in request.GET
        ):
            for name in ("export_selected_csv", "export_selected_xlsx"):
                actions[name] = self.get_action(name)
        return actions

    @admin.action(description=gettext_lazy("Export selected as CSV"))
    def export_selected_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description=gettext_lazy("Export selected as Excel"))
    def export_selected_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")


class ReadOnlyAdmin(VillageScopedAdmin):
    """Records written only through services (or never changed): shown, never edited here."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent's page (whose admin already checked role and village)."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return list(self.fields or [field.name for field in self.model._meta.fields])

    def has_view_permission(self, request, obj=None):
        return holds(request, ADMIN_ROLES)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PluginGate:
    """Admin pages of a plugin's models exist only where the township enabled the plugin."""

    plugin_key = ""

    def _enabled(self, request) -> bool:
        township = getattr(request, "township", None)
        enabled_plugins = getattr(self.admin_site, "enabled_plugins", None)
        return (
            township is not None
            and enabled_plugins is not None
            and self.plugin_key in enabled_plugins(township)
        )

    def has_module_permission(self, request):
        return self._enabled(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._enabled(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._enabled(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._enabled(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._enabled(request) and super().has_delete_permission(request, obj)


class TownshipLoginForm(AdminAuthenticationForm):
    """Signs in whoever holds an administrative role in this township (no global is_staff)."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)  # active, not is_staff
        township = getattr(self.request, "township", None)
        if Viewer.of(user, township).villages(ADMIN_ROLES) == set():
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class TownshipAdminSite(admin.AdminSite):
    """The township's admin: entry by role, plugin pages gated, pages added by other apps.

    The site sits below every app whose admin registers on it, so what it needs from
    above is given at start-up (``connect``): until then no plugin page opens and no
    list links to the workbench.
    """

    site_header = gettext_lazy("Township administration")
    site_title = gettext_lazy("Township administration")
    login_form = TownshipLoginForm

    def __init__(self, name: str = "admin"):
        super().__init__(name)
        #: The keys of the plugins a township enabled (given by ``connect``).
        self.enabled_plugins: Callable[[object], Collection[str]] | None = None
        #: A workbench page's address for a viewer, "" when not theirs (given by ``connect``).
        self.workbench_page_url: Callable[[Viewer, object, str], str] | None = None
        self.added_pages: dict[type, list[ListPage]] = {}

    def connect(
        self,
        *,
        enabled_plugins: Callable[[object], Collection[str]],
        workbench_page_url: Callable[[Viewer, object, str], str],
    ) -> None:
        """Give the site what it asks of the layers above it (``platform_core.apps`` does)."""
        self.enabled_plugins = enabled_plugins
        self.workbench_page_url = workbench_page_url

    def add_list_page(self, model: type, page: ListPage) -> None:
        """Offer ``page`` on ``model``'s list (an app above the model's own adds its page)."""
        pages = self.added_pages.setdefault(model, [])
        if all(existing.name != page.name for existing in pages):
            pages.append(page)

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        if getattr(request, "township", None) is None:
            return False
        return holds(request, ADMIN_ROLES)

    def register(self, model_or_iterable, admin_class=None, **options):
        """Give every model the role checks (VillageScopedAdmin) and gate plugin models."""
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        for model in models:
            chosen = admin_class or VillageScopedAdmin
            if not issubclass(chosen, VillageScopedAdmin):
                chosen = type(chosen.__name__, (chosen, VillageScopedAdmin), {})
            key = plugin_app_labels().get(model._meta.app_label)
            if key:
                chosen = type(chosen.__name__, (PluginGate, chosen), {"plugin_key": key})
            super().register(model, chosen, **options)

    def each_context(self, request):
        context = super().each_context(request)
        township = getattr(request, "township", None)
        if township is not None:
            context["site_header"] = f"{township.name} · {self.site_header}"
        return context


#: Each township's admin: register a plugin's admins here (not on ``admin.site``); it
#: hides them where the plugin is not enabled.
township_admin_site = TownshipAdminSite(name="township_admin")
