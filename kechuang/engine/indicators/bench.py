"""A benchmark of the evaluation: many plans × indicators × years × org units.

``bench_plans()`` builds synthetic plans (a mix of plain, cumulative, growth-rate,
double-the-baseline and rising-every-year targets) and one annual value per indicator,
unit and year (a tenth of them revised later, so the "as of" filter has work to do),
then times each step. ``kechuang bench`` prints the result.

>>> timings = bench_plans(n_plans=2, n_indicators=5, n_years=4, n_units=3)
>>> timings["sizes"]["observations"] > 0 and timings["seconds"]["evaluate_many"] >= 0
True
"""

from __future__ import annotations

import datetime
import time
from typing import Any

import numpy as np
import polars as pl

from kechuang.engine.plans import Baseline, Indicator, Plan, Target

from .evaluation import evaluate, evaluate_many
from .index import IndexComponent, IndexSpec, composite_index

__all__ = ["bench_plans", "synthetic_plans"]

_RULES = [None] * 6 + ["cumulative", "annual_growth", "double_baseline", "increase_yearly"]


def synthetic_plans(n_plans: int, n_indicators: int, first_year: int, n_years: int, seed: int = 0) -> list[Plan]:
    """Plans whose period covers the years after the first (the baseline year)."""
    rng = np.random.default_rng(seed)
    start, end = first_year + 1, first_year + n_years - 1
    plans = []
    for p in range(n_plans):
        plan = Plan(code=f"bench-{p:03d}", title=f"基准测试规划{p}", source="000_0000000000000000.txt",
                    period_start=start, period_end=end, city="150000")
        for i in range(n_indicators):
            rule = _RULES[rng.integers(len(_RULES))]
            base = float(rng.uniform(10, 100))
            value: float | None = round(base * float(rng.uniform(1.2, 2.5)), 2)
            if rule == "annual_growth":
                value = float(rng.integers(5, 25))
            elif rule == "double_baseline":
                value = None
            elif rule == "cumulative":
                value = round(base * (end - start + 1) * float(rng.uniform(0.8, 1.4)), 2)
            lower = rule is None and rng.random() < 0.1
            indicator = Indicator(
                code=f"i{i:03d}", name=f"指标{i}", unit="亿元" if i % 3 == 0 else "家",
                direction="lower" if lower else "higher", comparator="<=" if lower else ">=",
                kind="binding" if rng.random() < 0.1 else "expected", plan_code=plan.code,
                value_type="level", baseline=Baseline(first_year, None if rule == "cumulative" else round(base, 2)),
                quote="(synthetic)",
            )
            if lower and value is not None:
                value = round(base * 0.6, 2)
            indicator.targets.append(Target(end, value, indicator.comparator, rule,
                                            basis="average" if rule == "annual_growth" else None,
                                            since=start if rule == "cumulative" else None))
            plan.indicators.append(indicator)
        plans.append(plan)
    return plans


def synthetic_observations(plans: list[Plan], n_units: int, first_year: int, n_years: int,
                           seed: int = 0) -> pl.DataFrame:
    """One value per series, unit and year; 10 % of cells reported twice (a revision)."""
    rng = np.random.default_rng(seed + 1)
    series = [ind.series for plan in plans for ind in plan.indicators]
    units = [f"U{u:04d}" for u in range(n_units)]
    n_series = len(series)
    shape = (n_series, n_units, n_years)
    base = rng.uniform(10, 100, size=(n_series, n_units, 1))
    growth = rng.normal(0.08, 0.06, size=shape)
    growth[:, :, 0] = 0.0
    values = base * np.cumprod(1 + growth, axis=2)
    s_idx, u_idx, y_idx = (a.ravel() for a in np.indices(shape))
    years = (first_year + y_idx).astype(np.int32)
    # each year's value becomes known on 1 March of the next year
    known = ((years + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") + np.timedelta64(59, "D")).astype(
        "datetime64[us]")
    frame = pl.DataFrame({
        "indicator": pl.Series(series, dtype=pl.String).cast(pl.Categorical).gather(s_idx),
        "org_unit": pl.Series(units, dtype=pl.String).cast(pl.Categorical).gather(u_idx),
        "year": years, "quarter": np.zeros(len(years), dtype=np.int8), "value": values.ravel(),
        "known_at": known,
    })
    revised = rng.random(frame.height) < 0.1
    later = frame.filter(pl.Series(revised)).with_columns(
        (pl.col("value") * 1.01), (pl.col("known_at") + pl.duration(days=200)))
    return pl.concat([frame, later])


def bench_plans(n_plans: int = 100, n_indicators: int = 50, n_years: int = 10, n_units: int = 200,
                seed: int = 0, as_of: datetime.date | None = None) -> dict[str, Any]:
    """Time the evaluation of ``n_plans × n_indicators`` indicators over ``n_years`` years
    and ``n_units`` org units. Returns ``{"seconds": {...}, "sizes": {...}}``."""
    first_year = 2016
    as_of = as_of or datetime.date(first_year + n_years - 1, 6, 30)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    plans = synthetic_plans(n_plans, n_indicators, first_year, n_years, seed)
    frame = synthetic_observations(plans, n_units, first_year, n_years, seed)
    seconds["generate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    result = evaluate_many(plans, frame, as_of)
    seconds["evaluate_many"] = time.perf_counter() - clock

    clock = time.perf_counter()
    summary = result.group_by(["plan", "status"]).len()
    seconds["rollup"] = time.perf_counter() - clock

    clock = time.perf_counter()
    one_unit = frame.filter(pl.col("org_unit") == "U0000")
    one = evaluate(plans[0], one_unit, as_of, unit="U0000")
    seconds["evaluate_one_plan_explained"] = time.perf_counter() - clock

    clock = time.perf_counter()
    n_components = min(n_indicators, 30)
    chosen = [ind.series for ind in plans[0].indicators[:n_components]]
    index_rows = frame.filter(pl.col("indicator").cast(pl.String).is_in(chosen)).select(
        pl.col("org_unit").cast(pl.String), pl.col("indicator").cast(pl.String), "year", "value")
    index = composite_index(index_rows, IndexSpec(tuple(IndexComponent(c) for c in chosen)))
    seconds["composite_index"] = time.perf_counter() - clock
    seconds["total_evaluation"] = seconds["evaluate_many"] + seconds["rollup"] + seconds["composite_index"]
    return {
        "seconds": {k: round(v, 4) for k, v in seconds.items()},
        "sizes": {"plans": n_plans, "indicators": n_plans * n_indicators, "years": n_years, "units": n_units,
                  "observations": frame.height, "evaluated_rows": result.height, "status_groups": summary.height,
                  "explained_indicators": len(one["indicators"]), "index_units": len(index.units)},
    }
