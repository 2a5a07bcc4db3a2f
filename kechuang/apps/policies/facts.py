"""The facts frame the policy engine needs: one row per entity for the evaluated year.

From the exchange table (a file for the CLI, the registry for the pages):

1. money (fen in the table) → yuan, staff counts (hundredths) → persons, as the engine reads
   them (exact: fen / 100 as float64 is exact below 2^53 fen, and the table caps amounts at
   10^13 yuan);
2. ``derive_facts(panel, year)`` adds the panel facts (``rd_expense_prev``, …);
3. ``assess(table, year)`` adds the assessment results ``hte_eligible`` (blank when it cannot
   be decided) and ``tsme_eligible`` — the application of year ``year``, on the fiscal years
   before it.

Cost (measured with ``kechuang bench policy-registry``, see docs/rules.md): the registry is
read column by column through ``entities.facts.assessment_facts`` (a handful of queries
whatever the size; on PostgreSQL through ``COPY`` straight into Polars, no Python object per
value) — a few seconds for 100,000 entities × 3 years; the evaluation itself is a few
hundredths of a second. The no-application list of a region-wide register
is still built by a background task, city by city (``tasks.no_application``).
"""

from __future__ import annotations

import polars as pl

from kechuang.engine.exchange import COLUMN_BY_KEY, ExchangeTable
from kechuang.engine.rules import derive_facts

_TO_YUAN = [c for c, spec in COLUMN_BY_KEY.items() if spec.kind in ("money", "signed_money", "staff")]


def engine_frame(data: pl.DataFrame) -> pl.DataFrame:
    """The canonical exchange frame with money in yuan and staff in persons."""
    cols = [pl.col(c).cast(pl.Float64) / 100 for c in _TO_YUAN if c in data.columns]
    return data.with_columns(cols) if cols else data


def policy_facts(table: ExchangeTable, year: int, per_year: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per entity with facts for ``year``: the year's row, panel facts, assessment facts.

    ``per_year`` (uscc, year, and entity columns that the registry knows year by year, such as
    ``tsme_registered_year``) replaces those columns in the panel before the panel facts are derived.
    """
    data = table.data
    panel = engine_frame(data)
    if per_year is not None and per_year.height:
        cols = [c for c in per_year.columns if c not in ("uscc", "year")]
        panel = panel.drop(cols).join(per_year.with_columns(pl.col("year").cast(panel["year"].dtype)),
                                      on=["uscc", "year"], how="left")
    facts = derive_facts(panel, year)
    if facts.height == 0:
        return facts
    try:
        from kechuang.engine.assess import assess

        result = assess(table, year)
        hte = result.hte.eligible
        assessed = pl.DataFrame({
            "uscc": result.panel.uscc,
            "hte_eligible": pl.Series([bool(p) if k else None for p, k in zip(hte.passed, hte.known, strict=True)],
                                      dtype=pl.Boolean),
            "tsme_eligible": pl.Series(result.tsme.eligible.true, dtype=pl.Boolean),
        })
        facts = facts.join(assessed, on="uscc", how="left")
    except Exception:  # no earlier fiscal years: the assessment facts stay unknown
        pass
    return facts


#: entity columns the registry gives year by year (the certificate in force, the registration of the year)
PER_YEAR = ("tsme_registered_year", "hte_certified_on")


def registry_table(entities, year: int) -> tuple[ExchangeTable | None, pl.DataFrame | None]:
    """The registry rows of ``entities`` (a queryset, already scoped) for ``year`` and the three years before.

    Read column by column by the entities module's ``assessment_facts`` (no model instances,
    no Python object per value; a handful of queries whatever the number of entities), with the entity
    columns as of 31 December of ``year`` (the certificate latest issued by then, the
    latest tech-SME registration of a year ≤ ``year``): what the assessment reads. The
    year-by-year values of ``tsme_registered_year`` and ``hte_certified_on`` (the
    certificate in force and the registration of each row's own year) come back separately
    for the panel facts (``tsme_consecutive_years``, ``is_new_high_tech``).
    """
    import datetime

    from kechuang.apps.entities.facts import assessment_facts
    from kechuang.engine.exchange import exchange_from_frame

    facts = assessment_facts(entities, year, datetime.date(year, 12, 31))
    if not len(facts):
        return None, None
    return exchange_from_frame(facts.frame(), source="registry"), per_year_columns(entities, facts, year)


def per_year_columns(entities, facts, year: int) -> pl.DataFrame:
    """(uscc, year, tsme_registered_year, hte_certified_on) for each row of ``facts``: the
    registration of the row's own year and the certificate latest issued by the end of it."""
    from kechuang.apps.entities.facts import fetch_columns
    from kechuang.apps.entities.models import HteCertificate, TsmeRegistration

    ids = entities.values("pk")
    rows = facts.frame().select("uscc", "year").with_columns(facts.entity_id)
    registered = fetch_columns(TsmeRegistration.objects.filter(entity__in=ids, year__lte=year)
                               .values_list("entity_id", "year").order_by(),
                               {"entity_id": pl.Int64, "year": pl.Int64}).unique()
    registered = registered.with_columns(pl.col("year").alias("tsme_registered_year"))
    certified = fetch_columns(HteCertificate.objects.filter(entity__in=ids, issued_on__year__lte=year)
                              .values_list("entity_id", "issued_on").order_by(),
                              {"entity_id": pl.Int64, "hte_certified_on": pl.Date})
    certified = (certified.group_by("entity_id", pl.col("hte_certified_on").dt.year().cast(pl.Int64)
                                    .alias("_issued_year")).agg(pl.col("hte_certified_on").max())
                 .sort("_issued_year"))
    # both sides are sorted by year (within each entity too): the latest certificate issued by then
    out = rows.sort("year").join_asof(certified, left_on="year", right_on="_issued_year", by="entity_id",
                                      strategy="backward", check_sortedness=False)
    out = out.join(registered, on=["entity_id", "year"], how="left")
    return out.select("uscc", "year", pl.col("tsme_registered_year").cast(pl.Int64),
                      pl.col("hte_certified_on").cast(pl.Date))


def registry_facts(entities, year: int) -> pl.DataFrame:
    """The engine's facts frame for the entities of a queryset (empty when none has facts for ``year``)."""
    table, per_year = registry_table(entities, year)
    if table is None:
        return pl.DataFrame({"uscc": pl.Series([], dtype=pl.String)})
    return policy_facts(table, year, per_year)
