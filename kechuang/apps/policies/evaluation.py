"""The module's computations over the engine: scoped evaluation, an entity's benefits,
the no-application list, the budget for the coming years and the what-if by county.

Territory: a city's policy pays only entities in that city. Each policy file says where
it applies (``territory: ["150100"]``, division codes; empty or absent: everywhere the
registry covers); the engine itself applies it as the first condition of every benefit
(``engine.territory_condition``), for the pages, the CLI and the API alike.

Money: the engine computes in fen (int64); amounts leave this module as ``Decimal`` yuan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from kechuang.engine.rules import PolicySet, RuleError, evaluate, explain
from kechuang.engine.rules.engine import funding_split, resolve_overrides

LEVELS = ("national", "region", "city", "county")


def yuan(fen: int | None) -> Decimal | None:
    if fen is None:
        return None
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


@dataclass
class Result:
    """A scoped evaluation: ``frame`` has uscc, division_code, one Int64 column (fen) per benefit, ``total``."""

    year: int
    pset: PolicySet
    frame: pl.DataFrame
    benefits: list[str]
    started: pl.DataFrame
    not_in_force: list[str] = field(default_factory=list)

    def grants(self) -> list[str]:
        return [q for q in self.benefits if self.pset.benefit(q).kind == "grant"]

    def benefit_totals(self) -> list[dict[str, Any]]:
        out = []
        for q in self.benefits:
            b = self.pset.benefit(q)
            col = self.frame[q]
            out.append({"benefit": q, "label": b.label, "policy": b.policy, "kind": b.kind,
                        "n_awarded": int((col.fill_null(0) > 0).sum()), "n_unknown": int(col.null_count()),
                        "total_fen": int(col.fill_null(0).sum())})
        return out

    def by_policy(self) -> dict[str, int]:
        acc: dict[str, int] = {}
        for q in self.grants():
            code = q.split(".")[0]
            acc[code] = acc.get(code, 0) + int(self.frame[q].fill_null(0).sum())
        return acc

    def level_arrays(self) -> dict[str, np.ndarray]:
        """Per funding level, each entity's grants (fen): the benefit's stated shares
        (``funding``), or the whole to the issuing policy's level when it states none."""
        acc: dict[str, np.ndarray] = {}
        for q in self.grants():
            b = self.pset.benefit(q)
            amounts = self.frame[q].fill_null(0).to_numpy().astype(np.int64)
            split = funding_split(amounts, b.funding) if b.funding else {self.pset[b.policy].level: amounts}
            for level, part in split.items():
                acc[level] = acc[level] + part if level in acc else part.astype(np.int64).copy()
        return acc

    def by_level(self) -> dict[str, int]:
        return {level: int(part.sum()) for level, part in self.level_arrays().items()}

    def by_county_level(self) -> dict[tuple[str, str], int]:
        """``{(county code, level): fen}``: the county is the first six digits of the entity's
        division code (a park's code starts with its county's); ``""`` when unknown."""
        arrays = self.level_arrays()
        if not arrays or self.frame.height == 0:
            return {}
        county = self.frame["division_code"].cast(pl.String).fill_null("").str.slice(0, 6).alias("county")
        df = pl.DataFrame([county, *[pl.Series(lv, a) for lv, a in arrays.items()]])
        agg = df.group_by("county").agg([pl.col(lv).sum() for lv in arrays])
        return {(row["county"], lv): int(row[lv]) for row in agg.iter_rows(named=True) for lv in arrays}

    def by_county(self) -> dict[str, int]:
        df = self.frame.group_by("division_code").agg(pl.col("total").sum())
        return {str(r[0]): int(r[1]) for r in df.iter_rows()}

    @property
    def total_fen(self) -> int:
        return int(self.frame["total"].sum()) if self.frame.height else 0


