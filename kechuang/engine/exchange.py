"""The entity exchange table: its columns as data, reading, and column-wise validation.

One table carries yearly entity facts in and out of the platform (design:
``ENTITY_COLUMNS.md``): one row per entity per fiscal year, with the entity's own columns
repeated on each of its rows. The reader accepts CSV (UTF-8, or GB 18030 as Excel saves
it), JSON, Parquet and .xlsx (read with python-calamine), with English keys or Chinese
headers, and the two-sheet .xlsx shape (an entity sheet and a yearly sheet joined by
``uscc``).

Validation is column-wise over the whole file and all or nothing: :func:`read_exchange`
either returns an :class:`ExchangeTable` or raises :class:`ExchangeRejected` listing every
problem (up to ``max_errors``) with its sheet, row (1-based as a spreadsheet shows it, the
header is row 1), column (the Chinese header) and a reason in Chinese (``message``) and in
English (``message_en``), both from templates keyed by an error code (:data:`MESSAGES`).

Canonical values in :attr:`ExchangeTable.data` (a Polars ``DataFrame``, one column per
:data:`COLUMNS` entry, in that order):

* money is exact: ``Int64`` **fen** (分, 1/100 yuan), never a float;
* staff counts (annual averages with up to two decimals) are ``Int64`` hundredths;
* dates are ``Date``; booleans ``Boolean``; codes and names ``String``;
* a blank cell is null (*unknown*), except where the column says what blank means
  (``non_taxable_income`` blank = 0).

>>> import polars as pl
>>> table = exchange_from_rows([
...     {"统一社会信用代码": "91350200776049653A", "会计年度": 2024, "销售收入": "1234.5",
...      "职工总数": "30.10", "科技人员数": 3.01, "是否规模以上企业": "是"}])
>>> row = table.data.row(0, named=True)
>>> row["sales_revenue"], row["employees"], row["tech_staff"], row["is_above_scale"]
(123450, 3010, 301, True)
>>> try:
...     exchange_from_rows([{"uscc": "91350200776049653B", "year": 2024}])
... except ExchangeRejected as e:
...     print(e.errors[0].as_dict()["message"])
统一社会信用代码校验位不正确（应为 A）
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from kechuang.engine.codes import USCC_CHARSET, uscc_check_char, uscc_valid_mask

__all__ = [
    "COLUMNS",
    "COLUMN_BY_KEY",
    "ENTITY_KEYS",
    "MESSAGES",
    "TECH_FIELDS",
    "YEARLY_KEYS",
    "ColumnSpec",
    "EntityGroups",
    "ExchangeError",
    "ExchangeRejected",
    "ExchangeTable",
    "exchange_from_frame",
    "exchange_from_rows",
    "group_rows_by_entity",
    "read_exchange",
]

# The eight 国家重点支持的高新技术领域 (国科发火〔2016〕32号 附件; rules.md §1.1 condition 三)
TECH_FIELDS = ("电子信息", "生物与新医药", "航空航天", "新材料",
               "高技术服务", "新能源与节能", "资源与环境", "先进制造与自动化")

# Upper bounds that keep every exact comparison inside int64 (sums of three years times
# 100): 10^13 yuan (10 万亿元) per amount, 10^7 persons, 10^6 IP items or conversions.
MAX_YUAN = 10**13
MAX_STAFF = 10**7
MAX_COUNT = 10**6

# Booleans as written in a file (ENTITY_COLUMNS.md: true/false, 1/0, 是/否; Excel's TRUE/FALSE)
TRUE_TEXTS = ["true", "True", "TRUE", "1", "是"]
FALSE_TEXTS = ["false", "False", "FALSE", "0", "否"]

# GB/T 4754-2017 sections and their two-digit divisions (门类 → 大类 range)
INDUSTRY_SECTIONS = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}


# --------------------------------------------------------------------------- column specs
@dataclass(frozen=True)
class ColumnSpec:
    """One column of the exchange table.

    ``kind`` decides parsing and the canonical type: ``uscc``, ``text``, ``division``,
    ``industry``, ``choice`` (``choices``, with ``aliases`` mapping other spellings),
    ``date``, ``year``, ``count`` (non-negative integer), ``points`` (integer
    0…``maximum``), ``staff`` (hundredths), ``money`` (fen, non-negative),
    ``signed_money`` (fen), ``bool``. ``level`` is ``entity`` (the entity's own column,
    equal on all its rows) or ``year``. ``blank`` says what an empty cell means.
    """

    key: str
    header: str
    kind: str
    level: str
    blank: str = "unknown"
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    maximum: int | None = None
    note: str = ""

    @property
    def dtype(self) -> pl.DataType:
        return _DTYPES[self.kind]


_DTYPES: dict[str, pl.DataType] = {
    "uscc": pl.String(), "text": pl.String(), "division": pl.String(),
    "industry": pl.String(), "choice": pl.String(), "date": pl.Date(), "year": pl.Int64(),
    "count": pl.Int64(), "points": pl.Int64(), "staff": pl.Int64(), "money": pl.Int64(),
    "signed_money": pl.Int64(), "bool": pl.Boolean(),
}

_GRADES_AE = ("A", "B", "C", "D", "E")
_PROVINCIAL = {"省级": "自治区级", "省部级": "自治区级"}

# ENTITY_COLUMNS.md, in its order; then the expert-judged inputs of the high-tech score;
# then the platform's own optional additions (PLATFORM_KEYS).
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("uscc", "统一社会信用代码", "uscc", "entity", "required",
               note="key; check character per GB 32100-2015"),
    ColumnSpec("name", "单位名称", "text", "entity"),
    ColumnSpec("division_code", "行政区划代码", "division", "entity",
               note="a division code (GB/T 2260) or one of the platform's own unit codes"),
    ColumnSpec("registered_on", "成立日期", "date", "entity"),
    ColumnSpec("industry_code", "国民经济行业代码", "industry", "entity",
               note="GB/T 4754-2017 code with its section letter, e.g. C2651"),
    ColumnSpec("tech_field", "技术领域", "choice", "entity", "none", choices=TECH_FIELDS,
               note="one of the eight 国家重点支持的高新技术领域; blank = none"),
    ColumnSpec("year", "会计年度", "year", "year", "required",
               note="the fiscal year the row describes"),
    ColumnSpec("employees", "职工总数", "staff", "year",
               note="annual average of monthly averages (指引 统计方法)"),
    ColumnSpec("tech_staff", "科技人员数", "staff", "year", note="same method"),
    ColumnSpec("sales_revenue", "销售收入", "money", "year", note="主营业务收入 + 其他业务收入"),
    ColumnSpec("total_income", "收入总额", "money", "year"),
    ColumnSpec("non_taxable_income", "不征税收入", "money", "year", "zero", note="blank = 0"),
    ColumnSpec("high_tech_income", "高新技术产品（服务）收入", "money", "year"),
    ColumnSpec("rd_expense", "研究开发费用总额", "money", "year"),
    ColumnSpec("rd_expense_domestic", "其中：境内研究开发费用", "money", "year",
               note="≤ rd_expense"),
    ColumnSpec("total_cost_expense", "成本费用支出总额", "money", "year"),
    ColumnSpec("net_assets", "年末净资产", "signed_money", "year", note="may be zero or negative"),
    ColumnSpec("total_assets", "资产总额", "money", "year"),
    ColumnSpec("ip_class1", "Ⅰ类知识产权数", "count", "year", note="valid at year end"),
    ColumnSpec("ip_class2", "Ⅱ类知识产权数", "count", "year",
               note="valid at year end, not yet used for a certification"),
    ColumnSpec("conversions", "科技成果转化数", "count", "year", note="in the year"),
    ColumnSpec("has_rd_institution", "是否设立研发机构", "bool", "year"),
    ColumnSpec("rd_institution_level", "研发机构级别", "choice", "year", "none",
               choices=("国家级", "自治区级", "市级", "企业自建"), aliases=_PROVINCIAL,
               note="blank = none; 省级/省部级 are read as 自治区级 (provincial)"),
    ColumnSpec("is_above_scale", "是否规模以上企业", "bool", "year"),
    ColumnSpec("is_industrial", "是否工业企业", "bool", "year"),
    ColumnSpec("major_incident", "是否发生重大安全、重大质量事故或严重环境违法行为", "bool", "year",
               note="in that year"),
    ColumnSpec("hte_certified_on", "高新技术企业证书发证日期", "date", "entity", "never",
               note="latest certificate; blank = never certified"),
    ColumnSpec("tsme_registered_year", "科技型中小企业入库年度", "year", "entity", "none",
               note="blank = not registered"),
    ColumnSpec("listed", "是否上市", "bool", "entity"),
    # Expert-judged inputs of the innovation score (指引 195号 创新能力评价); blank = not yet judged
    ColumnSpec("ip_advancement_grade", "知识产权技术的先进程度（档次）", "choice", "entity",
               choices=_GRADES_AE, note="A–E"),
    ColumnSpec("ip_core_support_grade", "知识产权对主要产品的核心支持作用（档次）", "choice", "entity",
               choices=_GRADES_AE, note="A–E"),
    ColumnSpec("ip_acquisition", "知识产权获得方式", "choice", "entity", choices=("own", "transfer"),
               aliases={"自主研发": "own", "有自主研发": "own", "受让": "transfer", "受赠": "transfer",
                        "并购": "transfer", "仅有受让、受赠和并购等": "transfer"},
               note="own (有自主研发) or transfer (仅有受让、受赠和并购等)"),
    ColumnSpec("standards_grade", "参与编制标准（档次）", "choice", "entity", choices=("A", "B"),
               note="A 是 / B 否"),
    ColumnSpec("mgmt_rd_system", "研发组织管理制度得分", "points", "entity", maximum=6),
    ColumnSpec("mgmt_rd_institution", "研发机构与产学研合作得分", "points", "entity", maximum=6),
    ColumnSpec("mgmt_conversion_system", "成果转化组织实施与激励制度得分", "points", "entity", maximum=4),
    ColumnSpec("mgmt_talent_system", "人才培养与激励制度得分", "points", "entity", maximum=4),
    # The platform's additions (not in ENTITY_COLUMNS.md; optional, a file without them
    # reads as "none known"): the facts of the tech-SME direct-confirmation routes 2 and 4
    # (国科发政〔2017〕115号 第七条 as given by the 管理中心's FAQ, rules.md §2.5).
    ColumnSpec("national_award_top3_year", "获国家级科技奖励（获奖单位前三名）年度", "year", "entity", "none",
               note="platform addition: year of the latest national S&T award on which the entity was among "
                    "the first three award units; blank = none known"),
    ColumnSpec("led_standard_year", "主导制定国际、国家或行业标准年度", "year", "entity", "none",
               note="platform addition: year of the latest international, national or industry standard the "
                    "entity led; blank = none known"),
)
COLUMN_BY_KEY: dict[str, ColumnSpec] = {c.key: c for c in COLUMNS}
ENTITY_KEYS = tuple(c.key for c in COLUMNS if c.level == "entity")
PLATFORM_KEYS = ("national_award_top3_year", "led_standard_year")   # not in ENTITY_COLUMNS.md
YEARLY_KEYS = tuple(c.key for c in COLUMNS if c.level == "year")


def _norm_header(text: object) -> str:
    s = re.sub(r"\s+", "", str(text)).lstrip("\ufeff")
    return s.translate(str.maketrans("（）：，", "():,")).lower()


_HEADER_TO_KEY = {_norm_header(c.key): c.key for c in COLUMNS} | {
    _norm_header(c.header): c.key for c in COLUMNS}


# --------------------------------------------------------------------------- errors
# Reason templates by error code: (Chinese, English). Fields: {value}, {expected},
# {other}, {row}, {limit}.
MESSAGES: dict[str, tuple[str, str]] = {
    "unreadable": ("无法读取文件：{value}", "the file cannot be read: {value}"),
    "no_data": ("文件中没有包含“统一社会信用代码”列的数据表",
                "no sheet in the file has a 统一社会信用代码 (uscc) column"),
    "sheet_layout": ("无法识别工作表结构：{value}", "the sheet layout is not recognised: {value}"),
    "missing_column": ("缺少必填列", "a required column is missing"),
    "duplicate_column": ("列重复出现（{value}）", "the column appears more than once ({value})"),
    "required": ("必填项为空", "a required cell is blank"),
    "uscc_format": ("统一社会信用代码格式不正确：应为18位数字或大写字母（不含I、O、S、V、Z）",
                    "not a credit code: 18 digits or capital letters without I, O, S, V, Z"),
    "uscc_check": ("统一社会信用代码校验位不正确（应为 {expected}）",
                   "the credit code's check character is wrong (expected {expected})"),
    "division_unknown": ("行政区划代码“{value}”不存在", "division code “{value}” does not exist"),
    "industry_invalid": ("“{value}”不是有效的国民经济行业代码（门类字母加2至4位数字，如 C2651）",
                         "“{value}” is not a GB/T 4754-2017 code (section letter and 2–4 digits, e.g. C2651)"),
    "choice_invalid": ("“{value}”不是可选值之一：{expected}", "“{value}” is not one of: {expected}"),
    "date_invalid": ("“{value}”不是有效日期（格式 YYYY-MM-DD）", "“{value}” is not a date (YYYY-MM-DD)"),
    "year_invalid": ("“{value}”不是有效年度（四位数字）", "“{value}” is not a year (four digits)"),
    "not_a_number": ("“{value}”不是数字", "“{value}” is not a number"),
    "not_an_integer": ("“{value}”不是整数", "“{value}” is not a whole number"),
    "too_many_decimals": ("“{value}”最多保留两位小数", "“{value}” has more than two decimals"),
    "negative": ("“{value}”不能为负数", "“{value}” must not be negative"),
    "too_large": ("“{value}”超出合理范围（不超过 {limit}）", "“{value}” is out of range (at most {limit})"),
    "bool_invalid": ("“{value}”应为 是/否、true/false 或 1/0", "“{value}” must be 是/否, true/false or 1/0"),
    "tech_staff_exceeds_employees": ("科技人员数 {value} 大于职工总数 {other}",
                                     "tech staff {value} exceed employees {other}"),
    "domestic_exceeds_rd": ("境内研究开发费用 {value} 大于研究开发费用总额 {other}",
                            "domestic R&D expense {value} exceeds total R&D expense {other}"),
    "high_tech_exceeds_income": ("高新技术产品（服务）收入 {value} 大于收入总额 {other}",
                                 "high-tech income {value} exceeds total income {other}"),
    "duplicate_row": ("同一单位同一会计年度重复（与第 {row} 行重复）",
                      "the same entity and fiscal year appear twice (see row {row})"),
    "entity_mismatch": ("与该单位第 {row} 行的值“{other}”不一致", "differs from “{other}” on the entity's row {row}"),
    "entity_sheet_mismatch": ("与单位信息表“{sheet}”第 {row} 行的值“{other}”不一致",
                              "differs from “{other}” on row {row} of the entity sheet “{sheet}”"),
    "duplicate_entity": ("单位信息表中重复（与第 {row} 行重复）", "the entity appears twice on the entity sheet (see row {row})"),
    "unknown_entity": ("单位信息表中没有该统一社会信用代码", "the credit code is not on the entity sheet"),
    "more_errors": ("另有 {value} 处错误未列出", "{value} more errors not listed"),
}


@dataclass(frozen=True)
class ExchangeError:
    """One problem in an exchange file. ``row`` is 1-based as a spreadsheet shows it
    (the header is row 1); ``None`` for a problem of the whole file or sheet."""

    sheet: str
    row: int | None
    column: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code][0].format_map(_Params(self.params))

    @property
    def message_en(self) -> str:
        return MESSAGES[self.code][1].format_map(_Params(self.params))

    def as_dict(self) -> dict[str, object]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "code": self.code,
                "message": self.message, "message_en": self.message_en}

    def __str__(self) -> str:
        where = [self.sheet] + ([f"第{self.row}行"] if self.row is not None else []) + (
            [f"“{self.column}”列"] if self.column else [])
        return f"{'，'.join(where)}：{self.message}"


class _Params(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


class ExchangeRejected(Exception):
    """The file was refused whole; ``errors`` lists the problems found."""

    def __init__(self, errors: list[ExchangeError]):
        super().__init__("\n".join(str(e) for e in errors[:20]))
        self.errors = errors


@dataclass
class ExchangeTable:
    """A validated exchange table: canonical long ``data`` (see the module docstring),
    the ``source`` it came from and the keys of the ``columns`` the file had."""

    data: pl.DataFrame
    source: str
    columns: frozenset[str]

    def __len__(self) -> int:
        return self.data.height


# --------------------------------------------------------------------------- entity groups
@dataclass(frozen=True)
class EntityGroups:
    """Rows grouped by entity: ``ids`` (entity number of each row, 0…n−1), ``first`` (the
    first row of each entity) and ``n``. Entities are numbered in order of first
    appearance when rows come in blocks, else in credit-code order."""

    ids: np.ndarray
    first: np.ndarray
    n: int


def group_rows_by_entity(uscc: pl.Series) -> EntityGroups:
    """Number the entities of a key column (no nulls).

    Fast path: rows grouped in blocks (each code in one run of rows, as every export
    writes them) are numbered by block after checking that no code starts two blocks
    (a 64-bit hash of each block's code, exact check only on a collision). Otherwise the
    rows are sorted by code.

    >>> g = group_rows_by_entity(pl.Series(["b", "b", "a", "c", "c"]))
    >>> g.ids.tolist(), g.first.tolist(), g.n
    ([0, 0, 1, 2, 2], [0, 2, 3], 3)
    >>> group_rows_by_entity(pl.Series(["b", "a", "b"])).ids.tolist()
    [1, 0, 1]
    """
    if uscc.len() == 0:
        return EntityGroups(np.zeros(0, np.int64), np.zeros(0, np.int64), 0)
    starts = uscc.ne_missing(uscc.shift(1)).fill_null(True).to_numpy()
    starts[0] = True
    first = np.flatnonzero(starts)
    heads = uscc.gather(first)
    if heads.hash().n_unique() == len(first) or heads.n_unique() == len(first):
        return EntityGroups(np.cumsum(starts) - 1, first, len(first))
    order = uscc.arg_sort().to_numpy()
    ordered = uscc.gather(order)
    sorted_starts = ordered.ne_missing(ordered.shift(1)).fill_null(True).to_numpy()
    sorted_starts[0] = True
    ids = np.empty(len(order), np.int64)
    ids[order] = np.cumsum(sorted_starts) - 1
    n = int(ids.max()) + 1
    first_rows = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_rows, ids, np.arange(len(ids)))
    return EntityGroups(ids, first_rows, n)


# --------------------------------------------------------------------------- reading
# A sheet as read: (name, frame of columns c0, c1 … plus "__row", raw header texts, header row)
_RawSheet = tuple[str, pl.DataFrame, list[str], int]


@dataclass
class _Sheet:
    name: str
    frame: pl.DataFrame   # columns: canonical keys (raw values) + "__row"
    header_row: int


class _Errors:
    """Collects errors up to a limit and counts the rest."""

    def __init__(self, limit: int):
        self.limit, self.items, self.dropped = limit, [], 0

    def add(self, error: ExchangeError) -> None:
        if len(self.items) < self.limit:
            self.items.append(error)
        else:
            self.dropped += 1

    def add_rows(self, sheet: _Sheet, mask: pl.Series | np.ndarray, key: str, code: str,
                 params: Callable[[int], Mapping[str, object]] | None = None) -> None:
        """One error per True row of ``mask`` on ``sheet``; ``params(i)`` per row index."""
        rows = np.flatnonzero(np.asarray(mask.to_numpy() if isinstance(mask, pl.Series) else mask))
        if rows.size == 0:
            return
        room = max(self.limit - len(self.items), 0)
        self.dropped += max(rows.size - room, 0)
        numbers = sheet.frame["__row"].gather(rows[:room]).to_list()
        header = COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else key
        for i, number in zip(rows[:room].tolist(), numbers, strict=True):
            self.items.append(ExchangeError(sheet.name, number, header, code,
                                            params(i) if params else {}))

    def final(self) -> list[ExchangeError]:
        if self.dropped:
            return [*self.items, ExchangeError("", None, "", "more_errors", {"value": self.dropped})]
        return list(self.items)


def _cell_text(value: object) -> str | None:
    """A spreadsheet or JSON cell as the text a person typed (None when blank)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):   # 15 significant digits, as Excel keeps: 0.1 + 0.2 → "0.3"
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _frame_from_rows(header: Sequence[object], rows: Iterable[Sequence[object]],
                     numbers: Sequence[int]) -> tuple[pl.DataFrame, list[str]]:
    """String frame from rows of cells; returns the frame and the raw header texts."""
    names = [str(h) if h is not None else "" for h in header]
    columns: list[list[str | None]] = [[] for _ in names]
    for row in rows:
        for j in range(len(names)):
            columns[j].append(_cell_text(row[j]) if j < len(row) else None)
    data = {f"c{j}": pl.Series(col, dtype=pl.String) for j, col in enumerate(columns)}
    data["__row"] = pl.Series(list(numbers), dtype=pl.Int64)
    return pl.DataFrame(data), names


