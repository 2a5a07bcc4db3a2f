"""Evaluate every benefit of every policy for every entity of a year, in one pass.

``evaluate`` gives per-entity × benefit amounts (fen) and totals; ``evaluate_programmes``
runs K parameter sets (programmes or reforms) over the same register in one pass and
keeps only totals; ``whatif`` compares a reform with the baseline entity by entity.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl

from . import ir
from . import syntax as sx
from .checker import Checker, FactInfo, ParamInfo, Scope
from .errors import ExprError, Problem, RuleError
from .kernel import Ctx, Rows, TextCol, V
from .money import fen_from_yuan, yuan_str
from .policy import Benefit, Limit, Policy, PolicySet, catalogue, dependency_order, to_days

# -- inputs: a Polars frame (or a dict of columns) → prepared columns -------------------------


def _valid_of(s: pl.Series) -> np.ndarray | None:
    if s.null_count() == 0:
        return None
    return s.is_not_null().to_numpy()


def prepare_series(s: pl.Series, f: FactInfo, money_in_fen: bool = False) -> V:
    """One input column as the kernel wants it (money → int64 fen, dates → days, text → codes)."""
    t = f.type
    dtype = s.dtype
    if f.blank is not None and s.null_count():
        s = s.fill_null(f.blank)
    valid = _valid_of(s)
    if t == "money":
        if dtype.is_integer():
            data = s.fill_null(0).cast(pl.Int64).to_numpy()
            data = data if money_in_fen else data * 100
        elif dtype.is_float():
            x = s.fill_null(0).to_numpy()
            data = x.astype(np.int64) if money_in_fen else np.floor(x * 100 + 0.5).astype(np.int64)
        elif dtype == pl.Boolean:
            raise ValueError("a true/false column is not an amount")
        else:
            if dtype == pl.String:
                s = s.str.replace_all(",", "").str.strip_chars()
            d = s.cast(pl.Decimal(38, 2), strict=False)
            bad = d.is_null() & s.is_not_null()
            if bad.any():
                raise ValueError(f"{int(bad.sum())} value(s) are not amounts")
            data = d.fill_null(0).to_physical().cast(pl.Int64).to_numpy()  # scale 2: the physical value is fen
            valid = _valid_of(d)
        return V(np.ascontiguousarray(data, dtype=np.int64), valid)
    if t in ("count", "ratio"):
        if dtype == pl.Boolean:
            s = s.cast(pl.Int64)
        elif dtype == pl.String:
            s = s.cast(pl.Float64, strict=False)
        elif dtype.is_decimal():
            s = s.cast(pl.Float64)
        x = s.fill_null(0).to_numpy()
        if t == "count" and x.dtype.kind == "f" and np.all(np.mod(x, 1) == 0):
            x = x.astype(np.int64)
        elif x.dtype.kind in "iu":
            x = x.astype(np.int64, copy=False)
        if t == "ratio":
            x = x.astype(np.float64, copy=False)
        return V(x, valid)
    if t == "bool":
        if dtype == pl.Boolean:
            return V(s.fill_null(False).to_numpy(), valid)
        if dtype.is_numeric():
            return V(s.fill_null(0).to_numpy() != 0, valid)
        m = s.cast(pl.String).str.strip_chars().str.to_lowercase()
        yes = m.is_in(["true", "1", "是", "yes", "y"])
        no = m.is_in(["false", "0", "否", "no", "n"])
        bad = ~(yes | no) & m.is_not_null()
        if bad.any():
            raise ValueError("values must be true/false, 1/0 or 是/否")
        return V(yes.fill_null(False).to_numpy(), _valid_of(m))
    if t == "date":
        if dtype == pl.String:
            s2 = s.str.to_date(strict=False)
            if (s2.is_null() & s.is_not_null()).any():
                raise ValueError("dates must be written YYYY-MM-DD")
            s = s2
        elif isinstance(dtype, pl.Datetime):
            s = s.dt.date()
        data = s.cast(pl.Date).to_physical().fill_null(0).cast(pl.Int64).to_numpy()
        return V(data, _valid_of(s))
    # text
    if dtype != pl.String:
        s = s.cast(pl.String)
    cats = s.drop_nulls().unique().sort()
    codes = s.cast(pl.Enum(cats.to_list())).to_physical().cast(pl.Int32).fill_null(-1).to_numpy()
    return V(TextCol(codes, tuple(cats.to_list())), valid)


def prepare_values(values: list[Any], f: FactInfo) -> V:
    """A column from Python values (test cases, explain): money as fen (``_Fen``) or in yuan."""
    from .policy import _Fen

    if f.type == "money":
        fen = [None if v is None else (int(v) if isinstance(v, _Fen) else fen_from_yuan(v)) for v in values]
        return prepare_series(pl.Series(fen, dtype=pl.Int64), f, money_in_fen=True)
    if f.type == "date":
        days = [None if v is None else to_days(v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)))
                for v in values]
        return V(np.array([0 if d is None else d for d in days], dtype=np.int64),
                 None if None not in days else np.array([d is not None for d in days]))
    if f.type == "text":
        return prepare_series(pl.Series([None if v is None else str(v) for v in values], dtype=pl.String), f)
    if f.type == "bool":
        return prepare_series(pl.Series(values, dtype=pl.Boolean, strict=False), f)
    if f.type == "count" and all(v is None or (isinstance(v, int | np.integer) and not isinstance(v, bool)) or
                                 (isinstance(v, float) and v.is_integer()) for v in values):
        return prepare_series(pl.Series([None if v is None else int(v) for v in values], dtype=pl.Int64), f)
    return prepare_series(pl.Series([None if v is None else float(v) for v in values], dtype=pl.Float64), f)


# -- binding: parameters (dated values, overrides) and the year → constants ---------------------


def _const_from_user(p: Any, value: Any) -> ir.Const:
    """An override value: a literal in the language (``"8%"``, ``"200万"``) or a number."""
    t = p.type
    if value is None:
        return ir.Const(t, None, elem=p.elem)
    if isinstance(value, ir.Const):
        return value
    if isinstance(value, str):
        text = value.strip()
        if t == "text":
            return ir.Const("text", text)
        node = sx.parse_literal(text)
        c = Checker(Scope({}), text).expr(node)
        assert isinstance(c, ir.Const)
        ok = c.type == t or (t in ("count", "ratio") and c.type in ("number", "count", "ratio")) or \
            (t == "money" and c.type == "number" and c.value == 0) or (t == "list" and c.type == "list")
        if not ok:
            raise ValueError(f"expected {t}, got {c.type}")
        if t == "money" and c.type == "number":
            return ir.Const("money", 0)
        return ir.Const(t, c.value, elem=c.elem if t == "list" else p.elem)
    if t == "money":
        if isinstance(value, bool):
            raise ValueError("expected an amount")
        return ir.Const("money", fen_from_yuan(value))
    if t in ("count", "ratio"):
        if isinstance(value, bool):
            raise ValueError("expected a number")
        return ir.Const(t, Fraction(str(value)) if isinstance(value, float | Decimal) else Fraction(value))
    if t == "bool":
        return ir.Const("bool", bool(value))
    if t == "date":
        d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return ir.Const("date", to_days(d))
    if t == "list":
        return ir.Const("list", tuple(value), elem=p.elem)
    return ir.Const("text", str(value))


def resolve_overrides(pset: PolicySet, overrides: dict[str, Any] | None) -> dict[str, ir.Const]:
    """``{"policy.param" or unique "param": value}`` → ``{qname: Const}``; refuses unknown names."""
    out: dict[str, ir.Const] = {}
    if not overrides:
        return out
    by_short: dict[str, list[str]] = {}
    for pol in pset:
        for p in pol.parameters.values():
            by_short.setdefault(p.name, []).append(p.qname)
    for name, value in overrides.items():
        if "." in name:
            code, _, short = name.partition(".")
            qn = name if code in pset.policies and short in pset.policies[code].parameters else None
        else:
            cands = by_short.get(name, [])
            qn = cands[0] if len(cands) == 1 else None
            if len(cands) > 1:
                raise RuleError(Problem("R703", {"name": name, "problem": "多个政策都有此参数，请写 政策编码.参数名",
                                                 "problem_en": "several policies have this parameter; write policy.param"}))
        if qn is None:
            allq = [p.qname for pol in pset for p in pol.parameters.values()] + list(by_short)
            best = difflib.get_close_matches(name, allq, n=1, cutoff=0.6)
            hint = f"未知参数；是否想写 `{best[0]}`？" if best else "未知参数"
            hint_en = f"unknown parameter; did you mean `{best[0]}`?" if best else "unknown parameter"
            raise RuleError(Problem("R703", {"name": name, "problem": hint, "problem_en": hint_en}))
        p = pset.parameter(qn)
        try:
            out[qn] = _const_from_user(p, value)
        except (ValueError, ExprError) as exc:
            raise RuleError(Problem("R703", {"name": name, "problem": f"取值 `{value}` 与参数类型（{p.type}）不符",
                                             "problem_en": f"value `{value}` does not fit the parameter's type "
                                                           f"({p.type}): {exc}"})) from None
    return out


@dataclass
class Bound:
    """A benefit with its parameters bound for one scenario: ready for the kernel."""

    benefit: Benefit
    conjuncts: list[ir.Expr]
    amount: ir.Expr
    start: ir.Expr | None
    continue_if: ir.Expr | None
    when: ir.Expr
    #: the policy's territory as a condition (first of ``conjuncts``); None: applies everywhere
    territory: ir.Expr | None = None


def territory_condition(pol: Policy) -> ir.Expr | None:
    """``coalesce(starts_with(division_code, [prefixes]), false)`` for a policy with a territory.

    An entity whose division code lies outside the territory gets nothing from the policy;
    an entity without a division code is outside too (never "unknown": the policy's test
    for who may apply is the registered address). None when the policy applies everywhere.
    """
    prefixes = pol.territory_prefixes()
    if not prefixes:
        return None
    inside = ir.Func("bool", "starts_with", [ir.FactRef("text", "division_code"),
                                             ir.Const("list", tuple(prefixes), elem="text")])
    return ir.Func("bool", "coalesce", [inside, ir.Const("bool", False)])


def _conjuncts(e: ir.Expr) -> list[ir.Expr]:
    return list(e.items) if isinstance(e, ir.And) else [e]


def bind_set(pset: PolicySet, year: int, as_of: dt.date | None = None,
             overrides: dict[str, ir.Const] | None = None, territory: bool = True,
             ) -> tuple[list[Bound], list[Limit], list[str]]:
    """Bind every in-force benefit for ``year``; returns (bound benefits, limits, policies not in force).

    ``territory``: each benefit of a policy with a territory gets the territory as its first
    condition (:func:`territory_condition`); False leaves it out (data without division codes).
    """
    day = as_of or dt.date(year, 1, 1)
    overrides = overrides or {}
    env: dict[str, ir.Const] = {}
    for pol in pset:
        for p in pol.parameters.values():
            if p.qname in overrides:
                env[p.qname] = overrides[p.qname]
                continue
            pv = p.at(day)
            if pv is None or pv.value is None:
                env[p.qname] = ir.Const(p.type, None, elem=p.elem)
            else:
                env[p.qname] = pv.value
    builtins = {"year": ir.Const("count", year),
                "period_start": ir.Const("date", to_days(dt.date(year, 1, 1))),
                "period_end": ir.Const("date", to_days(dt.date(year, 12, 31)))}
    bound: list[Bound] = []
    limits: list[Limit] = []
    off: list[str] = []
    active = {c for c, pol in pset.policies.items() if pol.in_force(day)}
    off = [c for c in pset.policies if c not in active]
    places = {c: territory_condition(pol) if territory else None for c, pol in pset.policies.items()}
    for q in pset.order:
        b = pset.benefit(q)
        if b.policy not in active:
            continue
        when = ir.bind(b.when, env, builtins)
        place = places[b.policy]
        conj = _conjuncts(when) if place is None else [place, *_conjuncts(when)]
        start = ir.bind(b.start, env, builtins) if b.start is not None else None
        if start is not None and b.years:
            yc = builtins["year"]
            conj = [*conj,
                    ir.Cmp("bool", "<=", "num", start, yc, start=start.start, end=start.end),
                    ir.Cmp("bool", ">", "num",
                           ir.Arith("count", "+", "add", start, ir.Const("count", b.years)), yc,
                           start=start.start, end=start.end)]
        bound.append(Bound(b, conj, ir.bind(b.amount, env, builtins), start,
                           ir.bind(b.continue_if, env, builtins) if b.continue_if is not None else None, when,
                           place))
    from dataclasses import replace as _replace

    for c in active:
        for li in pset.policies[c].limits:
            limits.append(_replace(li, cap=ir.bind(li.cap, env, builtins)) if li.cap is not None else li)
    return bound, limits, off


# -- one benefit over the register ---------------------------------------------------------------


@dataclass
class Sparse:
    """A benefit's result: amounts (fen) at ``idx`` rows; ``unknown`` marks rows that cannot be decided."""

    idx: np.ndarray
    amount: np.ndarray
    unknown: np.ndarray | None
    started: np.ndarray | None = None  # start year per row (once / N-year benefits)

    def dense(self, n: int) -> tuple[np.ndarray, np.ndarray | None]:
        out = np.zeros(n, dtype=np.int64)
        amt = self.amount if self.unknown is None else np.where(self.unknown, 0, self.amount)
        out[self.idx] = amt
        unk = None
        if self.unknown is not None and self.unknown.any():
            unk = np.zeros(n, dtype=bool)
            unk[self.idx[self.unknown]] = True
        return out, unk


