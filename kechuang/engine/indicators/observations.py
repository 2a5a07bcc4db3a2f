"""Observations: the values units report or the registries compute, with when each was known.

An observation is (indicator, org unit, period, value, known_at). ``indicator`` is the
series key of :attr:`kechuang.engine.plans.Indicator.series` (a catalogue code, or
``<plan>/<indicator>``; the bare indicator code is accepted too when evaluating one
plan). ``period`` is ``"2024"`` for a year or ``"2024Q3"`` for a quarter; a frame may give
``year`` and ``quarter`` (0 = the year) columns instead. ``known_at`` is when the value
entered the platform; :func:`as_known` keeps, for each (indicator, unit, period), the last
value known at the end of a date, so that an evaluation "as of" that date uses the data
as it was then (revisions included).

>>> import datetime
>>> rows = [Observation("hte-count", "150300", "2023", 60, datetime.date(2024, 3, 1)),
...         Observation("hte-count", "150300", "2023", 62, datetime.date(2024, 9, 1))]
>>> as_known(observations_frame(rows), datetime.date(2024, 6, 30))["value"].to_list()
[60.0]
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

__all__ = ["Observation", "annualise", "annualise_rows", "as_known", "observations_frame"]

SCHEMA: dict[str, Any] = {"indicator": pl.String, "org_unit": pl.String, "year": pl.Int32, "quarter": pl.Int8,
          "value": pl.Float64, "known_at": pl.Datetime("us")}


@dataclass(frozen=True)
class Observation:
    """One value of one indicator for one org unit and period, and when it was known."""

    indicator: str
    org_unit: str
    period: str | int
    value: float
    known_at: datetime.datetime | datetime.date


def _parse_period(period: str | int) -> tuple[int, int]:
    text = str(period).strip().upper()
    if "Q" in text:
        year, quarter = text.split("Q", 1)
        return int(year.rstrip("-")), int(quarter)
    return int(text), 0


def _as_datetime(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    return datetime.datetime.fromisoformat(str(value))


def observations_frame(values: Any) -> pl.DataFrame:
    """A frame with the columns of ``SCHEMA`` from observations, dicts, tuples or a frame.

    A frame may carry ``period`` (parsed vectorised) or ``year`` and ``quarter``; a missing
    ``known_at`` means "known from the start".
    """
    if isinstance(values, pl.DataFrame):
        frame = values
        if "period" in frame.columns and "year" not in frame.columns:
            text = pl.col("period").cast(pl.String).str.to_uppercase()
            frame = frame.with_columns(
                text.str.slice(0, 4).cast(pl.Int32).alias("year"),
                text.str.extract(r"Q(\d)$", 1).cast(pl.Int8).fill_null(0).alias("quarter"),
            )
        if "quarter" not in frame.columns:
            frame = frame.with_columns(pl.lit(0, dtype=pl.Int8).alias("quarter"))
        if "known_at" not in frame.columns:
            frame = frame.with_columns(pl.lit(datetime.datetime(1900, 1, 1)).alias("known_at"))
        # categorical keys stay categorical (no string pass over millions of rows)
        keep = {name for name in ("indicator", "org_unit")
                if frame.schema[name] == pl.Categorical or isinstance(frame.schema[name], pl.Enum)}
        return frame.select([pl.col(name) if name in keep or frame.schema[name] == dtype else pl.col(name).cast(dtype)
                             for name, dtype in SCHEMA.items()])
    rows: dict[str, list[Any]] = {name: [] for name in SCHEMA}
    ind: Any
    unit: Any
    period: Any
    value: Any
    known: Any
    for item in values or []:
        if isinstance(item, Observation):
            ind, unit, period, value, known = item.indicator, item.org_unit, item.period, item.value, item.known_at
        elif isinstance(item, Mapping):
            ind, unit, value = item["indicator"], item["org_unit"], item["value"]
            period = item.get("period", item.get("year"))
            known = item.get("known_at") or datetime.datetime(1900, 1, 1)
        else:
            ind, unit, period, value, known = item
        year, quarter = _parse_period(period)
        rows["indicator"].append(str(ind))
        rows["org_unit"].append(str(unit) if unit is not None else "")
        rows["year"].append(year)
        rows["quarter"].append(quarter)
        rows["value"].append(None if value is None else float(value))
        rows["known_at"].append(_as_datetime(known))
    return pl.DataFrame(rows, schema=SCHEMA)


def _cutoff(as_of: datetime.date | datetime.datetime | None) -> datetime.datetime | None:
    if as_of is None:
        return None
    if isinstance(as_of, datetime.datetime):
        return as_of.replace(tzinfo=None)
    return datetime.datetime(as_of.year, as_of.month, as_of.day, 23, 59, 59, 999999)


def as_known(frame: pl.DataFrame, as_of: datetime.date | datetime.datetime | None) -> pl.DataFrame:
    """The last value of each (indicator, org unit, year, quarter) known at the end of ``as_of``."""
    cutoff = _cutoff(as_of)
    if cutoff is not None:
        frame = frame.filter(pl.col("known_at") <= cutoff)
    frame = frame.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
    if frame.height == 0:
        return frame
    return frame.sort("known_at").unique(subset=["indicator", "org_unit", "year", "quarter"], keep="last",
                                         maintain_order=True)


@dataclass(frozen=True)
class YearValue:
    value: float
    quarter: int  # 0 = a full year (annual report or four quarters)
    partial: bool


def annualise(frame: pl.DataFrame, temporal: str = "stock", basis: str | None = "ytd") -> dict[int, YearValue]:
    """Annual values of one series (one indicator, one unit) from annual or quarterly rows.

    - an annual row wins;
    - quarterly, year to date (``ytd``): the latest quarter's value;
    - quarterly, the quarter alone (``quarter``): flows add up, stocks and ratios take the
      latest quarter.

    A year with fewer than four quarters is ``partial``: a stock's latest level still
    counts (at its quarter), a flow's partial total does not enter the annual series.
    """
    if frame.height == 0:
        return {}
    rows = zip(frame["year"].to_list(), frame["quarter"].to_list(), frame["value"].to_list(), strict=True)
    return annualise_rows(list(rows), temporal, basis)


def annualise_rows(rows: list[tuple[int, int, float]], temporal: str = "stock",
                   basis: str | None = "ytd") -> dict[int, YearValue]:
    """:func:`annualise` on plain ``(year, quarter, value)`` rows, in the frame's order.

    One series at a time, in plain Python: the reference for
    :func:`kechuang.engine.indicators.evaluation.evaluate`, which turns all the series of a
    plan into years in one Polars pass (``_annual_cells``) with the same rules."""
    by_year: dict[int, list[tuple[int, float]]] = {}
    for year, quarter, value in rows:
        by_year.setdefault(int(year), []).append((int(quarter), value))
    out: dict[int, YearValue] = {}
    for year in sorted(by_year):
        cells = by_year[year]
        annual = [v for q, v in cells if q == 0]
        if annual:
            out[year] = YearValue(float(annual[-1]), 0, False)
            continue
        cells = sorted(cells, key=lambda cell: cell[0])
        latest = cells[-1][0]
        if basis == "quarter" and temporal == "flow":
            value = float(sum(v for _, v in cells))
            partial = len({q for q, _ in cells}) < 4
        else:
            value = float(cells[-1][1])
            partial = latest < 4
        out[year] = YearValue(value, 0 if not partial else latest, partial)
    return out
