"""Opening shops, keeping their catalogue, and exchange orders paid from the points wallet.

An order is all or nothing: in one transaction it locks its items (in primary-key
order, so concurrent orders never deadlock), checks the stock, spends the household's
wallet (``spend_points`` locks the wallet row and refuses when it is short) and takes
the stock. The integrity score is never touched: spending is not a ledger entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.points_shop.conf import KEY
from plugins.points_shop.models import Item, Order, OrderLine, Shop
from plugins.points_shop.selectors import township_settings
from township_integrity.errors import ExternalIdConflict, LedgerError, PluginError
from township_integrity.models import AllianceMember, Household, Village
from township_integrity.roles import ADMIN_ROLES, STAFF_ROLES, Role
from township_integrity.services import Actor, require_role, spend_points

# Who keeps a shop's catalogue, and who may exchange on a household's behalf.
CATALOGUE_ROLES = (*ADMIN_ROLES, Role.ALLIANCE_MEMBER)
ORDER_ROLES = (*STAFF_ROLES, Role.ALLIANCE_MEMBER)

Lines = Mapping[Item, int] | Iterable[tuple[Item, int]]


def open_shop(
    *, village: Village, name: str, by: Actor, member: AllianceMember | None = None
) -> Shop:
    """Open a village's shop, optionally run by an alliance member of kind shop."""
    township_settings()
    require_role(by, ADMIN_ROLES, village_code=village.code, what=_("open points shops"))
    name = name.strip()
    if not name:
        raise PluginError(_("a shop needs a name"))
    if member is not None and (member.kind != AllianceMember.Kind.SHOP or not member.active):
        raise PluginError(_("%(member)s is not an active alliance shop") % {"member": member.name})
    if Shop.objects.filter(village=village, name=name).exists():
        raise PluginError(
            _("%(village)s already has a shop named %(name)s")
            % {"village": village.name, "name": name}
        )
    return Shop.objects.create(village=village, name=name, member=member)


def add_item(shop: Shop, *, name: str, price_points: int, stock: int, by: Actor) -> Item:
    """Put an item in the shop's catalogue with its price in points and its first stock."""
    _check_catalogue(shop, by)
    name = name.strip()
    if not name:
        raise PluginError(_("an item needs a name"))
    _check_price(price_points)
    _whole(stock, _("stock"))
    if stock < 0:
        raise PluginError(_("stock %(stock)s: give 0 or more") % {"stock": stock})
    if shop.items.filter(name=name).exists():
        raise PluginError(_("%(shop)s already offers %(item)s") % {"shop": shop.name, "item": name})
    return Item.objects.create(shop=shop, name=name, price_points=price_points, stock=stock)


def set_price(item: Item, price_points: int, *, by: Actor) -> Item:
    """Change a price; orders already placed keep the price they paid (lines copy it)."""
    _check_catalogue(item.shop, by)
    _check_price(price_points)
    Item.objects.filter(pk=item.pk).update(price_points=price_points)
    item.refresh_from_db()
    return item


def restock(item: Item, quantity: int, *, by: Actor) -> Item:
    """Add goods to the stock (an atomic increment: safe next to concurrent orders)."""
    _check_catalogue(item.shop, by)
    if quantity <= 0:
        raise PluginError(
            _("restocking %(quantity)s: give a positive quantity") % {"quantity": quantity}
        )
    Item.objects.filter(pk=item.pk).update(stock=F("stock") + quantity)
    item.refresh_from_db()
    return item


def place_order(
    household: Household, shop: Shop, lines: Lines, *, reference: str, by: Actor
) -> Order:
    """Exchange wallet points for goods: everything or, when anything is short, nothing.

    ``reference`` (the shop's order number) makes the call idempotent: the same
    order again returns the first one; a different order under a used reference is
    refused. A household exchanges in its own village's shops unless the township's
    ``other_villages`` setting allows others.
    """
    settings = township_settings()
    require_role(
        by,
        ORDER_ROLES,
        village_code=shop.village.code,
        what=_("place exchange orders"),
        institution=_institution(shop),
    )
    reference = reference.strip()
    if not reference:
        raise PluginError(_("an exchange order needs a reference (the shop's order number)"))
    wanted = _quantities(lines)
    done = Order.objects.filter(reference=reference).first()
    if done is not None:
        return _same_order(done, household, shop, wanted)
    _check_customer(household, shop, settings)
    try:
        with transaction.atomic():
            items = _locked_items(shop, wanted)
            done = Order.objects.filter(reference=reference).first()  # placed while we waited
            if done is None:
                return _create_order(household, shop, items, wanted, reference, by, settings)
    except IntegrityError:
        done = Order.objects.filter(reference=reference).first()
        if done is None:
            raise
    return _same_order(done, household, shop, wanted)


def hand_over(order: Order, *, by: Actor) -> Order:
    """Record that the household collected the goods of a placed order."""
    township_settings()
    require_role(
        by,
        ORDER_ROLES,
        village_code=order.shop.village.code,
        what=_("hand over exchange orders"),
        institution=_institution(order.shop),
    )
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != Order.Status.PLACED:
            raise PluginError(
                _("order %(order)s was already handed over by %(who)s")
                % {"order": order.reference, "who": order.handed_over_by_label}
            )
        order.status = Order.Status.HANDED_OVER
        order.handed_over_by_label = by.label
        order.handed_over_at = timezone.now()
        order.save(update_fields=["status", "handed_over_by_label", "handed_over_at"])
    return order