StateArrays = dict[str, tuple[np.ndarray, np.ndarray]]  # benefit → (row idx sorted, started year)


def eval_benefit(ctx: Ctx, bb: Bound, year: int, state: StateArrays | None = None) -> Sparse:
    b = bb.benefit
    rows, unknown = ctx.select(bb.conjuncts)
    st = (state or {}).get(b.qname)
    cont_idx = np.empty(0, dtype=np.int64)
    cont_started = np.empty(0, dtype=np.int64)
    # a benefit anchored on a fact (`start:`) knows its years without any state
    if st is not None and (b.period == "once" or (b.period == "years" and b.start is None)):
        sidx, syear = st
        before = syear < year
        blocked = sidx[before]  # received before: no new start
        if b.period == "years" and b.start is None:
            live = before & (syear > year - (b.years or 1))
            cont_idx, cont_started = sidx[live], syear[live]
        if blocked.size and rows.n:
            keep = ~np.isin(rows.idx if rows.idx is not None else np.arange(ctx.n), blocked)
            local = np.flatnonzero(keep)
            base_idx = rows.idx if rows.idx is not None else np.arange(ctx.n)
            rows = Rows(base_idx[local], rows.key + f"&state:{b.qname}", len(local), rows, local)
            unknown = unknown[local] if unknown is not None else None
    new_idx = rows.idx if rows.idx is not None else np.arange(ctx.n)
    if cont_idx.size:
        if bb.continue_if is not None:
            crow = Rows(cont_idx, f"cont:{b.qname}", len(cont_idx))
            cv = ctx.ev(bb.continue_if, crow)
            ok = np.broadcast_to(np.asarray(cv.data, dtype=bool), (len(cont_idx),))
            if cv.valid is not None:
                ok = ok & np.broadcast_to(np.asarray(cv.valid, dtype=bool), (len(cont_idx),))
            cont_idx, cont_started = cont_idx[ok], cont_started[ok]
        all_idx = np.concatenate([new_idx, cont_idx])
        order = np.argsort(all_idx, kind="stable")
        all_idx = all_idx[order]
        unk_all = np.concatenate([unknown if unknown is not None else np.zeros(len(new_idx), dtype=bool),
                                  np.zeros(len(cont_idx), dtype=bool)])[order]
        started_all = np.concatenate([np.full(len(new_idx), year, dtype=np.int64), cont_started])[order]
        rows = Rows(all_idx, f"pay:{b.qname}:{id(bb)}", len(all_idx))
        unknown = unk_all if unk_all.any() else None
        started = started_all
    else:
        started = None
    if rows.n == 0:
        e = np.empty(0, dtype=np.int64)
        return Sparse(e, e, None, e if b.period != "yearly" else None)
    av = ctx.ev(bb.amount, rows)
    amount = np.broadcast_to(np.asarray(av.data, dtype=np.int64), (rows.n,))
    amount = np.maximum(amount, 0)  # a benefit is never negative
    if av.valid is not None:
        inv = ~np.broadcast_to(np.asarray(av.valid, dtype=bool), (rows.n,))
        unknown = inv if unknown is None else (unknown | inv)
        if not unknown.any():
            unknown = None
    if b.period != "yearly" and started is None:
        if bb.start is not None:
            sv = ctx.ev(bb.start, rows)
            started = np.broadcast_to(np.asarray(sv.data, dtype=np.int64), (rows.n,)).copy()
        else:
            started = np.full(rows.n, year, dtype=np.int64)
    idx = rows.idx if rows.idx is not None else np.arange(ctx.n)
    return Sparse(idx, amount, unknown, started)


