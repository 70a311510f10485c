"""Staff find a household (by code, name, address or its QR code) and open its page."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render

from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.codes.services import verify
from platform_core.evaluation.selectors import household_history
from platform_core.households.models import Household
from platform_core.households.selectors import mask_name, search_households, visible_households
from platform_core.scoring import selectors as scoring
from platform_core.scoring.models import EvidencePhoto, Objection
from platform_core.workbench.access import workbench_page
from platform_core.workbench.menu import menu_for
from platform_core.workbench.paging import page_of
from platform_core.workbench.rows import card_rows, household_rows, ledger_rows, notice_rows
from platform_core.workbench.selectors import objectionable, with_deadlines
from platform_core.workbench.views.notices import household_notices


def staff_households(viewer):
    """Households of the villages where the viewer is staff (never a household's own view)."""
    villages = viewer.villages(STAFF_ROLES)
    queryset = Household.objects.select_related("village", "grid").order_by("code")
    if villages is None:
        return queryset
    return queryset.filter(village__code__in=sorted(villages))


@workbench_page(STAFF_ROLES)
def household_list(request):
    """Search by code, name or address; a pasted QR address or token opens that household."""
    query = (request.GET.get("q") or "").strip()[:100]
    scanned = _scanned_household(request, query)
    households = staff_households(request.viewer)
    if scanned is not None:
        households = households.filter(pk=scanned.pk)
    else:
        households = search_households(households, query)
    page = page_of(households, request)
    context = {"query": query, "page": page, "rows": household_rows(page.object_list)}
    if request.htmx and request.htmx.target == "results":
        return render(request, "workbench/households/_results.html", context)
    context["menu"] = menu_for(request.viewer, request.township)
    return render(request, "workbench/households/list.html", context)


def _scanned_household(request, query: str):
    return scanned_household(request.township, query)


def scanned_household(township, text: str) -> Household | None:
    """The household whose QR address or token was typed or scanned, if it is one."""
    text = (text or "").strip()
    token = text.rstrip("/").rsplit("/h/", 1)[-1] if "/h/" in text else text
    if "." not in token:
        return None
    return verify(township, token.strip("/"))


@workbench_page(STAFF_ROLES)
def household_page(request, code: str):
    """One household for its village's staff: standing, why, ledger, objections."""
    household = (
        staff_households(request.viewer)
        .filter(visible_households(request.viewer), code=code)
        .first()
    )
    if household is None:
        raise Http404
    context = household_context(household)
    context["menu"] = menu_for(request.viewer, request.township)
    context["notices"] = _notices(household, context["entries"])
    context["notice_rows"] = notice_rows(context["notices"], household.code)
    context["ledger_rows"] = ledger_rows(context["entries"])
    return render(request, "workbench/households/detail.html", context)


def _notices(household: Household, entries) -> list:
    return household_notices(household, objectionable(list(entries)))


# An entry's photos and objections as plain lists (``photo_list``, ``objection_list``):
# prefetched into ``entry.photos.all()`` Django builds a filtered queryset per entry and
# relation, ~5 ms of a 50-entry page's CPU; the same one query each fills the lists.
ENTRY_RELATIONS = (
    Prefetch("photos", queryset=EvidencePhoto.objects.only("id", "entry_id"), to_attr="photo_list"),
    Prefetch("objections", to_attr="objection_list"),
)


def household_context(household: Household) -> dict:
    """What a household's page shows, for staff and for the household itself."""
    entries = scoring.ledger(household).prefetch_related(*ENTRY_RELATIONS)[:50]
    card = scoring.score_card(household)
    return {
        "household": household,
        "masked_name": mask_name(household.head_name),
        "card": card,
        "card_rows": card_rows(card.lines),
        "official": household_history(household).first(),
        "entries": entries,
        "wallet": scoring.wallet_balance(household),
        "objections": with_deadlines(
            Objection.objects.filter(entry__household=household)
            .select_related("entry__rule")
            .order_by("-filed_at")[:50]
        ),
    }
