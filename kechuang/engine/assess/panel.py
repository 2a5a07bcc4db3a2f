"""The panel: an exchange table pivoted to one column per entity for application year Y.

Every yearly quantity becomes a (3, n) array: row j is fiscal year Y−3+j ("近三个会计年度",
the three fiscal years before the application year, reading R1), a contiguous column
over the n entities. Each array has a ``known`` twin: False where the fact is unknown
(blank cell, or no row for a year in which the entity existed). A year that ended before
the entity was registered holds zeros and counts as known ("实际经营期不满三年的按实际经营
时间计算", 第十一条(五), reading R3), whether the file has an all-zero row for it or none.

>>> from datetime import date
>>> from kechuang.engine.exchange import exchange_from_rows
>>> rows = [{"uscc": "91350200776049653A", "year": y, "sales_revenue": s, "registered_on": "2023-03-01"}
...         for y, s in ((2023, 100), (2024, 200))]
>>> p = build_panel(exchange_from_rows(rows), 2025)
>>> p.fiscal_years, p.yearly["sales_revenue"][:, 0].tolist(), p.yearly_known["sales_revenue"][:, 0].tolist()
((2022, 2023, 2024), [0, 10000, 20000], [True, True, True])
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from kechuang.engine.assess._arith import day_number
from kechuang.engine.exchange import (
    COLUMN_BY_KEY,
    ENTITY_KEYS,
    TECH_FIELDS,
    YEARLY_KEYS,
    ExchangeTable,
    group_rows_by_entity,
)

__all__ = ["Panel", "build_panel", "default_application_date"]

LATEST = 2          # row of fiscal year Y−1 ("最近一年", reading R1)
GRADE_CODES = {"A": 0, "B": 1, "C": 2, "D": 3, "E": 4}
ACQUISITION_CODES = {"own": 0, "transfer": 1}
INSTITUTION_LEVELS = ("国家级", "自治区级", "市级", "企业自建")
_NULL_DAY = np.iinfo(np.int64).min


def default_application_date(year: int) -> date:
    """The application date when none is given: 30 June of the application year."""
    return date(year, 6, 30)


@dataclass
class Panel:
    """Per-entity arrays for application year ``year`` and application date ``on``.

    ``entity[k]``/``entity_known[k]``: (n,) arrays of the entity's own columns (dates as
    day numbers; ``tech_field`` as an index into TECH_FIELDS, −1 = none; grades as 0…4 =
    A…E, −1 = not judged). ``yearly[k]``/``yearly_known[k]``: (3, n) arrays (money in
    fen, staff in hundredths). ``exists``: (3, n), the fiscal year ended on or after
    registration. ``incident_now``: an incident reported for the application year itself.
    """

    year: int
    on: date
    uscc: pl.Series
    entity: dict[str, np.ndarray]
    entity_known: dict[str, np.ndarray]
    yearly: dict[str, np.ndarray]
    yearly_known: dict[str, np.ndarray]
    exists: np.ndarray
    incident_now: np.ndarray
    industry_code: pl.Series

    @property
    def n(self) -> int:
        return self.uscc.len()

    @property
    def on_day(self) -> int:
        return day_number(self.on)

    @property
    def fiscal_years(self) -> tuple[int, int, int]:
        return (self.year - 3, self.year - 2, self.year - 1)


def _frame(table: ExchangeTable | pl.DataFrame) -> pl.DataFrame:
    return table.data if isinstance(table, ExchangeTable) else table


def build_panel(table: ExchangeTable | pl.DataFrame, year: int, on: date | str | None = None) -> Panel:
    """Pivot a validated exchange table (canonical frame) for application year ``year``;
    ``on`` is the application date (a ``date`` or ``YYYY-MM-DD``; default ``year``-06-30).

    Rows of other fiscal years are ignored, except the application year's own
    ``major_incident`` (reading R13).
    """
    df = _frame(table)
    on = date.fromisoformat(on) if isinstance(on, str) else on or default_application_date(year)
    groups = group_rows_by_entity(df["uscc"])
    n = groups.n
    k = df["year"].to_numpy() - (year - 3)
    regular = (df.height == 3 * n and np.array_equal(groups.first, np.arange(0, 3 * n, 3))
               and bool((k.reshape(n, 3) == np.arange(3)).all()))
    if regular:   # the usual layout: each entity's three rows in year order, nothing else
        scatter = None
        present = np.ones((3, n), bool)
    else:
        rows = np.flatnonzero((k >= 0) & (k <= 2))
        scatter = (rows, k[rows] * n + groups.ids[rows])
        present = _pivot(np.ones(len(k), bool), scatter, n)

    first = groups.first
    entity: dict[str, np.ndarray] = {}
    entity_known: dict[str, np.ndarray] = {}
    heads = {key: df[key].gather(first) for key in ENTITY_KEYS      # each entity's first row
             if key not in ("name", "division_code")}
    for key in ("registered_on", "hte_certified_on"):
        col = heads[key]
        entity[key] = col.cast(pl.Int64).fill_null(_NULL_DAY).to_numpy()
        entity_known[key] = col.is_not_null().to_numpy()
    entity["tech_field"] = _codes(heads["tech_field"], {f: i for i, f in enumerate(TECH_FIELDS)})
    entity_known["tech_field"] = np.ones(n, bool)                   # blank = none
    for key, codes in (("ip_advancement_grade", GRADE_CODES), ("ip_core_support_grade", GRADE_CODES),
                       ("standards_grade", GRADE_CODES), ("ip_acquisition", ACQUISITION_CODES)):
        entity[key] = _codes(heads[key], codes)
        entity_known[key] = entity[key] >= 0
    for key in ("tsme_registered_year", "listed", "mgmt_rd_system", "mgmt_rd_institution",
                "mgmt_conversion_system", "mgmt_talent_system"):
        col = heads[key]
        entity[key] = col.fill_null(False if col.dtype == pl.Boolean else 0).to_numpy()
        entity_known[key] = col.is_not_null().to_numpy()
    entity_known["tsme_registered_year"] = np.ones(n, bool)          # blank = not registered
    for key in ("national_award_top3_year", "led_standard_year"):     # blank = none known
        col = heads[key]
        entity[key] = col.fill_null(0).to_numpy()
        entity_known[key] = col.is_not_null().to_numpy()

    # a fiscal year "exists" when it ended on or after the registration date
    reg, reg_known = entity["registered_on"], entity_known["registered_on"]
    year_ends = np.array([day_number(date(y, 12, 31)) for y in range(year - 3, year)], np.int64)
    exists = reg_known & (reg[None, :] <= year_ends[:, None])
    exists |= ~reg_known                       # unknown registration: assume it existed
    zero_year = ~present & ~exists              # before registration: zeros, known

    yearly: dict[str, np.ndarray] = {}
    yearly_known: dict[str, np.ndarray] = {}
    shared_known = present | zero_year
    for key in YEARLY_KEYS:
        if key == "year":
            continue
        col = df[key]
        if key == "rd_institution_level":
            values = _codes(col, {v: i for i, v in enumerate(INSTITUTION_LEVELS)})
            nulls = None                                         # blank = none
        else:
            nulls = col.is_null().to_numpy() if col.null_count() else None
            values = col.fill_null(False if col.dtype == pl.Boolean else 0).to_numpy()
        yearly[key] = _pivot(values, scatter, n)
        if nulls is None or COLUMN_BY_KEY[key].blank != "unknown":
            yearly_known[key] = shared_known
        else:
            yearly_known[key] = shared_known & ~_pivot(nulls, scatter, n)

    incident_now = np.zeros(n, bool)
    now = (k == 3) & df["major_incident"].fill_null(False).to_numpy()
    incident_now[groups.ids[now]] = True
    return Panel(year, on, heads["uscc"], entity, entity_known, yearly, yearly_known,
                 exists, incident_now, heads["industry_code"])


def _pivot(values: np.ndarray, scatter: tuple[np.ndarray, np.ndarray] | None, n: int) -> np.ndarray:
    """Long column → (3, n); ``scatter`` = (rows in the window, their slots), None for the
    regular layout (a reshape). Slots without a row hold 0/False."""
    if scatter is None:
        return values.reshape(n, 3).T          # a strided view: no copy
    rows, slot = scatter
    out = np.zeros(3 * n, values.dtype)
    out[slot] = values[rows]
    return out.reshape(3, n)


def _codes(col: pl.Series, codes: dict[str, int]) -> np.ndarray:
    """Strings → small integer codes (−1 for null or unknown)."""
    if col.null_count() == col.len():
        return np.full(col.len(), -1, np.int8)
    return col.replace_strict(codes, default=-1, return_dtype=pl.Int8).to_numpy()
