"""The typed intermediate form every expression is compiled to, once, at load time.

The type checker turns a syntax tree into these nodes; :func:`bind` then replaces the
parameters (with the values of a date or of a reform) and the builtins (the evaluated
year) by constants. A bound tree has a canonical :attr:`Expr.key`: two nodes with the
same key compute the same column, which is how the evaluator shares work between
benefits and between the programmes of a what-if run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

NUMERIC = ("money", "count", "ratio", "number")


@dataclass(eq=False)
class Expr:
    type: str
    start: int = field(default=0, kw_only=True)
    end: int = field(default=0, kw_only=True)
    _key: str | None = field(default=None, init=False, repr=False)
    _inv: bool | None = field(default=None, init=False, repr=False)
    _reads: bool | None = field(default=None, init=False, repr=False)

    def children(self) -> list[Expr]:
        return []

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = self._make_key()
        return self._key

    def _make_key(self) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @property
    def invariant(self) -> bool:
        """True when the node depends on no parameter, benefit or year (same in every scenario)."""
        if self._inv is None:
            self._inv = self._invariant()
        return self._inv

    def _invariant(self) -> bool:
        return all(c.invariant for c in self.children())

    @property
    def reads_benefit(self) -> bool:
        """True when the node reads another benefit's amount: its key does not fix its value."""
        if self._reads is None:
            self._reads = any(isinstance(n, BenefitRef) for n in walk(self))
        return self._reads


def const_repr(value: Any) -> str:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, tuple):
        return "[" + ",".join(const_repr(v) for v in value) + "]"
    return repr(value)


@dataclass(eq=False)
class Const(Expr):
    value: Any  # money: int fen; count/ratio/number: Fraction; bool; date: int days; text: str; list: tuple
    param: str | None = None  # qualified parameter name when the constant is a bound parameter
    elem: str | None = None  # element type of a list

    def _make_key(self) -> str:
        return f"c:{self.type}:{const_repr(self.value)}"

    def _invariant(self) -> bool:
        # the evaluated year is the same in every scenario of one run
        return self.param is None or self.param.startswith("builtin:")


@dataclass(eq=False)
class FactRef(Expr):
    name: str

    def _make_key(self) -> str:
        return f"f:{self.name}"


@dataclass(eq=False)
class DerivedRef(Expr):
    name: str
    expr: Expr | None = None

    def children(self) -> list[Expr]:
        return [self.expr] if self.expr is not None else []

    def _make_key(self) -> str:
        return f"d:{self.name}" if self.expr is None else f"d:{self.name}{self.expr.key}"


@dataclass(eq=False)
class ParamRef(Expr):
    qname: str
    elem: str | None = None

    def _make_key(self) -> str:
        return f"p:{self.qname}"

    def _invariant(self) -> bool:
        return False


@dataclass(eq=False)
class BuiltinRef(Expr):
    name: str

    def _make_key(self) -> str:
        return f"b:{self.name}"

    def _invariant(self) -> bool:
        return False


@dataclass(eq=False)
class BenefitRef(Expr):
    qname: str

    def _make_key(self) -> str:
        return f"benefit:{self.qname}"

    def _invariant(self) -> bool:
        return False


@dataclass(eq=False)
class Arith(Expr):
    op: str  # + - * /
    kind: str  # add sub mul div mul_round div_round div_money
    left: Expr
    right: Expr

    def children(self) -> list[Expr]:
        return [self.left, self.right]

    def _make_key(self) -> str:
        return f"({self.kind} {self.left.key} {self.right.key})"


@dataclass(eq=False)
class Neg(Expr):
    operand: Expr

    def children(self) -> list[Expr]:
        return [self.operand]

    def _make_key(self) -> str:
        return f"(neg {self.operand.key})"


@dataclass(eq=False)
class Cmp(Expr):
    op: str
    kind: str  # num money date text bool
    left: Expr
    right: Expr

    def children(self) -> list[Expr]:
        return [self.left, self.right]

    def _make_key(self) -> str:
        return f"({self.op} {self.left.key} {self.right.key})"


