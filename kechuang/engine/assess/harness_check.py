"""Cross-check against the assessment harness (a script, not a test: the harness is not
part of this repository and the test suite must not need it).

1. The harness's hand-written cases (``cases.py``) run against this engine: its
   ``run(**changes)`` is pointed at ``kechuang.engine.assess`` and its checks decide.
2. Every enterprise of generated panels (seed 2025, N = 20,000; seed 7, N = 5,000) is
   compared result by result with ``reference.py`` (which itself agrees with the harness's
   ``Fraction`` oracle).

    python -m kechuang.engine.assess check --harness DIR
"""

from __future__ import annotations

import argparse
import contextlib
import io
from typing import Any

import numpy as np
import polars as pl

from kechuang.engine.assess.bench import load_harness_module
from kechuang.engine.assess.hte import DATA_CONDITIONS
from kechuang.engine.assess.run import Assessment, assess
from kechuang.engine.exchange import exchange_from_frame

__all__ = ["reference_view", "run_harness_cases", "compare_with_reference"]


def reference_view(a: Assessment) -> dict[str, np.ndarray]:
    """This engine's results under the names ``reference.assess`` uses."""
    h, t, z = a.hte, a.tsme, a.zeros
    view = {name: h.conditions[name].true for name in DATA_CONDITIONS}
    view |= {
        "hte_all_conditions": h.data_conditions,
        "growth_net_assets_grade": h.growth_grade_net_assets, "growth_sales_grade": h.growth_grade_sales,
        "growth_low": h.growth_low, "growth_high": h.growth_high,
        "tsme_size_ok": t.size_ok.true, "tsme_staff_score": t.staff_score, "tsme_rd_score": t.rd_score,
        "tsme_ip_score": t.ip_score, "tsme_score": t.score, "tsme_score_pass": t.score_pass.true,
        "tsme_valid_hte": t.valid_certificate, "tsme_eligible": t.eligible.true,
        "three_zeros_base": z.base, "three_zeros_no_rd": z.no_rd_expense,
        "three_zeros_no_institution": z.no_rd_institution, "three_zeros_no_invention": z.no_invention_ip,
        "three_zeros_all": z.all,
    }
    return view


def _assess_arrow(synth: Any, table: Any) -> Assessment:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return assess(exchange_from_frame(frame), int(synth.ASSESSMENT_YEAR), synth.APPLICATION_DATE.astype(object))


def run_harness_cases(harness_dir: str) -> str:
    """The harness's hand-written cases, decided by this engine; returns their output."""
    synth = load_harness_module(harness_dir, "synth")
    cases = load_harness_module(harness_dir, "cases")

    def run(**changes: Any) -> dict[str, Any]:
        view = reference_view(_assess_arrow(synth, cases.firm(**changes)))
        return {k: v[0].item() for k, v in view.items()}

    original = cases.run
    cases.run = run
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            cases.hand_written_cases()
    finally:
        cases.run = original
    return out.getvalue()


def compare_with_reference(harness_dir: str, n: int, seed: int) -> int:
    """Compare every result of every enterprise; returns the number compared."""
    synth = load_harness_module(harness_dir, "synth")
    reference = load_harness_module(harness_dir, "reference")
    table = synth.generate(n, seed)
    e = reference.pivot(table)
    want = reference.assess(e)
    a = _assess_arrow(synth, table)
    ours = reference_view(a)
    order = pl.DataFrame({"uscc": a.panel.uscc}).with_row_index("ours").join(
        pl.DataFrame({"uscc": pl.Series(e["uscc"].to_pylist())}).with_row_index("ref"), on="uscc")
    mine, theirs = order["ours"].to_numpy(), order["ref"].to_numpy()
    assert len(order) == n == len(a)
    from kechuang.engine.codes import uscc_valid_mask

    assert uscc_valid_mask(a.panel.uscc).all()           # our GB 32100 check accepts every code
    compared = 0
    for key, values in ours.items():
        diff = np.flatnonzero(values[mine] != want[key][theirs])
        if diff.size:
            i = int(diff[0])
            raise AssertionError(f"seed {seed} {order['uscc'][i]} {key}: ours {values[mine][i]!r}, "
                                 f"reference {want[key][theirs][i]!r} ({diff.size} enterprises differ)")
        compared += n
    return compared


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m kechuang.engine.assess check",
                                 description="cross-check against the assessment harness")
    ap.add_argument("--harness", required=True)
    a = ap.parse_args(argv)
    print(run_harness_cases(a.harness), end="")
    for n, seed in ((20_000, 2025), (5_000, 7)):
        count = compare_with_reference(a.harness, n, seed)
        print(f"ok  {count} results of {n} enterprises agree with reference.py (seed {seed})")
    print("harness check passed")