def _read_xlsx(path: Path) -> list[_RawSheet]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    out = []
    for name in book.sheet_names:
        cells = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        filled = [i for i, r in enumerate(cells) if any(_cell_text(v) is not None for v in r)]
        if not filled:
            continue
        header, body = filled[0], filled[1:]     # the first row with text is the header
        frame, names = _frame_from_rows(cells[header], (cells[i] for i in body), [i + 1 for i in body])
        out.append((name, frame, names, header + 1))
    return out


def _read_csv(path: Path) -> list[_RawSheet]:
    try:
        frame = pl.read_csv(path, has_header=False, infer_schema=False)
    except pl.exceptions.ComputeError:   # not UTF-8: Excel on a Chinese system saves GB 18030
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), has_header=False, infer_schema=False)
    if frame.height == 0:
        return []
    names = [v or "" for v in frame.row(0)]
    frame = _one_chunk(frame.slice(1))
    frame.columns = [f"c{j}" for j in range(frame.width)]
    frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("__row"))
    # rows of empty cells only (a trailing line) are not data
    frame = frame.filter(~pl.all_horizontal(pl.exclude("__row").is_null()))
    return [(path.name, frame, names, 1)]


def _read_json(path: Path) -> list[_RawSheet]:
    # floats kept as their literal text: 0.1 stays "0.1", exact
    doc = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=str)
    sheets = doc if isinstance(doc, dict) else {path.name: doc}
    out = []
    for name, rows in sheets.items():
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError(f"{name}: expected a list of objects")
        header: list[str] = []
        for r in rows:
            header += [k for k in r if k not in header]
        frame, names = _frame_from_rows(header, ([r.get(k) for k in header] for r in rows),
                                        range(2, len(rows) + 2))
        out.append((str(name), frame, names, 1))
    return out


