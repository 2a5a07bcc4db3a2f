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


class AssessmentFacts:
    """The exchange table's columns for one assessment, one row per (entity, fiscal year),
    sorted by entity and year; ``entity_ids`` gives each row's entity."""

    def __init__(self, columns: dict[str, list], entity_ids: list[int]):
        self.columns = columns
        self.entity_ids = entity_ids

    def __len__(self) -> int:
        return len(self.entity_ids)

    def frame(self):
        """A Polars frame for ``exchange_from_frame`` (validated there, like any file)."""
        import polars as pl
        import pyarrow as pa

        series = []
        for spec in COLUMNS:
            values = self.columns[spec.key]
            if spec.kind in _DECIMAL_KINDS:   # through Arrow: several times faster for many Decimals
                series.append(pl.from_arrow(pa.array(values, pa.decimal128(38, 2))).alias(spec.key))
            else:
                series.append(pl.Series(spec.key, values, dtype=_dtype(spec)))
        return pl.DataFrame(series)

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

        series = []
        for spec in COLUMNS:
            values = self.columns[spec.key]
            if spec.kind in _DECIMAL_KINDS:
                values = [None if v is None else int(v * 100) for v in values]
            elif spec.kind == "points":
                values = [None if v is None else int(v) for v in values]
            series.append(pl.Series(spec.key, values, dtype=spec.dtype))
        frame = pl.DataFrame(series)
        return frame.with_columns(pl.col("non_taxable_income").fill_null(0))

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
    columns = {name: frame[name].to_list() for name in frame.columns}
    return AssessmentFacts(columns, [0] * frame.height).snapshots()[uscc]


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
    return AssessmentFacts(columns, [0] * len(columns["uscc"]))


def _json(value):
    import datetime
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    return value.isoformat() if isinstance(value, datetime.date) else value


def assessment_facts(entities, year: int, on) -> AssessmentFacts:
    """The exchange columns of an assessment for application year ``year`` on date ``on``:
    fiscal years Y−3…Y (a row for Y only matters for an incident reported in Y, R13).

    Read column-wise with ``values_list`` (no model instances: a run over 100,000
    entities reads about 400,000 rows). The entity columns are taken *as of the
    application date*: the certificate in force is the latest issued on or before ``on``
    (办法 第九条: valid three years; the engine checks the validity), and the tech-SME
    registration the latest of a year ≤ Y (R23), so a rerun of a past year sees what was
    true then.
    """
    entity_ids = entities.values("pk")
    certificate: dict[int, object] = {}
    for entity_id, issued_on in (HteCertificate.objects.filter(entity__in=entity_ids, issued_on__lte=on)
                                 .values_list("entity_id", "issued_on")):
        if entity_id not in certificate or issued_on > certificate[entity_id]:
            certificate[entity_id] = issued_on
    registration: dict[int, int] = {}
    for entity_id, reg_year in (TsmeRegistration.objects.filter(entity__in=entity_ids, year__lte=year)
                                .values_list("entity_id", "year")):
        registration[entity_id] = max(reg_year, registration.get(entity_id, reg_year))
    entity_specs = [spec for spec in COLUMNS if spec.level == "entity"]
    own: dict[int, tuple] = {}
    for values in (Entity.objects.filter(pk__in=entity_ids)
                   .values_list("pk", "uscc", "name", "registered_on", "industry_code", "tech_field", "listed",
                                "org_unit__code", "expert_grades", "national_award_top3_year", "led_standard_year")):
        pk, uscc, name, registered_on, industry, field, listed, division, grades, award, standard = values
        known = {"uscc": uscc, "name": name, "division_code": division, "registered_on": registered_on,
                 "industry_code": industry, "tech_field": field, "listed": listed,
                 "national_award_top3_year": award, "led_standard_year": standard,
                 "hte_certified_on": certificate.get(pk), "tsme_registered_year": registration.get(pk)}
        grades = grades or {}
        own[pk] = tuple(_frame_value(spec.kind, known[spec.key] if spec.key in known else grades.get(spec.key))
                        for spec in entity_specs)
    fact_specs = [spec for spec in COLUMNS if spec.level == "year" and spec.key != "year"]
    rows = list(EntityFact.objects.filter(entity__in=entity_ids, year__gte=year - 3, year__lte=year)
                .order_by("entity_id", "year").values_list("entity_id", "year", *[s.key for s in fact_specs])
                .iterator(chunk_size=5000))
    ids = [r[0] for r in rows]
    columns: dict[str, list] = {"year": [r[1] for r in rows]}
    for j, spec in enumerate(fact_specs, start=2):
        columns[spec.key] = [_frame_value(spec.kind, r[j]) for r in rows]
    for j, spec in enumerate(entity_specs):
        columns[spec.key] = [own[i][j] for i in ids]
    return AssessmentFacts(columns, ids)
