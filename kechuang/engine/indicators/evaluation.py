"""Evaluate plans against observations: one plan with explanations, or many at once.

:func:`evaluate` answers "how is this plan doing, with the data as known on ``as_of``"
for one org unit (the plan's city by default) and explains every number in Chinese and
English. :func:`evaluate_many` computes the same numbers for every plan × indicator ×
target × org unit in one vectorised pass (no text), for dashboards and the benchmark.
Both call :func:`kechuang.engine.indicators.core.evaluate_batch`, so they agree.

>>> from kechuang.engine.plans import Baseline, Indicator, Plan, Target
>>> plan = Plan("demo", "演示规划", "000_c8b8e38b7f624e86.txt", 2021, 2025, city="150300")
>>> plan.indicators = [Indicator("hte", "高新技术企业数量", "家", baseline=Baseline(2020, 30),
...                              targets=[Target(2025, 100)], plan_code="demo")]
>>> values = [("demo/hte", "150300", "2023", 65, datetime.date(2024, 3, 1))]
>>> item = evaluate(plan, values, datetime.date(2024, 6, 30))["indicators"][0]
>>> item["status"], item["achievement"], round(item["required_growth"], 3), item["forecast"]["method"]
('accelerate', 0.65, 0.24, 'linear')
"""

from __future__ import annotations

import datetime
import functools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from kechuang.engine.plans import Indicator, Part, Plan, Target, unit_factor

from .core import (
    COMPARATOR_CODES,
    FORECAST_NAMES,
    REASONS,
    RULE_CODES,
    STATUS_NAMES,
    Batch,
    evaluate_batch,
)
from .observations import YearValue, as_known, observations_frame
from .status import COLOURS, LABELS_EN, LABELS_ZH, SEVERITY, Thresholds

__all__ = ["evaluate", "evaluate_many", "rollup"]


@dataclass
class _Row:
    plan: Plan
    indicator: Indicator
    target: Target
    target_index: int
    unit: str  # the org unit whose values are judged
    part: Part | None = None
    own: bool = True  # the unit is the plan's own place: the plan's baseline value applies


def _scale(indicator: Indicator, catalogue_unit: str | None) -> float:
    """Factor from the unit values are reported in (the catalogue's) to the indicator's own."""
    if not catalogue_unit or catalogue_unit == indicator.unit:
        return 1.0
    source, target = unit_factor(catalogue_unit), unit_factor(indicator.unit)
    if source is None or target is None or source[0] != target[0]:
        return 1.0
    return source[1] / target[1]


def _params(rows: Sequence[_Row]) -> dict[str, np.ndarray]:
    n = len(rows)
    out = {
        "target_year": np.empty(n), "target_value": np.full(n, np.nan), "base_year": np.full(n, np.nan),
        "base_value": np.full(n, np.nan), "upper": np.full(n, np.nan), "direction": np.ones(n, np.int8),
        "comparator": np.zeros(n, np.int8), "rule": np.zeros(n, np.int8), "rate_type": np.zeros(n, bool),
        "geometric": np.zeros(n, bool), "binding": np.zeros(n, bool), "start": np.empty(n),
        "each_year": np.zeros(n, bool),
    }
    for i, row in enumerate(rows):
        ind, tgt, plan = row.indicator, row.target, row.plan
        out["target_year"][i] = tgt.year
        value = row.part.value if row.part is not None else tgt.value
        out["target_value"][i] = np.nan if value is None else value
        out["base_year"][i] = np.nan if ind.baseline.year is None else ind.baseline.year
        if row.own and row.part is None and ind.baseline.value is not None:
            out["base_value"][i] = ind.baseline.value
        out["upper"][i] = np.nan if tgt.upper is None else tgt.upper
        out["direction"][i] = {"higher": 1, "lower": -1, "band": 0}[ind.direction]
        out["comparator"][i] = COMPARATOR_CODES[tgt.comparator]
        out["rule"][i] = RULE_CODES[tgt.rule]
        out["rate_type"][i] = ind.value_type == "rate"
        out["geometric"][i] = ind.effective_path == "geometric"
        out["binding"][i] = ind.kind == "binding"
        since = tgt.since if tgt.rule == "cumulative" and tgt.since else plan.period_start
        out["start"][i] = since
        out["each_year"][i] = tgt.basis == "each_year"
    return out


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return int(bool(value))
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 1e15 else round(value, 6)


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 1000:
        text = f"{value:,.2f}"
    elif abs(value) >= 100:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{unit}"


def _yr(value: float | None) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else str(int(value))


def _pct(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.1f}%"


CMP_ZH = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "between": "介于"}
METHOD_ZH = {"cagr": "年均增长率(CAGR)外推", "linear": "线性趋势外推", "mean_rate": "按已实现年均增速",
             "none": "无法预测"}
METHOD_EN = {"cagr": "CAGR extrapolation", "linear": "linear trend", "mean_rate": "the average rate so far",
             "none": "no forecast"}


def _reason_text(reason: str, r: Mapping[str, Any], th: Thresholds) -> tuple[str, str]:
    T = _yr(r["target_year"])
    if reason == "forecast" and r["rule"] == "annual_growth":
        return (f"已实现增速为目标增速的{_pct(r['share'])}",
                f"the growth so far is {_pct(r['share'])} of the target rate")
    return {
        "": ("", ""),
        "no_values": ("尚无数据", "no values yet"),
        "no_baseline": ("缺少基期值,无法确定目标值", "the baseline value is missing, so the target cannot be set"),
        "too_few_points": (f"数据点不足(至少需要{th.min_points}个,含基期),无法预测",
                           f"too few data points (need {th.min_points}, baseline included) to forecast"),
        "met": ("已达到目标", "the target is met"),
        "missed": (f"目标年{T}年已到,未达到目标", f"the target year {T} has come and the target is not met"),
        "moving_away": ("较基期反向变化", "moving away from the target since the baseline"),
        "forecast": (f"预测到{T}年可完成从基期到目标的{_pct(r['share'])}",
                     f"the forecast reaches {_pct(r['share'])} of the required progress by {T}"),
        "schedule": (f"无法预测,按时序进度(进度指数{_fmt(r['schedule_index'])})判断",
                     f"no forecast; judged on the schedule index {_fmt(r['schedule_index'])}"),
        "not_increasing": (f"有{r['broken_years']}个年份未比上年提高(要求逐年递增)",
                           f"{r['broken_years']} year(s) did not rise above the year before (must rise every year)"),
        "year_below_rate": ("有年份增速低于目标增速", "some year grew more slowly than the target rate"),
        "met_so_far": ("目前符合要求,目标年前须保持", "meets the requirement so far; must hold until the target year"),
    }[reason]


