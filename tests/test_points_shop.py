"""The points_shop plugin: catalogue, all-or-nothing exchange orders, wallet not score,
monthly statements, concurrent orders against one wallet and one stock, isolation."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone, translation
from django_tenants.utils import schema_exists, tenant_context

from platform_core.actors import Actor
from platform_core.alliance.services import add_member, check_eligibility
from platform_core.errors import NotAllowed
from platform_core.households.models import Village
from platform_core.plugins.selectors import benefit_types
from platform_core.plugins.services import PluginError, enable_plugin
from platform_core.scoring.models import ScoreEvent, Wallet, WalletSpend
from platform_core.scoring.selectors import score_card, wallet_balance
from platform_core.scoring.services import record_entry
from plugins.points_shop.models import Item, Order, OrderLine, Shop
from plugins.points_shop.selectors import catalogue, monthly_statement, orders_of
from plugins.points_shop.services import (
    add_item,
    hand_over,
    open_shop,
    place_order,
    restock,
    set_price,
)
from tests import factories as f

D = dt.date
TODAY = timezone.localdate()


@pytest.fixture
def shop_a(township_a, in_township):
    """Township A with the plugin, villages V01 and V02, a V01 shop with soap and oil, and
    household V01-0001 holding 12 wallet points (score 112)."""
    enable_plugin(township_a, "points_shop")
    with in_township(township_a):
        f.village()
        f.village("V02", "白鹤村")
        admin = f.person("shopadmin")
        shop = open_shop(village=Village.objects.get(code="V01"), name="太湖村积分超市", by=admin)
        add_item(shop, name="肥皂", price_points=3, stock=5, by=admin)
        add_item(shop, name="食用油", price_points=5, stock=2, by=admin)
        f.approved("V01-0001", "VO-03", TODAY)  # +10
        f.approved("V01-0001", "VO-01", TODAY)  # +2
        yield shop


def item(name: str) -> Item:
    return Item.objects.get(name=name)


def order(lines, reference="R1", household="V01-0001", shop=None, by=None) -> Order:
    shop = shop or Shop.objects.get(name="太湖村积分超市")
    return place_order(
        f.household(household), shop, lines, reference=reference, by=by or f.person()
    )


def stocks() -> dict[str, int]:
    return dict(Item.objects.values_list("name", "stock"))


# --- exchange orders --------------------------------------------------------------


def test_an_order_spends_the_wallet_and_never_the_score(shop_a):
    household = f.household("V01-0001")
    card = score_card(household)
    entries = ScoreEvent.objects.count()
    placed = order({item("肥皂"): 2, item("食用油"): 1}, reference="TH-0001")
    assert placed.total_points == 11 and placed.status == "placed"
    assert wallet_balance(household) == 1
    assert stocks() == {"肥皂": 3, "食用油": 1}
    assert sorted(placed.lines.values_list("item__name", "quantity", "price_points")) == [
        ("肥皂", 2, 3),
        ("食用油", 1, 5),
    ]
    assert placed.spend.reference == "points_shop:TH-0001" and placed.spend.amount == 11
    assert score_card(household) == card  # same score, tier, index and lines
    assert ScoreEvent.objects.count() == entries
    assert list(orders_of(household)) == [placed]


def test_the_same_item_on_two_lines_is_added_up(shop_a):
    placed = order([(item("肥皂"), 1), (item("肥皂"), 2)])
    assert list(placed.lines.values_list("quantity", flat=True)) == [3]
    assert placed.total_points == 9 and stocks()["肥皂"] == 2


def test_the_same_reference_returns_the_first_order_and_refuses_a_different_one(shop_a):
    first = order({item("肥皂"): 1}, reference="TH-7")
    again = order({item("肥皂"): 1}, reference="TH-7")
    assert again.pk == first.pk
    assert wallet_balance(f.household("V01-0001")) == 9 and stocks()["肥皂"] == 4
    with pytest.raises(PluginError, match="TH-7 is already used by another order"):
        order({item("肥皂"): 2}, reference="TH-7")
    with pytest.raises(PluginError, match="TH-7 is already used"):
        order({item("肥皂"): 1}, reference="TH-7", household="V01-0002")
    assert Order.objects.count() == 1 and WalletSpend.objects.count() == 1


def test_a_short_wallet_is_refused_and_nothing_is_taken(shop_a):
    household = f.household("V01-0001")
    with pytest.raises(PluginError, match="wallet is short: household V01-0001 has 12 points"):
        order({item("肥皂"): 3, item("食用油"): 1})  # 14 points
    assert wallet_balance(household) == 12
    assert stocks() == {"肥皂": 5, "食用油": 2}
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    with pytest.raises(PluginError, match="wallet is short: household V01-0002 has 0 points"):
        order({item("肥皂"): 1}, household="V01-0002")


def test_short_stock_is_refused_and_nothing_is_taken(shop_a):
    household = f.household("V01-0001")
    with pytest.raises(PluginError, match=r"not enough stock .*食用油 \(2 left, 3 wanted\)"):
        order({item("肥皂"): 1, item("食用油"): 3})
    assert wallet_balance(household) == 12
    assert stocks() == {"肥皂": 5, "食用油": 2}
    assert not Order.objects.exists() and not WalletSpend.objects.exists()


def test_bad_orders_are_refused(shop_a, township_a):
    other = open_shop(village=Village.objects.get(code="V02"), name="白鹤村超市", by=f.person())
    rice = add_item(other, name="大米", price_points=2, stock=9, by=f.person())
    with pytest.raises(PluginError, match="大米 is not sold by 太湖村积分超市"):
        order({rice: 1})
    with pytest.raises(PluginError, match="V01-0001 is not in 白鹤村"):
        order({rice: 1}, shop=other)
    with pytest.raises(PluginError, match="positive number"):
        order({item("肥皂"): 0})
    with pytest.raises(PluginError, match="at least one item"):
        order({})
    with pytest.raises(PluginError, match="needs a reference"):
        order({item("肥皂"): 1}, reference="  ")
    Item.objects.filter(name="肥皂").update(active=False)
    with pytest.raises(PluginError, match="no longer on offer"):
        order({item("肥皂"): 1})
    Shop.objects.filter(pk=other.pk).update(active=False)
    with pytest.raises(PluginError, match="白鹤村超市 is closed"):
        order({rice: 1}, shop=Shop.objects.get(pk=other.pk), household="V02-0001")
    assert not Order.objects.exists()


def test_settings_allow_other_villages_and_cap_an_order(shop_a, township_a):
    enable_plugin(township_a, "points_shop", {"other_villages": True, "max_points_per_order": 6})
    f.approved("V02-0001", "VO-03", TODAY)
    with pytest.raises(PluginError, match="worth 8 points; the limit is 6"):
        order({item("肥皂"): 1, item("食用油"): 1}, household="V02-0001")
    placed = order({item("食用油"): 1}, household="V02-0001")
    assert placed.household.village.code == "V02" and wallet_balance(placed.household) == 5


def test_price_changes_keep_placed_orders_and_restocking_adds(shop_a):
    admin = f.person()
    placed = order({item("肥皂"): 1})
    set_price(item("肥皂"), 4, by=admin)
    assert placed.lines.get().price_points == 3
    assert restock(item("肥皂"), 10, by=admin).stock == 14
    with pytest.raises(PluginError, match="positive quantity"):
        restock(item("肥皂"), 0, by=admin)
    with pytest.raises(PluginError, match="positive number of points"):
        set_price(item("肥皂"), 0, by=admin)
    assert [i.name for i in catalogue(shop_a)] == ["肥皂", "食用油"]


def test_catalogue_checks(shop_a):
    admin = f.person()
    with pytest.raises(PluginError, match="already offers 肥皂"):
        add_item(shop_a, name="肥皂", price_points=1, stock=1, by=admin)
    with pytest.raises(PluginError, match="already has a shop named"):
        open_shop(village=shop_a.village, name="太湖村积分超市", by=admin)
    bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
    with pytest.raises(PluginError, match="not an active alliance shop"):
        open_shop(village=shop_a.village, name="银行兑换点", by=admin, member=bank)
    store = add_member(code="S1", name="联华超市", kind="shop", by=Actor.cli())
    run = open_shop(village=shop_a.village, name="联华兑换点", by=admin, member=store)
    assert run.member == store


def test_roles_are_checked_per_village(shop_a):
    nobody = f.person("nobody", role=None)
    with pytest.raises(NotAllowed, match="may not place exchange orders"):
        order({item("肥皂"): 1}, by=nobody)
    grid_worker = f.person("grid", role="grid_worker")
    with pytest.raises(NotAllowed, match="may not keep the shop's catalogue"):
        restock(item("肥皂"), 1, by=grid_worker)
    with pytest.raises(NotAllowed, match="may not open points shops"):
        open_shop(village=shop_a.village, name="新店", by=grid_worker)
    assert order({item("肥皂"): 1}, by=grid_worker).placed_by_label == "grid@test.local"
    assert not WalletSpend.objects.exclude(spent_by_label="grid@test.local").exists()


def test_hand_over_happens_once(shop_a):
    placed = order({item("肥皂"): 1})
    clerk = f.person("clerk")
    done = hand_over(placed, by=clerk)
    assert done.status == "handed_over" and done.handed_over_by_label == "clerk@test.local"
    with pytest.raises(PluginError, match="already handed over by clerk@test.local"):
        hand_over(placed, by=clerk)


# --- monthly statement ------------------------------------------------------------


def test_monthly_statement_per_shop(shop_a):
    f.approved("V01-0002", "VO-03", TODAY)
    order({item("肥皂"): 2}, reference="A1")
    order({item("肥皂"): 1, item("食用油"): 1}, reference="A2", household="V01-0002")
    last_month = order({item("食用油"): 1}, reference="A3")
    earlier = timezone.now().replace(day=1) - dt.timedelta(days=3)
    Order.objects.filter(pk=last_month.pk).update(placed_at=earlier)
    statement = monthly_statement(shop_a, TODAY)
    assert statement.month == TODAY.replace(day=1)
    assert (statement.orders, statement.households, statement.points_taken) == (2, 2, 14)
    assert [(i.item.name, i.quantity_out, i.points, i.stock_left) for i in statement.items] == [
        ("肥皂", 3, 9, 2),
        ("食用油", 1, 5, 0),
    ]
    assert statement.quantity_out == 4
    before = monthly_statement(shop_a, timezone.localdate(earlier))
    assert (before.orders, before.points_taken) == (1, 5)
    empty = monthly_statement(shop_a, D(2020, 1, 1))
    assert (empty.orders, empty.points_taken, empty.quantity_out) == (0, 0, 0)


# --- hooks ----------------------------------------------------------------------


def test_points_exchange_is_a_benefit_answered_by_the_wallet(shop_a, township_a):
    assert ("points_shop", "points_exchange") in [
        (key, b.code) for key, b in benefit_types(township_a)
    ]
    clerk = f.person()
    rich = check_eligibility(f.household("V01-0001"), "points_exchange", by=clerk)
    poor = check_eligibility(f.household("V01-0002"), "points_exchange", by=clerk)
    assert rich.eligible and rich.answered_by == "points_shop" and "12 wallet points" in rich.reason
    assert not poor.eligible and "no wallet points" in poor.reason


def test_contract():
    import plugins.points_shop.plugin
    from township_integrity.testing import contract_problems

    assert (
        contract_problems(
            plugins.points_shop.plugin,
            settings={"other_villages": True, "max_points_per_order": 50},
        )
        == []
    )
    assert contract_problems(plugins.points_shop.plugin, settings={"max_points_per_order": 0})


# --- isolation --------------------------------------------------------------------


def test_a_township_without_the_plugin_is_refused_and_sees_nothing(
    shop_a, township_a, township_b, in_township
):
    order({item("肥皂"): 1})
    with in_township(township_b):
        f.village()
        village = Village.objects.get(code="V01")
        household = f.household("V01-0001")
        admin = f.person()
        with pytest.raises(PluginError, match="not enabled in 乙镇"):
            open_shop(village=village, name="乙镇超市", by=admin)
        # Rows made behind the services' back still cannot be ordered from or read.
        shop = Shop.objects.create(village=village, name="直写")
        soap = Item.objects.create(shop=shop, name="肥皂", price_points=1, stock=1)
        for call in (
            lambda: add_item(shop, name="x", price_points=1, stock=1, by=admin),
            lambda: restock(soap, 1, by=admin),
            lambda: set_price(soap, 2, by=admin),
            lambda: place_order(household, shop, {soap: 1}, reference="B1", by=admin),
            lambda: catalogue(shop),
            lambda: orders_of(household),
            lambda: monthly_statement(shop, TODAY),
        ):
            with pytest.raises(PluginError, match="not enabled"):
                call()
        assert "points_exchange" not in [b.code for _, b in benefit_types(township_b)]
        check = check_eligibility(household, "points_exchange", by=admin)
        assert not check.eligible and "no enabled module offers" in check.reason
        assert not Order.objects.exists() and not WalletSpend.objects.exists()


def test_shops_and_orders_of_one_township_are_invisible_in_another(
    shop_a, township_a, township_b, in_township
):
    order({item("肥皂"): 1}, reference="SAME-REF")
    enable_plugin(township_b, "points_shop")
    with in_township(township_b):
        assert not Shop.objects.exists() and not Item.objects.exists()
        assert not Order.objects.exists() and not WalletSpend.objects.exists()
        f.village()
        f.approved("V01-0001", "VO-01", TODAY)
        admin = f.person()
        shop = open_shop(village=Village.objects.get(code="V01"), name="乙镇超市", by=admin)
        soap = add_item(shop, name="肥皂", price_points=2, stock=1, by=admin)
        mine = place_order(f.household("V01-0001"), shop, {soap: 1}, reference="SAME-REF", by=admin)
        assert mine.total_points == 2 and Order.objects.count() == 1
    with in_township(township_a):
        assert Order.objects.get().total_points == 3
        assert list(Shop.objects.values_list("name", flat=True)) == ["太湖村积分超市"]


# --- concurrency (real committed transactions, one connection per thread) ----------
#
# A test's own connection runs inside a transaction that is rolled back, which other
# connections cannot see. So these tests use a township onboarded and committed for
# real, write their data through threads (each with its own, autocommitting
# connection), and remove the township completely afterwards. ``transaction=True``
# is not used: its flush would empty the public schema the other tests share.

CONCURRENT_CODE = "330502977"
CLERK = Actor(label="shop clerk")  # no user: nothing is left in the public schema


@pytest.fixture(scope="module")
def committed_township(django_db_setup, django_db_blocker):
    """A township onboarded and committed for real, then removed with everything it made."""
    from django.conf import settings

    from platform_core.townships.services import onboard_township
    from tenants.models import County, Township

    assert settings.DATABASES["default"]["NAME"].startswith("test_"), "not a test database"
    with django_db_blocker.unblock():
        _remove_township(CONCURRENT_CODE)  # leftovers of an interrupted --reuse-db run
        counties = set(County.objects.values_list("code", flat=True))
    try:
        with django_db_blocker.unblock():
            result = onboard_township(
                code=CONCURRENT_CODE,
                name="并发镇",
                slug="bingfa",
                plugins=["points_shop"],
                by=Actor.cli(),
            )
            township = Township.objects.get(pk=result.township.pk)
            with tenant_context(township):
                f.village(size=6)
        yield township
    finally:
        with django_db_blocker.unblock():
            _remove_township(CONCURRENT_CODE)
            County.objects.exclude(code__in=counties).delete()
            _assert_nothing_left(CONCURRENT_CODE, counties)


def _remove_township(code: str) -> None:
    from platform_core.accounts.models import Membership
    from platform_core.townships.services import schema_name_for
    from tenants.models import Domain, PluginActivation, Township

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name_for(code)}" CASCADE')
    Membership.objects.filter(township__code=code).delete()
    PluginActivation.objects.filter(township__code=code).delete()
    Domain.objects.filter(tenant__code=code).delete()
    Township.objects.filter(code=code).delete()


def _assert_nothing_left(code: str, counties: set[str]) -> None:
    from platform_core.accounts.models import Membership
    from platform_core.townships.services import schema_name_for
    from tenants.models import County, Domain, PluginActivation, Township

    assert not schema_exists(schema_name_for(code))
    assert not Township.objects.filter(code=code).exists()
    assert not Domain.objects.filter(domain__startswith="bingfa.").exists()
    assert not PluginActivation.objects.filter(township__code=code).exists()
    assert not Membership.objects.filter(township__code=code).exists()
    assert set(County.objects.values_list("code", flat=True)) == counties


def _race(township, calls) -> list:
    """Run each call in its own thread and connection, all released at once; return each
    call's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    language = translation.get_language()  # threads do not inherit the test's language

    def run(n, call):
        try:
            with translation.override(language), tenant_context(township):
                barrier.wait(timeout=30)
                results[n] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def _committed(township, call):
    """Run ``call`` on a connection of its own, committed when it returns."""
    (result,) = _race(township, [call])
    if isinstance(result, Exception):
        raise result
    return result


