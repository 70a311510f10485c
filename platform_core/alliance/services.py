"""Eligibility checks (always logged) and grants by alliance members.

The answer comes from the township's enabled plugins (``township_eligibility``);
a benefit no enabled plugin offers is refused with that reason.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.access import actor_access
from platform_core.accounts.models import Role
from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.actors import Actor
from platform_core.alliance.models import (
    AllianceMember,
    Consent,
    Dividend,
    DividendCatalogue,
    EligibilityCheck,
    Grant,
)
from platform_core.alliance.selectors import (
    consent_in_force,
    current_tier,
    draft_catalogue,
    published_catalogue,
)
from platform_core.errors import NotAllowed, PlatformError
from platform_core.evaluation.models import Tier
from platform_core.households.models import Household, SubjectKind
from platform_core.plugins.selectors import answered_eligibility, benefit_types
from platform_core.scoring.services import require_role

# Who may ask whether a household may have a benefit: staff, and alliance clerks.
CHECK_ROLES = (Role.ALLIANCE_MEMBER, *STAFF_ROLES)


class AllianceError(PlatformError):
    pass


def add_member(*, code: str, name: str, kind: str, contact: str = "", by: Actor) -> AllianceMember:
    """Add (or update and reactivate) an institution of the alliance.

    Only township administrators do (``by``; an operator, with no user, is not checked).
    """
    require_role(by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=_("add alliance members"))
    if kind not in AllianceMember.Kind.values:
        raise AllianceError(
            _("kind %(kind)s: use one of %(choices)s")
            % {"kind": repr(kind), "choices": ", ".join(AllianceMember.Kind.values)}
        )
    member, _created = AllianceMember.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, "contact": contact, "active": True}
    )
    return member


def check_eligibility(
    household: Household, benefit_code: str, *, by: Actor, member: AllianceMember | None = None
) -> EligibilityCheck:
    """Answer whether the household may have the benefit now, and log who asked.

    Staff and alliance clerks may ask; a clerk asking for an institution must work there.
    Asked for an institution (``member``) without the household's consent in force for
    it (PIPL Art. 23), the institution learns only eligible or not eligible: the check
    is ``narrowed`` and ``answer_for_asker`` gives it nothing else (no tier, score, reason or
    basis). The log keeps the whole answer, and the consent applied, for the household
    and the township. A refusal names its legal basis: the plugin's, else the basis its
    benefit type declares (国办发〔2020〕49号: a legal basis for every restriction).
    """
    require_role(
        by,
        CHECK_ROLES,
        village_code=household.village.code,
        what=_("check eligibility"),
        institution=member.code if member else None,
    )
    tier = current_tier(household)
    key, answer = answered_eligibility(connection.tenant, household, benefit_code, tier) or (
        "",
        None,
    )
    eligible = bool(answer and answer.eligible)
    reason = answer.reason if answer else f"no enabled module offers {benefit_code!r} here"
    basis = answer.legal_basis if answer else ""
    if answer is not None and not eligible and not basis.strip():
        basis = next(
            (b.legal_basis for k, b in benefit_types(connection.tenant) if b.code == benefit_code),
            "",
        )
    consent = consent_in_force(household, member) if member is not None else None
    return EligibilityCheck.objects.create(
        household=household,
        benefit_code=benefit_code,
        tier=tier,
        eligible=eligible,
        reason=reason,
        legal_basis=basis,
        answered_by=key,
        member=member,
        consent=consent,
        narrowed=member is not None and consent is None,
        checked_by=by.user,
        checked_by_label=by.label,
    )


# --- consent (PIPL Art. 23) -------------------------------------------------------------


def grant_consent(
    household: Household,
    member: AllianceMember,
    *,
    scope: str,
    channel: str,
    by: Actor,
) -> Consent:
    """Record the household's consent for ``member`` to learn the whole answer (and, with
    scope ``history``, its ledger history).

    The household itself (its own workbench page: channel ``workbench``), or staff of its
    village on its behalf (a signed paper form, an SMS reply, the service counter: the
    channel says which). An alliance clerk never grants it. A consent already in force for
    that member is replaced (withdrawn and granted anew) only when the scope changes.
    """
    _require_household_or_staff(by, household, _("grant consent for household %(household)s"))
    _check_choice(scope, Consent.Scope, "scope")
    _check_choice(channel, Consent.Channel, "channel")
    if not member.active:
        raise AllianceError(
            _("alliance member %(member)s is no longer active") % {"member": member.code},
            field="member",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            current = (
                Consent.objects.select_for_update()
                .filter(household=household, member=member, withdrawn_at__isnull=True)
                .first()
            )
            if current is not None and current.scope == scope:
                return current
            if current is not None:
                _withdraw(current, by, channel, now)
            return Consent.objects.create(
                household=household,
                member=member,
                scope=scope,
                channel=channel,
                granted_at=now,
                granted_by=by.user,
                granted_by_label=by.label,
            )
    except IntegrityError:  # granted at the same moment by someone else
        return consent_in_force(household, member)


def withdraw_consent(
    household: Household, member: AllianceMember, *, channel: str, by: Actor
) -> Consent:
    """Withdraw the household's consent for ``member``: from now on that member learns only
    yes or no. Who may: as for ``grant_consent``. The row stays (who, when, how)."""
    _require_household_or_staff(by, household, _("withdraw consent for household %(household)s"))
    _check_choice(channel, Consent.Channel, "channel")
    with transaction.atomic():
        current = (
            Consent.objects.select_for_update()
            .filter(household=household, member=member, withdrawn_at__isnull=True)
            .first()
        )
        if current is None:
            raise AllianceError(
                _("household %(household)s has no consent in force for %(member)s")
                % {"household": household.code, "member": member.name},
                field="member",
            )
        return _withdraw(current, by, channel, timezone.now())


def _withdraw(consent: Consent, by: Actor, channel: str, when) -> Consent:
    consent.withdrawn_at = when
    consent.withdrawn_by = by.user
    consent.withdrawn_by_label = by.label
    consent.withdrawal_channel = channel
    consent.save(
        update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_by_label", "withdrawal_channel"]
    )
    return consent


def _require_household_or_staff(by: Actor, household: Household, what: str) -> None:
    """The household itself, or staff of its village (an operator of a command passes)."""
    what = what % {"household": household.code}
    if by.user is not None and actor_access(by, connection.tenant).speaks_for(household.code):
        return
    try:
        require_role(by, STAFF_ROLES, village_code=household.village.code, what=what)
    except NotAllowed:
        raise NotAllowed(
            _("%(who)s may not %(what)s: only the household itself or staff of its village")
            % {"who": by.label, "what": what}
        ) from None


def _check_choice(value: str, choices, field: str) -> None:
    if value not in choices.values:
        raise AllianceError(
            _("%(field)s %(value)s: use one of %(choices)s")
            % {"field": field, "value": repr(value), "choices": ", ".join(choices.values)},
            field=field,
        )


def grant(
    member: AllianceMember, household: Household, benefit_code: str, *, by: Actor, note: str = ""
) -> Grant:
    """Grant a benefit after a fresh eligibility check; refused if not eligible.

    The check is written first, on its own, so a refusal stays in the log. An
    alliance clerk grants only for their own institution.
    """
    require_role(
        by,
        (Role.ALLIANCE_MEMBER, Role.TOWNSHIP_ADMIN),
        village_code=household.village.code,
        what=_("grant benefits of %(member)s") % {"member": member.name},
        institution=member.code,
    )
    check = check_eligibility(household, benefit_code, by=by, member=member)
    if not check.eligible:
        if check.narrowed:  # without the household's consent: no reason
            raise AllianceError(
                _(
                    "household %(household)s may not have %(benefit)s (without its consent "
                    "for %(member)s only yes or no is answered)"
                )
                % {"household": household.code, "benefit": benefit_code, "member": member.name}
            )
        raise AllianceError(
            _("household %(household)s may not have %(benefit)s: %(reason)s")
            % {"household": household.code, "benefit": benefit_code, "reason": check.reason}
        )
    return Grant.objects.create(
        member=member,
        household=household,
        benefit_code=benefit_code,
        eligibility_check=check,
        note=note,
        granted_by_label=by.label,
    )


# --- the ten integrity dividends (《诚信红利十条》) -----------------------------------------

DIVIDEND_FIELDS = (
    "title_zh",
    "title_en",
    "member",
    "tiers",
    "subject_kinds",
    "gives_zh",
    "gives_en",
    "basis",
    "benefit_code",
)


def _require_admin(by: Actor, what: str) -> None:
    require_role(by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=what)


def open_draft(*, by: Actor) -> DividendCatalogue:
    """The draft of the dividends being edited; else a new one, a copy of the latest
    published version numbered after it, so a published version never changes."""
    _require_admin(by, _("edit the integrity dividends"))
    with transaction.atomic():
        draft = draft_catalogue()
        if draft is not None:
            return draft
        published = published_catalogue()
        last = DividendCatalogue.objects.order_by("-version").values_list("version", flat=True)
        try:
            with transaction.atomic():
                draft = DividendCatalogue.objects.create(
                    version=(last.first() or 0) + 1,
                    state=DividendCatalogue.State.DRAFT,
                    created_by_label=by.label,
                )
        except IntegrityError:  # opened at the same moment by someone else
            return draft_catalogue()
        if published is not None:
            Dividend.objects.bulk_create(
                Dividend(
                    catalogue=draft,
                    number=d.number,
                    **{f: getattr(d, f) for f in DIVIDEND_FIELDS},
                )
                for d in published.dividends.order_by("number")
            )
        return draft


def _clean_dividend(data: dict) -> dict:
    """The dividend's fields checked, trimmed and resolved (``member``: a code of this
    township's active members); a refusal names the field."""
    cleaned = {f: data.get(f) for f in DIVIDEND_FIELDS}
    for field in ("title_zh", "title_en", "gives_zh", "gives_en", "basis", "benefit_code"):
        cleaned[field] = (cleaned[field] or "").strip()
    for field, label in (
        ("title_zh", _("title (Chinese)")),
        ("gives_zh", _("what it gives (Chinese)")),
        ("basis", _("basis")),
    ):
        if not cleaned[field]:
            raise AllianceError(_("%(field)s: required") % {"field": label}, field=field)
    member = cleaned["member"]
    if not isinstance(member, AllianceMember):
        code = (member or "").strip()
        member = AllianceMember.objects.filter(code=code, active=True).first()
        if member is None:
            raise AllianceError(
                _("no active alliance member of this township has the code %(code)s")
                % {"code": repr(code)},
                field="member",
            )
    cleaned["member"] = member
    for field, choices in (("tiers", Tier), ("subject_kinds", SubjectKind)):
        values = [v for v in choices.values if v in set(cleaned[field] or ())]
        unknown = sorted(set(cleaned[field] or ()) - set(choices.values))
        if unknown or not values:
            raise AllianceError(
                _("%(field)s %(value)s: choose one or more of %(choices)s")
                % {
                    "field": field,
                    "value": ", ".join(map(repr, unknown)) or _("(none)"),
                    "choices": ", ".join(choices.values),
                },
                field=field,
            )
        cleaned[field] = values  # in the enum's order, each once
    _check_benefit_code(cleaned["benefit_code"])
    return cleaned