@dataclass(eq=False)
class In(Expr):
    operand: Expr
    items: Expr  # Const list or ParamRef to a list
    negated: bool

    def children(self) -> list[Expr]:
        return [self.operand, self.items]

    def _make_key(self) -> str:
        return f"({'notin' if self.negated else 'in'} {self.operand.key} {self.items.key})"


@dataclass(eq=False)
class Missing(Expr):
    operand: Expr
    negated: bool

    def children(self) -> list[Expr]:
        return [self.operand]

    def _make_key(self) -> str:
        return f"({'known' if self.negated else 'missing'} {self.operand.key})"


@dataclass(eq=False)
class And(Expr):
    items: list[Expr]

    def children(self) -> list[Expr]:
        return list(self.items)

    def _make_key(self) -> str:
        return "(and " + " ".join(i.key for i in self.items) + ")"


@dataclass(eq=False)
class Or(Expr):
    items: list[Expr]

    def children(self) -> list[Expr]:
        return list(self.items)

    def _make_key(self) -> str:
        return "(or " + " ".join(i.key for i in self.items) + ")"


@dataclass(eq=False)
class NotE(Expr):
    operand: Expr

    def children(self) -> list[Expr]:
        return [self.operand]

    def _make_key(self) -> str:
        return f"(not {self.operand.key})"


@dataclass(eq=False)
class If(Expr):
    conds: list[Expr]
    thens: list[Expr]
    else_: Expr

    def children(self) -> list[Expr]:
        return [*self.conds, *self.thens, self.else_]

    def _make_key(self) -> str:
        parts = " ".join(f"{c.key} {t.key}" for c, t in zip(self.conds, self.thens, strict=True))
        return f"(if {parts} {self.else_.key})"


@dataclass(eq=False)
class Func(Expr):
    name: str
    args: list[Expr]

    def children(self) -> list[Expr]:
        return list(self.args)

    def _make_key(self) -> str:
        return f"({self.name} " + " ".join(a.key for a in self.args) + ")"


def walk(e: Expr) -> Iterator[Expr]:
    yield e
    for c in e.children():
        yield from walk(c)


def facts_used(e: Expr) -> set[str]:
    """Names of the facts an expression reads directly (a derived fact counts as one fact)."""
    out: set[str] = set()
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, FactRef | DerivedRef):
            out.add(n.name)
            continue
        stack.extend(n.children())
    return out


def input_facts(e: Expr) -> set[str]:
    """Names of the data columns an expression needs, derived facts expanded to their inputs."""
    out: set[str] = set()
    for n in walk(e):
        if isinstance(n, FactRef):
            out.add(n.name)
    return out


def params_used(e: Expr) -> set[str]:
    return {n.qname for n in walk(e) if isinstance(n, ParamRef)}


def benefits_used(e: Expr) -> set[str]:
    return {n.qname for n in walk(e) if isinstance(n, BenefitRef)}


def bind(e: Expr, params: dict[str, Const], builtins: dict[str, Const]) -> Expr:
    """A copy of ``e`` with parameters and builtins replaced by constants.

    Nodes that depend on neither are shared with the unbound tree, so their keys (and
    anything cached under them) are the same in every scenario.
    """
    if isinstance(e, ParamRef):
        c = params[e.qname]
        return Const(c.type, c.value, param=e.qname, elem=c.elem, start=e.start, end=e.end)
    if isinstance(e, BuiltinRef):
        c = builtins[e.name]
        return Const(c.type, c.value, param="builtin:" + e.name, start=e.start, end=e.end)
    if isinstance(e, DerivedRef):
        if e.expr is None or e.expr.invariant:
            return e
        return DerivedRef(e.type, e.name, bind(e.expr, params, builtins), start=e.start, end=e.end)
    if e.invariant:
        return e
    changes: dict[str, Any] = {}
    for name in ("left", "right", "operand", "items", "else_"):
        child = getattr(e, name, None)
        if isinstance(child, Expr):
            changes[name] = bind(child, params, builtins)
    for name in ("items", "conds", "thens", "args"):
        child = getattr(e, name, None)
        if isinstance(child, list):
            changes[name] = [bind(c, params, builtins) for c in child]
    new = replace(e, **changes)
    new._key = new._inv = new._reads = None
    return new