def apply_limits(limits: list[Limit], dense: dict[str, np.ndarray], benefits: dict[str, Benefit], ctx: Ctx) -> None:
    """Non-cumulation between benefits, in place on dense amounts.

    Order: each benefit's ``excludes`` (in evaluation order), then ``highest_of`` groups,
    then ``combined_cap`` (the cut is taken from the last listed benefit first).
    """
    for q, b in benefits.items():
        if q not in dense:
            continue
        for x in b.excludes:
            if x in dense:
                dense[x][dense[q] > 0] = 0
    for li in limits:
        names = [q for q in li.benefits if q in dense]
        if not names:
            continue
        if li.kind == "highest_of":
            stack = np.vstack([dense[q] for q in names])
            best = np.argmax(stack, axis=0)  # ties: the first listed wins
            for i, q in enumerate(names):
                dense[q][best != i] = 0
        else:
            assert li.cap is not None  # bound with this scenario's parameters by bind_set
            cv = ctx.ev(li.cap, ctx.all)
            cap = np.broadcast_to(np.asarray(cv.data, dtype=np.int64), (ctx.n,))
            total = sum(dense[q] for q in names)
            excess = np.maximum(total - cap, 0)
            for q in reversed(names):
                cut = np.minimum(excess, dense[q])
                dense[q] -= cut
                excess -= cut


