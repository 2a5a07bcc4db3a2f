"""Indicator mathematics: achievement, schedule, required growth, forecasts, statuses,
roll-ups, target decomposition and the composite innovation index.

Public API (``docs/plans.md`` §Evaluation has the formulas and their sources):

- :func:`evaluate` — one plan, one org unit, "as of" a date, every number explained;
- :func:`evaluate_many` — every plan × indicator × target × org unit, vectorised;
- :func:`rollup` — status counts per plan, chapter and responsible unit;
- :class:`Thresholds` — when a forecast is on track / needs acceleration / lags;
- :func:`check_decomposition`, :func:`split_target` — parts vs the whole;
- :func:`composite_index`, :func:`explain_index_change` — the index across units;
- :func:`bench_plans` — timings for ``kechuang bench``.
"""

from __future__ import annotations

from .bench import bench_plans
from .core import Batch, evaluate_batch
from .decompose import check_decomposition, split_target
from .evaluation import evaluate, evaluate_many, rollup
from .index import IndexComponent, IndexResult, IndexSpec, composite_index, explain_index_change
from .observations import Observation, as_known, observations_frame
from .status import COLOURS, LABELS_EN, LABELS_ZH, STATUSES, Thresholds

__all__ = [
    "COLOURS",
    "LABELS_EN",
    "LABELS_ZH",
    "STATUSES",
    "Batch",
    "IndexComponent",
    "IndexResult",
    "IndexSpec",
    "Observation",
    "Thresholds",
    "as_known",
    "bench_plans",
    "check_decomposition",
    "composite_index",
    "evaluate",
    "evaluate_batch",
    "evaluate_many",
    "explain_index_change",
    "observations_frame",
    "rollup",
    "split_target",
]