def _explain(r: Mapping[str, Any], ind: Indicator, tgt: Target, th: Thresholds) -> dict[str, Any]:
    u = ind.unit
    status = r["status"]
    zh: list[str] = []
    en: list[str] = []
    t, T = _yr(r["latest_year"]), _yr(r["target_year"])
    cmp = CMP_ZH[tgt.comparator]
    if tgt.comparator == "between":
        goal_zh = f"目标{T}年{_fmt(tgt.value, u)}–{_fmt(tgt.upper, u)}"
        goal_en = f"target {_fmt(tgt.value, u)}–{_fmt(tgt.upper, u)} by {T}"
    else:
        goal_zh = f"目标{T}年{cmp}{_fmt(r['target_value'], u)}"
        goal_en = f"target {tgt.comparator} {_fmt(r['target_value'], u)} by {T}"
    rule = tgt.rule
    if rule == "annual_growth":
        label_zh = "年均增长" if tgt.basis != "each_year" else "逐年增速最低为"
        label_en = "average annual growth" if tgt.basis != "each_year" else "lowest annual growth"
        if r["latest_year"] is not None:
            zh.append(f"{ind.name}:{_yr(r['baseline_year'] + 1)}–{t}年{label_zh}{_fmt(r['latest_value'], '%')}"
                      f"(目标{cmp}{_fmt(r['target_value'], '%')}),为目标的{_pct(r['achievement'])}。")
            en.append(f"{ind.name}: {label_en} {_fmt(r['latest_value'], '%')} in {_yr(r['baseline_year'] + 1)}–{t} "
                      f"(target {tgt.comparator} {_fmt(r['target_value'], '%')}), {_pct(r['achievement'])} of the target.")
            if r["required_growth"] is not None:
                zh.append(f"其余年份需年均增长{_pct(r['required_growth'])}。")
                en.append(f"The remaining years need {_pct(r['required_growth'])} a year.")
        else:
            zh.append(f"{ind.name}:尚无增速数据(目标{tgt.basis == 'each_year' and '每年' or '年均'}增长"
                      f"{cmp}{_fmt(r['target_value'], '%')})。")
            en.append(f"{ind.name}: no growth data yet (target {tgt.comparator} {_fmt(r['target_value'], '%')} a year).")
    else:
        prefix_zh = f"({_yr(tgt.since)}年起累计)" if rule == "cumulative" else ""
        prefix_en = f" (cumulative from {_yr(tgt.since)})" if rule == "cumulative" else ""
        base = ""
        base_en = ""
        if r["baseline_value"] is not None and rule != "cumulative":
            source = {"observed": "(取自报送数据)", "plan": ""}.get(r["baseline_source"] or "", "")
            base = f"基期{_yr(r['baseline_year'])}年{_fmt(r['baseline_value'], u)}{source},"
            base_en = f"baseline {_fmt(r['baseline_value'], u)} in {_yr(r['baseline_year'])}" + \
                      (" (from reported data)" if r["baseline_source"] == "observed" else "") + ", "
        rule_zh = {"double_baseline": "(较基期翻一番)", "increase_by": f"(较基期提高{_fmt(tgt.value)})",
                   "increase_yearly": "(逐年递增)"}.get(rule or "", "")
        rule_en = {"double_baseline": " (double the baseline)", "increase_by": f" (baseline + {_fmt(tgt.value)})",
                   "increase_yearly": " (rising every year)"}.get(rule or "", "")
        if r["latest_year"] is None:
            zh.append(f"{ind.name}{prefix_zh}:尚无数据({base}{goal_zh}{rule_zh})。")
            en.append(f"{ind.name}{prefix_en}: no data yet ({base_en}{goal_en}{rule_en}).")
        else:
            verb = f"截至{t}年累计" if rule == "cumulative" else f"{t}年为"
            zh.append(f"{ind.name}{prefix_zh}:{verb}{_fmt(r['latest_value'], u)}"
                      f"{'(年内部分数据)' if r['partial'] else ''}({base}{goal_zh}{rule_zh})。")
            en.append(f"{ind.name}{prefix_en}: {_fmt(r['latest_value'], u)} in {t}"
                      f"{' (part of the year)' if r['partial'] else ''} ({base_en}{goal_en}{rule_en}).")
            if r["target_value"] is not None:
                if r["achievement"] is not None:
                    zh.append(f"完成率{_pct(r['achievement'])};")
                    en.append(f"Achievement {_pct(r['achievement'])};")
                if r["progress"] is not None and r["elapsed"] is not None:
                    path_zh = "几何" if r["path"] == "geometric" else "线性"
                    zh.append(f"已完成从基期到目标的{_pct(r['progress'])},时间已过{_pct(r['elapsed'])}"
                              f"(进度指数{_fmt(r['schedule_index'])}),按{path_zh}路径{t}年应达{_fmt(r['expected'], u)}。")
                    en.append(f"{_pct(r['progress'])} of the way from the baseline with {_pct(r['elapsed'])} of the time "
                              f"gone (schedule index {_fmt(r['schedule_index'])}); the {r['path']} path expects "
                              f"{_fmt(r['expected'], u)} in {t}.")
                if not r["met"] and r["required_increment"] is not None:
                    if r["required_growth"] is not None and rule != "cumulative":
                        word = "增长" if r["required_growth"] >= 0 else "下降"
                        zh.append(f"需年均{word}{_pct(abs(r['required_growth']))}"
                                  f"(年均{'新增' if r['required_increment'] >= 0 else '减少'}"
                                  f"{_fmt(abs(r['required_increment']), u)})才能完成。")
                        en.append(f"It needs a {'rise' if r['required_growth'] >= 0 else 'fall'} of "
                                  f"{_pct(abs(r['required_growth']))} a year "
                                  f"({_fmt(abs(r['required_increment']), u)} a year) to get there.")
                    else:
                        zh.append(f"需年均{'新增' if r['required_increment'] >= 0 else '减少'}"
                                  f"{_fmt(abs(r['required_increment']), u)}才能完成。")
                        en.append(f"It needs {'another' if r['required_increment'] >= 0 else 'a fall of'} "
                                  f"{_fmt(abs(r['required_increment']), u)} a year to get there.")
                forecast = r["forecast"]
                if forecast["value"] is not None and not r["final"]:
                    zh.append(f"按{METHOD_ZH[forecast['method']]}预测{T}年为{_fmt(forecast['value'], u)}。")
                    en.append(f"By {METHOD_EN[forecast['method']]}, {T} is forecast at {_fmt(forecast['value'], u)}.")
        if rule == "increase_yearly":
            zh.append(f"逐年递增:{r['broken_years']}个年份未比上年提高。")
            en.append(f"Rising every year: {r['broken_years']} year(s) did not rise.")
    reason_zh, reason_en = _reason_text(r["reason"], r, th)
    zh.append(f"判定:{LABELS_ZH[status]}" + (f"——{reason_zh}。" if reason_zh else "。"))
    en.append(f"Status: {LABELS_EN[status]}" + (f" — {reason_en}." if reason_en else "."))
    return {"text": "".join(zh), "text_en": " ".join(en)}