def _check_benefit_code(code: str) -> None:
    if code and code not in {b.code for _key, b in benefit_types(connection.tenant)}:
        raise AllianceError(
            _(
                "benefit type %(code)s: no plugin enabled in this township offers it; "
                "leave it empty for a dividend the member grants itself"
            )
            % {"code": repr(code)},
            field="benefit_code",
        )


def save_dividend(*, number: int, by: Actor, **data) -> Dividend:
    """Write dividend ``number`` (1 to 99) of the draft, opening one if needed: a new one,
    or the one of that number replaced. ``data``: ``DIVIDEND_FIELDS`` (``member``: a code).
    Nothing is saved when a field is refused."""
    _require_admin(by, _("edit the integrity dividends"))
    if not isinstance(number, int) or not 1 <= number <= 99:
        raise AllianceError(
            _("number %(number)s: use 1 to 99") % {"number": repr(number)}, field="number"
        )
    cleaned = _clean_dividend(data)
    with transaction.atomic():
        draft = _locked_draft(by)
        dividend, _created = Dividend.objects.update_or_create(
            catalogue=draft, number=number, defaults=cleaned
        )
    return dividend


def _locked_draft(by: Actor) -> DividendCatalogue:
    """The draft (opened if needed), locked until the caller's transaction ends, so a
    publication cannot slip in between reading the draft and writing to it: a draft
    published meanwhile is never written to; a new one is opened, a copy of it."""
    for _attempt in range(2):
        draft = open_draft(by=by)
        locked = (
            DividendCatalogue.objects.select_for_update()
            .filter(pk=draft.pk, state=DividendCatalogue.State.DRAFT)
            .first()
        )
        if locked is not None:
            return locked
    raise AllianceError(_("the dividends were published meanwhile; please try again"))


