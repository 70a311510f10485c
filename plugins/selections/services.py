"""Every write of a selection round: create, nominate, vote, post, object, decide, award.

The steps (docs/plugins/selections.md): the township administrator creates a round
(nominating); village committees nominate households of their own village (green
ones by default); the administrator opens the vote; council members vote, once
each per nomination and never on a nomination they made; the administrator posts
the results in public for the township's posting period (working days); objections
received during the posting go to the council, who uphold (the nomination is
withdrawn) or dismiss them with a reason; after the posting ends, with no objection
pending, the administrator awards: one ledger entry per winner under the round's
rule, the selection as its evidence, recorded once whatever the number of runs.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.selections.conf import KEY
from plugins.selections.models import (
    CATEGORY_ZH,
    Category,
    Nomination,
    Objection,
    ObjectionStatus,
    RoundStatus,
    SelectionRound,
    Vote,
)
from plugins.selections.selectors import (
    STANDING,
    pending_objections,
    results,
    township_settings,
)
from township_integrity.errors import NotAllowed, PluginError
from township_integrity.models import Household, LedgerEntry, Rule, Village
from township_integrity.roles import Role
from township_integrity.services import (
    Actor,
    add_working_days,
    current_tier,
    posting_days,
    record_entry,
    require_role,
)

ORGANISER_ROLES = (Role.TOWNSHIP_ADMIN,)
NOMINATOR_ROLES = (Role.VILLAGE_COMMITTEE,)
VOTER_ROLES = (Role.COUNCIL_MEMBER,)
MAX_PLACES = 50
MAX_TEXT = 2000
MOBILE = re.compile(r"^1[3-9]\d{9}$")


def create_round(
    *,
    category: str,
    year: int,
    village_codes: list[str],
    places: int,
    by: Actor,
    rule_code: str = "",
    green_only: bool = True,
) -> SelectionRound:
    """Open a round for nominations (township administrators); the rule defaults to the
    township's "most beautiful" rule (the setting ``rule_code``, VO-03)."""
    settings = township_settings()
    require_role(by, ORGANISER_ROLES, village_code=None, what=_("create selection rounds"))
    if category not in Category.values:
        raise PluginError(
            _("category %(category)s: use one of %(choices)s")
            % {"category": repr(category), "choices": ", ".join(Category.values)},
            field="category",
        )
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not 2000 <= year <= this_year + 1:
        raise PluginError(
            _("year %(year)s: a round is for a year from 2000 to %(last)s")
            % {"year": year, "last": this_year + 1},
            field="year",
        )
    if not isinstance(places, int) or not 1 <= places <= MAX_PLACES:
        raise PluginError(
            _("places per village must be 1 to %(max)s") % {"max": MAX_PLACES}, field="places"
        )
    codes = sorted({c.strip() for c in village_codes if c and c.strip()})
    if not codes:
        raise PluginError(_("name the villages taking part"), field="village_codes")
    villages = list(Village.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {v.code for v in villages})
    if unknown:
        raise PluginError(
            _("no village %(codes)s in this township") % {"codes": ", ".join(unknown)},
            field="village_codes",
        )
    code = (rule_code or settings["rule_code"]).strip()
    rule = Rule.objects.filter(code=code).first()
    if rule is None or not rule.active or rule.points <= 0:
        raise PluginError(
            _("rule %(rule)s: an award needs an active rule of the covenant that adds points")
            % {"rule": code},
            field="rule_code",
        )
    if SelectionRound.objects.filter(category=category, year=year).exclude(
        status=RoundStatus.CANCELLED
    ):
        raise PluginError(
            _("a %(category)s round of %(year)s already exists")
            % {"category": CATEGORY_ZH[category], "year": year},
            field="category",
        )
    try:
        with transaction.atomic():
            round_ = SelectionRound.objects.create(
                category=category,
                year=year,
                rule=rule,
                places=places,
                green_only=green_only,
                created_by=by.user,
                created_by_label=by.label,
            )
            round_.villages.set(villages)
    except IntegrityError:
        raise PluginError(
            _("a %(category)s round of %(year)s was just created")
            % {"category": CATEGORY_ZH[category], "year": year},
            field="category",
        ) from None
    return round_


