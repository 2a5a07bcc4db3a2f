"""The high-tech candidate pool (高企培育库): tech-based SMEs without a valid high-tech
certificate that meet, or nearly meet, the high-tech conditions, each with its gaps in
Chinese ("研发费用占比 3.2%，需达到 4.0%…").

Who is in (platform criteria, :class:`CandidateCriteria`): stage ``tsme`` or eligible as
a tech-based SME; no valid certificate; no failure that cannot be closed (no supported
field, a major incident); at most ``max_gaps`` failed conditions, each within
``closeness_percent`` of its threshold. The closeness test is a screening heuristic
(float ratios); every pass/fail verdict itself stays exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from kechuang.engine.assess._arith import fmt_money
from kechuang.engine.assess._check import fact_label
from kechuang.engine.assess.hte import CONDITIONS, SCORE_PASS_ABOVE, TECH_STAFF_PERCENT
from kechuang.engine.assess.ladder import STAGES
from kechuang.engine.assess.panel import LATEST
from kechuang.engine.assess.texts import CONDITION_NAMES, GAPS, PENDING

if TYPE_CHECKING:
    from kechuang.engine.assess.run import Assessment

__all__ = ["hte_candidates"]

HARD = ("in_supported_field", "no_major_incident")   # failures a firm cannot close by effort


def _closeness(a: Assessment) -> dict[str, np.ndarray]:
    """value ÷ threshold per measured condition (float, screening only)."""
    p, h, o = a.panel, a.hte, a.options
    y = p.yearly
    with np.errstate(divide="ignore", invalid="ignore"):
        def ratio(num: np.ndarray, den: np.ndarray, share: float) -> np.ndarray:
            return np.where(den > 0, num / np.where(den > 0, den, 1) / share, 0.0)

        return {
            "registered_one_year": h.days_registered / o.registration_min_days,
            "owns_core_ip": np.ones(p.n),                   # closable: acquire or file IP
            "tech_staff_ratio": ratio(y["tech_staff"][LATEST], y["employees"][LATEST], TECH_STAFF_PERCENT / 100),
            "rd_intensity": ratio(h.rd3, h.sales3, 1.0) / (h.rd_percent / 100),
            "rd_domestic_share": ratio(h.dom3, h.rd3, 0.60),
            "high_tech_income_share": ratio(y["high_tech_income"][LATEST], h.income_base, 0.60),
            "innovation_score": h.score_high / (SCORE_PASS_ABOVE + 1),
        }


def candidate_mask(a: Assessment) -> np.ndarray:
    """The entities in the pool (batch)."""
    h, crit = a.hte, a.options.candidates
    tech_sme = (a.stages.stage == STAGES.index("tsme")) | a.tsme.eligible.true
    failed = {name: h.conditions[name].false for name in CONDITIONS}
    n_failed = np.sum([failed[n] for n in CONDITIONS], axis=0)
    hard = np.logical_or.reduce([failed[n] for n in HARD])
    close = _closeness(a)
    far = np.zeros(a.panel.n, bool)
    for name, value in close.items():
        far |= failed[name] & (value < crit.closeness_percent / 100)
    return tech_sme & ~h.valid_certificate & ~hard & ~far & (n_failed <= crit.max_gaps)


def hte_candidates(a: Assessment) -> list[dict[str, Any]]:
    """The pool, one dict per entity: ``uscc``, ``stage``, ``eligible`` (the high-tech
    verdict, None = undecidable), ``gaps`` (failed conditions, Chinese) and ``pending``
    (what still needs data or expert grades)."""
    rows = np.flatnonzero(candidate_mask(a))
    return [_entry(a, int(i)) for i in rows]


def _entry(a: Assessment, i: int) -> dict[str, Any]:
    p, h, o = a.panel, a.hte, a.options
    y = p.yearly
    gaps: list[str] = []
    pending: list[str] = []
    for name in CONDITIONS:
        check = h.conditions[name]
        if check.known[i] and check.passed[i]:
            continue
        if not check.known[i]:
            if name == "innovation_score":
                pending.append(PENDING["innovation_score"].format(low=int(h.score_low[i]), high=int(h.score_high[i])))
            else:
                pending.append(PENDING["missing"].format(condition=CONDITION_NAMES[name], fields="、".join(
                    fact_label(m) for m in a.missing(check, i, name))))
            continue
        fields: dict[str, object] = {}
        if name == "registered_one_year":
            days = int(h.days_registered[i])
            fields = {"days": days, "min_days": o.registration_min_days, "short": o.registration_min_days - days}
        elif name == "tech_staff_ratio":
            tech, emp = int(y["tech_staff"][LATEST, i]), int(y["employees"][LATEST, i])
            # new technical hires x: (tech + x) / (emp + x) ≥ 10 %  ⇔  x ≥ (emp − 10·tech) / 9
            need = -(-(emp - 10 * tech) // 9)
            fields = {"ratio": _pct1(tech, emp), "need": -(-need // 100)}
        elif name == "rd_intensity":
            rd3, sales3, pct = int(h.rd3[i]), int(h.sales3[i]), int(h.rd_percent[i])
            need_fen = -(-(pct * sales3 - 100 * rd3) // 100)
            fields = {"ratio": _pct1(rd3, sales3), "pct": pct, "need": fmt_money(-(-need_fen // 100) * 100)}
        elif name == "rd_domestic_share":
            fields = {"ratio": _pct1(int(h.dom3[i]), int(h.rd3[i]))}
        elif name == "high_tech_income_share":
            fields = {"ratio": _pct1(int(y["high_tech_income"][LATEST, i]), int(h.income_base[i]))}
        elif name == "innovation_score":
            fields = {"high": int(h.score_high[i])}
        gaps.append(GAPS[name].format(**fields))
    return {"uscc": p.uscc[i], "stage": STAGES[int(a.stages.stage[i])], "eligible": h.eligible.state(i),
            "gaps": gaps, "pending": pending}


def _pct1(num: int, den: int) -> str:
    """A percentage with one decimal, rounded down: (32, 1000) → '3.2%'."""
    if den <= 0:
        return "—"
    tenths = (num * 1000) // den
    return f"{tenths // 10}.{tenths % 10}%"
