"""Points exchange shop: village shops, their catalogue and the exchange orders (township schema).

Users live in the public schema, so a user reference is a plain id without a database
constraint plus a ``*_label`` that keeps the name readable for ever. An order line copies
the item's price, so a later price change never rewrites what a household paid.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from township_integrity.models import AllianceMember, Household, Village, WalletSpend, person_field


class Shop(models.Model):
    """A village's points exchange shop (积分兑换超市), optionally run by an alliance shop."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=100)
    member = models.ForeignKey(
        AllianceMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("alliance member"),
    )
    active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points shop")
        verbose_name_plural = _("points shops")
        ordering = ["village__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="points_shop_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A catalogue line: its price in points and how many are in stock."""

    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="items", verbose_name=_("points shop")
    )
    name = models.CharField(_("name"), max_length=100)
    price_points = models.PositiveIntegerField(_("price (points)"))
    stock = models.PositiveIntegerField(_("stock"), default=0)
    active = models.BooleanField(_("on offer"), default=True)

    class Meta:
        verbose_name = _("shop item")
        verbose_name_plural = _("shop items")
        ordering = ["shop", "name"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="points_shop_item_unique"),
            models.CheckConstraint(condition=Q(price_points__gt=0), name="points_shop_price_gt_0"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="points_shop_stock_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.price_points})"


class Order(models.Model):
    """An exchange: the household's wallet paid ``total_points`` for the lines."""

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        HANDED_OVER = "handed_over", _("Handed over")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="orders", verbose_name=_("points shop")
    )
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLACED
    )
    total_points = models.PositiveIntegerField(_("points"))
    spend = models.OneToOneField(
        WalletSpend, on_delete=models.PROTECT, related_name="+", verbose_name=_("wallet spending")
    )
    placed_by = person_field(verbose_name=_("placed by (account)"))
    placed_by_label = models.CharField(_("placed by"), max_length=150)
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True, db_index=True)
    handed_over_by_label = models.CharField(_("handed over by"), max_length=150, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exchange order")
        verbose_name_plural = _("exchange orders")
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total_points__gt=0), name="points_shop_total_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.total_points})"


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="lines", verbose_name=_("exchange order")
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("shop item")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    price_points = models.PositiveIntegerField(_("price (points)"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "item"], name="points_shop_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="points_shop_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item_id}"