def nominate(round_: SelectionRound, *, household: Household, reason: str, by: Actor) -> Nomination:
    """A village committee nominates a household of its own village, with a reason.

    By default only a household in the green tier now (its official tier) may be
    nominated; a round created with ``green_only=False`` takes any household.
    """
    township_settings()
    village = household.village
    require_role(by, NOMINATOR_ROLES, village_code=village.code, what=_("nominate households"))
    closed = _("the round %(round)s takes no more nominations (it is %(status)s)")
    round_ = SelectionRound.objects.get(pk=round_.pk)  # as it is now
    _require_status(round_, RoundStatus.NOMINATING, closed)
    if not round_.villages.filter(pk=village.pk).exists():
        raise PluginError(
            _("household %(household)s is of %(village)s, which does not take part in this round")
            % {"household": household.code, "village": village.name},
            field="household",
        )
    reason = (reason or "").strip()
    if not reason:
        raise PluginError(_("say why the household is nominated"), field="reason")
    if len(reason) > MAX_TEXT:
        raise PluginError(
            _("the reason is longer than %(max)s characters") % {"max": MAX_TEXT}, field="reason"
        )
    tier = current_tier(household)
    if round_.green_only and tier != "green":
        raise PluginError(
            _("household %(household)s is %(tier)s, not green: this round takes green households")
            % {"household": household.code, "tier": tier},
            field="household",
        )
    if round_.nominations.filter(household=household).exists():
        raise PluginError(
            _("household %(household)s is already nominated") % {"household": household.code},
            field="household",
        )
    try:
        with transaction.atomic():
            # Locked: the vote cannot open between this check and the nomination.
            _require_status(_locked(round_), RoundStatus.NOMINATING, closed)
            return Nomination.objects.create(
                round=round_,
                household=household,
                village=village,
                reason=reason,
                tier_at_nomination=tier,
                nominated_by=by.user,
                nominated_by_label=by.label,
            )
    except IntegrityError:
        raise PluginError(
            _("household %(household)s was just nominated") % {"household": household.code},
            field="household",
        ) from None


def open_voting(round_: SelectionRound, *, by: Actor) -> SelectionRound:
    """Close nominations and open the council's vote (township administrators)."""
    township_settings()
    require_role(by, ORGANISER_ROLES, village_code=None, what=_("open the vote"))
    with transaction.atomic():
        round_ = _locked(round_)
        _require_status(
            round_,
            RoundStatus.NOMINATING,
            _("the round %(round)s is not taking nominations (it is %(status)s)"),
        )
        if not round_.nominations.exists():
            raise PluginError(_("the round has no nominations to vote on"))
        round_.status = RoundStatus.VOTING
        round_.voting_opened_at = timezone.now()
        round_.save(update_fields=["status", "voting_opened_at"])
    return round_


def cast_vote(nomination: Nomination, *, in_favour: bool, by: Actor) -> Vote:
    """A council member's vote on a nomination: once per person, recorded with the time.

    Separation of duties: the person who nominated the household does not vote on it.
    """
    township_settings()
    require_role(
        by, VOTER_ROLES, village_code=nomination.village.code, what=_("vote in selections")
    )
    not_voting = _("the round %(round)s is not voting (it is %(status)s)")
    _require_status(_round_of(nomination), RoundStatus.VOTING, not_voting)
    if by.same_person(nomination.nominated_by_id, nomination.nominated_by_label):
        raise NotAllowed(
            _("you nominated household %(household)s; someone else votes on it")
            % {"household": nomination.household.code},
            field="nomination",
        )
    mine = (
        Vote.objects.filter(nomination=nomination, voter_id=by.user_id)
        if by.user_id is not None
        else Vote.objects.filter(nomination=nomination, voter_label=by.label)
    )
    refusal = _("you already voted on the nomination of household %(household)s") % {
        "household": nomination.household.code
    }
    if mine.exists():
        raise PluginError(refusal, field="nomination")
    try:
        with transaction.atomic():
            # Locked: the results cannot be posted between this check and the vote.
            _require_status(_locked(nomination.round), RoundStatus.VOTING, not_voting)
            return Vote.objects.create(
                nomination=nomination,
                voter=by.user,
                voter_label=by.label,
                in_favour=bool(in_favour),
            )
    except IntegrityError:
        raise PluginError(refusal, field="nomination") from None


