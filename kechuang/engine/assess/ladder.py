"""三清零 (three zeros) of above-scale industrial enterprises, the ladder stage (梯度培育)
of each entity, and the high-tech candidate pool.

Stage codes, lowest to highest (:data:`STAGES`): ``none``, ``tsme`` (registered 科技型中小
企业), ``hte`` (valid 高新技术企业 certificate), ``gazelle`` (瞪羚企业), ``leading``
(领军企业), ``listed`` (上市企业). An entity is at the highest stage whose criteria it
meets. Gazelle and leading criteria are platform defaults (:class:`LadderCriteria`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from kechuang.engine.assess._arith import at_least, day_number, earliest_start
from kechuang.engine.assess.hte import HteResult
from kechuang.engine.assess.options import AssessOptions
from kechuang.engine.assess.panel import LATEST, Panel
from kechuang.engine.assess.tsme import TsmeResult

__all__ = ["STAGES", "StageResult", "ZerosResult", "assess_stage", "assess_zeros"]

STAGES = ("none", "tsme", "hte", "gazelle", "leading", "listed")
YUAN = 100


@dataclass
class ZerosResult:
    """三清零 among above-scale industrial enterprises in fiscal year Y−1 (reading R19):
    ``base`` (above scale and industrial), and, within it, no R&D expense, no R&D
    institution, no Ⅰ-class IP (the proxy for invention patents)."""

    base: np.ndarray
    no_rd_expense: np.ndarray
    no_rd_institution: np.ndarray
    no_invention_ip: np.ndarray

    @property
    def all(self) -> np.ndarray:
        return self.no_rd_expense & self.no_rd_institution & self.no_invention_ip


def assess_zeros(p: Panel) -> ZerosResult:
    L = LATEST
    y, k = p.yearly, p.yearly_known
    base = (k["is_above_scale"][L] & k["is_industrial"][L]
            & y["is_above_scale"][L] & y["is_industrial"][L])
    return ZerosResult(
        base=base,
        no_rd_expense=base & k["rd_expense"][L] & (y["rd_expense"][L] == 0),
        no_rd_institution=base & k["has_rd_institution"][L] & ~y["has_rd_institution"][L],
        no_invention_ip=base & k["ip_class1"][L] & (y["ip_class1"][L] == 0))


@dataclass
class StageResult:
    """The stage code index (into STAGES) and the criteria met, per entity."""

    stage: np.ndarray
    tsme_registered: np.ndarray
    gazelle: np.ndarray
    leading: np.ndarray
    listed: np.ndarray


def assess_stage(p: Panel, o: AssessOptions, hte: HteResult, tsme: TsmeResult) -> StageResult:
    """The ladder stage on the application date."""
    crit = o.ladder
    L = LATEST
    sales, sales_k = p.yearly["sales_revenue"], p.yearly_known["sales_revenue"]
    reg_year = p.entity["tsme_registered_year"]
    # a registration counts in its own year (登记编号当年有效, reading R23)
    registered = (reg_year > 0) & (reg_year <= p.on.year) & (reg_year > p.on.year - o.tsme_registration_years)
    certified = hte.valid_certificate

    reg, reg_known = p.entity["registered_on"], p.entity_known["registered_on"]
    young = reg_known & (reg >= day_number(earliest_start(p.on, crit.gazelle_max_age_years)))
    growth = Fraction(100 + crit.gazelle_min_cagr_percent, 100) ** 2   # two growth periods
    first, last = sales[0], sales[L]
    grew = (sales_k[0] & sales_k[L] & (first > 0)
            & (growth.denominator * last >= growth.numerator * first))
    big_enough = sales_k[L] & (last >= crit.gazelle_min_sales_yuan * YUAN)
    gazelle = (certified | registered) & young & big_enough & grew

    rd_known = p.yearly_known["rd_expense"].all(axis=0) & sales_k.all(axis=0)
    leading = (certified & sales_k[L] & (last >= crit.leading_min_sales_yuan * YUAN) & rd_known
               & at_least(hte.rd3, hte.sales3, crit.leading_min_rd_percent))
    listed = p.entity_known["listed"] & p.entity["listed"].astype(bool)

    stage = np.zeros(p.n, np.int8)
    for code, met in ((1, registered), (2, certified), (3, gazelle), (4, leading), (5, listed)):
        stage[met] = code
    return StageResult(stage, registered, gazelle, leading, listed)
