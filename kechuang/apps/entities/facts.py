"""The registry as the engine sees it: ORM rows → the canonical exchange table."""

from __future__ import annotations

from kechuang.engine.exchange import COLUMNS

from .models import Entity, EntityFact, HteCertificate, TsmeRegistration

_ENTITY_ATTRS = {"uscc", "name", "registered_on", "industry_code", "tech_field", "listed",
                 "national_award_top3_year", "led_standard_year"}


def exchange_rows(entities, years=None, *, as_of_each_year: bool = False):
    """One dict per (entity, year) with the exchange table's keys, in yuan (for files).

    ``entities`` is a queryset already scoped to the reader (``visible_to``). The exchange
    table holds one certificate date and one tech-SME registration year per entity (the
    latest); ``as_of_each_year`` gives instead the certificate in force and the
    registration of each row's own year (for facts derived from history).
    """
    facts = EntityFact.objects.filter(entity__in=entities).select_related("entity__org_unit").order_by(
        "entity__uscc", "year")
    if years:
        facts = facts.filter(year__in=years)
    latest_certificate = {}
    for entity in Entity.objects.filter(pk__in=entities.values("pk")).prefetch_related(
            "hte_certificates", "tsme_registrations"):
        certificates = sorted(c.issued_on for c in entity.hte_certificates.all())
        registrations = sorted(r.year for r in entity.tsme_registrations.all())
        latest_certificate[entity.pk] = (certificates, registrations)
    for fact in facts.iterator(chunk_size=2000):
        entity = fact.entity
        certificates, registrations = latest_certificate.get(entity.pk, ([], []))
        row = {}
        for spec in COLUMNS:
            key = spec.key
            if key in _ENTITY_ATTRS:
                value = getattr(entity, key)
            elif key == "division_code":
                value = entity.org_unit.code
            elif key == "year":
                value = fact.year
            elif key == "hte_certified_on":  # an entity column: the latest certificate
                if as_of_each_year:
                    value = max((d for d in certificates if d.year <= fact.year), default=None)
                else:
                    value = certificates[-1] if certificates else None
            elif key == "tsme_registered_year":  # an entity column: the latest registration
                if as_of_each_year:
                    value = fact.year if fact.year in registrations else None
                else:
                    value = registrations[-1] if registrations else None
            elif hasattr(fact, key):
                value = getattr(fact, key)
            else:
                value = entity.expert_grades.get(key)
            row[key] = value
        yield row


_FACT_KEYS = [spec.key for spec in COLUMNS if spec.level == "year" and spec.key != "year"]
_GRADE_KEYS = [spec.key for spec in COLUMNS if spec.level == "entity" and spec.key not in _ENTITY_ATTRS
               and spec.key not in {"division_code", "hte_certified_on", "tsme_registered_year"}]
_DECIMAL_KINDS = {"money", "signed_money", "staff"}   # handed over as exact decimals (2 places)
_TEXT_KINDS = {"points"}   # expert grades: text, as typed


def _frame_value(kind: str, value):
    """A registry value as the frame column of its kind takes it (amounts as exact decimals)."""
    if value is None or value == "":
        return None
    return str(value) if kind in _TEXT_KINDS else value


def _dtype(spec):
    import polars as pl

    if spec.kind in _DECIMAL_KINDS:
        return pl.Decimal(38, 2)   # the registry keeps 2 decimal places (models.MONEY, STAFF)
    if spec.kind in _TEXT_KINDS:
        return pl.String
    return {"date": pl.Date, "year": pl.Int64, "count": pl.Int64, "bool": pl.Boolean}.get(spec.kind, pl.String)