def post_results(
    round_: SelectionRound, *, by: Actor, posted_on: dt.date | None = None
) -> SelectionRound:
    """Close the vote and post the winners in public (公示) for the township's posting
    period: ``posting_days`` working days (Chinese holiday calendar) after the posting
    day, as the month's results are posted. ``posted_on`` records an earlier day."""
    township_settings()
    require_role(by, ORGANISER_ROLES, village_code=None, what=_("post selection results"))
    today = timezone.localdate()
    day = posted_on or today
    with transaction.atomic():
        round_ = _locked(round_)
        _require_status(
            round_, RoundStatus.VOTING, _("the round %(round)s is not voting (it is %(status)s)")
        )
        opened = timezone.localdate(round_.voting_opened_at)
        if not opened <= day <= today:
            raise PluginError(
                _("a posting is dated from the opening of the vote (%(first)s) to today")
                % {"first": opened},
                field="posted_on",
            )
        winners = [n for chosen in results(round_).values() for n in chosen]
        if not winners:
            raise PluginError(_("no nomination has more votes for than against; nothing to post"))
        Nomination.objects.filter(pk__in=[n.pk for n in winners]).update(selected=True)
        days = posting_days()
        round_.status = RoundStatus.POSTED
        round_.posted_on = day
        round_.posting_working_days = days
        round_.posting_ends_on = add_working_days(day, days)
        round_.posted_by_label = by.label
        round_.save(
            update_fields=[
                "status",
                "posted_on",
                "posting_working_days",
                "posting_ends_on",
                "posted_by_label",
            ]
        )
    return round_


def file_objection(
    nomination: Nomination,
    *,
    text: str,
    name: str,
    phone: str = "",
    by: Actor | None = None,
    received_on: dt.date | None = None,
) -> Objection:
    """An objection to a posted winner, during the posting period: from the public page
    (name and phone, no account) or a household in the workbench (``by``).

    ``received_on`` records an objection handed in on paper during the posting and
    entered afterwards (from the posting day to its last day, no later than today).
    """
    township_settings()
    nomination = Nomination.objects.select_related("round").get(pk=nomination.pk)
    round_ = nomination.round
    if round_.status != RoundStatus.POSTED or not nomination.selected:
        raise PluginError(_("only a posted result takes objections"), field="nomination")
    if nomination.withdrawn_at is not None:
        raise PluginError(_("this nomination was already withdrawn"), field="nomination")
    day = received_on or timezone.localdate()
    if received_on is not None and not (
        round_.posted_on <= received_on <= min(round_.posting_ends_on, timezone.localdate())
    ):
        raise PluginError(
            _("an objection is received during the posting (%(first)s to %(last)s), not later")
            % {"first": round_.posted_on, "last": round_.posting_ends_on},
            field="received_on",
        )
    if day > round_.posting_ends_on:
        raise PluginError(
            _("the posting ended on %(date)s; objections are no longer received")
            % {"date": round_.posting_ends_on},
            field="nomination",
        )
    text, name, phone = (text or "").strip(), (name or "").strip(), (phone or "").strip()
    if not text:
        raise PluginError(_("say what the objection is"), field="text")
    if len(text) > MAX_TEXT:
        raise PluginError(
            _("the objection is longer than %(max)s characters") % {"max": MAX_TEXT},
            field="text",
        )
    if not name or len(name) > 50:
        raise PluginError(_("give your name (up to 50 characters)"), field="name")
    if by is None and not phone:
        raise PluginError(_("give a phone number the council can call back"), field="phone")
    if phone and not MOBILE.match(phone):
        raise PluginError(
            _("%(phone)s is not a mainland mobile number (11 digits, starting 13-19)")
            % {"phone": phone[:20]},
            field="phone",
        )
    with transaction.atomic():
        # Locked, and read again: the award (which waits for no pending objection) cannot
        # be made between these checks and the objection, nor a decision withdraw it.
        if _locked(round_).status != RoundStatus.POSTED:
            raise PluginError(_("only a posted result takes objections"), field="nomination")
        if Nomination.objects.filter(pk=nomination.pk, withdrawn_at__isnull=False).exists():
            raise PluginError(_("this nomination was already withdrawn"), field="nomination")
        objection = Objection.objects.create(
            nomination=nomination,
            text=text,
            objector_name=name,
            objector_phone=phone,
            filed_by=by.user if by else None,
            filed_by_label=by.label if by else "public",
        )
        if received_on is not None and received_on != timezone.localdate():
            noon = timezone.make_aware(dt.datetime.combine(received_on, dt.time(12)))
            Objection.objects.filter(pk=objection.pk).update(received_at=noon)
            objection.received_at = noon
    return objection


