"""Policy files: one YAML file per policy document, loaded whole or not at all.

A file holds the document's metadata, its dated parameters, its benefits (condition,
amount formula, period, funding shares, category) and its test cases. Every
expression is parsed and type-checked here, once; any problem is reported with the
file, line and column and the whole file is refused. See ``docs/rules.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import ir
from . import syntax as sx
from .checker import _EPOCH, Checker, FactInfo, ParamInfo, Scope
from .errors import ExprError, Problem, RuleError
from .yamlpos import DuplicateKey, Located, compose

CATEGORIES = ("platform", "rd", "enterprise", "service", "talent", "award", "tax")
KINDS = ("grant", "tax_deduction", "tax_saving")
SUBJECTS = ("enterprise", "institution", "carrier", "person", "project")
STATUSES = ("draft", "enacted", "proposed_repeal", "repealed")
LEVELS = ("national", "region", "city", "county")
FACT_TYPES = ("money", "count", "ratio", "bool", "date", "text")
PARAM_TYPES = (*FACT_TYPES, "list")
AMOUNT_KINDS = ("exact", "floor")
LIMIT_KINDS = ("highest_of", "combined_cap")

_DIVISION = re.compile(r"^\d{6}$")


def division_prefix(code: str) -> str:
    """The prefix every division inside ``code`` starts with (GB/T 2260: 2 digits province,
    2 city, 2 county; trailing ``00`` pairs mean "the whole").

    >>> division_prefix("150100"), division_prefix("150000"), division_prefix("150302")
    ('1501', '15', '150302')
    """
    code = str(code)
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_COMPANY = re.compile(r"(有限公司|有限责任公司|股份公司|集团|研究院|Co\.|Ltd|Inc\b)")


# -- the model ------------------------------------------------------------------------

@dataclass
class ParamValue:
    start: dt.date
    value: ir.Const | None  # None: no value (a parameter without source)
    ref: str = ""
    text: str = ""
    line: int = 0


@dataclass
class Parameter:
    name: str
    qname: str
    type: str
    label: str
    en: str = ""
    elem: str | None = None
    values: list[ParamValue] = field(default_factory=list)
    no_source: bool = False
    note: str = ""

    def at(self, day: dt.date) -> ParamValue | None:
        """The value in force on ``day`` (the latest that starts on or before it)."""
        found = None
        for v in self.values:
            if v.start <= day:
                found = v
        return found


@dataclass
class Benefit:
    code: str
    qname: str
    policy: str
    label: str
    category: str
    kind: str
    subject: str
    when: ir.Expr
    amount: ir.Expr
    when_text: str
    amount_text: str
    en: str = ""
    clause: str = ""
    quote: str = ""
    note: str = ""
    amount_kind: str = "exact"
    period: str = "yearly"  # yearly | once | years
    years: int | None = None
    start: ir.Expr | None = None
    start_text: str = ""
    continue_if: ir.Expr | None = None
    funding: list[tuple[str, Fraction]] = field(default_factory=list)
    funding_stated: bool = True  # False: the document gives no split; the issuing level bears it
    excludes: list[str] = field(default_factory=list)
    file: str = ""
    line: int = 0
    places: dict[str, Located] = field(default_factory=dict, repr=False)

    @property
    def facts(self) -> set[str]:
        out = ir.facts_used(self.when) | ir.facts_used(self.amount)
        for e in (self.start, self.continue_if):
            if e is not None:
                out |= ir.facts_used(e)
        return out

    @property
    def params(self) -> set[str]:
        out = ir.params_used(self.when) | ir.params_used(self.amount)
        for e in (self.start, self.continue_if):
            if e is not None:
                out |= ir.params_used(e)
        return out

    @property
    def depends_on(self) -> set[str]:
        out = ir.benefits_used(self.when) | ir.benefits_used(self.amount)
        for e in (self.start, self.continue_if):
            if e is not None:
                out |= ir.benefits_used(e)
        return out


@dataclass
class Limit:
    kind: str
    benefits: list[str]
    label: str = ""
    cap: ir.Expr | None = None
    cap_text: str = ""
    policy: str = ""
    file: str = ""
    line: int = 0


@dataclass
class TestCase:
    name: str
    year: int
    facts: dict[str, Any]
    expect: dict[str, int | None]  # benefit qname → fen (None: unknown)
    parameters: dict[str, ir.Const] = field(default_factory=dict)  # qname → value
    state: dict[str, int] = field(default_factory=dict)  # benefit qname → started year
    expect_funding: dict[str, dict[str, int]] = field(default_factory=dict)
    policy: str = ""
    file: str = ""
    line: int = 0


@dataclass
class Policy:
    code: str
    title: str
    issuer: str
    status: str
    level: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    published_on: dt.date | None = None
    document_number: str | None = None
    dates_note: str = ""
    source: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, FactInfo] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    benefits: dict[str, Benefit] = field(default_factory=dict)
    limits: list[Limit] = field(default_factory=list)
    tests: list[TestCase] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    file: str = ""
    #: division codes (GB/T 2260, 6 digits) where the policy applies; empty: everywhere
    territory: list[str] = field(default_factory=list)
    #: the territory's name for people (``territory_label: 呼和浩特市``); default: the codes
    territory_label: str = ""

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def territory_prefixes(self) -> tuple[str, ...]:
        """Division-code prefixes of the territory (``()``: the policy applies everywhere)."""
        return tuple(division_prefix(c) for c in self.territory)

    def applies_to(self, division_code: str | None) -> bool:
        """Whether an entity registered in ``division_code`` is inside the policy's territory.

        >>> p = Policy("x", "t", "i", "enacted", "city", dt.date(2025, 1, 1), territory=["150100"])
        >>> p.applies_to("150102"), p.applies_to("150302"), p.applies_to(None)
        (True, False, False)
        """
        prefixes = self.territory_prefixes()
        if not prefixes:
            return True
        return bool(division_code) and str(division_code).startswith(prefixes)

    def territory_name(self) -> str:
        """The territory as people read it: ``territory_label`` or the division codes."""
        return self.territory_label or "、".join(self.territory)

    def to_json(self) -> dict[str, Any]:
        def pv(p: Parameter) -> list[dict[str, Any]]:
            return [{"from": v.start.isoformat(), "value": v.text, "ref": v.ref} for v in p.values]

        return {
            "code": self.code, "title": self.title, "issuer": self.issuer, "status": self.status,
            "level": self.level, "territory": list(self.territory),
            "territory_label": self.territory_name(), "document_number": self.document_number,
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "source": self.source,
            "parameters": {n: {"label": p.label, "type": p.type, "no_source": p.no_source, "values": pv(p)}
                           for n, p in self.parameters.items()},
            "benefits": {c: {"label": b.label, "category": b.category, "kind": b.kind, "subject": b.subject,
                             "clause": b.clause, "quote": b.quote, "when": b.when_text, "amount": b.amount_text,
                             "amount_kind": b.amount_kind, "period": b.period, "years": b.years,
                             "funding": {lv: f"{float(s) * 100:g}%" for lv, s in b.funding},
                             "facts": sorted(b.facts), "parameters": sorted(b.params)}
                         for c, b in self.benefits.items()},
            "warnings": [w.to_json() for w in self.warnings],
            "tests": len(self.tests),
        }


# -- the fact catalogue -------------------------------------------------------------

CATALOGUE_FILE = Path(__file__).with_name("facts.yaml")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, FactInfo]:
    """The facts every policy may read (``facts.yaml``), derived facts type-checked."""
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    facts: dict[str, FactInfo] = {}
    for name, spec in raw.items():
        facts[name] = FactInfo(name=name, type=spec["type"], source=spec["source"], label=spec["label"],
                               en=spec.get("en", ""), blank=spec.get("blank"), expr_text=spec.get("expr"),
                               note=spec.get("note", ""))
    # derived facts may use each other: check in dependency order, refuse cycles
    pending = {n for n, f in facts.items() if f.source == "derived"}
    visiting: list[str] = []

    def check(name: str) -> None:
        f = facts[name]
        if f.expr is not None:
            return
        if name in visiting:
            raise RuleError(Problem("R204", {"cycle": " → ".join([*visiting, name])}, str(CATALOGUE_FILE)))
        visiting.append(name)
        node = sx.parse(f.expr_text or "")
        for n in _names(node):
            if n in pending and n != name:
                check(n)
        e = Checker(Scope(facts), f.expr_text or "").typed(node, f.type if f.type != "count" else "count")
        f.expr = e
        visiting.pop()

    for name in sorted(pending):
        check(name)
    return facts


def _names(node: sx.Node) -> set[str]:
    out: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, sx.Name):
            out.add(n.dotted)
        for v in vars(n).values():
            if isinstance(v, sx.Node):
                stack.append(v)
            elif isinstance(v, list):
                stack.extend(x for x in v if isinstance(x, sx.Node))
    return out


# -- loading ------------------------------------------------------------------------

TOP_FIELDS = {"code", "title", "issuer", "document_number", "status", "published_on", "effective_from",
              "effective_to", "dates_note", "level", "territory", "territory_label", "source", "facts", "parameters", "benefits", "limits",
              "tests", "note"}
TOP_REQUIRED = ("code", "title", "issuer", "status", "level", "effective_from", "benefits")
FACT_FIELDS = {"type", "label", "en", "note", "values"}
PARAM_FIELDS = {"label", "en", "type", "values", "value", "ref", "no_source", "note", "elem", "quote"}
VALUE_FIELDS = {"from", "value", "ref", "quote", "note"}
BENEFIT_FIELDS = {"label", "en", "category", "kind", "subject", "clause", "quote", "note", "when", "amount",
                  "amount_kind", "period", "start", "continue_if", "funding", "excludes", "beneficiaries"}
BENEFIT_REQUIRED = ("label", "category", "subject", "when", "amount", "period")
LIMIT_FIELDS = {"kind", "benefits", "cap", "label", "note"}
TEST_FIELDS = {"name", "year", "facts", "expect", "parameters", "state", "expect_funding", "note"}


class _FileLoader:
    def __init__(self, path: Path, display: str):
        self.path = path
        self.file = display
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.level = "city"

    # helpers ---------------------------------------------------------------------------
    def err(self, at: Located, msg: str, **params: Any) -> None:
        self.problems.append(at.problem(msg, **params))

    def fields(self, m: Located, allowed: set[str], required: tuple[str, ...], what: str
               ) -> dict[str, tuple[Located, Located]]:
        if not m.is_map:
            self.err(m, "R409", field=what, expected="映射（字段: 值）", expected_en="a mapping (field: value)")
            return {}
        try:
            items = m.items()
        except DuplicateKey as d:
            self.problems.append(d.problem)
            return {}
        out = {}
        for k, v in items:
            if k.text not in allowed:
                best = difflib.get_close_matches(k.text, sorted(allowed), n=1, cutoff=0.6)
                hint = (f"；是否想写 `{best[0]}`？", f"; did you mean `{best[0]}`?") if best else ("", "")
                self.err(k, "R403", field=k.text, hint=hint[0], hint_en=hint[1])
                continue
            out[k.text] = (k, v)
        for r in required:
            if r not in out:
                self.err(m, "R402", field=f"{what}.{r}" if what else r)
        return out

    def text(self, f: dict[str, tuple[Located, Located]], name: str, default: str = "") -> str:
        if name not in f:
            return default
        v = f[name][1]
        if v.is_null:
            return default
        if not v.is_scalar:
            self.err(v, "R409", field=name, expected="文本", expected_en="text")
            return default
        return v.text

    def enum(self, f: dict[str, tuple[Located, Located]], name: str, choices: tuple[str, ...],
             default: str | None = None) -> str:
        if name not in f:
            return default or choices[0]
        v = f[name][1]
        if v.text not in choices:
            self.err(v, "R404", field=name, value=v.text, choices=", ".join(choices))
            return default or choices[0]
        return v.text

    def date(self, f: dict[str, tuple[Located, Located]], name: str) -> dt.date | None:
        if name not in f or f[name][1].is_null:
            return None
        v = f[name][1]
        return self.date_of(v, name)

    def date_of(self, v: Located, name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(v.text.strip())
        except ValueError:
            self.err(v, "R409", field=name, expected="日期（YYYY-MM-DD）", expected_en="a date (YYYY-MM-DD)")
            return None

    def expr_problem(self, at: Located, exc: ExprError) -> None:
        line, col = at.offset_to_place(exc.offset)
        self.problems.append(Problem(exc.code, exc.params, self.file, line, col))

    def compile(self, at: Located, checker_scope: Scope, want: str) -> ir.Expr | None:
        if not at.is_scalar or at.is_null:
            self.err(at, "R409", field="expression", expected="表达式文本", expected_en="an expression")
            return None
        text = at.text
        try:
            node = sx.parse(text)
            chk = Checker(checker_scope, text)
            if want == "bool":
                return chk.condition(node)
            if want == "money":
                return chk.amount(node)
            return chk.typed(node, want)
        except ExprError as exc:
            self.expr_problem(at, exc)
            return None

    # the file ----------------------------------------------------------------------------
    def load(self) -> Policy | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(Problem("R415", {"problem": str(exc)}, self.file))
            return None
        try:
            root = compose(text, self.file)
        except RuleError as exc:
            self.problems.extend(exc.problems)
            return None
        if not root.is_map:
            self.err(root, "R412")
            return None
        f = self.fields(root, TOP_FIELDS, TOP_REQUIRED, "")
        if any(p.code in ("R405",) for p in self.problems):
            return None
        code = self.text(f, "code")
        if code and not _CODE.match(code):
            self.err(f["code"][1], "R411", code=code)
        eff = self.date(f, "effective_from") or dt.date(1900, 1, 1)
        policy = Policy(
            code=code, title=self.text(f, "title"), issuer=self.text(f, "issuer"),
            status=self.enum(f, "status", STATUSES), level=self.enum(f, "level", LEVELS),
            effective_from=eff, effective_to=self.date(f, "effective_to"),
            published_on=self.date(f, "published_on"), document_number=self.text(f, "document_number") or None,
            dates_note=self.text(f, "dates_note"), file=self.file,
        )
        if "source" in f:
            policy.source = f["source"][1].value() or {}
        if "territory" in f:
            policy.territory = self.territory(f["territory"][1])
        policy.territory_label = self.text(f, "territory_label")
        self.level = policy.level
        cat = catalogue()
        # declared (carrier) facts
        if "facts" in f:
            for k, v in self._map_items(f["facts"][1], "facts"):
                ff = self.fields(v, FACT_FIELDS, ("type", "label"), f"facts.{k.text}")
                if k.text in cat:
                    self.err(k, "R414", name=k.text)
                    continue
                if not _CODE.match(k.text):
                    self.err(k, "R411", code=k.text)
                    continue
                t = self.enum(ff, "type", FACT_TYPES) if "type" in ff else "text"
                policy.facts[k.text] = FactInfo(k.text, t, "declared", self.text(ff, "label"), self.text(ff, "en"),
                                                policy=code, note=self.text(ff, "note"))
        scope_facts = {**cat, **policy.facts}
        scope = Scope(scope_facts)
        # parameters
        if "parameters" in f:
            for k, v in self._map_items(f["parameters"][1], "parameters"):
                p = self.parameter(k, v, code, eff, scope_facts)
                if p is not None:
                    policy.parameters[p.name] = p
                    scope.params[p.name] = ParamInfo(p.qname, p.type, p.label, p.elem)
        # benefits (names first, so that formulas may refer to one another)
        bitems = self._map_items(f["benefits"][1], "benefits") if "benefits" in f else []
        for k, _ in bitems:
            if _CODE.match(k.text):
                scope.benefits[k.text] = f"{code}.{k.text}"
            else:
                self.err(k, "R411", code=k.text)
        for k, v in bitems:
            if not _CODE.match(k.text):
                continue
            b = self.benefit(k, v, code, scope)
            if b is not None:
                policy.benefits[b.code] = b
        for k, v in bitems:  # excludes refer to benefits of this policy or to policy.benefit
            b = policy.benefits.get(k.text)
            if b is None:
                continue
            bf = v.items() if v.is_map else []
            for fk, fv in bf:
                if fk.text == "excludes":
                    b.excludes = self.benefit_list(fv, code, policy, "excludes")
        if "limits" in f:
            lim = f["limits"][1]
            if not lim.is_seq:
                self.err(lim, "R409", field="limits", expected="列表", expected_en="a list")
            else:
                for item in lim.seq():
                    li = self.limit(item, code, policy, scope)
                    if li is not None:
                        policy.limits.append(li)
        if "tests" in f:
            tl = f["tests"][1]
            if not tl.is_seq:
                self.err(tl, "R409", field="tests", expected="列表", expected_en="a list")
            else:
                for item in tl.seq():
                    case = self.test_case(item, policy, scope_facts)
                    if case is not None:
                        policy.tests.append(case)
        policy.warnings = self.warnings
        return None if self.problems else policy

    def territory(self, v: Located) -> list[str]:
        """``territory: ["150100"]``: a list of 6-digit division codes (null or ``[]``: everywhere)."""
        if v.is_null:
            return []
        items = v.seq() if v.is_seq else [v]
        seen: dict[str, int] = {}
        for it in items:
            code = it.text.strip() if it.is_scalar else ""
            if not _DIVISION.match(code) or code == "000000":
                self.err(it, "R417", value=code or "…")
                continue
            if code in seen:
                self.err(it, "R405", what="行政区划代码", what_en="division code", name=code, first=seen[code])
                continue
            seen[code] = it.line
        return list(seen)

    def _map_items(self, m: Located, what: str) -> list[tuple[Located, Located]]:
        if m.is_null:
            return []
        if not m.is_map:
            self.err(m, "R409", field=what, expected="映射（名称: 定义）", expected_en="a mapping (name: definition)")
            return []
        try:
            return m.items()
        except DuplicateKey as d:
            dup = d.problem
            self.problems.append(Problem("R405", {**dup.params, "what": "名称", "what_en": "name"}, dup.file,
                                         dup.line, dup.column))
            return []

    def literal(self, at: Located, want: str, name: str) -> ir.Const | None:
        """Parse a parameter value written in the expression language's literal syntax."""
        text = at.text.strip()
        if want == "text":
            return ir.Const("text", text)
        if want == "bool" and at.value() in (True, False):
            return ir.Const("bool", bool(at.value()))
        try:
            node = sx.parse_literal(text)
            e = Checker(Scope({}), text).expr(node)
        except ExprError as exc:
            self.expr_problem(at, exc)
            return None
        assert isinstance(e, ir.Const)
        ok = e.type == want or (want in ("count", "ratio") and e.type == "number") or \
            (want == "ratio" and e.type == "count") or (want == "money" and e.type == "number" and e.value == 0)
        if want == "list":
            ok = e.type == "list"
        if not ok:
            from .messages import type_name
            self.err(at, "R310", name=name, expected=type_name(want), expected_en=type_name(want, "en"),
                     text=text, found=type_name(e.type), found_en=type_name(e.type, "en"))
            return None
        if want == "money" and e.type == "number":
            return ir.Const("money", 0)
        return ir.Const(want if want != "list" else "list", e.value, elem=e.elem if want == "list" else None)

    def parameter(self, k: Located, v: Located, code: str, eff: dt.date,
                  facts: dict[str, FactInfo]) -> Parameter | None:
        pf = self.fields(v, PARAM_FIELDS, ("label", "type"), f"parameters.{k.text}")
        if not pf:
            return None
        name = k.text
        if not _CODE.match(name):
            self.err(k, "R411", code=name)
            return None
        if name in facts:
            self.err(k, "R205", name=name)
            return None
        t = self.enum(pf, "type", PARAM_TYPES)
        no_source = bool(pf["no_source"][1].value()) if "no_source" in pf else False
        p = Parameter(name, f"{code}.{name}", t, self.text(pf, "label"), self.text(pf, "en"),
                      no_source=no_source, note=self.text(pf, "note"))
        entries: list[tuple[Located, dict[str, tuple[Located, Located]]]] = []
        if "values" in pf:
            vl = pf["values"][1]
            if not vl.is_seq:
                self.err(vl, "R409", field=f"parameters.{name}.values", expected="列表", expected_en="a list")
                return None
            for item in vl.seq():
                entries.append((item, self.fields(item, VALUE_FIELDS, ("from", "value"),
                                                  f"parameters.{name}.values")))
        elif "value" in pf:
            entries.append((pf["value"][1], {"value": pf["value"], **({"ref": pf["ref"]} if "ref" in pf else {})}))
        else:
            self.err(v, "R402", field=f"parameters.{name}.values")
            return None
        prev: dt.date | None = None
        for _item, ef in entries:
            if "value" not in ef:
                continue
            start = self.date_of(ef["from"][1], "from") if "from" in ef else eff
            if start is None:
                continue
            if prev is not None and start <= prev:
                self.err(ef["from"][1], "R408", name=name, date=start.isoformat(), previous=prev.isoformat())
            prev = start
            vv = ef["value"][1]
            if vv.is_null:
                if not no_source:
                    self.err(vv, "R409", field=f"parameters.{name}.value", expected="一个取值（无来源的参数须标 no_source: true）",
                             expected_en="a value (mark a parameter without source `no_source: true`)")
                const = None
            else:
                const = self.literal(vv, t, name)
                if const is None:
                    continue
                if t == "list":
                    p.elem = const.elem
            p.values.append(ParamValue(start, const, self.text(ef, "ref"), vv.text, vv.line))
        if not p.no_source and p.at(eff) is None and p.values:
            self.err(v, "R406", name=name, date=eff.isoformat())
        if p.no_source:
            self.warnings.append(k.problem("W502", name=p.qname, note=p.note or "—"))
        return p

    def benefit(self, k: Located, v: Located, code: str, scope: Scope) -> Benefit | None:
        bf = self.fields(v, BENEFIT_FIELDS, BENEFIT_REQUIRED, f"benefits.{k.text}")
        if not bf:
            return None
        n_before = len(self.problems)
        when = self.compile(bf["when"][1], scope, "bool") if "when" in bf else None
        amount = self.compile(bf["amount"][1], scope, "money") if "amount" in bf else None
        period, years = "yearly", None
        if "period" in bf:
            pv = bf["period"][1]
            if pv.is_map:
                pf = self.fields(pv, {"years"}, ("years",), f"benefits.{k.text}.period")
                if "years" in pf:
                    y = pf["years"][1].value()
                    if not isinstance(y, int) or isinstance(y, bool) or y < 1:
                        self.err(pf["years"][1], "R409", field="period.years", expected="正整数",
                                 expected_en="a positive whole number")
                    else:
                        period, years = "years", y
            elif pv.text in ("yearly", "once"):
                period = pv.text
            else:
                self.err(pv, "R404", field="period", value=pv.text, choices="yearly, once, years: N")
        start = None
        if "start" in bf:
            start = self.compile(bf["start"][1], scope, "count")
            if period != "years":
                self.err(bf["start"][0], "R409", field="start", expected="与 period: {years: N} 一起使用",
                         expected_en="used together with period: {years: N}")
        cont = self.compile(bf["continue_if"][1], scope, "bool") if "continue_if" in bf else None
        funding: list[tuple[str, Fraction]] = []
        if "funding" in bf:
            fv = bf["funding"][1]
            total = Fraction(0)
            for lk, lv in self._map_items(fv, "funding"):
                if lk.text not in LEVELS:
                    self.err(lk, "R404", field="funding", value=lk.text, choices=", ".join(LEVELS))
                    continue
                c = self.literal(lv, "ratio", f"funding.{lk.text}")
                if c is None:
                    continue
                share = Fraction(c.value)
                funding.append((lk.text, share))
                total += share
            if funding and total != 1:
                self.err(fv, "R407", total=f"{float(total) * 100:g}%")
        if len(self.problems) > n_before or when is None or amount is None:
            return None
        funding_stated = bool(funding)
        if not funding:  # the document does not split the cost: the issuing level bears it all
            funding = [(self.level, Fraction(1))]
        b = Benefit(
            code=k.text, qname=f"{code}.{k.text}", policy=code, label=self.text(bf, "label"),
            category=self.enum(bf, "category", CATEGORIES), kind=self.enum(bf, "kind", KINDS),
            subject=self.enum(bf, "subject", SUBJECTS), when=when, amount=amount,
            when_text=bf["when"][1].text, amount_text=bf["amount"][1].text, en=self.text(bf, "en"),
            clause=self.text(bf, "clause"), quote=self.text(bf, "quote"), note=self.text(bf, "note"),
            amount_kind=self.enum(bf, "amount_kind", AMOUNT_KINDS), period=period, years=years,
            start=start, start_text=bf["start"][1].text if "start" in bf else "", continue_if=cont,
            funding=funding, funding_stated=funding_stated, file=self.file, line=k.line,
            places={name: loc for name, (_, loc) in bf.items()},
        )
        self.fair_competition(b, bf)
        return b

    def fair_competition(self, b: Benefit, bf: dict[str, tuple[Located, Located]]) -> None:
        """公平竞争审查条例 第十条: flag a benefit that names a specific operator."""
        found: list[tuple[str, str]] = []
        for e in (b.when, b.amount):
            for n in ir.walk(e):
                if isinstance(n, ir.Cmp | ir.In):
                    sides = [n.left, n.right] if isinstance(n, ir.Cmp) else [n.operand, n.items]
                    refs = [s.name for s in sides if isinstance(s, ir.FactRef)]
                    if any(r in ("uscc", "name") for r in refs):
                        consts = [s for s in sides if isinstance(s, ir.Const)]
                        shown = ", ".join(str(c.value if not isinstance(c.value, tuple) else "、".join(
                            map(str, c.value))) for c in consts)
                        label = "统一社会信用代码" if "uscc" in refs else "单位名称"
                        found.append((f"{label} {shown}", f"{'credit code' if 'uscc' in refs else 'name'} {shown}"))
                if isinstance(n, ir.Const) and n.type == "text" and isinstance(n.value, str):
                    if (_USCC.match(n.value) or _COMPANY.search(n.value)) and not any(
                            n.value in zh for zh, _ in found):
                        found.append((f"“{n.value}”", f"“{n.value}”"))
        if "beneficiaries" in bf:
            names = bf["beneficiaries"][1].value()
            names = names if isinstance(names, list) else [names]
            found.append(("指定受益单位：" + "、".join(map(str, names)), "named beneficiaries: " + ", ".join(map(str, names))))
        if found:
            found = list(dict.fromkeys(found))
            loc = bf["when"][1] if "when" in bf else bf["label"][1]
            self.warnings.append(loc.problem("W501", benefit=b.qname, what="；".join(z for z, _ in found),
                                             what_en="; ".join(e for _, e in found)))

    def benefit_list(self, v: Located, code: str, policy: Policy, field_name: str) -> list[str]:
        items = v.seq() if v.is_seq else [v]
        out = []
        for it in items:
            name = it.text
            if "." in name:
                out.append(name)  # another policy's benefit: checked when the set is assembled
                continue
            if name not in policy.benefits:
                best = difflib.get_close_matches(name, list(policy.benefits), n=1, cutoff=0.6)
                hint = (f"；是否想写 `{best[0]}`？", f"; did you mean `{best[0]}`?") if best else ("", "")
                self.err(it, "R206", name=name, hint=hint[0], hint_en=hint[1])
                continue
            out.append(f"{code}.{name}")
        return out

    def limit(self, item: Located, code: str, policy: Policy, scope: Scope) -> Limit | None:
        lf = self.fields(item, LIMIT_FIELDS, ("kind", "benefits"), "limits")
        if not lf:
            return None
        kind = self.enum(lf, "kind", LIMIT_KINDS)
        benefits = self.benefit_list(lf["benefits"][1], code, policy, "benefits") if "benefits" in lf else []
        cap = None
        if kind == "combined_cap":
            if "cap" not in lf:
                self.err(item, "R402", field="limits.cap")
                return None
            cap = self.compile(lf["cap"][1], scope, "money")
        return Limit(kind, benefits, self.text(lf, "label"), cap, lf["cap"][1].text if "cap" in lf else "",
                     code, self.file, item.line)

    def test_case(self, item: Located, policy: Policy, facts: dict[str, FactInfo]) -> TestCase | None:
        tf = self.fields(item, TEST_FIELDS, ("name", "year", "facts", "expect"), "tests")
        if not tf or "year" not in tf or "name" not in tf:
            return None
        year = tf["year"][1].value()
        if not isinstance(year, int):
            self.err(tf["year"][1], "R409", field="tests.year", expected="年份", expected_en="a year")
            return None
        t = TestCase(self.text(tf, "name"), year, {}, {}, policy=policy.code, file=self.file, line=item.line)
        if "facts" in tf:
            for fk, fv in self._map_items(tf["facts"][1], "tests.facts"):
                if fk.text not in facts or facts[fk.text].source == "builtin":
                    best = difflib.get_close_matches(fk.text, list(facts), n=1, cutoff=0.6)
                    hint = (f"；是否想写 `{best[0]}`？", f"; did you mean `{best[0]}`?") if best else ("", "")
                    self.err(fk, "R201", name=fk.text, hint=hint[0], hint_en=hint[1])
                    continue
                val = self.fact_value(fv, facts[fk.text])
                if val is not _BAD:
                    t.facts[fk.text] = val
        if "expect" in tf:
            for ek, ev in self._map_items(tf["expect"][1], "tests.expect"):
                if ek.text not in policy.benefits:
                    best = difflib.get_close_matches(ek.text, list(policy.benefits), n=1, cutoff=0.6)
                    hint = (f"；是否想写 `{best[0]}`？", f"; did you mean `{best[0]}`?") if best else ("", "")
                    self.err(ek, "R206", name=ek.text, hint=hint[0], hint_en=hint[1])
                    continue
                if ev.text.strip() in ("unknown", "未知"):
                    t.expect[f"{policy.code}.{ek.text}"] = None
                    continue
                c = self.literal(ev, "money", f"expect.{ek.text}")
                if c is not None:
                    t.expect[f"{policy.code}.{ek.text}"] = int(c.value)
        if "parameters" in tf:
            for pk, pv in self._map_items(tf["parameters"][1], "tests.parameters"):
                p = policy.parameters.get(pk.text)
                if p is None:
                    best = difflib.get_close_matches(pk.text, list(policy.parameters), n=1, cutoff=0.6)
                    hint = (f"；是否想写 `{best[0]}`？", f"; did you mean `{best[0]}`?") if best else ("", "")
                    self.err(pk, "R201", name=pk.text, hint=hint[0], hint_en=hint[1])
                    continue
                c = self.literal(pv, p.type, pk.text)
                if c is not None:
                    t.parameters[p.qname] = c
        if "state" in tf:
            for sk, sv in self._map_items(tf["state"][1], "tests.state"):
                if sk.text not in policy.benefits:
                    self.err(sk, "R206", name=sk.text)
                    continue
                y = sv.value()
                if not isinstance(y, int):
                    self.err(sv, "R409", field="tests.state", expected="起始年份", expected_en="a start year")
                    continue
                t.state[f"{policy.code}.{sk.text}"] = y
        if "expect_funding" in tf:
            for bk, bv in self._map_items(tf["expect_funding"][1], "tests.expect_funding"):
                if bk.text not in policy.benefits:
                    self.err(bk, "R206", name=bk.text)
                    continue
                shares = {}
                for lk, lv in self._map_items(bv, "expect_funding"):
                    c = self.literal(lv, "money", f"expect_funding.{bk.text}.{lk.text}")
                    if c is not None:
                        shares[lk.text] = int(c.value)
                t.expect_funding[f"{policy.code}.{bk.text}"] = shares
        return t

    def fact_value(self, v: Located, f: FactInfo) -> Any:
        """A test-case fact in the exchange table's spelling: money in yuan or with 元/万/亿."""
        if v.is_null:
            return None
        raw = v.value()
        text = v.text.strip()
        try:
            if f.type == "text":
                return str(raw)
            if f.type == "bool":
                if isinstance(raw, bool):
                    return raw
                if text in ("是", "1"):
                    return True
                if text in ("否", "0"):
                    return False
                raise ValueError("true/false")
            if f.type == "date":
                if isinstance(raw, dt.date):
                    return raw
                return dt.date.fromisoformat(text)
            if f.type == "money":
                if isinstance(raw, int | float) and not isinstance(raw, bool):
                    from .money import fen_from_yuan
                    return _Fen(fen_from_yuan(text))
                c = Checker(Scope({}), text).expr(sx.parse_literal(text))
                if c.type == "money" or (c.type == "number" and isinstance(c, ir.Const)):
                    if c.type == "number":
                        from .money import fen_from_yuan
                        return _Fen(fen_from_yuan(text))
                    assert isinstance(c, ir.Const)
                    return _Fen(int(c.value))
                raise ValueError("amount")
            if f.type in ("count", "ratio"):
                if isinstance(raw, int | float) and not isinstance(raw, bool):
                    return raw
                c = Checker(Scope({}), text).expr(sx.parse_literal(text))
                if isinstance(c, ir.Const) and c.type in ("number", "count", "ratio"):
                    val = Fraction(c.value)
                    return int(val) if val.denominator == 1 else float(val)
                raise ValueError("number")
        except (ValueError, ExprError) as exc:
            reason = {"true/false": ("应为 true 或 false", "expected true or false"),
                      "amount": ("应为金额，如 3000万 或 30000000", "expected an amount, e.g. 3000万 or 30000000"),
                      "number": ("应为数字", "expected a number")}.get(str(exc), ("格式不对", "malformed"))
            self.err(v, "R410", name=f.name, value=text, reason=reason[0], reason_en=reason[1])
            return _BAD
        return raw


