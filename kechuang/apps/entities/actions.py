"""Every write to the entity registry: ``do_<verb>_<noun>(…, acting_user)``, audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.audit import record, snapshot
from kechuang.apps.common.tabular import CellError, ImportRejected
from kechuang.engine.exchange import PLATFORM_KEYS

from .models import (
    Entity,
    EntityChange,
    EntityFact,
    EntityMembership,
    HteCertificate,
    TsmeRegistration,
)
from .validators import validate_uscc

ENTITY_FIELDS = ["name", "kind", "registered_on", "industry_code", "tech_field", "ownership", "listed",
                 "deregistered_on", "national_award_top3_year", "led_standard_year"]
FACT_FIELDS = [f.name for f in EntityFact._meta.concrete_fields
               if f.name not in {"id", "entity", "year", "created_at", "updated_at", "created_by", "modified_by"}]


def _require_unit(acting_user, unit: OrgUnit) -> None:
    if acting_user is None or acting_user.is_superuser:
        return
    if not OrgUnit.objects.visible_to(acting_user, "entities.manage_entity").filter(pk=unit.pk).exists():
        raise ValidationError(_("“%(unit)s” is outside your units.") % {"unit": unit.name})


@transaction.atomic
def do_create_entity(*, acting_user, uscc: str, name: str, org_unit: OrgUnit, **fields) -> Entity:
    """Register an entity in a division inside the acting user's units.
    Audit verb ``entities.entity.create``."""
    uscc = uscc.strip().upper()
    validate_uscc(uscc)
    _require_unit(acting_user, org_unit)
    if Entity.objects.filter(uscc=uscc).exists():
        raise ValidationError(_("An entity with the credit code %(code)s is already registered.") % {"code": uscc})
    entity = Entity(uscc=uscc, name=name.strip(), org_unit=org_unit, created_by=acting_user,
                    modified_by=acting_user, **{k: v for k, v in fields.items() if k in ENTITY_FIELDS})
    entity.full_clean()
    entity.save()
    record("entities.entity.create", entity, actor=acting_user, unit=org_unit, after=snapshot(entity))
    return entity


@transaction.atomic
def do_update_entity(entity: Entity, *, acting_user, org_unit: OrgUnit | None = None,
                     effective_on: datetime.date | None = None, **fields) -> Entity:
    """Change an entity's own columns; a new name or division is kept in its history.
    Audit verb ``entities.entity.update``."""
    _require_unit(acting_user, entity.org_unit)
    before = snapshot(entity)
    if org_unit is not None and org_unit.pk != entity.org_unit_id:
        _require_unit(acting_user, org_unit)
        EntityChange.objects.create(entity=entity, field="org_unit", old_value=entity.org_unit.code,
                                    new_value=org_unit.code, effective_on=effective_on)
        entity.org_unit = org_unit
    new_name = fields.get("name")
    if new_name and new_name != entity.name:
        EntityChange.objects.create(entity=entity, field="name", old_value=entity.name, new_value=new_name,
                                    effective_on=effective_on)
    for key, value in fields.items():
        if key in ENTITY_FIELDS:
            setattr(entity, key, value)
    entity.modified_by = acting_user
    entity.full_clean()
    entity.save()
    record("entities.entity.update", entity, actor=acting_user, unit=entity.org_unit, before=before,
           after=snapshot(entity))
    return entity


@transaction.atomic
def do_save_facts(entity: Entity, year: int, *, acting_user, **values) -> EntityFact:
    """Create or replace an entity's facts for a fiscal year.
    Audit verb ``entities.entityfact.create`` or ``.update``."""
    fact = EntityFact.objects.filter(entity=entity, year=year).first()
    before = snapshot(fact) if fact else None
    if fact is None:
        fact = EntityFact(entity=entity, year=year, created_by=acting_user)
    for key, value in values.items():
        if key in FACT_FIELDS:
            setattr(fact, key, value)
    fact.modified_by = acting_user
    fact.full_clean()
    _check_fact_consistency(fact)
    fact.save()
    fact.refresh_from_db()  # the audit entry shows the values as stored (2 decimal places)
    verb = "entities.entityfact.update" if before else "entities.entityfact.create"
    record(verb, fact, actor=acting_user, unit=entity.org_unit, before=before, after=snapshot(fact))
    return fact


def _check_fact_consistency(fact: EntityFact) -> None:
    """The exchange table's cross-column rules (ENTITY_COLUMNS.md, Validation)."""
    errors = {}
    if fact.tech_staff is not None and fact.employees is not None and fact.tech_staff > fact.employees:
        errors["tech_staff"] = _("S&T staff cannot exceed the number of employees.")
    if (fact.rd_expense_domestic is not None and fact.rd_expense is not None
            and fact.rd_expense_domestic > fact.rd_expense):
        errors["rd_expense_domestic"] = _("R&D expense in China cannot exceed the total R&D expense.")
    if (fact.high_tech_income is not None and fact.total_income is not None
            and fact.high_tech_income > fact.total_income):
        errors["high_tech_income"] = _("High-tech income cannot exceed total income.")
    for name in FACT_FIELDS:
        value = getattr(fact, name)
        if name != "net_assets" and hasattr(value, "is_signed") and value.is_signed():
            errors[name] = _("The amount cannot be negative.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_link_member(entity: Entity, user, *, acting_user) -> EntityMembership:
    """Let an enterprise user maintain an entity. Audit verb ``entities.entitymembership.create``."""
    _require_unit(acting_user, entity.org_unit)
    membership, created = EntityMembership.objects.get_or_create(
        user=user, entity=entity, defaults={"created_by": acting_user, "modified_by": acting_user})
    if created:
        record("entities.entitymembership.create", membership, actor=acting_user, unit=entity.org_unit,
               after=snapshot(membership))
    return membership


# --- bulk: the exchange table --------------------------------------------------------

_GRADE_KEYS = ("ip_advancement_grade", "ip_core_support_grade", "ip_acquisition", "standards_grade",
               "mgmt_rd_system", "mgmt_rd_institution", "mgmt_conversion_system", "mgmt_talent_system")


def _yuan(fen):
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _facts_from_row(row: dict) -> dict:
    """Model values of one canonical exchange row (fen → yuan, hundredths → staff)."""
    from kechuang.engine.exchange import COLUMN_BY_KEY

    values = {}
    for name in FACT_FIELDS:
        spec = COLUMN_BY_KEY.get(name)
        value = row.get(name)
        if spec is not None and spec.kind in ("money", "signed_money", "staff"):
            value = _yuan(value)
        if name == "rd_institution_level" and value is None:
            value = ""
        values[name] = value
    return values


@transaction.atomic
def do_import_exchange(table, *, acting_user, batch_file=None, progress=None) -> dict:
    """Write a validated exchange table (``kechuang.engine.exchange.ExchangeTable``), all or
    nothing: entities are created or updated (a new name or division goes into their
    history), each (entity, year) row replaces that year's facts, certificates and tech-SME
    registrations are added. One audit entry (``entities.entity.import``) records the batch,
    with the file kept. Rows of divisions outside the acting user's units refuse the file.
    """
    data = table.data
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=data["division_code"].drop_nulls().unique().to_list())}
    allowed = None
    if acting_user is not None and not acting_user.is_superuser:
        allowed = set(OrgUnit.objects.visible_to(acting_user, "entities.manage_entity")
                      .filter(code__in=list(units)).values_list("code", flat=True))
    errors = []
    for index, code in enumerate(data["division_code"].to_list()):
        if code is not None and (code not in units or (allowed is not None and code not in allowed)):
            errors.append(CellError(table.source, index + 2, "行政区划代码",
                                    _("The division %(code)s is not one of your units.") % {"code": code}))
    rows = data.to_dicts()
    existing = {e.uscc: e for e in Entity.objects.filter(uscc__in=data["uscc"].unique().to_list())}
    for index, row in enumerate(rows):
        if row["uscc"] not in existing and (row.get("division_code") is None or not row.get("name")):
            errors.append(CellError(table.source, index + 2, "单位名称",
                                    _("%(code)s is not registered yet: its name and division are needed.")
                                    % {"code": row["uscc"]}))
    if errors:
        raise ImportRejected(errors[:1000])

    created = updated = 0
    seen: dict[str, Entity] = {}
    new_entities = []
    for row in rows:
        uscc = row["uscc"]
        if uscc in seen:
            continue
        entity = existing.get(uscc)
        own = {"name": row.get("name"), "registered_on": row.get("registered_on"),
               "industry_code": row.get("industry_code") or "", "tech_field": row.get("tech_field") or "",
               "listed": bool(row.get("listed"))}
        for key in PLATFORM_KEYS:   # the platform's optional columns: only when the file has them
            if key in table.columns:
                own[key] = row.get(key)
        grades = {k: row[k] for k in _GRADE_KEYS if row.get(k) is not None}
        unit = units.get(row.get("division_code"))
        if entity is None:
            entity = Entity(uscc=uscc, org_unit=unit, expert_grades=grades, created_by=acting_user,
                            modified_by=acting_user, **own)
            new_entities.append(entity)
            created += 1
        else:
            if own["name"] and own["name"] != entity.name:
                EntityChange.objects.create(entity=entity, field="name", old_value=entity.name,
                                            new_value=own["name"])
            if unit is not None and unit.pk != entity.org_unit_id:
                EntityChange.objects.create(entity=entity, field="org_unit", old_value=entity.org_unit.code,
                                            new_value=unit.code)
                entity.org_unit = unit
            for key, value in own.items():
                if key in ("name", "registered_on") and value is None:
                    continue
                setattr(entity, key, value)
            entity.expert_grades = {**entity.expert_grades, **grades}
            entity.modified_by = acting_user
            entity.save()
            updated += 1
        seen[uscc] = entity
    Entity.objects.bulk_create(new_entities, batch_size=2000)
    if new_entities and new_entities[0].pk is None:  # backends that return no ids (none today)
        ids = dict(Entity.objects.filter(uscc__in=[e.uscc for e in new_entities]).values_list("uscc", "pk"))
        for e in new_entities:
            e.pk = ids[e.uscc]

    # Each (entity, year) of the file replaces that year's facts: delete them year by year,
    # in chunks (SQLite limits the parameters of one statement).
    by_year: dict[int, list[int]] = {}
    for r in rows:
        by_year.setdefault(r["year"], []).append(seen[r["uscc"]].pk)
    for year, ids in by_year.items():
        for start in range(0, len(ids), 900):
            EntityFact.objects.filter(year=year, entity_id__in=ids[start:start + 900]).delete()
    facts = []
    certificates = {}
    registrations = {}
    for done, row in enumerate(rows, start=1):
        entity = seen[row["uscc"]]
        facts.append(EntityFact(entity=entity, year=row["year"], created_by=acting_user, modified_by=acting_user,
                                **_facts_from_row(row)))
        if row.get("hte_certified_on"):
            certificates[(entity.pk, row["hte_certified_on"])] = entity
        if row.get("tsme_registered_year"):
            registrations[(entity.pk, row["tsme_registered_year"])] = entity
        if progress and done % 5000 == 0:
            progress(done, len(rows))
    EntityFact.objects.bulk_create(facts, batch_size=2000)
    HteCertificate.objects.bulk_create(
        [HteCertificate(entity=e, issued_on=d, created_by=acting_user) for (_pk, d), e in certificates.items()],
        batch_size=2000, ignore_conflicts=True)
    TsmeRegistration.objects.bulk_create(
        [TsmeRegistration(entity=e, year=y, created_by=acting_user) for (_pk, y), e in registrations.items()],
        batch_size=2000, ignore_conflicts=True)
    summary = {"rows": len(rows), "entities_created": created, "entities_updated": updated}
    if len(rows) >= BULK_ROWS:  # a bulk import: the planner must know the tables' new sizes
        for model in (Entity, EntityFact, HteCertificate, TsmeRegistration):
            _refresh_statistics(model)
    record("entities.entity.import", actor=acting_user, object_type="entities.entity",
           object_repr=_("Import of %(count)s rows of entity facts") % {"count": len(rows)},
           after=summary, batch_file=batch_file, row_count=len(rows))
    return summary


