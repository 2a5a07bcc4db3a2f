"""Side-by-side benchmark against the OpenFisca harness (``bench/openfisca`` of the research share).

``bench_policy(harness_dir, entities=N | input_path=PATH, programmes=K, python=INTERPRETER)``
runs, each in its own process so that peak RSS is whole-process (``wait4`` = what
``/usr/bin/time -v`` reports):

* **kechuang**: this engine on the harness's register (``synth.generate(N)`` with its default
  seed, or a dump / ``edge_cases.csv``), the five rules written as a policy file
  (``tests/data/policies/harness.yaml``), and the K programmes of ``programmes.copy_params(c)``
  as K parameter sets evaluated in one pass. Parameters are matched to the harness keys
  through the ``ref`` of each parameter value, so no key table lives in the code.
* **exact**: the harness's exact integer-fen reference (``bench_numpy.exact`` /
  ``exact_copies``), in a separate process so it does not count in our memory.
* **numpy** / **openfisca**: the harness's own scripts, when ``python`` names an interpreter
  that has their dependencies (otherwise ``None``).

The harness is imported from the directory given at run time; none of its code is copied.
``calc_s`` is the best of ``repeat`` timed evaluations (the harness scripts are run ``runs``
times and their best is kept).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_POLICY = Path(__file__).resolve().parents[3] / "tests" / "data" / "policies" / "harness.yaml"
ENV_DROP = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROP}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run_measured(cmd: list[str], cwd: str | None = None) -> tuple[int, str, str, float]:
    """Run a command; returns (exit code, stdout, stderr, whole-process peak RSS in MiB).

    The peak comes from ``/usr/bin/time -v`` ("Maximum resident set size"). Without it,
    from ``os.wait4``, which on Linux also counts the pages of this (parent) process at the
    fork, so it overstates a small child; the result then says ``rss_source: wait4``.
    """
    import tempfile

    timer = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    full = [timer, "-v", *cmd] if timer else cmd
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        proc = subprocess.Popen(full, cwd=cwd, env=_env(), stdout=fo, stderr=fe, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    rss = usage.ru_maxrss / 1024.0
    if timer:
        keep = []
        for line in err.splitlines():
            if "Maximum resident set size" in line:
                rss = int(line.rsplit(":", 1)[1]) / 1024.0
            elif not line.startswith("\t"):
                keep.append(line)
        err = "\n".join(keep)
        if proc.returncode != 0 and "Command exited with non-zero status" in err:
            err = err.replace("Command exited with non-zero status", "").strip()
    return proc.returncode, out, err, rss


def _kv(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(" "):
            k, _, v = line.partition("=")
            out[k.strip()] = v.strip()
    return out


def _first_float(s: str | None) -> float | None:
    if s is None:
        return None
    try:
        return float(s.split()[0])
    except (ValueError, IndexError):
        return None


def _harness_script(python: str, script: str, harness: Path, entities: int | None, input_path: str | None,
                    programmes: int, runs: int) -> dict[str, Any] | None:
    args = [python, script]
    args += [str(entities)] if input_path is None else ["--input", str(input_path)]
    if programmes > 1:
        args += ["--copies", str(programmes), "--repeat", "1"]
    else:
        args += ["--repeat", "3"]
    best: dict[str, Any] | None = None
    for _ in range(max(1, runs)):
        code, out, err, rss = _run_measured(args, cwd=str(harness))
        if code != 0:
            return {"error": (err.strip().splitlines() or ["failed"])[-1]}
        kv = _kv(out)
        if programmes > 1:
            calc = _first_float(kv.get("copies_calc_s"))
            total = kv.get("copies_grand_total_award")
            n = kv.get("copies_n_awarded")
        else:
            calc = _first_float(kv.get("calc_s"))
            total = kv.get("total_award")
            n = kv.get("n_awarded")
        load = (_first_float(kv.get("build_s")) or 0.0) + (_first_float(kv.get("tbs_build_s")) or 0.0)
        res = {"load_s": round(load, 4), "calc_s": calc, "peak_rss_mib": round(rss, 1),
               "total_yuan": total, "n_awarded": int(n) if n else None, "data_sha256": kv.get("data_sha256")}
        if best is None or (calc is not None and best["calc_s"] is not None and calc < best["calc_s"]):
            if best is not None:
                res["peak_rss_mib"] = min(res["peak_rss_mib"], best["peak_rss_mib"])
            best = res
        else:
            best["peak_rss_mib"] = min(best["peak_rss_mib"], res["peak_rss_mib"])
    return best


def bench_policy(harness_dir: str | Path, entities: int | None = None, input_path: str | Path | None = None,
                 programmes: int = 1, python: str | None = None, *, repeat: int = 3, runs: int = 3,
                 policy_file: str | Path | None = None, openfisca_python: str | None = None) -> dict[str, Any]:
    """Benchmark this engine against the harness; see the module docstring.

    Returns ``{"kechuang": {load_s, calc_s, peak_rss_mib, total_yuan, n_awarded, …},
    "openfisca": {…} | None, "numpy": {…} | None, "exact": {total_yuan, n_awarded}, "checks": {…}}``.
    """
    harness = Path(harness_dir).resolve()
    if entities is None and input_path is None:
        raise ValueError("give entities=N or input_path=PATH")
    policy = Path(policy_file) if policy_file else REPO_POLICY
    base = [sys.executable, "-m", "kechuang.engine.rules.bench", "--harness", str(harness),
            "--programmes", str(programmes), "--policy", str(policy)]
    base += ["--entities", str(entities)] if input_path is None else ["--input", str(Path(input_path).resolve())]
    cwd = str(Path(__file__).resolve().parents[3])
    code, out, err, rss = _run_measured([*base, "--repeat", str(repeat)], cwd=cwd)
    if code != 0:
        raise RuntimeError(f"kechuang benchmark worker failed: {err.strip()}")
    ours = json.loads(out)
    ours["peak_rss_mib"] = round(rss, 1)
    code, out, err, _ = _run_measured([*base, "--exact"], cwd=cwd)
    exact = json.loads(out) if code == 0 else {"error": err.strip().splitlines()[-1:]}
    result: dict[str, Any] = {"kechuang": ours, "exact": exact, "numpy": None, "openfisca": None,
                              "params": {"entities": entities, "input": str(input_path) if input_path else None,
                                         "programmes": programmes}}
    inp = str(Path(input_path).resolve()) if input_path else None
    if python:
        result["numpy"] = _harness_script(python, "bench_numpy.py", harness, entities, inp, programmes, runs)
    of_py = openfisca_python or python
    if of_py:
        probe = subprocess.run([of_py, "-c", "import openfisca_core"], env=_env(), capture_output=True)
        if probe.returncode == 0:
            result["openfisca"] = _harness_script(of_py, "bench_openfisca.py", harness, entities, inp,
                                                  programmes, runs)
    checks: dict[str, Any] = {"kechuang_exact": ours.get("total_yuan") == exact.get("total_yuan")
                              and ours.get("n_awarded") == exact.get("n_awarded")}
    if "awards_yuan" in ours:
        checks["per_entity_yuan"] = ours["awards_yuan"]
    for name in ("numpy", "openfisca"):
        r = result.get(name)
        if r and r.get("calc_s") and ours.get("calc_s"):
            checks[f"{name}_calc_over_kechuang"] = round(r["calc_s"] / ours["calc_s"], 2)
            checks[f"{name}_rss_over_kechuang"] = round(r["peak_rss_mib"] / ours["peak_rss_mib"], 2)
    result["checks"] = checks
    return result


# -- the worker (python -m kechuang.engine.rules.bench) ------------------------------------------------


def _param_map(pols: Any) -> dict[str, str]:
    """Harness key → our parameter (``policy.param``), read from the ``ref`` of each value."""
    out = {}
    for pol in pols:
        for p in pol.parameters.values():
            for v in p.values:
                if v.ref:
                    out[v.ref] = p.qname
    return out


def _programmes(programmes_mod: Any, k: int, pmap: dict[str, str]) -> list[dict[str, Any]]:
    progs = []
    for c in range(k):
        params = programmes_mod.copy_params(c)
        missing = [key for key in params if key not in pmap]
        if missing:
            raise SystemExit(f"the policy file has no parameter with ref {missing[0]!r}")
        # rates are written as decimal literals in the harness (0.09): read them as exact decimals
        progs.append({pmap[key]: (repr(v) if isinstance(v, float) else v) for key, v in params.items()})
    return progs


def worker(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="kechuang side of bench_policy (prints one JSON object)")
    ap.add_argument("--harness", required=True)
    ap.add_argument("--entities", type=int)
    ap.add_argument("--input")
    ap.add_argument("--programmes", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--policy", default=str(REPO_POLICY))
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--exact", action="store_true", help="print the harness's exact reference instead")
    args = ap.parse_args(argv)
    sys.path.insert(0, args.harness)
    import synth  # the harness's generator, imported from the directory given at run time

    data = synth.get_data(args.entities, synth.DEFAULT_SEED, args.input)
    k = max(1, args.programmes)
    if args.exact:
        import bench_numpy

        if k == 1:
            ex = bench_numpy.exact(data, bench_numpy.PARAMS)["total_award"]
        else:
            ex, _ = bench_numpy.exact_copies(data, k)
        tot = int(ex.sum())
        print(json.dumps({"total_yuan": f"{tot // 100}.{tot % 100:02d}", "n_awarded": int((ex > 0).sum())}))
        return 0
    import polars as pl
    import programmes as programmes_mod

    from . import load_policies
    from .engine import prepare_programmes, run_programmes

    sha = synth.fingerprint(data)
    n = len(data["rd_expense"])
    t0 = time.perf_counter()
    frame = pl.DataFrame({name: data.pop(name) for name in list(data)})
    pols = load_policies(args.policy)
    progs = _programmes(programmes_mod, k, _param_map(pols))
    ctx, bound = prepare_programmes(pols, frame, args.year, progs)
    del frame
    load_s = time.perf_counter() - t0
    times = []
    res = None
    for _ in range(max(1, args.repeat)):
        t1 = time.perf_counter()
        res = run_programmes(ctx, bound, args.year)
        times.append(time.perf_counter() - t1)
    assert res is not None
    tot = res.grand_total_fen
    out: dict[str, Any] = {
        "engine": "kechuang", "N": n, "programmes": k, "data_sha256": sha, "load_s": round(load_s, 4),
        "calc_s": round(min(times), 4), "calc_runs_s": [round(t, 4) for t in times],
        "total_yuan": f"{tot // 100}.{tot % 100:02d}", "n_awarded": res.n_awarded,
        "programme_totals_yuan": {str(c): f"{res.totals_fen[c] // 100}.{res.totals_fen[c] % 100:02d}"
                                  for c in sorted({0, 1, 2, k - 1}) if c < k},
        "peak_rss_mib_in_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }
    if n <= 20:
        out["awards_yuan"] = [f"{int(v) // 100}.{int(v) % 100:02d}" for v in res.grand]
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(worker())
