"""A composite innovation index across org units: normalise, weight, aggregate, rank — and
say why a unit moved between two years.

The default follows the European Innovation Scoreboard (``research/indicators.md`` §3.1):
optional square-root transform of skewed indicators, min-max normalisation with the
minimum and maximum taken over **every unit and every year of the window** (so that a
unit's score moves only with its own values, not with this year's cohort), positive
outliers (mean + k·σ) left out of the min/max, and the unweighted arithmetic mean. The
other anchors are available: fixed goalposts, the Chinese standard-value method
(全国科技进步统计监测: min(1, x / s), weighted), a fixed-base index (NBS 中国创新指数) and
z-scores; weights per indicator; arithmetic or geometric aggregation; a minimum coverage
below which no score is given (SDSN: none if more than 20 % is missing).

>>> rows = [("A", "rd", 2023, 1.0), ("B", "rd", 2023, 3.0), ("A", "rd", 2024, 2.0), ("B", "rd", 2024, 3.0)]
>>> result = composite_index(rows, IndexSpec((IndexComponent("rd"),)))
>>> result.score("A", 2024), result.rank("A", 2024)
(50.0, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

__all__ = ["IndexComponent", "IndexResult", "IndexSpec", "composite_index", "explain_index_change"]

METHODS = ("minmax", "goalposts", "standard", "fixed_base", "zscore")
TRANSFORMS = ("none", "sqrt", "log1p")


@dataclass(frozen=True)
class IndexComponent:
    """One indicator in the index."""

    indicator: str
    weight: float = 1.0
    direction: str = "higher"  # or "lower": normalised values are inverted
    transform: str = "none"  # none | sqrt (EIS, for unbounded skewed indicators) | log1p
    goalposts: tuple[float, float] | None = None  # (L, U) for the goalposts method
    standard: float | None = None  # the 监测标准 for the standard-value method
    name: str | None = None


@dataclass(frozen=True)
class IndexSpec:
    components: tuple[IndexComponent, ...]
    method: str = "minmax"
    window: tuple[int, int] | None = None  # years whose values set min and max (default: all)
    outlier_k: float | None = 3.0  # leave values above mean + k·sd out of min/max (EIS 2008: k = 3)
    aggregation: str = "arithmetic"  # arithmetic | geometric
    min_coverage: float = 0.8  # share of the weight that must have values (SDSN: 80 %)
    base_year: int | None = None  # fixed_base: the year = 100
    scale: float = 100.0
    floor: float = 0.01  # geometric aggregation: normalised values below this count as this


@dataclass
class IndexResult:
    spec: IndexSpec
    units: list[str]
    years: list[int]
    raw: np.ndarray  # [unit, component, year]
    normalised: np.ndarray  # [unit, component, year] in [0, 1] (minmax/goalposts/standard)
    weights: np.ndarray  # [unit, component, year] effective weights (sum 1 where scored)
    scores: np.ndarray  # [unit, year]
    ranks: np.ndarray  # [unit, year] 1 = best, 0 = not ranked
    coverage: np.ndarray  # [unit, year]
    bounds: list[dict[str, float]] = field(default_factory=list)

    def _u(self, unit: str) -> int:
        return self.units.index(unit)

    def _y(self, year: int) -> int:
        return self.years.index(year)

    def score(self, unit: str, year: int) -> float | None:
        value = self.scores[self._u(unit), self._y(year)]
        return None if math.isnan(value) else round(float(value), 6)

    def rank(self, unit: str, year: int) -> int | None:
        value = int(self.ranks[self._u(unit), self._y(year)])
        return value or None

    def contributions(self, unit: str, year: int) -> dict[str, float]:
        """Each indicator's part of the score (arithmetic: they add up to the score)."""
        u, y = self._u(unit), self._y(year)
        out = {}
        for c, comp in enumerate(self.spec.components):
            value = self.weights[u, c, y] * self.normalised[u, c, y] * self.spec.scale
            out[comp.indicator] = None if math.isnan(value) else float(value)
        return out  # type: ignore[return-value]

    def frame(self) -> pl.DataFrame:
        """One row per unit and year: score, rank, coverage."""
        u, y = np.meshgrid(np.arange(len(self.units)), np.arange(len(self.years)), indexing="ij")
        return pl.DataFrame({
            "org_unit": [self.units[i] for i in u.ravel()], "year": [self.years[i] for i in y.ravel()],
            "score": self.scores.ravel(), "rank": self.ranks.ravel(), "coverage": self.coverage.ravel(),
        })

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.spec.method, "aggregation": self.spec.aggregation,
            "components": [{"indicator": c.indicator, "weight": c.weight, "direction": c.direction,
                            "transform": c.transform, **b} for c, b in zip(self.spec.components, self.bounds, strict=True)],
            "scores": [{"org_unit": self.units[i], "year": self.years[j],
                        "score": None if math.isnan(self.scores[i, j]) else round(float(self.scores[i, j]), 4),
                        "rank": int(self.ranks[i, j]) or None, "coverage": round(float(self.coverage[i, j]), 4)}
                       for i in range(len(self.units)) for j in range(len(self.years))],
        }


