"""The evaluation mathematics, vectorised over many series at once.

One row of a :class:`Batch` is one (indicator, target, org unit); its values are the
annual values on a shared grid of consecutive years (NaN = no value known). Every formula
of ``docs/plans.md`` §Evaluation is computed here with NumPy, for one plan or for a
million series, so that a single indicator and the benchmark get identical answers.

Notation (``research/indicators.md`` §5): baseline year t0 with value y0, latest year t
with value yt, target year T with value yT, d = +1 (higher is better) or −1.

>>> import numpy as np
>>> b = Batch.single([30, np.nan, np.nan, 65], first_year=2020, base_year=2020, target_year=2025,
...                  target_value=100)
>>> out = evaluate_batch(b, as_of_year=2024)
>>> round(float(out["achievement"][0]), 2), round(float(out["progress"][0]), 2), STATUS_NAMES[out["status"][0]]
(0.65, 0.5, 'accelerate')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .status import (
    ACCELERATE,
    ACHIEVED,
    DETERIORATING,
    LAGGING,
    NO_DATA,
    ON_TRACK,
    STATUSES,
    Thresholds,
)

__all__ = ["Batch", "evaluate_batch", "STATUS_NAMES", "RULE_CODES", "COMPARATOR_CODES", "FORECAST_NAMES",
           "REASONS"]

STATUS_NAMES = STATUSES
RULE_CODES = {None: 0, "double_baseline": 1, "increase_yearly": 2, "cumulative": 3, "annual_growth": 4,
              "increase_by": 5}
COMPARATOR_CODES = {">=": 0, ">": 1, "<=": 2, "<": 3, "between": 4}
FORECAST_NAMES = ("none", "cagr", "linear", "mean_rate")
F_NONE, F_CAGR, F_LINEAR, F_MEAN_RATE = range(4)

# Why a status was given (index into REASONS).
REASONS = ("", "no_values", "no_baseline", "too_few_points", "met", "missed", "moving_away", "forecast",
           "schedule", "not_increasing", "year_below_rate", "met_so_far")
(R_NONE, R_NO_VALUES, R_NO_BASELINE, R_TOO_FEW, R_MET, R_MISSED, R_AWAY, R_FORECAST, R_SCHEDULE,
 R_NOT_INCREASING, R_YEAR_BELOW, R_MET_SO_FAR) = range(len(REASONS))


def _f(n: int, value: float = np.nan) -> np.ndarray:
    return np.full(n, value, dtype=float)


@dataclass
class Batch:
    """The series to evaluate and their targets; every per-row array has length n."""

    values: np.ndarray  # [n, Y] annual values in the indicator's unit; NaN = unknown
    first_year: int  # the year of column 0
    target_year: np.ndarray  # [n] int
    target_value: np.ndarray  # [n] NaN when the rule gives it (double_baseline)
    base_year: Any = None  # [n] NaN = none
    base_value: Any = None
    upper: Any = None  # band upper bound
    direction: Any = None  # +1 / -1 / 0 band
    comparator: Any = None
    rule: Any = None
    rate_type: Any = None  # values are growth rates in %
    geometric: Any = None
    binding: Any = None
    start: Any = None  # period start / cumulative since
    each_year: Any = None  # annual_growth every year
    partial_year: Any = None  # a year known only in part
    partial_offset: Any = None  # its missing share of a year

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=float)
        if self.values.ndim == 1:
            self.values = self.values[None, :]
        n = self.values.shape[0]

        def arr(value: Any, default: Any, dtype: Any) -> np.ndarray:
            if value is None:
                return np.full(n, default, dtype=dtype)
            out = np.asarray(value, dtype=dtype)
            return np.broadcast_to(out, (n,)).copy() if out.shape != (n,) else out

        self.target_year = arr(self.target_year, 0, float)
        self.target_value = arr(self.target_value, np.nan, float)
        self.base_year = arr(self.base_year, np.nan, float)
        self.base_value = arr(self.base_value, np.nan, float)
        self.upper = arr(self.upper, np.nan, float)
        self.direction = arr(self.direction, 1, np.int8)
        self.comparator = arr(self.comparator, 0, np.int8)
        self.rule = arr(self.rule, 0, np.int8)
        self.rate_type = arr(self.rate_type, False, bool)
        self.geometric = arr(self.geometric, False, bool)
        self.binding = arr(self.binding, False, bool)
        self.start = arr(self.start, np.nan, float)
        self.each_year = arr(self.each_year, False, bool)
        self.partial_year = arr(self.partial_year, np.nan, float)
        self.partial_offset = arr(self.partial_offset, 0.0, float)
        # the period start defaults to the year after the baseline, else the first column
        self.start = np.where(np.isnan(self.start), np.where(np.isnan(self.base_year), self.first_year,
                                                               self.base_year + 1), self.start)

    @classmethod
    def single(cls, values: Any, *, first_year: int, **kwargs: Any) -> Batch:
        """One series (handy in tests and examples): scalars for every parameter."""
        if "rule" in kwargs and not isinstance(kwargs["rule"], (int, np.integer)):
            kwargs["rule"] = RULE_CODES[kwargs["rule"]]
        if "comparator" in kwargs and isinstance(kwargs["comparator"], str):
            kwargs["comparator"] = COMPARATOR_CODES[kwargs["comparator"]]
        if "direction" in kwargs and isinstance(kwargs["direction"], str):
            kwargs["direction"] = {"higher": 1, "lower": -1, "band": 0}[kwargs["direction"]]
        kwargs.setdefault("target_value", np.nan)
        return cls(np.asarray(values, dtype=float)[None, :], first_year, **kwargs)

    @property
    def n(self) -> int:
        return int(self.values.shape[0])


def _last_index(mask: np.ndarray) -> np.ndarray:
    """Column of the last True per row, −1 when none."""
    y = mask.shape[1]
    idx = y - 1 - np.argmax(mask[:, ::-1], axis=1)
    return np.where(mask.any(axis=1), idx, -1)


def _first_index(mask: np.ndarray) -> np.ndarray:
    idx = np.argmax(mask, axis=1)
    return np.where(mask.any(axis=1), idx, -1)


def _take(matrix: np.ndarray, idx: np.ndarray) -> np.ndarray:
    out = matrix[np.arange(matrix.shape[0]), np.clip(idx, 0, matrix.shape[1] - 1)]
    return np.where(idx >= 0, out, np.nan)


def _compare(value: np.ndarray, target: np.ndarray, upper: np.ndarray, cmp: np.ndarray, tol: float) -> np.ndarray:
    eps = tol * np.maximum(1.0, np.abs(target))
    with np.errstate(invalid="ignore"):
        out = np.select(
            [cmp == 0, cmp == 1, cmp == 2, cmp == 3, cmp == 4],
            [value >= target - eps, value > target + eps, value <= target + eps, value < target - eps,
             (value >= target - eps) & (value <= upper + eps)],
            default=False,
        )
    result: np.ndarray = out & ~np.isnan(value) & ~np.isnan(target)
    return result


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((b != 0) & ~np.isnan(b), a / np.where(b == 0, 1, b), np.nan)


def _pow(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ok = (base > 0) & np.isfinite(exponent)
        return np.where(ok, np.power(np.where(ok, base, 1.0), np.where(ok, exponent, 0.0)), np.nan)


def evaluate_batch(batch: Batch, as_of_year: int, thresholds: Thresholds | None = None) -> dict[str, np.ndarray]:
    """Evaluate every row of a batch; returns one array per output (length n).

    Values of years after ``min(as_of_year, target year)`` are ignored: a target whose year
    has passed is assessed up to its year.
    """
    th = thresholds or Thresholds()
    V = batch.values
    n, ny = V.shape
    years = batch.first_year + np.arange(ny, dtype=float)
    yr = years[None, :]
    rows = np.arange(n)
    T = batch.target_year.astype(float)
    horizon = np.minimum(T, float(as_of_year))
    in_window = yr <= horizon[:, None]
    rule = batch.rule
    start = batch.start
    known = ~np.isnan(V)

    # --- baseline: as written, else the value of the baseline year, else the last value
    # before the period, else the first value in it (flagged as observed)
    t0 = batch.base_year.copy()
    y0 = batch.base_value.copy()
    col0 = np.where(np.isnan(t0), -1, t0 - batch.first_year).astype(int)
    col0 = np.where((col0 >= 0) & (col0 < ny), col0, -1)
    at_base = _take(V, col0)
    baseline_source = np.where(np.isnan(y0), 0, 1).astype(np.int8)  # 0 none, 1 plan, 2 observed
    fill = np.isnan(y0) & ~np.isnan(at_base)
    y0 = np.where(fill, at_base, y0)
    baseline_source = np.where(fill, 2, baseline_source)
    no_year = np.isnan(t0)
    if no_year.any():
        before = known & (yr < start[:, None])
        last_before = _last_index(before)
        first_in = _first_index(known & (yr >= start[:, None]) & in_window)
        pick = np.where(last_before >= 0, last_before, first_in)
        pick = np.where(no_year, pick, -1)
        t0 = np.where(no_year & (pick >= 0), batch.first_year + pick, t0)
        y0 = np.where(no_year & (pick >= 0), _take(V, pick), y0)
        baseline_source = np.where(no_year & (pick >= 0), 2, baseline_source)

    # --- the series each rule judges
    S = V.copy()
    # the baseline is a point of the series (so the first year must beat it, and trends use it)
    place = (col0 >= 0) & ~np.isnan(y0) & (baseline_source == 1)
    if place.any():
        S[rows[place], col0[place]] = np.where(np.isnan(S[rows[place], col0[place]]), y0[place],
                                               S[rows[place], col0[place]])
    cumulative = rule == 3
    if cumulative.any():
        c_rows = np.flatnonzero(cumulative)
        window = known[c_rows] & (yr >= start[c_rows, None]) & in_window[c_rows]
        flows = np.where(window, V[c_rows], 0.0)
        running = np.cumsum(flows, axis=1)
        S[c_rows] = np.where(window, running, np.nan)
        t0[c_rows] = start[c_rows] - 1
        y0[c_rows] = 0.0
        baseline_source[c_rows] = 1
        # the year before the window holds the zero point
        zero_col = (start[c_rows] - 1 - batch.first_year).astype(int)
        ok = (zero_col >= 0) & (zero_col < ny)
        S[c_rows[ok], zero_col[ok]] = 0.0

    # --- the target each row aims at
    yT = batch.target_value.copy()
    yT = np.where(rule == 1, 2.0 * y0, yT)
    yT = np.where(rule == 5, y0 + batch.target_value, yT)
    upper = batch.upper
    d = batch.direction.astype(float)
    cmp = batch.comparator.copy()

    points = ~np.isnan(S) & in_window & (yr >= np.where(np.isnan(t0), -np.inf, t0)[:, None])
    t_idx = _last_index(points)
    t = np.where(t_idx >= 0, batch.first_year + t_idx, np.nan)
    yt = _take(S, t_idx)
    n_points = points.sum(axis=1)
    partial = (batch.partial_offset > 0) & (t == batch.partial_year)
    t_eff = t - np.where(partial, batch.partial_offset, 0.0)

    # a band (区间) turns into "reach the nearer edge" when the value lies outside it
    band = cmp == 4
    if band.any():
        below = band & (yt < yT)
        above = band & (yt > upper)
        d = np.where(below, 1.0, np.where(above, -1.0, d))
        yT = np.where(above, upper, yT)
        cmp = np.where(below, 0, np.where(above, 2, cmp)).astype(np.int8)
        d = np.where(band & ~below & ~above, 1.0, d)

    met = _compare(yt, yT, upper, cmp, th.rel_tol)

    # --- achievement, progress, schedule
    with np.errstate(divide="ignore", invalid="ignore"):
        achievement = np.where(d > 0, _safe_div(yt, yT), np.where((yt > 0) & (yT > 0), _safe_div(yT, yt), np.nan))
        gap = yT - y0
        progress = np.where(gap != 0, _safe_div(yt - y0, gap), np.where(met, 1.0, 0.0))
        span = T - t0
        elapsed = np.where(span > 0, (t_eff - t0) / np.where(span > 0, span, 1), np.nan)
        geometric = batch.geometric & (y0 > 0) & (yT > 0) & ~cumulative
        expected_lin = y0 + gap * elapsed
        expected_geo = y0 * _pow(_safe_div(yT, y0), elapsed)
        expected = np.where(geometric, expected_geo, expected_lin)
        schedule_index = np.where(elapsed > 0, progress / np.where(elapsed > 0, elapsed, 1), np.nan)

        # --- growth: observed, required over the whole period, still required
        dt_obs = t_eff - t0
        cagr_obs = np.where(dt_obs > 0, _pow(_safe_div(yt, y0), 1.0 / np.where(dt_obs > 0, dt_obs, 1)) - 1, np.nan)
        cagr_req = np.where(span > 0, _pow(_safe_div(yT, y0), 1.0 / np.where(span > 0, span, 1)) - 1, np.nan)
        ratio = _safe_div(cagr_obs, cagr_req)
        remaining = T - t_eff
        required_growth = np.where(remaining > 0, _pow(_safe_div(yT, yt), 1.0 / np.where(remaining > 0, remaining, 1)) - 1,
                                   np.nan)
        required_increment = np.where(remaining > 0, (yT - yt) / np.where(remaining > 0, remaining, 1), np.nan)

        # --- forecasts to the target year
        forecast_cagr = np.where(cumulative, np.nan, yt * _pow(1 + cagr_obs, remaining))
        xs = np.where(points, yr, np.nan)
        ys = np.where(points, S, np.nan)
        npts = np.maximum(n_points, 1)
        x_mean = np.nansum(xs, axis=1) / npts
        y_mean = np.nansum(ys, axis=1) / npts
        dx = np.where(points, yr - x_mean[:, None], 0.0)
        dy = np.where(points, S - y_mean[:, None], 0.0)
        sxx = (dx * dx).sum(axis=1)
        slope = np.where(sxx > 0, (dx * dy).sum(axis=1) / np.where(sxx > 0, sxx, 1), np.nan)
        forecast_linear = y_mean + slope * (T - x_mean)
        # cumulative: the mean annual flow so far, carried on
        mean_flow = np.where(dt_obs > 0, yt / np.where(dt_obs > 0, dt_obs, 1), np.nan)
        forecast_linear = np.where(cumulative, yt + mean_flow * remaining, forecast_linear)
        use_cagr = geometric & ~np.isnan(forecast_cagr)
        forecast = np.where(use_cagr, forecast_cagr, forecast_linear)
        forecast_method = np.where(use_cagr, F_CAGR, np.where(np.isnan(forecast_linear), F_NONE, F_LINEAR))
        forecast = np.where(remaining <= 0, yt, forecast)  # the target year's own value is the answer
        share = np.where(gap != 0, _safe_div(forecast - y0, gap), np.nan)

    # --- status
    status = np.full(n, ON_TRACK, dtype=np.int8)
    reason = np.full(n, R_FORECAST, dtype=np.int8)
    final = ~np.isnan(t) & (t >= T) & ~partial
    moving_away = (d * (yt - y0) < 0) | (share < 0)
    judged = np.where(np.isnan(share), np.nan, share)
    fallback = np.isnan(judged) & ~np.isnan(schedule_index)
    judged = np.where(fallback, schedule_index / th.schedule_tolerance * th.on_track, judged)
    by_share = _status_from_share(judged, batch.binding, th)
    status[:] = by_share
    reason[:] = np.where(fallback, R_SCHEDULE, R_FORECAST)
    status = np.where(moving_away, DETERIORATING, status)
    reason = np.where(moving_away, R_AWAY, reason)
    few = n_points < th.min_points
    status = np.where(few, NO_DATA, status)
    reason = np.where(few, R_TOO_FEW, reason)
    missed = final & ~met
    status = np.where(missed, LAGGING, status)
    reason = np.where(missed, R_MISSED, reason)
    status = np.where(met, ACHIEVED, status)
    reason = np.where(met, R_MET, reason)
    no_target = np.isnan(yT)
    status = np.where(no_target & (rule != 2), NO_DATA, status)
    reason = np.where(no_target & (rule != 2), R_NO_BASELINE, reason)
    nothing = np.isnan(t)
    status = np.where(nothing, NO_DATA, status)
    reason = np.where(nothing, R_NO_VALUES, reason)

    # --- 逐年递增: every year above the last (the baseline included)
    broken = np.zeros(n, dtype=int)
    yearly = rule == 2
    if yearly.any():
        r_rows = np.flatnonzero(yearly)
        P = points[r_rows]
        Sv = S[r_rows]
        idx = np.where(P, np.arange(ny)[None, :], -1)
        last_seen = np.maximum.accumulate(idx, axis=1)
        prev = np.concatenate([np.full((len(r_rows), 1), -1), last_seen[:, :-1]], axis=1)
        prev_val = np.where(prev >= 0, np.take_along_axis(Sv, np.clip(prev, 0, ny - 1), axis=1), np.nan)
        with np.errstate(invalid="ignore"):
            rising = d[r_rows, None] * (Sv - prev_val) > 0
        checked = P & (prev >= 0)
        broken[r_rows] = (checked & ~rising).sum(axis=1)
        has_value = ~np.isnan(yT[r_rows])
        sub_status = status[r_rows]
        sub_reason = reason[r_rows]
        enough = (P.sum(axis=1) >= 2)
        # without a value target: on track while every year rose, achieved at the target year
        plain = ~has_value & enough
        sub_status = np.where(plain, np.where(final[r_rows], ACHIEVED, ON_TRACK), sub_status)
        sub_reason = np.where(plain, np.where(final[r_rows], R_MET, R_MET_SO_FAR), sub_reason)
        sub_status = np.where(~has_value & ~enough, NO_DATA, sub_status)
        sub_reason = np.where(~has_value & ~enough, R_TOO_FEW, sub_reason)
        # a value target met before the target year: every year must still rise until then
        early = has_value & met[r_rows] & ~final[r_rows]
        sub_status = np.where(early, ON_TRACK, sub_status)
        sub_reason = np.where(early, R_MET_SO_FAR, sub_reason)
        fails = broken[r_rows] > 0
        # status codes are ordered by severity (no data lowest), so max() is the worse one
        worse = np.where(moving_away[r_rows], DETERIORATING, LAGGING)
        sub_status = np.where(fails, np.maximum(sub_status, worse), sub_status)
        sub_reason = np.where(fails, R_NOT_INCREASING, sub_reason)
        status[r_rows] = sub_status
        reason[r_rows] = sub_reason
        met = np.where(yearly, met & (broken == 0), met)

    out: dict[str, np.ndarray] = {
        "baseline_year": t0, "baseline_value": y0, "baseline_source": baseline_source,
        "target_year": T, "target_value": yT, "latest_year": t, "latest_value": yt, "partial": partial,
        "n_points": n_points, "met": met, "final": final,
        "achievement": achievement, "progress": progress, "elapsed": elapsed, "expected": expected,
        "schedule_index": schedule_index, "cagr_observed": cagr_obs, "cagr_required": cagr_req,
        "cagr_ratio": ratio, "required_growth": required_growth, "required_increment": required_increment,
        "forecast": forecast, "forecast_method": forecast_method, "forecast_cagr": forecast_cagr,
        "forecast_linear": forecast_linear, "share": share, "status": status, "reason": reason,
        "broken_years": broken, "direction": d,
    }

    # --- 年均增长 x%: a growth-rate target, compared directly (never the CAGR of a rate)
    growth = rule == 4
    if growth.any():
        _growth_rows(batch, np.flatnonzero(growth), out, years, in_window, th)
    return out


def _status_from_share(share: np.ndarray, binding: np.ndarray, th: Thresholds) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        normal = np.where(share >= th.on_track, ON_TRACK, np.where(share >= th.accelerate, ACCELERATE, LAGGING))
        strict_yellow = th.binding_accelerate if th.binding_accelerate is not None else np.inf
        strict = np.where(share >= th.binding_on_track, ON_TRACK, np.where(share >= strict_yellow, ACCELERATE, LAGGING))
        out = np.where(binding, strict, normal)
        out = np.where(share < 0, DETERIORATING, out)
    return np.where(np.isnan(share), NO_DATA, out).astype(np.int8)


def _growth_rows(batch: Batch, g_rows: np.ndarray, out: dict[str, np.ndarray], years: np.ndarray,
                 in_window: np.ndarray, th: Thresholds) -> None:
    """Rows whose target is an annual growth rate (年均增长 / 每年增长 x%)."""
    V = batch.values[g_rows]
    rate_type = batch.rate_type[g_rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        from_levels = np.concatenate([np.full((len(g_rows), 1), np.nan), V[:, 1:] / V[:, :-1] - 1], axis=1)
        from_levels = np.where(np.isfinite(from_levels), from_levels, np.nan)
        G = np.where(rate_type[:, None], V / 100.0, from_levels)
    start = batch.start[g_rows]
    T = batch.target_year[g_rows].astype(float)
    yr = years[None, :]
    window = ~np.isnan(G) & in_window[g_rows] & (yr >= start[:, None]) & (yr <= T[:, None])
    G = np.where(window, G, np.nan)
    k = window.sum(axis=1)
    total_years = T - start + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        log_sum = np.nansum(np.log1p(np.where(window & (G > -1), G, 0.0)), axis=1)
        avg = np.where(k > 0, np.expm1(log_sum / np.maximum(k, 1)), np.nan)
        lowest = np.where(k > 0, np.nanmin(np.where(window, G, np.inf), axis=1), np.nan)
    each = batch.each_year[g_rows]
    observed = np.where(each, lowest, avg) * 100.0  # in %, like the target
    target = batch.target_value[g_rows]  # in %
    r = target / 100.0
    t_idx = _last_index(window)
    t = np.where(t_idx >= 0, years[0] + t_idx, np.nan)
    remaining_years = total_years - k
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        needed_product = np.power(1 + r, total_years) / np.exp(log_sum)
        required = np.where(remaining_years > 0, _pow(needed_product, 1.0 / np.maximum(remaining_years, 1)) - 1, np.nan)
        required = np.where(each, np.where(remaining_years > 0, r, np.nan), required)
        ratio = np.where(r != 0, observed / np.where(target != 0, target, 1), np.nan)
    cmp = batch.comparator[g_rows]
    met_so_far = _compare(observed, target, batch.upper[g_rows], cmp, th.rel_tol)
    final = (k > 0) & (t >= T)
    status = _status_from_share(ratio, batch.binding[g_rows], th)
    reason = np.full(len(g_rows), R_FORECAST, dtype=np.int8)
    status = np.where(met_so_far & ~final, ON_TRACK, status)
    reason = np.where(met_so_far & ~final, R_MET_SO_FAR, reason)
    below = each & (k > 0) & ~met_so_far
    status = np.where(below, LAGGING, status)
    reason = np.where(below, R_YEAR_BELOW, reason)
    status = np.where(observed < 0, DETERIORATING, status)
    reason = np.where(observed < 0, R_AWAY, reason)
    status = np.where(final & met_so_far, ACHIEVED, status)
    reason = np.where(final & met_so_far, R_MET, reason)
    status = np.where(final & ~met_so_far, LAGGING, status)
    reason = np.where(final & ~met_so_far, R_MISSED, reason)
    status = np.where(k == 0, NO_DATA, status)
    reason = np.where(k == 0, R_NO_VALUES, reason)
    nan = np.full(len(g_rows), np.nan)
    updates = {
        "latest_year": t, "latest_value": observed, "target_value": target, "n_points": k,
        "met": met_so_far & final, "final": final, "achievement": ratio, "progress": nan,
        "elapsed": np.where(total_years > 0, k / total_years, np.nan), "expected": target,
        "schedule_index": nan, "cagr_observed": avg, "cagr_required": r, "cagr_ratio": ratio,
        "required_growth": required, "required_increment": nan, "forecast": observed,
        "forecast_method": np.where(k > 0, F_MEAN_RATE, F_NONE), "forecast_cagr": nan, "forecast_linear": nan,
        "share": ratio, "status": status.astype(np.int8), "reason": reason, "baseline_year": start - 1,
        "baseline_value": nan, "baseline_source": np.zeros(len(g_rows), dtype=np.int8),
    }
    for key, values in updates.items():
        out[key][g_rows] = values
