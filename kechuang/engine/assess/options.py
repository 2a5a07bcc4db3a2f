"""Settings of the assessments: the readings taken where the rule texts leave room, and
the platform's own criteria where no national rule exists.

Every field is documented in ``docs/assessments.md`` (section "Readings"), with the code
of the reading (R1, R2 …). The defaults are the readings the benchmark harness takes.

>>> AssessOptions().growth_zero_grade
'F'
>>> AssessOptions(growth_zero_grade="E").growth_zero_grade
'E'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["AssessOptions", "CandidateCriteria", "LadderCriteria"]


@dataclass(frozen=True)
class LadderCriteria:
    """Gazelle (瞪羚企业) and leading (领军企业) criteria. **Platform defaults**: there is
    no national rule for either; provinces and cities publish their own. Amounts in
    yuan, rates as percent integers.

    Gazelle: holds a valid HTE certificate or a current TSME registration; registered at
    most ``gazelle_max_age_years`` before the date; latest-year sales at least
    ``gazelle_min_sales_yuan``; sales growth from fiscal year Y−3 to Y−1 at a compound
    rate of at least ``gazelle_min_cagr_percent`` a year (two periods).
    Leading: holds a valid HTE certificate; latest-year sales at least
    ``leading_min_sales_yuan``; three-year R&D over sales at least
    ``leading_min_rd_percent``.
    """

    gazelle_max_age_years: int = 10          # platform default
    gazelle_min_sales_yuan: int = 10_000_000  # platform default: 1,000万元
    gazelle_min_cagr_percent: int = 20        # platform default
    leading_min_sales_yuan: int = 500_000_000  # platform default: 5亿元
    leading_min_rd_percent: int = 3           # platform default


@dataclass(frozen=True)
class CandidateCriteria:
    """Which tech-based SMEs enter the high-tech candidate pool (**platform defaults**):
    at most ``max_gaps`` failed conditions, each a measured one within ``closeness_percent``
    of its threshold (value ≥ closeness × threshold), and no failure that cannot be
    closed (no supported field, a major incident)."""

    max_gaps: int = 2
    closeness_percent: int = 75


@dataclass(frozen=True)
class AssessOptions:
    """The readings (docs/assessments.md, "Readings"); defaults = the benchmark's.

    * ``registration_min_days`` (R2): 第十一条(一) "注册成立一年以上" with the 指引's
      "365个日历天数以上", counted from the registration date to the application date.
    * ``growth_zero_grade`` (R5): the band of a growth rate of exactly 0 — ``"F"`` (E is
      "> 0") or ``"E"`` (only negative rates score 0, as the text says "为负的，按0分").
    * ``growth_nonpositive_as_zero`` (R7): first- or second-year values ≤ 0 follow the
      text's rules for 0 (``True``), or only exact zeros do (``False``).
    * ``conversion_years`` (R20): divisor of the conversions' annual average —
      ``"operating"`` (fiscal years the entity existed, at least 1) or ``"three"``.
    * ``conversion_fraction_grade`` (R21): an average in (0, 1) is ``"E"`` (转化能力弱) or
      ``"F"`` (无).
    * ``hte_certificate_years`` (R16): validity of a certificate, counted per 民法典
      第二百零一条/第二百零二条.
    * ``incident_in_application_year`` (R13): also fail 第十一条(八) and TSME 第六条(四)
      on an incident reported for the application year itself (a row for year Y).
    * ``tsme_direct_needs_basic`` (R15): direct confirmation still needs 第六条(一)–(四).
    * ``tsme_exclude_negative_list`` (R22): exclude industries of 财税〔2015〕119号 第四条
      under the 2022 指引's condition (三) (unconfirmed wording; off by default).
    * ``tsme_registration_years`` (R23): a TSME registration (入库) counts for the stage in
      its own year (1, "登记编号当年有效") or also the next year (2).
    * ``tsme_recent_years`` (R26): "近五年内" of direct-confirmation routes 2 and 4 — an
      award or a standard of year Y−5 … Y counts for application year Y (5).
    """

    registration_min_days: int = 365     # 指引 195号: "须注册成立365个日历天数以上"
    growth_zero_grade: Literal["F", "E"] = "F"
    growth_nonpositive_as_zero: bool = True
    conversion_years: Literal["operating", "three"] = "operating"
    conversion_fraction_grade: Literal["E", "F"] = "E"
    hte_certificate_years: int = 3       # 办法 32号 第九条: 资格自颁发证书之日起有效期为三年
    incident_in_application_year: bool = True
    tsme_direct_needs_basic: bool = True
    tsme_exclude_negative_list: bool = False
    tsme_registration_years: int = 1
    tsme_recent_years: int = 5           # 直接确认 routes 2 and 4: "近五年内" (R26)
    ladder: LadderCriteria = field(default_factory=LadderCriteria)
    candidates: CandidateCriteria = field(default_factory=CandidateCriteria)