# -- results --------------------------------------------------------------------------------------


@dataclass
class BenefitTotal:
    qname: str
    label: str
    policy: str
    category: str
    kind: str
    amount_kind: str
    n_awarded: int
    n_unknown: int
    total_fen: int
    funding: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"benefit": self.qname, "label": self.label, "policy": self.policy, "category": self.category,
                "kind": self.kind, "amount_kind": self.amount_kind, "floor": self.amount_kind == "floor",
                "n_awarded": self.n_awarded, "n_unknown": self.n_unknown, "total_yuan": yuan_str(self.total_fen),
                "funding_yuan": {k: yuan_str(v) for k, v in self.funding.items()}}


def funding_split(amount: np.ndarray, shares: list[tuple[str, Fraction]]) -> dict[str, np.ndarray]:
    """Split amounts between levels; each share rounds half up and the last level takes the rest."""
    out: dict[str, np.ndarray] = {}
    rest = amount.copy()
    for level, share in shares[:-1]:
        part = (amount * (2 * share.numerator) + share.denominator) // (2 * share.denominator)
        out[level] = part
        rest = rest - part
    out[shares[-1][0]] = rest
    return out


@dataclass
class Evaluation:
    """Per-entity × benefit amounts in fen (null = unknown) and the totals.

    ``frame`` has the key column, one Int64 column per benefit (``policy.benefit``) and
    ``total`` (the grants, unknowns counted as 0). ``started`` lists the once/N-year
    benefits that started this year (the next year's ``state``).
    """

    year: int
    key: str
    frame: pl.DataFrame
    totals: list[BenefitTotal]
    started: pl.DataFrame
    not_in_force: list[str]
    warnings: list[Problem]
    benefits: dict[str, Benefit]

    @property
    def total_fen(self) -> int:
        return sum(t.total_fen for t in self.totals if t.kind == "grant")

    @property
    def n_awarded(self) -> int:
        return int((self.frame["total"] > 0).sum())

    def amount(self, benefit: str, row: int = 0) -> int | None:
        v = self.frame[benefit][row]
        return None if v is None else int(v)

    def to_json(self, entities: bool | int = False) -> dict[str, Any]:
        """JSON-ready: money as decimal strings in yuan. ``entities=N`` lists up to N entities with awards."""
        out: dict[str, Any] = {
            "year": self.year,
            "total_yuan": yuan_str(self.total_fen),
            "n_entities": self.frame.height,
            "n_awarded": self.n_awarded,
            "benefits": [t.to_json() for t in self.totals],
            "by_category_yuan": _by(self.totals, "category"),
            "by_level_yuan": _levels(self.totals),
            "not_in_force": self.not_in_force,
            "warnings": [w.to_json() for w in self.warnings],
        }
        if entities:
            limit = None if entities is True else int(entities)
            rows = []
            cols = [c for c in self.frame.columns if c not in (self.key, "total")]
            sub = self.frame.filter(pl.col("total") > 0)
            if limit is not None:
                sub = sub.head(limit)
            for r in sub.iter_rows(named=True):
                rows.append({"key": r[self.key], "total_yuan": yuan_str(r["total"]),
                             "benefits": {c: yuan_str(r[c]) for c in cols if r[c]}})
            out["entities"] = rows
        return out