class _Fen(int):
    """A money fact already in fen (test cases write money as literals)."""


_BAD = object()


# -- the set of policies -----------------------------------------------------------------

@dataclass
class PolicySet:
    """Loaded, checked policies ready to evaluate (see :func:`load_policies`)."""

    policies: dict[str, Policy]
    facts: dict[str, FactInfo]
    order: list[str]  # benefit qnames in evaluation order (dependencies first)
    warnings: list[Problem] = field(default_factory=list)

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies.values())

    def __len__(self) -> int:
        return len(self.policies)

    def __getitem__(self, code: str) -> Policy:
        return self.policies[code]

    def benefit(self, qname: str) -> Benefit:
        code, _, b = qname.partition(".")
        return self.policies[code].benefits[b]

    def benefits(self) -> list[Benefit]:
        return [self.benefit(q) for q in self.order]

    def parameter(self, qname: str) -> Parameter:
        code, _, p = qname.partition(".")
        return self.policies[code].parameters[p]

    def select(self, codes: list[str] | str) -> PolicySet:
        """The subset of these policies (their benefits keep their order)."""
        codes = [codes] if isinstance(codes, str) else list(codes)
        missing = [c for c in codes if c not in self.policies]
        if missing:
            best = difflib.get_close_matches(missing[0], list(self.policies), n=1, cutoff=0.5)
            hint = (f"；是否想写 `{best[0]}`？", f"; did you mean `{best[0]}`?") if best else ("", "")
            raise RuleError(Problem("R704", {"code": missing[0], "hint": hint[0], "hint_en": hint[1]}))
        keep = {c: self.policies[c] for c in codes}
        order = [q for q in self.order if q.partition(".")[0] in keep]
        return PolicySet(keep, self.facts, order, [w for w in self.warnings if any(
            (w.file or "") == p.file for p in keep.values())])

    def to_json(self) -> dict[str, Any]:
        return {"policies": [p.to_json() for p in self], "warnings": [w.to_json() for w in self.warnings]}