def frame_from_lists(columns: dict[str, list]):
    """The exchange frame (``COLUMNS`` order, :func:`_dtype` types) from Python lists of
    registry values as :func:`_frame_value` gives them (amounts ``Decimal``, blanks ``None``):
    for small inputs (stored snapshots, one entity's Parquet rows) and as the plain reference
    the column-wise reader is tested against."""
    import polars as pl
    import pyarrow as pa

    series = []
    for spec in COLUMNS:
        values = columns[spec.key]
        if spec.kind in _DECIMAL_KINDS:
            series.append(pl.from_arrow(pa.array(values, pa.decimal128(38, 2))).alias(spec.key))
        else:
            series.append(pl.Series(spec.key, values, dtype=_dtype(spec)))
    return pl.DataFrame(series)


class AssessmentFacts:
    """The exchange table's columns for one assessment, one row per (entity, fiscal year),
    sorted by entity and year, as a Polars frame (``data``: the ``COLUMNS`` in order, amounts
    exact ``Decimal(38, 2)``, blanks null); ``entity_id`` (a series) gives each row's entity,
    0 when the facts were read back from a stored file or snapshots."""

    def __init__(self, data, entity_ids=None):
        import polars as pl

        self.data = data
        if entity_ids is None:
            entity_ids = [0] * data.height
        self.entity_id = pl.Series("entity_id", entity_ids, dtype=pl.Int64)

    @classmethod
    def from_lists(cls, columns: dict[str, list], entity_ids=None) -> AssessmentFacts:
        """From Python lists per column key (see :func:`frame_from_lists`)."""
        return cls(frame_from_lists(columns), entity_ids)

    def __len__(self) -> int:
        return self.data.height

    @property
    def entity_ids(self) -> list[int]:
        """Each row's entity id, as a list."""
        return self.entity_id.to_list()

    @property
    def columns(self) -> dict[str, list]:
        """The columns as Python lists (dates ``date``, amounts ``Decimal``, blanks ``None``)."""
        return {name: self.data[name].to_list() for name in self.data.columns}

    def frame(self):
        """A Polars frame for ``exchange_from_frame`` (validated there, like any file)."""
        return self.data

    def snapshots(self) -> dict[str, dict]:
        """Per credit code, the facts as stored with a result: the entity columns once,
        the yearly columns per year, blanks left out (JSON: dates ISO, amounts as text)."""
        entity_keys = [s.key for s in COLUMNS if s.level == "entity"]
        year_keys = [s.key for s in COLUMNS if s.level == "year"]
        out: dict[str, dict] = {}
        cols = self.columns
        for i, uscc in enumerate(cols["uscc"]):
            snap = out.get(uscc)
            if snap is None:
                snap = out[uscc] = {"entity": {k: _json(cols[k][i]) for k in entity_keys if cols[k][i] is not None},
                                    "years": []}
            snap["years"].append({k: _json(cols[k][i]) for k in year_keys if cols[k][i] is not None})
        return out

    def canonical(self):
        """The columns directly in the validator's output form (``ExchangeTable.data``: money
        in fen, staff in hundredths, blank non-taxable income = 0), for the explain pass of
        one entity on its page. The registry's values were checked when they were entered
        (forms and imports use the exchange rules), so this skips parsing them again; the
        batch run (:meth:`frame`) validates the whole registry as it would a file, and a
        test checks that both give the same record."""
        import polars as pl

        out = []
        for spec in COLUMNS:
            column = pl.col(spec.key)
            if spec.kind in _DECIMAL_KINDS:
                column = (column * 100).cast(pl.Int64)   # exact: two decimal places
            out.append(column.cast(spec.dtype))
        return self.data.select(out).with_columns(pl.col("non_taxable_income").fill_null(0))

    def parquet(self) -> bytes:
        """The columns as one Parquet file (zstd), sorted by credit code and year: how a
        stored run keeps the facts it used (``AssessmentRunFacts``), once per run instead
        of a JSON copy per result. Amounts stay exact text, dates dates."""
        import io

        buffer = io.BytesIO()
        self.frame().sort(["uscc", "year"]).write_parquet(buffer, compression="zstd", row_group_size=20_000,
                                                          statistics=True)
        return buffer.getvalue()