def _cube(values: Any, spec: IndexSpec) -> tuple[list[str], list[int], np.ndarray]:
    if isinstance(values, pl.DataFrame):
        frame = values.select(["org_unit", "indicator", "year", "value"])
    else:
        frame = pl.DataFrame(list(values), schema=["org_unit", "indicator", "year", "value"], orient="row")
    wanted = [c.indicator for c in spec.components]
    frame = frame.filter(pl.col("indicator").is_in(wanted) & pl.col("value").is_not_null())
    units = sorted(frame["org_unit"].cast(pl.String).unique().to_list())
    years = sorted(int(y) for y in frame["year"].unique().to_list())
    cube = np.full((len(units), len(wanted), len(years)), np.nan)
    if frame.height:
        u = frame["org_unit"].cast(pl.String).cast(pl.Enum(units)).to_physical().to_numpy()
        c = frame["indicator"].cast(pl.String).cast(pl.Enum(wanted)).to_physical().to_numpy()
        y = frame["year"].to_numpy().astype(int) - years[0]
        year_pos = np.full(years[-1] - years[0] + 1, -1)
        year_pos[np.array(years) - years[0]] = np.arange(len(years))
        cube[u, c, year_pos[y]] = frame["value"].to_numpy().astype(float)
    return units, years, cube


def composite_index(values: Any, spec: IndexSpec) -> IndexResult:
    """Compute the index for every unit and year.

    ``values``: rows (org_unit, indicator, year, value) or a frame with those columns.
    """
    if spec.method not in METHODS:
        raise ValueError(f"unknown method {spec.method!r}; choose one of {METHODS}")
    units, years, raw = _cube(values, spec)
    x = raw.copy()
    for c, comp in enumerate(spec.components):
        if comp.transform == "sqrt":
            x[:, c] = np.sqrt(np.clip(x[:, c], 0, None))
        elif comp.transform == "log1p":
            x[:, c] = np.log1p(np.clip(x[:, c], 0, None))
    in_window = np.ones(len(years), bool)
    if spec.window:
        in_window = (np.array(years) >= spec.window[0]) & (np.array(years) <= spec.window[1])
    norm = np.full_like(x, np.nan)
    bounds: list[dict[str, float]] = []
    for c, comp in enumerate(spec.components):
        column = x[:, c]
        lower = comp.direction == "lower"
        if spec.method == "minmax":
            sample = column[:, in_window]
            sample = sample[~np.isnan(sample)]
            if spec.outlier_k is not None and sample.size > 2:
                mu, sd = sample.mean(), sample.std()
                kept = sample[sample <= mu + spec.outlier_k * sd] if sd > 0 else sample
                sample = kept if kept.size else sample
            lo, hi = (float(sample.min()), float(sample.max())) if sample.size else (math.nan, math.nan)
            r = np.clip((column - lo) / (hi - lo), 0, 1) if hi > lo else np.where(np.isnan(column), np.nan, 1.0)
            bounds.append({"min": lo, "max": hi})
        elif spec.method == "goalposts":
            if comp.goalposts is None:
                raise ValueError(f"{comp.indicator}: the goalposts method needs goalposts=(L, U)")
            lo, hi = comp.goalposts
            r = np.clip((column - lo) / (hi - lo), 0, 1)
            bounds.append({"min": lo, "max": hi})
        elif spec.method == "standard":
            if not comp.standard:
                raise ValueError(f"{comp.indicator}: the standard-value method needs standard=s")
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.minimum(1.0, (comp.standard / column) if lower else (column / comp.standard))
            lower = False  # already inverted
            bounds.append({"standard": comp.standard})
        elif spec.method == "fixed_base":
            base = years.index(spec.base_year) if spec.base_year in years else 0
            with np.errstate(divide="ignore", invalid="ignore"):
                r = column / column[:, base:base + 1]
                r = 1 / r if lower else r
            lower = False
            bounds.append({"base_year": years[base]})
        else:  # zscore
            sample = column[:, in_window]
            mu, sd = float(np.nanmean(sample)), float(np.nanstd(sample))
            r = (column - mu) / sd if sd > 0 else np.zeros_like(column)
            r = -r if lower else r
            lower = False
            bounds.append({"mean": mu, "sd": sd})
        norm[:, c] = 1 - r if lower else r
    w = np.array([comp.weight for comp in spec.components], dtype=float)[None, :, None]
    available = ~np.isnan(norm)
    w_avail = np.where(available, w, 0.0)
    total_w = float(w.sum())
    coverage = w_avail.sum(axis=1) / total_w
    weights = np.where(available, w_avail / np.maximum(w_avail.sum(axis=1, keepdims=True), 1e-300), np.nan)
    if spec.aggregation == "geometric":
        logs = np.where(available, np.log(np.maximum(norm, spec.floor)), 0.0)
        scores = np.exp(np.nansum(np.where(available, weights, 0.0) * logs, axis=1)) * spec.scale
    else:
        scores = np.nansum(np.where(available, weights * norm, 0.0), axis=1) * spec.scale
    scores = np.where(coverage >= spec.min_coverage - 1e-12, scores, np.nan)
    ranks = np.zeros(scores.shape, dtype=int)
    for j in range(len(years)):
        col = scores[:, j]
        ok = ~np.isnan(col)
        order = np.argsort(-col[ok], kind="stable")
        # equal scores share the better rank
        sorted_scores = col[ok][order]
        r = np.empty(len(order), dtype=int)
        for k in range(len(order)):
            r[k] = k + 1 if k == 0 or sorted_scores[k] != sorted_scores[k - 1] else r[k - 1]
        idx = np.flatnonzero(ok)[order]
        ranks[idx, j] = r
    return IndexResult(spec, units, years, raw, norm, weights, scores, ranks, coverage, bounds)


