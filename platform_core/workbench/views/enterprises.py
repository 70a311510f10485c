"""Merchants and firms (诚信商户, 诚信企业): list, register, edit, import and export;
each one's page with its ledger, standing, month snapshots and objections.

For the township administrator, and a village committee for its own villages (the
services check the village of every write; the list shows only the viewer's villages).
The rules are in ``households.services`` and ``households.enterprise_imports``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from platform_core import admin_io
from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.errors import PlatformError
from platform_core.evaluation.selectors import enterprise_history
from platform_core.households import services
from platform_core.households.enterprise_imports import (
    COLUMNS,
    EXPORT_HEADER,
    enterprise_rows,
    import_enterprises,
)
from platform_core.households.models import SubjectKind, Village
from platform_core.households.selectors import enterprises_of
from platform_core.tabular import TableError
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import menu_for
from platform_core.workbench.paging import page_of
from platform_core.workbench.rows import ledger_rows, notice_rows
from platform_core.workbench.selectors import objectionable, staff_subjects
from platform_core.workbench.views.households import household_context
from platform_core.workbench.views.notices import household_notices

ROLES = services.ENTERPRISE_ROLES


class EnterpriseForm(WorkbenchForm):
    """A merchant's or firm's registration; refusals show at their field."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[(kind.value, kind.label) for kind in services.ENTERPRISE_KINDS],
    )
    name = forms.CharField(label=gettext_lazy("Registered name"), max_length=50)
    credit_code = forms.CharField(
        label=gettext_lazy("Unified social credit code"),
        max_length=40,
        help_text=gettext_lazy("18 characters, as on the business licence."),
    )
    legal_representative = forms.CharField(
        label=gettext_lazy("Legal representative"), max_length=50
    )
    village = forms.ModelChoiceField(label=gettext_lazy("Village"), queryset=Village.objects.none())
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        villages = viewer.villages(ROLES)
        queryset = Village.objects.order_by("code")
        if villages is not None:
            queryset = queryset.filter(code__in=sorted(villages))
        self.fields["village"].queryset = queryset


class UploadForm(WorkbenchForm):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8) or Excel .xlsx with the columns 名称, 统一社会信用代码, 法定代表人, "
            "村, 类型 (商户 or 企业), 电话, 地址."
        ),
    )


def _fields(form) -> dict:
    data = form.cleaned_data
    return {key: data[key] for key in ("kind", "name", "credit_code", "legal_representative")} | {
        "village": data["village"],
        "phone": data.get("phone") or "",
        "address": data.get("address") or "",
    }


def _done(subject) -> str:
    return reverse("work:enterprise", args=[subject.code])


@workbench_page(ROLES)
def enterprise_list(request):
    """GET: the viewer's merchants and firms (searchable). POST: register one."""
    viewer = request.viewer
    if request.method == "POST":
        form = EnterpriseForm(request.POST, viewer=viewer)
        if form.is_valid() and (
            done := submit(
                request,
                form,
                lambda: services.register_enterprise(by=viewer.actor, **_fields(form)),
                _done,
            )
        ):
            messages.success(request, _("Registered."))
            return done
        status = 400
    else:
        form, status = EnterpriseForm(viewer=viewer), 200
    return _list_page(request, form, UploadForm(), status)


def _list_page(request, form, upload, status, failure=None):
    query = (request.GET.get("q") or "").strip()[:100]
    page = page_of(enterprises_of(request.viewer, query), request)
    context = {
        "form": form,
        "upload": upload,
        "failure": failure,
        "query": query,
        "page": page,
        "menu": menu_for(request.viewer, request.township),
    }
    return render(request, "workbench/enterprises/list.html", context, status=status)


@workbench_page(STAFF_ROLES)
def enterprise_page(request, code: str):
    """One merchant or firm of the viewer's villages: its standing, ledger, month
    snapshots, notices and objections (every staff role of the village, as a household's
    page); its registration and a POST changing it (the registration roles only)."""
    viewer = request.viewer
    subject = staff_subjects(viewer).exclude(kind=SubjectKind.HOUSEHOLD).filter(code=code).first()
    if subject is None:
        raise Http404
    editor = viewer.has(ROLES, subject.village.code)
    if request.method == "POST" and not editor:
        raise PermissionDenied
    if request.method == "POST":
        form = EnterpriseForm(request.POST, viewer=viewer)
        if form.is_valid() and (
            done := submit(
                request,
                form,
                lambda: services.update_enterprise(subject, by=viewer.actor, **_fields(form)),
                _done,
            )
        ):
            messages.success(request, _("Saved."))
            return done
        status = 400
    else:
        form = EnterpriseForm(
            viewer=viewer,
            initial={
                "kind": subject.kind,
                "name": subject.head_name,
                "credit_code": subject.credit_code,
                "legal_representative": subject.legal_representative,
                "village": subject.village_id,
                "phone": subject.phone,
                "address": subject.address,
            },
        )
        status = 200
    context = household_context(subject)
    context.update(
        subject=subject,
        form=form if editor else None,
        snapshots=list(enterprise_history(subject)[:24]),
        ledger_rows=ledger_rows(context["entries"]),
        menu=menu_for(viewer, request.township),
    )
    context["official"] = context["snapshots"][0] if context["snapshots"] else None
    entries = list(context["entries"])
    deadlines = objectionable(entries)
    context["contestable"] = [entry for entry in entries if entry.pk in deadlines]
    context["notices"] = household_notices(subject, deadlines)
    context["notice_rows"] = notice_rows(context["notices"], subject.code)
    return render(request, "workbench/enterprises/detail.html", context, status=status)


@require_POST
@workbench_page(ROLES)
def enterprise_import(request):
    """POST a file: all its rows registered or updated, or none (problems by row and column)."""
    upload = UploadForm(request.POST, request.FILES)
    failure = None
    if upload.is_valid():
        actor = request.viewer.actor
        importer = admin_io.Importer(
            "enterprises", lambda path, _actor: import_enterprises(path, by=actor), COLUMNS
        )
        try:
            result = admin_io.run_import(importer, upload.cleaned_data["file"], actor)
        except TableError as exc:
            failure = {
                "file": exc.file_name,
                "problems": exc.problems,
                "notes": str(exc).splitlines()[len(exc.problems) :],
            }
        except PlatformError as exc:
            failure = {
                "file": upload.cleaned_data["file"].name,
                "problems": [],
                "notes": [str(exc)],
            }
        else:
            messages.success(request, result.summary())
            return redirect("work:enterprises")
    form = EnterpriseForm(viewer=request.viewer)
    return _list_page(request, form, upload, 400, failure)


@workbench_page(ROLES)
def enterprise_export(request, fmt: str):
    """The viewer's merchants and firms (the list's search) as CSV or .xlsx."""
    if fmt not in admin_io.FORMATS:
        raise Http404
    query = (request.GET.get("q") or "").strip()[:100]
    rows = enterprise_rows(enterprises_of(request.viewer, query))
    name = admin_io.export_name(request.township, "enterprises")
    return admin_io.table_response(EXPORT_HEADER, rows, fmt, name)