def qualify_overrides(pset: PolicySet, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """``{"param" or "policy.param": value}`` → ``{"policy.param": value}`` (refuses unknown names: RuleError)."""
    if not overrides:
        return {}
    resolved = resolve_overrides(pset, overrides)  # validates names and values
    by_q = {}
    for name, value in overrides.items():
        matches = [q for q in resolved if q == name or q.endswith("." + name)]
        by_q[matches[0] if len(matches) == 1 else name] = value
    return by_q


def evaluate_scoped(pset: PolicySet, facts: pl.DataFrame, year: int, overrides: dict[str, Any] | None = None,
                    state: pl.DataFrame | None = None, codes: list[str] | None = None) -> Result:
    """Evaluate the policies (``codes``: a subset) over the registry's facts in one engine pass.

    The engine applies each policy's territory itself (``territory=True``: an entity outside,
    or without a division code, gets 0 from it) — the same path as ``kechuang policy eval``
    and the API, so the pages, the CLI and the API agree.
    """
    sub = pset.select(codes) if codes else pset
    overrides = qualify_overrides(sub, overrides)
    if "division_code" not in facts.columns:
        facts = facts.with_columns(pl.lit(None, dtype=pl.String).alias("division_code"))
    st = None
    if state is not None and state.height:
        st = state.filter(pl.col("benefit").str.split(".").list.first().is_in(list(sub.policies)))
    ev = evaluate(sub, facts, year, overrides=overrides, state=st, territory=True)
    order = list(ev.benefits)
    frame = facts.select("uscc", "division_code").with_columns(
        [ev.frame[q] for q in order]).with_columns(ev.frame["total"])
    started = ev.started.select("uscc", "benefit", pl.col("started_year").cast(pl.Int64)) if ev.started.height \
        else pl.DataFrame(schema={"uscc": pl.String, "benefit": pl.String, "started_year": pl.Int64})
    return Result(year, sub, frame, order, started, list(ev.not_in_force))


# -- state: what confirmed decisions already started --------------------------------------------


def decision_state(year: int, entities=None) -> pl.DataFrame:
    """Once/N-year benefits confirmed before ``year``: (uscc, benefit, started_year) for the engine."""
    from .models import BenefitDecision

    qs = BenefitDecision.objects.filter(year__lt=year, amount__gt=0)
    if entities is not None:
        qs = qs.filter(entity__in=entities)
    rows = {}
    for uscc, benefit, started, y in qs.values_list("entity__uscc", "benefit", "started_year", "year"):
        first = started or y
        key = (uscc, benefit)
        rows[key] = min(rows.get(key, first), first)
    return pl.DataFrame([(u, b, s) for (u, b), s in rows.items()],
                        schema={"uscc": pl.String, "benefit": pl.String, "started_year": pl.Int64}, orient="row")


# -- one entity ----------------------------------------------------------------------------------


@dataclass
class EntityBenefits:
    year: int
    awarded: list[dict[str, Any]]
    nearly: list[dict[str, Any]]
    has_facts: bool
    total: Decimal = Decimal("0.00")


def entity_benefits(pset: PolicySet, facts: pl.DataFrame, uscc: str, year: int, state: pl.DataFrame | None = None,
                    lang: str = "zh") -> EntityBenefits:
    """What the entity gets this year (amounts and the explanation) and what it nearly gets (and what is missing)."""
    row = facts.filter(pl.col("uscc") == uscc)
    if row.height == 0:
        return EntityBenefits(year, [], [], False)
    division = row["division_code"][0] if "division_code" in row.columns else None
    st: dict[str, int] = {}
    if state is not None and state.height:
        for b, y in state.filter(pl.col("uscc") == uscc).select("benefit", "started_year").iter_rows():
            st[b] = int(y)
    day = dt.date(year, 1, 1)
    awarded, nearly = [], []
    for pol in pset:
        if not pol.in_force(day) or not pol.applies_to(division):
            continue
        trace = explain(pset, pol.code, row, year, state={k: v for k, v in st.items()
                                                           if k.startswith(pol.code + ".")} or None)
        for bt in trace.benefits:
            steps = [(s.zh if lang == "zh" else s.en, s.ok, s.kind) for s in bt.steps]
            item = {"policy": pol.code, "policy_title": pol.title, "benefit": bt.benefit, "label": bt.label,
                    "kind": bt.kind, "clause": bt.clause, "quote": bt.quote, "floor": bt.amount_kind == "floor",
                    "amount": yuan(bt.amount_fen), "status": bt.status, "steps": steps}
            if bt.status == "awarded":
                awarded.append(item)
                continue
            if bt.status not in ("not_eligible", "unknown"):
                continue
            conditions = [s for s in bt.steps if s.kind == "condition"]
            failed = [s for s in conditions if s.ok is False]
            met = [s for s in conditions if s.ok is True]
            notes = [s for s in bt.steps if s.kind == "note"]
            if bt.status == "unknown" or (len(failed) == 1 and (met or len(conditions) == 1) and
                                          _is_threshold(failed[0])):
                item["missing"] = [(s.zh if lang == "zh" else s.en) for s in failed + notes]
                nearly.append(item)
    total = sum((a["amount"] for a in awarded if a["kind"] == "grant" and a["amount"]), Decimal("0.00"))
    return EntityBenefits(year, awarded, nearly, True, total)


def _is_threshold(step) -> bool:
    """A failed comparison with a shortfall (“差 …”), i.e. a threshold the entity may still reach."""
    return "（差 " in step.zh or "（超出 " in step.zh


# -- the no-application list ----------------------------------------------------------------------


def qualifying(result: Result, policy_code: str) -> list[dict[str, Any]]:
    """(uscc, benefit, amount fen, started year) of every grant of the policy paid to an entity."""
    started = {(u, b): y for u, b, y in result.started.iter_rows()}
    out = []
    for q in result.grants():
        if not q.startswith(policy_code + "."):
            continue
        sub = result.frame.select("uscc", q).filter(pl.col(q) > 0)
        for uscc, fen in sub.iter_rows():
            out.append({"uscc": uscc, "benefit": q, "fen": int(fen), "started_year": started.get((uscc, q))})
    return out


# -- budget -----------------------------------------------------------------------------------------


def budget(pset: PolicySet, facts: pl.DataFrame, year: int, years: int = 3, overrides: dict[str, Any] | None = None,
           state: pl.DataFrame | None = None) -> list[Result]:
    """The grants of ``year`` and the following years, the facts held at ``year``'s values.

    Benefits that started carry into the next year's state, so multi-year benefits keep
    paying and one-off benefits are not paid twice.
    """
    out = []
    st = state if state is not None else pl.DataFrame(
        schema={"uscc": pl.String, "benefit": pl.String, "started_year": pl.Int64})
    for y in range(year, year + years):
        r = evaluate_scoped(pset, facts, y, overrides=overrides, state=st)
        out.append(r)
        if r.started.height:
            st = pl.concat([st, r.started.filter(pl.col("started_year") == y)]).unique(["uscc", "benefit"], keep="first")
    return out


def cross_table(results: list[Result]) -> dict[str, Any]:
    """The budget as year × county × funding level (yuan): one row per county and a total row;
    each row has, per year, the amount of each level and the year's sum, then the sum of all years.

    Every grant is counted once, split by its funding shares, so the total row of a year equals
    ``Result.total_fen`` and the sum of ``Result.by_policy()``.
    """
    years = [r.year for r in results]
    cells = [r.by_county_level() for r in results]
    present = {lv for c in cells for (_, lv) in c}
    levels = [lv for lv in LEVELS if lv in present] + sorted(present - set(LEVELS))
    counties = sorted({county for c in cells for (county, _) in c})

    def row(match) -> dict[str, Any]:
        per_year = [[sum(v for (county, lv), v in c.items() if lv == level and match(county)) for level in levels]
                    for c in cells]
        return {"years": [{"year": y, "levels": [yuan(v) for v in vs], "total": yuan(sum(vs))}
                          for y, vs in zip(years, per_year, strict=True)],
                "total": yuan(sum(sum(vs) for vs in per_year))}

    return {"years": years, "levels": levels,
            "rows": [{"county": county, **row(lambda c, k=county: c == k)} for county in counties],
            "total": row(lambda c: True)}


def compare_by_county(baseline: Result, reform: Result) -> list[dict[str, Any]]:
    """Per division: baseline, reform, change, entities gaining and losing."""
    df = baseline.frame.select("uscc", "division_code", pl.col("total").alias("b")).join(
        reform.frame.select("uscc", pl.col("total").alias("r")), on="uscc", how="left").with_columns(
        (pl.col("r") - pl.col("b")).alias("d"))
    agg = df.group_by("division_code").agg(pl.col("b").sum(), pl.col("r").sum(), pl.col("d").sum(),
                                           (pl.col("d") > 0).sum().alias("gain"),
                                           (pl.col("d") < 0).sum().alias("lose")).sort("division_code")
    return [{"division_code": r["division_code"], "baseline": yuan(r["b"]), "reform": yuan(r["r"]),
             "delta": yuan(r["d"]), "gainers": int(r["gain"]), "losers": int(r["lose"])}
            for r in agg.iter_rows(named=True)]


__all__ = ["EntityBenefits", "Result", "RuleError", "budget", "compare_by_county", "cross_table",
           "decision_state",
           "entity_benefits", "evaluate_scoped", "qualifying", "yuan"]
