"""Properties on random data: batch and explain agree; batch equals an exact integer oracle."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.engine.rules import evaluate, evaluate_programmes, explain, ir, load_policies

REPO = Path(__file__).resolve().parents[3]
POLICIES = load_policies([*sorted((REPO / "data" / "policies").glob("*.yaml")),
                          *sorted((REPO / "tests" / "data" / "policies" / "fixtures").glob("*.yaml"))])
CODES = sorted(POLICIES.policies)

TEXT_VALUES = {
    "carrier_type": ["创新平台", "高新区", "科技企业孵化器", "大学科技园", "院士工作站", "技术转移服务机构", "众创空间"],
    "carrier_level": ["国家级", "自治区级", "市级"],
    "st_award_level": ["国家级", "自治区级"],
    "rd_institution_level": ["国家级", "自治区级", "市级"],
    "industry_code": ["C2651", "C1610", "F5171", "R9011", "M7310", "K7010"],
    "uscc": ["91150100MA0N000001", "91150100MA0N000002"],
    "name": ["内蒙古某某科技有限公司", "其他公司"],
}


def input_facts(code: str) -> dict[str, str]:
    """The data columns the policy's benefits read (derived facts expanded), with their types."""
    out: dict[str, str] = {}
    for b in POLICIES[code].benefits.values():
        for root in (b.when, b.amount, b.start, b.continue_if):
            if root is None:
                continue
            for n in ir.walk(root):
                if isinstance(n, ir.FactRef):
                    out[n.name] = n.type
    return out


def value(t: str, name: str):
    if t == "money":  # whole fen, written in yuan; around the 10-million thresholds
        return st.one_of(st.integers(0, 8 * 10**9), st.sampled_from([10**9, 10**9 - 100, 10**9 + 1, 0]),
                         st.integers(-10**8, 10**11)).map(lambda fen: fen / 100)
    if t == "bool":
        return st.booleans()
    if t == "count":
        return st.sampled_from([0, 1, 2, 3, 5, 2023, 2024, 2025, 2026]) if "year" in name else st.integers(0, 6)
    if t == "ratio":
        return st.floats(0, 1, allow_nan=False)
    if t == "date":
        return st.dates(dt.date(2020, 1, 1), dt.date(2027, 12, 31))
    return st.sampled_from(TEXT_VALUES.get(name, ["国家级", "其他"]))


@st.composite
def scenario(draw):
    code = draw(st.sampled_from(CODES))
    facts = input_facts(code)
    n = draw(st.integers(1, 5))
    rows = []
    for _ in range(n):
        row = {}
        for name, t in facts.items():
            if draw(st.integers(0, 9)) == 0:
                row[name] = None  # unknown now and then
            else:
                row[name] = draw(value(t, name))
        rows.append(row)
    year = draw(st.sampled_from([2024, 2025, 2026, 2027]))
    multi = [b.qname for b in POLICIES[code].benefits.values() if b.period != "yearly"]
    states = [{q: draw(st.sampled_from([2023, 2024, 2025, 2026])) for q in multi if draw(st.booleans())}
              for _ in rows]
    overrides = {}
    if code == "wuhai_14th_plan_2022" and draw(st.booleans()):
        overrides["post_subsidy_rate"] = draw(st.sampled_from(["10%", "3.33%", "0.5%"]))
    return code, facts, rows, year, states, overrides


def frame(facts: dict[str, str], rows: list[dict]) -> pl.DataFrame:
    cols = {"__id": list(range(len(rows)))}
    for name, t in facts.items():
        vals = [r[name] for r in rows]
        dtype = {"money": pl.Float64, "bool": pl.Boolean, "count": pl.Int64, "ratio": pl.Float64,
                 "date": pl.Date, "text": pl.String}[t]
        cols[name] = pl.Series(name, vals, dtype=dtype)
    return pl.DataFrame(cols)


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_batch_and_explain_give_the_same_amounts(case) -> None:
    code, facts, rows, year, states, overrides = case
    pols = POLICIES.select(code)
    state = {}
    for i, s in enumerate(states):
        for q, y in s.items():
            state.setdefault(q, {})[i] = y
    batch = evaluate(pols, frame(facts, rows), year, overrides, state=state or None, key="__id")
    for i, row in enumerate(rows):
        trace = explain(pols, code, row, year, overrides=overrides, state=states[i])
        for b in trace.benefits:
            assert batch.frame[b.benefit][i] == b.amount_fen, (b.benefit, row, b.steps)