@functools.lru_cache(maxsize=32)
def _thresholds_dict(th: Thresholds) -> dict[str, Any]:
    """``th.as_dict()`` once per thresholds (it deep-copies; thousands of rows ask for it)."""
    return th.as_dict()


def _row_dict(out: Mapping[str, np.ndarray], i: int, row: _Row, th: Thresholds) -> dict[str, Any]:
    ind, tgt = row.indicator, row.target
    method = FORECAST_NAMES[int(out["forecast_method"][i])]
    status = STATUS_NAMES[int(out["status"][i])]
    baseline_source = {0: None, 1: "plan", 2: "observed"}[int(out["baseline_source"][i])]
    r: dict[str, Any] = {
        "target_year": _number(out["target_year"][i]), "target_value": _number(out["target_value"][i]),
        "comparator": tgt.comparator, "rule": tgt.rule,
        "baseline_year": _number(out["baseline_year"][i]), "baseline_value": _number(out["baseline_value"][i]),
        "baseline_source": baseline_source,
        "latest_year": _number(out["latest_year"][i]), "latest_value": _number(out["latest_value"][i]),
        "partial": bool(out["partial"][i]), "n_points": int(out["n_points"][i]),
        "met": bool(out["met"][i]), "final": bool(out["final"][i]),
        "achievement": _number(out["achievement"][i]), "progress": _number(out["progress"][i]),
        "elapsed": _number(out["elapsed"][i]), "expected": _number(out["expected"][i]),
        "schedule_index": _number(out["schedule_index"][i]),
        "required_growth": _number(out["required_growth"][i]),
        "required_increment": _number(out["required_increment"][i]),
        "cagr_observed": _number(out["cagr_observed"][i]), "cagr_required": _number(out["cagr_required"][i]),
        "cagr_ratio": _number(out["cagr_ratio"][i]),
        "forecast": {"method": method, "year": _number(out["target_year"][i]),
                     "value": _number(out["forecast"][i]) if method != "none" else None,
                     "share": _number(out["share"][i]),
                     "alternatives": {"cagr": _number(out["forecast_cagr"][i]),
                                      "linear": _number(out["forecast_linear"][i])}},
        "share": _number(out["share"][i]), "broken_years": int(out["broken_years"][i]),
        "path": ind.effective_path, "status": status, "reason": REASONS[int(out["reason"][i])],
    }
    r["explanation"] = _explain(r, ind, tgt, th)
    r["explanation"]["numbers"] = {k: r[k] for k in (
        "baseline_year", "baseline_value", "latest_year", "latest_value", "target_year", "target_value",
        "achievement", "progress", "elapsed", "expected", "schedule_index", "required_growth", "required_increment",
        "cagr_observed", "cagr_required", "share")} | {"forecast": r["forecast"]["value"], "unit": ind.unit,
                                                       "thresholds": dict(_thresholds_dict(th))}
    return r


def _part_dict(out: Mapping[str, list[Any]], i: int) -> dict[str, Any]:
    """What :func:`_result` keeps of a part's row (see :func:`_row_dict`), without the
    explanation."""
    return {"target_year": _number(out["target_year"][i]), "target_value": _number(out["target_value"][i]),
            "status": STATUS_NAMES[int(out["status"][i])], "achievement": _number(out["achievement"][i]),
            "progress": _number(out["progress"][i]), "latest_year": _number(out["latest_year"][i]),
            "latest_value": _number(out["latest_value"][i]), "explanation": None}


def _headline(plan_rows: list[tuple[_Row, dict[str, Any]]], as_of_year: int) -> int:
    """The target that speaks for the indicator: the first not yet past, else the last."""
    years = sorted({row.target.year for row, _ in plan_rows})
    current = next((y for y in years if y >= as_of_year), years[-1])
    candidates = [k for k, (row, _) in enumerate(plan_rows) if row.target.year == current]
    known = [k for k in candidates if plan_rows[k][1]["status"] != "no_data"]
    pool = known or candidates
    return max(pool, key=lambda k: SEVERITY[plan_rows[k][1]["status"]])


