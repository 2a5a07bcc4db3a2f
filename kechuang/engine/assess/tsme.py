"""科技型中小企业 (tech-based SME): 评价办法 国科发政〔2017〕115号 第六条 (basic conditions),
its 附件 (the three scored indicators) and the direct-confirmation routes, with the 2022
指引 国科火字〔2022〕67号 where it changes the wording. All figures of the latest fiscal
year Y−1 (reading R14).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from kechuang.engine.assess._arith import banded_points
from kechuang.engine.assess._check import Check, all_of
from kechuang.engine.assess.hte import HteResult
from kechuang.engine.assess.options import AssessOptions
from kechuang.engine.assess.panel import INSTITUTION_LEVELS, LATEST, Panel

__all__ = ["NEGATIVE_LIST_PREFIXES", "TsmeResult", "assess_tsme"]

YUAN = 100
MAX_EMPLOYEES_HUNDREDTHS = 500 * 100       # 第六条(二): 职工总数不超过500人
MAX_SALES_FEN = 200_000_000 * YUAN         # 第六条(二): 年销售收入不超过2亿元
MAX_ASSETS_FEN = 200_000_000 * YUAN        # 第六条(二): 资产总额不超过2亿元
PASS_SCORE = 60                            # 第六条(五): 综合评价所得分值不低于60分
# 附件 科技人员指标 (≤ 20): share ≥ 30/25/20/15/10 % → 20/16/12/8/4, < 10 % → 0
STAFF_PERCENTS, STAFF_POINTS = (30, 25, 20, 15, 10), (20, 16, 12, 8, 4)
# 附件 研发投入指标 (≤ 50), the enterprise chooses one option (reading R14: the better one)
RD_SALES_PERCENTS = (6, 5, 4, 3, 2)        # (1) 研发费用总额 ÷ 销售收入总额
RD_COST_PERCENTS = (30, 25, 20, 15, 10)    # (2) 研发费用总额 ÷ 成本费用支出总额
RD_POINTS = (50, 40, 30, 20, 10)
# 附件 科技成果指标 (≤ 30): ≥ 1 Ⅰ类 → 30; Ⅱ类 ≥ 4/3/2/1 → 24/18/12/6; none → 0
IP_CLASS1_POINTS = 30
IP_CLASS2_POINTS = np.array([0, 6, 12, 18, 24])
# 直接确认 route 3: 经认定的省部级以上研发机构
PROVINCIAL_OR_ABOVE = (INSTITUTION_LEVELS.index("国家级"), INSTITUTION_LEVELS.index("自治区级"))
# 财税〔2015〕119号 第四条 (GB/T 4754-2017): 烟草制品业 C16, 住宿和餐饮业 H, 批发和零售业 F,
# 房地产业 K, 租赁和商务服务业 L, 娱乐业 R90 — used only with tsme_exclude_negative_list (R22)
NEGATIVE_LIST_PREFIXES = ("C16", "H", "F", "K", "L", "R90")


@dataclass
class TsmeResult:
    """Batch results of the tech-SME assessment, one value per entity in each array."""

    size_ok: Check
    no_incident: Check
    industry_ok: Check
    staff_score: np.ndarray
    rd_score_sales: np.ndarray
    rd_score_cost: np.ndarray
    rd_score: np.ndarray
    ip_score: np.ndarray
    score: np.ndarray
    score_known: np.ndarray
    score_pass: Check
    valid_certificate: np.ndarray
    provincial_institution: np.ndarray
    national_award: np.ndarray
    led_standard: np.ndarray
    direct: Check
    eligible: Check


def assess_tsme(p: Panel, o: AssessOptions, hte: HteResult) -> TsmeResult:
    """Size, score, veto, direct confirmation and eligibility for every entity."""
    L = LATEST
    y, k = p.yearly, p.yearly_known
    emp, tech, sales = y["employees"][L], y["tech_staff"][L], y["sales_revenue"][L]
    assets, rd, cost = y["total_assets"][L], y["rd_expense"][L], y["total_cost_expense"][L]
    ip1, ip2 = y["ip_class1"][L], y["ip_class2"][L]

    # 第六条(二) size: "不超过" is inclusive (reading R17); one known excess decides
    over = ((k["employees"][L] & (emp > MAX_EMPLOYEES_HUNDREDTHS))
            | (k["sales_revenue"][L] & (sales > MAX_SALES_FEN))
            | (k["total_assets"][L] & (assets > MAX_ASSETS_FEN)))
    all_known = k["employees"][L] & k["sales_revenue"][L] & k["total_assets"][L]
    size_ok = Check(~over, over | all_known,
                    (("employees", L), ("sales_revenue", L), ("total_assets", L)))
    # 第六条(四) incidents "上一会计年度及当年" (2022 指引; reading R13): as for 第十一条(八)
    no_incident = hte.conditions["no_major_incident"]
    # 2022 指引 condition (三), optional (reading R22)
    if o.tsme_exclude_negative_list:
        code = p.industry_code
        excluded = pl.select(pl.any_horizontal(
            [code.str.starts_with(prefix) for prefix in NEGATIVE_LIST_PREFIXES])).to_series()
        industry_ok = Check(~excluded.fill_null(False).to_numpy(), code.is_not_null().to_numpy(),
                            (("industry_code", None),))
    else:
        industry_ok = Check(np.ones(p.n, bool), np.ones(p.n, bool))

    # 附件 scores
    staff_score = banded_points(tech, emp, STAFF_PERCENTS, STAFF_POINTS)
    rd_sales = banded_points(rd, sales, RD_SALES_PERCENTS, RD_POINTS)
    rd_cost = banded_points(rd, cost, RD_COST_PERCENTS, RD_POINTS)
    rd_score = np.maximum(rd_sales, rd_cost)
    ip_score = np.where(ip1 >= 1, IP_CLASS1_POINTS, IP_CLASS2_POINTS[np.minimum(ip2, 4)])
    score = staff_score + rd_score + ip_score
    score_known = (k["employees"][L] & k["tech_staff"][L] & k["rd_expense"][L] & k["sales_revenue"][L]
                   & k["total_cost_expense"][L] & k["ip_class1"][L] & k["ip_class2"][L])
    # 第六条(五): ≥ 60 分 and 科技人员指标得分不得为0分
    score_pass = Check((score >= PASS_SCORE) & (staff_score > 0), score_known,
                       (("employees", L), ("tech_staff", L), ("rd_expense", L), ("sales_revenue", L),
                        ("total_cost_expense", L), ("ip_class1", L), ("ip_class2", L)))

    # 直接确认 (rules.md §2.5): route 1 a valid HTE certificate; route 2 a national S&T award
    # "近五年内" with the entity among the first three award units; route 3 a provincial-or-
    # higher R&D institution; route 4 "近五年内主导制定过国际标准、国家标准或行业标准".
    # Routes 2 and 4 read the platform's optional columns (blank = none known, not met);
    # "近五年内" = a year in Y−N … Y, N = tsme_recent_years (reading R26).
    level = y["rd_institution_level"][L]
    provincial = np.isin(level, PROVINCIAL_OR_ABOVE)
    award = _recent(p, "national_award_top3_year", o.tsme_recent_years)
    standard = _recent(p, "led_standard_year", o.tsme_recent_years)
    routes = Check(hte.valid_certificate | award | provincial | standard, np.ones(p.n, bool))
    basic = all_of(size_ok, no_incident, industry_ok)
    direct = all_of(basic, routes) if o.tsme_direct_needs_basic else routes   # reading R15
    by_score = all_of(basic, score_pass)
    # eligible = by score or directly (Kleene OR)
    passed = by_score.true | direct.true
    known = passed | (by_score.false & direct.false)
    eligible = Check(passed, known, by_score.inputs)
    return TsmeResult(size_ok=size_ok, no_incident=no_incident, industry_ok=industry_ok,
                      staff_score=staff_score, rd_score_sales=rd_sales, rd_score_cost=rd_cost,
                      rd_score=rd_score, ip_score=ip_score, score=score, score_known=score_known,
                      score_pass=score_pass, valid_certificate=hte.valid_certificate,
                      provincial_institution=provincial, national_award=award, led_standard=standard,
                      direct=direct, eligible=eligible)


def _recent(p: Panel, key: str, years: int) -> np.ndarray:
    """The entity's year in ``key`` is known and falls in Y−``years`` … Y."""
    value, known = p.entity[key], p.entity_known[key]
    return known & (value >= p.year - years) & (value <= p.year)