def _read_parquet(path: Path) -> list[_RawSheet]:
    return [_typed_sheet(path.name, pl.read_parquet(path))]


def _typed_sheet(name: str, frame: pl.DataFrame) -> _RawSheet:
    names = list(frame.columns)
    frame = _one_chunk(frame).rename({c: f"c{j}" for j, c in enumerate(names)})
    frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("__row"))
    return (name, frame, names, 1)


def _one_chunk(frame: pl.DataFrame) -> pl.DataFrame:
    """Columns in one piece each: Polars copies a whole frame whose columns are chunked
    differently on every later select, so pay one copy here instead of one per step."""
    return frame.rechunk() if frame.width and max(frame.n_chunks("all")) > 1 else frame


_READERS = {".xlsx": _read_xlsx, ".xlsm": _read_xlsx, ".csv": _read_csv, ".txt": _read_csv,
            ".json": _read_json, ".parquet": _read_parquet}


# --------------------------------------------------------------------------- public entry points
def read_exchange(path: str | Path, *, division_codes: Collection[str] | None = None,
                  max_errors: int = 1000, timings: dict[str, float] | None = None) -> ExchangeTable:
    """Read and validate an exchange file (.xlsx, .csv, .json or .parquet).

    ``division_codes``: the codes ``division_code`` must be one of (the platform's
    units); ``None`` checks the form only (6 digits, or a platform unit code such as
    ``150100Z01``). Raises :class:`ExchangeRejected` on any problem. ``timings``, when
    given, receives ``read_s`` and ``validate_s``.
    """
    import time

    path = Path(path)
    started = time.perf_counter()
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ExchangeRejected([ExchangeError(path.name, None, "", "unreadable",
                                              {"value": f"unsupported file type {path.suffix}"})])
    try:
        sheets = reader(path)
    except Exception as exc:  # any reader failure is the file's problem, reported as such
        raise ExchangeRejected([ExchangeError(path.name, None, "", "unreadable",
                                              {"value": str(exc).splitlines()[0][:200]})]) from exc
    read = time.perf_counter()
    table = _validate(sheets, path.name, division_codes, max_errors)
    if timings is not None:
        timings |= {"read_s": read - started, "validate_s": time.perf_counter() - read}
    return table


