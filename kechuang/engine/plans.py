"""Plan files: the schema, the loader and the validator.

A plan (规划、行动方案、实施意见、年度工作要点) is a YAML file in ``data/plans/``, one file per
plan, read off a seed document; ``data/plans/catalogue.yaml`` holds the indicators that
several plans share, so that a value is reported once. ``docs/plans.md`` describes every
field. This module only reads and checks files; the mathematics lives in
:mod:`kechuang.engine.indicators`.

Every problem found is a :class:`PlanIssue` with the file, the line (from PyYAML's node
marks), an error code and a message in Chinese and English (:data:`MESSAGES`). Org units
are checked against a :class:`UnitDirectory` handed in by the caller (the platform builds
it from its ``OrgUnit`` rows; tests build it from the shipped reference files), so this
module never touches the database.

>>> units = UnitDirectory([KnownUnit("150300", "乌海市", "150000", "city"),
...                        KnownUnit("150300D001", "乌海市科学技术局", "150300", "department", ("市科技局",))])
>>> units.resolve("市科技局", city="150300").codes
('150300D001',)
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CATALOGUE_FILE",
    "COMPARATORS",
    "DIRECTIONS",
    "KINDS",
    "MESSAGES",
    "RULES",
    "UNITS_OF_MEASURE",
    "Baseline",
    "Catalogue",
    "CatalogueEntry",
    "Indicator",
    "KnownUnit",
    "Measure",
    "Part",
    "Plan",
    "PlanIssue",
    "PlanSet",
    "PlansInvalid",
    "Target",
    "Task",
    "UnitDirectory",
    "UnitRef",
    "export_plans",
    "load_catalogue",
    "load_plan_file",
    "load_plans",
    "unit_factor",
]

FORMAT_VERSION = 1
CATALOGUE_FILE = "catalogue.yaml"

# --- vocabularies ---------------------------------------------------------------------

DIRECTIONS = ("higher", "lower", "band")
KINDS = ("expected", "binding")  # 预期性 / 约束性
VALUE_TYPES = ("level", "rate")  # a level (count, amount, share) or a growth rate in % per year
PATHS = ("linear", "geometric")
RULES = ("double_baseline", "increase_yearly", "cumulative", "annual_growth", "increase_by")
GROWTH_BASES = ("average", "each_year")  # 年均 / 每年(年度)
MEASURE_METHODS = ("reported", "computed")
FREQUENCIES = ("year", "quarter")
QUARTER_BASES = ("ytd", "quarter")  # 1–n quarter cumulative (累计) / the quarter alone (当季)
TEMPORALS = ("stock", "flow", "ratio", "rate")  # end-of-period level / amount in the period / ratio / growth rate
AGGREGATIONS = ("sum", "ratio", "mean", "none")  # how units add up to a whole
PLAN_KINDS = ("plan", "action_plan", "opinions", "work_points")
PLAN_STATUSES = ("draft", "in_force", "repeal_proposed", "repealed", "expired", "unknown")

# Comparators: the symbol, or the verb the documents use (normalised to the symbol).
COMPARATORS = (">=", ">", "<=", "<", "between")
COMPARATOR_WORDS = {
    "达到": ">=", "不低于": ">=", "以上": ">=", "不少于": ">=",
    "超过": ">", "突破": ">", "高于": ">", "超出": ">",
    "不超过": "<=", "不高于": "<=", "以下": "<=", "控制在": "<=",
    "低于": "<", "区间": "between", "之间": "between",
}

# Units of measure as the documents write them: (dimension, factor to the dimension's base).
UNITS_OF_MEASURE: dict[str, tuple[str, float]] = {
    "元": ("money", 1.0), "万元": ("money", 1e4), "亿元": ("money", 1e8),
    "%": ("percent", 1.0), "个百分点": ("percentage_point", 1.0),
    "家": ("count", 1.0), "个": ("count", 1.0), "项": ("count", 1.0), "件": ("count", 1.0),
    "所": ("count", 1.0), "人": ("count", 1.0), "名": ("count", 1.0), "人次": ("count", 1.0),
    "次": ("count", 1.0), "处": ("count", 1.0),
    "人年": ("person_year", 1.0), "位次": ("rank", 1.0),
}

CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
UNIT_CODE = re.compile(r"^\d{6}(Z\d{2}|D\d{3})?$")
SEED_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
COMPUTATION = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")

# Collective names in responsible-unit lists: all units of a kind below the plan's city.
COLLECTIVES = {"各旗县区": "county", "各县市区": "county", "各县、市、区": "county", "各区": "county",
               "各盟市": "city"}


def unit_factor(unit: str) -> tuple[str, float] | None:
    """The dimension and the factor of a unit of measure, or None when unknown.

    >>> unit_factor("亿元")
    ('money', 100000000.0)
    """
    return UNITS_OF_MEASURE.get(unit)


# --- messages -------------------------------------------------------------------------

MESSAGES: dict[str, tuple[str, str]] = {
    "yaml_syntax": ("YAML 语法错误:{detail}", "YAML syntax error: {detail}"),
    "format_version": ("文件格式版本“{value}”不受支持,应为 {supported}",
                       "file format version “{value}” is not supported; use {supported}"),
    "wrong_type": ("“{field}”应为{expected_zh},实为“{value}”",
                   "“{field}” must be {expected_en}, not “{value}”"),
    "required": ("缺少必填字段“{field}”", "the required field “{field}” is missing"),
    "unknown_field": ("未知字段“{field}”;可用字段:{allowed}",
                      "unknown field “{field}”; the fields are: {allowed}"),
    "duplicate_key": ("字段“{field}”在同一处出现了两次", "the key “{field}” appears twice"),
    "bad_choice": ("“{field}”的值“{value}”不可用;可选:{allowed}",
                   "“{value}” is not a valid {field}; choose one of: {allowed}"),
    "bad_code": ("编码“{value}”格式不对:只用小写字母、数字和连字符,如 rd-intensity",
                 "the code “{value}” is malformed: use lower-case letters, digits and hyphens, e.g. rd-intensity"),
    "duplicate_code": ("编码“{value}”重复,第 {first_line} 行已用过",
                       "the code “{value}” is used twice; first on line {first_line}"),
    "duplicate_plan": ("规划编码“{value}”已在 {other} 中使用", "the plan code “{value}” is already used by {other}"),
    "source_file": ("来源“{value}”不是种子文件名(如 000_c8b8e38b7f624e86.txt)",
                    "the source “{value}” is not a seed file name (like 000_c8b8e38b7f624e86.txt)"),
    "period_invalid": ("规划期起始年 {start} 晚于结束年 {end}", "the period starts in {start}, after its end {end}"),
    "year_outside_period": ("{what}的年份 {year} 不在规划期 {start}–{end} 内",
                            "the {what_en} year {year} lies outside the plan period {start}–{end}"),
    "baseline_after_target": ("基期年 {baseline} 不早于目标年 {year}",
                              "the baseline year {baseline} is not before the target year {year}"),
    "measure_unit_unknown": ("计量单位“{value}”不在单位表中;可用:{allowed}",
                             "the unit of measure “{value}” is unknown; known units: {allowed}"),
    "measure_unit_mismatch": ("计量单位“{value}”与指标目录“{catalogue}”的单位“{expected}”不能换算",
                              "the unit “{value}” cannot be converted to “{expected}” of catalogue entry “{catalogue}”"),
    "org_unit_unknown": ("责任单位“{value}”在 {city} 下找不到(按名称、别名或编码)",
                         "the responsible unit “{value}” matches no org unit under {city} (name, alias or code)"),
    "org_unit_ambiguous": ("责任单位“{value}”在 {city} 下对应多个组织单元:{codes}",
                           "the responsible unit “{value}” matches several org units under {city}: {codes}"),
    "org_unit_unplaced": ("规划未写明所在城市(city),责任单位“{value}”无法对应到组织单元",
                          "the plan names no city, so the responsible unit “{value}” cannot be matched to an org unit"),
    "city_unknown": ("所在城市编码“{value}”不是已知组织单元", "the city code “{value}” is not a known org unit"),
    "catalogue_unknown": ("指标目录中没有“{value}”", "the indicator catalogue has no entry “{value}”"),
    "computation_missing": ("计算方式为 computed 时须写明 computation(如 entities.hte_count)",
                            "a computed measure needs a computation (e.g. entities.hte_count)"),
    "computation_unknown": ("计算口径“{value}”未登记;已登记:{allowed}",
                            "the computation “{value}” is not registered; registered: {allowed}"),
    "target_value_missing": ("目标既没有目标值,规则“{rule}”也推不出目标值",
                             "the target has no value and its rule “{rule}” does not give one"),
    "rule_value_missing": ("规则“{rule}”须写明数值(value)", "the rule “{rule}” needs a value"),
    "baseline_required": ("规则“{rule}”未写基期年份(baseline.year),评价时取规划期前最后一年的数据",
                          "the rule “{rule}” has no baseline year; evaluation takes the last value before the period"),
    "comparator_direction": ("比较符“{comparator}”与方向“{direction}”矛盾",
                             "the comparator “{comparator}” contradicts the direction “{direction}”"),
    "band_incomplete": ("区间目标须写明下限 value 与上限 upper,且下限不大于上限",
                        "a band target needs a lower value and an upper bound, lower ≤ upper"),
    "link_unknown": ("关联指标“{value}”不在本规划中", "the linked indicator “{value}” is not in this plan"),
    "chapter_unknown": ("章节“{value}”未在 chapters 中定义", "the chapter “{value}” is not defined under chapters"),
    "decomposition_inconsistent": ("分解目标与总目标不一致:{detail}",
                                   "the decomposed targets do not add up to the whole: {detail}"),
    "empty_units": ("责任单位列表为空", "the list of responsible units is empty"),
}

TYPE_NAMES = {  # expected type → (Chinese, English)
    "str": ("文字", "text"), "int": ("整数", "a whole number"), "number": ("数字", "a number"),
    "list": ("列表", "a list"), "map": ("映射(键: 值)", "a mapping (key: value)"),
    "date": ("日期 YYYY-MM-DD", "a date YYYY-MM-DD"), "year": ("年份(四位数)", "a year (four digits)"),
    "bool": ("true/false", "true/false"),
}


@dataclass(frozen=True)
class PlanIssue:
    """One problem in a plan file: where, which error code, and the message in both languages."""

    code: str
    file: str
    line: int
    column: int = 0
    severity: str = "error"  # error | warning
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message_zh(self) -> str:
        return MESSAGES[self.code][0].format(**_fill(self.params))

    @property
    def message_en(self) -> str:
        return MESSAGES[self.code][1].format(**_fill(self.params))

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "code": self.code,
                "severity": self.severity, "message_zh": self.message_zh, "message_en": self.message_en}

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.code}] {self.message_zh} / {self.message_en}"


def _fill(params: Mapping[str, Any]) -> dict[str, Any]:
    class _Default(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "?"

    return _Default(params)


class PlansInvalid(Exception):
    """Raised by :meth:`PlanSet.raise_for_errors` when any file has an error."""

    def __init__(self, issues: Sequence[PlanIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


# --- org units --------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownUnit:
    """One org unit the platform knows: code, name, parent code, kind, aliases."""

    code: str
    name: str
    parent: str | None = None
    kind: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitRef:
    """A responsible unit as the plan writes it, and the org unit(s) it resolves to.

    ``status``: ``resolved`` (one unit, or a collective such as 各旗县区 → every county of
    the city), ``unknown``, ``ambiguous``, or ``unplaced`` (the plan names no city).
    """

    name: str
    codes: tuple[str, ...] = ()
    status: str = "unknown"
    collective: bool = False

    @property
    def code(self) -> str | None:
        return self.codes[0] if len(self.codes) == 1 and not self.collective else None


class UnitDirectory:
    """The org units a plan's responsible units are checked against.

    Resolution of a name under a city (the plan's ``city``): a unit code as is; else the
    name, then an alias, among the city and the units below it, then among the city's
    ancestors (a city plan may name a regional body); also with the leading 市 dropped or
    added and with the city's name in front (seed 001 writes 市 only before the first unit
    of a list). 各旗县区 and the like resolve to every county-level unit of the city.
    """

    def __init__(self, units: Iterable[KnownUnit]):
        self.units: dict[str, KnownUnit] = {}
        for unit in units:
            self.units[unit.code] = unit
        self.children: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.parent:
                self.children.setdefault(unit.parent, []).append(unit.code)

    @classmethod
    def from_names(cls, names: Iterable[str]) -> UnitDirectory:
        """A flat directory from bare names or codes (no hierarchy): every name resolves
        to itself wherever the plan is. For quick checks and tests."""
        return cls(KnownUnit(n, n) for n in names)

    @classmethod
    def from_reference_files(cls, divisions_csv: str | Path, seed_units_yaml: str | Path) -> UnitDirectory:
        """Read the platform's shipped reference units (the division CSV and the YAML
        of bodies the seeds name) — the same files ``accounts`` loads into ``OrgUnit``."""
        import csv

        rows: dict[str, KnownUnit] = {}
        with open(divisions_csv, encoding="utf-8") as handle:
            for line in csv.DictReader(handle):
                rows[line["code"]] = KnownUnit(line["code"], line["name"], line["parent_code"] or None, line["kind"])
        data = yaml.safe_load(Path(seed_units_yaml).read_text(encoding="utf-8")) or {}
        for entry in data.get("aliases", []):
            code = str(entry["code"])
            if code in rows:
                unit = rows[code]
                rows[code] = KnownUnit(unit.code, unit.name, unit.parent, unit.kind,
                                       unit.aliases + tuple(entry.get("aliases", [])))
        for entry in data.get("units", []):
            code = str(entry["code"])
            rows[code] = KnownUnit(code, entry["name"], str(entry["parent"]), entry.get("kind", ""),
                                   tuple(entry.get("aliases", [])))
        return cls(rows.values())

    def __contains__(self, code: str) -> bool:
        return code in self.units

    def name_of(self, code: str) -> str:
        return self.units[code].name if code in self.units else code

    def subtree(self, code: str) -> list[str]:
        out, stack = [], [code]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(self.children.get(current, []))
        return out

    def ancestors(self, code: str) -> list[str]:
        out: list[str] = []
        current = self.units.get(code)
        while current is not None and current.parent and current.parent not in out:
            out.append(current.parent)
            current = self.units.get(current.parent)
        return out

    def _match(self, name: str, scope: Iterable[str]) -> list[str]:
        scope = list(scope)
        exact = [c for c in scope if c in self.units and self.units[c].name == name]
        if exact:
            return exact
        return [c for c in scope if c in self.units and name in self.units[c].aliases]

    def resolve(self, name: str, *, city: str | None) -> UnitRef:
        name = name.strip()
        if name in self.units and (UNIT_CODE.match(name) or self.units[name].name == name):
            return UnitRef(name, (name,), "resolved")
        if city is None:
            return UnitRef(name, (), "unplaced")
        if name in COLLECTIVES:
            kind = COLLECTIVES[name]
            codes = tuple(sorted(c for c in self.children.get(city, []) if self.units[c].kind == kind))
            return UnitRef(name, codes, "resolved" if codes else "unknown", collective=True)
        city_name = self.units[city].name if city in self.units else ""
        variants = [name]
        if name.startswith("市"):
            variants.append(name[1:])
        else:
            variants.append("市" + name)
        if city_name and not name.startswith(city_name):
            variants.append(city_name + name.removeprefix("市"))
        for scope in (self.subtree(city), self.ancestors(city)):
            for variant in variants:
                found = self._match(variant, scope)
                if len(found) == 1:
                    return UnitRef(name, (found[0],), "resolved")
                if len(found) > 1:
                    return UnitRef(name, tuple(sorted(found)), "ambiguous")
        return UnitRef(name, (), "unknown")


# --- the plan model ---------------------------------------------------------------------


@dataclass
class Baseline:
    """基期: the year and the value as the source gives them (either may be empty)."""

    year: int | None = None
    value: float | None = None
    quote: str | None = None
    note: str | None = None


@dataclass
class Part:
    """One unit's share of a decomposed target (分解下达)."""

    unit: str
    value: float
    line: int = 0
    unit_ref: UnitRef | None = None


