"""GraphQL fields of the points shop: shops and catalogues, orders, wallets, placing an order.

Shops and their catalogues are public to anyone with a role here. Orders are seen
by staff of the household's village, the household itself and the clerks of the
alliance shop that took them; a wallet only by staff and the household.
"""

from __future__ import annotations

import graphene
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

from plugins.points_shop.models import Item, Order, OrderLine, Shop
from plugins.points_shop.services import ORDER_ROLES, ReferenceInUse, place_order
from township_integrity import GraphQLContribution
from township_integrity.graphql import (
    NOT_FOUND,
    REFUSED,
    CountedConnection,
    InputError,
    PageField,
    PlatformMutation,
    TownshipNode,
    decode_id,
    household_by_code,
    prefixed,
    require_somewhere,
    row_by_id,
    viewer,
    visible_households,
)
from township_integrity.services import wallet_balance


class PointsShopItemType(DjangoObjectType):
    class Meta:
        model = Item
        name = "PointsShopItem"
        fields = ("name", "price_points", "stock", "active")
        interfaces = (TownshipNode,)


class PointsShopType(DjangoObjectType):
    class Meta:
        model = Shop
        name = "PointsShop"
        fields = ("name", "active")
        interfaces = (TownshipNode,)

    village_code = graphene.String(required=True)
    member_code = graphene.String(description="The alliance shop running it")
    items = graphene.List(
        graphene.NonNull(PointsShopItemType), required=True, description="Items on offer"
    )

    def resolve_village_code(root, info) -> str:
        return root.village.code

    def resolve_member_code(root, info) -> str | None:
        return root.member.code if root.member_id else None

    def resolve_items(root, info):
        return root.items.filter(active=True).order_by("name")

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        found = queryset.select_related("village", "member")
        return found if viewer(info).is_authenticated else found.none()


class PointsOrderLineType(DjangoObjectType):
    class Meta:
        model = OrderLine
        name = "PointsOrderLine"
        fields = ("quantity", "price_points")

    item_name = graphene.String(required=True)

    def resolve_item_name(root, info) -> str:
        return root.item.name


class PointsOrderType(DjangoObjectType):
    class Meta:
        model = Order
        name = "PointsOrder"
        fields = (
            "shop",
            "reference",
            "status",
            "total_points",
            "placed_by_label",
            "placed_at",
            "handed_over_by_label",
            "handed_over_at",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    household_code = graphene.String(required=True)
    lines = graphene.List(graphene.NonNull(PointsOrderLineType), required=True)

    def resolve_household_code(root, info) -> str:
        return root.household.code

    def resolve_lines(root, info):
        return root.lines.select_related("item").order_by("item__name")

    @bypass_get_queryset
    def resolve_shop(root, info):
        return root.shop  # shops are public to every role

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        who = viewer(info)
        seen = prefixed(visible_households(who), "household")
        if seen.children:
            seen |= Q(shop__member__code__in=sorted(who.institution_codes))
        return queryset.filter(seen).select_related("household", "shop__village", "shop__member")


class PointsWalletType(graphene.ObjectType):
    class Meta:
        name = "PointsWallet"

    household_code = graphene.String(required=True)
    balance = graphene.Int(required=True, description="Wallet points left to exchange")


# --- reads ---------------------------------------------------------------------------


def resolve_shops(root, info, village=None):
    queryset = PointsShopType.get_queryset(Shop.objects.filter(active=True), info)
    queryset = queryset.order_by("village__code", "name")
    return queryset.filter(village__code=village) if village else queryset


def resolve_orders(root, info, household_code=None, **_):
    queryset = Order.objects.order_by("-placed_at", "-pk")
    return queryset.filter(household__code=household_code) if household_code else queryset


def resolve_wallet(root, info, household_code):
    household = household_by_code(info, household_code, field=None)
    return PointsWalletType(household_code=household.code, balance=wallet_balance(household))


# --- writes --------------------------------------------------------------------------


class PointsOrderLineInput(graphene.InputObjectType):
    item_id = graphene.ID(required=True)
    quantity = graphene.Int(required=True)


class PlacePointsOrder(PlatformMutation):
    """Exchange wallet points for goods, all or nothing; ``reference`` makes retries safe."""

    class Arguments:
        household_code = graphene.String(required=True)
        shop_id = graphene.ID(required=True)
        lines = graphene.List(graphene.NonNull(PointsOrderLineInput), required=True)
        reference = graphene.String(required=True, description="The shop's order number")

    order = graphene.Field(PointsOrderType)

    @classmethod
    def perform(cls, info, household_code, shop_id, lines, reference):
        who = require_somewhere(info, ORDER_ROLES)
        shop = row_by_id(info, PointsShopType, shop_id, "shopId", missing=_("No shop %(id)s."))
        # The shop's clerk serves a household at the counter: no list of households needed.
        household = household_by_code(info, household_code, everyone=True)
        wanted = [
            (decode_id(info, line.item_id, "PointsShopItem"), line.quantity) for line in lines
        ]
        items = Item.objects.in_bulk([pk for pk, _quantity in wanted])
        if len(items) != len({pk for pk, _quantity in wanted}):
            raise InputError("lines", NOT_FOUND, _("An item of the order does not exist."))
        pairs = [(items[pk], quantity) for pk, quantity in wanted]
        try:
            order = place_order(household, shop, pairs, reference=reference, by=who.actor)
        except ReferenceInUse as conflict:
            raise InputError("reference", REFUSED, str(conflict)) from None
        return {"order": order}


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "points_shops": graphene.List(
                graphene.NonNull(PointsShopType),
                required=True,
                village=graphene.String(description="Village code"),
                resolver=resolve_shops,
                description="Open shops and what they offer",
            ),
            "points_orders": PageField(
                PointsOrderType,
                resolver=resolve_orders,
                household_code=graphene.String(),
                description="Exchange orders the viewer may see, newest first",
            ),
            "points_wallet": graphene.Field(
                PointsWalletType,
                required=True,
                household_code=graphene.String(required=True),
                resolver=resolve_wallet,
            ),
        },
        mutation_fields={"place_points_order": PlacePointsOrder.Field()},
    )