def _annual_cells(frame: pl.DataFrame, plan: Plan, wanted: Mapping[tuple[int, str], Sequence[int]]) -> pl.DataFrame:
    """The years of every series judged, in one Polars pass (what :func:`annualise` does for
    one series), as a frame: ``row`` (the position in ``wanted``'s lists), ``year``,
    ``value``, ``quarter`` (0 = a full year, else the latest quarter known), ``partial``.

    ``frame``: the known values (one per indicator key, unit, year and quarter, see
    :func:`as_known`). ``wanted``: (position of the indicator in ``plan.indicators``, org
    unit) → the rows judged on that series. An indicator's values are those of its series
    and, for a series not in the catalogue, of its bare code; where both give a quarter,
    the one known last counts (the later key on a tie), as :func:`_series_rows` merges
    them. Values are converted to the indicator's unit before they are added up, row by
    row and in quarter order, as the plain-Python path does, so both give the same sums.

    A plan with 20 indicators decomposed over 200 units judges 4 000 series; turning each
    into years in Python took about half a second, this pass a few hundredths."""
    keys: dict[str, list[Any]] = {"key": [], "ind": [], "rank": [], "factor": [], "summed": []}
    for position, ind in enumerate(plan.indicators):
        names = sorted({ind.series} | ({ind.code} if not ind.catalogue else set()))
        for rank, name in enumerate(names):
            keys["key"].append(name)
            keys["ind"].append(position)
            keys["rank"].append(rank)
            keys["factor"].append(_scale(ind, ind.reported_unit))
            keys["summed"].append(ind.measure.basis == "quarter" and ind.measure.temporal == "flow")
    rows: dict[str, list[Any]] = {"ind": [], "org_unit": [], "row": []}
    for (position, unit), row_numbers in wanted.items():
        for number in row_numbers:
            rows["ind"].append(position)
            rows["org_unit"].append(unit)
            rows["row"].append(number)
    schema = {"row": pl.Int64, "year": pl.Int32, "value": pl.Float64, "quarter": pl.Int8, "partial": pl.Boolean}
    if frame.height == 0 or not keys["key"] or not rows["row"]:
        return pl.DataFrame(schema=schema)
    key_frame = pl.DataFrame(keys, schema={"key": pl.String, "ind": pl.Int32, "rank": pl.Int32, "factor": pl.Float64,
                                           "summed": pl.Boolean})
    row_frame = pl.DataFrame(rows, schema={"ind": pl.Int32, "org_unit": pl.String, "row": pl.Int64})
    units = row_frame.select("org_unit").unique()
    data = (frame.with_columns(pl.col("indicator").cast(pl.String), pl.col("org_unit").cast(pl.String))
            .join(units, on="org_unit", how="semi")
            .join(key_frame, left_on="indicator", right_on="key", how="inner")
            .with_columns(pl.when(pl.col("factor") == 1.0).then(pl.col("value"))
                          .otherwise(pl.col("value") * pl.col("factor")).alias("value"))
            # each group below sees its rows in this order (quarter, then known last)
            .sort(["quarter", "known_at", "rank"]))
    quarterly = pl.col("quarter") > 0
    years = (data.group_by(["ind", "org_unit", "year"])
             .agg(pl.col("value").filter(pl.col("quarter") == 0).last().alias("annual"),
                  pl.col("value").filter(quarterly).last().alias("last"),
                  # added one by one in quarter order, like Python's sum()
                  pl.col("value").filter(quarterly).cum_sum().last().alias("total"),
                  pl.col("quarter").filter(quarterly).max().alias("q_max"),
                  pl.col("quarter").filter(quarterly).n_unique().alias("q_n"),
                  pl.col("summed").first()))
    has_annual = pl.col("annual").is_not_null()
    partial = ~has_annual & pl.when(pl.col("summed")).then(pl.col("q_n") < 4).otherwise(pl.col("q_max") < 4)
    years = years.with_columns(
        pl.when(has_annual).then(pl.col("annual"))
        .otherwise(pl.when(pl.col("summed")).then(pl.col("total")).otherwise(pl.col("last"))).alias("value"),
        partial.alias("partial"),
        pl.when(partial).then(pl.col("q_max")).otherwise(0).cast(pl.Int8).alias("quarter"))
    return (years.join(row_frame, on=["ind", "org_unit"], how="inner")
            .select([pl.col(name).cast(dtype) for name, dtype in schema.items()]))


def _series_rows(frame: pl.DataFrame, indicator: Indicator, unit: str, factor: float = 1.0) -> list[tuple[int, int, float]]:
    """The ``(year, quarter, value × factor)`` rows of one indicator's series (and of its
    own code, for a series not in the catalogue) for one unit, oldest known first. Used
    for the few series whose year-to-date share is explained."""
    keys = sorted({indicator.series} | ({indicator.code} if not indicator.catalogue else set()))
    rank = {k: n for n, k in enumerate(keys)}
    found = (frame.filter(pl.col("indicator").cast(pl.String).is_in(keys) & (pl.col("org_unit").cast(pl.String) == unit))
             .with_columns(pl.col("indicator").cast(pl.String).replace_strict(rank, return_dtype=pl.Int32).alias("rank"))
             .sort(["known_at", "rank"]))
    return [(y, q, v * factor if factor != 1.0 else v)
            for y, q, v in zip(found["year"].to_list(), found["quarter"].to_list(), found["value"].to_list(), strict=True)]


def _ytd_share(history: list[tuple[int, int, float]], quarter: int) -> float:
    """Typical share of the annual total reached by a quarter (from past years), else q/4."""
    shares = []
    for year in sorted({y for y, _, _ in history}):
        annual = [v for y, q, v in history if y == year and q == 0]
        ytd = [v for y, q, v in history if y == year and q == quarter]
        if annual and ytd and annual[-1]:
            shares.append(ytd[-1] / annual[-1])
    return float(np.mean(shares)) if len(shares) >= 2 else quarter / 4


