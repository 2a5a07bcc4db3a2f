"""The API of stored assessments: runs and results scoped like the pages, filters, starting
a run as a background task, and the denials."""

from __future__ import annotations

import pytest

from kechuang.apps.entities.models import AssessmentResult, AssessmentRun
from kechuang.apps.tasks.models import Task

from .test_assessment_runs import _run

pytestmark = pytest.mark.django_db


def _results(client, query=""):
    body = client.get(f"/api/entities/assessment-results/?page_size=500&{query}").json()
    return body["results"] if "results" in body else body


def test_the_schema_lists_the_assessment_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/entities/assessment-runs/", "/api/entities/assessment-runs/{id}/",
                 "/api/entities/assessment-results/", "/api/entities/assessment-results/{id}/"):
        assert path in paths, path


def test_results_carry_the_engines_record_and_filter_like_the_page(registry, login):
    run = _run(registry)
    client = login(registry.admin)
    rows = _results(client, "year=2025")
    assert len(rows) == AssessmentResult.objects.filter(run=run).count() == 82
    stored = {r.uscc: r for r in AssessmentResult.objects.filter(run=run)}
    for row in rows:
        record = stored[row["uscc"]].record()
        assert {k: row[k] for k in ("uscc", "year", "hte", "tsme", "three_zeros", "stage")} == record
        assert row["run"] == run.pk and row["current"] is True
    # each filter gives what the stored rows say
    eligible = _results(client, "year=2025&hte=yes")
    assert {r["uscc"] for r in eligible} == {u for u, r in stored.items() if r.hte_eligible is True}
    undecided = _results(client, "year=2025&hte=undecided")
    assert {r["uscc"] for r in undecided} == {u for u, r in stored.items() if r.hte_eligible is None}
    pool = _results(client, "year=2025&candidate=true")
    assert {r["uscc"] for r in pool} == {u for u, r in stored.items() if r.candidate}
    assert all(r["gaps"] or r["pending"] for r in pool)
    tsme = _results(client, "tsme_eligible=yes")
    assert {r["uscc"] for r in tsme} == {u for u, r in stored.items() if r.tsme_eligible}
    stage = next(iter(stored.values())).stage
    assert {r["uscc"] for r in _results(client, f"stage={stage}")} == {
        u for u, r in stored.items() if r.stage == stage}
    wuhai = _results(client, "within=150300")
    assert wuhai and {r["division_code"][:4] for r in wuhai} == {"1503"}
    assert _results(client, "year=2024") == []
    assert client.get("/api/entities/assessment-results/?hte=maybe").status_code == 400


def test_a_rerun_makes_the_list_show_the_new_results_and_a_run_filter_shows_the_old(registry, login):
    first = _run(registry)
    second = _run(registry)
    client = login(registry.admin)
    assert {r["run"] for r in _results(client)} == {second.pk}
    old = _results(client, f"run={first.pk}")
    assert len(old) == 82 and {r["current"] for r in old} == {False}
    runs = client.get("/api/entities/assessment-runs/?year=2025").json()["results"]
    assert [r["id"] for r in runs] == [second.pk, first.pk]
    assert runs[0]["rule_version"] == second.rule_version and runs[0]["entity_count"] == 82
    assert client.get(f"/api/entities/assessment-runs/{first.pk}/").json()["counts"] == first.counts


def test_readers_see_only_their_units_results(registry, login):
    _run(registry)
    enterprise = _results(login(registry.enterprise))
    assert [r["uscc"] for r in enterprise] == [registry.entities["wuhai"].uscc]
    officer = login(registry.officer_wuhai)
    assert {r["division_code"][:4] for r in _results(officer)} == {"1503"}
    hohhot = AssessmentResult.objects.get(entity=registry.entities["hohhot"], current=True)
    assert officer.get(f"/api/entities/assessment-results/{hohhot.pk}/").status_code == 404
    assert login(registry.enterprise).get(f"/api/entities/assessment-results/{hohhot.pk}/").status_code == 404
    assert login(registry.expert).get("/api/entities/assessment-results/").status_code == 403


def test_runs_are_for_bureaus_and_a_run_over_another_city_is_absent(registry, login):
    region = _run(registry)
    hohhot = _run(registry, unit="150100", user=registry.officer_hohhot)
    officer = login(registry.officer_wuhai)
    ids = [r["id"] for r in officer.get("/api/entities/assessment-runs/").json()["results"]]
    assert region.pk in ids and hohhot.pk not in ids
    assert officer.get(f"/api/entities/assessment-runs/{hohhot.pk}/").status_code == 404
    for persona in ("enterprise", "expert", "reporter_haibowan"):
        assert login(getattr(registry, persona)).get("/api/entities/assessment-runs/").status_code == 403


def test_posting_a_run_starts_a_task_that_stores_the_results(registry, login, django_capture_on_commit_callbacks):
    client = login(registry.officer_wuhai)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/entities/assessment-runs/", {"year": 2025, "unit": "150300"},
                               content_type="application/json")
    assert response.status_code == 202
    task = Task.objects.get(pk=response.json()["task"])
    assert task.name == "entities.run_assessment" and task.status == Task.Status.SUCCEEDED
    run = AssessmentRun.objects.get(pk=task.result["run"])
    assert run.org_unit.code == "150300" and run.created_by == registry.officer_wuhai
    assert client.get(response.json()["status_url"]).json()["status"] == "succeeded"


def test_posting_a_run_is_refused_outside_ones_units_and_to_readers(registry, login):
    officer = login(registry.officer_wuhai)
    response = officer.post("/api/entities/assessment-runs/", {"year": 2025, "unit": "150100"},
                            content_type="application/json")
    assert response.status_code == 400 and "unit" in response.json()
    bad_date = officer.post("/api/entities/assessment-runs/", {"year": 2025, "unit": "150300", "on": "2024-06-30"},
                            content_type="application/json")
    assert bad_date.status_code == 400 and "on" in bad_date.json()
    for persona in ("enterprise", "expert", "reporter_haibowan"):
        denied = login(getattr(registry, persona)).post("/api/entities/assessment-runs/",
                                                        {"year": 2025, "unit": "150300"},
                                                        content_type="application/json")
        assert denied.status_code == 403
    assert not Task.objects.filter(name="entities.run_assessment").exists()