def remove_dividend(*, number: int, by: Actor) -> None:
    """Take dividend ``number`` out of the draft (a published version keeps it)."""
    _require_admin(by, _("edit the integrity dividends"))
    with transaction.atomic():
        # Locked: a draft being published meanwhile is published whole, or not yet.
        draft = (
            DividendCatalogue.objects.select_for_update()
            .filter(state=DividendCatalogue.State.DRAFT)
            .first()
        )
        deleted = (
            Dividend.objects.filter(catalogue=draft, number=number).delete()[0] if draft else 0
        )
    if not deleted:
        raise AllianceError(
            _("the draft has no dividend number %(number)s") % {"number": number},
            field="number",
        )


def publish_dividends(*, by: Actor) -> DividendCatalogue:
    """Publish the draft: from now on the public pages, the PDF and the API show it, and it
    never changes. Refused for an empty draft, or one naming a benefit type no enabled
    plugin offers any more (the dividend's number is named)."""
    _require_admin(by, _("publish the integrity dividends"))
    with transaction.atomic():
        draft = DividendCatalogue.objects.select_for_update().filter(
            state=DividendCatalogue.State.DRAFT
        )
        draft = draft.first()
        if draft is None:
            raise AllianceError(_("there is no draft of the dividends to publish"))
        dividends = list(draft.dividends.select_related("member").order_by("number"))
        if not dividends:
            raise AllianceError(_("the draft has no dividends; add at least one"))
        for dividend in dividends:
            try:
                _check_benefit_code(dividend.benefit_code)
            except AllianceError as error:
                raise AllianceError(
                    _("dividend %(number)s: %(error)s")
                    % {"number": dividend.number, "error": error},
                    field="benefit_code",
                ) from None
            if not dividend.member.active:
                raise AllianceError(
                    _("dividend %(number)s: alliance member %(member)s is no longer active")
                    % {"number": dividend.number, "member": dividend.member.code},
                    field="member",
                )
        draft.state = DividendCatalogue.State.PUBLISHED
        draft.published_at = timezone.now()
        draft.published_by = by.user
        draft.published_by_label = by.label
        draft.save(update_fields=["state", "published_at", "published_by", "published_by_label"])
    return draft
