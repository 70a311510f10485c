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
DEMO_ALLIANCE = [("B1", "农商银行洪桥支行", "bank"), ("S1", "联华超市", "shop")]
