"""Facts that need the entity's other years, computed once from the long panel (entity × year).

``derive_facts(panel, year)`` returns one row per entity for ``year`` with every column of
that year plus:

* ``rd_expense_prev`` — ``rd_expense`` of the previous year (blank when that year is absent);
  with it the catalogue derives ``rd_increment = max(rd_expense − rd_expense_prev, 0)``;
* ``is_above_scale_prev`` — ``is_above_scale`` of the previous year (for ``is_new_above_scale``);
* ``tsme_consecutive_years`` — how many years in a row, ending with ``year``, the entity
  was registered as a tech SME (a year counts when its ``tsme_registered_year`` is filled).

``is_new_high_tech`` and ``hte_valid`` need no history: the catalogue derives them from
the certificate date ``hte_certified_on`` of the year's row.
"""

from __future__ import annotations

import polars as pl


def derive_facts(panel: pl.DataFrame, year: int, key: str = "uscc") -> pl.DataFrame:
    """One row per entity present in ``year``, with the panel facts added.

    >>> import polars as pl
    >>> p = pl.DataFrame({"uscc": ["A", "A", "A"], "year": [2023, 2024, 2025],
    ...     "rd_expense": [1.0, 5_000_000.0, 17_500_000.0], "tsme_registered_year": [None, 2024, 2025]})
    >>> derive_facts(p, 2025).select("rd_expense_prev", "tsme_consecutive_years").row(0)
    (5000000.0, 2)
    """
    cur = panel.filter(pl.col("year") == year)
    out = cur
    prev = panel.filter(pl.col("year") == year - 1)
    carry = [c for c in ("rd_expense", "is_above_scale") if c in panel.columns]
    if carry:
        prev_cols = prev.select(pl.col(key), *[pl.col(c).alias(f"{c}_prev") for c in carry])
        out = out.drop([f"{c}_prev" for c in carry if f"{c}_prev" in out.columns]).join(
            prev_cols, on=key, how="left")
    if "tsme_registered_year" in panel.columns:
        reg = (panel.filter((pl.col("year") <= year) & pl.col("tsme_registered_year").is_not_null())
               .select(pl.col(key), pl.col("tsme_registered_year").cast(pl.Int64).alias("_y"))
               .filter(pl.col("_y") <= year)
               .unique()
               .sort([key, "_y"], descending=[False, True]))
        # years counted back from `year`: the streak is the prefix where year − y equals the rank
        streak = (reg.with_columns(pl.int_range(pl.len()).over(key).alias("_r"))
                  .filter((year - pl.col("_y")) == pl.col("_r"))
                  .group_by(key).agg(pl.len().cast(pl.Int64).alias("tsme_consecutive_years")))
        out = out.drop("tsme_consecutive_years", strict=False).join(streak, on=key, how="left").with_columns(
            pl.col("tsme_consecutive_years").fill_null(0))
    return out