def decide_objection(objection: Objection, *, uphold: bool, reason: str, by: Actor) -> Objection:
    """The council decides an objection, with a reason: upheld withdraws the nomination
    (its place stays empty), dismissed leaves it standing. Not by its nominator."""
    township_settings()
    nomination = objection.nomination
    require_role(by, VOTER_ROLES, village_code=nomination.village.code, what=_("decide objections"))
    reason = (reason or "").strip()
    if not reason:
        raise PluginError(_("give the reason for the decision"), field="reason")
    if by.same_person(nomination.nominated_by_id, nomination.nominated_by_label):
        raise NotAllowed(
            _("you nominated household %(household)s; someone else decides objections to it")
            % {"household": nomination.household.code},
            field="reason",
        )
    with transaction.atomic():
        # The round first (as file_objection and award lock it), then the objection.
        round_ = _locked(nomination.round)
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        if objection.status != ObjectionStatus.PENDING:
            raise PluginError(_("this objection is already decided"), field="reason")
        if round_.status != RoundStatus.POSTED:
            raise PluginError(_("the round is no longer posted"), field="reason")
        now = timezone.now()
        objection.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
        objection.decided_by = by.user
        objection.decided_by_label = by.label
        objection.decided_at = now
        objection.decision_reason = reason
        objection.save()
        if uphold and nomination.withdrawn_at is None:
            nomination.withdrawn_at = now
            nomination.withdrawn_reason = reason
            nomination.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    return objection


def award(
    round_: SelectionRound, *, by: Actor, awarded_on: dt.date | None = None
) -> list[LedgerEntry]:
    """After the posting period, with no objection pending: one ledger entry per winner
    under the round's rule (source ``selections``, external id per round and
    nomination, the selection as evidence). Idempotent: an awarded round returns its
    entries and records nothing."""
    settings = township_settings()
    require_role(by, ORGANISER_ROLES, village_code=None, what=_("award selections"))
    today = timezone.localdate()
    with transaction.atomic():
        round_ = _locked(round_)
        if round_.status == RoundStatus.AWARDED:
            return list(_award_entries(round_))
        _require_status(
            round_, RoundStatus.POSTED, _("the round %(round)s is not posted (it is %(status)s)")
        )
        if today <= round_.posting_ends_on:
            raise PluginError(
                _("the results are posted until %(date)s; award from %(next)s")
                % {
                    "date": round_.posting_ends_on,
                    "next": round_.posting_ends_on + dt.timedelta(days=1),
                }
            )
        waiting = pending_objections(round_).count()
        if waiting:
            raise PluginError(
                _("%(count)s objections await the council's decision") % {"count": waiting}
            )
        day = awarded_on or today
        if not round_.posting_ends_on < day <= today:
            raise PluginError(
                _("an award is dated after the posting (%(first)s) and no later than today")
                % {"first": round_.posting_ends_on + dt.timedelta(days=1)},
                field="awarded_on",
            )
        entries = []
        for nomination in _standing(round_):
            entry = record_entry(
                household=nomination.household,
                rule=round_.rule,
                occurred_on=day,
                recorder=by,
                source=KEY,
                external_id=f"round:{round_.pk}:nomination:{nomination.pk}",
                evidence=_evidence(round_, nomination),
                review=bool(settings["review_awards"]),
            )
            nomination.entry = entry
            nomination.save(update_fields=["entry"])
            entries.append(entry)
        round_.status = RoundStatus.AWARDED
        round_.awarded_on = day
        round_.awarded_by_label = by.label
        round_.save(update_fields=["status", "awarded_on", "awarded_by_label"])
    return entries


