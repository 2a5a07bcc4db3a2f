"""The columnar evaluator: one kernel for the whole register and for one entity.

Every value is a column (NumPy) with a validity mask, or a scalar that broadcasts.
Money is int64 fen; counts are int64 (float64 when the data has decimals); ratios
computed from data are float64 while ratio *constants* stay exact rationals, so
``10% × amount`` is computed in integers and rounded half up to the fen.

Unknown values (blank cells) propagate like SQL NULL: arithmetic and comparisons with
an unknown are unknown, ``and``/``or`` use three-valued logic (``false and unknown`` is
false), ``if unknown then …`` is unknown, ``coalesce`` and ``is missing`` look at it.
A benefit whose condition or amount is unknown is reported as unknown, not as zero.

Speed comes from evaluating a benefit's condition as a chain of row filters: the
conjuncts that depend on no parameter come first and their row sets are cached, so
a what-if or a K-programme run shares them; the amount formula is evaluated only on
the rows that pass. Explain mode runs this same code on one row and records every
node's value.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from . import ir

INT64_MAX = 2**63 - 1


class TextCol:
    """A text column, dictionary-encoded: ``codes`` index into ``cats`` (−1 = blank)."""

    __slots__ = ("codes", "cats")

    def __init__(self, codes: np.ndarray, cats: tuple[str, ...]):
        self.codes = codes
        self.cats = cats

    def __getitem__(self, idx: Any) -> TextCol:
        return TextCol(self.codes[idx], self.cats)

    def __len__(self) -> int:
        return len(self.codes)

    def lut(self, pred: Any) -> np.ndarray:
        """Apply ``pred`` to each category once; the trailing slot serves code −1."""
        out: np.ndarray = np.array([bool(pred(c)) for c in self.cats] + [False], dtype=bool)
        return out

    def decode(self) -> np.ndarray:
        cats = np.array(list(self.cats) + [None], dtype=object)
        out: np.ndarray = cats[self.codes]
        return out

    @staticmethod
    def encode(values: np.ndarray) -> TextCol:
        cats = tuple(sorted({v for v in values if v is not None}))
        pos = {c: i for i, c in enumerate(cats)}
        codes = np.fromiter((pos.get(v, -1) if v is not None else -1 for v in values), dtype=np.int32,
                            count=len(values))
        return TextCol(codes, cats)


@dataclass
class V:
    """A value: ``data`` (array or scalar) and ``valid`` (None = all known, or a bool mask/scalar)."""

    data: Any
    valid: Any = None

    def known(self) -> Any:
        return True if self.valid is None else self.valid


def _and_valid(*vs: Any) -> Any:
    out = None
    for v in vs:
        if v is None:
            continue
        out = v if out is None else (out & v)
    return out


def _scalar(x: Any) -> Any:
    """Integral rationals become ints; other rationals stay exact."""
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    return x


def _arr(x: Any) -> Any:
    """A scalar ready for an array operation (exact rationals that are not integers → float)."""
    if isinstance(x, Fraction):
        return int(x) if x.denominator == 1 else float(x)
    return x


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray | TextCol)


def _is_int(x: Any) -> bool:
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "iub"
    return isinstance(x, int | np.integer) or (isinstance(x, Fraction) and x.denominator == 1)


def _maxabs(x: Any) -> int:
    if isinstance(x, np.ndarray):
        return int(np.abs(x).max()) if x.size else 0
    return abs(int(x))


def _round_ratio(x: Any, num: int, den: int) -> Any:
    """floor(x · num/den + 1/2) exactly, for int fen ``x`` (array or scalar); den > 0."""
    if den < 0:
        num, den = -num, -den
    if not isinstance(x, np.ndarray):
        return (2 * int(x) * num + den) // (2 * den)
    if _maxabs(x) * 2 * abs(num) + den >= INT64_MAX:  # exact fallback for very large amounts
        obj = (x.astype(object) * (2 * num) + den) // (2 * den)
        return np.array(obj, dtype=np.int64)
    return (x * (2 * num) + den) // (2 * den)


class Rows:
    """A set of rows: ``idx`` (global positions, None = every row), cached by ``key``."""

    __slots__ = ("idx", "key", "parent", "local", "n")

    def __init__(self, idx: np.ndarray | None, key: str, n: int, parent: Rows | None = None,
                 local: np.ndarray | None = None):
        self.idx = idx
        self.key = key
        self.n = n
        self.parent = parent
        self.local = local


class Ctx:
    """The data of one evaluation: prepared columns, caches and (in explain mode) the trace."""

    def __init__(self, columns: dict[str, V], n: int, trace: bool = False):
        self.columns = columns
        self.n = n
        self.cache: dict[tuple[str, str], V] = {}
        self.rowcache: dict[str, tuple[Rows, np.ndarray | None]] = {}
        self.benefits: dict[str, V] = {}  # benefit qname → dense amount (for BenefitRef)
        self.trace: dict[int, V] | None = {} if trace else None
        self.all = Rows(None, "", n)
        self.missing: set[str] = set()
        self._unique = 0

    # -- values at a set of rows --------------------------------------------------------
    def gather(self, v: V, rows: Rows, base: Rows | None = None) -> V:
        """``v`` (given at ``base`` rows, default all rows) restricted to ``rows``."""
        if rows is base or (base is None and rows.idx is None):
            return v
        if base is not None and rows.parent is base:
            pos = rows.local
        elif base is None:
            pos = rows.idx
        else:  # pragma: no cover - callers pass a parent or the full set
            raise AssertionError("gather from a non-parent row set")
        data = v.data[pos] if _is_array(v.data) else v.data
        valid = v.valid[pos] if isinstance(v.valid, np.ndarray) else v.valid
        return V(data, valid)

    def ev(self, e: ir.Expr, rows: Rows) -> V:
        cacheable = e.invariant and not isinstance(e, ir.Const)
        if cacheable:
            hit = self.cache.get((e.key, rows.key))
            if hit is None and rows.parent is not None:
                up = self.cache.get((e.key, rows.parent.key))
                if up is not None:
                    hit = self.gather(up, rows, rows.parent)
                    self.cache[(e.key, rows.key)] = hit
            if hit is not None:
                if self.trace is not None and rows.n:
                    self.trace[id(e)] = hit
                return hit
        v: V = getattr(self, "_" + type(e).__name__)(e, rows)
        if cacheable:
            self.cache[(e.key, rows.key)] = v
        if self.trace is not None and rows.n:  # explain: the value of the entity's one row
            self.trace[id(e)] = v
        return v

    # -- leaves ---------------------------------------------------------------------------
    def _Const(self, e: ir.Const, rows: Rows) -> V:
        if e.value is None:
            return V(0, False)
        return V(_scalar(e.value))

    def _FactRef(self, e: ir.FactRef, rows: Rows) -> V:
        col = self.columns.get(e.name)
        if col is None:
            self.missing.add(e.name)
            return V(0, False)
        return self.gather(col, rows)

    def _DerivedRef(self, e: ir.DerivedRef, rows: Rows) -> V:
        col = self.columns.get(e.name)
        if col is not None:  # a column given in the data wins over the definition
            return self.gather(col, rows)
        assert e.expr is not None
        return self.ev(e.expr, rows)

    def _BenefitRef(self, e: ir.BenefitRef, rows: Rows) -> V:
        return self.gather(self.benefits[e.qname], rows)

    # -- arithmetic ------------------------------------------------------------------------
    def _Neg(self, e: ir.Neg, rows: Rows) -> V:
        v = self.ev(e.operand, rows)
        return V(-v.data if _is_array(v.data) else -v.data, v.valid)

    def _Arith(self, e: ir.Arith, rows: Rows) -> V:
        a, b = self.ev(e.left, rows), self.ev(e.right, rows)
        valid = _and_valid(a.valid, b.valid)
        x, y = a.data, b.data
        k = e.kind
        if k == "mul_round" and e.left.type != "money":  # written `rate × amount`: amount first
            x, y = y, x
        if not _is_array(x) and not _is_array(y):
            return self._scalar_arith(k, x, y, valid)
        if k in ("add", "sub", "mul"):
            if isinstance(x, Fraction) or isinstance(y, Fraction):
                x, y = _arr(x), _arr(y)
            if k == "add":
                return V(x + y, valid)
            if k == "sub":
                return V(x - y, valid)
            return V(x * y, valid)
        if k == "mul_round":  # money × number → money
            if _is_int(y):
                return V(x * _arr(y), valid)
            if isinstance(y, Fraction):
                return V(_round_ratio(x, y.numerator, y.denominator), valid)
            return V(np.floor(np.multiply(x, y, dtype=np.float64) + 0.5).astype(np.int64), valid)
        if k == "div_round":  # money ÷ number → money
            if isinstance(y, Fraction) and not _is_array(x):
                x = np.asarray([x], dtype=np.int64)
            if isinstance(y, Fraction):
                if y == 0:
                    return V(np.zeros_like(x), False)
                return V(_round_ratio(x, y.denominator, y.numerator), valid)
            zero = y == 0
            valid = _and_valid(valid, ~zero if _is_array(zero) else (not zero))
            safe = np.where(zero, 1, y) if _is_array(y) else (y if y != 0 else 1)
            if _is_int(y):
                yy = safe if _is_array(safe) else int(safe)
                return V((2 * np.asarray(x, dtype=np.int64) + yy) // (2 * yy), valid)
            return V(np.floor(np.divide(x, safe, dtype=np.float64) + 0.5).astype(np.int64), valid)
        # true division (ratio result, float64): div and div_money
        x, y = _arr(x), _arr(y)
        zero = np.equal(y, 0)
        valid = _and_valid(valid, ~zero if _is_array(zero) else (not bool(zero)))
        safe = np.where(zero, 1, y) if _is_array(y) else (y if y != 0 else 1)
        return V(np.divide(x, safe, dtype=np.float64), valid)

    @staticmethod
    def _scalar_arith(k: str, x: Any, y: Any, valid: Any) -> V:
        from .money import round_half_up

        if valid is False:
            return V(0, False)
        fx, fy = (Fraction(x) if not isinstance(x, float) else x), (Fraction(y) if not isinstance(y, float) else y)
        if k == "add":
            r: Any = fx + fy
        elif k == "sub":
            r = fx - fy
        elif k == "mul":
            r = fx * fy
        elif k == "mul_round":
            r = round_half_up(Fraction(fx) * Fraction(fy)) if not isinstance(fy, float) else \
                math.floor(float(x) * fy + 0.5)
        elif fy == 0:
            return V(0, False)
        elif k == "div_round":
            r = round_half_up(Fraction(fx) / Fraction(fy)) if not isinstance(fy, float) else \
                math.floor(float(x) / fy + 0.5)
        else:
            r = Fraction(fx) / Fraction(fy) if not isinstance(fx, float) and not isinstance(fy, float) \
                else float(x) / float(y)
        return V(_scalar(r), valid)

    # -- comparisons -------------------------------------------------------------------------
    def _Cmp(self, e: ir.Cmp, rows: Rows) -> V:
        # a ratio of two amounts against a constant is compared exactly: a/b ≥ p/q ⇔ a·q ≥ b·p (b > 0)
        for ratio_side, const_side, flip in ((e.left, e.right, False), (e.right, e.left, True)):
            if isinstance(ratio_side, ir.Arith) and ratio_side.kind == "div_money" and isinstance(
                    const_side, ir.Const) and isinstance(const_side.value, Fraction | int) and e.kind == "num":
                return self._cmp_ratio(e, ratio_side, const_side, flip, rows)
        a, b = self.ev(e.left, rows), self.ev(e.right, rows)
        valid = _and_valid(a.valid, b.valid)
        return V(self._compare(e.op, e.kind, a.data, b.data), valid)

    def _compare(self, op: str, kind: str, x: Any, y: Any) -> Any:
        if kind == "text":
            return self._text_eq(op, x, y)
        if isinstance(x, Fraction) or isinstance(y, Fraction):
            if not _is_array(x) and not _is_array(y):
                return _PYOPS[op](Fraction(x) if not isinstance(x, float) else x,
                                  Fraction(y) if not isinstance(y, float) else y)
            if isinstance(y, Fraction) and y.denominator != 1 and _is_int(x):  # exact: x·q op p
                return _OPS[op](x * y.denominator, y.numerator)
            if isinstance(x, Fraction) and x.denominator != 1 and _is_int(y):
                return _OPS[op](x.numerator, y * x.denominator)
            x, y = _arr(x), _arr(y)
        return _OPS[op](x, y)

    def _text_eq(self, op: str, x: Any, y: Any) -> Any:
        if isinstance(x, TextCol) and isinstance(y, str):
            r = x.lut(lambda c: c == y)[x.codes]
        elif isinstance(y, TextCol) and isinstance(x, str):
            r = y.lut(lambda c: c == x)[y.codes]
        elif isinstance(x, TextCol) and isinstance(y, TextCol):
            r = x.decode() == y.decode()
        else:
            r = x == y
        return r if op == "==" else ~r if _is_array(r) else not r

    def _cmp_ratio(self, e: ir.Cmp, ratio: ir.Arith, const: ir.Const, flip: bool, rows: Rows) -> V:
        a, b = self.ev(ratio.left, rows), self.ev(ratio.right, rows)
        c = Fraction(const.value)
        if self.trace is not None:  # show the ratio itself in explanations
            self.trace[id(ratio)] = self._Arith(ratio, rows)
            self.trace[id(const)] = V(_scalar(c))
        op = e.op if not flip else _FLIP[e.op]
        x, y = a.data, b.data
        lhs = _mul_exact(x, c.denominator)
        rhs = _mul_exact(y, c.numerator)
        pos = _OPS[op](lhs, rhs)
        neg = _OPS[_FLIP[op]](lhs, rhs)
        sign_pos = np.greater(y, 0)
        data = np.where(sign_pos, pos, neg) if _is_array(sign_pos) or _is_array(pos) else (pos if sign_pos else neg)
        valid = _and_valid(a.valid, b.valid, np.not_equal(y, 0) if _is_array(y) else bool(y != 0))
        return V(data, valid)

    def _In(self, e: ir.In, rows: Rows) -> V:
        x = self.ev(e.operand, rows)
        items = self.ev(e.items, rows).data
        items = tuple(_scalar(i) for i in items)
        if isinstance(x.data, TextCol):
            s = set(items)
            r = x.data.lut(lambda c: c in s)[x.data.codes]
        elif _is_array(x.data):
            vals = [_arr(i) for i in items]
            r = np.isin(x.data, vals) if vals else np.zeros(len(x.data), dtype=bool)
        else:
            r = any(Fraction(x.data) == Fraction(i) if not isinstance(i, str) and not isinstance(x.data, str)
                    else x.data == i for i in items)
        if e.negated:
            r = ~r if _is_array(r) else not r
        return V(r, x.valid)

    def _Missing(self, e: ir.Missing, rows: Rows) -> V:
        v = self.ev(e.operand, rows)
        if v.valid is None:
            r: Any = False
        else:
            r = ~v.valid if isinstance(v.valid, np.ndarray) else (not v.valid)
        if e.negated:
            r = ~r if isinstance(r, np.ndarray) else not r
        return V(r)

    # -- logic --------------------------------------------------------------------------------
    def _And(self, e: ir.And, rows: Rows) -> V:
        return self._kleene(e.items, rows, is_and=True)

    def _Or(self, e: ir.Or, rows: Rows) -> V:
        return self._kleene(e.items, rows, is_and=False)

    def _kleene(self, items: list[ir.Expr], rows: Rows, is_and: bool) -> V:
        data: Any = is_and
        valid: Any = None
        for it in items:
            v = self.ev(it, rows)
            d, vv = v.data, v.valid
            if is_and:
                # known false anywhere wins; unknown only where nothing is known false
                fa = _known_false(data, valid)
                fb = _known_false(d, vv)
                new_data = _b_and(_b_and(data, d), _b_not(_b_or(fa, fb)))
                new_valid = _kv(_b_or(fa, fb), valid, vv)
            else:
                ta = _known_true(data, valid)
                tb = _known_true(d, vv)
                new_data = _b_or(ta, tb)
                new_valid = _kv(_b_or(ta, tb), valid, vv)
            data, valid = new_data, new_valid
        return V(data, valid)

    def _NotE(self, e: ir.NotE, rows: Rows) -> V:
        v = self.ev(e.operand, rows)
        return V(_b_not(v.data), v.valid)

    def _If(self, e: ir.If, rows: Rows) -> V:
        out = self.ev(e.else_, rows)
        data, valid = out.data, out.valid
        for c, t in reversed(list(zip(e.conds, e.thens, strict=True))):
            cv = self.ev(c, rows)
            tv = self.ev(t, rows)
            cond = cv.data
            data = _where(cond, tv.data, data)
            valid = _where_valid(cond, tv.valid, valid)
            valid = _and_valid(valid, cv.valid)
        return V(data, valid)

    # -- functions ----------------------------------------------------------------------------
    def _Func(self, e: ir.Func, rows: Rows) -> V:
        name = e.name
        args = [self.ev(a, rows) for a in e.args]
        if name in ("min", "max"):
            fn = np.minimum if name == "min" else np.maximum
            data = args[0].data
            for a in args[1:]:
                x, y = data, a.data
                if not _is_array(x) and not _is_array(y):
                    pick = min if name == "min" else max
                    data = pick(Fraction(x) if not isinstance(x, float) else x,
                                Fraction(y) if not isinstance(y, float) else y)
                    data = _scalar(data)
                else:
                    data = fn(_arr(x), _arr(y))
            return V(data, _and_valid(*[a.valid for a in args]))
        if name == "abs":
            return V(abs(args[0].data), args[0].valid)
        if name == "coalesce":
            data, valid = args[0].data, args[0].valid
            for a in args[1:]:
                if valid is None:
                    break
                if isinstance(data, TextCol) or isinstance(a.data, TextCol):
                    dd = data.decode() if isinstance(data, TextCol) else np.full(rows.n, data, dtype=object)
                    ad = a.data.decode() if isinstance(a.data, TextCol) else np.full(rows.n, a.data, dtype=object)
                    data = TextCol.encode(np.where(valid, dd, ad))
                else:
                    data = _where(valid, data, a.data)
                valid = _b_or(valid, True if a.valid is None else a.valid)
                if valid is True or (isinstance(valid, np.ndarray) and valid.all()):
                    valid = None
            return V(data, valid)
        if name in ("year_of", "month_of"):
            d = args[0].data
            days = np.asarray(d, dtype=np.int64).astype("datetime64[D]")
            if name == "year_of":
                r = days.astype("datetime64[Y]").astype(np.int64) + 1970
            else:
                r = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
            return V(r if _is_array(d) else int(r), args[0].valid)
        if name == "days_between":
            a, b = args
            return V(b.data - a.data, _and_valid(a.valid, b.valid))
        # starts_with
        x, p = args
        prefixes = p.data if isinstance(p.data, tuple) else (p.data,)
        prefixes = tuple(str(q) for q in prefixes)
        if isinstance(x.data, TextCol):
            return V(x.data.lut(lambda c: c.startswith(prefixes))[x.data.codes], x.valid)
        return V(str(x.data).startswith(prefixes), x.valid)

    # -- benefit conditions as row filters ------------------------------------------------------
    def select(self, conjuncts: list[ir.Expr], rows: Rows | None = None) -> tuple[Rows, np.ndarray | None]:
        """Rows where every conjunct is true or unknown, and which of them are unknown.

        Conjuncts that depend on no parameter run first; each step's rows are cached by
        the chain of conjunct keys, so another benefit or scenario with the same prefix
        reuses them.
        """
        rows = rows or self.all
        ordered = [c for c in conjuncts if c.invariant] + [c for c in conjuncts if not c.invariant]
        unknown: np.ndarray | None = None
        for c in ordered:
            key = rows.key + "&" + c.key
            if c.reads_benefit:  # another benefit's amount differs between scenarios: never shared
                self._unique += 1
                key += f"#{self._unique}"
            hit = self.rowcache.get(key)
            if hit is not None:
                rows, unknown = hit
                if rows.n == 0:
                    break
                continue
            v = self.ev(c, rows)
            data = np.broadcast_to(np.asarray(v.data, dtype=bool), (rows.n,))
            if v.valid is None:
                keep = data
                new_unknown = None
            else:
                vmask = np.broadcast_to(np.asarray(v.valid, dtype=bool), (rows.n,))
                keep = data | ~vmask
                new_unknown = ~vmask
            local = np.flatnonzero(keep)
            idx = local if rows.idx is None else rows.idx[local]
            child = Rows(idx, key, len(local), rows, local)
            unk = unknown[local] if unknown is not None else None
            if new_unknown is not None:
                nu = new_unknown[local]
                unk = nu if unk is None else (unk | nu)
                if not unk.any():
                    unk = None
            self.rowcache[key] = (child, unk)
            rows, unknown = child, unk
            if rows.n == 0:
                break
        return rows, unknown


_OPS = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater,
        ">=": np.greater_equal}
_PYOPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
          ">=": operator.ge}
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _mul_exact(x: Any, k: int) -> Any:
    if isinstance(x, np.ndarray):
        if _maxabs(x) * abs(k) >= INT64_MAX:
            return x.astype(object) * k
        return x * k
    return int(x) * k


def _b_not(x: Any) -> Any:
    return ~x if isinstance(x, np.ndarray) else (not x)


def _b_and(x: Any, y: Any) -> Any:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return np.logical_and(x, y)
    return bool(x) and bool(y)


def _b_or(x: Any, y: Any) -> Any:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return np.logical_or(x, y)
    return bool(x) or bool(y)


def _known_false(d: Any, valid: Any) -> Any:
    return _b_and(_b_not(d), True if valid is None else valid)


def _known_true(d: Any, valid: Any) -> Any:
    return _b_and(d, True if valid is None else valid)


def _kv(decided: Any, va: Any, vb: Any) -> Any:
    """Validity of a Kleene and/or: decided by a known operand, or both operands known."""
    both = _and_valid(va, vb)
    if both is None:
        return None
    r = _b_or(decided, both)
    if r is True or (isinstance(r, np.ndarray) and r.all()):
        return None
    return r


def _where(cond: Any, a: Any, b: Any) -> Any:
    if not _is_array(cond) and not isinstance(cond, np.bool_):
        return a if cond else b
    if isinstance(a, TextCol) or isinstance(b, TextCol):
        n = len(cond) if _is_array(cond) else 1
        ad = a.decode() if isinstance(a, TextCol) else np.full(n, a, dtype=object)
        bd = b.decode() if isinstance(b, TextCol) else np.full(n, b, dtype=object)
        return TextCol.encode(np.where(cond, ad, bd))
    if isinstance(a, Fraction) or isinstance(b, Fraction):
        a, b = _arr(a), _arr(b)
    return np.where(cond, a, b)


def _where_valid(cond: Any, va: Any, vb: Any) -> Any:
    if va is None and vb is None:
        return None
    return _where(cond, True if va is None else va, True if vb is None else vb)
