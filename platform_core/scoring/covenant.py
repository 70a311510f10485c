"""The default village covenant every new township starts from (built from the seed).

Positive rules cover garbage sorting, customs reform, public safety and volunteering;
deductions are the seven prohibitions (诚信亮灯七不准). The seed names four of them
(unreasonable petitions, malicious complaints, rumours, inciting trouble); the other
three are common covenant lines a township can edit or deactivate. Migration
``scoring.0003`` writes these rows into the template schema, so every township cloned
from it has them; changing this list later needs a new data migration.
"""

from __future__ import annotations

# code, title_zh, title_en, category, points, needs_review
DEFAULT_COVENANT: list[tuple[str, str, str, str, int, bool]] = [
    (
        "GS-01",
        "垃圾分类检查合格",
        "Garbage sorted correctly at inspection",
        "garbage_sorting",
        2,
        True,
    ),
    (
        "GS-02",
        "垃圾分类月度示范户",
        "Garbage-sorting model household of the month",
        "garbage_sorting",
        5,
        True,
    ),
    (
        "GS-03",
        "垃圾分类检查不合格",
        "Garbage not sorted at inspection",
        "garbage_sorting",
        -2,
        True,
    ),
    ("CR-01", "婚事新办、丧事简办", "Simple wedding or funeral", "customs_reform", 5, True),
    (
        "CR-02",
        "不搞人情攀比、不大操大办",
        "No lavish gift-giving or banquets",
        "customs_reform",
        3,
        True,
    ),
    ("CR-03", "破除封建迷信", "Gave up superstitious practices", "customs_reform", 3, True),
    ("CR-04", "大操大办、铺张浪费", "Lavish banquet or waste", "customs_reform", -5, True),
    ("PS-01", "参加平安巡防", "Took part in a public-safety patrol", "public_safety", 2, True),
    ("PS-02", "调解邻里纠纷", "Helped settle a neighbours' dispute", "public_safety", 3, True),
    (
        "PS-03",
        "举报安全隐患、协助破案",
        "Reported a hazard or helped solve a case",
        "public_safety",
        5,
        True,
    ),
    ("VO-01", "参加志愿服务活动", "Volunteer service (per activity)", "volunteering", 2, True),
    ("VO-02", "扶贫帮困、结对帮扶", "Helped a household in difficulty", "volunteering", 3, True),
    (
        "VO-03",
        "获评“最美”系列荣誉",
        "Named in a 'most beautiful' selection",
        "volunteering",
        10,
        True,
    ),
    (
        "P7-01",
        "无理信访（含越级上访、缠访）",
        "Unreasonable petition (incl. skip-level or repeated)",
        "prohibition",
        -10,
        True,
    ),
    ("P7-02", "恶意投诉", "Malicious complaint", "prohibition", -5, True),
    ("P7-03", "散播谣言", "Spreading rumours", "prohibition", -5, True),
    ("P7-04", "煽动闹事", "Inciting trouble", "prohibition", -10, True),
    ("P7-05", "违章搭建", "Illegal construction", "prohibition", -10, True),
    (
        "P7-06",
        "乱倒垃圾、破坏环境",
        "Dumping waste or damaging the environment",
        "prohibition",
        -5,
        True,
    ),
    (
        "P7-07",
        "违法犯罪行为（经公安机关认定）",
        "Offence confirmed by the police",
        "prohibition",
        -20,
        True,
    ),
]

# The legal basis of each default deduction (docs/scoring.md, "Due process"): the
# covenant clause itself, and for the prohibitions the law the clause rests on.
# Migration ``scoring.0006`` writes it on deduction rules that have none; every
# deduction rule must name one (platform_core.scoring.services.save_rule).
COVENANT_CLAUSE = "《村规民约》第{code}条"
DEFAULT_BASIS: dict[str, str] = {
    "GS-03": "《村规民约》GS-03条；《中华人民共和国固体废物污染环境防治法》第四十九条",
    "CR-04": "《村规民约》CR-04条",
    "P7-01": "《村规民约》P7-01条；《信访工作条例》第二十六条、第四十七条（须有权机关书面认定）",
    "P7-02": "《村规民约》P7-02条；《信访工作条例》第二十六条（须有权机关书面认定）",
    "P7-03": "《村规民约》P7-03条；《中华人民共和国治安管理处罚法》第二十五条",
    "P7-04": "《村规民约》P7-04条；《中华人民共和国治安管理处罚法》第二十三条",
    "P7-05": "《村规民约》P7-05条；《中华人民共和国城乡规划法》第六十五条",
    "P7-06": "《村规民约》P7-06条；《中华人民共和国固体废物污染环境防治法》第四十九条",
    "P7-07": "《村规民约》P7-07条；公安机关的处罚决定书或法院判决书",
}
#: The basis of listing households to improve (red) on the public honour boards,
#: shown on the board with the list (docs/scoring.md, "Legal basis").
RED_LIST_BASIS = (
    "《村规民约》诚信积分管理：红码“待提升户”按季公示；公示不超过本镇规定的月数，"
    "信用修复后提前终止（《失信行为纠正后的信用信息修复管理办法（试行）》）"
)
#: Deductions recorded only on a formal finding (an unreasonable petition).
NEEDS_FINDING = ("P7-01", "P7-02")

# The merchants' and firms' covenant (诚信商户、诚信企业; docs/subjects.md): rules that
# apply to merchants and firms only (``Rule.applies_to``). Migration ``scoring.0011``
# writes them, with their basis, into every township and the template schema.
# code, title_zh, title_en, points, basis (every deduction, and every line here, names one)
DEFAULT_ENTERPRISE_COVENANT: list[tuple[str, str, str, int, str]] = [
    (
        "EB-01",
        "守法经营、诚信经营",
        "Lawful and honest business (per quarter without a finding)",
        5,
        "《商户诚信公约》EB-01条；《中华人民共和国民法典》第七条（诚信原则）",
    ),
    (
        "EB-02",
        "明码标价",
        "Prices clearly marked",
        2,
        "《商户诚信公约》EB-02条；《明码标价和禁止价格欺诈规定》",
    ),
    (
        "EB-03",
        "按时足额发放工资",
        "Wages paid in full and on time",
        3,
        "《商户诚信公约》EB-03条；《保障农民工工资支付条例》",
    ),
    (
        "EB-04",
        "参与公益、回馈乡里",
        "Took part in public-interest work",
        3,
        "《商户诚信公约》EB-04条",
    ),
    (
        "EB-11",
        "食品安全违规（经市场监管部门认定）",
        "Food-safety violation (found by market regulation)",
        -20,
        "《商户诚信公约》EB-11条；《中华人民共和国食品安全法》第一百二十二条至第一百三十条",
    ),
    (
        "EB-12",
        "虚假宣传",
        "False advertising",
        -10,
        "《商户诚信公约》EB-12条；《中华人民共和国反不正当竞争法》第八条",
    ),
    (
        "EB-13",
        "拖欠工资",
        "Wages withheld or in arrears",
        -15,
        "《商户诚信公约》EB-13条；《保障农民工工资支付条例》第十五条",
    ),
    (
        "EB-14",
        "偷税漏税（经税务机关认定）",
        "Tax evasion (found by the tax authority)",
        -20,
        "《商户诚信公约》EB-14条；《中华人民共和国税收征收管理法》第六十三条",
    ),
]
