"""Explain mode: the same rules, run for one entity, with a step-by-step trace in Chinese.

``explain`` takes the entity's rows alone out of the table, builds a one-entity panel
and runs exactly the batch code on it (one rule text, two modes), then reads each step's
figures, threshold and legal reference into a sentence from ``texts.py``. Its
``result`` is the entity's batch record, which the tests check on random data.

>>> from kechuang.engine.exchange import exchange_from_rows
>>> rows = [{"uscc": "91350200776049653A", "year": y, "registered_on": "2024-06-30",
...          "sales_revenue": 50_000_000, "rd_expense": 2_415_000} for y in (2022, 2023, 2024)]
>>> e = explain(exchange_from_rows(rows), "91350200776049653A", 2025)
>>> print(e.step("hte.registered_one_year").text)
（一）注册成立时间：成立日期 2024-06-30，至申请日 2025-06-30 共 365 天；要求不少于 365 天 → 符合
>>> e.step("hte.rd_intensity").passed, e.step("hte.rd_intensity").reference
(False, '国科发火〔2016〕32号 第十一条（五）；国科发火〔2016〕195号 指引（近三个会计年度总额之比）')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

import polars as pl

from kechuang.engine.assess._arith import (
    GRADES,
    GROWTH_HIGH,
    GROWTH_LOW,
    exact_growth_rate,
    fmt_money,
    fmt_percent,
    fmt_staff,
    from_day_number,
)
from kechuang.engine.assess._check import Check, fact_label
from kechuang.engine.assess.hte import (
    CONDITIONS,
    CONVERSION_HIGH,
    CONVERSION_LOW,
    ITEM_HIGH,
    ITEM_LOW,
)
from kechuang.engine.assess.ladder import STAGES
from kechuang.engine.assess.options import AssessOptions
from kechuang.engine.assess.panel import LATEST, build_panel
from kechuang.engine.assess.run import THREE_ZEROS, Assessment, assess_panel
from kechuang.engine.assess.texts import (
    CONDITION_NAMES,
    RD_BANDS,
    REFERENCES,
    STAGE_NAMES,
    STEPS,
    VERDICTS,
    ZERO_NAMES,
)
from kechuang.engine.exchange import TECH_FIELDS, ExchangeTable

__all__ = ["Explanation", "Step", "explain", "explain_index"]


@dataclass(frozen=True)
class Step:
    """One step of the trace: ``key`` (e.g. ``hte.rd_intensity``), the Chinese ``text``
    with figures and threshold, the verdict ``passed`` (None: undecidable or not a test)
    and the legal ``reference``."""

    key: str
    text: str
    passed: bool | None
    reference: str


@dataclass
class Explanation:
    """The trace of one entity (``steps``) and its record (``result``, as in batch)."""

    uscc: str
    year: int
    on: date
    result: dict[str, Any]
    steps: list[Step] = field(default_factory=list)

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    def text(self) -> str:
        """The whole trace, one line per step, each with its reference."""
        head = f"{self.uscc}：{self.year}年度认定评价（申请日 {self.on.isoformat()}）"
        return "\n".join([head] + [f"{s.text}。依据：{s.reference}" for s in self.steps])


def explain(table: ExchangeTable | pl.DataFrame, uscc: str, year: int, on: date | str | None = None,
            options: AssessOptions | None = None) -> Explanation:
    """Explain every assessment of one entity (its rows are taken out of ``table``)."""
    df = table.data if isinstance(table, ExchangeTable) else table
    rows = df.filter(pl.col("uscc") == uscc)
    if rows.height == 0:
        raise KeyError(uscc)
    return explain_index(assess_panel(build_panel(rows, year, on), options), 0)


def explain_index(a: Assessment, i: int) -> Explanation:
    """The trace of entity ``i`` of an assessment already run."""
    p = a.panel
    steps = _Steps(a, i)
    steps.hte()
    steps.tsme()
    steps.zeros_and_stage()
    return Explanation(p.uscc[i], p.year, p.on, a.record(i), steps.out)


class _Steps:
    """Builds the steps of one entity from the batch arrays."""

    def __init__(self, a: Assessment, i: int):
        self.a, self.i, self.out = a, i, []
        self.p, self.h, self.t = a.panel, a.hte, a.tsme

    def add(self, key: str, passed: bool | None, check: Check | None = None, **fields: object) -> None:
        text = STEPS[key].format(**fields)
        if passed is not None or check is not None:
            verdict = VERDICTS[passed]
            if passed is None and check is not None:
                missing = self.a.missing(check, self.i, key.split(".")[-1])
                verdict += "（待补充：" + "、".join(fact_label(m) for m in missing) + "）"
            text += f" → {verdict}"
        self.out.append(Step(key, text, passed, REFERENCES[key]))

    def y(self, key: str, row: int = LATEST) -> int:
        return int(self.p.yearly[key][row, self.i])

    def known(self, key: str, row: int = LATEST) -> bool:
        return bool(self.p.yearly_known[key][row, self.i])

    def money(self, key: str, row: int = LATEST) -> str:
        return fmt_money(self.y(key, row)) if self.known(key, row) else "（未填）"

    def staff(self, key: str, row: int = LATEST) -> str:
        return fmt_staff(self.y(key, row)) if self.known(key, row) else "（未填）"

    # ------------------------------------------------------------------ 高新技术企业
    def hte(self) -> None:
        a, p, h, i = self.a, self.p, self.h, self.i
        c = h.conditions
        years = p.fiscal_years
        reg_known = bool(p.entity_known["registered_on"][i])
        self.add("hte.registered_one_year", c["registered_one_year"].state(i), c["registered_one_year"],
                 registered_on=from_day_number(p.entity["registered_on"][i]).isoformat() if reg_known else "（未填）",
                 on=p.on.isoformat(), days=int(h.days_registered[i]) if reg_known else "—",
                 min_days=a.options.registration_min_days)
        self.add("hte.owns_core_ip", c["owns_core_ip"].state(i), c["owns_core_ip"], year=years[LATEST],
                 ip1=self.y("ip_class1") if self.known("ip_class1") else "（未填）",
                 ip2=self.y("ip_class2") if self.known("ip_class2") else "（未填）")
        f = int(p.entity["tech_field"][i])
        self.add("hte.in_supported_field", c["in_supported_field"].state(i),
                 field=TECH_FIELDS[f] if f >= 0 else "未填或不属于八大领域")
        self.add("hte.tech_staff_ratio", c["tech_staff_ratio"].state(i), c["tech_staff_ratio"],
                 year=years[LATEST], tech=self.staff("tech_staff"), emp=self.staff("employees"),
                 ratio=fmt_percent(self.y("tech_staff"), self.y("employees")))
        pct = int(h.rd_percent[i])
        band = {5: 0, 4: 1, 3: 2}[pct]
        self.add("hte.rd_intensity", c["rd_intensity"].state(i), c["rd_intensity"], first=years[0],
                 last=years[LATEST], rd3=fmt_money(int(h.rd3[i])), sales3=fmt_money(int(h.sales3[i])),
                 ratio=fmt_percent(int(h.rd3[i]), int(h.sales3[i])), sales=self.money("sales_revenue"),
                 band=RD_BANDS[band], pct=pct)
        self.add("hte.rd_domestic_share", c["rd_domestic_share"].state(i), c["rd_domestic_share"],
                 dom3=fmt_money(int(h.dom3[i])), rd3=fmt_money(int(h.rd3[i])),
                 ratio=fmt_percent(int(h.dom3[i]), int(h.rd3[i])))
        self.add("hte.high_tech_income_share", c["high_tech_income_share"].state(i), c["high_tech_income_share"],
                 year=years[LATEST], hti=self.money("high_tech_income"), ti=self.money("total_income"),
                 nti=self.money("non_taxable_income"),
                 ratio=fmt_percent(self.y("high_tech_income"), int(h.income_base[i])))
        self.score_steps()
        self.add("hte.innovation_score", c["innovation_score"].state(i), c["innovation_score"],
                 low=int(h.score_low[i]), high=int(h.score_high[i]))
        incident_known = self.known("major_incident")
        now = bool(p.incident_now[i]) and a.options.incident_in_application_year
        text = ("发生" if self.y("major_incident") else "未发生") if incident_known else "未填"
        if now:
            text += f"；{p.year}年已报告发生"
        self.add("hte.no_major_incident", c["no_major_incident"].state(i), c["no_major_incident"],
                 year=years[LATEST], incident=text)
        summary = "，".join(f"{CONDITION_NAMES[n]}{VERDICTS[c[n].state(i)]}" for n in CONDITIONS)
        self.add("hte.eligible", h.eligible.state(i), None, summary=summary)

    def score_steps(self) -> None:
        p, h, i, o = self.p, self.h, self.i, self.a.options

        def grade_points(key: str) -> str:
            g = int(p.entity[key][i])
            return f"{'ABCDE'[g]}档 {ITEM_LOW[g]}–{ITEM_HIGH[g]} 分" if g >= 0 else "未评 0–8 分"

        qty = int(h.ip_quantity_grade[i])
        counts_known = self.known("ip_class1") and self.known("ip_class2")
        acq = int(p.entity["ip_acquisition"][i])
        std = int(p.entity["standards_grade"][i])
        self.add("hte.score.ip", None, adv=grade_points("ip_advancement_grade"),
                 core=grade_points("ip_core_support_grade"),
                 qty=f"{'ABCDE'[qty]}档 {ITEM_LOW[qty]}–{ITEM_HIGH[qty]} 分" if counts_known else "未知 0–8 分",
                 ip1=self.y("ip_class1"), ip2=self.y("ip_class2"),
                 acq={0: "有自主研发 1–6 分", 1: "仅有受让等 1–3 分"}.get(acq, "未评"),
                 std={0: "是 1–2 分", 1: "否 0 分"}.get(std, "未评 0–2 分"),
                 points=_range(h.ip_low[i], h.ip_high[i]))
        grade = int(h.conversion_grade[i])
        known = bool(h.conversion_known[i])
        total, years = int(h.conversion_sum[i]), int(h.conversion_years[i])
        self.add("hte.score.conversion", None, total=total if known else "（不全）", years=years,
                 average=_decimal(Fraction(total, years)) if known else "—",
                 grade=f"{GRADES[grade]}档" if known else "未知",
                 points=_range(CONVERSION_LOW[grade], CONVERSION_HIGH[grade]) if known else "0–30 分")
        items = []
        for key, top in (("mgmt_rd_system", 6), ("mgmt_rd_institution", 6),
                         ("mgmt_conversion_system", 4), ("mgmt_talent_system", 4)):
            items.append(f"{int(p.entity[key][i])} 分" if p.entity_known[key][i] else f"未评 0–{top} 分")
        self.add("hte.score.management", None, m1=items[0], m2=items[1], m3=items[2], m4=items[3],
                 points=_range(h.management_low[i], h.management_high[i]))
        parts = {}
        for name, key, grades, gknown in (("na", "net_assets", h.growth_grade_net_assets, h.growth_known_net_assets),
                                          ("s", "sales_revenue", h.growth_grade_sales, h.growth_known_sales)):
            g = int(grades[i])
            if gknown[i]:
                rate = exact_growth_rate(*(self.y(key, j) for j in range(3)),
                                         nonpositive_as_zero=o.growth_nonpositive_as_zero)
                parts[f"g_{name}"] = "第二年为零（或负），按 0 分" if rate is None else _percent(rate)
                parts[f"grade_{name}"] = f"{GRADES[g]}档"
                parts[f"points_{name}"] = _range(GROWTH_LOW[g], GROWTH_HIGH[g])
            else:
                parts[f"g_{name}"], parts[f"grade_{name}"], parts[f"points_{name}"] = "未知", "未知", "0–10 分"
        self.add("hte.score.growth", None, points=_range(h.growth_low[i], h.growth_high[i]), **parts)

    # ------------------------------------------------------------------ 科技型中小企业
    def tsme(self) -> None:
        t, i, p = self.t, self.i, self.p
        year = p.fiscal_years[LATEST]
        self.add("tsme.size", t.size_ok.state(i), t.size_ok, year=year, emp=self.staff("employees"),
                 sales=self.money("sales_revenue"), assets=self.money("total_assets"))
        self.add("tsme.no_incident", t.no_incident.state(i), t.no_incident)
        if self.a.options.tsme_exclude_negative_list:
            self.add("tsme.industry", t.industry_ok.state(i), t.industry_ok,
                     industry=p.industry_code[i] or "（未填）")
        self.add("tsme.staff_score", None, tech=self.staff("tech_staff"), emp=self.staff("employees"),
                 ratio=fmt_percent(self.y("tech_staff"), self.y("employees")), points=int(t.staff_score[i]))
        self.add("tsme.rd_score", None, r1=fmt_percent(self.y("rd_expense"), self.y("sales_revenue")),
                 p1=int(t.rd_score_sales[i]),
                 r2=fmt_percent(self.y("rd_expense"), self.y("total_cost_expense")),
                 p2=int(t.rd_score_cost[i]), points=int(t.rd_score[i]))
        self.add("tsme.ip_score", None, ip1=self.y("ip_class1"), ip2=self.y("ip_class2"),
                 points=int(t.ip_score[i]))
        self.add("tsme.score_pass", t.score_pass.state(i), t.score_pass, score=int(t.score[i]))
        self.add("tsme.direct", t.direct.state(i), t.direct,
                 cert="有" if t.valid_certificate[i] else "无",
                 award="有" if t.national_award[i] else "无",
                 inst="有" if t.provincial_institution[i] else "无",
                 standard="有" if t.led_standard[i] else "无")
        route = ("经综合评价" if t.score_pass.true[i] and t.size_ok.true[i] else "经直接确认"
                 if t.direct.true[i] else "综合评价与直接确认")
        self.add("tsme.eligible", t.eligible.state(i), None, summary=route)

    # ------------------------------------------------------------------ 三清零, stage
    def zeros_and_stage(self) -> None:
        z, i = self.a.zeros, self.i
        if z.base[i]:
            applies = [ZERO_NAMES[k] for k in THREE_ZEROS if getattr(z, k)[i]]
            text = "规模以上工业企业；" + ("、".join(applies) if applies else "三项均不适用")
        else:
            text = "不是规模以上工业企业（或未填），不适用"
        self.add("three_zeros", None, text=text)
        code = STAGES[int(self.a.stages.stage[i])]
        self.add("stage", None, stage=f"{STAGE_NAMES[code]}（{code}）")


def _range(low: object, high: object) -> str:
    low, high = int(low), int(high)  # type: ignore[call-overload]
    return f"{low} 分" if low == high else f"{low}–{high} 分"


def _decimal(x: Fraction) -> str:
    whole = (x.numerator * 100) // x.denominator
    return f"{whole // 100}.{whole % 100:02d}"


def _percent(x: Fraction) -> str:
    scaled = (x.numerator * 10_000) // x.denominator          # rounded down, hundredths of a percent
    sign = "-" if scaled < 0 else ""
    whole, rest = divmod(abs(scaled), 100)
    return f"{sign}{whole}.{rest:02d}%"