# -- the benchmark's rules against exact integer arithmetic, with random programmes -------------------------

HARNESS = load_policies(REPO / "tests" / "data" / "policies" / "harness.yaml")


def oracle(d: dict, p: dict) -> np.ndarray:
    """The harness rules in plain Python integers (fen), written independently of the engine."""
    out = []
    for i in range(len(d["rd"])):
        rd, prev = d["rd"][i], d["prev"][i]
        inc = max(rd - prev, 0)
        total = 0
        if d["above"][i] and inc >= p["inc_min"]:
            r = p["inc_rate"]
            total += min((2 * inc * r.numerator + r.denominator) // (2 * r.denominator), p["inc_cap"])
        if d["hq"][i] and rd > p["hq_min"]:
            r = p["hq_rate"]
            total += min((2 * rd * r.numerator + r.denominator) // (2 * r.denominator), p["hq_cap"])
        if d["ht"][i]:
            total += p["ht"]
        if d["ts"][i] >= p["ts_min"]:
            total += p["ts"]
        out.append(total)
    return np.array(out, dtype=np.int64)


programme = st.fixed_dictionaries({
    "inc_min": st.integers(0, 2 * 10**9), "inc_rate": st.fractions(0, 1, max_denominator=10000),
    "inc_cap": st.integers(0, 10**9), "hq_min": st.integers(0, 2 * 10**9),
    "hq_rate": st.fractions(0, 1, max_denominator=1000), "hq_cap": st.integers(0, 10**9),
    "ht": st.integers(0, 10**7), "ts_min": st.integers(0, 5), "ts": st.integers(0, 10**7),
})


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(programme, min_size=1, max_size=4), st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_k_programmes_equal_exact_integer_arithmetic(progs, n, seed) -> None:
    rng = np.random.default_rng(seed)
    d = {"rd": rng.integers(0, 3 * 10**9, n), "prev": rng.integers(0, 3 * 10**9, n), "above": rng.random(n) < .5,
         "hq": rng.random(n) < .5, "ht": rng.random(n) < .3, "ts": rng.integers(0, 6, n)}
    df = pl.DataFrame({"rd_expense": [f"{v // 100}.{v % 100:02d}" for v in d["rd"]],
                       "rd_expense_prev": [f"{v // 100}.{v % 100:02d}" for v in d["prev"]],
                       "is_above_scale": d["above"], "is_new_rd_hq": d["hq"], "is_new_high_tech": d["ht"],
                       "tsme_consecutive_years": d["ts"]})

    def yuan(fen: int) -> str:
        return f"{fen // 100}.{fen % 100:02d}元"

    overrides = [{"rd_increment_min": yuan(p["inc_min"]), "rd_increment_rate": Fraction(p["inc_rate"]),
                  "rd_increment_cap": yuan(p["inc_cap"]), "rd_hq_min": yuan(p["hq_min"]),
                  "rd_hq_rate": Fraction(p["hq_rate"]), "rd_hq_cap": yuan(p["hq_cap"]),
                  "high_tech_amount": yuan(p["ht"]), "tsme_min_years": p["ts_min"], "tsme_amount": yuan(p["ts"])}
                 for p in progs]
    got = evaluate_programmes(HARNESS, df, 2025, overrides)
    want = [oracle(d, p) for p in progs]
    assert got.totals_fen == [int(w.sum()) for w in want]
    assert np.array_equal(got.grand, sum(want))