def snapshot_from_parquet(data: bytes, uscc: str) -> dict:
    """One entity's facts out of a run's Parquet file, in the shape :meth:`AssessmentFacts.snapshots`
    gives: ``{"entity": {…}, "years": [{…}, …]}``, blanks left out, dates ISO, amounts text.
    Empty when the run did not assess the entity."""
    import io

    import polars as pl

    frame = pl.scan_parquet(io.BytesIO(data)).filter(pl.col("uscc") == uscc).collect()
    if not frame.height:
        return {}
    return AssessmentFacts(frame).snapshots()[uscc]


def facts_from_snapshots(snapshots) -> AssessmentFacts:
    """The columns back from stored snapshots (``{"entity": …, "years": […]}`` per entity), as
    the migration that moved the per-result JSON copies into one file per run reads them."""
    import datetime
    from decimal import Decimal

    columns: dict[str, list] = {spec.key: [] for spec in COLUMNS}
    for snap in snapshots:
        for year in snap["years"]:
            row = {**snap["entity"], **year}
            for spec in COLUMNS:
                value = row.get(spec.key)
                if spec.kind == "date" and isinstance(value, str):
                    value = datetime.date.fromisoformat(value)
                elif spec.kind in _DECIMAL_KINDS and value is not None:
                    value = Decimal(str(value))
                columns[spec.key].append(value)
    return AssessmentFacts.from_lists(columns)


def _json(value):
    import datetime
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    return value.isoformat() if isinstance(value, datetime.date) else value


def fetch_columns(queryset, dtypes: dict):
    """The rows of a ``values_list`` queryset as a Polars frame, column by column.

    ``dtypes`` gives the Polars type of each selected field, in order. The SQL Django
    compiles goes, on PostgreSQL, through ``COPY … TO STDOUT`` as CSV parsed by Polars
    (:func:`_copy_columns`: no Python object per value); elsewhere (SQLite: tests, small
    installs) it is run on a plain cursor and fetched at once (no model instances, no
    per-value converters), then each column is typed in Polars: SQLite's ISO date text and
    0/1 booleans are parsed by the casts here."""
    import polars as pl
    from django.core.exceptions import EmptyResultSet
    from django.db import connections

    connection = connections[queryset.db]
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:   # e.g. ``Entity.objects.none()``: nothing to ask the database
        sql, rows = None, []
    if sql is not None and connection.vendor == "postgresql":
        return _copy_columns(connection, sql, params, dtypes)
    if sql is not None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) or [()] * len(dtypes)
    series = []
    for (name, dtype), values in zip(dtypes.items(), columns, strict=True):
        column = pl.Series(name, values, strict=False)
        if dtype == pl.Date and column.dtype == pl.String:
            column = column.str.to_date("%Y-%m-%d")
        series.append(column.cast(dtype))
    return pl.DataFrame(series)


def _copy_columns(connection, sql: str, params, dtypes: dict):
    """PostgreSQL: the query's rows through ``COPY … TO STDOUT`` as CSV, parsed by Polars
    (every column read as text, then cast: ``t``/``f`` booleans, ISO dates, exact decimals),
    so no Python object is made per value."""
    import io

    import polars as pl

    with connection.cursor() as cursor:
        raw = cursor.cursor   # the psycopg cursor (Django binds parameters on the client side)
        if not hasattr(raw, "mogrify"):   # server-side binding configured: bind on the client here
            import psycopg

            raw = psycopg.ClientCursor(raw.connection)
        query = raw.mogrify(sql, params)
        with raw.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
            data = b"".join(copy)   # one block per row: joined in C
    text = {name: pl.String for name in dtypes}
    frame = (pl.read_csv(io.BytesIO(data), has_header=False, schema=text) if data
             else pl.DataFrame(schema=text))
    columns = []
    for name, dtype in dtypes.items():
        column = pl.col(name)
        if dtype == pl.Boolean:
            column = pl.when(column.is_null()).then(None).otherwise(column == "t")
        elif dtype == pl.Date:
            column = column.str.to_date("%Y-%m-%d")
        columns.append(column.cast(dtype).alias(name))
    return frame.select(columns)