def exchange_from_rows(rows: Iterable[Mapping[str, Any]], *, source: str = "rows",
                       division_codes: Collection[str] | None = None,
                       max_errors: int = 1000) -> ExchangeTable:
    """Validate rows given as mappings (English keys or Chinese headers).

    Values may be ``str``, ``int``, ``Decimal``, ``float`` (money and staff counts: only
    for values exact to the fen), ``bool``, ``date`` or ``None``; they are checked
    exactly like the cells of a file. This is the entry for the platform's own registry.
    """
    rows = list(rows)
    header: list[str] = []
    for r in rows:
        header += [k for k in r if k not in header]
    frame, names = _frame_from_rows(
        header, ([_cell_value(r.get(k)) for k in header] for r in rows), range(2, len(rows) + 2))
    return _validate([(source, frame, names, 1)], source, division_codes, max_errors)


def exchange_from_frame(frame: pl.DataFrame, *, source: str = "frame",
                        division_codes: Collection[str] | None = None,
                        max_errors: int = 1000) -> ExchangeTable:
    """Validate a Polars (long) frame with typed or text columns, e.g. from Parquet or
    from ``pl.from_arrow``. Integer money columns are whole yuan."""
    return _validate([_typed_sheet(source, frame)], source, division_codes, max_errors)


