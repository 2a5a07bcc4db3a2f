"""Explain mode: the same compiled rules, run for one entity, with every step recorded.

The kernel evaluates the bound rules on a one-row table exactly as in batch mode and
records each node's value; this module turns them into sentences::

    研发投入年增量 1,250万 ≥ 研发投入年增量门槛 1,000万 → 符合
    金额 = min(10% × 1,250万, 300万) = 125万
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl

from . import ir
from .checker import _EPOCH
from .engine import (
    Bound,
    _run,
    _state_arrays,
    bind_set,
    build_ctx,
    needed_columns,
    resolve_overrides,
    territory_mode,
)
from .kernel import Ctx, TextCol, V
from .money import display, yuan_str
from .policy import PolicySet

WORDS = {
    "zh": {"yes": "符合", "no": "不符合", "unknown": "未知", "amount": "金额", "and": " 且 ", "or": " 或 ",
           "not": "非", "if": "如果", "then": "则", "else": "否则", "in": "∈", "notin": "∉", "missing": "缺失",
           "known": "已知", "true": "是", "false": "否", "short": "差", "over": "超出", "floor": "（不低于此数）",
           "given": "（数据给出）", "absent": "未提供", "facts": "事实", "conditions": "条件",
           "awarded": "享受", "not_eligible": "不符合条件", "status_unknown": "无法判断", "total": "资金支持合计",
           "already": "一次性优惠：已于 {y} 年享受，本年不再支付", "over_period": "连续 {n} 年的优惠：{y} 年起，已满",
           "continuing": "连续 {n} 年的优惠：{y} 年起第 {k} 年，继续支付", "starts": "连续 {n} 年的优惠：自 {y} 年起",
           "once": "一次性优惠", "limited": "因不重复享受或合计上限，由 {a} 调整为 {b}", "not_in_force": "政策在 {d} 未施行",
           "needs": "缺少事实：{names}", "no_value": "参数没有取值（无来源）：{names}",
           "not_evaluated": "（前一条件已不符合，未评估）"},
    "en": {"yes": "met", "no": "not met", "unknown": "unknown", "amount": "amount", "and": " and ", "or": " or ",
           "not": "not ", "if": "if", "then": "then", "else": "else", "in": "in", "notin": "not in",
           "missing": "is missing", "known": "is known", "true": "true", "false": "false", "short": "short by",
           "over": "over by", "floor": " (a floor: at least this)", "given": " (given in the data)",
           "absent": "not given", "facts": "facts", "conditions": "conditions", "awarded": "awarded",
           "not_eligible": "not eligible", "status_unknown": "cannot be decided", "total": "total of grants",
           "already": "one-off benefit: received in {y}, not paid again", "over_period": "{n}-year benefit started {y}: over",
           "continuing": "{n}-year benefit started {y}: year {k}, continues", "starts": "{n}-year benefit from {y}",
           "once": "one-off benefit", "limited": "non-cumulation or a combined cap: {a} becomes {b}",
           "not_in_force": "the policy is not in force on {d}", "needs": "missing facts: {names}",
           "no_value": "parameter without a value (no source): {names}",
           "not_evaluated": " (not evaluated: an earlier condition failed)"},
}
_SYM = {"==": "=", "!=": "≠", ">=": "≥", "<=": "≤", ">": ">", "<": "<"}
_ARITH = {"+": "+", "-": "−", "*": "×", "/": "÷"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


@dataclass
class Step:
    kind: str  # fact derived condition amount period limit note
    zh: str
    en: str
    ok: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "zh": self.zh, "en": self.en, "ok": self.ok}


@dataclass
class BenefitTrace:
    benefit: str
    label: str
    status: str  # awarded not_eligible unknown already_received period_over
    amount_fen: int | None
    amount_kind: str
    clause: str
    quote: str
    steps: list[Step] = field(default_factory=list)
    kind: str = "grant"

    def to_json(self) -> dict[str, Any]:
        return {"benefit": self.benefit, "label": self.label, "status": self.status, "kind": self.kind,
                "amount_yuan": yuan_str(self.amount_fen), "floor": self.amount_kind == "floor",
                "clause": self.clause, "quote": self.quote, "steps": [s.to_json() for s in self.steps]}


@dataclass
class Trace:
    """The explanation of one entity under one policy (``kechuang policy explain``)."""

    policy: str
    title: str
    year: int
    benefits: list[BenefitTrace]
    facts: list[Step]
    notes: list[Step] = field(default_factory=list)

    @property
    def total_fen(self) -> int:
        """The grants (tax benefits are shown per benefit, not added), as in ``Evaluation.total``."""
        return sum(b.amount_fen or 0 for b in self.benefits if b.kind == "grant")

    def amount(self, benefit: str) -> int | None:
        for b in self.benefits:
            if b.benefit == benefit or b.benefit.endswith("." + benefit):
                return b.amount_fen
        raise KeyError(benefit)

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "title": self.title, "year": self.year,
                "total_yuan": yuan_str(self.total_fen), "facts": [s.to_json() for s in self.facts],
                "notes": [s.to_json() for s in self.notes], "benefits": [b.to_json() for b in self.benefits]}

    def text(self, lang: str = "zh") -> str:
        w = WORDS[lang]
        out = [f"{self.title}（{self.policy}）· {self.year}" if lang == "zh" else f"{self.title} ({self.policy}) · {self.year}"]
        for s in self.notes:
            out.append("  " + (s.zh if lang == "zh" else s.en))
        if self.facts:
            out.append(f"{w['facts']}:")
            out.extend("  " + (s.zh if lang == "zh" else s.en) for s in self.facts)
        for b in self.benefits:
            status = {"awarded": w["awarded"], "not_eligible": w["not_eligible"], "unknown": w["status_unknown"]
                      }.get(b.status, b.status)
            amt = display(b.amount_fen, lang) if b.amount_fen is not None else w["unknown"]
            out.append(f"■ {b.label}（{b.benefit}）：{status}，{amt}" if lang == "zh"
                       else f"■ {b.label} ({b.benefit}): {status}, {amt}")
            for s in b.steps:
                out.append("    " + (s.zh if lang == "zh" else s.en))
        out.append(f"{w['total']}: {display(self.total_fen, lang)}")
        return "\n".join(out)


# -- rendering values and expressions ------------------------------------------------------------


def _one(v: V | None) -> Any:
    """The single value of a one-row V (``_UNKNOWN`` when unknown)."""
    if v is None:
        return _UNKNOWN
    valid = v.valid
    if valid is not None:
        vv = valid[0] if isinstance(valid, np.ndarray) else valid
        if not bool(vv):
            return _UNKNOWN
    d = v.data
    if isinstance(d, TextCol):
        return d.cats[d.codes[0]] if d.codes[0] >= 0 else _UNKNOWN
    if isinstance(d, np.ndarray):
        if d.size == 0:
            return _UNKNOWN
        return d[0].item()
    if isinstance(d, np.generic):
        return d.item()
    return d


class _Unknown:
    pass


_UNKNOWN = _Unknown()


def fmt(value: Any, t: str, lang: str = "zh") -> str:
    w = WORDS[lang]
    if value is _UNKNOWN or value is None:
        return w["unknown"]
    if t == "money":
        return display(int(value), lang)
    if t == "ratio":
        x = Fraction(value) if not isinstance(value, float) else value
        pct = x * 100
        if isinstance(pct, Fraction) and pct.denominator == 1:
            return f"{pct.numerator}%"
        return f"{float(pct):.4g}%"
    if t == "bool":
        return w["true"] if value else w["false"]
    if t == "date":
        return dt.date.fromordinal(int(value) + _EPOCH).isoformat()
    if t == "text":
        return f"“{value}”"
    if t == "list":
        return "[" + ", ".join(fmt(v, _elem_type(v), lang) for v in value) + "]"
    x = Fraction(value) if not isinstance(value, float) else value
    if isinstance(x, Fraction) and x.denominator == 1:
        return f"{x.numerator:,}" if abs(x.numerator) >= 10000 else str(x.numerator)
    return f"{float(x):.6g}"


def _elem_type(v: Any) -> str:
    return "text" if isinstance(v, str) else "count"


class Renderer:
    def __init__(self, pset: PolicySet, ctx: Ctx, lang: str):
        self.pset = pset
        self.ctx = ctx
        self.lang = lang
        self.w = WORDS[lang]

    def v(self, e: ir.Expr) -> Any:
        """The entity's value of node ``e``: recorded by the run, or computed now (same kernel).

        A node whose value came from the cache of an identical node elsewhere has no record of
        its own children; they are evaluated here, on the entity's one row.
        """
        assert self.ctx.trace is not None
        v = self.ctx.trace.get(id(e))
        if v is None:
            v = self.ctx.ev(e, self.ctx.all)
        return _one(v)

    def label(self, e: ir.Expr) -> str:
        zh = self.lang == "zh"
        if isinstance(e, ir.FactRef | ir.DerivedRef):
            f = self.pset.facts.get(e.name)
            return (f.label if zh else (f.en or e.name)) if f else e.name
        if isinstance(e, ir.Const) and e.param and not e.param.startswith("builtin:"):
            p = self.pset.parameter(e.param)
            return p.label if zh else (p.en or p.name)
        if isinstance(e, ir.Const) and e.param == "builtin:year":
            return "评价年度" if zh else "year"
        if isinstance(e, ir.BenefitRef):
            b = self.pset.benefit(e.qname)
            return b.label if zh else (b.en or b.code)
        return ""

    def value(self, e: ir.Expr) -> str:
        if isinstance(e, ir.Const):
            v = e.value if e.value is not None else _UNKNOWN
            return fmt(v, e.type, self.lang)
        return fmt(self.v(e), e.type, self.lang)

    def render(self, e: ir.Expr, labels: bool, parent_prec: int = 0) -> str:
        w = self.w
        if isinstance(e, ir.Const | ir.FactRef | ir.DerivedRef | ir.BenefitRef):
            lab = self.label(e) if labels else ""
            return f"{lab} {self.value(e)}" if lab else self.value(e)
        if isinstance(e, ir.Arith):
            p = _PREC[e.op]
            s = f"{self.render(e.left, labels, p)} {_ARITH[e.op]} {self.render(e.right, labels, p + 1)}"
            return f"({s})" if p < parent_prec else s
        if isinstance(e, ir.Neg):
            return "−" + self.render(e.operand, labels, 3)
        if isinstance(e, ir.Cmp):
            return f"{self.render(e.left, labels, 1)} {_SYM[e.op]} {self.render(e.right, labels, 1)}"
        if isinstance(e, ir.In):
            return f"{self.render(e.operand, labels, 1)} {w['notin' if e.negated else 'in']} {self.render(e.items, False)}"
        if isinstance(e, ir.Missing):
            return f"{self.render(e.operand, labels)} {w['known' if e.negated else 'missing']}"
        if isinstance(e, ir.And | ir.Or):
            sep = w["and"] if isinstance(e, ir.And) else w["or"]
            s = sep.join(self.render(i, labels, 1) for i in e.items)
            return f"({s})" if parent_prec else s
        if isinstance(e, ir.NotE):
            return f"{w['not']}({self.render(e.operand, labels)})"
        if isinstance(e, ir.If):
            parts = []
            for c, t in zip(e.conds, e.thens, strict=True):
                parts.append(f"{w['if']} {self.render(c, labels)} {w['then']} {self.render(t, labels)}")
            return "（" + " ".join(parts) + f" {w['else']} {self.render(e.else_, labels)}）" if self.lang == "zh" \
                else "(" + " ".join(parts) + f" {w['else']} {self.render(e.else_, labels)})"
        if isinstance(e, ir.Func):
            return f"{e.name}(" + ", ".join(self.render(a, labels) for a in e.args) + ")"
        return "?"

    def outcome(self, e: ir.Expr) -> tuple[bool | None, str, str]:
        """(ok, zh word, en word) of a condition node, with the shortfall for a failed threshold."""
        v = self.v(e)
        if v is _UNKNOWN:
            return None, WORDS["zh"]["unknown"], WORDS["en"]["unknown"]
        ok = bool(v)
        zh, en = (WORDS["zh"]["yes"], WORDS["en"]["yes"]) if ok else (WORDS["zh"]["no"], WORDS["en"]["no"])
        if not ok and isinstance(e, ir.Cmp) and e.kind in ("money", "num") and e.op in (">=", ">", "<=", "<"):
            a = self.v(e.left) if not isinstance(e.left, ir.Const) else e.left.value
            b = self.v(e.right) if not isinstance(e.right, ir.Const) else e.right.value
            if a is not _UNKNOWN and b is not _UNKNOWN and a is not None and b is not None \
                    and not isinstance(a, float | str) and not isinstance(b, float | str):
                gap = Fraction(b) - Fraction(a) if e.op in (">=", ">") else Fraction(a) - Fraction(b)
                t = "money" if e.kind == "money" else e.left.type
                word = "short" if e.op in (">=", ">") else "over"
                if gap > 0 or (gap == 0 and e.op in (">", "<")):
                    shown_gap = gap if gap > 0 else Fraction(0)
                    zh += f"（{WORDS['zh'][word]} {fmt(shown_gap, t, 'zh')}）"
                    en += f" ({WORDS['en'][word]} {fmt(shown_gap, t, 'en')})"
        return ok, zh, en


# -- the entry point ----------------------------------------------------------------------------------


def _row_facts(entity_row: Any) -> dict[str, list[Any]] | pl.DataFrame:
    if isinstance(entity_row, pl.DataFrame):
        if entity_row.height != 1:
            raise ValueError("explain takes one entity: a one-row frame or a dict of facts")
        return entity_row
    return {k: [v] for k, v in dict(entity_row).items()} or {"__row": [0]}


def explain(policies: PolicySet, policy_code: str, entity_row: Any, year: int, *,
            overrides: dict[str, Any] | None = None, state: dict[str, int] | None = None,
            as_of: dt.date | None = None, territory: bool | None = None) -> Trace:
    """Explain why one entity gets what it gets from one policy (all benefits), step by step.

    ``entity_row``: ``{"rd_expense": 30_000_000, …}`` (money in yuan, as in the exchange
    table) or a one-row Polars frame. ``state``: ``{benefit: started_year}`` for one-off and
    N-year benefits already received. The amounts are those of :func:`evaluate` — the same
    compiled rules run through the same kernel. A policy with a territory first checks the
    entity's ``division_code`` ("不在政策适用范围（呼和浩特市）"); ``territory`` as in
    :func:`~kechuang.engine.rules.engine.territory_mode`.

    >>> from kechuang.engine.rules import load_policies
    >>> pols = load_policies("tests/data/policies/harness.yaml")
    >>> t = explain(pols, "harness", {"rd_expense": 32_500_000, "rd_expense_prev": 20_000_000,
    ...     "is_above_scale": True}, 2025)
    >>> print(t.benefits[0].steps[-1].zh)
    金额 = min(10% × 1,250万, 300万) = 125万
    """
    sub = policies.select([policy_code])
    pol = sub[policy_code]
    facts = _row_facts(entity_row)
    ov = resolve_overrides(sub, overrides)
    apply_territory, place_warnings = territory_mode(sub, facts, territory)
    bound, limits, off = bind_set(sub, year, as_of, ov, apply_territory)
    day = as_of or dt.date(year, 1, 1)
    if off:
        note = Step("note", WORDS["zh"]["not_in_force"].format(d=day), WORDS["en"]["not_in_force"].format(d=day))
        return Trace(pol.code, pol.title, year, [], [], [note])
    avail = set(facts.columns) if isinstance(facts, pl.DataFrame) else set(facts)
    names = needed_columns(bound, avail, limits)
    ctx, warnings = build_ctx(sub, facts, names, trace=True)
    st_input = {b if "." in b else f"{policy_code}.{b}": {0: y} for b, y in (state or {}).items()}
    if isinstance(facts, pl.DataFrame):
        st = _state_arrays(st_input or None, {"__row": [0]}, "__row", 1)
    else:
        st = _state_arrays(st_input or None, facts, "__row", 1)
    dense, unknown, sparse = _run(ctx, bound, limits, year, st, dense_all=True)
    assert ctx.trace is not None
    for bb in bound:  # report every condition, also those the filter chain did not need
        for c in _flat(bb.when):
            if id(c) not in ctx.trace:
                ctx.ev(c, ctx.all)
    zr, er = Renderer(sub, ctx, "zh"), Renderer(sub, ctx, "en")
    place = _territory_step(pol, bound, ctx)
    traces = [_benefit_trace(bb, ctx, zr, er, dense, unknown, sparse, st_input, year, place) for bb in bound]
    fact_steps = _fact_steps(sub, bound, ctx, zr, er, avail)
    notes = [Step("note", w.message("zh"), w.message("en")) for w in [*place_warnings, *warnings]]
    return Trace(pol.code, pol.title, year, traces, fact_steps, notes)


def _territory_step(pol: Any, bound: list[Bound], ctx: Ctx) -> Step | None:
    """The territory check as a condition step (None when the policy applies everywhere)."""
    cond = next((bb.territory for bb in bound if bb.territory is not None), None)
    if cond is None:
        return None
    inside = bool(np.asarray(ctx.ev(cond, ctx.all).data, dtype=bool).reshape(-1)[0])
    name = pol.territory_name()
    if inside:
        return Step("condition", f"在政策适用范围（{name}）内 → 符合", f"inside the policy's territory ({name}) → met", True)
    return Step("condition", f"不在政策适用范围（{name}）", f"outside the policy's territory ({name})", False)


def _flat(e: ir.Expr) -> list[ir.Expr]:
    return list(e.items) if isinstance(e, ir.And) else [e]


def _benefit_trace(bb: Bound, ctx: Ctx, zr: Renderer, er: Renderer, dense: dict[str, np.ndarray],
                   unknown: dict[str, np.ndarray | None], sparse: dict[str, Any], state: dict[str, dict[int, int]],
                   year: int, place: Step | None = None) -> BenefitTrace:
    b = bb.benefit
    q = b.qname
    steps: list[Step] = [place] if place is not None else []
    failed = place is not None and place.ok is False
    for c in _flat(bb.when):
        ok, wz, we = zr.outcome(c)
        zh = f"{zr.render(c, labels=True)} → {wz}"
        en = f"{er.render(c, labels=True)} → {we}"
        steps.append(Step("condition", zh, en, ok))
        failed = failed or ok is False
    started = state.get(q, {}).get(0)
    if b.period == "once":
        if started is not None and started < year:
            steps.append(Step("period", WORDS["zh"]["already"].format(y=started),
                              WORDS["en"]["already"].format(y=started), False))
        else:
            steps.append(Step("period", WORDS["zh"]["once"], WORDS["en"]["once"]))
    elif b.period == "years":
        n = b.years or 1
        sp = sparse[q]
        s0 = int(sp.started[0]) if sp.started is not None and len(sp.started) else started
        if started is not None and started < year:
            key = "continuing" if year - started < n else "over_period"
            steps.append(Step("period", WORDS["zh"][key].format(n=n, y=started, k=year - started + 1),
                              WORDS["en"][key].format(n=n, y=started, k=year - started + 1), key == "continuing"))
        elif s0 is not None:
            steps.append(Step("period", WORDS["zh"]["starts"].format(n=n, y=s0),
                              WORDS["en"]["starts"].format(n=n, y=s0)))
    d = int(dense[q][0])
    uq = unknown[q]
    u = uq is not None and bool(uq[0])
    sp = sparse[q]
    pre = int(sp.amount[0]) if len(sp.idx) and not (sp.unknown is not None and sp.unknown[0]) else 0
    if len(sp.idx):  # the amount formula ran
        amount_v = ctx.trace.get(id(bb.amount)) if ctx.trace is not None else None
        shown = _one(amount_v)
        val_z = display(int(shown), "zh") if shown is not _UNKNOWN else WORDS["zh"]["unknown"]
        val_e = display(int(shown), "en") if shown is not _UNKNOWN else WORDS["en"]["unknown"]
        zf, ef = zr.render(bb.amount, labels=False), er.render(bb.amount, labels=False)
        floor_z = WORDS["zh"]["floor"] if b.amount_kind == "floor" else ""
        floor_e = WORDS["en"]["floor"] if b.amount_kind == "floor" else ""
        if zf == val_z:
            steps.append(Step("amount", f"金额 = {val_z}{floor_z}", f"amount = {val_e}{floor_e}"))
        else:
            steps.append(Step("amount", f"金额 = {zf} = {val_z}{floor_z}", f"amount = {ef} = {val_e}{floor_e}"))
    if not u and len(sp.idx) and d != pre:
        steps.append(Step("limit", WORDS["zh"]["limited"].format(a=display(pre), b=display(d)),
                          WORDS["en"]["limited"].format(a=display(pre, "en"), b=display(d, "en"))))
    if u:
        missing, no_value = _unknown_inputs(bb, ctx)
        if missing:
            steps.append(Step("note", WORDS["zh"]["needs"].format(names="、".join(missing)),
                              WORDS["en"]["needs"].format(names=", ".join(missing))))
        if no_value:
            steps.append(Step("note", WORDS["zh"]["no_value"].format(names="、".join(no_value)),
                              WORDS["en"]["no_value"].format(names=", ".join(no_value))))
        status, amount = "unknown", None
    elif d > 0:
        status, amount = "awarded", d
    else:
        status, amount = "not_eligible", 0
        if started is not None and b.period == "once" and started < year:
            status = "already_received"
        elif started is not None and b.period == "years" and year - started >= (b.years or 1):
            status = "period_over"
    return BenefitTrace(q, b.label, status, amount, b.amount_kind, b.clause, b.quote, steps, b.kind)


def _unknown_inputs(bb: Bound, ctx: Ctx) -> tuple[list[str], list[str]]:
    """The data columns (derived facts expanded) and parameters that are unknown for this entity."""
    names: set[str] = set()
    params: set[str] = set()
    stack: list[ir.Expr] = [bb.when, bb.amount, *(x for x in (bb.start, bb.continue_if) if x is not None)]
    while stack:
        n = stack.pop()
        if isinstance(n, ir.FactRef):
            names.add(n.name)
        elif isinstance(n, ir.DerivedRef) and n.name in ctx.columns:
            names.add(n.name)
        elif isinstance(n, ir.Const) and n.value is None and n.param:
            params.add(n.param)
        else:
            stack.extend(n.children())
    return sorted(x for x in names if _fact_unknown(x, ctx)), sorted(params)


def _fact_unknown(name: str, ctx: Ctx) -> bool:
    col = ctx.columns.get(name)
    return col is None or (col.valid is not None and not bool(np.asarray(col.valid).reshape(-1)[0]))


def _fact_steps(pset: PolicySet, bound: list[Bound], ctx: Ctx, zr: Renderer, er: Renderer,
                avail: set[str]) -> list[Step]:
    seen: dict[str, ir.Expr] = {}
    for bb in bound:
        for root in [bb.when, bb.amount, *(x for x in (bb.start, bb.continue_if) if x is not None)]:
            for n in ir.walk(root):
                if isinstance(n, ir.FactRef | ir.DerivedRef) and n.name not in seen:
                    seen[n.name] = n
    steps = []
    for name, n in seen.items():
        f = pset.facts.get(name)
        lz = f.label if f else name
        le = (f.en or name) if f else name
        col = ctx.columns.get(name)
        if isinstance(n, ir.DerivedRef) and col is None and n.expr is not None:
            v = ctx.trace.get(id(n.expr)) if ctx.trace is not None else None
            if v is None:
                v = ctx.ev(n.expr, ctx.all)
            val = _one(v)
            steps.append(Step("derived", f"{lz}（{name}）= {zr.render(n.expr, labels=True)} = {fmt(val, n.type, 'zh')}",
                              f"{le} ({name}) = {er.render(n.expr, labels=True)} = {fmt(val, n.type, 'en')}"))
            continue
        if col is None:
            steps.append(Step("fact", f"{lz}（{name}）：{WORDS['zh']['absent']}", f"{le} ({name}): {WORDS['en']['absent']}"))
            continue
        val = _one(col)
        given = WORDS["zh"]["given"] if isinstance(n, ir.DerivedRef) else ""
        given_en = WORDS["en"]["given"] if isinstance(n, ir.DerivedRef) else ""
        steps.append(Step("fact", f"{lz}（{name}）= {fmt(val, n.type, 'zh')}{given}",
                          f"{le} ({name}) = {fmt(val, n.type, 'en')}{given_en}"))
    return steps