@dataclass
class Target:
    """目标: a year and a value, a rule, or both (see ``RULES``)."""

    year: int
    value: float | None = None
    comparator: str = ">="
    rule: str | None = None
    upper: float | None = None  # the upper bound of a band (区间) target
    basis: str | None = None  # annual_growth: average (年均) or each_year (每年)
    since: int | None = None  # cumulative: the first year counted (default: the period start)
    wording: str | None = None  # 力争 / 确保 / … as written
    quote: str | None = None
    reading: str | None = None
    note: str | None = None
    parts: list[Part] = field(default_factory=list)
    line: int = 0


@dataclass
class Measure:
    """How a value is obtained: reported by units, or computed from the registries."""

    method: str = "reported"
    computation: str | None = None
    frequency: str = "year"
    basis: str | None = None  # for quarterly reports: ytd (1–n季度累计) or quarter (当季)
    temporal: str = "stock"
    aggregation: str = "sum"
    reporters: tuple[str, ...] = ()
    note: str | None = None


@dataclass
class CatalogueEntry:
    """One indicator that several plans measure: reported once, under this code."""

    code: str
    name: str
    unit: str
    direction: str = "higher"
    value_type: str = "level"
    measure: Measure = field(default_factory=Measure)
    definition: str | None = None
    note: str | None = None
    line: int = 0