def _cell_value(value: object) -> object:
    return format(value, "f") if isinstance(value, Decimal) else value


# --------------------------------------------------------------------------- validation
def _validate(raw_sheets: list[_RawSheet], source: str,
              division_codes: Collection[str] | None, max_errors: int) -> ExchangeTable:
    errors = _Errors(max_errors)
    sheets: list[_Sheet] = []
    for name, frame, names, header_row in raw_sheets:
        sheet = _map_headers(name, frame, names, header_row, errors)
        if sheet is not None:
            sheets.append(sheet)
    if errors.items:
        raise ExchangeRejected(errors.final())
    if not sheets:
        raise ExchangeRejected([ExchangeError(source, None, "", "no_data")])
    yearly = [s for s in sheets if "year" in s.frame.columns]
    entity = [s for s in sheets if "year" not in s.frame.columns]
    if len(sheets) == 1:
        (main,), entity_sheet = sheets, None
        if "year" not in main.frame.columns:
            errors.add(ExchangeError(main.name, main.header_row, COLUMN_BY_KEY["year"].header,
                                     "missing_column"))
            raise ExchangeRejected(errors.final())
    elif len(yearly) == 1 and len(entity) == 1:
        (main,), (entity_sheet,) = yearly, entity
    else:
        raise ExchangeRejected([ExchangeError(source, None, "", "sheet_layout", {
            "value": "需要一张年度数据表，或一张单位信息表加一张年度数据表（以统一社会信用代码关联）"})])

    main_data = _normalise_sheet(main, errors, division_codes)
    entity_data = _normalise_sheet(entity_sheet, errors, division_codes) if entity_sheet else None
    _check_rows(main, main_data, errors)
    if entity_sheet is None or entity_data is None:
        data = main_data
        _check_groups(main, data, errors, entity_columns=[k for k in ENTITY_KEYS if k in data.columns])
    else:
        data = _join_sheets(main, main_data, entity_sheet, entity_data, errors)
    if errors.items or errors.dropped:
        raise ExchangeRejected(errors.final())
    present = frozenset(k for k in data.columns if k in COLUMN_BY_KEY)
    data = data.select([
        (pl.col(c.key) if c.key in data.columns else pl.lit(None, c.dtype).alias(c.key)).cast(c.dtype)
        for c in COLUMNS])
    if "non_taxable_income" not in present or data["non_taxable_income"].null_count():
        data = data.with_columns(pl.col("non_taxable_income").fill_null(0))  # blank = 0
    return ExchangeTable(data, source, present)


def _map_headers(name: str, frame: pl.DataFrame, names: list[str], header_row: int,
                 errors: _Errors) -> _Sheet | None:
    """Rename known headers to keys; None for a sheet without a credit-code column."""
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for j, raw in enumerate(names):
        key = _HEADER_TO_KEY.get(_norm_header(raw))
        if key is None:
            continue   # other columns (序号, 备注 …) are ignored
        if key in seen:
            errors.add(ExchangeError(name, header_row, COLUMN_BY_KEY[key].header, "duplicate_column",
                                     {"value": f"{seen[key]} / {raw}"}))
            continue
        seen[key] = raw
        mapping[f"c{j}"] = key
    if "uscc" not in mapping.values():
        return None
    frame = frame.select([pl.col(c).alias(k) for c, k in mapping.items()] + [pl.col("__row")])
    return _Sheet(name, frame, header_row)


