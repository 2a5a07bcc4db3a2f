"""The expression language: tokens, syntax tree and a hand-written parser (never ``eval``).

Grammar (lowest precedence first)::

    expr     := 'if' expr 'then' expr ('elif' expr 'then' expr)* 'else' expr | or
    or       := and ('or' and)*
    and      := not ('and' not)*
    not      := 'not' not | compare
    compare  := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)*        -- chains: a <= x < b
              | sum ['not'] 'in' (list | name)
              | sum 'is' ['not'] 'missing'
    sum      := product (('+'|'-') product)*
    product  := unary (('*'|'/') unary)*
    unary    := '-' unary | primary
    primary  := number | date | string | 'true' | 'false' | name | call | '(' expr ')' | list | if-expr
    call     := name '(' [expr (',' expr)*] ')'
    list     := '[' [expr (',' expr)*] ']'

Literals: ``1000``, ``0.10``, ``1_000_000``; money ``300万``, ``300 万元``, ``5000元``,
``1.5亿``, ``20 yuan``; ratios ``10%``; dates ``2025-01-01``; text ``"国家级"``
(also ``'…'`` and ``“…”``); ``true``/``false``. Also accepted, as typed on a Chinese
keyboard: ``≥ ≤ ≠ × ÷ −`` and full-width ``（ ） ，``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .errors import ExprError
from .money import FEN_PER_WAN, FEN_PER_YI, FEN_PER_YUAN

KEYWORDS = {"and", "or", "not", "if", "then", "elif", "else", "in", "is", "missing", "true", "false"}
ALIASES = {"≥": ">=", "≤": "<=", "≠": "!=", "×": "*", "÷": "/", "−": "-", "（": "(", "）": ")", "，": ",",
           "【": "[", "】": "]"}
QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}
_NUMBER = re.compile(r"\d[\d_]*(\.\d[\d_]*)?")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?![\d.])")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNITS = (("万元", FEN_PER_WAN), ("亿元", FEN_PER_YI), ("万", FEN_PER_WAN), ("亿", FEN_PER_YI),
          ("元", FEN_PER_YUAN), ("yuan", FEN_PER_YUAN))

EXPECT_EN = {"表达式": "an expression", "`)`": "`)`", "`]`": "`]`", "`then`": "`then`", "`else`": "`else`",
             "`missing`": "`missing`", "`in` 列表": "an `in` list", "名称": "a name", "`,` 或 `)`": "`,` or `)`",
             "`,` 或 `]`": "`,` or `]`"}


@dataclass
class Token:
    kind: str  # num money ratio date text name kw op eof
    value: Any
    start: int
    end: int
    text: str


def tokenize(src: str) -> list[Token]:
    toks: list[Token] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
            continue
        c = ALIASES.get(c, c)
        m = _DATE.match(src, i)
        if m:
            try:
                d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise ExprError("R107", i, m.end(), text=m.group(0)) from None
            toks.append(Token("date", d, i, m.end(), m.group(0)))
            i = m.end()
            continue
        if c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            m = _NUMBER.match(src, i)
            after = src[m.end()] if m and m.end() < n else ""
            if not m or after == "." or (after.isascii() and (after.isalnum() or after == "_")
                                         and not _unit_at(src, m.end())):
                end = m.end() if m else i + 1
                while end < n and (src[end].isalnum() or src[end] in "._"):
                    end += 1
                raise ExprError("R103", i, end, text=src[i:end])
            text = m.group(0)
            value = Fraction(text.replace("_", ""))
            j = m.end()
            k = j
            while k < n and src[k] == " ":
                k += 1
            unit = _unit_at(src, k)
            if unit:
                label, mult = unit
                fen = value * mult
                end = k + len(label)
                if fen.denominator != 1:
                    raise ExprError("R108", i, end, text=src[i:end])
                toks.append(Token("money", int(fen), i, end, src[i:end]))
                i = end
            elif j < n and src[j] in "%％":
                toks.append(Token("ratio", value / 100, i, j + 1, src[i:j + 1]))
                i = j + 1
            else:
                toks.append(Token("num", value, i, j, text))
                i = j
            continue
        if c in QUOTES:
            close = QUOTES[c]
            j = src.find(close, i + 1)
            if j < 0:
                raise ExprError("R102", i, n)
            toks.append(Token("text", src[i + 1:j], i, j + 1, src[i:j + 1]))
            i = j + 1
            continue
        m = _NAME.match(src, i)
        if m:
            word = m.group(0)
            toks.append(Token("kw" if word in KEYWORDS else "name", word, i, m.end(), word))
            i = m.end()
            continue
        if c in ("!=", "<=", ">="):  # ≠ ≤ ≥
            toks.append(Token("op", c, i, i + 1, src[i]))
            i += 1
            continue
        two = src[i:i + 2]
        if two in ("==", "!=", "<=", ">="):
            toks.append(Token("op", two, i, i + 2, two))
            i += 2
            continue
        if c == "=":
            raise ExprError("R106", i, i + 1)
        if c in "+-*/()<>[],.":
            toks.append(Token("op", c, i, i + 1, src[i]))
            i += 1
            continue
        raise ExprError("R101", i, i + 1, char=src[i])
    toks.append(Token("eof", None, n, n, ""))
    return toks


def _unit_at(src: str, k: int) -> tuple[str, int] | None:
    for label, mult in _UNITS:
        if src.startswith(label, k):
            if label == "yuan" and k + 4 < len(src) and (src[k + 4].isalnum() or src[k + 4] == "_"):
                continue
            return label, mult
    return None


# -- syntax tree -------------------------------------------------------------------

@dataclass
class Node:
    start: int = field(default=0, kw_only=True)
    end: int = field(default=0, kw_only=True)


@dataclass
class Lit(Node):
    kind: str  # number money ratio date text bool
    value: Any
    text: str


@dataclass
class Name(Node):
    parts: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass
class Call(Node):
    name: str
    args: list[Node]
    name_end: int = 0


@dataclass
class Unary(Node):
    op: str
    operand: Node


@dataclass
class BinOp(Node):
    op: str
    left: Node
    right: Node


@dataclass
class Compare(Node):
    ops: list[str]
    operands: list[Node]


@dataclass
class InList(Node):
    operand: Node
    items: Node  # ListLit or Name
    negated: bool


@dataclass
class IsMissing(Node):
    operand: Node
    negated: bool


@dataclass
class BoolOp(Node):
    op: str
    operands: list[Node]


@dataclass
class Not(Node):
    operand: Node


@dataclass
class IfExpr(Node):
    conds: list[Node]
    thens: list[Node]
    else_: Node


@dataclass
class ListLit(Node):
    items: list[Node]


# -- parser --------------------------------------------------------------------------

class Parser:
    def __init__(self, src: str):
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def next(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def is_kw(self, word: str) -> bool:
        return self.tok.kind == "kw" and self.tok.value == word

    def is_op(self, op: str) -> bool:
        return self.tok.kind == "op" and self.tok.value == op

    def fail(self, expected: str) -> ExprError:
        t = self.tok
        en = EXPECT_EN.get(expected, expected)
        if t.kind == "eof":
            return ExprError("R105", t.start, t.start, expected=expected, expected_en=en)
        return ExprError("R104", t.start, t.end, expected=expected, expected_en=en, found=t.text)

    def expect_kw(self, word: str) -> Token:
        if not self.is_kw(word):
            raise self.fail(f"`{word}`")
        return self.next()

    def parse(self) -> Node:
        if self.tok.kind == "eof":
            raise ExprError("R109", 0, len(self.src))
        node = self.expr()
        if self.tok.kind != "eof":
            t = self.tok
            if t.kind == "op" and t.value in ")]":
                raise ExprError("R111", t.start, t.end, found=t.text)
            raise ExprError("R111", t.start, t.end, found=t.text)
        return node

    def expr(self) -> Node:
        if self.is_kw("if"):
            return self.if_expr()
        return self.or_expr()

    def if_expr(self) -> Node:
        start = self.next().start
        conds, thens = [], []
        while True:
            conds.append(self.expr())
            self.expect_kw("then")
            thens.append(self.expr())
            if self.is_kw("elif"):
                self.next()
                continue
            break
        self.expect_kw("else")
        else_ = self.expr()
        return IfExpr(conds, thens, else_, start=start, end=else_.end)

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.is_kw("or"):
            self.next()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("or", items, start=items[0].start, end=items[-1].end)

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.is_kw("and"):
            self.next()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else BoolOp("and", items, start=items[0].start, end=items[-1].end)

    def not_expr(self) -> Node:
        if self.is_kw("not"):
            start = self.next().start
            operand = self.not_expr()
            return Not(operand, start=start, end=operand.end)
        return self.compare()

    def compare(self) -> Node:
        left = self.sum()
        if self.is_kw("in") or (self.is_kw("not") and self.toks[self.i + 1].kind == "kw"
                                and self.toks[self.i + 1].value == "in"):
            negated = self.is_kw("not")
            if negated:
                self.next()
            self.next()
            if self.is_op("["):
                items: Node = self.list_lit()
            elif self.tok.kind == "name":
                items = self.name_or_call()
            else:
                raise self.fail("`in` 列表")
            return InList(left, items, negated, start=left.start, end=items.end)
        if self.is_kw("is"):
            self.next()
            negated = False
            if self.is_kw("not"):
                self.next()
                negated = True
            end = self.expect_kw("missing").end
            return IsMissing(left, negated, start=left.start, end=end)
        ops, operands = [], [left]
        while self.tok.kind == "op" and self.tok.value in ("==", "!=", "<", "<=", ">", ">="):
            ops.append(self.next().value)
            operands.append(self.sum())
        if not ops:
            return left
        return Compare(ops, operands, start=left.start, end=operands[-1].end)

    def sum(self) -> Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.value in "+-":
            op = self.next().value
            right = self.product()
            node = BinOp(op, node, right, start=node.start, end=right.end)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.value in "*/":
            op = self.next().value
            right = self.unary()
            node = BinOp(op, node, right, start=node.start, end=right.end)
        return node

    def unary(self) -> Node:
        if self.is_op("-"):
            start = self.next().start
            operand = self.unary()
            return Unary("-", operand, start=start, end=operand.end)
        return self.primary()

    def primary(self) -> Node:
        t = self.tok
        if t.kind in ("num", "money", "ratio", "date", "text"):
            self.next()
            kind = {"num": "number"}.get(t.kind, t.kind)
            return Lit(kind, t.value, t.text, start=t.start, end=t.end)
        if t.kind == "kw" and t.value in ("true", "false"):
            self.next()
            return Lit("bool", t.value == "true", t.text, start=t.start, end=t.end)
        if t.kind == "kw" and t.value == "if":
            return self.if_expr()
        if t.kind == "name":
            return self.name_or_call()
        if self.is_op("("):
            self.next()
            node = self.expr()
            if not self.is_op(")"):
                if self.tok.kind == "eof":
                    raise ExprError("R110", t.start, t.end, closing=")")
                raise self.fail("`)`")
            self.next()
            return node
        if self.is_op("["):
            return self.list_lit()
        raise self.fail("表达式")

    def name_or_call(self) -> Node:
        t = self.next()
        parts = [t.value]
        end = t.end
        while self.is_op(".") and self.toks[self.i + 1].kind == "name":
            self.next()
            nt = self.next()
            parts.append(nt.value)
            end = nt.end
        if self.is_op("(") and len(parts) == 1:
            open_tok = self.next()
            args: list[Node] = []
            if not self.is_op(")"):
                while True:
                    args.append(self.expr())
                    if self.is_op(","):
                        self.next()
                        continue
                    break
                if not self.is_op(")"):
                    if self.tok.kind == "eof":
                        raise ExprError("R110", open_tok.start, open_tok.end, closing=")")
                    raise self.fail("`,` 或 `)`")
            close = self.next()
            return Call(t.value, args, name_end=t.end, start=t.start, end=close.end)
        return Name(tuple(parts), start=t.start, end=end)

    def list_lit(self) -> Node:
        open_tok = self.next()
        items: list[Node] = []
        if not self.is_op("]"):
            while True:
                items.append(self.expr())
                if self.is_op(","):
                    self.next()
                    continue
                break
            if not self.is_op("]"):
                if self.tok.kind == "eof":
                    raise ExprError("R110", open_tok.start, open_tok.end, closing="]")
                raise self.fail("`,` 或 `]`")
        close = self.next()
        return ListLit(items, start=open_tok.start, end=close.end)


def parse(src: str) -> Node:
    """Parse one expression; raises :class:`ExprError` with the offset of the problem.

    >>> parse("min(10% * rd_increment, 300万)").name
    'min'
    """
    return Parser(src).parse()


def parse_literal(src: str) -> Lit | ListLit | Unary:
    """A parameter value or a test-case fact: a literal, a negative literal or a list of them."""
    node = parse(src)
    if isinstance(node, Lit) or (isinstance(node, Unary) and isinstance(node.operand, Lit)):
        return node
    if isinstance(node, ListLit) and all(isinstance(x, Lit) for x in node.items):
        return node
    raise ExprError("R104", node.start, node.end, expected="一个取值（数字、金额、比例、日期、文本或列表）",
                    expected_en="a value (number, amount, ratio, date, text or list)", found=src.strip())