def evaluate(plan: Plan, values: Any, as_of: datetime.date | None = None, thresholds: Thresholds | None = None,
             *, unit: str | None = None, task_progress: Mapping[str, str] | None = None,
             explain_parts: bool = True) -> dict[str, Any]:
    """Evaluate one plan for one org unit with the data as known at the end of ``as_of``.

    ``values``: observations (:class:`~.observations.Observation`, dicts, tuples or a
    Polars frame), in the unit the series is reported in (a catalogue entry's unit, else the
    indicator's; converted here). ``unit``: the org unit judged (default the plan's city,
    else the plan's code). Decomposed targets (``parts``) are judged on each
    part's unit. Returns a JSON-able dict: ``indicators`` (status, achievement,
    required_growth, forecast … and an explanation each) and ``rollups`` (plan, chapters,
    responsible units). With ``explain_parts=False`` the decomposed targets' parts carry
    their numbers and status but no explanation (``None``): a page that lists thousands of
    parts shows them on demand.
    """
    th = thresholds or Thresholds()
    as_of = as_of or datetime.date.today()
    place = plan.city or plan.code
    scope = unit or place
    known = as_known(observations_frame(values), as_of)
    rows: list[_Row] = []
    wanted: dict[tuple[int, str], list[int]] = defaultdict(list)
    for position, ind in enumerate(plan.indicators):
        for k, tgt in enumerate(ind.targets):
            targets_units = [(scope, None)] + [(p.unit_ref.code if p.unit_ref and p.unit_ref.code else p.unit, p)
                                                for p in tgt.parts]
            for u, part in targets_units:
                wanted[(position, u)].append(len(rows))
                rows.append(_Row(plan, ind, tgt, k, u, part, own=(u == place)))
    if not rows:
        return _result(plan, scope, as_of, th, [], task_progress)
    cells = _annual_cells(known, plan, wanted)
    row_of = cells["row"].to_numpy()
    year_of = cells["year"].to_numpy().astype(np.int64)
    value_of = cells["value"].to_numpy()
    quarter_of = cells["quarter"].to_numpy()
    partial_of = cells["partial"].to_numpy()
    data_years = [int(year_of.min()), int(year_of.max())] if len(year_of) else []
    first = min([plan.period_start - 1] + [r.indicator.baseline.year or plan.period_start for r in rows] + data_years)
    last = max([r.target.year for r in rows] + data_years + [as_of.year])
    grid = np.full((len(rows), last - first + 1), np.nan)
    partial_year = np.full(len(rows), np.nan)
    partial_offset = np.zeros(len(rows))
    # a flow's partial year stays out of the annual series (its year to date is explained
    # apart); a stock's latest level counts, at its quarter (the latest such year wins)
    flow_row = np.array([row.indicator.measure.temporal == "flow" for row in rows], dtype=bool)
    into_grid = ~(partial_of & flow_row[row_of]) if len(row_of) else np.zeros(0, dtype=bool)
    grid[row_of[into_grid], year_of[into_grid] - first] = value_of[into_grid]
    stock_partial = np.flatnonzero(into_grid & partial_of)
    for j in stock_partial[np.argsort(year_of[stock_partial], kind="stable")]:
        partial_year[row_of[j]], partial_offset[row_of[j]] = year_of[j], (4 - quarter_of[j]) / 4
    ytd: dict[int, tuple[int, YearValue]] = {}
    flow_partial = np.flatnonzero(~into_grid)
    for j in flow_partial[np.argsort(year_of[flow_partial], kind="stable")]:
        i = int(row_of[j])
        if rows[i].part is None:  # only the indicator's own row explains its year to date
            ytd[i] = (int(year_of[j]), YearValue(float(value_of[j]), int(quarter_of[j]), True))
    params = _params(rows)
    batch = Batch(grid, first, partial_year=partial_year, partial_offset=partial_offset, **params)
    out = evaluate_batch(batch, as_of.year, th)
    # plain lists: reading Python numbers is much cheaper than one NumPy scalar per field
    out = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in out.items()}
    evaluated = []
    for i, row in enumerate(rows):
        if row.part is not None and not explain_parts:
            evaluated.append((row, _part_dict(out, i)))
            continue
        r = _row_dict(out, i, row, th)
        if i in ytd:
            year, yv = ytd[i]
            series = _series_rows(known, row.indicator, row.unit, _scale(row.indicator, row.indicator.reported_unit))
            share = _ytd_share(series, yv.quarter)
            year_value = _year_on_path(r, year, row.indicator.effective_path)
            r["ytd"] = {"year": year, "quarter": yv.quarter, "value": _number(yv.value), "typical_share": _number(share),
                        "expected": _number(year_value * share) if year_value is not None else None}
        evaluated.append((row, r))
    return _result(plan, scope, as_of, th, evaluated, task_progress)


def _year_on_path(r: Mapping[str, Any], year: int, path: str) -> float | None:
    """What a whole year should bring on the schedule: for a cumulative target, the yearly
    amount still needed; otherwise the path value of that year (the yearly flow)."""
    if r["rule"] == "cumulative":
        return r["required_increment"]  # type: ignore[no-any-return]
    y0, t0, yT, T = r["baseline_value"], r["baseline_year"], r["target_value"], r["target_year"]
    if None in (y0, t0, yT, T) or T == t0:
        return None
    e = (year - t0) / (T - t0)
    if path == "geometric" and y0 > 0 and yT > 0:
        return float(y0 * (yT / y0) ** e)
    return float(y0 + (yT - y0) * e)