def _as_text(s: pl.Series) -> pl.Series:
    """Any column as trimmed text, blank → null (typed columns as a person would type them)."""
    if s.dtype == pl.String:
        text = s
    elif s.dtype == pl.Boolean:
        text = s.cast(pl.String)
    elif s.dtype.is_float():
        text = pl.Series(s.name, [_cell_text(v) for v in s.to_list()], dtype=pl.String)
    elif s.dtype == pl.Date:
        text = s.dt.strftime("%Y-%m-%d")
    elif s.dtype == pl.Datetime:
        text = pl.Series(s.name, [_cell_text(v) for v in s.to_list()], dtype=pl.String)
    else:
        text = s.cast(pl.String)
    text = text.str.strip_chars()
    return pl.select(pl.when(text.str.len_bytes() > 0).then(text)).to_series().alias(s.name)


def _normalise_sheet(sheet: _Sheet, errors: _Errors,
                     division_codes: Collection[str] | None) -> pl.DataFrame:
    """Each present column parsed to its canonical type, one vectorised check at a time."""
    out: dict[str, pl.Series] = {}
    for key in sheet.frame.columns:
        if key == "__row":
            continue
        spec = COLUMN_BY_KEY[key]
        out[key] = _normalise_column(sheet, spec, sheet.frame[key], errors, division_codes)
    out["__row"] = sheet.frame["__row"]
    return pl.DataFrame(out)


def _normalise_column(sheet: _Sheet, spec: ColumnSpec, raw: pl.Series, errors: _Errors,
                      division_codes: Collection[str] | None) -> pl.Series:
    kind, key = spec.kind, spec.key

    def show(i: int) -> dict[str, object]:
        return {"value": _cell_text(raw[i])}

    if kind in ("money", "signed_money", "staff") and (raw.dtype.is_integer() or raw.dtype.is_float()
                                                       or raw.dtype.is_decimal()):
        return _number_typed(sheet, spec, raw, errors)
    if kind in ("year", "count", "points") and raw.dtype.is_integer():
        values = raw.cast(pl.Int64)
        _bounds(sheet, spec, values, errors, show)
        return values
    if kind == "bool" and raw.dtype == pl.Boolean:
        return raw
    if kind == "date" and raw.dtype == pl.Date:
        return raw
    text = _as_text(raw)
    blank = text.is_null()
    if spec.blank == "required":
        errors.add_rows(sheet, blank, key, "required")

    def bad(mask: pl.Series | np.ndarray, code: str, **extra: object) -> None:
        errors.add_rows(sheet, mask, key, code, lambda i: {"value": text[i], **extra})

    if kind == "uscc":
        text = _distinct_map(text, lambda v: v.str.to_uppercase())
        valid = _distinct_mask(text, uscc_valid_mask)
        if not valid.all():
            form = text.str.contains(f"^[{USCC_CHARSET}]{{18}}$").fill_null(False)
            bad(~valid & ~form & ~blank, "uscc_format")
            errors.add_rows(sheet, ~valid & form, key, "uscc_check",
                            lambda i: {"expected": uscc_check_char(text[i][:17])})
        return text
    if kind == "text":
        return text
    if kind == "division":
        codes = None if division_codes is None else list(division_codes)
        ok = _distinct_mask(text, lambda v: (
            v.str.contains(r"^\d{6}(Z\d{2}|D\d{3})?$") if codes is None else v.is_in(codes)).to_numpy())
        bad(~ok & ~blank, "division_unknown")
        return text
    if kind == "industry":
        text = _distinct_map(text, lambda v: v.str.to_uppercase())
        bad(~_distinct_mask(text, _industry_ok) & ~blank, "industry_invalid")
        return text
    if kind == "choice":
        lookup = {k.lower(): v for k, v in ({c: c for c in spec.choices} | dict(spec.aliases)).items()}
        canon = _distinct_map(text, lambda v: v.str.to_lowercase().replace_strict(
            lookup, default=None, return_dtype=pl.String))
        bad(canon.is_null() & ~blank, "choice_invalid", expected="、".join(spec.choices))
        return canon
    if kind == "date":
        shaped = text.str.contains(r"^\d{4}-\d{2}-\d{2}$").fill_null(False)
        dates = text.str.to_date("%Y-%m-%d", strict=False)
        bad((dates.is_null() | ~shaped) & ~blank, "date_invalid")
        return dates
    if kind == "bool":
        yes, no = text.is_in(TRUE_TEXTS), text.is_in(FALSE_TEXTS)
        bad(~yes & ~no & ~blank, "bool_invalid")
        return pl.select(pl.when(yes).then(True).when(no).then(False)).to_series().alias(key)
    if kind == "year":
        shaped = text.str.contains(r"^\d{4}$").fill_null(False)
        values = text.cast(pl.Int64, strict=False).set(~shaped, None)
        bad(~blank & ~shaped, "year_invalid")
        _bounds(sheet, spec, values, errors, lambda i: {"value": text[i]})
        return values
    if kind in ("count", "points"):
        values = text.cast(pl.Int64, strict=False)
        if values.null_count() > blank.sum():   # "3.0" from a spreadsheet is 3; "3.5" is not whole
            values = values.fill_null(text.str.replace(r"^([+-]?\d+)\.0+$", "$1").cast(pl.Int64, strict=False))
            bad(~blank & values.is_null(), "not_an_integer")
        _bounds(sheet, spec, values, errors, lambda i: {"value": text[i]})
        return values
    # money, signed_money, staff from text: "12", "12.3", "12.34", "1,234.50"
    return _number_text(sheet, spec, text, blank, errors)


def _distinct(text: pl.Series) -> pl.Series:
    """The values of a column worth checking once each: the first value of every run of
    equal rows (entity columns repeat on all rows of an entity), deduplicated when few."""
    heads = text.filter(text.ne_missing(text.shift(1)).fill_null(True)).drop_nulls()
    return heads.unique() if heads.len() <= 100_000 else heads