def _by(totals: list[BenefitTotal], attr: str) -> dict[str, str]:
    acc: dict[str, int] = {}
    for t in totals:
        if t.kind == "grant":
            acc[getattr(t, attr)] = acc.get(getattr(t, attr), 0) + t.total_fen
    return {k: yuan_str(v) or "0.00" for k, v in acc.items()}


def _levels(totals: list[BenefitTotal]) -> dict[str, str]:
    acc: dict[str, int] = {}
    for t in totals:
        for k, v in t.funding.items():
            acc[k] = acc.get(k, 0) + v
    return {k: yuan_str(v) or "0.00" for k, v in acc.items()}


# -- the entry points ----------------------------------------------------------------------------


def needed_columns(bound: list[Bound], available: set[str], limits: list[Limit] | None = None) -> set[str]:
    need: set[str] = set()
    exprs: list[ir.Expr] = []
    for bb in bound:
        exprs.extend([*bb.conjuncts, bb.amount])
        exprs.extend(x for x in (bb.start, bb.continue_if) if x is not None)
    for li in limits or []:
        if li.cap is not None:
            exprs.append(li.cap)
    stack = exprs
    seen: set[int] = set()
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ir.FactRef):
            need.add(e.name)
            continue
        if isinstance(e, ir.DerivedRef):
            if e.name in available:
                need.add(e.name)
                continue
        stack.extend(e.children())
    return need


def build_ctx(pset: PolicySet, facts: pl.DataFrame | dict[str, Any], names: set[str], trace: bool = False,
              ) -> tuple[Ctx, list[Problem]]:
    warnings: list[Problem] = []
    cols: dict[str, V] = {}
    from .messages import type_name

    if isinstance(facts, pl.DataFrame):
        n = facts.height
        for name in sorted(names):
            if name not in facts.columns:
                continue
            f = pset.facts.get(name) or catalogue()[name]
            try:
                cols[name] = prepare_series(facts[name], f)
            except (ValueError, pl.exceptions.PolarsError) as exc:
                warnings.append(Problem("W702", {"name": name, "type": type_name(f.type),
                                                 "type_en": type_name(f.type, "en"), "problem": str(exc)}))
    else:
        n = len(next(iter(facts.values()))) if facts else 1
        for name in sorted(names):
            if name not in facts:
                continue
            f = pset.facts.get(name) or catalogue()[name]
            cols[name] = prepare_values(list(facts[name]), f)
    missing = sorted(x for x in names if x not in cols)
    if missing:
        warnings.append(Problem("W701", {"names": "、".join(missing)}))
    return Ctx(cols, n, trace=trace), warnings


def _state_arrays(state: Any, facts: pl.DataFrame | dict[str, Any], key: str, n: int) -> StateArrays | None:
    """``state``: a frame (key, benefit, started_year) or ``{benefit: {key: year}}`` → row arrays."""
    if state is None:
        return None
    if isinstance(state, dict):
        rows = [(k, b, y) for b, m in state.items() for k, y in m.items()]
        state = pl.DataFrame(rows, schema=[key, "benefit", "started_year"], orient="row")
    if state.height == 0:
        return {}
    if isinstance(facts, pl.DataFrame) and key in facts.columns:
        keys = facts.select(pl.col(key)).with_row_index("__pos")
    else:
        keys = pl.DataFrame({key: list(range(n))}).with_row_index("__pos")
    st = state.with_columns(pl.col(key).cast(keys[key].dtype, strict=False)).join(keys, on=key, how="inner")
    out: StateArrays = {}
    for (b,), part in st.group_by(["benefit"]):
        part = part.sort("__pos")
        out[str(b)] = (part["__pos"].cast(pl.Int64).to_numpy(), part["started_year"].cast(pl.Int64).to_numpy())
    return out


def _run(ctx: Ctx, bound: list[Bound], limits: list[Limit], year: int, state: StateArrays | None,
         dense_all: bool) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray | None], dict[str, Sparse]]:
    sparse: dict[str, Sparse] = {}
    dense: dict[str, np.ndarray] = {}
    unknown: dict[str, np.ndarray | None] = {}
    referenced = set()
    for bb in bound:
        referenced |= bb.benefit.depends_on
    limited = {q for li in limits for q in li.benefits}
    for bb in bound:
        excl = bb.benefit.excludes
        if excl:
            limited |= {bb.benefit.qname, *excl}
    for bb in bound:
        q = bb.benefit.qname
        sp = eval_benefit(ctx, bb, year, state)
        sparse[q] = sp
        if dense_all or q in referenced or q in limited:
            d, u = sp.dense(ctx.n)
            dense[q], unknown[q] = d, u
            if q in referenced:
                ctx.benefits[q] = V(d, None if u is None else ~u)
    if limits or any(bb.benefit.excludes for bb in bound):
        apply_limits(limits, dense, {bb.benefit.qname: bb.benefit for bb in bound}, ctx)
    return dense, unknown, sparse


