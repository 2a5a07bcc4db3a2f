"""高新技术企业 (high-tech enterprise): the eight conditions of 办法 国科发火〔2016〕32号
第十一条, with 第十一条(五) checked as two, and the 100-point innovation score of 指引
国科发火〔2016〕195号, for application year Y over fiscal years Y−3…Y−1.

The rules run on whole columns (batch); ``explain`` reads the same arrays for one entity.
Unknown facts make a condition undecidable, never passed; the score is a [low, high]
range of integers where experts still have to judge (reading R9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kechuang.engine.assess._arith import (
    GROWTH_HIGH,
    GROWTH_LOW,
    at_least,
    day_number,
    earliest_start,
    growth_grades,
)
from kechuang.engine.assess._check import Check, all_of
from kechuang.engine.assess.options import AssessOptions
from kechuang.engine.assess.panel import LATEST, Panel

__all__ = ["CONDITIONS", "HteResult", "assess_hte"]

# The output's nine conditions, in the order of 第十一条 (五 split in two)
CONDITIONS = ("registered_one_year", "owns_core_ip", "in_supported_field", "tech_staff_ratio",
              "rd_intensity", "rd_domestic_share", "high_tech_income_share", "innovation_score",
              "no_major_incident")
# The eight data conditions the benchmark counts as hte_all_conditions (all but the score)
DATA_CONDITIONS = tuple(c for c in CONDITIONS if c != "innovation_score")

YUAN = 100  # fen per yuan
# 第十一条(五): bands of latest-year sales; 5,000万 and 2亿 belong to the lower band ("（含）")
RD_BAND_EDGES_FEN = (50_000_000 * YUAN, 200_000_000 * YUAN)
RD_BAND_PERCENTS = (5, 4, 3)     # 第十一条(五) 1./2./3.: 不低于5% / 4% / 3%
RD_DOMESTIC_PERCENT = 60         # 第十一条(五): 境内研发费用 不低于60%
TECH_STAFF_PERCENT = 10          # 第十一条(四): 科技人员 不低于10%
HIGH_TECH_INCOME_PERCENT = 60    # 第十一条(六): 高新技术产品（服务）收入 不低于60%
SCORE_PASS_ABOVE = 70            # 指引: 综合得分达到70分以上（不含70分）

# 指引 知识产权 (≤ 30): points [low, high] per grade A..E of items 1 and 2 (each ≤ 8)
ITEM_LOW = np.array([7, 5, 3, 1, 0])
ITEM_HIGH = np.array([8, 6, 4, 2, 0])
# the same with "not judged" (grade −1) in front: the whole range of the item
ITEM_LOW_OR_ANY = np.array([0, *ITEM_LOW])
ITEM_HIGH_OR_ANY = np.array([ITEM_HIGH[0], *ITEM_HIGH])
IP_MAX = 30                      # 指引: 加分后"知识产权"总分不超过30分
ACQUISITION = {0: (1, 6), 1: (1, 3)}   # 指引 item 4: A 有自主研发 1–6; B 仅有受让等 1–3
STANDARDS = {0: (1, 2), 1: (0, 0)}     # 指引 item 5 (加分项): A 是 1–2; B 否 0
# 指引 科技成果转化能力 (≤ 30): annual average ≥ 5/4/3/2/1 → A..E, F none
CONVERSION_EDGES = (5, 4, 3, 2, 1)
CONVERSION_LOW = np.array([25, 19, 13, 7, 1, 0])
CONVERSION_HIGH = np.array([30, 24, 18, 12, 6, 0])
# 指引 研究开发组织管理水平 (≤ 20): four items, points entered by experts
MANAGEMENT_ITEMS = (("mgmt_rd_system", 6), ("mgmt_rd_institution", 6),
                    ("mgmt_conversion_system", 4), ("mgmt_talent_system", 4))


@dataclass
class HteResult:
    """Batch results of the high-tech assessment, one value per entity in each array."""

    conditions: dict[str, Check]
    eligible: Check
    days_registered: np.ndarray
    rd3: np.ndarray
    sales3: np.ndarray
    dom3: np.ndarray
    rd_percent: np.ndarray          # 5, 4 or 3 by the latest year's sales band
    income_base: np.ndarray         # total income − non-taxable income, latest year
    ip_quantity_grade: np.ndarray   # 0..4 = A..E from the Ⅰ/Ⅱ-class counts
    ip_low: np.ndarray
    ip_high: np.ndarray
    conversion_sum: np.ndarray
    conversion_years: np.ndarray
    conversion_grade: np.ndarray    # 0..5 = A..F
    conversion_known: np.ndarray
    management_low: np.ndarray
    management_high: np.ndarray
    growth_grade_net_assets: np.ndarray
    growth_grade_sales: np.ndarray
    growth_known_net_assets: np.ndarray
    growth_known_sales: np.ndarray
    growth_low: np.ndarray
    growth_high: np.ndarray
    growth_exact: np.ndarray
    score_low: np.ndarray
    score_high: np.ndarray
    valid_certificate: np.ndarray   # certificate valid on the application date (R16)

    @property
    def data_conditions(self) -> np.ndarray:
        """All eight data conditions known to pass (the benchmark's hte_all_conditions)."""
        return np.logical_and.reduce([self.conditions[c].true for c in DATA_CONDITIONS])


def _yearly(p: Panel, key: str) -> tuple[np.ndarray, np.ndarray]:
    return p.yearly[key], p.yearly_known[key]


def _three(key: str) -> tuple[tuple[str, int], ...]:
    return ((key, 0), (key, 1), (key, 2))


def valid_certificate(p: Panel, years: int) -> np.ndarray:
    """A certificate issued on or before the date and within ``years`` of it (办法 第九条,
    counted per 民法典 第二百零一条/第二百零二条, reading R16)."""
    cert, has = p.entity["hte_certified_on"], p.entity_known["hte_certified_on"]
    return has & (cert <= p.on_day) & (cert >= day_number(earliest_start(p.on, years)))


def assess_hte(p: Panel, o: AssessOptions) -> HteResult:
    """The nine conditions, the innovation score and eligibility, for every entity."""
    L = LATEST
    c: dict[str, Check] = {}

    # (一) 注册成立一年以上 — 指引: 365个日历天数以上 (reading R2)
    reg, reg_known = p.entity["registered_on"], p.entity_known["registered_on"]
    days = np.where(reg_known, p.on_day - reg, 0)
    c["registered_one_year"] = Check(days >= o.registration_min_days, reg_known,
                                     (("registered_on", None),))

    # (二) 核心知识产权 — data check only: a valid Ⅰ/Ⅱ-class IP at year end (reading R12)
    ip1, ip1_k = p.yearly["ip_class1"][L], p.yearly_known["ip_class1"][L]
    ip2, ip2_k = p.yearly["ip_class2"][L], p.yearly_known["ip_class2"][L]
    c["owns_core_ip"] = Check(ip1 + ip2 > 0, ip1_k & ip2_k, (("ip_class1", L), ("ip_class2", L)))

    # (三) 技术领域 — one of the eight 国家重点支持的高新技术领域 (blank = none)
    field = p.entity["tech_field"]
    c["in_supported_field"] = Check(field >= 0, np.ones(p.n, bool), (("tech_field", None),))

    # (四) 科技人员占当年职工总数 ≥ 10 %, annual averages compared in hundredths
    emp, emp_k = p.yearly["employees"][L], p.yearly_known["employees"][L]
    tech, tech_k = p.yearly["tech_staff"][L], p.yearly_known["tech_staff"][L]
    c["tech_staff_ratio"] = Check(at_least(tech, emp, TECH_STAFF_PERCENT), emp_k & tech_k,
                                  (("tech_staff", L), ("employees", L)))

    # (五) 近三个会计年度研发费用总额 ÷ 同期销售收入总额 (ratio of sums), band by the latest year
    rd, rd_k = _yearly(p, "rd_expense")
    sales, sales_k = _yearly(p, "sales_revenue")
    dom, dom_k = _yearly(p, "rd_expense_domestic")
    rd3, sales3, dom3 = rd.sum(axis=0), sales.sum(axis=0), dom.sum(axis=0)
    latest_sales = sales[L]
    pct = np.where(latest_sales <= RD_BAND_EDGES_FEN[0], RD_BAND_PERCENTS[0],
                   np.where(latest_sales <= RD_BAND_EDGES_FEN[1], RD_BAND_PERCENTS[1], RD_BAND_PERCENTS[2]))
    rd_known, sales_known = rd_k.all(axis=0), sales_k.all(axis=0)
    c["rd_intensity"] = Check(at_least(rd3, sales3, pct), rd_known & sales_known,
                              _three("rd_expense") + _three("sales_revenue"))
    # (五) 其中境内研发费用 ÷ 全部研发费用 ≥ 60 %
    c["rd_domestic_share"] = Check(at_least(dom3, rd3, RD_DOMESTIC_PERCENT), rd_known & dom_k.all(axis=0),
                                   _three("rd_expense_domestic") + _three("rd_expense"))

    # (六) 近一年高新技术产品（服务）收入 ÷ 同期总收入 (收入总额 − 不征税收入, reading R11) ≥ 60 %
    hti, hti_k = p.yearly["high_tech_income"][L], p.yearly_known["high_tech_income"][L]
    ti, ti_k = p.yearly["total_income"][L], p.yearly_known["total_income"][L]
    base = ti - p.yearly["non_taxable_income"][L]
    c["high_tech_income_share"] = Check(at_least(hti, base, HIGH_TECH_INCOME_PERCENT), hti_k & ti_k,
                                        (("high_tech_income", L), ("total_income", L)))

    # (八) 申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为 (reading R13)
    incident, incident_k = p.yearly["major_incident"][L], p.yearly_known["major_incident"][L]
    now = p.incident_now if o.incident_in_application_year else np.zeros(p.n, bool)
    c["no_major_incident"] = Check(~incident & ~now, incident_k | now, (("major_incident", L),))

    # (七) 创新能力评价 (指引): four parts as [low, high] ranges
    ip_low, ip_high, qty_grade = _ip_points(p, ip1, ip2, ip1_k & ip2_k)
    conv_sum, conv_years, conv_grade, conv_known = _conversions(p, o)
    conv_low = np.where(conv_known, CONVERSION_LOW[conv_grade], 0)
    conv_high = np.where(conv_known, CONVERSION_HIGH[conv_grade], CONVERSION_HIGH[0])
    mgmt_low = np.zeros(p.n, np.int64)
    mgmt_high = np.zeros(p.n, np.int64)
    for key, top in MANAGEMENT_ITEMS:
        points, known = p.entity[key], p.entity_known[key]
        mgmt_low += np.where(known, points, 0)
        mgmt_high += np.where(known, points, top)
    na, na_k = _yearly(p, "net_assets")
    g_na, g_na_k, exact_na = growth_grades(na, na_k, zero_grade=o.growth_zero_grade,
                                           nonpositive_as_zero=o.growth_nonpositive_as_zero)
    g_s, g_s_k, exact_s = growth_grades(sales, sales_k, zero_grade=o.growth_zero_grade,
                                        nonpositive_as_zero=o.growth_nonpositive_as_zero)
    growth_low = np.where(g_na_k, GROWTH_LOW[g_na], 0) + np.where(g_s_k, GROWTH_LOW[g_s], 0)
    growth_high = (np.where(g_na_k, GROWTH_HIGH[g_na], GROWTH_HIGH[0])
                   + np.where(g_s_k, GROWTH_HIGH[g_s], GROWTH_HIGH[0]))
    low = ip_low + conv_low + mgmt_low + growth_low
    high = ip_high + conv_high + mgmt_high + growth_high
    score_inputs = (("ip_advancement_grade", None), ("ip_core_support_grade", None),
                    ("ip_acquisition", None), ("standards_grade", None), ("ip_class1", L),
                    ("ip_class2", L), *_three("conversions"),
                    *((k, None) for k, _ in MANAGEMENT_ITEMS), *_three("net_assets"),
                    *_three("sales_revenue"))
    c["innovation_score"] = Check(low > SCORE_PASS_ABOVE,
                                  (low > SCORE_PASS_ABOVE) | (high <= SCORE_PASS_ABOVE), score_inputs)

    c = {name: c[name] for name in CONDITIONS}
    return HteResult(
        conditions=c, eligible=all_of(*c.values()), days_registered=days, rd3=rd3, sales3=sales3,
        dom3=dom3, rd_percent=pct, income_base=base, ip_quantity_grade=qty_grade, ip_low=ip_low,
        ip_high=ip_high, conversion_sum=conv_sum, conversion_years=conv_years,
        conversion_grade=conv_grade, conversion_known=conv_known, management_low=mgmt_low,
        management_high=mgmt_high, growth_grade_net_assets=g_na, growth_grade_sales=g_s,
        growth_known_net_assets=g_na_k, growth_known_sales=g_s_k, growth_low=growth_low,
        growth_high=growth_high, growth_exact=exact_na | exact_s, score_low=low, score_high=high,
        valid_certificate=valid_certificate(p, o.hte_certificate_years))


def _ip_points(p: Panel, ip1: np.ndarray, ip2: np.ndarray,
               counts_known: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """指引 知识产权 (≤ 30): items 1, 2, 4, 5 from the experts' grades (a range when not
    judged), item 3 from the counts; the total capped at 30."""
    low = np.zeros(p.n, np.int64)
    high = np.zeros(p.n, np.int64)
    for key in ("ip_advancement_grade", "ip_core_support_grade"):     # items 1 and 2, ≤ 8 each
        grade = p.entity[key] + 1                                      # 0 = not judged
        low += ITEM_LOW_OR_ANY[grade]
        high += ITEM_HIGH_OR_ANY[grade]
    # item 3 知识产权数量: A ≥ 1 Ⅰ类 7–8; B ≥ 5 Ⅱ类 5–6; C 3–4 Ⅱ类 3–4; D 1–2 Ⅱ类 1–2; E 0
    qty = np.where(ip1 >= 1, 0, np.where(ip2 >= 5, 1, np.where(ip2 >= 3, 2, np.where(ip2 >= 1, 3, 4))))
    low += np.where(counts_known, ITEM_LOW[qty], 0)
    high += np.where(counts_known, ITEM_HIGH[qty], ITEM_HIGH[0])
    # item 4 获得方式 (≤ 6): scores only when the entity has IP (reading R24)
    acq = p.entity["ip_acquisition"]
    has_ip = counts_known & (ip1 + ip2 > 0)
    no_ip = counts_known & (ip1 + ip2 == 0)
    acq_low = np.where(acq == 1, ACQUISITION[1][0], ACQUISITION[0][0])
    acq_high = np.where(acq == 1, ACQUISITION[1][1], ACQUISITION[0][1])
    low += np.where(has_ip, acq_low, 0)
    high += np.where(no_ip, 0, np.where(acq >= 0, acq_high, ACQUISITION[0][1]))
    # item 5 加分项 参与编制标准 (≤ 2)
    std = p.entity["standards_grade"]
    low += np.where(std == 0, STANDARDS[0][0], 0)
    high += np.where(std == 1, STANDARDS[1][1], STANDARDS[0][1])
    return np.minimum(low, IP_MAX), np.minimum(high, IP_MAX), qty


def _conversions(p: Panel, o: AssessOptions) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """指引 科技成果转化能力: the grade of the annual average over the three years (reading
    R20 for the divisor, R21 for an average below 1)."""
    conv, conv_k = _yearly(p, "conversions")
    total = conv.sum(axis=0)
    if o.conversion_years == "three":
        years = np.full(p.n, 3, np.int64)
    else:
        years = np.maximum(p.exists.sum(axis=0), 1).astype(np.int64)
    grade = np.full(p.n, 5, np.int64)
    for g, edge in reversed(list(enumerate(CONVERSION_EDGES))):
        grade = np.where(total >= edge * years, g, grade)     # average ≥ edge, exactly
    if o.conversion_fraction_grade == "E":
        grade = np.where((grade == 5) & (total > 0), 4, grade)
    return total, years, grade, conv_k.all(axis=0)