def _result(plan: Plan, scope: str, as_of: datetime.date, th: Thresholds,
            evaluated: list[tuple[_Row, dict[str, Any]]], task_progress: Mapping[str, str] | None) -> dict[str, Any]:
    per_indicator: dict[str, list[tuple[_Row, dict[str, Any]]]] = defaultdict(list)
    per_parts: dict[str, list[tuple[_Row, dict[str, Any]]]] = defaultdict(list)
    for row, r in evaluated:
        (per_parts if row.part is not None else per_indicator)[row.indicator.code].append((row, r))
    indicators = []
    for ind in plan.indicators:
        own = per_indicator.get(ind.code, [])
        if not own:
            continue
        head_row, head = own[_headline(own, as_of.year)]
        lead = plan.lead_of(ind)
        item = {
            "code": ind.code, "name": ind.name, "unit": ind.unit, "series": ind.series, "kind": ind.kind,
            "direction": ind.direction, "chapter": ind.chapter, "lead_unit": lead,
            "lead_unit_code": plan.unit_code(lead), "lead_unit_assigned": ind.lead_unit is not None,
            "status": head["status"], "status_label": LABELS_ZH[head["status"]],
            "status_label_en": LABELS_EN[head["status"]], "colour": COLOURS[head["status"]],
            "achievement": head["achievement"], "progress": head["progress"], "elapsed": head["elapsed"],
            "schedule_index": head["schedule_index"], "expected": head["expected"],
            "required_growth": head["required_growth"], "required_increment": head["required_increment"],
            "forecast": head["forecast"],
            "latest": {"year": head["latest_year"], "value": head["latest_value"], "partial": head["partial"]},
            "baseline": {"year": head["baseline_year"], "value": head["baseline_value"],
                         "source": head["baseline_source"]},
            "target": {"year": head["target_year"], "value": head["target_value"], "comparator": head["comparator"],
                       "rule": head["rule"]},
            "reason": head["reason"], "explanation": head["explanation"],
            "targets": [r for _, r in own],
            "parts": [{"unit": row.part.unit if row.part else row.unit, "unit_code": row.unit,
                       "target_year": r["target_year"], "target_value": r["target_value"], "status": r["status"],
                       "colour": COLOURS[r["status"]], "achievement": r["achievement"], "progress": r["progress"],
                       "latest": {"year": r["latest_year"], "value": r["latest_value"]},
                       "explanation": r["explanation"]} for row, r in per_parts.get(ind.code, [])],
        }
        if "ytd" in head:
            item["ytd"] = head["ytd"]
        indicators.append(item)
    return {
        "plan": plan.code, "title": plan.title, "unit": scope, "as_of": as_of.isoformat(),
        "period": {"start": plan.period_start, "end": plan.period_end}, "thresholds": th.as_dict(),
        "indicators": indicators, "rollups": rollup(plan, indicators, task_progress),
    }


def _summary(statuses: Iterable[str], progresses: Iterable[float | None]) -> dict[str, Any]:
    counts = Counter(statuses)
    assessed = sum(v for k, v in counts.items() if k != "no_data")
    good = counts.get("achieved", 0) + counts.get("on_track", 0)
    clipped = [min(1.0, max(0.0, p)) for p in progresses if p is not None]
    worst = max(counts, key=lambda s: SEVERITY[s]) if counts else "no_data"
    return {
        "indicators": sum(counts.values()), "assessed": assessed,
        "counts": {s: counts.get(s, 0) for s in LABELS_ZH},
        "on_track_share": _number(good / assessed) if assessed else None,
        "mean_progress": _number(float(np.mean(clipped))) if clipped else None,
        "worst": worst, "colour": COLOURS[worst],
    }


