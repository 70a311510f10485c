"""Open data pages and downloads: public, no sign-in (docs/pages.md, "Open data").

Township: ``open-data/`` (the index) and ``open-data/<key>.csv|.json``. County site:
the same addresses across every active township, each row with its township's code
and name, a plugin's dataset only from the townships that enabled the plugin.
Downloads are rate-limited per client like the public scan page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from platform_core import ratelimit
from platform_core.opendata import export, registry
from platform_core.plugins.types import OpenDataset

SCOPE = "opendata"
FORMATS = ("csv", "json")


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


def _described(dataset: OpenDataset, zh: bool, county: bool) -> dict:
    """A dataset as the index shows it: title, file links, columns described."""
    language = "zh" if zh else "en"
    return {
        "key": dataset.key,
        "title": dataset.title(zh),
        "csv": reverse("opendata:export", args=(dataset.key, "csv")),
        "json": reverse("opendata:export", args=(dataset.key, "json")),
        "columns": [
            {"name": c["name"], "kind": c["kind"], "description": c[f"description_{language}"]}
            for c in export.columns_described(dataset, county=county)
        ],
    }


def _refusal(fmt: str, status: int, message: str, parameter: str = "") -> HttpResponse:
    if fmt == "json":
        body = {"error": message, **({"parameter": parameter} if parameter else {})}
        response = HttpResponse(
            export.to_json(body), status=status, content_type="application/json"
        )
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if status == 429:
        response["Retry-After"] = "60"
    return response


def _unknown(key: str, fmt: str) -> HttpResponse:
    return _refusal(fmt, 404, _("No open dataset %(key)s here.") % {"key": key})


def _limited(request: HttpRequest, fmt: str) -> HttpResponse | None:
    if ratelimit.allow(SCOPE, request):
        return None
    message = _("Too many downloads: at most %(count)s a minute. Please wait a minute.") % {
        "count": ratelimit.per_minute()
    }
    return _refusal(fmt, 429, message)


def _file(fmt: str, name: str, names: list[str], document: dict) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(
            export.to_csv(names, document["rows"]), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            export.to_json(document), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _document(dataset: OpenDataset, first, last, rows: list[dict], county: bool) -> dict:
    return {
        "dataset": dataset.key,
        "title_zh": dataset.title_zh,
        "title_en": dataset.title_en,
        "from": f"{first:%Y-%m}",
        "to": f"{last:%Y-%m}",
        "exported": export.export_date().isoformat(),
        "columns": export.columns_described(dataset, county=county),
        "rows": rows,
    }


# --- township ------------------------------------------------------------------------


def township_index(request: HttpRequest) -> HttpResponse:
    """The township's datasets, their columns and links to the files."""
    zh = _zh()
    found = [_described(d, zh, False) for _plugin, d in registry.datasets(request.township)]
    return render(
        request,
        "opendata/index.html",
        {"township": request.township, "datasets": found, "county": False, **_range_help()},
    )


def township_export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """One dataset of the township as CSV or JSON, for ``?from=YYYY-MM&to=YYYY-MM``."""
    if fmt not in FORMATS:
        return _unknown(key, "csv")
    refused = _limited(request, fmt)
    if refused:
        return refused
    found = registry.find(request.township, key)
    if found is None:
        return _unknown(key, fmt)
    plugin, dataset = found
    today = export.export_date()
    try:
        first, last = export.month_range(request.GET, today)
    except export.OpenDataError as error:
        return _refusal(fmt, 400, str(error), error.field)
    guard = export.Guard.of_township()
    rows = list(export.checked_rows(plugin, dataset, first, last, guard, today))
    document = _document(dataset, first, last, rows, county=False)
    document["township"] = {"code": request.township.code, "name": request.township.name}
    name = f"{request.township.code}-{key}-{first:%Y-%m}-{last:%Y-%m}"
    return _file(fmt, name, export.header(dataset), document)


# --- county ----------------------------------------------------------------------------


def _active_townships():
    from tenants.models import Township

    return Township.objects.filter(status=Township.Status.ACTIVE).order_by("code")


def county_index(request: HttpRequest) -> HttpResponse:
    """Every dataset some active township publishes, with the townships that do."""
    zh = _zh()
    seen: dict[str, dict] = {}
    for township in _active_townships():
        with tenant_context(township):
            for _plugin, dataset in registry.datasets(township):
                if dataset.key not in seen:
                    seen[dataset.key] = {**_described(dataset, zh, True), "townships": []}
                seen[dataset.key]["townships"].append(township.name)
    return render(
        request,
        "opendata/index.html",
        {"township": None, "datasets": list(seen.values()), "county": True, **_range_help()},
    )


def county_export(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """One dataset across the active townships that publish it, township columns first."""
    if fmt not in FORMATS:
        return _unknown(key, "csv")
    refused = _limited(request, fmt)
    if refused:
        return refused
    today = export.export_date()
    try:
        first, last = export.month_range(request.GET, today)
    except export.OpenDataError as error:
        return _refusal(fmt, 400, str(error), error.field)
    described, rows, townships = None, [], []
    for township in _active_townships():
        with tenant_context(township):
            found = registry.find(township, key)
            if found is None:
                continue
            plugin, dataset = found
            described = described or dataset
            townships.append({"code": township.code, "name": township.name})
            guard = export.Guard.of_township()
            attribution = {"township_code": township.code, "township_name": township.name}
            rows += [
                {**attribution, **row}
                for row in export.checked_rows(plugin, dataset, first, last, guard, today)
            ]
    if described is None:
        return _unknown(key, fmt)
    document = _document(described, first, last, rows, county=True)
    document["townships"] = townships
    name = f"county-{key}-{first:%Y-%m}-{last:%Y-%m}"
    return _file(fmt, name, export.header(described, county=True), document)


def _range_help() -> dict:
    return {"default_months": export.DEFAULT_MONTHS, "max_months": export.MAX_MONTHS}
