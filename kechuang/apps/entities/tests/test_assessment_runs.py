"""Stored assessment runs: the results equal the engine's, runs keep history, readers see
only their units' results, transitions, ladder criteria, Excel export, computed indicators."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError

from kechuang.apps.audit.models import AuditEntry
from kechuang.apps.entities import actions
from kechuang.apps.entities.assessments import criteria_for, options_from_json, rule_version
from kechuang.apps.entities.models import (
    AssessmentResult,
    AssessmentRun,
    Entity,
    HteCertificate,
    TsmeRegistration,
)
from kechuang.apps.plans import computations
from kechuang.engine.assess import AssessOptions, LadderCriteria, assess
from kechuang.engine.exchange import exchange_from_rows
from kechuang.testing import valid_uscc

from .conftest import FACTS

pytestmark = pytest.mark.django_db

M = 1_000_000


def _run(people, year=2025, unit="150000", user=None, **kwargs):
    return actions.do_run_assessment(year=year, unit=people.units[unit], acting_user=user or people.admin, **kwargs)


def test_a_run_stores_the_engines_records_and_pool_for_the_facts_it_used(registry):
    run = _run(registry)
    results = list(run.results.order_by("uscc"))
    assert run.status == AssessmentRun.Status.DONE and run.entity_count == len(results) == 82
    # Rebuild the exchange table from the stored facts and assess it again with the stored options.
    rows = [{**r.facts["entity"], **year} for r in results for year in r.facts["years"]]
    options = options_from_json(run.options)
    assert options == AssessOptions()
    again = assess(exchange_from_rows(rows), 2025, run.on, options)
    assert [r.record() for r in results] == sorted(again.records(), key=lambda rec: rec["uscc"])
    pool = {entry["uscc"]: entry for entry in again.candidates()}
    assert {r.uscc for r in results if r.candidate} == set(pool)
    for r in results:
        if r.candidate:
            assert r.gaps == pool[r.uscc]["gaps"] and r.pending == pool[r.uscc]["pending"]
    assert run.rule_version == rule_version(options) and run.rule_version.startswith("r1-")
    assert run.counts["hte_eligible"] == sum(r.hte_eligible is True for r in results)
    assert sum(run.counts[s] for s in ("none", "tsme", "hte", "gazelle", "leading", "listed")) == 82
    entry = AuditEntry.objects.get(verb="entities.assessmentrun.create")
    assert entry.actor == registry.admin and entry.after["entities"] == 82 and entry.row_count == 82


def test_a_rerun_keeps_the_history_and_becomes_current(registry):
    entity = registry.entities["wuhai"]
    first = _run(registry)
    actions.do_save_facts(entity, 2024, acting_user=None, **{**FACTS, "rd_expense": "0", "rd_expense_domestic": "0"})
    second = _run(registry)
    assert AssessmentResult.objects.filter(entity=entity, year=2025).count() == 2
    current = AssessmentResult.objects.get(entity=entity, year=2025, current=True)
    assert current.run == second
    old = AssessmentResult.objects.get(entity=entity, run=first)
    assert old.facts["years"][-1]["rd_expense"] == "3000000.00"
    assert current.facts["years"][-1]["rd_expense"] == "0.00"
    assert AssessmentResult.objects.filter(current=True, year=2025).count() == 82
    assert AuditEntry.objects.filter(verb="entities.assessmentrun.create").count() == 2


def test_a_city_run_covers_only_its_city_and_a_bureau_cannot_run_outside_its_units(registry):
    region = _run(registry)
    city = _run(registry, unit="150300", user=registry.officer_wuhai)
    wuhai = Entity.objects.filter(org_unit__path__startswith=registry.units["150300"].path)
    assert city.entity_count == AssessmentResult.objects.filter(run=city).count() == wuhai.filter(
        facts__isnull=False).distinct().count()
    # Hohhot's results of the region run stay current; Wuhai's are now the city run's.
    assert AssessmentResult.objects.get(entity=registry.entities["hohhot"], current=True).run == region
    assert AssessmentResult.objects.get(entity=registry.entities["wuhai"], current=True).run == city
    with pytest.raises(ValidationError):
        _run(registry, unit="150100", user=registry.officer_wuhai)


def test_readers_see_only_their_units_results(registry, login):
    _run(registry)

    def seen(user):
        return set(AssessmentResult.objects.visible_to(user).values_list("entity__org_unit__path", flat=True))

    assert all(p.startswith(registry.units["150300"].path) for p in seen(registry.officer_wuhai))
    assert all(p.startswith(registry.units["150302"].path) for p in seen(registry.reporter_haibowan))
    assert all(p.startswith(registry.units["150100"].path) for p in seen(registry.officer_hohhot))
    assert set(AssessmentResult.objects.visible_to(registry.enterprise).values_list("entity", flat=True)) == {
        registry.entities["wuhai"].pk}
    assert not AssessmentResult.objects.visible_to(registry.expert).exists()

    hohhot_name = registry.entities["hohhot"].name
    reporter = login(registry.reporter_haibowan)
    page = reporter.get("/entities/assessments/?year=2025").content.decode()
    assert registry.entities["wuhai"].name in page and hohhot_name not in page
    assert reporter.get("/entities/assessments/runs/new/").status_code == 403
    enterprise = login(registry.enterprise)
    page = enterprise.get("/entities/assessments/?year=2025").content.decode()
    assert registry.entities["wuhai"].name in page and "示例瀚海" not in page and "0000号" not in page
    assert login(registry.expert).get("/entities/assessments/").status_code == 403
    assert login(registry.expert).get("/entities/assessments/pool/").status_code == 403


def test_the_results_export_to_excel_with_one_row_per_visible_result(registry, login):
    from openpyxl import load_workbook

    _run(registry)
    client = login(registry.officer_wuhai)
    response = client.get("/entities/assessments/?year=2025&export=xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    visible = AssessmentResult.objects.visible_to(registry.officer_wuhai).filter(current=True, year=2025)
    assert len(rows) == 1 + visible.count()
    assert rows[0][0] == "统一社会信用代码"
    assert {r[0] for r in rows[1:]} == set(visible.values_list("uscc", flat=True))
    pool = client.get("/entities/assessments/pool/?year=2025&export=xlsx")
    pool_rows = list(load_workbook(io.BytesIO(pool.content)).active.iter_rows(values_only=True))
    assert len(pool_rows) == 1 + visible.filter(candidate=True).count()


def test_a_pool_candidate_shows_its_gaps_in_chinese(registry, login):
    entity = registry.entities["wuhai"]
    # R&D 4.0 % of sales (needs 5 % at ≤ 50 million yuan) and registered as a tech SME.
    for year in (2022, 2023, 2024):
        actions.do_save_facts(entity, year, acting_user=None,
                              **{**FACTS, "rd_expense": "1600000", "rd_expense_domestic": "1600000"})
    TsmeRegistration.objects.create(entity=entity, year=2025)
    _run(registry)
    result = AssessmentResult.objects.get(entity=entity, current=True)
    assert result.candidate and result.stage == "tsme"
    assert any(gap.startswith("研发费用占比 4.0%") for gap in result.gaps)
    page = login(registry.officer_wuhai).get("/entities/assessments/pool/?year=2025").content.decode()
    assert entity.name in page and "研发费用占比 4.0%" in page


def test_transitions_between_two_years(registry, login):
    """Promoted: registered as a tech SME in 2025 only; dropped: in 2024 only; expiring: a
    certificate issued in 2022 expires in 2025 (valid three years, 办法 第九条)."""
    units = registry.units
    made = {}
    for key, body in (("promoted", "91150303MA0000021"), ("dropped", "91150303MA0000022"),
                      ("expiring", "91150303MA0000023")):
        entity = actions.do_create_entity(acting_user=None, uscc=valid_uscc(body), name=f"乌海示例{key}有限公司",
                                          org_unit=units["150303"], registered_on=datetime.date(2010, 1, 1))
        for year in (2021, 2022, 2023, 2024):
            actions.do_save_facts(entity, year, acting_user=None, **FACTS)
        made[key] = entity
    TsmeRegistration.objects.create(entity=made["promoted"], year=2025)
    TsmeRegistration.objects.create(entity=made["dropped"], year=2024)
    HteCertificate.objects.create(entity=made["expiring"], issued_on=datetime.date(2022, 11, 20))
    _run(registry, year=2024)
    _run(registry, year=2025)
    stage = {k: AssessmentResult.objects.get(entity=e, year=2025, current=True).stage for k, e in made.items()}
    before = {k: AssessmentResult.objects.get(entity=e, year=2024, current=True).stage for k, e in made.items()}
    assert (before["promoted"], stage["promoted"]) == ("none", "tsme")
    assert (before["dropped"], stage["dropped"]) == ("tsme", "none")
    assert before["expiring"] == stage["expiring"] == "hte"

    client = login(registry.officer_wuhai)

    def listed(change):
        page = client.get(f"/entities/assessments/transitions/?year=2025&change={change}").content.decode()
        return {k for k, e in made.items() if e.name in page}

    assert listed("promoted") == {"promoted"}
    assert listed("dropped") == {"dropped"}
    assert listed("expiring") == {"expiring"}
    ladder = client.get("/entities/assessments/ladder/?year=2025")
    assert ladder.status_code == 200 and ladder.context["transitions"]["promoted"] >= 1
    assert sum(ladder.context["totals"]) == AssessmentResult.objects.visible_to(
        registry.officer_wuhai).filter(year=2025, current=True).count()


def test_a_bureau_sets_its_ladder_criteria_and_the_next_run_uses_them(registry, login):
    client = login(registry.officer_wuhai)
    default = _run(registry, unit="150300", user=registry.officer_wuhai)
    criteria, _label, setting = criteria_for(registry.units["150300"])
    assert setting is None and criteria == LadderCriteria()   # the platform defaults
    response = client.post("/entities/assessments/criteria/", {
        "org_unit": registry.units["150300"].pk, "gazelle_max_age_years": 100, "gazelle_min_sales_yuan": 0,
        "gazelle_min_cagr_percent": 0, "leading_min_sales_yuan": 10 ** 12, "leading_min_rd_percent": 3})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AuditEntry.objects.filter(verb="entities.laddersetting.create", actor=registry.officer_wuhai).exists()
    criteria, label, setting = criteria_for(registry.units["150302"])   # a county below inherits it
    assert setting.org_unit == registry.units["150300"] and criteria.gazelle_min_sales_yuan == 0
    assert criteria_for(registry.units["150100"])[2] is None              # Hohhot keeps the defaults
    run = _run(registry, unit="150300", user=registry.officer_wuhai)
    assert run.options["ladder"]["gazelle_max_age_years"] == 100
    assert run.criteria_source == label and run.rule_version != rule_version(AssessOptions())
    # With no age or size bar and no growth needed, more tech SMEs and high-tech firms are gazelles.
    assert run.counts["gazelle"] > default.counts["gazelle"]
    assert run.counts["tsme"] + run.counts["hte"] < default.counts["tsme"] + default.counts["hte"]
    # Another city's officer cannot set Wuhai's criteria.
    other = login(registry.officer_hohhot).post("/entities/assessments/criteria/", {
        "org_unit": registry.units["150300"].pk, "gazelle_max_age_years": 1, "gazelle_min_sales_yuan": 0,
        "gazelle_min_cagr_percent": 0, "leading_min_sales_yuan": 0, "leading_min_rd_percent": 0})
    assert other.status_code == 200
    registry.units["150300"].refresh_from_db()
    assert criteria_for(registry.units["150300"])[0].gazelle_max_age_years == 100
    assert login(registry.reporter_haibowan).get("/entities/assessments/criteria/").status_code == 403


def test_an_officer_starts_a_run_from_the_page(registry, login, django_capture_on_commit_callbacks):
    client = login(registry.officer_wuhai)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/entities/assessments/runs/new/",
                               {"year": 2025, "org_unit": registry.units["150300"].pk})
    assert response.status_code == 302
    run = AssessmentRun.objects.get()
    assert run.org_unit.code == "150300" and run.created_by == registry.officer_wuhai
    runs = client.get("/entities/assessments/runs/").content.decode()
    assert run.rule_version in runs
    detail = client.get(registry.entities["wuhai"].get_absolute_url()).content.decode()
    assert 'data-testid="stored-assessments"' in detail


def test_computed_indicators_from_stored_results_and_facts(registry):
    unit = registry.units["150300"]
    assert computations.compute("entities.hte_assessed_eligible", unit, 2025)[0] is None   # no run yet
    run = _run(registry)
    results = AssessmentResult.objects.filter(current=True, year=2025, entity__org_unit__path__startswith=unit.path)
    value, provenance = computations.compute("entities.tsme_assessed_eligible", unit, 2025)
    assert value == results.filter(tsme_eligible=True).count() and provenance["runs"] == [run.pk]
    assert computations.compute("entities.hte_candidates", unit, 2025)[0] == results.filter(candidate=True).count()
    assert computations.compute("entities.hte_assessed_eligible", unit, 2025)[0] == results.filter(
        hte_eligible=True).count()

    from decimal import Decimal

    from kechuang.apps.entities.models import EntityFact

    facts = EntityFact.objects.filter(year=2024, is_above_scale=True, is_industrial=True,
                                      entity__org_unit__path__startswith=unit.path)
    rd = sum((f.rd_expense for f in facts if f.rd_expense is not None and f.sales_revenue is not None), Decimal(0))
    sales = sum((f.sales_revenue for f in facts if f.rd_expense is not None and f.sales_revenue is not None),
                Decimal(0))
    value, provenance = computations.compute("entities.above_scale_rd_revenue_ratio", unit, 2024)
    assert sales > 0 and value == pytest.approx(float(rd / sales * 100), abs=1e-4)
    assert provenance["rd_expense"] == str(rd)
    assert computations.compute("entities.above_scale_rd_revenue_ratio", unit, 1990)[0] is None


def test_the_filters_narrow_the_results(registry, login):
    _run(registry)
    client = login(registry.admin)
    visible = AssessmentResult.objects.filter(current=True, year=2025)

    def count(query):
        return client.get(f"/entities/assessments/?year=2025&{query}").context["paginator"].count

    assert count("within=150300") == visible.filter(entity__org_unit__path__startswith="/150000/150300/").count()
    assert count("stage=hte") == visible.filter(stage="hte").count()
    assert count("hte=undecided") == visible.filter(hte_eligible__isnull=True).count()
    assert count("tsme_eligible=yes") == visible.filter(tsme_eligible=True).count()
    assert count("three_zeros=yes") == visible.exclude(three_zeros=[]).count()
    assert count("three_zeros=yes") + count("three_zeros=no") == visible.count()


def test_registry_facts_the_exchange_checks_refuse_stop_the_run_and_nothing_is_stored(
        registry, login, django_capture_on_commit_callbacks):
    from kechuang.apps.entities.models import EntityFact
    from kechuang.apps.tasks.models import Task

    # A row written around the actions (an old load, a database edit): more S&T staff than employees.
    EntityFact.objects.filter(entity=registry.entities["wuhai"], year=2024).update(tech_staff=500)
    client = login(registry.officer_wuhai)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/entities/assessments/runs/new/", {"year": 2025, "org_unit": registry.units["150300"].pk})
    task = Task.objects.get(name="entities.run_assessment")
    assert task.status == Task.Status.FAILED
    assert any(e["column"] and "科技人员" in e["message"] for e in task.result["errors"])
    assert not AssessmentRun.objects.exists() and not AssessmentResult.objects.exists()
    assert not AuditEntry.objects.filter(verb="entities.assessmentrun.create").exists()


def test_the_facts_file_of_a_run_gives_each_entitys_facts_back_and_the_migration_reads_old_copies(registry):
    from kechuang.apps.entities.facts import facts_from_snapshots, snapshot_from_parquet
    from kechuang.apps.entities.models import AssessmentRunFacts

    run = _run(registry)
    stored = AssessmentRunFacts.objects.get(run=run)
    snapshots = {r.uscc: r.facts for r in run.results.all()}
    assert stored.rows == sum(len(s["years"]) for s in snapshots.values())
    wuhai = snapshots[registry.entities["wuhai"].uscc]
    assert [y["year"] for y in wuhai["years"]] == [2022, 2023, 2024]
    assert wuhai["entity"]["registered_on"] == "2015-03-01" and wuhai["years"][0]["sales_revenue"] == "40000000.00"
    # the per-result JSON copies of earlier versions convert to the same file contents
    again = facts_from_snapshots(list(snapshots.values())).parquet()
    assert {u: snapshot_from_parquet(again, u) for u in snapshots} == snapshots
    assert snapshot_from_parquet(bytes(stored.data), "911500000000000000") == {}


def test_the_entity_pages_explain_pass_gives_every_entity_the_stored_runs_record(registry):
    from kechuang.apps.entities.views import explain_entity

    run = _run(registry)
    for result in run.results.select_related("entity"):
        explanation, error = explain_entity(result.entity, 2025)
        assert error is None and explanation.result == result.record(), result.uscc