def explain_index_change(result: IndexResult, unit: str, year_from: int, year_to: int) -> dict[str, Any]:
    """Why a unit's score and rank moved between two years: each indicator's change of
    contribution (weight × normalised value × scale), largest first, and the units that
    passed it or that it passed. Contributions add up to the score change when every
    indicator has values in both years (arithmetic aggregation)."""
    u = result.units.index(unit)
    a, b = result.years.index(year_from), result.years.index(year_to)
    s0, s1 = result.scores[u, a], result.scores[u, b]
    r0, r1 = int(result.ranks[u, a]), int(result.ranks[u, b])
    items: list[dict[str, Any]] = []
    for c, comp in enumerate(result.spec.components):
        c0 = result.weights[u, c, a] * result.normalised[u, c, a] * result.spec.scale
        c1 = result.weights[u, c, b] * result.normalised[u, c, b] * result.spec.scale
        items.append({
            "indicator": comp.indicator, "name": comp.name or comp.indicator,
            "value_from": _n(result.raw[u, c, a]), "value_to": _n(result.raw[u, c, b]),
            "normalised_from": _n(result.normalised[u, c, a]), "normalised_to": _n(result.normalised[u, c, b]),
            "contribution_from": _n(c0), "contribution_to": _n(c1),
            "change": _n((0 if math.isnan(c1) else c1) - (0 if math.isnan(c0) else c0)),
        })
    items.sort(key=lambda i: -abs(i["change"] or 0))
    passed_by = [result.units[k] for k in range(len(result.units)) if k != u
                 and _gt(result.scores[k, a], s0) is False and _gt(result.scores[k, b], s1) is True]
    passed = [result.units[k] for k in range(len(result.units)) if k != u
              and _gt(result.scores[k, a], s0) is True and _gt(result.scores[k, b], s1) is False]
    delta = None if math.isnan(s0) or math.isnan(s1) else float(s1 - s0)
    ups = [i for i in items if (i["change"] or 0) > 0][:3]
    downs = [i for i in items if (i["change"] or 0) < 0][:3]

    def part(i: dict[str, Any]) -> str:
        return f"{i['name']}{i['change']:+.2f}({_f(i['value_from'])}→{_f(i['value_to'])})"

    zh = f"{unit}:综合得分由{_f(s0)}变为{_f(s1)}" + (f"({delta:+.2f})" if delta is not None else "")
    en = f"{unit}: the score went from {_f(s0)} to {_f(s1)}" + (f" ({delta:+.2f})" if delta is not None else "")
    if r0 and r1:
        zh += f",排名由第{r0}位{'升至' if r1 < r0 else '降至' if r1 > r0 else '保持'}第{r1}位"
        en += f", rank {r0} → {r1}"
    zh += "。"
    en += "."
    if ups:
        zh += "拉动:" + "、".join(part(i) for i in ups) + "。"
        en += " Up: " + ", ".join(part(i) for i in ups) + "."
    if downs:
        zh += "拖累:" + "、".join(part(i) for i in downs) + "。"
        en += " Down: " + ", ".join(part(i) for i in downs) + "."
    if passed_by:
        zh += f"同期被{'、'.join(passed_by)}超过。"
        en += f" Passed by {', '.join(passed_by)}."
    if passed:
        zh += f"同期超过了{'、'.join(passed)}。"
        en += f" Passed {', '.join(passed)}."
    return {"unit": unit, "year_from": year_from, "year_to": year_to, "score_from": _n(s0), "score_to": _n(s1),
            "score_change": delta, "rank_from": r0 or None, "rank_to": r1 or None, "indicators": items,
            "passed_by": passed_by, "passed": passed, "explanation": {"text": zh, "text_en": en}}


def _n(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def _f(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"


def _gt(a: float, b: float) -> bool | None:
    if math.isnan(a) or math.isnan(b):
        return None
    return bool(a > b)
