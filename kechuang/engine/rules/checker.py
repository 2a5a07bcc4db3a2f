"""Name resolution and type checking: syntax tree → typed :mod:`ir`, before anything runs.

Types: ``money`` (exact, fen), ``count``, ``ratio``, ``bool``, ``date``, ``text``, lists
of these, and ``number`` for a literal without a unit (it becomes a count or a ratio
where it is used, never an amount: ``rd_expense > 1000`` is refused with the hint to
write ``1000元`` or ``0.1万``; the literal ``0`` is allowed next to money).

Arithmetic::

    money ± money → money           money × ratio|count → money (rounded half up to the fen)
    money ÷ money → ratio           money ÷ ratio|count → money (rounded half up to the fen)
    count ± × count → count         count ÷ count → ratio        ratio with count|ratio → ratio
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeGuard

from . import ir
from . import syntax as sx
from .errors import ExprError
from .messages import type_name

FUNCTIONS: dict[str, tuple[int, int | None, str]] = {
    # name: (min args, max args or None, description)
    "min": (2, None, "最小值"),
    "max": (2, None, "最大值"),
    "abs": (1, 1, "绝对值"),
    "coalesce": (2, None, "第一个已知的值"),
    "year_of": (1, 1, "日期所在年份"),
    "month_of": (1, 1, "日期所在月份"),
    "days_between": (2, 2, "两个日期相隔天数"),
    "starts_with": (2, 2, "文本以…开头"),
}


@dataclass
class FactInfo:
    name: str
    type: str
    source: str  # registry assessment panel derived builtin declared
    label: str
    en: str = ""
    blank: Any = None  # value an empty cell means (None: unknown)
    expr_text: str | None = None
    expr: ir.Expr | None = None
    policy: str | None = None  # the policy that declared it (carrier facts)
    note: str = ""


@dataclass
class ParamInfo:
    qname: str
    type: str
    label: str
    elem: str | None = None


@dataclass
class Scope:
    facts: dict[str, FactInfo]
    params: dict[str, ParamInfo] = field(default_factory=dict)
    benefits: dict[str, str] = field(default_factory=dict)  # name → qualified name

    def names(self) -> list[str]:
        return [*self.facts, *self.params, *self.benefits]


def _suggest(name: str, candidates: list[str]) -> tuple[str, str]:
    best = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not best:
        return "", ""
    return f"；是否想写 `{best[0]}`？", f"; did you mean `{best[0]}`?"


def _tn(t: str) -> tuple[str, str]:
    if t.startswith("list"):
        return type_name("list"), type_name("list", "en")
    return type_name(t), type_name(t, "en")


def _is_zero_literal(e: ir.Expr) -> TypeGuard[ir.Const]:
    return isinstance(e, ir.Const) and e.type == "number" and e.param is None and e.value == 0


def _is_literal_number(e: ir.Expr) -> TypeGuard[ir.Const]:
    return isinstance(e, ir.Const) and e.type == "number" and e.param is None


def _wan(value: Fraction) -> str:
    w = value / 10_000
    return str(w.numerator) if w.denominator == 1 else f"{float(w):g}"


class Checker:
    """Checks one expression against a scope. ``check(node, want)`` returns typed IR."""

    def __init__(self, scope: Scope, text: str = ""):
        self.scope = scope
        self.text = text

    # -- entry points ---------------------------------------------------------------
    def condition(self, node: sx.Node) -> ir.Expr:
        e = self.expr(node)
        if e.type != "bool":
            zh, en = _tn(e.type)
            raise ExprError("R304", node.start, node.end, found=zh, found_en=en)
        return e

    def amount(self, node: sx.Node) -> ir.Expr:
        e = self.expr(node)
        if _is_zero_literal(e):
            return ir.Const("money", 0, start=e.start, end=e.end)
        if e.type != "money":
            zh, en = _tn(e.type)
            hint, hint_en = "", ""
            if e.type == "ratio":
                hint, hint_en = "；是否少乘了一个金额？", "; did you forget to multiply by an amount?"
            elif e.type == "number":
                hint, hint_en = "；请给数字加上单位，如 `10万`", "; give the number a unit, e.g. `10万`"
            raise ExprError("R305", node.start, node.end, found=zh, found_en=en, hint=hint, hint_en=hint_en)
        return e

    def typed(self, node: sx.Node, want: str) -> ir.Expr:
        if want == "bool":
            return self.condition(node)
        if want == "money":
            return self.amount(node)
        e = self.expr(node)
        if want == "count" and e.type in ("count", "number"):
            return e
        if e.type != want:
            wzh, wen = _tn(want)
            raise ExprError("R409", node.start, node.end, field=self.text.strip(), expected=wzh, expected_en=wen)
        return e

    # -- dispatch -----------------------------------------------------------------------
    def expr(self, node: sx.Node) -> ir.Expr:
        method = getattr(self, "_" + type(node).__name__)
        e: ir.Expr = method(node)
        e.start, e.end = node.start, node.end
        return e

    def _Lit(self, n: sx.Lit) -> ir.Expr:
        if n.kind == "number":
            return ir.Const("number", n.value)
        if n.kind == "money":
            return ir.Const("money", n.value)
        if n.kind == "ratio":
            return ir.Const("ratio", n.value)
        if n.kind == "date":
            return ir.Const("date", n.value.toordinal() - _EPOCH)
        if n.kind == "text":
            return ir.Const("text", n.value)
        return ir.Const("bool", n.value)

    def _ListLit(self, n: sx.ListLit) -> ir.Expr:
        items = [self.expr(i) for i in n.items]
        elem = None
        for it in items:
            if not isinstance(it, ir.Const) or it.type.startswith("list"):
                raise ExprError("R104", it.start, it.end, expected="一个取值", expected_en="a value",
                                found=self.text[it.start:it.end] or "…")
            elem = it.type if elem is None else _join_elem(elem, it.type)
            if elem is None:
                zh, en = _tn(it.type)
                raise ExprError("R307", it.start, it.end, expected=_tn(items[0].type)[0],
                                expected_en=_tn(items[0].type)[1], item=self.text[it.start:it.end], found=zh,
                                found_en=en)
        consts = [i for i in items if isinstance(i, ir.Const)]
        return ir.Const("list", tuple(i.value for i in consts), elem=elem or "number")

    def _Name(self, n: sx.Name) -> ir.Expr:
        name = n.dotted
        sc = self.scope
        if name in sc.params:
            p = sc.params[name]
            return ir.ParamRef(p.type, p.qname, elem=p.elem)
        if name in sc.benefits:
            return ir.BenefitRef("money", sc.benefits[name])
        if name in sc.facts:
            f = sc.facts[name]
            if f.source == "builtin":
                return ir.BuiltinRef(f.type, name)
            if f.source == "derived":
                return ir.DerivedRef(f.type, name, f.expr)
            return ir.FactRef(f.type, name)
        hint, hint_en = _suggest(name, sc.names())
        raise ExprError("R201", n.start, n.end, name=name, hint=hint, hint_en=hint_en)

    def _Unary(self, n: sx.Unary) -> ir.Expr:
        x = self.expr(n.operand)
        if x.type not in ir.NUMERIC:
            zh, en = _tn(x.type)
            raise ExprError("R311", n.start, n.end, op="-", found=zh, found_en=en)
        if isinstance(x, ir.Const) and x.param is None:
            return ir.Const(x.type, -x.value)
        return ir.Neg(x.type, x)

    def _BinOp(self, n: sx.BinOp) -> ir.Expr:
        left, right = self.expr(n.left), self.expr(n.right)
        t, kind = self._arith_type(n, left, right)
        if isinstance(left, ir.Const) and isinstance(right, ir.Const) and left.param is None \
                and right.param is None:
            a, b = (right.value, left.value) if kind == "mul_round" and left.type != "money" else \
                (left.value, right.value)
            folded = _fold(kind, a, b)
            if folded is not None:
                return ir.Const(t, folded)
        return ir.Arith(t, n.op, kind, left, right)

    def _arith_type(self, n: sx.BinOp, left: ir.Expr, right: ir.Expr) -> tuple[str, str]:
        lt, rt, op = left.type, right.type, n.op

        def bad(hint: str = "", hint_en: str = "") -> ExprError:
            lz, le = _tn(lt)
            rz, re_ = _tn(rt)
            return ExprError("R301", n.start, n.end, op=op, left=lz, left_en=le, right=rz, right_en=re_,
                             hint=hint, hint_en=hint_en)

        def unit_hint(lit: ir.Const) -> ExprError:
            text = self.text[lit.start:lit.end] or str(lit.value)
            return ExprError("R302", lit.start, lit.end, text=text, wan=_wan(Fraction(lit.value)))

        if lt not in ir.NUMERIC or rt not in ir.NUMERIC:
            if "date" in (lt, rt) and op == "-":
                raise bad("；日期相隔天数请用 `days_between(a, b)`", "; use `days_between(a, b)` for days between dates")
            raise bad()
        if op in "+-":
            if lt == "money" or rt == "money":
                if lt == rt == "money":
                    return "money", "add" if op == "+" else "sub"
                other = right if lt == "money" else left
                if _is_zero_literal(other):
                    return "money", "add" if op == "+" else "sub"
                if _is_literal_number(other):
                    raise unit_hint(other)
                raise bad("；金额只能与金额相加减", "; an amount adds only to an amount")
            return _num_join(lt, rt), "add" if op == "+" else "sub"
        if op == "*":
            if lt == "money" and rt == "money":
                raise bad("；金额只能乘以比例或数量", "; multiply an amount by a ratio or a count")
            if lt == "money" or rt == "money":
                return "money", "mul_round"
            return _num_join(lt, rt), "mul"
        # division
        if lt == "money" and rt == "money":
            return "ratio", "div_money"
        if lt == "money":
            return "money", "div_round"
        if rt == "money":
            raise bad("；不能用数字除以金额", "; a number cannot be divided by an amount")
        if lt == "ratio" or rt == "ratio":
            return "ratio", "div"
        return "ratio", "div"

    def _Compare(self, n: sx.Compare) -> ir.Expr:
        operands = [self.expr(o) for o in n.operands]
        cmps: list[ir.Expr] = []
        for i, op in enumerate(n.ops):
            left, right = operands[i], operands[i + 1]
            kind, left, right = self._cmp_kind(n, op, left, right)
            c = ir.Cmp("bool", op, kind, left, right, start=left.start, end=right.end)
            cmps.append(c)
        return cmps[0] if len(cmps) == 1 else ir.And("bool", cmps)

    def _cmp_kind(self, n: sx.Node, op: str, left: ir.Expr, right: ir.Expr) -> tuple[str, ir.Expr, ir.Expr]:
        lt, rt = left.type, right.type

        def bad() -> ExprError:
            lz, le = _tn(lt)
            rz, re_ = _tn(rt)
            return ExprError("R303", left.start, right.end, left=lz, left_en=le, right=rz, right_en=re_)

        if lt == "money" or rt == "money":
            if lt == rt:
                return "money", left, right
            other = right if lt == "money" else left
            if _is_zero_literal(other):
                zero = ir.Const("money", 0, start=other.start, end=other.end)
                return ("money", left, zero) if lt == "money" else ("money", zero, right)
            if _is_literal_number(other):
                text = self.text[other.start:other.end] or str(other.value)
                raise ExprError("R302", other.start, other.end, text=text, wan=_wan(Fraction(other.value)))
            raise bad()
        if lt in ir.NUMERIC and rt in ir.NUMERIC:
            return "num", left, right
        if lt != rt or lt.startswith("list"):
            raise bad()
        if lt in ("text", "bool") and op not in ("==", "!="):
            zh, en = _tn(lt)
            raise ExprError("R311", left.start, right.end, op=op, found=zh, found_en=en)
        return lt, left, right

    def _InList(self, n: sx.InList) -> ir.Expr:
        x = self.expr(n.operand)
        items = self.expr(n.items)
        if not items.type.startswith("list"):
            raise ExprError("R312", n.items.start, n.items.end)
        elem = items.elem  # type: ignore[attr-defined]
        if not _elem_fits(x.type, elem, items):
            zh, en = _tn(elem)
            xz, xe = _tn(x.type)
            if x.type == "money" and elem == "number":
                first = n.items.items[0] if isinstance(n.items, sx.ListLit) and n.items.items else n.items
                text = self.text[first.start:first.end]
                raise ExprError("R302", first.start, first.end, text=text,
                                wan=_wan(Fraction(items.value[0])) if isinstance(items, ir.Const) else text)
            raise ExprError("R307", n.items.start, n.items.end, expected=xz, expected_en=xe,
                            item=self.text[n.items.start:n.items.end], found=zh, found_en=en)
        return ir.In("bool", x, items, n.negated)

    def _IsMissing(self, n: sx.IsMissing) -> ir.Expr:
        return ir.Missing("bool", self.expr(n.operand), n.negated)

    def _BoolOp(self, n: sx.BoolOp) -> ir.Expr:
        items = []
        for o in n.operands:
            e = self.expr(o)
            if e.type != "bool":
                zh, en = _tn(e.type)
                raise ExprError("R309", o.start, o.end, op=n.op, found=zh, found_en=en)
            items.append(e)
        flat: list[ir.Expr] = []
        cls = ir.And if n.op == "and" else ir.Or
        for e in items:  # and/or are associative: flatten nested chains
            flat.extend(e.items if isinstance(e, cls) else [e])
        return cls("bool", flat)

    def _Not(self, n: sx.Not) -> ir.Expr:
        e = self.expr(n.operand)
        if e.type != "bool":
            zh, en = _tn(e.type)
            raise ExprError("R309", n.operand.start, n.operand.end, op="not", found=zh, found_en=en)
        return ir.NotE("bool", e)

    def _IfExpr(self, n: sx.IfExpr) -> ir.Expr:
        conds = []
        for c in n.conds:
            conds.append(self.condition(c))
        branches = [self.expr(t) for t in [*n.thens, n.else_]]
        t = self._join_branches(branches, [*n.thens, n.else_])
        branches = [_as_type(b, t) for b in branches]
        return ir.If(t, conds, branches[:-1], branches[-1])

    def _join_branches(self, branches: list[ir.Expr], nodes: list[sx.Node]) -> str:
        t = branches[0].type
        for b, node in zip(branches[1:], nodes[1:], strict=True):
            j = _join(t, b)
            if j is None:
                j2 = _join(b.type, branches[0])
                if j2 is None:
                    if "money" in (t, b.type):
                        lit = b if t == "money" else branches[0]
                        if _is_literal_number(lit):
                            text = self.text[lit.start:lit.end] or str(lit.value)
                            raise ExprError("R302", lit.start, lit.end, text=text, wan=_wan(Fraction(lit.value)))
                    lz, le = _tn(t)
                    rz, re_ = _tn(b.type)
                    raise ExprError("R306", node.start, node.end, left=lz, left_en=le, right=rz, right_en=re_)
                j = j2
            t = j
        return t

    def _Call(self, n: sx.Call) -> ir.Expr:
        if n.name not in FUNCTIONS:
            hint, hint_en = _suggest(n.name, list(FUNCTIONS))
            raise ExprError("R202", n.start, n.name_end, name=n.name, hint=hint, hint_en=hint_en)
        lo, hi, _ = FUNCTIONS[n.name]
        if len(n.args) < lo or (hi is not None and len(n.args) > hi):
            expected = str(lo) if lo == hi else (f"{lo}+" if hi is None else f"{lo}–{hi}")
            raise ExprError("R203", n.start, n.end, name=n.name, expected=expected, given=len(n.args))
        args = [self.expr(a) for a in n.args]

        def want(i: int, types: tuple[str, ...], expected: str) -> None:
            a = args[i]
            if a.type not in types:
                zh, en = _tn(a.type)
                ez, ee = _tn(expected)
                raise ExprError("R308", n.args[i].start, n.args[i].end, name=n.name, index=i + 1, expected=ez,
                                expected_en=ee, found=zh, found_en=en)

        name = n.name
        if name in ("min", "max", "coalesce"):
            t = self._join_branches(args, n.args)
            if name != "coalesce" and t not in (*ir.NUMERIC, "date"):
                zh, en = _tn(t)
                raise ExprError("R308", n.args[0].start, n.args[0].end, name=name, index=1, expected="数值",
                                expected_en="a number", found=zh, found_en=en)
            return ir.Func(t, name, [_as_type(a, t) for a in args])
        if name == "abs":
            want(0, ir.NUMERIC, "count")
            return ir.Func(args[0].type, name, args)
        if name in ("year_of", "month_of"):
            want(0, ("date",), "date")
            return ir.Func("count", name, args)
        if name == "days_between":
            want(0, ("date",), "date")
            want(1, ("date",), "date")
            return ir.Func("count", name, args)
        # starts_with(text, "prefix" | ["p1", "p2"] | list parameter)
        want(0, ("text",), "text")
        p = args[1]
        if not (p.type == "text" and isinstance(p, ir.Const | ir.ParamRef)) and not (
                p.type == "list" and getattr(p, "elem", None) == "text"):
            zh, en = _tn(p.type)
            raise ExprError("R308", n.args[1].start, n.args[1].end, name=name, index=2, expected="文本",
                            expected_en="text", found=zh, found_en=en)
        return ir.Func("bool", name, args)


_EPOCH = 719163  # date(1970, 1, 1).toordinal(): dates are days since 1970-01-01


def _num_join(a: str, b: str) -> str:
    if a == b:
        return a
    if "ratio" in (a, b):
        return "ratio"
    if "count" in (a, b):
        return "count"
    return "number"


def _join(t: str, e: ir.Expr) -> str | None:
    """The common type of ``t`` and expression ``e`` (None if they do not mix)."""
    if e.type == t:
        return t
    if t == "money":
        return "money" if _is_zero_literal(e) else None
    if t in ir.NUMERIC and e.type in ir.NUMERIC and e.type != "money":
        return _num_join(t, e.type)
    return None


def _join_elem(a: str, b: str) -> str | None:
    if a == b:
        return a
    if a in ("number", "count", "ratio") and b in ("number", "count", "ratio"):
        return _num_join(a, b)
    return None


def _elem_fits(t: str, elem: str | None, items: ir.Expr) -> bool:
    if elem is None:
        return True
    if t == elem:
        return True
    if t in ("count", "ratio", "number") and elem in ("count", "ratio", "number"):
        return True
    if t == "money" and elem == "number" and isinstance(items, ir.Const) and all(v == 0 for v in items.value):
        return True
    return False


def _as_type(e: ir.Expr, t: str) -> ir.Expr:
    if t == "money" and _is_zero_literal(e):
        return ir.Const("money", 0, start=e.start, end=e.end)
    return e


def _fold(kind: str, a: Any, b: Any) -> Any:
    """Constant folding with exact rationals; None when it cannot fold (division by zero)."""
    from .money import round_half_up

    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return Fraction(a) * Fraction(b)
    if kind == "mul_round":
        return round_half_up(Fraction(a) * Fraction(b))
    if b == 0:
        return None
    if kind == "div_round":
        return round_half_up(Fraction(a) / Fraction(b))
    return Fraction(a) / Fraction(b)