def territory_mode(pset: PolicySet, facts: Any, territory: bool | None) -> tuple[bool, list[Problem]]:
    """Whether to apply the policies' territories to ``facts``, and the warning when not.

    ``territory=None`` (the default everywhere): applied when the data has a
    ``division_code`` column (the exchange table always has one); data without it (a test
    case, a hand-written row) is evaluated as if every entity were inside, with W703 naming
    the policies whose territory was not applied. True / False force it either way.
    """
    if territory is not None:
        return territory, []
    columns = facts.columns if isinstance(facts, pl.DataFrame) else list(facts)
    if "division_code" in columns:
        return True, []
    local = [p.code for p in pset if p.territory]
    if not local:
        return True, []
    return False, [Problem("W703", {"policies": "、".join(local)})]


def evaluate(policies: PolicySet, facts: pl.DataFrame, year: int, overrides: dict[str, Any] | None = None, *,
             state: Any = None, key: str = "uscc", as_of: dt.date | None = None,
             territory: bool | None = None) -> Evaluation:
    """Every in-force benefit of ``policies`` for every row of ``facts`` (one row per entity, ``year``).

    ``overrides``: ``{"policy.param": value}`` (``"8%"``, ``"200万"`` or numbers; money numbers in
    yuan). ``state``: benefits already started — a frame (key, benefit, started_year) or
    ``{benefit: {key: started_year}}`` — so one-off benefits are not paid twice and N-year
    benefits continue. Money columns of ``facts`` are in yuan (exchange-table convention).

    >>> import polars as pl
    >>> from kechuang.engine.rules import load_policies
    >>> pols = load_policies("tests/data/policies/harness.yaml")
    >>> ev = evaluate(pols, pl.DataFrame({"rd_expense": [30_000_000], "rd_expense_prev": [20_000_000],
    ...     "is_above_scale": [True], "is_new_rd_hq": [False], "is_new_high_tech": [False],
    ...     "tsme_consecutive_years": [0]}), 2025)
    >>> ev.to_json()["total_yuan"]
    '1000000.00'
    """
    return _evaluate_many([(policies, overrides)], facts, year, state=state, key=key, as_of=as_of,
                          territory=territory)[0]


def _evaluate_many(runs: list[tuple[PolicySet, dict[str, Any] | None]], facts: pl.DataFrame, year: int, *,
                   state: Any, key: str, as_of: dt.date | None, territory: bool | None = None) -> list[Evaluation]:
    """Several (policy set, overrides) over one prepared table: columns and shared work computed once."""
    apply_territory, place_warnings = territory_mode(runs[0][0], facts, territory)
    bound_runs = []
    for pset, overrides in runs:
        bound, limits, off = bind_set(pset, year, as_of, resolve_overrides(pset, overrides), apply_territory)
        bound_runs.append((pset, bound, limits, off))
    avail = set(facts.columns) if isinstance(facts, pl.DataFrame) else set(facts)
    names: set[str] = set()
    for _, bound, limits, _ in bound_runs:
        names |= needed_columns(bound, avail, limits)
    ctx, warnings = build_ctx(runs[0][0], facts, names)
    warnings = [*place_warnings, *warnings]
    st = _state_arrays(state, facts, key, ctx.n)
    out = []
    for pset, bound, limits, off in bound_runs:
        ctx.benefits.clear()
        dense, unknown, sparse = _run(ctx, bound, limits, year, st, dense_all=True)
        out.append(_assemble(pset, facts, key, year, bound, dense, unknown, sparse, off, warnings))
    return out


def _assemble(pset: PolicySet, facts: Any, key: str, year: int, bound: list[Bound], dense: dict[str, np.ndarray],
              unknown: dict[str, np.ndarray | None], sparse: dict[str, Sparse], off: list[str],
              warnings: list[Problem]) -> Evaluation:
    if isinstance(facts, pl.DataFrame) and key in facts.columns:
        keycol = facts[key]
    else:
        n = facts.height if isinstance(facts, pl.DataFrame) else len(next(iter(facts.values())))
        keycol = pl.Series(key, np.arange(n))
    series = [keycol]
    total = np.zeros(len(keycol), dtype=np.int64)
    totals: list[BenefitTotal] = []
    started_parts = []
    for bb in bound:
        b = bb.benefit
        q = b.qname
        d, u = dense[q], unknown[q]
        s = pl.Series(q, d)
        if u is not None:
            s = s.scatter(np.flatnonzero(u), None)
        series.append(s)
        if b.kind == "grant":
            total += d
        funding = {}
        if b.funding:
            funding = {lv: int(v.sum()) for lv, v in funding_split(d, b.funding).items()}
        totals.append(BenefitTotal(q, b.label, b.policy, b.category, b.kind, b.amount_kind,
                                   int((d > 0).sum()), int(u.sum()) if u is not None else 0, int(d.sum()), funding))
        sp = sparse[q]
        if b.period != "yearly" and sp.started is not None and len(sp.idx):
            paid = d[sp.idx] > 0
            if paid.any():
                started_parts.append(pl.DataFrame({key: keycol.gather(sp.idx[paid]), "benefit": q,
                                                   "started_year": sp.started[paid]}))
    series.append(pl.Series("total", total))
    frame = pl.DataFrame(series)
    started = pl.concat(started_parts) if started_parts else pl.DataFrame(
        schema={key: keycol.dtype, "benefit": pl.String, "started_year": pl.Int64})
    return Evaluation(year, key, frame, totals, started, off, warnings, {bb.benefit.qname: bb.benefit for bb in bound})


