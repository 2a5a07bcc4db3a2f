"""Subsidy and award policies as data: an expression language, compiled once, evaluated in bulk.

Public API (JSON-ready outputs: money as decimal strings in yuan)::

    load_policies(dir)                       -> PolicySet (raises RuleError: file, line, column, reason)
    check_policies(dir)                      -> CheckReport (load + the test cases in the files)
    evaluate(policies, facts, year, overrides=None, *, state=None)
                                             -> Evaluation (entity × benefit amounts in fen, totals)
    explain(policies, policy_code, entity_row, year)
                                             -> Trace (step-by-step, Chinese and English)
    whatif(policies, facts, year, set={...}, formulas=None)
                                             -> WhatIf (baseline vs reform, deltas, gainers, losers)
    evaluate_programmes(policies, facts, year, [overrides, ...])
                                             -> ProgrammeTotals (K parameter sets in one pass)
    derive_facts(panel, year)                -> one row per entity with the panel facts
    bench_policy(harness_dir, entities=None, input_path=None, programmes=1, python=None)

See docs/rules.md for the language and the policy file format.
"""

from typing import Any

from .check import CheckReport, check_policies, load_policies
from .engine import Evaluation, ProgrammeTotals, WhatIf, evaluate, evaluate_programmes, whatif
from .errors import Problem, RuleError
from .explain import Trace, explain
from .panel import derive_facts
from .policy import Benefit, Parameter, Policy, PolicySet


def bench_policy(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """See :func:`kechuang.engine.rules.bench.bench_policy`."""
    from .bench import bench_policy as _bench

    return _bench(*args, **kwargs)


__all__ = [
    "Benefit", "CheckReport", "Evaluation", "Parameter", "Policy", "PolicySet", "Problem", "ProgrammeTotals",
    "RuleError", "Trace", "WhatIf", "bench_policy", "check_policies", "derive_facts", "evaluate",
    "evaluate_programmes", "explain", "load_policies", "whatif",
]
