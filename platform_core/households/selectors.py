"""Reads of villages and households (township schema)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from platform_core.households.models import Enterprise, Household, Village


def mask_name(name: str) -> str:
    """Masked display name: 俞某 for two characters, 俞*明 for three or more."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "某"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def villages_with_counts() -> QuerySet[Village]:
    return Village.objects.annotate(household_count=Count("households")).order_by("code")


def household_count() -> int:
    return Household.objects.count()


# --- who may see which households (the API and the workbench ask the same) --------


def visible_households(who) -> Q:
    """Households ``who`` (a Viewer) may see: their villages' (staff) or their own (household)."""
    from platform_core.accounts.selectors import STAFF_ROLES

    if who.everywhere:
        return Q()
    seen = Q(pk__in=[])
    villages = who.villages(STAFF_ROLES)
    if villages is None:
        return Q()
    if villages:
        seen |= Q(village__code__in=sorted(villages))
    if who.household_codes:
        seen |= Q(code__in=sorted(who.household_codes))
    return seen


def sees_personal_data(who, household: Household) -> bool:
    """Names, address and phone: staff of the village, or the household itself."""
    from platform_core.accounts.selectors import STAFF_ROLES

    return household.code in who.household_codes or who.has(
        STAFF_ROLES, household.village.code if household.village_id else None
    )


def prefixed(q: Q, prefix: str) -> Q:
    """``visible_households`` for a model that points at a household through ``prefix``."""
    if not q.children:
        return q
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(prefixed(child, prefix))
        else:
            key, value = child
            clone.children.append((f"{prefix}__{key}", value))
    return clone


def search_households(queryset: QuerySet[Household], search: str) -> QuerySet[Household]:
    """Households whose code, head's name or address contains ``search``."""
    search = search.strip()
    if not search:
        return queryset
    return queryset.filter(
        Q(code__icontains=search) | Q(head_name__icontains=search) | Q(address__icontains=search)
    )


# --- merchants and firms (docs/subjects.md) --------------------------------------------


def enterprises_of(who=None, search: str = "") -> QuerySet[Enterprise]:
    """Merchants and firms ``who`` (a Viewer; None: all) may see, by name, code or credit code.

    Staff see their villages' (a township-wide role: every one); nobody else sees any
    here (a merchant's or firm's own view is its ledger page).
    """
    from platform_core.accounts.selectors import STAFF_ROLES

    queryset = Enterprise.objects.select_related("village", "grid").order_by("code")
    if who is not None and not who.everywhere:
        villages = who.villages(STAFF_ROLES)
        if villages is not None:
            queryset = queryset.filter(village__code__in=sorted(villages))
    search = search.strip()
    if search:
        queryset = queryset.filter(
            Q(code__icontains=search)
            | Q(head_name__icontains=search)
            | Q(credit_code__icontains=search)
            | Q(legal_representative__icontains=search)
        )
    return queryset


def enterprise_count() -> int:
    return Enterprise.objects.count()