# -- K programmes (parameter sets) in one pass -----------------------------------------------------


@dataclass
class ProgrammeTotals:
    """Totals of K parameter sets evaluated over the same register in one pass."""

    totals_fen: list[int]  # per programme, grants
    grand: np.ndarray  # per entity, sum over programmes (fen)

    @property
    def grand_total_fen(self) -> int:
        return int(self.grand.sum())

    @property
    def n_awarded(self) -> int:
        return int((self.grand > 0).sum())


def evaluate_programmes(policies: PolicySet, facts: pl.DataFrame, year: int, programmes: list[dict[str, Any]],
                        *, as_of: dt.date | None = None) -> ProgrammeTotals:
    """Evaluate the policies once per parameter set in ``programmes`` (K scenarios) in one pass.

    The work that does not depend on parameters (derived facts, parameter-free conditions
    and the row sets they select) is computed once and shared by all K programmes.
    """
    ctx, prog_bound = prepare_programmes(policies, facts, year, programmes, as_of=as_of)
    return run_programmes(ctx, prog_bound, year)


def prepare_programmes(policies: PolicySet, facts: pl.DataFrame, year: int, programmes: list[dict[str, Any]],
                       *, as_of: dt.date | None = None) -> tuple[Ctx, list[tuple[list[Bound], list[Limit]]]]:
    apply_territory, _ = territory_mode(policies, facts, None)
    prog_bound = []
    for ov in programmes:
        bound, limits, _ = bind_set(policies, year, as_of, resolve_overrides(policies, ov), apply_territory)
        prog_bound.append((bound, limits))
    avail = set(facts.columns)
    names: set[str] = set()
    for bound, limits in prog_bound:
        names |= needed_columns(bound, avail, limits)
    ctx, _ = build_ctx(policies, facts, names)
    return ctx, prog_bound


def run_programmes(ctx: Ctx, prog_bound: list[tuple[list[Bound], list[Limit]]], year: int) -> ProgrammeTotals:
    ctx.cache.clear()
    ctx.rowcache.clear()
    grand = np.zeros(ctx.n, dtype=np.int64)
    totals = []
    for bound, limits in prog_bound:
        dense, unknown, sparse = _run(ctx, bound, limits, year, None, dense_all=False)
        t = 0
        for bb in bound:
            if bb.benefit.kind != "grant":
                continue
            q = bb.benefit.qname
            if q in dense:
                grand += dense[q]
                t += int(dense[q].sum())
                continue
            sp = sparse[q]
            amt = sp.amount if sp.unknown is None else np.where(sp.unknown, 0, sp.amount)
            if sp.idx.size:
                grand[sp.idx] += amt
                t += int(amt.sum())
        totals.append(t)
    return ProgrammeTotals(totals, grand)


# -- what-if -----------------------------------------------------------------------------------------


@dataclass
class WhatIf:
    """Baseline against a reform, per entity and per benefit."""

    baseline: Evaluation
    reform: Evaluation
    frame: pl.DataFrame  # key, baseline, reform, delta (fen)
    changes: dict[str, Any]

    @property
    def delta_fen(self) -> int:
        return self.reform.total_fen - self.baseline.total_fen

    @property
    def n_gainers(self) -> int:
        return int((self.frame["delta"] > 0).sum())

    @property
    def n_losers(self) -> int:
        return int((self.frame["delta"] < 0).sum())

    def to_json(self, top: int = 10) -> dict[str, Any]:
        key = self.baseline.key
        gain = self.frame.filter(pl.col("delta") > 0).sort("delta", descending=True).head(top)
        lose = self.frame.filter(pl.col("delta") < 0).sort("delta").head(top)

        def rows(df: pl.DataFrame) -> list[dict[str, Any]]:
            return [{"key": r[key], "baseline_yuan": yuan_str(r["baseline"]), "reform_yuan": yuan_str(r["reform"]),
                     "delta_yuan": yuan_str(r["delta"])} for r in df.iter_rows(named=True)]

        base = {t.qname: t for t in self.baseline.totals}
        per_benefit = []
        for t in self.reform.totals:
            b0 = base.get(t.qname)
            b0f = b0.total_fen if b0 else 0
            per_benefit.append({"benefit": t.qname, "label": t.label, "baseline_yuan": yuan_str(b0f),
                                "reform_yuan": yuan_str(t.total_fen), "delta_yuan": yuan_str(t.total_fen - b0f),
                                "baseline_awarded": b0.n_awarded if b0 else 0, "reform_awarded": t.n_awarded})
        return {"year": self.baseline.year, "changes": {k: str(v) for k, v in self.changes.items()},
                "baseline_total_yuan": yuan_str(self.baseline.total_fen),
                "reform_total_yuan": yuan_str(self.reform.total_fen), "delta_yuan": yuan_str(self.delta_fen),
                "n_gainers": self.n_gainers, "n_losers": self.n_losers,
                "n_unchanged": self.frame.height - self.n_gainers - self.n_losers,
                "benefits": per_benefit, "top_gainers": rows(gain), "top_losers": rows(lose)}