# --- helpers ------------------------------------------------------------------------


def _check_catalogue(shop: Shop, by: Actor) -> None:
    township_settings()
    require_role(
        by,
        CATALOGUE_ROLES,
        village_code=shop.village.code,
        what=_("keep the shop's catalogue"),
        institution=_institution(shop),
    )


def _institution(shop: Shop) -> str:
    """An alliance clerk acts only for the shop their institution runs ("" matches nobody)."""
    return shop.member.code if shop.member_id else ""


def _whole(value, what: str) -> int:
    """A whole number of points or pieces; a clear refusal for text or fractions."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise PluginError(
            _("%(what)s %(value)s: give a whole number") % {"what": what, "value": repr(value)}
        )
    return value


def _check_price(price_points: int) -> None:
    _whole(price_points, _("price"))
    if price_points <= 0:
        raise PluginError(
            _("price %(price)s: an item costs a positive number of points")
            % {"price": price_points}
        )


def _quantities(lines: Lines) -> dict[int, int]:
    """Item id -> quantity, the same item on two lines added up."""
    pairs = lines.items() if isinstance(lines, Mapping) else lines
    wanted: dict[int, int] = {}
    for item, quantity in pairs:
        _whole(quantity, _("quantity of %(item)s") % {"item": item.name})
        if quantity <= 0:
            raise PluginError(
                _("quantity %(quantity)s of %(item)s: give a positive number")
                % {"quantity": quantity, "item": item.name}
            )
        wanted[item.pk] = wanted.get(item.pk, 0) + quantity
    if not wanted:
        raise PluginError(_("an exchange order needs at least one item"))
    return wanted


def _check_customer(household: Household, shop: Shop, settings: dict) -> None:
    if not shop.active:
        raise PluginError(_("%(shop)s is closed") % {"shop": shop.name})
    if household.village_id != shop.village_id and not settings["other_villages"]:
        raise PluginError(
            _(
                "household %(household)s is not in %(village)s: it exchanges in its "
                "own village's shops"
            )
            % {"household": household.code, "village": shop.village.name}
        )


def _locked_items(shop: Shop, wanted: dict[int, int]) -> list[Item]:
    """The order's items locked in id order (a stable order: no deadlock between orders)."""
    items = list(Item.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    for item in items:
        if item.shop_id != shop.pk:
            raise PluginError(
                _("%(item)s is not sold by %(shop)s") % {"item": item.name, "shop": shop.name}
            )
        if not item.active:
            raise PluginError(
                _("%(item)s is no longer on offer at %(shop)s")
                % {"item": item.name, "shop": shop.name}
            )
    if len(items) != len(wanted):
        raise PluginError(
            _("an item of the order is not in %(shop)s's catalogue") % {"shop": shop.name}
        )
    short = [
        _("%(item)s (%(left)s left, %(wanted)s wanted)")
        % {"item": i.name, "left": i.stock, "wanted": wanted[i.pk]}
        for i in items
        if i.stock < wanted[i.pk]
    ]
    if short:
        raise PluginError(
            _("not enough stock at %(shop)s: %(short)s; nothing was taken")
            % {"shop": shop.name, "short": ", ".join(short)}
        )
    return items


def _create_order(
    household: Household,
    shop: Shop,
    items: list[Item],
    wanted: dict[int, int],
    reference: str,
    by: Actor,
    settings: dict,
) -> Order:
    total = sum(item.price_points * wanted[item.pk] for item in items)
    limit = settings["max_points_per_order"]
    if limit and total > limit:
        raise PluginError(
            _("order %(order)s is worth %(total)s points; the limit is %(limit)s")
            % {"order": reference, "total": total, "limit": limit}
        )
    description = f"{shop.name}: " + ", ".join(f"{i.name}×{wanted[i.pk]}" for i in items)
    try:
        spend = spend_points(
            household,
            amount=total,
            reference=f"{KEY}:{reference}",
            description=description[:200],
            by=by,
        )
    except ExternalIdConflict:
        raise ReferenceInUse(_reference_in_use(reference)) from None
    except LedgerError as exc:
        raise PluginError(
            _("order %(order)s refused, the wallet is short: %(problem)s")
            % {"order": reference, "problem": exc}
        ) from exc
    for item in items:
        Item.objects.filter(pk=item.pk).update(stock=F("stock") - wanted[item.pk])
    order = Order.objects.create(
        household=household,
        shop=shop,
        reference=reference,
        total_points=total,
        spend=spend,
        placed_by=by.user,
        placed_by_label=by.label,
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=order, item=item, quantity=wanted[item.pk], price_points=item.price_points)
        for item in items
    )
    return order


def _same_order(done: Order, household: Household, shop: Shop, wanted: dict[int, int]) -> Order:
    """The earlier order under this reference, if it is the same order; refused otherwise."""
    lines = dict(done.lines.values_list("item_id", "quantity"))
    if done.household_id != household.pk or done.shop_id != shop.pk or lines != wanted:
        raise ReferenceInUse(_reference_in_use(done.reference))
    return done


class ReferenceInUse(PluginError):
    """An order's reference already names a different order."""


def _reference_in_use(reference: str) -> str:
    # Nothing of the other order: it may be another village's household.
    return _(
        "reference %(reference)s is already used by another order (another "
        "household, shop or goods); give this order its own reference"
    ) % {"reference": reference}
