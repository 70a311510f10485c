"""Writes of villages, grids and households (run inside a township's schema)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from platform_core.accounts.access import require_held
from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from platform_core.households.credit_codes import CreditCodeError, normalise_credit_code
from platform_core.households.models import Enterprise, Grid, Household, SubjectKind, Village


def hash_id_number(id_number: str) -> str:
    """Keyed hash of a national ID number: comparable, never reversible without the key."""
    normalized = id_number.strip().upper()
    return hmac.new(settings.ID_HASH_KEY.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def create_village(*, code: str, name: str) -> Village:
    return Village.objects.create(code=code, name=name)


def create_grid(*, village: Village, name: str) -> Grid:
    return Grid.objects.create(village=village, name=name)


def create_household(
    *,
    code: str,
    village: Village,
    head_name: str,
    members: int = 1,
    address: str = "",
    phone: str = "",
    grid: Grid | None = None,
    id_number: str | None = None,
) -> Household:
    return Household.objects.create(
        code=code,
        village=village,
        grid=grid,
        head_name=head_name,
        members=members,
        address=address,
        phone=phone,
        id_number_hash=hash_id_number(id_number) if id_number else "",
    )


# --- merchants and firms (docs/subjects.md) --------------------------------------------

ENTERPRISE_KINDS = (SubjectKind.MERCHANT, SubjectKind.FIRM)
# Who registers and edits merchants and firms: the township administrator, and a village
# committee for its own village (as it keeps its village's households).
ENTERPRISE_ROLES = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE)
# The longest values the table holds (the model's max_length).
ENTERPRISE_LIMITS = {"name": 50, "legal_representative": 50, "address": 200, "phone": 32}


class EnterpriseError(PlatformError):
    """A merchant or firm refused: ``field`` names the input (name, credit_code, ...)."""


def enterprise_problems(
    *,
    kind: str,
    name: str,
    credit_code: str,
    legal_representative: str,
    village: Village | None,
    address: str = "",
    phone: str = "",
    instance: Household | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """The cleaned fields and the problems (field -> message) of a merchant or firm.

    The one place the rules of a registration live: the services and the import ask it.
    A credit code is checked by GB 32100-2015 and must not be another subject's here.
    """
    problems: dict[str, str] = {}
    cleaned = {
        "kind": (kind or "").strip(),
        "name": (name or "").strip(),
        "legal_representative": (legal_representative or "").strip(),
        "address": (address or "").strip(),
        "phone": (phone or "").strip(),
        "credit_code": "",
    }
    if cleaned["kind"] not in ENTERPRISE_KINDS:
        problems["kind"] = _("%(value)s is not a kind of merchant or firm: use %(kinds)s") % {
            "value": repr(cleaned["kind"]),
            "kinds": ", ".join(f"{k.value} ({k.label})" for k in ENTERPRISE_KINDS),
        }
    for required in ("name", "legal_representative"):
        if not cleaned[required]:
            problems[required] = _("missing value")
    if village is None:
        problems["village"] = _("missing value")
    for field, limit in ENTERPRISE_LIMITS.items():
        if len(cleaned[field]) > limit:
            problems[field] = _("longer than %(limit)s characters") % {"limit": limit}
    try:
        cleaned["credit_code"] = normalise_credit_code(credit_code)
    except CreditCodeError as error:
        problems["credit_code"] = str(error)
    else:
        taken = Household.subjects.filter(credit_code=cleaned["credit_code"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        other = taken.only("code", "head_name").first()
        if other is not None:
            problems["credit_code"] = _(
                "%(credit_code)s is already registered here, as %(code)s %(name)s"
            ) % {"credit_code": cleaned["credit_code"], "code": other.code, "name": other.head_name}
    return cleaned, problems


def next_enterprise_code(village: Village, taken: set[str] | None = None) -> str:
    """``<village code>-E<NNNN>``: merchants' and firms' codes beside the households'.

    One code namespace holds every subject (a QR code, a ledger row or an objection names
    a subject by it); the ``E`` keeps them apart from the households' generated
    ``<village code>-NNNN``, which are digits only.
    """
    prefix = f"{village.code}-E"
    used = set(
        Household.subjects.filter(code__startswith=prefix).values_list("code", flat=True)
    ) | {code for code in taken or () if code.startswith(prefix)}
    numbers = [int(code[len(prefix) :]) for code in used if code[len(prefix) :].isdigit()]
    number = max(numbers, default=0) + 1
    while f"{prefix}{number:04d}" in used:
        number += 1
    return f"{prefix}{number:04d}"


def _require_enterprise_role(by: Actor, village: Village | None, what: str) -> None:
    require_held(
        by,
        connection.tenant,
        ENTERPRISE_ROLES,
        what=what,
        village_code=village.code if village is not None else None,
    )


def _raise_first(problems: dict[str, str]) -> None:
    if problems:
        field, message = next(iter(problems.items()))
        raise EnterpriseError(message, field=field)


def register_enterprise(
    *,
    by: Actor,
    kind: str,
    name: str,
    credit_code: str,
    legal_representative: str,
    village: Village | None,
    address: str = "",
    phone: str = "",
    grid: Grid | None = None,
) -> Enterprise:
    """Register a merchant or firm (诚信商户, 诚信企业) of ``village`` by its credit code.

    Refused (EnterpriseError naming the field) for a missing name, legal representative
    or village, a kind that is not merchant or firm, an invalid credit code or one
    already registered here; NotAllowed unless ``by`` is the township administrator or
    the village committee of ``village``.
    """
    _require_enterprise_role(by, village, _("register merchants and firms"))
    cleaned, problems = enterprise_problems(
        kind=kind,
        name=name,
        credit_code=credit_code,
        legal_representative=legal_representative,
        village=village,
        address=address,
        phone=phone,
    )
    _raise_first(problems)
    if grid is not None and grid.village_id != village.pk:
        raise EnterpriseError(_("the grid is not in the village"), field="grid")
    try:
        with transaction.atomic():
            subject = Enterprise.objects.create(
                code=next_enterprise_code(village),
                village=village,
                grid=grid,
                kind=cleaned["kind"],
                head_name=cleaned["name"],
                credit_code=cleaned["credit_code"],
                legal_representative=cleaned["legal_representative"],
                address=cleaned["address"],
                phone=cleaned["phone"],
            )
    except IntegrityError:
        raise EnterpriseError(_race_message(), field="credit_code") from None
    return subject


def update_enterprise(
    enterprise: Household,
    *,
    by: Actor,
    kind: str,
    name: str,
    credit_code: str,
    legal_representative: str,
    village: Village | None,
    address: str = "",
    phone: str = "",
) -> Household:
    """Change a merchant or firm's registration; its code and ledger stay.

    The same refusals as ``register_enterprise``; ``by`` needs the role for the village
    the subject is in and for the one it moves to.
    """
    if enterprise.is_household:
        raise EnterpriseError(
            _("%(code)s is a household, not a merchant or firm") % {"code": enterprise.code}
        )
    what = _("edit merchants and firms")
    _require_enterprise_role(by, enterprise.village, what)
    if village is not None and village.pk != enterprise.village_id:
        _require_enterprise_role(by, village, what)
    cleaned, problems = enterprise_problems(
        kind=kind,
        name=name,
        credit_code=credit_code,
        legal_representative=legal_representative,
        village=village,
        address=address,
        phone=phone,
        instance=enterprise,
    )
    _raise_first(problems)
    set_registration(enterprise, village, cleaned)
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:
        raise EnterpriseError(_race_message(), field="credit_code") from None
    return enterprise


def set_registration(subject: Household, village: Village, cleaned: dict[str, str]) -> None:
    """Put ``enterprise_problems``' cleaned fields on ``subject`` (not saved): the one
    place the edit and the import write a registration; moving village leaves the grid."""
    if village.pk != subject.village_id:
        subject.grid = None
    subject.village = village
    subject.kind = cleaned["kind"]
    subject.head_name = cleaned["name"]
    subject.credit_code = cleaned["credit_code"]
    subject.legal_representative = cleaned["legal_representative"]
    subject.address = cleaned["address"]
    subject.phone = cleaned["phone"]


def _race_message() -> str:
    return _("another registration took this code or credit code at the same moment; send it again")
