"""Reads of the points shops: catalogues, a household's orders and a shop's monthly statement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.points_shop.conf import DEFAULTS, KEY
from plugins.points_shop.models import Item, Order, OrderLine, Shop
from township_integrity import enabled_settings
from township_integrity.models import Household


def township_settings() -> dict:
    """The township's settings with defaults filled in; PluginError when not enabled."""
    return enabled_settings(KEY, DEFAULTS, refusal=_("the points exchange shop is not enabled"))


def catalogue(shop: Shop) -> QuerySet[Item]:
    """What a shop offers now: items on offer, by name (items out of stock included)."""
    township_settings()
    return shop.items.filter(active=True).order_by("name")


def orders_of(household: Household) -> QuerySet[Order]:
    """A household's exchange orders, newest first, with their lines."""
    township_settings()
    return (
        Order.objects.filter(household=household)
        .select_related("shop")
        .prefetch_related("lines__item")
        .order_by("-placed_at", "-pk")
    )


@dataclass(frozen=True)
class ItemLine:
    item: Item
    quantity_out: int  # handed out in the month (sum of order quantities)
    points: int  # points taken for it in the month
    stock_left: int  # stock now


@dataclass(frozen=True)
class Statement:
    shop: Shop
    month: dt.date  # first day
    orders: int
    households: int
    points_taken: int
    items: list[ItemLine] = field(default_factory=list)

    @property
    def quantity_out(self) -> int:
        return sum(line.quantity_out for line in self.items)


def monthly_statement(shop: Shop, month: dt.date) -> Statement:
    """A shop's month: orders, households served, points taken, and per item out and left.

    Orders count in the month they were placed (township time zone). Every item of the
    catalogue appears, so the stock left of slow items shows too.
    """
    township_settings()
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    orders = Order.objects.filter(
        shop=shop, placed_at__gte=_midnight(first), placed_at__lt=_midnight(following)
    )
    totals = orders.aggregate(
        n=Count("pk"), households=Count("household", distinct=True), points=Sum("total_points")
    )
    out = {
        row["item_id"]: (row["out"], row["taken"])
        for row in OrderLine.objects.filter(order__in=orders)
        .values("item_id")
        .annotate(out=Sum("quantity"), taken=Sum(F("quantity") * F("price_points")))
        .order_by()
    }
    items = [
        ItemLine(item, *out.get(item.pk, (0, 0)), item.stock)
        for item in shop.items.order_by("name")
    ]
    return Statement(
        shop=shop,
        month=first,
        orders=totals["n"],
        households=totals["households"],
        points_taken=totals["points"] or 0,
        items=items,
    )


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))