@dataclass
class Catalogue:
    entries: dict[str, CatalogueEntry] = field(default_factory=dict)
    file: str = CATALOGUE_FILE

    def get(self, code: str | None) -> CatalogueEntry | None:
        return self.entries.get(code) if code else None


@dataclass
class Indicator:
    """指标: one quantitative target line of a plan, quoted from the source."""

    code: str
    name: str
    unit: str
    direction: str = "higher"
    comparator: str = ">="
    kind: str = "expected"
    value_type: str = "level"
    path: str | None = None  # linear | geometric; None = chosen from the unit
    catalogue: str | None = None
    chapter: str | None = None
    lead_unit: str | None = None
    units: list[str] = field(default_factory=list)
    baseline: Baseline = field(default_factory=Baseline)
    targets: list[Target] = field(default_factory=list)
    measure: Measure = field(default_factory=Measure)
    quote: str = ""
    reading: str | None = None
    also_quoted: list[dict[str, str]] = field(default_factory=list)
    note: str | None = None
    line: int = 0
    plan_code: str = ""
    reported_unit: str | None = None  # the catalogue entry's unit, when values come in it

    @property
    def series(self) -> str:
        """The key under which values are reported: the catalogue code when the indicator
        points to the catalogue (one value for every plan), else ``<plan>/<indicator>``."""
        return self.catalogue or f"{self.plan_code}/{self.code}"

    @property
    def effective_path(self) -> str:
        if self.path:
            return self.path
        dimension = (unit_factor(self.unit) or ("", 1.0))[0]
        return "geometric" if dimension == "money" and self.value_type == "level" else "linear"