# --- stored assessments ------------------------------------------------------------------

def _require_run_unit(acting_user, unit: OrgUnit) -> None:
    if acting_user is None or acting_user.is_superuser:
        return
    if not OrgUnit.objects.visible_to(acting_user, "entities.run_assessment").filter(pk=unit.pk).exists():
        raise ValidationError(_("“%(unit)s” is outside your units.") % {"unit": unit.name})


def do_run_assessment(*, year: int, unit: OrgUnit, acting_user, on: datetime.date | None = None,
                      progress=None):
    """Assess every entity of ``unit`` and the units below it for application year ``year``
    and store the results (docs/assessments.md, "Stored runs").

    Reads the registry as an exchange table (``facts.assessment_facts``: fiscal years
    Y−3…Y), runs the engine's batch ``assess`` once with the ladder criteria in force for
    the unit (``assessments.criteria_for``), then in one transaction stores the run, one
    ``AssessmentResult`` per entity (bulk, in batches) and makes them the current results
    of the year for the unit's entities (older runs stay as history). One audit entry
    (``entities.assessmentrun.create``) records the run. Raises ``ExchangeRejected`` when
    the registry's facts do not pass the exchange-table checks (nothing is stored).
    """
    import time

    from django.db.models import Q
    from django.utils import timezone

    from kechuang.engine.assess import STAGES, AssessOptions, assess, default_application_date
    from kechuang.engine.assess.run import gc_paused
    from kechuang.engine.exchange import exchange_from_frame

    from .assessments import criteria_for, options_to_json, rule_version
    from .facts import assessment_facts
    from .models import AssessmentResult, AssessmentRun, AssessmentRunFacts

    _require_run_unit(acting_user, unit)
    started = time.perf_counter()
    on = on or default_application_date(year)
    if isinstance(on, str):
        on = datetime.date.fromisoformat(on)
    report = progress or (lambda done, total, message="": None)
    criteria, criteria_source, _setting = criteria_for(unit)
    options = AssessOptions(ladder=criteria)
    entities = Entity.objects.filter(org_unit__path__startswith=unit.path).filter(
        Q(deregistered_on__isnull=True) | Q(deregistered_on__gt=on))
    report(0, None, _("Reading the registry"))
    facts = assessment_facts(entities, year, on)
    records, pool = [], {}
    if len(facts):
        count = facts.entity_id.n_unique()
        report(0, count, _("Assessing %(count)s entities") % {"count": count})
        result = assess(exchange_from_frame(facts.frame(), source=unit.name), year, on, options)
        with gc_paused():   # ~10 small containers an entity, no cycles: spare the collector's passes
            records = result.records()
            pool = {entry["uscc"]: entry for entry in result.candidates()}
    info = {uscc: (pk, unit_id) for uscc, pk, unit_id in entities.values_list("uscc", "pk", "org_unit_id")}

    counts = {stage: 0 for stage in STAGES}
    counts.update(hte_eligible=0, hte_undecided=0, tsme_eligible=0, tsme_direct=0, candidates=len(pool),
                  three_zeros_any=0)
    with transaction.atomic():
        # One run at a time per region: the root unit's row is the lock (PostgreSQL; SQLite
        # serialises writers anyway), so two runs never both leave their results current.
        root_code = unit.path.strip("/").split("/")[0]
        list(OrgUnit.objects.select_for_update().filter(code=root_code).values_list("pk"))
        run = AssessmentRun.objects.create(year=year, on=on, org_unit=unit, options=options_to_json(options),
                                           criteria_source=criteria_source, rule_version=rule_version(options),
                                           created_by=acting_user if getattr(acting_user, "pk", None) else None)
        AssessmentResult.objects.filter(year=year, current=True,
                                        entity__org_unit__path__startswith=unit.path).update(current=False)
        if len(facts):
            AssessmentRunFacts.objects.create(run=run, data=facts.parquet(), rows=len(facts))
        rows = []
        with gc_paused():   # one dict a result and its JSON: no cycles, spare the collector's passes
            for rec in records:
                uscc = rec["uscc"]
                hte = dict(rec["hte"])
                eligible = hte.pop("eligible")
                entry = pool.get(uscc)
                counts[rec["stage"]] += 1
                counts["hte_eligible"] += eligible is True
                counts["hte_undecided"] += eligible is None
                counts["tsme_eligible"] += rec["tsme"]["eligible"]
                counts["tsme_direct"] += rec["tsme"]["direct"]
                counts["three_zeros_any"] += bool(rec["three_zeros"])
                rows.append({"run_id": run.pk, "entity_id": info[uscc][0], "org_unit_id": info[uscc][1], "uscc": uscc,
                             "year": year, "current": True, "hte_eligible": eligible, "hte": hte,
                             "tsme_eligible": rec["tsme"]["eligible"], "tsme_score": rec["tsme"]["score"],
                             "tsme_direct": rec["tsme"]["direct"], "tsme": rec["tsme"],
                             "three_zeros": rec["three_zeros"], "stage": rec["stage"],
                             "stage_rank": STAGES.index(rec["stage"]), "candidate": entry is not None,
                             "gaps": entry["gaps"] if entry else [], "pending": entry["pending"] if entry else []})
            report(0, len(rows), _("Storing the results"))
            _store_results(rows, progress=lambda done: report(done, len(rows), _("Storing the results")))
        _refresh_statistics(AssessmentResult)
        run.status = AssessmentRun.Status.DONE
        run.entity_count = len(records)
        run.counts = counts
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - started, 3)
        run.save()
        record("entities.assessmentrun.create", run, actor=acting_user, unit=unit,
               after={"year": year, "on": on.isoformat(), "unit": unit.code, "rule_version": run.rule_version,
                      "criteria": criteria_source, "entities": run.entity_count, "counts": counts},
               row_count=run.entity_count)
    report(len(records), len(records), _("%(count)s entities assessed") % {"count": len(records)})
    return run


