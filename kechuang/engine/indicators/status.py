"""Statuses (traffic lights) and the thresholds that assign them.

The thresholds follow the CAGR-ratio practice of Eurostat and Statistics Canada / Open SDG
(``research/indicators.md`` §5.1 (a)): a forecast that reaches ≥ 95 % of the required
progress is on track, 60–95 % needs acceleration, below 60 % lags, below 0 % deteriorates.
Binding (约束性) indicators have no yellow band: any shortfall below ``binding_on_track`` is
red (§5.2 "for binding-type indicators any P < 0.95 → red").

>>> Thresholds().status_for(0.97, binding=False)
'on_track'
>>> Thresholds().status_for(0.80, binding=True)
'lagging'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["COLOURS", "LABELS_EN", "LABELS_ZH", "SEVERITY", "STATUSES", "Thresholds"]

STATUSES = ("no_data", "achieved", "on_track", "accelerate", "lagging", "deteriorating")
NO_DATA, ACHIEVED, ON_TRACK, ACCELERATE, LAGGING, DETERIORATING = range(6)

LABELS_ZH = {"no_data": "无数据", "achieved": "已达标", "on_track": "进度正常", "accelerate": "需加快",
             "lagging": "滞后", "deteriorating": "倒退"}
LABELS_EN = {"no_data": "no data", "achieved": "achieved", "on_track": "on track", "accelerate": "needs acceleration",
             "lagging": "lagging", "deteriorating": "deteriorating"}
COLOURS = {"no_data": "grey", "achieved": "green", "on_track": "green", "accelerate": "yellow",
           "lagging": "red", "deteriorating": "red"}
# Worse is higher; used to take the worst of several targets or units.
SEVERITY = {"achieved": 0, "on_track": 1, "accelerate": 2, "lagging": 3, "deteriorating": 4, "no_data": -1}


@dataclass(frozen=True)
class Thresholds:
    """When a forecast counts as on track, needing acceleration, or lagging.

    ``P`` is the share of the required progress (target − baseline) that the forecast
    reaches by the target year; for a growth-rate target it is observed rate ÷ target rate.

    - ``on_track``: P ≥ this → 进度正常 (green). Default 0.95 (Eurostat/StatCan).
    - ``accelerate``: P ≥ this (and below on_track) → 需加快 (yellow), else 滞后. Default 0.60.
    - ``binding_on_track``: the same bar for binding (约束性) indicators; below it they are
      滞后 (red), there is no yellow band unless ``binding_accelerate`` is set.
    - ``min_points``: data points (the baseline counts) needed for a forecast; fewer → 无数据
      (Open SDG requires two).
    - ``schedule_tolerance``: the schedule index (progress ÷ elapsed time, 时间过半、任务过半)
      that still counts as on schedule when no forecast can be made. Default 0.95.
    - ``rel_tol``: relative tolerance when comparing a value with its target.
    """

    on_track: float = 0.95
    accelerate: float = 0.60
    binding_on_track: float = 0.95
    binding_accelerate: float | None = None
    min_points: int = 2
    schedule_tolerance: float = 0.95
    rel_tol: float = 1e-9

    def status_for(self, share: float, *, binding: bool) -> str:
        """The status for a projected share of required progress (no data handled elsewhere)."""
        if share < 0:
            return "deteriorating"
        if binding:
            if share >= self.binding_on_track:
                return "on_track"
            if self.binding_accelerate is not None and share >= self.binding_accelerate:
                return "accelerate"
            return "lagging"
        if share >= self.on_track:
            return "on_track"
        if share >= self.accelerate:
            return "accelerate"
        return "lagging"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