@dataclass
class Task:
    """重点任务: number, title, text, responsible units as written (lead first)."""

    number: str
    title: str
    text: str = ""
    reading: str | None = None
    chapter: str | None = None
    units: list[str] = field(default_factory=list)
    units_quote: str | None = None
    deadline: datetime.date | int | None = None
    indicators: list[str] = field(default_factory=list)
    note: str | None = None
    line: int = 0

    @property
    def lead_unit(self) -> str | None:
        """列第一位的为牵头单位: the first unit listed leads."""
        return self.units[0] if self.units else None


@dataclass
class Chapter:
    code: str
    title: str
    number: str | None = None


@dataclass
class Plan:
    """A plan read off one seed document."""

    code: str
    title: str
    source: str
    period_start: int
    period_end: int
    kind: str = "plan"
    status: str = "unknown"
    issuer: str | None = None
    document_number: str | None = None
    city: str | None = None
    owner_unit: str | None = None
    dates: dict[str, datetime.date] = field(default_factory=dict)
    period_note: str | None = None
    source_note: str | None = None
    damage: list[dict[str, str]] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    goals: list[dict[str, str]] = field(default_factory=list)
    file: str = ""
    unit_refs: dict[str, UnitRef] = field(default_factory=dict)

    def indicator(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(code)

    def task(self, number: str) -> Task:
        for task in self.tasks:
            if task.number == number:
                return task
        raise KeyError(number)

    def lead_of(self, indicator: Indicator) -> str | None:
        """The unit answerable for an indicator: its own lead, else the plan's owner."""
        return indicator.lead_unit or self.owner_unit

    def unit_code(self, name: str | None) -> str | None:
        ref = self.unit_refs.get(name or "")
        return ref.code if ref else None


# --- reading YAML with line numbers -----------------------------------------------------


class _Map(dict):  # type: ignore[type-arg]
    line: int = 0
    column: int = 0
    marks: dict[str, tuple[int, int]]


class _Seq(list):  # type: ignore[type-arg]
    line: int = 0
    column: int = 0
    marks: list[tuple[int, int]]


class _Reader:
    """Builds plain Python values from PyYAML nodes, keeping each node's line."""

    def __init__(self, file: str, issues: list[PlanIssue]):
        self.file = file
        self.issues = issues
        self.constructor = yaml.SafeLoader("")

    def issue(self, code: str, line: int, column: int = 0, severity: str = "error", **params: Any) -> None:
        self.issues.append(PlanIssue(code, self.file, line, column, severity, params))

    def parse(self, text: str) -> Any:
        try:
            # libyaml's parser where PyYAML has it: a plan decomposed over 200 units is a
            # 4 000-line file, which the pure-Python parser took seconds to compose
            node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            self.issue("yaml_syntax", line, detail=f"{exc.problem or exc.context}")
            return None
        return None if node is None else self.build(node)

    def build(self, node: yaml.Node) -> Any:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, yaml.MappingNode):
            out = _Map()
            out.line, out.column, out.marks = line, column, {}
            for key_node, value_node in node.value:
                key = self.constructor.construct_object(key_node, deep=True)
                key = str(key)
                kline = key_node.start_mark.line + 1
                if key in out:
                    self.issue("duplicate_key", kline, key_node.start_mark.column + 1, field=key)
                    continue
                out[key] = self.build(value_node)
                out.marks[key] = (kline, key_node.start_mark.column + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            seq = _Seq()
            seq.line, seq.column, seq.marks = line, column, []
            for item in node.value:
                seq.append(self.build(item))
                seq.marks.append((item.start_mark.line + 1, item.start_mark.column + 1))
            return seq
        return self.constructor.construct_object(node, deep=True)


def _line(container: Any, key: str | int | None = None) -> int:
    if key is not None and isinstance(container, _Map) and key in container.marks:
        return container.marks[key][0]
    if key is not None and isinstance(container, _Seq) and isinstance(key, int) and key < len(container.marks):
        return container.marks[key][0]
    return getattr(container, "line", 0)


class _Fields:
    """Typed access to one mapping, recording issues with the field's line."""

    def __init__(self, reader: _Reader, mapping: Any, allowed: Sequence[str], where: str):
        self.r = reader
        self.ok = isinstance(mapping, _Map)
        self.m: _Map = mapping if self.ok else _Map()
        if not self.ok:
            reader.issue("wrong_type", getattr(mapping, "line", 0), field=where, value=_show(mapping),
                         expected_zh=TYPE_NAMES["map"][0], expected_en=TYPE_NAMES["map"][1])
        for key in self.m:
            if key not in allowed:
                reader.issue("unknown_field", _line(self.m, key), field=key, allowed=", ".join(allowed))

    def line(self, key: str | None = None) -> int:
        return _line(self.m, key)

    def has(self, key: str) -> bool:
        return key in self.m and self.m[key] is not None

    def get(self, key: str, kind: str, required: bool = False, default: Any = None) -> Any:
        if key not in self.m or self.m[key] is None:
            if required:
                self.r.issue("required", self.m.line, self.m.column, field=key)
            return default
        value = self.m[key]
        checked = _check_type(value, kind)
        if checked is _BAD:
            self.r.issue("wrong_type", self.line(key), field=key, value=_show(value),
                         expected_zh=TYPE_NAMES[kind][0], expected_en=TYPE_NAMES[kind][1])
            return default
        return checked

    def choice(self, key: str, choices: Sequence[str], default: str | None = None,
               required: bool = False, aliases: Mapping[str, str] | None = None) -> str | None:
        value = self.get(key, "str", required=required)
        if value is None:
            return default
        chosen: str = (aliases or {}).get(value, value)
        if chosen not in choices:
            self.r.issue("bad_choice", self.line(key), field=key, value=chosen, allowed=", ".join(choices))
            return default
        return chosen


_BAD = object()


def _check_type(value: Any, kind: str) -> Any:
    if kind == "str":
        return value if isinstance(value, str) else (str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else _BAD)
    if kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else _BAD
    if kind == "year":
        return value if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2200 else _BAD
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return _BAD
        return value
    if kind == "list":
        return value if isinstance(value, list) else _BAD
    if kind == "map":
        return value if isinstance(value, dict) else _BAD
    if kind == "date":
        return value if isinstance(value, datetime.date) else _BAD
    if kind == "bool":
        return value if isinstance(value, bool) else _BAD
    raise ValueError(kind)


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


# --- reading the catalogue --------------------------------------------------------------

MEASURE_FIELDS = ("method", "computation", "frequency", "basis", "temporal", "aggregation", "reporters", "note")
CATALOGUE_FIELDS = ("code", "name", "unit", "direction", "value_type", "measure", "definition", "note")


def _read_measure(r: _Reader, node: Any, where: str, default: Measure | None = None,
                  computations: set[str] | None = None) -> Measure:
    base = default or Measure()
    f = _Fields(r, node, MEASURE_FIELDS, where)
    measure = Measure(
        method=f.choice("method", MEASURE_METHODS, base.method) or base.method,
        computation=f.get("computation", "str", default=base.computation),
        frequency=f.choice("frequency", FREQUENCIES, base.frequency) or base.frequency,
        basis=f.choice("basis", QUARTER_BASES, base.basis),
        temporal=f.choice("temporal", TEMPORALS, base.temporal) or base.temporal,
        aggregation=f.choice("aggregation", AGGREGATIONS, base.aggregation) or base.aggregation,
        reporters=tuple(f.get("reporters", "list", default=list(base.reporters)) or ()),
        note=f.get("note", "str", default=base.note),
    )
    if measure.method == "computed":
        if not measure.computation:
            r.issue("computation_missing", f.line("method") or f.line())
        elif not COMPUTATION.match(measure.computation) or (
                computations is not None and measure.computation not in computations):
            r.issue("computation_unknown", f.line("computation"), value=measure.computation,
                    allowed=", ".join(sorted(computations or [])) or "—")
    if measure.frequency == "quarter" and measure.basis is None:
        measure.basis = "ytd"
    return measure


def load_catalogue(path: str | Path, *, computations: set[str] | None = None) -> tuple[Catalogue, list[PlanIssue]]:
    """Read ``catalogue.yaml``: the indicators shared by several plans."""
    path = Path(path)
    issues: list[PlanIssue] = []
    r = _Reader(path.name, issues)
    data = r.parse(path.read_text(encoding="utf-8"))
    catalogue = Catalogue(file=path.name)
    if data is None:
        return catalogue, issues
    top = _Fields(r, data, ("format", "indicators"), "catalogue")
    _check_format(r, top)
    first_line: dict[str, int] = {}
    for i, node in enumerate(top.get("indicators", "list", required=True, default=[])):
        f = _Fields(r, node, CATALOGUE_FIELDS, "indicators[]")
        code = f.get("code", "str", required=True)
        if code is None:
            continue
        if not CODE.match(code):
            r.issue("bad_code", f.line("code"), value=code)
        if code in first_line:
            r.issue("duplicate_code", f.line("code"), value=code, first_line=first_line[code])
            continue
        first_line[code] = f.line("code")
        unit = f.get("unit", "str", required=True, default="")
        if unit and unit not in UNITS_OF_MEASURE:
            r.issue("measure_unit_unknown", f.line("unit"), value=unit, allowed=" ".join(UNITS_OF_MEASURE))
        entry = CatalogueEntry(
            code=code, name=f.get("name", "str", required=True, default=""), unit=unit,
            direction=f.choice("direction", DIRECTIONS, "higher") or "higher",
            value_type=f.choice("value_type", VALUE_TYPES, "level") or "level",
            measure=_read_measure(r, f.m["measure"], "measure", computations=computations) if f.has("measure") else Measure(),
            definition=f.get("definition", "str"), note=f.get("note", "str"), line=_line(top.m.get("indicators"), i),
        )
        catalogue.entries[code] = entry
    return catalogue, issues


def _check_format(r: _Reader, top: _Fields) -> None:
    version = top.get("format", "int", required=True)
    if version is not None and version != FORMAT_VERSION:
        r.issue("format_version", top.line("format"), value=version, supported=FORMAT_VERSION)


# --- reading a plan ----------------------------------------------------------------------

PLAN_FIELDS = ("format", "code", "title", "kind", "status", "issuer", "document_number", "city", "owner_unit",
               "dates", "period", "source", "chapters", "indicators", "tasks", "goals")
INDICATOR_FIELDS = ("code", "catalogue", "name", "unit", "direction", "comparator", "kind", "value_type", "path",
                    "chapter", "lead_unit", "units", "baseline", "targets", "measure", "quote", "reading",
                    "also_quoted", "note")
TARGET_FIELDS = ("year", "value", "comparator", "rule", "upper", "basis", "since", "wording", "quote", "reading",
                 "note", "parts")
TASK_FIELDS = ("number", "title", "text", "reading", "chapter", "units", "units_quote", "deadline", "indicators", "note")


def _directory(units: UnitDirectory | Iterable[str] | None) -> UnitDirectory | None:
    if units is None or isinstance(units, UnitDirectory):
        return units
    return UnitDirectory.from_names(units)


def load_plan_file(path: str | Path, *, units: UnitDirectory | Iterable[str] | None = None,
                   catalogue: Catalogue | None = None,
                   computations: set[str] | None = None) -> tuple[Plan | None, list[PlanIssue]]:
    """Read and check one plan file. Returns the plan (None when unreadable) and every
    issue found. ``units``: the org units responsible units are checked against — a
    :class:`UnitDirectory`, or a plain set of names, aliases and codes (None skips the
    check); ``catalogue``: the shared indicators; ``computations``: the named computations
    the platform's modules provide (None skips the check)."""
    path = Path(path)
    units = _directory(units)
    issues: list[PlanIssue] = []
    r = _Reader(path.name, issues)
    data = r.parse(path.read_text(encoding="utf-8"))
    if data is None:
        if not issues:
            r.issue("wrong_type", 1, field="plan", value="", expected_zh=TYPE_NAMES["map"][0],
                    expected_en=TYPE_NAMES["map"][1])
        return None, issues
    top = _Fields(r, data, PLAN_FIELDS, "plan")
    if not top.ok:
        return None, issues
    _check_format(r, top)
    code = top.get("code", "str", required=True, default="")
    if code and not CODE.match(code):
        r.issue("bad_code", top.line("code"), value=code)

    start = end = 0
    period = top.get("period", "map", required=True)
    period_note = None
    if period is not None:
        pf = _Fields(r, period, ("start", "end", "note"), "period")
        start = pf.get("start", "year", required=True, default=0)
        end = pf.get("end", "year", required=True, default=0)
        period_note = pf.get("note", "str")
        if start and end and start > end:
            r.issue("period_invalid", pf.line("start"), start=start, end=end)

    source_file, source_note, damage = "", None, []
    source = top.get("source", "map", required=True)
    if source is not None:
        sf = _Fields(r, source, ("file", "note", "damage"), "source")
        source_file = sf.get("file", "str", required=True, default="")
        if source_file and not SEED_FILE.match(source_file):
            r.issue("source_file", sf.line("file"), value=source_file)
        source_note = sf.get("note", "str")
        for item in sf.get("damage", "list", default=[]):
            df = _Fields(r, item, ("raw", "reading", "note"), "damage[]")
            damage.append({"raw": df.get("raw", "str", required=True, default=""),
                           "reading": df.get("reading", "str", required=True, default=""),
                           "note": df.get("note", "str", default="") or ""})

    dates: dict[str, datetime.date] = {}
    for key in (top.get("dates", "map", default={}) or {}):
        value = top.m["dates"][key]
        if isinstance(value, datetime.date):
            dates[key] = value
        else:
            r.issue("wrong_type", _line(top.m["dates"], key), field=f"dates.{key}", value=_show(value),
                    expected_zh=TYPE_NAMES["date"][0], expected_en=TYPE_NAMES["date"][1])

    city = top.get("city", "str")
    if city is not None and units is not None and city not in units:
        r.issue("city_unknown", top.line("city"), value=city)

    plan = Plan(
        code=code, title=top.get("title", "str", required=True, default=""), source=source_file,
        period_start=start, period_end=end,
        kind=top.choice("kind", PLAN_KINDS, "plan") or "plan",
        status=top.choice("status", PLAN_STATUSES, "unknown") or "unknown",
        issuer=top.get("issuer", "str"), document_number=top.get("document_number", "str"),
        city=city, owner_unit=top.get("owner_unit", "str"), dates=dates, period_note=period_note,
        source_note=source_note, damage=damage, file=path.name,
    )

    chapter_lines: dict[str, int] = {}
    for node in top.get("chapters", "list", default=[]):
        cf = _Fields(r, node, ("code", "number", "title"), "chapters[]")
        ccode = cf.get("code", "str", required=True)
        if ccode is None:
            continue
        if ccode in chapter_lines:
            r.issue("duplicate_code", cf.line("code"), value=ccode, first_line=chapter_lines[ccode])
            continue
        chapter_lines[ccode] = cf.line("code")
        plan.chapters.append(Chapter(ccode, cf.get("title", "str", required=True, default=""), cf.get("number", "str")))

    for item in top.get("goals", "list", default=[]):
        gf = _Fields(r, item, ("quote", "reading", "note"), "goals[]")
        plan.goals.append({"quote": gf.get("quote", "str", required=True, default=""),
                           "reading": gf.get("reading", "str") or "", "note": gf.get("note", "str") or ""})

    indicator_lines: dict[str, int] = {}
    for node in top.get("indicators", "list", default=[]):
        indicator = _read_indicator(r, node, plan, catalogue, computations, chapter_lines)
        if indicator is None:
            continue
        if indicator.code in indicator_lines:
            r.issue("duplicate_code", indicator.line, value=indicator.code, first_line=indicator_lines[indicator.code])
            continue
        indicator_lines[indicator.code] = indicator.line
        plan.indicators.append(indicator)

    task_lines: dict[str, int] = {}
    for node in top.get("tasks", "list", default=[]):
        task = _read_task(r, node, plan, indicator_lines, chapter_lines)
        if task is None:
            continue
        if task.number in task_lines:
            r.issue("duplicate_code", task.line, value=task.number, first_line=task_lines[task.number])
            continue
        task_lines[task.number] = task.line
        plan.tasks.append(task)

    if units is not None:
        _resolve_units(r, plan, units, top)
    return plan, issues


def _read_indicator(r: _Reader, node: Any, plan: Plan, catalogue: Catalogue | None,
                    computations: set[str] | None, chapters: Mapping[str, int]) -> Indicator | None:
    f = _Fields(r, node, INDICATOR_FIELDS, "indicators[]")
    if not f.ok:
        return None
    code = f.get("code", "str", required=True)
    if code is None:
        return None
    if not CODE.match(code):
        r.issue("bad_code", f.line("code"), value=code)
    entry = None
    cat_code = f.get("catalogue", "str")
    if cat_code is not None:
        entry = catalogue.get(cat_code) if catalogue is not None else None
        if entry is None and catalogue is not None:
            r.issue("catalogue_unknown", f.line("catalogue"), value=cat_code)
    unit = f.get("unit", "str", required=True, default="")
    if unit and unit not in UNITS_OF_MEASURE:
        r.issue("measure_unit_unknown", f.line("unit"), value=unit, allowed=" ".join(UNITS_OF_MEASURE))
    elif unit and entry is not None and entry.unit in UNITS_OF_MEASURE and \
            UNITS_OF_MEASURE[unit][0] != UNITS_OF_MEASURE[entry.unit][0]:
        r.issue("measure_unit_mismatch", f.line("unit"), value=unit, catalogue=entry.code, expected=entry.unit)
    direction = f.choice("direction", DIRECTIONS, entry.direction if entry else "higher") or "higher"
    comparator = f.choice("comparator", COMPARATORS, None, aliases=COMPARATOR_WORDS)
    if comparator is None:
        comparator = {"higher": ">=", "lower": "<=", "band": "between"}[direction]
    measure = _read_measure(r, f.m["measure"], "measure", entry.measure if entry else None, computations) \
        if f.has("measure") else (entry.measure if entry else Measure())
    chapter = f.get("chapter", "str")
    if chapter is not None and chapter not in chapters:
        r.issue("chapter_unknown", f.line("chapter"), value=chapter)
    indicator = Indicator(
        code=code, name=f.get("name", "str", required=True, default=""), unit=unit, direction=direction,
        comparator=comparator, kind=f.choice("kind", KINDS, "expected") or "expected",
        value_type=f.choice("value_type", VALUE_TYPES, entry.value_type if entry else "level") or "level",
        path=f.choice("path", PATHS, None), catalogue=cat_code, chapter=chapter,
        lead_unit=f.get("lead_unit", "str"), units=[str(u) for u in f.get("units", "list", default=[])],
        measure=measure, quote=f.get("quote", "str", required=True, default=""), reading=f.get("reading", "str"),
        note=f.get("note", "str"), line=f.line("code"), plan_code=plan.code,
        reported_unit=entry.unit if entry else None,
    )
    _check_comparator(r, f.line("comparator") or indicator.line, comparator, direction)
    for item in f.get("also_quoted", "list", default=[]):
        af = _Fields(r, item, ("quote", "reading", "note"), "also_quoted[]")
        indicator.also_quoted.append({k: v for k in ("quote", "reading", "note")
                                      if (v := af.get(k, "str", required=(k == "quote")))})
    if f.has("baseline"):
        bf = _Fields(r, f.m["baseline"], ("year", "value", "quote", "note"), "baseline")
        indicator.baseline = Baseline(bf.get("year", "year"), _num(bf.get("value", "number")),
                                      bf.get("quote", "str"), bf.get("note", "str"))
        byear = indicator.baseline.year
        if byear is not None and plan.period_end and byear > plan.period_end:
            r.issue("year_outside_period", bf.line("year"), what="基期", what_en="baseline", year=byear,
                    start=plan.period_start, end=plan.period_end)
    targets = f.get("targets", "list", required=True, default=[])
    for tnode in targets:
        target = _read_target(r, tnode, indicator, plan)
        if target is not None:
            indicator.targets.append(target)
    return indicator


def _num(value: Any) -> float | None:
    return None if value is None else float(value) if isinstance(value, float) else value


def _check_comparator(r: _Reader, line: int, comparator: str, direction: str) -> None:
    bad = (direction == "higher" and comparator in ("<=", "<")) or \
          (direction == "lower" and comparator in (">=", ">")) or \
          ((direction == "band") != (comparator == "between"))
    if bad:
        r.issue("comparator_direction", line, comparator=comparator, direction=direction)


def _read_target(r: _Reader, node: Any, indicator: Indicator, plan: Plan) -> Target | None:
    f = _Fields(r, node, TARGET_FIELDS, "targets[]")
    if not f.ok:
        return None
    year = f.get("year", "year", required=True)
    if year is None:
        return None
    comparator = f.choice("comparator", COMPARATORS, indicator.comparator, aliases=COMPARATOR_WORDS) or indicator.comparator
    if f.has("comparator"):
        _check_comparator(r, f.line("comparator"), comparator, indicator.direction)
    target = Target(
        year=year, value=_num(f.get("value", "number")), comparator=comparator,
        rule=f.choice("rule", RULES, None), upper=_num(f.get("upper", "number")),
        basis=f.choice("basis", GROWTH_BASES, None), since=f.get("since", "year"),
        wording=f.get("wording", "str"), quote=f.get("quote", "str"), reading=f.get("reading", "str"),
        note=f.get("note", "str"), line=f.line("year"),
    )
    if plan.period_start and plan.period_end and not plan.period_start <= year <= plan.period_end:
        r.issue("year_outside_period", f.line("year"), what="目标", what_en="target", year=year,
                start=plan.period_start, end=plan.period_end)
    byear = indicator.baseline.year
    if byear is not None and byear >= year:
        r.issue("baseline_after_target", f.line("year"), baseline=byear, year=year)
    rule = target.rule
    if rule in ("double_baseline", "increase_by") and byear is None:
        r.issue("baseline_required", f.line("rule"), severity="warning", rule=rule)
    if rule in ("annual_growth", "increase_by") and target.value is None:
        r.issue("rule_value_missing", f.line("rule"), rule=rule)
    if target.value is None and rule not in ("double_baseline", "increase_yearly", "annual_growth", "increase_by"):
        r.issue("target_value_missing", target.line, rule=rule or "—")
    if rule == "annual_growth" and target.basis is None:
        target.basis = "average"
    if rule == "cumulative" and target.since is None:
        target.since = plan.period_start or None
    if comparator == "between" and (target.value is None or target.upper is None or target.upper < target.value):
        r.issue("band_incomplete", target.line)
    for pnode in f.get("parts", "list", default=[]):
        pf = _Fields(r, pnode, ("unit", "value"), "parts[]")
        unit = pf.get("unit", "str", required=True)
        value = pf.get("value", "number", required=True)
        if unit is not None and value is not None:
            target.parts.append(Part(unit, float(value), pf.line("unit")))
    if target.parts and target.value is not None and rule in (None, "cumulative"):
        from kechuang.engine.indicators.decompose import check_decomposition

        result = check_decomposition(target.value, [p.value for p in target.parts],
                                     aggregation=indicator.measure.aggregation, direction=indicator.direction)
        if result["consistent"] is False:
            r.issue("decomposition_inconsistent", f.line("parts"), detail=result["explanation"]["text"])
    return target


def _read_task(r: _Reader, node: Any, plan: Plan, indicators: Mapping[str, int],
               chapters: Mapping[str, int]) -> Task | None:
    f = _Fields(r, node, TASK_FIELDS, "tasks[]")
    if not f.ok:
        return None
    number = f.get("number", "str", required=True)
    if number is None:
        return None
    chapter = f.get("chapter", "str")
    if chapter is not None and chapter not in chapters:
        r.issue("chapter_unknown", f.line("chapter"), value=chapter)
    deadline = f.m.get("deadline")
    if deadline is not None and not isinstance(deadline, datetime.date) and _check_type(deadline, "year") is _BAD:
        r.issue("wrong_type", f.line("deadline"), field="deadline", value=_show(deadline),
                expected_zh=TYPE_NAMES["date"][0], expected_en=TYPE_NAMES["date"][1])
        deadline = None
    dyear = deadline.year if isinstance(deadline, datetime.date) else deadline
    if dyear is not None and plan.period_start and not plan.period_start <= dyear <= plan.period_end:
        r.issue("year_outside_period", f.line("deadline"), what="任务期限", what_en="task deadline", year=dyear,
                start=plan.period_start, end=plan.period_end)
    task = Task(
        number=number, title=f.get("title", "str", required=True, default=""), text=f.get("text", "str", default="") or "",
        reading=f.get("reading", "str"), chapter=chapter, units=[str(u) for u in f.get("units", "list", default=[])],
        units_quote=f.get("units_quote", "str"), deadline=deadline,
        indicators=[str(c) for c in f.get("indicators", "list", default=[])], note=f.get("note", "str"),
        line=f.line("number"),
    )
    if f.has("units") and not task.units:
        r.issue("empty_units", f.line("units"))
    for k, code in enumerate(task.indicators):
        if code not in indicators:
            r.issue("link_unknown", _line(f.m.get("indicators"), k), value=code)
    return task


def _resolve_units(r: _Reader, plan: Plan, units: UnitDirectory, top: _Fields) -> None:
    """Resolve every responsible unit the plan names; report those that match nothing."""
    names: list[tuple[str, int]] = []
    if plan.owner_unit:
        names.append((plan.owner_unit, top.line("owner_unit")))
    indicators = top.m.get("indicators") or []
    for indicator in plan.indicators:
        node = next((n for n in indicators if isinstance(n, _Map) and n.get("code") == indicator.code), None)
        for name in ([indicator.lead_unit] if indicator.lead_unit else []) + indicator.units + list(indicator.measure.reporters):
            names.append((name, _line(node, "lead_unit") if node is not None else indicator.line))
        for target in indicator.targets:
            for part in target.parts:
                names.append((part.unit, part.line))
    tasks = top.m.get("tasks") or []
    for task in plan.tasks:
        node = next((n for n in tasks if isinstance(n, _Map) and str(n.get("number")) == task.number), None)
        for name in task.units:
            names.append((name, _line(node, "units") if node is not None else task.line))
    city_label = f"{units.name_of(plan.city)}({plan.city})" if plan.city else "—"
    for name, line in names:
        if name in plan.unit_refs:
            continue
        ref = units.resolve(name, city=plan.city)
        plan.unit_refs[name] = ref
        if ref.status == "unknown":
            r.issue("org_unit_unknown", line, value=name, city=city_label)
        elif ref.status == "ambiguous":
            r.issue("org_unit_ambiguous", line, value=name, city=city_label, codes=", ".join(ref.codes))
        elif ref.status == "unplaced":
            r.issue("org_unit_unplaced", line, severity="warning", value=name)
    for indicator in plan.indicators:
        for target in indicator.targets:
            for part in target.parts:
                part.unit_ref = plan.unit_refs.get(part.unit)


# --- a directory of plans ---------------------------------------------------------------


@dataclass
class PlanSet:
    """Every plan of a directory, the catalogue, and every issue found."""

    plans: list[Plan]
    catalogue: Catalogue
    issues: list[PlanIssue]

    @property
    def errors(self) -> list[PlanIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[PlanIssue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> PlanSet:
        if self.errors:
            raise PlansInvalid(self.errors)
        return self

    def plan(self, code: str) -> Plan:
        for plan in self.plans:
            if plan.code == code:
                return plan
        raise KeyError(code)

    def by_source(self, source: str) -> Plan:
        for plan in self.plans:
            if plan.source == source:
                return plan
        raise KeyError(source)

    def unresolved_units(self) -> list[tuple[str, str, str]]:
        """(plan code, unit name as written, status) for every unit that matched no org unit."""
        return [(p.code, ref.name, ref.status) for p in self.plans for ref in p.unit_refs.values()
                if ref.status != "resolved"]

    def __iter__(self) -> Iterator[Plan]:
        return iter(self.plans)


def load_plans(directory: str | Path, *, units: UnitDirectory | Iterable[str] | None = None,
               computations: set[str] | None = None) -> PlanSet:
    """Read ``catalogue.yaml`` and every other ``*.yaml`` of a directory.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "bad.yaml").write_text("format: 1\\ncode: Bad Code\\n", encoding="utf-8")
    >>> [(i.file, i.line, i.code) for i in load_plans(folder).errors][:2]
    [('bad.yaml', 2, 'bad_code'), ('bad.yaml', 1, 'required')]
    """
    directory = Path(directory)
    units = _directory(units)
    issues: list[PlanIssue] = []
    catalogue = Catalogue()
    if (directory / CATALOGUE_FILE).exists():
        catalogue, found = load_catalogue(directory / CATALOGUE_FILE, computations=computations)
        issues += found
    plans: list[Plan] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == CATALOGUE_FILE:
            continue
        plan, found = load_plan_file(path, units=units, catalogue=catalogue, computations=computations)
        issues += found
        if plan is None:
            continue
        if plan.code and plan.code in seen:
            issues.append(PlanIssue("duplicate_plan", path.name, 1, 0, "error", {"value": plan.code, "other": seen[plan.code]}))
            continue
        seen[plan.code] = path.name
        plans.append(plan)
    return PlanSet(plans, catalogue, issues)


# --- the JSON shape (§5) ----------------------------------------------------------------


def _json_number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def export_plans(plans: Iterable[Plan]) -> list[dict[str, Any]]:
    """The plans as plain JSON-able dicts, values as written in the source, in its unit.

    A rule target carries ``rule`` (double_baseline, increase_yearly, cumulative,
    annual_growth, increase_by) instead of or beside ``value``; a band target carries
    ``upper``; ``units`` lists every responsible unit as written, the lead first.
    """
    out = []
    for plan in plans:
        indicators = []
        for ind in plan.indicators:
            targets = []
            for t in ind.targets:
                item: dict[str, Any] = {"year": t.year}
                if t.value is not None:
                    item["value"] = _json_number(t.value)
                if t.upper is not None:
                    item["upper"] = _json_number(t.upper)
                item["comparator"] = t.comparator
                if t.rule:
                    item["rule"] = t.rule
                targets.append(item)
            indicators.append({
                "code": ind.code, "name": ind.name, "unit": ind.unit,
                "baseline": {"year": ind.baseline.year, "value": _json_number(ind.baseline.value)},
                "targets": targets,
            })
        tasks = [{"number": t.number, "title": t.title, "lead_unit": t.lead_unit, "units": list(t.units)}
                 for t in plan.tasks]
        out.append({"code": plan.code, "title": plan.title, "source": plan.source,
                    "period": {"start": plan.period_start, "end": plan.period_end},
                    "indicators": indicators, "tasks": tasks})
    return out