BULK_ROWS = 1000  # imports and runs at least this large refresh the tables' statistics


def _refresh_statistics(model) -> None:
    """PostgreSQL: ``ANALYZE`` a table that just received many rows, so that the planner
    knows an entity has a few results, not thousands, from the moment the run commits (the
    entity page and the result lists would otherwise get parallel scans until autovacuum)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _store_results(rows: list[dict], *, progress=None, batch: int = 5000) -> None:
    """Insert result rows (dicts of ``AssessmentResult`` column attnames): with ``COPY`` on
    PostgreSQL (psycopg 3), elsewhere ``bulk_create``; in batches, reporting progress."""
    import json

    from django.db import connection

    from .models import AssessmentResult

    if not rows:
        return
    fields = [f for f in AssessmentResult._meta.concrete_fields if not f.primary_key]
    json_columns = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(AssessmentResult._meta.db_table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor:
            for start in range(0, len(rows), batch):
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows[start:start + batch]:
                        copy.write_row([json.dumps(row[f.attname], ensure_ascii=False) if f.attname in json_columns
                                        else row[f.attname] for f in fields])
                if progress:
                    progress(min(start + batch, len(rows)))
        return
    for start in range(0, len(rows), batch):
        AssessmentResult.objects.bulk_create([AssessmentResult(**row) for row in rows[start:start + batch]])
        if progress:
            progress(min(start + batch, len(rows)))


@transaction.atomic
def do_set_ladder_criteria(unit: OrgUnit, *, acting_user, values: dict | None):
    """Store a bureau's own gazelle and leading-enterprise criteria for its unit (used by
    the next run over the unit or a unit below it), or with ``values`` None return to the
    platform defaults. Audit verb ``entities.laddersetting.update`` (or ``.create``,
    ``.delete``)."""
    from .assessments import LADDER_FIELDS
    from .models import LadderSetting

    _require_run_unit(acting_user, unit)
    setting = LadderSetting.objects.filter(org_unit=unit).first()
    before = snapshot(setting) if setting else None
    if values is None:
        if setting is not None:
            record("entities.laddersetting.delete", setting, actor=acting_user, unit=unit, before=before)
            setting.delete()
        return None
    if setting is None:
        setting = LadderSetting(org_unit=unit, created_by=acting_user)
    for name in LADDER_FIELDS:
        setattr(setting, name, values[name])
    setting.modified_by = acting_user
    setting.full_clean()
    setting.save()
    record("entities.laddersetting.update" if before else "entities.laddersetting.create", setting,
           actor=acting_user, unit=unit, before=before, after=snapshot(setting))
    return setting
