"""What the demo contains (plain data, importable without Django)."""

from __future__ import annotations

from dataclasses import dataclass

COUNTY_CODE = "330502"
COUNTY_NAME = "示范县"
COUNTY_ADMIN = ("county@demo.local", "demo-county")

SURNAMES = "俞王李张陈沈钱吴周徐朱杨孙胡金姚施费潘邱严蒋谢顾许何韩冯曹"
GIVEN = "国建华明伟芳英红平军强林杰娟敏玉兰春海荣新根福宝金水生德文"
VILLAGE_NAMES = [
    "太湖村",
    "洪桥村",
    "新塘村",
    "百步村",
    "陈湾村",
    "西山村",
    "东港村",
    "桥头村",
    "南庄村",
    "北漾村",
    "横山村",
    "杨家埠村",
    "白莲村",
    "石桥村",
    "长田村",
    "湖滨社区",
    "渔港村",
    "花园村",
]


@dataclass(frozen=True)
class DemoTownship:
    code: str
    name: str
    slug: str
    villages: int
    households_per_village: int
    admin: tuple[str, str]


DEMO_TOWNSHIPS = [
    DemoTownship(
        "330502103", "洪桥镇", "hongqiao", 18, 600, ("admin@hongqiao.demo", "demo-hongqiao")
    ),
    DemoTownship("330502104", "和平镇", "heping", 4, 300, ("admin@heping.demo", "demo-heping")),
]

# People with one role each in every demo township (API and pages by role); the
# e-mail is <kind>@<township slug>.demo. Columns: kind, role, village, household, institution.
DEMO_ROLE_PASSWORD = "demo-role"
DEMO_PEOPLE = [
    ("grid-v01", "grid_worker", "V01", "", ""),
    ("council", "council_member", "", "", ""),
    ("household", "household", "", "V01-0001", ""),
    ("bank", "alliance_member", "", "", "B1"),
    ("committee-v01", "village_committee", "V01", "", ""),
    ("party-v01", "party_member", "V01", "", ""),
]
DEMO_ALLIANCE = [
    ("B1", "农商银行洪桥支行", "bank"),
    ("S1", "联华超市", "shop"),
    ("C1", "镇卫生院", "clinic"),
    ("F1", "鸿信+联盟企业招聘中心", "firm"),
]

# The ten integrity dividends (《诚信红利十条》) published in every demo township, from the
# seed: number, title (zh, en), member, tiers, subject kinds, what it gives (zh, en), the
# benefit type of a built-in plugin (left empty where that plugin is not installed).
ALL_SUBJECTS = ("household", "merchant", "firm")
DEMO_DIVIDENDS = [
    (
        1,
        "鸿信贷",
        "Integrity loan",
        "B1",
        ("green",),
        ALL_SUBJECTS,
        "免担保、基准利率的诚信贷款（联盟授信总额 5 亿元）",
        "Collateral-free loans at the base rate (500 million yuan of credit)",
        "integrity_loan",
    ),
    (
        2,
        "鸿信卡",
        "Integrity card",
        "B1",
        ("green",),
        ("household",),
        "诚信示范户凭卡享受联盟单位的优惠",
        "Discounts at alliance members with the card",
        "integrity_card",
    ),
    (
        3,
        "联盟超市消费折扣",
        "Shop discount",
        "S1",
        ("green", "blue"),
        ("household",),
        "凭鸿信卡在联盟超市购物九五折",
        "5% off at the alliance shop with the card",
        "",
    ),
    (
        4,
        "免费体检",
        "Free check-up",
        "C1",
        ("green",),
        ("household",),
        "每户每年一次免费健康体检",
        "One free health check-up per household a year",
        "",
    ),
    (
        5,
        "就医绿色通道",
        "Clinic fast lane",
        "C1",
        ("green",),
        ("household",),
        "镇卫生院优先就诊、免挂号费",
        "Seen first at the clinic, no registration fee",
        "",
    ),
    (
        6,
        "应聘绿色通道",
        "Hiring fast lane",
        "F1",
        ("green",),
        ("household",),
        "联盟企业招聘时优先面试",
        "An interview first when alliance firms hire",
        "",
    ),
    (
        7,
        "积分兑换超市",
        "Points shop",
        "S1",
        ("green", "blue"),
        ("household",),
        "在村级积分兑换超市用诚信积分兑换商品",
        "Points exchanged for goods at the village shop",
        "points_exchange",
    ),
    (
        8,
        "诚信商户经营贷",
        "Merchant and firm loan",
        "B1",
        ("green",),
        ("merchant", "firm"),
        "诚信商户、诚信企业免担保、基准利率经营贷款",
        "Collateral-free business loans at the base rate",
        "integrity_loan",
    ),
    (
        9,
        "诚信商户推介",
        "Merchant promotion",
        "S1",
        ("green",),
        ("merchant",),
        "在联盟超市和镇公众号优先推介",
        "Promoted first in the alliance shop and the township's feed",
        "",
    ),
    (
        10,
        "诚信企业招聘服务",
        "Hiring help for firms",
        "F1",
        ("green",),
        ("firm",),
        "联盟招聘中心免费发布招聘信息",
        "Job offers posted free by the alliance's hiring centre",
        "",
    ),
]