def policy_scope(pset: PolicySet, pol: Policy) -> Scope:
    facts = {**catalogue(), **pol.facts}
    scope = Scope(facts)
    for p in pol.parameters.values():
        scope.params[p.name] = ParamInfo(p.qname, p.type, p.label, p.elem)
    for b in pol.benefits.values():
        scope.benefits[b.code] = b.qname
    return scope


def reformed_set(pset: PolicySet, formulas: dict[str, str]) -> PolicySet:
    """A copy of the set with some formulas replaced: ``{"policy.benefit.when|amount": text}``,
    and caps of combined limits: ``{"policy.limits.N.cap": text}`` (N from 1, the file's order)."""
    import copy

    new = copy.copy(pset)
    new.policies = dict(pset.policies)
    for target, text in formulas.items():
        parts = target.split(".")
        if len(parts) == 4 and parts[1] == "limits":
            _reform_limit_cap(new, target, parts, text)
            continue
        if len(parts) != 3 or parts[2] not in ("when", "amount") or parts[0] not in pset.policies \
                or parts[1] not in pset.policies[parts[0]].benefits:
            raise RuleError(Problem("R703", {"name": target, "problem": "应写成 政策编码.优惠编码.when 或 .amount，"
                                                                         "或 政策编码.limits.序号.cap",
                                             "problem_en": "write policy.benefit.when, policy.benefit.amount "
                                                           "or policy.limits.N.cap"}))
        code, bcode, what = parts
        pol = copy.copy(new.policies[code])
        pol.benefits = dict(pol.benefits)
        b = copy.copy(pol.benefits[bcode])
        scope = policy_scope(new, pol)
        try:
            node = sx.parse(text)
            chk = Checker(scope, text)
            e = chk.condition(node) if what == "when" else chk.amount(node)
        except ExprError as exc:
            raise RuleError(Problem(exc.code, exc.params, f"<{target}>", 1, exc.offset + 1)) from None
        if what == "when":
            b.when, b.when_text = e, text
        else:
            b.amount, b.amount_text = e, text
        pol.benefits[bcode] = b
        new.policies[code] = pol
    new.order = evaluation_order(new)
    return new


def _reform_limit_cap(new: PolicySet, target: str, parts: list[str], text: str) -> None:
    """Replace the cap of a ``combined_cap`` limit (``policy.limits.N.cap``, N counted from 1
    in the file's order) in ``new`` (a copy made by :func:`reformed_set`); the text is parsed
    and type-checked as an amount, like the file's ``cap:``."""
    import copy

    code, _, index, what = parts
    pol = new.policies.get(code)
    n = int(index) if index.isdigit() else 0
    if pol is None or what != "cap" or not 1 <= n <= len(pol.limits) or pol.limits[n - 1].kind != "combined_cap":
        raise RuleError(Problem("R703", {"name": target, "problem": "没有这一项合计上限（写成 政策编码.limits.序号.cap）",
                                         "problem_en": "no such combined cap (write policy.limits.N.cap)"}))
    try:
        cap = Checker(policy_scope(new, pol), text).amount(sx.parse(text))
    except ExprError as exc:
        raise RuleError(Problem(exc.code, exc.params, f"<{target}>", 1, exc.offset + 1)) from None
    pol = copy.copy(pol)
    pol.limits = list(pol.limits)
    pol.limits[n - 1] = copy.copy(pol.limits[n - 1])
    pol.limits[n - 1].cap, pol.limits[n - 1].cap_text = cap, text
    new.policies[code] = pol


def evaluation_order(pset: PolicySet) -> list[str]:
    """The benefits in dependency order (a benefit after those its formulas use), the
    set's own order kept otherwise; a reform that makes a cycle is refused (R204)."""
    benefits = {b.qname: b for p in pset for b in p.benefits.values()}
    order, cycles = dependency_order(benefits, pset.order)
    if cycles:
        raise RuleError(Problem("R204", {"cycle": " → ".join(cycles[0])}, f"<{cycles[0][0]}>"))
    return order


def whatif(policies: PolicySet, facts: pl.DataFrame, year: int, set: dict[str, Any] | None = None,  # noqa: A002
           *, formulas: dict[str, str] | None = None, state: Any = None, key: str = "uscc",
           as_of: dt.date | None = None, territory: bool | None = None) -> WhatIf:
    """Evaluate a reform next to the baseline: changed parameters (``set``) and/or formulas.

    >>> import polars as pl
    >>> from kechuang.engine.rules import load_policies
    >>> pols = load_policies("tests/data/policies/harness.yaml")
    >>> df = pl.DataFrame({"rd_expense": [30_000_000], "rd_expense_prev": [10_000_000], "is_above_scale": [True],
    ...     "is_new_rd_hq": [False], "is_new_high_tech": [False], "tsme_consecutive_years": [0]})
    >>> whatif(pols, df, 2025, set={"rd_increment_rate": "8%"}).to_json()["delta_yuan"]
    '-400000.00'
    """
    reform_set = reformed_set(policies, formulas) if formulas else policies
    base, reform = _evaluate_many([(policies, None), (reform_set, set)], facts, year, state=state, key=key,
                                  as_of=as_of, territory=territory)
    frame = pl.DataFrame({key: base.frame[key], "baseline": base.frame["total"], "reform": reform.frame["total"]}
                         ).with_columns((pl.col("reform") - pl.col("baseline")).alias("delta"))
    changes: dict[str, Any] = dict(set or {})
    changes.update(formulas or {})
    return WhatIf(base, reform, frame, changes)