def _blank_to_null(frame):
    """Empty text → null in every text column (the registry stores blanks as ``""``)."""
    import polars as pl

    return frame.with_columns(pl.when(pl.col(pl.String) != "").then(pl.col(pl.String)).name.keep())


def assessment_facts(entities, year: int, on) -> AssessmentFacts:
    """The exchange columns of an assessment for application year ``year`` on date ``on``:
    fiscal years Y−3…Y (a row for Y only matters for an incident reported in Y, R13).

    Read column by column, with no Python work per value (:func:`fetch_columns`): the
    amounts and the expert grades are turned into text in SQL (``numeric::varchar`` is
    exact; the grades come out of the JSON column with ``->>``) and parsed by Polars, the
    amounts into ``Decimal(38, 2)``; the entity columns are read once per entity and joined
    on the entity id. The entity columns are taken *as of the application date*: the
    certificate in force is the latest issued on or before ``on`` (办法 第九条: valid three
    years; the engine checks the validity), and the tech-SME registration the latest of a
    year ≤ Y (R23), so a rerun of a past year sees what was true then. A test compares the
    result with a plain per-row reading (``entities/tests/test_facts_reader.py``).
    """
    import polars as pl
    from django.db.models import CharField, Max
    from django.db.models.fields.json import KeyTextTransform
    from django.db.models.functions import Cast

    by_key = {spec.key: spec for spec in COLUMNS}
    entity_ids = entities.values("pk")
    certificate = fetch_columns(
        HteCertificate.objects.filter(entity__in=entity_ids, issued_on__lte=on).values("entity_id")
        .annotate(latest=Max("issued_on")).values_list("entity_id", "latest").order_by(),
        {"entity_id": pl.Int64, "hte_certified_on": pl.Date})
    registration = fetch_columns(
        TsmeRegistration.objects.filter(entity__in=entity_ids, year__lte=year).values("entity_id")
        .annotate(latest=Max("year")).values_list("entity_id", "latest").order_by(),
        {"entity_id": pl.Int64, "tsme_registered_year": pl.Int64})
    own_keys = ["uscc", "name", "registered_on", "industry_code", "tech_field", "listed",
                "national_award_top3_year", "led_standard_year"]
    grades = {f"_{k}": Cast(KeyTextTransform(k, "expert_grades"), output_field=CharField()) for k in _GRADE_KEYS}
    own = fetch_columns(
        Entity.objects.filter(pk__in=entity_ids).annotate(**grades)
        .values_list("pk", "org_unit__code", *own_keys, *grades).order_by(),
        {"entity_id": pl.Int64, "division_code": pl.String, **{k: _dtype(by_key[k]) for k in own_keys},
         **{k: pl.String for k in _GRADE_KEYS}})
    own = (own.join(certificate, on="entity_id", how="left")
              .join(registration, on="entity_id", how="left"))

    fact_specs = [by_key[k] for k in _FACT_KEYS]
    amounts = {f"_{s.key}": Cast(s.key, output_field=CharField()) for s in fact_specs if s.kind in _DECIMAL_KINDS}
    fields = ["entity_id", "year"] + [f"_{s.key}" if s.kind in _DECIMAL_KINDS else s.key for s in fact_specs]
    yearly = fetch_columns(
        EntityFact.objects.filter(entity__in=entity_ids, year__gte=year - 3, year__lte=year)
        .annotate(**amounts).order_by("entity_id", "year").values_list(*fields),
        {"entity_id": pl.Int64, "year": pl.Int64, **{s.key: _dtype(s) for s in fact_specs}})
    joined = _blank_to_null(yearly.join(own, on="entity_id", how="left", maintain_order="left"))
    return AssessmentFacts(joined.select(pl.col(spec.key).cast(_dtype(spec)) for spec in COLUMNS),
                           joined["entity_id"])