def _earn(household_code: str, points: int) -> None:
    """Approved wallet points, recorded without users (they would outlive the test)."""
    from platform_core.scoring.models import Rule

    record_entry(
        household=f.household(household_code),
        rule=Rule.objects.get(code="VO-01"),
        occurred_on=TODAY,
        recorder=Actor(label="setup"),
        source="staff",
        evidence="concurrency test",
        points=points,
        review=False,
    )


def _shop(name: str, items: dict[str, tuple[int, int]]) -> tuple[Shop, list[Item]]:
    """A V01 shop with items name -> (price, stock)."""
    shop = open_shop(village=Village.objects.get(code="V01"), name=name, by=CLERK)
    made = [
        add_item(shop, name=item, price_points=price, stock=stock, by=CLERK)
        for item, (price, stock) in items.items()
    ]
    return shop, made


@pytest.mark.django_db
def test_concurrent_exchange_orders_against_one_wallet(committed_township):
    """Eight orders for different items race for one wallet that pays for three of them."""

    def setup():
        _earn("V01-0001", 10)
        return _shop("钱包店", {f"商品{n}": (3, 5) for n in range(8)})

    shop, items = _committed(committed_township, setup)
    with tenant_context(committed_township):
        household = f.household("V01-0001")
        card = score_card(household)
        results = _race(
            committed_township,
            [
                (lambda it=it: place_order(household, shop, {it: 1}, reference=it.name, by=CLERK))
                for it in items
            ],
        )
        placed = [r for r in results if isinstance(r, Order)]
        refused = [r for r in results if not isinstance(r, Order)]
        assert len(placed) == 3 and len(refused) == 5
        assert all(isinstance(r, PluginError) and "wallet is short" in str(r) for r in refused)
        assert wallet_balance(household) == 1
        assert Wallet.objects.get(household=household).spent == 9
        assert Order.objects.filter(shop=shop).count() == 3
        sold = {o.lines.get().item_id for o in placed}
        assert dict(Item.objects.filter(shop=shop).values_list("pk", "stock")) == {
            i.pk: 4 if i.pk in sold else 5 for i in items
        }
        assert score_card(household) == card


