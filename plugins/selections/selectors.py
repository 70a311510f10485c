"""Reads: the township's settings, the rounds a viewer may see, nominations with their
vote counts, the results of a vote and what the public page shows."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from plugins.selections.conf import DEFAULTS, KEY
from plugins.selections.models import (
    Nomination,
    Objection,
    ObjectionStatus,
    RoundStatus,
    SelectionRound,
)
from township_integrity import enabled_settings
from township_integrity.roles import ADMIN_ROLES

# Rounds the public page lists: posted (objections open) and awarded.
PUBLIC_STATUSES = (RoundStatus.POSTED, RoundStatus.AWARDED)


def township_settings() -> dict:
    """The township's settings with defaults filled in; PluginError when not enabled."""
    return enabled_settings(
        KEY, DEFAULTS, refusal=_("the 'most beautiful' selections are not enabled")
    )


def rounds_for(viewer) -> QuerySet[SelectionRound]:
    """Rounds the viewer may see in the workbench or the API: township administrators,
    village committees and council members, for rounds with one of their villages."""
    township_settings()
    rounds = SelectionRound.objects.select_related("rule").order_by("-year", "category", "-pk")
    if not viewer.has_somewhere(ADMIN_ROLES):
        return rounds.none()
    villages = viewer.villages(ADMIN_ROLES)
    if villages is None:
        return rounds
    return rounds.filter(villages__code__in=villages).distinct()


def visible_nominations(viewer, round_: SelectionRound) -> QuerySet[Nomination]:
    """The round's nominations of the viewer's villages, with their vote counts."""
    return _of_viewers_villages(round_.nominations.all(), viewer)


def with_visible_nominations(rounds: QuerySet[SelectionRound], viewer) -> QuerySet[SelectionRound]:
    """``rounds`` with their villages and, as ``visible``, the nominations of the viewer's
    villages with their vote counts: two queries for any number of rounds."""
    nominations = _of_viewers_villages(Nomination.objects.all(), viewer)
    return rounds.prefetch_related(
        "villages", Prefetch("nominations", queryset=nominations, to_attr="visible")
    )


def _of_viewers_villages(nominations: QuerySet[Nomination], viewer) -> QuerySet[Nomination]:
    found = with_counts(nominations)
    villages = viewer.villages(ADMIN_ROLES)
    return found if villages is None else found.filter(village__code__in=villages)


def with_counts(nominations: QuerySet[Nomination]) -> QuerySet[Nomination]:
    """Nominations annotated with ``votes_for`` and ``votes_against``."""
    return (
        nominations.select_related("household", "village", "entry")
        .annotate(
            votes_for=Count("votes", filter=Q(votes__in_favour=True)),
            votes_against=Count("votes", filter=Q(votes__in_favour=False)),
        )
        .order_by("village__code", "household__code")
    )


def results(round_: SelectionRound) -> dict[int, list[Nomination]]:
    """Winners by village id: the nominations with the most votes in favour, up to the
    round's places, among those with more votes for than against.

    Ties are ranked by fewer votes against, then by the earlier nomination (the
    order the committee submitted them), so the result is the same every time.
    """
    ranked = with_counts(round_.nominations.filter(withdrawn_at__isnull=True)).order_by(
        "village__code", "-votes_for", "votes_against", "nominated_at", "pk"
    )
    winners: dict[int, list[Nomination]] = {}
    for nomination in ranked:
        if nomination.votes_for <= nomination.votes_against:
            continue
        chosen = winners.setdefault(nomination.village_id, [])
        if len(chosen) < round_.places:
            chosen.append(nomination)
    return winners


#: A posted winner still standing (not withdrawn on an objection).
STANDING = Q(selected=True, withdrawn_at__isnull=True)


def standing_winners(rounds: list[SelectionRound]) -> dict[int, list[Nomination]]:
    """Each round's winners still standing, by round id, by village and household code:
    one query for a whole page of rounds (the public posting)."""
    found: dict[int, list[Nomination]] = {round_.pk: [] for round_ in rounds}
    winners = (
        Nomination.objects.filter(STANDING, round__in=[r.pk for r in rounds])
        .select_related("household", "village")
        .order_by("village__code", "household__code")
    )
    for nomination in winners:
        found[nomination.round_id].append(nomination)
    return found


def objections_of(round_: SelectionRound) -> QuerySet[Objection]:
    return Objection.objects.filter(nomination__round=round_).select_related(
        "nomination__household", "nomination__village"
    )


def pending_objections(round_: SelectionRound) -> QuerySet[Objection]:
    return objections_of(round_).filter(status=ObjectionStatus.PENDING)


def public_rounds() -> QuerySet[SelectionRound]:
    """Rounds on the public page: posted and awarded, newest first."""
    township_settings()
    return SelectionRound.objects.filter(status__in=PUBLIC_STATUSES).order_by("-posted_on", "-pk")