def cancel_round(round_: SelectionRound, *, reason: str, by: Actor) -> SelectionRound:
    """Cancel a round not yet awarded (township administrators), with a reason."""
    township_settings()
    require_role(by, ORGANISER_ROLES, village_code=None, what=_("cancel selection rounds"))
    reason = (reason or "").strip()
    if not reason:
        raise PluginError(_("give the reason for cancelling"), field="reason")
    with transaction.atomic():
        round_ = _locked(round_)
        if round_.status in (RoundStatus.AWARDED, RoundStatus.CANCELLED):
            raise PluginError(
                _("the round is %(status)s and cannot be cancelled")
                % {"status": round_.get_status_display()},
                field="reason",
            )
        round_.status = RoundStatus.CANCELLED
        round_.cancelled_at = timezone.now()
        round_.cancelled_by_label = by.label
        round_.cancel_reason = reason
        round_.save(update_fields=["status", "cancelled_at", "cancelled_by_label", "cancel_reason"])
    return round_


def _standing(round_: SelectionRound):
    return (
        round_.nominations.filter(STANDING)
        .select_related("household__village", "village")
        .order_by("village__code", "household__code")
    )


def _award_entries(round_: SelectionRound):
    ids = round_.nominations.exclude(entry=None).values("entry_id")
    return LedgerEntry.objects.filter(pk__in=ids).order_by("pk")


def _evidence(round_: SelectionRound, nomination: Nomination) -> str:
    votes = list(nomination.votes.all())
    in_favour = sum(1 for v in votes if v.in_favour)
    dismissed = nomination.objections.filter(status=ObjectionStatus.DISMISSED).count()
    return (
        f"{round_.title_zh} (selections round {round_.pk}): "
        f"nominated by {nomination.nominated_by_label} "
        f"of {nomination.village.name} on {timezone.localdate(nomination.nominated_at)} "
        f"({nomination.tier_at_nomination}): {nomination.reason}; "
        f"council vote {in_favour} for, {len(votes) - in_favour} against; "
        f"posted {round_.posted_on} to {round_.posting_ends_on} "
        f"({round_.posting_working_days} working days), objections dismissed: {dismissed}; "
        f"ref selections:round:{round_.pk}:nomination:{nomination.pk}"
    )


def _round_of(nomination: Nomination) -> SelectionRound:
    """The nomination's round as it is now (not as a cached relation last read it)."""
    return SelectionRound.objects.get(pk=nomination.round_id)


def _locked(round_: SelectionRound) -> SelectionRound:
    return SelectionRound.objects.select_for_update().select_related("rule").get(pk=round_.pk)


def _require_status(round_: SelectionRound, status: str, message: str) -> None:
    """Refuse with ``message`` (naming ``%(round)s`` and ``%(status)s``) unless in ``status``."""
    if round_.status != status:
        raise PluginError(message % {"round": round_.title, "status": round_.get_status_display()})