@pytest.mark.django_db
def test_concurrent_orders_for_the_last_stock(committed_township):
    """Five households race for two bags of rice: two get one, nobody pays for nothing."""
    codes = [f"V01-000{n}" for n in range(2, 7)]

    def setup():
        for code in codes:
            _earn(code, 20)
        return _shop("库存店", {"大米": (7, 2)})

    shop, (rice,) = _committed(committed_township, setup)
    with tenant_context(committed_township):
        results = _race(
            committed_township,
            [
                (
                    lambda code=code: place_order(
                        f.household(code), shop, {rice: 1}, reference=f"S-{code}", by=CLERK
                    )
                )
                for code in codes
            ],
        )
        placed = [r for r in results if isinstance(r, Order)]
        refused = [r for r in results if not isinstance(r, Order)]
        assert len(placed) == 2 and len(refused) == 3
        assert all(isinstance(r, PluginError) and "not enough stock" in str(r) for r in refused)
        rice.refresh_from_db()
        assert rice.stock == 0
        balances = sorted(wallet_balance(f.household(code)) for code in codes)
        assert balances == [13, 13, 20, 20, 20]
        assert monthly_statement(shop, TODAY).points_taken == 14


@pytest.mark.django_db
def test_concurrent_retries_of_one_order_make_one_order(committed_township):
    """A shop's order sent four times at once is placed and paid once."""

    def setup():
        _earn("V01-0001", 6)
        return _shop("重试店", {"食用油": (5, 10)})

    shop, (oil,) = _committed(committed_township, setup)
    with tenant_context(committed_township):
        household = f.household("V01-0001")
        before = wallet_balance(household)
        call = lambda: place_order(household, shop, {oil: 1}, reference="RETRY-1", by=CLERK)  # noqa: E731
        results = _race(committed_township, [call] * 4)
        assert all(isinstance(r, Order) for r in results), results
        assert len({r.pk for r in results}) == 1
        assert wallet_balance(household) == before - 5
        oil.refresh_from_db()
        assert oil.stock == 9
        assert WalletSpend.objects.filter(reference="points_shop:RETRY-1").count() == 1
