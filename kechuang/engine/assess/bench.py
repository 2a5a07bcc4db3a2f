"""The assessment benchmark against the reference harness (``bench/assess``: synth.py,
reference.py).

``bench_assess`` loads a panel — generated in memory by the harness's ``synth.py`` with
its default seed (``entities``), or read from a file (``input_path``) — through the
exchange-table reader and validator, then times the calculation: pivot plus every
assessment plus the counts (best of ``repeat`` runs, as ``reference.py`` does). The
counts use the keys and formats ``reference.py`` prints, so the two outputs can be
compared line by line.

The harness is imported from the directory given at run time; nothing of it is copied
here. Generating needs ``pyarrow`` (synth.py uses it).

    python -m kechuang.engine.assess bench --harness DIR --entities 1000000
    python -m kechuang.engine.assess bench --harness DIR --input panel.parquet
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["bench_assess", "load_harness_module"]


def load_harness_module(harness_dir: str | Path, name: str) -> ModuleType:
    """Import ``name``.py from the harness directory (its siblings importable too)."""
    harness_dir = Path(harness_dir).resolve()
    path = harness_dir / f"{name}.py"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: is {harness_dir} the assessment harness?")
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    if str(harness_dir) not in sys.path:
        sys.path.insert(0, str(harness_dir))   # reference.py imports synth by name
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def bench_assess(harness_dir: str | Path, entities: int | None = None,
                 input_path: str | Path | None = None, *, repeat: int = 5) -> dict[str, Any]:
    """Run the benchmark; returns ``{"kechuang": {"load_s", "calc_s", "peak_rss_mib",
    "counts": {…}, …}}``, ready to print as JSON.

    ``load_s``: generate (or read) plus validate, of which ``validate_s`` validates.
    ``calc_s``: best of ``repeat`` runs of pivot + assessments + counts (``reference.py``
    also reports the best of its runs); ``calc_first_s`` is the first, cold run.
    """
    import polars as pl

    from kechuang.engine.assess.run import assess
    from kechuang.engine.exchange import exchange_from_frame, read_exchange

    if (entities is None) == (input_path is None):
        raise ValueError("give entities or input_path")
    synth = load_harness_module(harness_dir, "synth")
    year = int(synth.ASSESSMENT_YEAR)
    on = synth.APPLICATION_DATE.astype(object)
    t0 = time.perf_counter()
    if entities is not None:
        frame = pl.from_arrow(synth.generate(int(entities), synth.DEFAULT_SEED))
        assert isinstance(frame, pl.DataFrame)
        t1 = time.perf_counter()
        table = exchange_from_frame(frame, source=f"synth {entities} seed {synth.DEFAULT_SEED}")
        del frame
        source = f"generated seed={synth.DEFAULT_SEED}"
        validate_s = time.perf_counter() - t1
    else:
        timings: dict[str, float] = {}
        table = read_exchange(str(input_path), timings=timings)
        source = str(Path(str(input_path)).name)
        validate_s = timings["validate_s"]
    t2 = time.perf_counter()
    times = []
    result = None
    counts: dict[str, int | str] = {}
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        result = assess(table, year, on)
        counts = result.counts()
        times.append(time.perf_counter() - start)
    assert result is not None
    return {"kechuang": {
        "entities": len(result),
        "source": source,
        "load_s": round(t2 - t0, 3),
        "validate_s": round(validate_s, 3),
        "calc_s": round(min(times), 3),
        "calc_first_s": round(times[0], 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "growth_exact_rows": int(result.hte.growth_exact.sum()),
        "counts": counts,
    }}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m kechuang.engine.assess bench",
                                 description="kechuang assessment benchmark")
    ap.add_argument("--harness", required=True, help="the bench/assess harness directory")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--entities", type=int)
    group.add_argument("--input")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    out = bench_assess(a.harness, a.entities, a.input, repeat=a.repeat)
    print(json.dumps(out, ensure_ascii=False, indent=2))

