"""Publishing the quarterly honour board of a village."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from platform_core.accounts.selectors import ADMIN_ROLES
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from platform_core.evaluation.models import (
    EnterpriseSnapshot,
    EvaluationRound,
    HouseholdSnapshot,
)
from platform_core.households.models import Village
from platform_core.households.selectors import mask_name
from platform_core.publication.models import BoardEntry, HonourBoard
from platform_core.publication.selectors import red_publishable
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.services import require_role


class PublicationError(PlatformError):
    pass


def quarter_last_month(year: int, quarter: int) -> dt.date:
    if quarter not in (1, 2, 3, 4):
        raise PublicationError(
            _("quarter %(quarter)s does not exist; use 1 to 4") % {"quarter": quarter}
        )
    return dt.date(year, quarter * 3, 1)


def publish_board(
    village: Village, *, year: int, quarter: int, publisher: Actor, township=None
) -> HonourBoard:
    """Publish the village's board from the quarter's last finalised month.

    Model (green) households are listed with masked names, integrity (green) merchants
    and firms in a section of their own with their registered names (public); households to improve
    (red) only when the township's policy says so, and only within their publication
    period (``selectors.red_publishable``: at most ``red_publication_months`` of a
    red run, ended early by a repair). Publishing again is refused: a board, once
    published, never changes (its pages leave out red listings whose period ended).
    """
    township = township or connection.tenant
    require_role(publisher, ADMIN_ROLES, village_code=village.code, what=_("publish honour boards"))
    based_on = quarter_last_month(year, quarter)
    existing = HonourBoard.objects.filter(village=village, year=year, quarter=quarter).first()
    if existing is not None:
        raise PublicationError(
            _(
                "%(board)s was already published by %(who)s on %(when)s; "
                "a published board never changes"
            )
            % {
                "board": existing,
                "who": existing.published_by_label,
                "when": f"{existing.published_at:%Y-%m-%d %H:%M}",
            }
        )
    finalised = EvaluationRound.objects.filter(
        village=village, period=based_on, status=EvaluationRound.Status.FINALISED
    ).exists()
    if not finalised:
        raise PublicationError(
            _(
                "%(village)s has not finalised %(month)s, the last month of "
                "%(year)s Q%(quarter)s; finalise it before publishing the board"
            )
            % {
                "village": village.name,
                "month": f"{based_on:%Y-%m}",
                "year": year,
                "quarter": quarter,
            }
        )
    include_red = township.publish_red_on_board
    tiers = ["green", "red"] if include_red else ["green"]
    snapshots = HouseholdSnapshot.objects.filter(
        village=village, period=based_on, tier__in=tiers
    ).select_related("household")
    if include_red:
        red = dict(snapshots.filter(tier="red").values_list("household_id", "score"))
        ended = set(red) - red_publishable(based_on, red, policy=ScoringPolicy.of(township))
        snapshots = snapshots.exclude(household_id__in=ended)
    enterprises = EnterpriseSnapshot.objects.filter(
        village=village, period=based_on, tier="green"
    ).select_related("household")
    try:
        with transaction.atomic():
            board = _write_board(
                village, year, quarter, based_on, include_red, publisher, snapshots
            )
            _write_enterprises(board, enterprises)
    except IntegrityError:  # published at the same moment by someone else
        raise PublicationError(
            _("%(village)s %(year)s Q%(quarter)s is already published")
            % {"village": village.name, "year": year, "quarter": quarter}
        ) from None
    return board


def _write_board(village, year, quarter, based_on, include_red, publisher, snapshots):
    board = HonourBoard.objects.create(
        village=village,
        year=year,
        quarter=quarter,
        based_on=based_on,
        includes_red=include_red,
        published_by=publisher.user,
        published_by_label=publisher.label,
    )
    BoardEntry.objects.bulk_create(
        BoardEntry(
            board=board,
            household=s.household,
            kind=BoardEntry.Kind.MODEL if s.tier == "green" else BoardEntry.Kind.IMPROVE,
            masked_name=mask_name(s.household.head_name),
            score=s.score,
        )
        for s in snapshots.iterator(chunk_size=2000)
    )
    return board


def _write_enterprises(board: HonourBoard, snapshots) -> None:
    """The board's section of integrity merchants and firms (green in the board's month),
    under their registered names: a business's name is public, unlike a household head's."""
    BoardEntry.objects.bulk_create(
        BoardEntry(
            board=board,
            household=s.household,
            kind=BoardEntry.Kind.ENTERPRISE,
            masked_name=s.household.head_name,
            score=s.score,
        )
        for s in snapshots.iterator(chunk_size=2000)
    )