def rollup(plan: Plan, indicators: Sequence[Mapping[str, Any]],
           task_progress: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Counts of statuses, share on track and mean progress: for the plan, per chapter,
    per responsible unit (an indicator's lead, else the plan's owner; each unit a decomposed
    target names). Tasks are counted per unit as lead and as participant; ``task_progress``
    (task number → a state such as done / in_progress / overdue) adds their states."""
    chapters = {c.code: c.title for c in plan.chapters}
    by_chapter: dict[str | None, list[Mapping[str, Any]]] = defaultdict(list)
    by_unit: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    for item in indicators:
        by_chapter[item.get("chapter")].append(item)
        by_unit[item["lead_unit"] or "—"].append((item["status"], item["progress"]))
        for part in item.get("parts", []):
            by_unit[part["unit"]].append((part["status"], part["progress"]))
    tasks_by_unit: dict[str, Counter[str]] = defaultdict(Counter)
    for task in plan.tasks:
        for k, name in enumerate(task.units or ([plan.owner_unit] if plan.owner_unit else [])):
            tasks_by_unit[name]["lead" if k == 0 else "participating"] += 1
            if task_progress and task.number in task_progress:
                tasks_by_unit[name][f"state:{task_progress[task.number]}"] += 1
    units = []
    for name in sorted(set(by_unit) | set(tasks_by_unit), key=lambda n: (-len(by_unit.get(n, [])), n)):
        entries = by_unit.get(name, [])
        summary = _summary([s for s, _ in entries], [p for _, p in entries])
        counter = tasks_by_unit.get(name, Counter())
        summary.update({"unit": name, "unit_code": plan.unit_code(name),
                        "tasks": {"lead": counter.get("lead", 0), "participating": counter.get("participating", 0),
                                  "states": {k[6:]: v for k, v in counter.items() if k.startswith("state:")}}})
        units.append(summary)
    return {
        "plan": _summary([i["status"] for i in indicators], [i["progress"] for i in indicators])
        | {"tasks": len(plan.tasks)},
        "chapters": [_summary([i["status"] for i in items], [i["progress"] for i in items])
                     | {"chapter": code, "title": chapters.get(code or "", "未分章" if code is None else code)}
                     for code, items in by_chapter.items()],
        "units": units,
    }


# --- many plans × many units, vectorised ------------------------------------------------


def _codes(column: pl.Series, keys: Sequence[str]) -> np.ndarray:
    """Positions of a column's values in ``keys`` (−1 when absent), without a string pass
    over a categorical column."""
    if column.dtype in (pl.Categorical,) or isinstance(column.dtype, pl.Enum):
        physical = column.to_physical()
        missing = physical.null_count() > 0
        phys = physical.fill_null(0).to_numpy().astype(np.int64, copy=False)
        size = int(phys.max()) + 1 if len(phys) else 1
        # one row per category present (any row will do: they all carry that category)
        first_row = np.full(size, -1, dtype=np.int64)
        first_row[phys] = np.arange(len(phys))
        present = np.flatnonzero(first_row >= 0)
        names = column.gather(first_row[present]).cast(pl.String).to_list()
        index = {k: i for i, k in enumerate(keys)}
        lookup = np.full(size, -1, dtype=np.int64)
        lookup[present] = [index.get(n, -1) if n is not None else -1 for n in names]
        found: np.ndarray = lookup[phys]
        if missing:
            found[physical.is_null().to_numpy()] = -1
        return found
    enum = column.cast(pl.String).cast(pl.Enum(list(keys)), strict=False)
    codes_: np.ndarray = enum.to_physical().fill_null(-1).to_numpy().astype(np.int64)
    return codes_


def _dense(frame: pl.DataFrame, series_keys: Sequence[str], unit_keys: Sequence[str], first: int,
           n_years: int) -> tuple[np.ndarray, np.ndarray]:
    """A cube [series, unit, year] of annual values; where a cell was reported more than
    once, the value known last wins (no sort: a per-cell maximum of the known-at time)."""
    cube = np.full((len(series_keys), len(unit_keys), n_years), np.nan)
    present = np.zeros((len(series_keys), len(unit_keys)), bool)
    if frame.height == 0:
        return cube, present
    s_idx = _codes(frame["indicator"], series_keys)
    u_idx = _codes(frame["org_unit"], unit_keys)
    y_idx = frame["year"].to_numpy().astype(np.int64) - first
    values = frame["value"].to_numpy()
    ok = (y_idx >= 0) & (y_idx < n_years) & (s_idx >= 0) & (u_idx >= 0)
    all_ok = bool(ok.all())
    if not all_ok:
        s_idx, u_idx, y_idx, values = s_idx[ok], u_idx[ok], y_idx[ok], values[ok]
    flat = (s_idx * len(unit_keys) + u_idx) * n_years + y_idx
    counts = np.bincount(flat, minlength=cube.size)
    repeated = counts[flat] > 1
    del counts
    if repeated.any():
        # only the repeated cells: number them compactly, then keep per cell the row with
        # the latest known-at time (the later row on a tie)
        known = frame["known_at"].to_numpy().view(np.int64)
        if not all_ok:
            known = known[ok]
        rows = np.flatnonzero(repeated)
        # a compact label per repeated cell, without sorting: the position of one of its rows
        label = np.full(cube.size, -1, dtype=np.int64)
        label[flat[rows]] = np.arange(len(rows))
        cell = label[flat[rows]]
        del label
        times = known[rows]
        latest = np.full(len(rows), np.iinfo(np.int64).min)
        np.maximum.at(latest, cell, times)
        newest = times == latest[cell]
        winner = np.full(len(latest), -1)
        np.maximum.at(winner, cell[newest], rows[newest])
        keep = ~repeated
        keep[winner[winner >= 0]] = True
        flat, values, s_idx, u_idx = flat[keep], values[keep], s_idx[keep], u_idx[keep]
    cube.reshape(-1)[flat] = values
    present[s_idx, u_idx] = True
    return cube, present


def _latest_known(frame: pl.DataFrame, as_of: datetime.date, flows: Sequence[str] = (),
                  per_quarter: Sequence[str] = ()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows known at the end of ``as_of``, one per year, as :func:`annualise` makes
    them: an annual row wins; quarterly rows give the latest quarter (year to date), or
    their sum for flows reported quarter by quarter. A flow's incomplete year is left out;
    a stock's counts and is listed in the second frame (indicator, org_unit, year, quarter)."""
    from .observations import _cutoff

    frame = frame.filter((pl.col("known_at") <= _cutoff(as_of)) & pl.col("value").is_not_null())
    quarterly = frame.filter(pl.col("quarter") != 0)
    empty = pl.DataFrame(schema={"indicator": frame.schema["indicator"], "org_unit": frame.schema["org_unit"],
                                 "year": pl.Int32, "quarter": pl.Int8})
    if quarterly.height == 0:
        return frame, empty
    annual = frame.filter(pl.col("quarter") == 0)
    keys = ["indicator", "org_unit", "year"]
    is_flow = pl.col("indicator").cast(pl.String).is_in(list(flows))
    summed = is_flow & pl.col("indicator").cast(pl.String).is_in(list(per_quarter))
    grouped = (quarterly.sort("known_at").unique(subset=[*keys, "quarter"], keep="last")
               .sort("quarter").group_by(keys)
               .agg(pl.col("value").last().alias("last"), pl.col("value").sum().alias("total"),
                    pl.col("quarter").max().alias("q_max"), pl.col("quarter").n_unique().alias("q_n"),
                    pl.col("known_at").max())
               .join(annual.select(keys).unique(), on=keys, how="anti")
               .with_columns(pl.when(summed).then(pl.col("total")).otherwise(pl.col("last")).alias("value"),
                             pl.when(summed).then(pl.col("q_n") == 4).otherwise(pl.col("q_max") == 4)
                             .alias("complete"), is_flow.alias("flow")))
    kept = grouped.filter(pl.col("complete") | ~pl.col("flow"))
    partial = kept.filter(~pl.col("complete")).select(*keys, pl.col("q_max").cast(pl.Int8).alias("quarter"))
    rows = kept.with_columns(pl.lit(0, dtype=pl.Int8).alias("quarter")).select(annual.columns)
    return pl.concat([annual, rows]), partial


def evaluate_many(plans: Sequence[Plan], values: Any, as_of: datetime.date,
                  thresholds: Thresholds | None = None, *, units: Sequence[str] | None = None,
                  chunk: int = 50_000) -> pl.DataFrame:
    """Evaluate every plan × indicator × target × org unit in one vectorised pass.

    ``units``: the org units to judge (default: every unit with a value of the series).
    Returns one row per (plan, indicator, target, unit) with the numbers of
    :func:`evaluate` (no explanations; call :func:`evaluate` for one plan and unit to get
    them) — the same numbers, from the same core. A unit is judged against its part of a
    decomposed target (``target_from_part``), otherwise against the plan's target; the
    plan's stated baseline value counts only for the plan's own place (its city), other
    units take their baseline from their own data.
    """
    th = thresholds or Thresholds()
    templates: list[_Row] = [_Row(p, ind, tgt, k, "") for p in plans for ind in p.indicators
                             for k, tgt in enumerate(ind.targets)]
    if not templates:
        return pl.DataFrame()
    flows = sorted({key for r in templates if r.indicator.measure.temporal == "flow"
                    for key in (r.indicator.series, r.indicator.code)})
    per_quarter = sorted({key for r in templates if r.indicator.measure.basis == "quarter"
                          for key in (r.indicator.series, r.indicator.code)})
    frame, partial = _latest_known(observations_frame(values), as_of, flows, per_quarter)
    series_keys = sorted({r.indicator.series for r in templates} | {r.indicator.code for r in templates
                                                                     if not r.indicator.catalogue})
    unit_keys = list(units) if units is not None else sorted(
        str(u) for u in frame["org_unit"].unique().to_list() if u is not None)
    data_years = [int(y) for y in frame["year"].unique().to_list()]
    first = min([p.period_start - 1 for p in plans] + [r.indicator.baseline.year or r.plan.period_start
                                                      for r in templates] + data_years)
    last = max([r.target.year for r in templates] + data_years + [as_of.year])
    n_years = last - first + 1
    cube, present = _dense(frame, series_keys, unit_keys, first, n_years)
    # a stock known only for part of its latest year: that year and the share it misses
    partial_year = np.full((len(series_keys), len(unit_keys)), np.nan)
    partial_offset = np.zeros((len(series_keys), len(unit_keys)))
    if partial.height:
        partial = partial.sort("year").group_by(["indicator", "org_unit"]).agg(pl.col("year", "quarter").last())
        ps, pu = _codes(partial["indicator"], series_keys), _codes(partial["org_unit"], unit_keys)
        ok = (ps >= 0) & (pu >= 0)
        partial_year[ps[ok], pu[ok]] = partial["year"].to_numpy()[ok]
        partial_offset[ps[ok], pu[ok]] = (4 - partial["quarter"].to_numpy()[ok].astype(float)) / 4
    key_index = {k: i for i, k in enumerate(series_keys)}
    params = _params(templates)
    factors = np.array([_scale(r.indicator, r.indicator.reported_unit) for r in templates])
    t_series = np.array([key_index[r.indicator.series] for r in templates])
    alt = np.array([key_index.get(r.indicator.code, -1) if not r.indicator.catalogue else -1 for r in templates])
    # rows: every template × every unit that has values for it
    has = present[t_series] | np.where(alt[:, None] >= 0, present[np.maximum(alt, 0)], False)
    if units is not None:
        has[:] = True
    tmpl_idx, unit_idx = np.nonzero(has)
    # the plan's stated baseline is its own place's; other units take theirs from the data
    unit_pos = {u: i for i, u in enumerate(unit_keys)}
    place = np.array([unit_pos.get(r.plan.city or r.plan.code, -1) for r in templates])
    # decomposed targets (parts): that unit is judged against its part, not the whole
    part_keys, part_values = [], []
    for t, r in enumerate(templates):
        for part in r.target.parts:
            code = part.unit_ref.code if part.unit_ref and part.unit_ref.code else part.unit
            if code in unit_pos:
                part_keys.append(t * len(unit_keys) + unit_pos[code])
                part_values.append(part.value)
    order = np.argsort(np.array(part_keys, dtype=np.int64))
    part_keys_sorted = np.array(part_keys, dtype=np.int64)[order]
    part_values_sorted = np.array(part_values, dtype=float)[order]
    results: dict[str, list[np.ndarray]] = defaultdict(list)
    for lo in range(0, len(tmpl_idx), chunk):
        ti, ui = tmpl_idx[lo:lo + chunk], unit_idx[lo:lo + chunk]
        row_params = {k: v[ti] for k, v in params.items()}
        row_params["base_value"] = np.where(place[ti] == ui, row_params["base_value"], np.nan)
        is_part = np.zeros(len(ti), bool)
        if len(part_keys_sorted):
            keys = ti.astype(np.int64) * len(unit_keys) + ui
            at = np.clip(np.searchsorted(part_keys_sorted, keys), 0, len(part_keys_sorted) - 1)
            is_part = part_keys_sorted[at] == keys
            row_params["target_value"] = np.where(is_part, part_values_sorted[at], row_params["target_value"])
            row_params["base_value"] = np.where(is_part, np.nan, row_params["base_value"])
        results["from_part"].append(is_part)
        grid = cube[t_series[ti], ui]
        alt_rows = alt[ti] >= 0
        if alt_rows.any():
            other = cube[np.maximum(alt[ti], 0), ui]
            grid = np.where(alt_rows[:, None] & np.isnan(grid), other, grid)
        if (factors[ti] != 1.0).any():
            grid = grid * factors[ti, None]
        batch = Batch(grid, first, partial_year=partial_year[t_series[ti], ui],
                      partial_offset=partial_offset[t_series[ti], ui], **row_params)
        out = evaluate_batch(batch, as_of.year, th)
        for key in ("status", "achievement", "progress", "elapsed", "schedule_index", "required_growth",
                    "forecast", "forecast_method", "share", "latest_year", "latest_value", "baseline_value",
                    "target_value"):
            results[key].append(out[key])
    cat = {k: np.concatenate(v) if v else np.array([]) for k, v in results.items()}
    plan_codes = pl.Series([r.plan.code for r in templates], dtype=pl.Categorical)
    ind_codes = pl.Series([r.indicator.code for r in templates], dtype=pl.Categorical)
    return pl.DataFrame({
        "plan": plan_codes.gather(tmpl_idx), "indicator": ind_codes.gather(tmpl_idx),
        "target_year": params["target_year"][tmpl_idx].astype(np.int32),
        "org_unit": pl.Series(unit_keys, dtype=pl.Categorical).gather(unit_idx),
        "status": pl.Series(list(STATUS_NAMES), dtype=pl.Categorical).gather(cat["status"].astype(np.int64)),
        "achievement": cat["achievement"], "progress": cat["progress"], "elapsed": cat["elapsed"],
        "schedule_index": cat["schedule_index"], "required_growth": cat["required_growth"],
        "forecast": cat["forecast"],
        "forecast_method": pl.Series(list(FORECAST_NAMES), dtype=pl.Categorical).gather(
            cat["forecast_method"].astype(np.int64)),
        "share": cat["share"], "latest_year": cat["latest_year"], "latest_value": cat["latest_value"],
        "baseline_value": cat["baseline_value"], "target_value": cat["target_value"],
        "target_from_part": cat["from_part"],
    })