def _display_name(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.relative_to(root.parent))
        except ValueError:
            pass
    return path.name


def load_files(paths: list[Path], root: Path | None = None) -> tuple[PolicySet | None, list[Problem], list[Problem]]:
    """Load and check files; returns (set or None, errors, warnings). Never raises for bad files."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    policies: dict[str, Policy] = {}
    first_at: dict[str, Policy] = {}
    for path in paths:
        loader = _FileLoader(path, _display_name(path, root))
        pol = loader.load()
        problems.extend(loader.problems)
        warnings.extend(loader.warnings)
        if pol is None:
            continue
        if pol.code in first_at:
            other = first_at[pol.code]
            problems.append(Problem("R405", {"what": "政策编码", "what_en": "policy code", "name": pol.code,
                                             "first": f"{other.file}"}, pol.file, 1, 1))
            continue
        first_at[pol.code] = pol
        policies[pol.code] = pol
    facts = dict(catalogue())
    for pol in policies.values():
        for name, f in pol.facts.items():
            if name in facts and facts[name].type != f.type:
                from .messages import type_name
                problems.append(Problem("R413", {"name": name, "other": type_name(facts[name].type),
                                                 "other_en": type_name(facts[name].type, "en"),
                                                 "found": type_name(f.type), "found_en": type_name(f.type, "en")},
                                        pol.file))
            facts.setdefault(name, f)
    # cross-policy references (excludes, limits) and the evaluation order
    all_benefits = {b.qname: b for p in policies.values() for b in p.benefits.values()}
    for pol in policies.values():
        for b in pol.benefits.values():
            for q in b.excludes:
                if q not in all_benefits:
                    problems.append(Problem("R206", {"name": q}, pol.file, b.line))
        for li in pol.limits:
            for q in li.benefits:
                if q not in all_benefits:
                    problems.append(Problem("R206", {"name": q}, pol.file, li.line))
    order, cycles = dependency_order(all_benefits)
    for cycle in cycles:
        b = all_benefits[cycle[0]]
        problems.append(Problem("R204", {"cycle": " → ".join(cycle)}, b.file, b.line))
    if problems:
        return None, problems, warnings
    return PolicySet(policies, facts, order, warnings), problems, warnings


def dependency_order(benefits: dict[str, Any], first: Iterable[str] = ()) -> tuple[list[str], list[list[str]]]:
    """The benefits' qualified names in dependency order (a benefit after those its
    formulas use), ``first`` giving the order otherwise, and the cycles found (each as the
    path that returns to its start: ``["a.x", "a.y", "a.x"]``).

    >>> from types import SimpleNamespace as B
    >>> dependency_order({"p.a": B(depends_on={"p.b"}), "p.b": B(depends_on=set())})
    (['p.b', 'p.a'], [])
    >>> dependency_order({"p.a": B(depends_on={"p.b"}), "p.b": B(depends_on={"p.a"})})[1]
    [['p.a', 'p.b', 'p.a']]
    """
    order: list[str] = []
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(q: str, path: list[str]) -> None:
        if state.get(q) == 2:
            return
        if state.get(q) == 1:
            cycles.append([*path[path.index(q):], q])
            return
        state[q] = 1
        for d in sorted(benefits[q].depends_on):
            if d in benefits:
                visit(d, [*path, q])
        state[q] = 2
        order.append(q)

    for q in [*[q for q in first if q in benefits], *benefits]:
        visit(q, [])
    return order, cycles


def policy_paths(source: str | Path | list[str | Path]) -> tuple[list[Path], Path | None]:
    if isinstance(source, list | tuple):
        return [Path(p) for p in source], None
    p = Path(source)
    if p.is_dir():
        return sorted(x for x in p.glob("*.yaml") if not x.name.startswith("_")), p
    return [p], None


def to_days(d: dt.date) -> int:
    return d.toordinal() - _EPOCH