def _distinct_mask(text: pl.Series, check: Callable[[pl.Series], np.ndarray]) -> pl.Series:
    """``check`` run on the distinct non-null values, mapped back to the rows (True where
    the value passes or is null: blanks are checked elsewhere)."""
    values = _distinct(text)
    ok = np.asarray(check(values), bool) if values.len() else np.zeros(0, bool)
    if ok.all():
        return pl.Series(np.ones(text.len(), bool))
    return ~text.is_in(values.filter(pl.Series(~ok)).unique().to_list()).fill_null(False)


def _distinct_map(text: pl.Series, fn: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``fn`` applied to the whole column only when it changes some distinct value."""
    values = _distinct(text)
    mapped = fn(values)
    if mapped.dtype == text.dtype and mapped.null_count() == 0 and (mapped == values).all():
        return text
    return fn(text).alias(text.name)


def _industry_ok(codes: pl.Series) -> np.ndarray:
    parts = codes.str.extract_groups(r"^([A-T])(\d{2})(\d{0,2})$")
    section, division = parts.struct.field("1"), parts.struct.field("2").cast(pl.Int64)
    low = section.replace_strict({k: v[0] for k, v in INDUSTRY_SECTIONS.items()}, default=None,
                                 return_dtype=pl.Int64)
    high = section.replace_strict({k: v[1] for k, v in INDUSTRY_SECTIONS.items()}, default=None,
                                  return_dtype=pl.Int64)
    return ((division >= low) & (division <= high)).fill_null(False).to_numpy()


def _bounds(sheet: _Sheet, spec: ColumnSpec, values: pl.Series, errors: _Errors,
            show: Callable[[int], dict[str, object]]) -> None:
    key = spec.key
    if spec.kind == "year":
        errors.add_rows(sheet, ((values < 1900) | (values > 2200)).fill_null(False), key,
                        "year_invalid", show)
        return
    errors.add_rows(sheet, (values < 0).fill_null(False), key, "negative", show)
    limit = spec.maximum if spec.maximum is not None else MAX_COUNT
    errors.add_rows(sheet, (values > limit).fill_null(False), key, "too_large",
                    lambda i: {**show(i), "limit": limit})


def _number_text(sheet: _Sheet, spec: ColumnSpec, text: pl.Series, blank: pl.Series,
                 errors: _Errors) -> pl.Series:
    """Decimal text -> Int64 hundredths, exactly (no float on the way)."""
    key, limit = spec.key, _limit(spec)

    def show(i: int) -> dict[str, object]:
        return {"value": text[i], "limit": f"{limit:,}"}

    whole = text.cast(pl.Int64, strict=False)               # fast path: plain integers
    huge = (whole.abs() > limit).fill_null(False)
    if huge.any():
        errors.add_rows(sheet, huge, key, "too_large", show)
        whole = whole.set(huge, None)
    cents = whole * 100
    rest = (whole.is_null() & ~blank & ~huge).to_numpy()
    if rest.any():
        rows = np.flatnonzero(rest)
        sub = text.gather(rows).str.replace_all(",", "")
        parts = sub.str.extract_groups(r"^([+-]?)(\d{1,16})(?:\.(\d{1,2}))?$")
        sign = pl.when(parts.struct.field("1") == "-").then(-1).otherwise(1)
        frac = parts.struct.field("3").str.pad_end(2, "0").cast(pl.Int64).fill_null(0)
        parsed = pl.select((parts.struct.field("2").cast(pl.Int64) * 100 + frac) * sign).to_series()
        cents = cents.scatter(rows, parsed)
        failed = parsed.is_null().to_numpy()
        for code, pattern in (("too_many_decimals", r"^[+-]?\d+\.\d{3,}$"),
                              ("too_large", r"^[+-]?\d{17,}(\.\d*)?$")):
            hit = sub.str.contains(pattern).fill_null(False).to_numpy() & failed
            failed &= ~hit
            errors.add_rows(sheet, _spread(rows, hit, text.len()), key, code, show)
        errors.add_rows(sheet, _spread(rows, failed, text.len()), key, "not_a_number", show)
    _number_bounds(sheet, spec, cents, errors, show)
    return cents.alias(key)


def _spread(rows: np.ndarray, hit: np.ndarray, n: int) -> np.ndarray:
    mask = np.zeros(n, bool)
    mask[rows[hit]] = True
    return mask


def _limit(spec: ColumnSpec) -> int:
    return MAX_STAFF if spec.kind == "staff" else MAX_YUAN


def _number_typed(sheet: _Sheet, spec: ColumnSpec, raw: pl.Series, errors: _Errors) -> pl.Series:
    """Typed numbers (Parquet, Arrow) -> Int64 hundredths; floats only when exact to 0.01."""
    key, limit = spec.key, _limit(spec)

    def show(i: int) -> dict[str, object]:
        return {"value": _cell_text(raw[i]), "limit": f"{limit:,}"}

    if raw.dtype.is_integer():
        whole = raw.cast(pl.Int64)
        huge = (whole.abs() > limit).fill_null(False)
        if huge.any():
            errors.add_rows(sheet, huge, key, "too_large", show)
            whole = whole.set(huge, None)
        cents = whole * 100
    elif raw.dtype.is_decimal():
        scaled = raw.cast(pl.Decimal(38, max(raw.dtype.scale or 0, 2))) * 100  # type: ignore[attr-defined]
        cents = scaled.cast(pl.Int64, strict=False)
        errors.add_rows(sheet, (scaled != cents.cast(scaled.dtype)).fill_null(False), key,
                        "too_many_decimals", show)
    else:
        x = raw.cast(pl.Float64).to_numpy() * 100
        known = raw.is_not_null().to_numpy()
        finite = np.isfinite(x)
        inside = finite & (np.abs(np.where(finite, x, 0)) <= 100.0 * limit)
        r = np.rint(np.where(inside, x, 0))
        # a float is accepted when it is the nearest double to a value in fen
        exact = np.abs(np.where(inside, x, 0) - r) <= np.maximum(1e-6, 4 * np.finfo(float).eps * np.abs(r))
        errors.add_rows(sheet, known & ~finite, key, "not_a_number", show)
        errors.add_rows(sheet, known & finite & ~inside, key, "too_large", show)
        errors.add_rows(sheet, known & inside & ~exact, key, "too_many_decimals", show)
        cents = pl.Series(key, r.astype(np.int64))
        if not known.all():
            cents = cents.set(pl.Series(~known), None)
    _number_bounds(sheet, spec, cents, errors, show)
    return cents.alias(key)


def _number_bounds(sheet: _Sheet, spec: ColumnSpec, cents: pl.Series, errors: _Errors,
                   show: Callable[[int], dict[str, object]]) -> None:
    if spec.kind != "signed_money":
        errors.add_rows(sheet, (cents < 0).fill_null(False), spec.key, "negative", show)


def _fmt_cents(value: int | None) -> str:
    if value is None:
        return ""
    sign, value = ("-" if value < 0 else ""), abs(value)
    return f"{sign}{value // 100}" + (f".{value % 100:02d}" if value % 100 else "")


_ROW_RULES = (  # (left ≤ right) checked on each row: ENTITY_COLUMNS.md "Validation"
    ("tech_staff", "employees", "tech_staff_exceeds_employees"),
    ("rd_expense_domestic", "rd_expense", "domestic_exceeds_rd"),
    ("high_tech_income", "total_income", "high_tech_exceeds_income"),
)


def _check_rows(sheet: _Sheet, data: pl.DataFrame, errors: _Errors) -> None:
    for left, right, code in _ROW_RULES:
        if left in data.columns and right in data.columns:
            a, b = data[left], data[right]
            errors.add_rows(sheet, (a > b).fill_null(False), left, code,
                            lambda i, a=a, b=b: {"value": _fmt_cents(a[i]), "other": _fmt_cents(b[i])})


def _check_groups(sheet: _Sheet, data: pl.DataFrame, errors: _Errors,
                  entity_columns: list[str]) -> None:
    """One row per (uscc, year); the entity's own columns equal on all its rows."""
    keyed = data["uscc"].is_not_null()
    if not keyed.all():
        data = data.filter(keyed)   # blank codes were reported as "required"
    if data.height == 0:
        return
    groups = group_rows_by_entity(data["uscc"])
    rows = data["__row"]
    year = data["year"].fill_null(-1).to_numpy()
    # duplicate (uscc, year): none when years rise within each block of rows (the usual
    # layout); otherwise rows sorted by (entity, year) are compared with the previous one
    ids = groups.ids
    rising = (ids[1:] != ids[:-1]) | (year[1:] > year[:-1])
    same = np.zeros(0, bool)
    if not rising.all():
        order = np.lexsort((np.arange(len(year)), year, ids))
        same = np.zeros(len(order), bool)
        same[1:] = (ids[order][1:] == ids[order][:-1]) & (year[order][1:] == year[order][:-1]) \
            & (year[order][1:] >= 0)
    if same.any():
        dup = np.zeros(len(year), bool)
        dup[order[same]] = True
        prev = np.empty(len(year), np.int64)
        prev[order[1:]] = order[:-1]
        _add_rows(errors, sheet, data, dup, "year", "duplicate_row", lambda i: {"row": rows[int(prev[i])]})
    first = groups.first[groups.ids]
    for key in entity_columns:
        col = data[key]
        ref = col.gather(first)
        differs = col.ne_missing(ref).to_numpy()
        _add_rows(errors, sheet, data, differs, key, "entity_mismatch",
                  lambda i, ref=ref: {"row": rows[int(first[i])], "other": _show(ref[i])})


def _add_rows(errors: _Errors, sheet: _Sheet, data: pl.DataFrame, mask: np.ndarray, key: str,
              code: str, params: Callable[[int], Mapping[str, object]]) -> None:
    """Like ``errors.add_rows`` for a frame whose rows may have been filtered."""
    errors.add_rows(_Sheet(sheet.name, data.select("__row"), sheet.header_row), mask, key, code, params)


def _show(value: object) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _join_sheets(main: _Sheet, main_data: pl.DataFrame, ent: _Sheet, ent_data: pl.DataFrame,
                 errors: _Errors) -> pl.DataFrame:
    """Two-sheet shape: yearly rows joined with the entity sheet on the credit code."""
    ent_data = ent_data.filter(pl.col("uscc").is_not_null())
    dup = ent_data["uscc"].is_duplicated().to_numpy()
    if dup.any():
        first_row = ent_data.group_by("uscc").agg(pl.col("__row").min().alias("first"))
        firsts = ent_data.join(first_row, on="uscc", how="left")["first"]
        later = dup & (ent_data["__row"] != firsts).to_numpy()
        _add_rows(errors, ent, ent_data, later, "uscc", "duplicate_entity", lambda i: {"row": firsts[i]})
        ent_data = ent_data.unique("uscc", keep="first", maintain_order=True)
    entity_cols = [k for k in ent_data.columns if k in ENTITY_KEYS and k != "uscc"]
    joined = main_data.join(
        ent_data.rename({k: f"{k}__entity" for k in [*entity_cols, "__row"]}),
        on="uscc", how="left", maintain_order="left")
    missing = (joined["__row__entity"].is_null() & joined["uscc"].is_not_null()).to_numpy()
    _add_rows(errors, main, joined, missing, "uscc", "unknown_entity", lambda i: {})
    for key in entity_cols:
        if key in main_data.columns:   # also on the yearly sheet: it must agree
            theirs = joined[f"{key}__entity"]
            differs = (joined[key].ne_missing(theirs) & ~pl.Series(missing)).to_numpy()
            _add_rows(errors, main, joined, differs, key, "entity_sheet_mismatch",
                      lambda i, t=theirs, r=joined["__row__entity"]: {"sheet": ent.name, "row": r[i],
                                                                      "other": _show(t[i])})
        joined = joined.with_columns(pl.col(f"{key}__entity").alias(key))
    # the yearly sheet's own rows: one per (uscc, year)
    _check_groups(main, main_data, errors, entity_columns=[])
    return joined.select([c for c in joined.columns if not c.endswith("__entity")])
