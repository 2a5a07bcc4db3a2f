"""The plans module: loading, reporting rounds, evaluation, pages, exports, API and CLI."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kechuang.apps.audit.models import AuditEntry
from kechuang.apps.plans import actions
from kechuang.apps.plans.evaluation import evaluate_plan
from kechuang.apps.plans.models import Plan, UnitReport, Value
from kechuang.apps.plans.reporting import value_lines
from kechuang.apps.plans.testing import sample_plan, write_sample_folder

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent


def _report(plan, code):
    return UnitReport.objects.get(round__plan=plan, org_unit__code=code)


def _fill(report, user, value=5.0, note="统计局年报"):
    lines = value_lines(report)
    actions.do_save_report(report, acting_user=user,
                           values=[actions.LineInput(line.key, value, note) for line in lines])
    return lines


# --- loading --------------------------------------------------------------------------


def test_loading_writes_every_table_keeps_the_yaml_and_hash_and_audits_one_batch(people, tmp_path):
    folder = write_sample_folder(tmp_path / "plans")
    summary = actions.do_load_plans(folder, acting_user=people.admin)
    plan = Plan.objects.get(code="sample-150300")
    assert summary["plans"][0]["state"] == "created" and plan.version == 1 and len(plan.sha256) == 64
    assert "全社会研发经费投入" in plan.yaml_text and plan.load.catalogue_sha256
    assert plan.org_unit.code == "150300" and plan.owner_unit.code == "150300D001"
    assert plan.indicators.count() == 3 and plan.tasks.count() == 2
    hte = plan.indicators.get(code="hte")
    assert hte.catalogue.code == "hte-count" and hte.method == "computed" and hte.series == "hte-count"
    rd = plan.indicators.get(code="rd-spending")
    assert [(t.year, t.value) for t in rd.targets.all()] == [(2025, 6.0)]
    parts = {r.org_unit.code: r.target_value for r in rd.responsibilities.filter(role="part")}
    assert parts == {"150302": 4.0, "150303": 2.0}
    assert AuditEntry.objects.filter(verb="plans.plan.load").count() == 1
    # unchanged text keeps the version; a change raises it
    actions.do_load_plans(folder, acting_user=people.admin)
    assert Plan.objects.get(code="sample-150300").version == 1
    path = folder / "sample-150300.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 20}", "value: 25}"), encoding="utf-8")
    actions.do_load_plans(folder, acting_user=people.admin)
    plan.refresh_from_db()
    assert plan.version == 2 and plan.indicators.get(code="platforms").targets.get().value == 25


def test_a_broken_folder_is_refused_whole_with_file_line_and_reason(people, tmp_path, login):
    folder = write_sample_folder(tmp_path / "plans")
    (folder / "zz-broken.yaml").write_text("format: 1\ncode: [unclosed\ntitle: x\n", encoding="utf-8")
    with pytest.raises(actions.PlansRejected) as refused:
        actions.do_load_plans(folder, acting_user=people.admin)
    issue = refused.value.issues[0]
    assert issue["file"] == "zz-broken.yaml" and issue["line"] >= 2 and issue["code"] == "yaml_syntax"
    assert Plan.objects.count() == 0  # the good file was not written either
    page = login(people.admin).post("/plans/load/", {"directory": str(folder)}).content.decode()
    assert "zz-broken.yaml" in page and "yaml_syntax" in page and "YAML" in page
    assert Plan.objects.count() == 0


def test_loading_needs_the_regions_manage_capability(people, tmp_path):
    folder = write_sample_folder(tmp_path / "plans")
    with pytest.raises(ValidationError):
        actions.do_load_plans(folder, acting_user=people.reporter_haibowan)
    assert Plan.objects.count() == 0


# --- reporting ------------------------------------------------------------------------


def test_a_reporter_sees_and_changes_only_its_own_units_report(people, login):
    plan = sample_plan()
    own, other = _report(plan, "150302"), _report(plan, "150303")
    client = login(people.reporter_haibowan)
    assert client.get(f"/plans/reports/{own.pk}/").status_code == 200
    assert client.get(f"/plans/reports/{other.pk}/").status_code == 404
    assert client.post(f"/plans/reports/{other.pk}/", {}).status_code == 404
    assert client.get(f"/plans/reports/{other.pk}/template.xlsx").status_code == 404
    assert client.get(f"/api/plans/reports/{other.pk}/").status_code == 404
    # the reporter's report has its own lines: its part of rd-spending, the city's platforms, task 1
    keys = {line.key for line in value_lines(own)}
    assert keys == {"rd-spending@150302", "platforms@150300"}
    # the dashboard and the evaluation show the reporter only its indicators
    evaluation = client.get(f"/api/plans/plans/{plan.pk}/evaluation/").json()
    assert {i["code"] for i in evaluation["indicators"]} == {"rd-spending", "platforms"}
    assert client.get(f"/plans/indicators/{plan.indicators.get(code='hte').pk}/").status_code == 404
    with pytest.raises(ValidationError):
        actions.do_save_report(other, acting_user=people.reporter_haibowan,
                               values=[actions.LineInput("rd-spending@150303", 1.0, "x")])


def test_submit_return_with_reason_resubmit_approve_lock_and_revise(people, login):
    plan = sample_plan()
    report = _report(plan, "150302")
    reporter = login(people.reporter_haibowan)
    response = reporter.post(f"/plans/reports/{report.pk}/", {
        "value__rd-spending@150302": "1.5", "note__rd-spending@150302": "区统计局",
        "value__platforms@150300": "12", "note__platforms@150300": "市科技局台账",
        "state__1": "in_progress", "percent__1": "40", "tasknote__1": "已启动", "submit": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    assert Value.objects.filter(report=report, known_at__isnull=True).count() == 2  # not known before approval

    officer = login(people.officer_wuhai)
    officer.post(f"/plans/reports/{report.pk}/return/", {"reason": ""})
    report.refresh_from_db()
    assert report.status == "submitted"  # a return needs a reason
    officer.post(f"/plans/reports/{report.pk}/return/", {"reason": "平台数量与台账不符"})
    report.refresh_from_db()
    assert report.status == "returned" and report.return_reason == "平台数量与台账不符"
    reporter = login(people.reporter_haibowan)
    assert "平台数量与台账不符" in reporter.get(f"/plans/reports/{report.pk}/").content.decode()
    reporter.post(f"/plans/reports/{report.pk}/", {
        "value__rd-spending@150302": "1.5", "note__rd-spending@150302": "区统计局",
        "value__platforms@150300": "13", "note__platforms@150300": "市科技局台账",
        "state__1": "in_progress", "percent__1": "50", "submit": "1"})
    officer = login(people.officer_wuhai)
    officer.post(f"/plans/reports/{report.pk}/approve/")
    report.refresh_from_db()
    assert report.status == "approved"
    platforms = Value.objects.get(report=report, series="sample-150300/platforms")
    assert platforms.value == 13 and platforms.known_at is not None
    approved_at = timezone.localdate()

    # locked: the unit can no longer change it, by page or action
    reporter = login(people.reporter_haibowan)
    reporter.post(f"/plans/reports/{report.pk}/", {"value__platforms@150300": "99", "note__platforms@150300": "x"})
    assert Value.objects.get(pk=platforms.pk).value == 13
    with pytest.raises(ValidationError):
        actions.do_save_report(report, acting_user=people.reporter_haibowan,
                               values=[actions.LineInput("platforms@150300", 99.0, "x")])

    # a revision needs a reason, keeps the old value and says who and why
    officer = login(people.officer_wuhai)
    officer.post(f"/plans/values/{platforms.pk}/revise/", {"value": "14", "reason": ""})
    assert Value.objects.filter(series="sample-150300/platforms").count() == 1
    later = timezone.now() + datetime.timedelta(days=3)
    revised = actions.do_revise_value(platforms, new_value=14, reason="台账更正", acting_user=people.officer_wuhai,
                                      at=later)
    rows = list(Value.objects.filter(series="sample-150300/platforms").order_by("known_at"))
    assert [r.value for r in rows] == [13, 14] and revised.supersedes_id == platforms.pk
    assert revised.entered_by == people.officer_wuhai and revised.reason == "台账更正"
    assert AuditEntry.objects.filter(verb="plans.value.revise").exists()

    # as-of reproduction: before the revision the old value, after it the new one
    def latest(as_of):
        result = evaluate_plan(plan, as_of)
        return next(i for i in result["indicators"] if i["code"] == "platforms")["latest"]["value"]

    assert latest(approved_at - datetime.timedelta(days=1)) == 10  # only the baseline was known
    assert latest(approved_at) == 13
    assert latest(timezone.localtime(later).date()) == 14
    history = officer.get(f"/plans/indicators/{platforms.indicator_id}/").content.decode()
    assert "台账更正" in history and "text-decoration-line-through" in history


def test_submitting_needs_every_value_and_a_source(people, login):
    plan = sample_plan()
    report = _report(plan, "150302")
    with pytest.raises(ValidationError):
        actions.do_submit_report(report, acting_user=people.reporter_haibowan)
    client = login(people.reporter_haibowan)
    client.post(f"/plans/reports/{report.pk}/", {"value__platforms@150300": "12", "note__platforms@150300": ""})
    assert not Value.objects.filter(report=report).exists()


def test_the_excel_template_round_trips_and_bad_rows_are_refused_whole(people, login):
    from openpyxl import load_workbook

    plan = sample_plan()
    report = _report(plan, "150302")
    client = login(people.reporter_haibowan)
    data = client.get(f"/plans/reports/{report.pk}/template.xlsx").content
    workbook = load_workbook(io.BytesIO(data))
    values, tasks = workbook["指标数据"], workbook["任务进展"]
    assert values.max_row == 3 and tasks["A2"].value == "1"
    values["E2"], values["F2"] = 1.2, "区统计局"
    values["E3"], values["F3"] = "abc", "台账"
    tasks["C2"], tasks["D2"] = "推进中", 150
    bad = io.BytesIO()
    workbook.save(bad)
    upload = io.BytesIO(bad.getvalue())
    upload.name = "filled.xlsx"
    page = client.post(f"/plans/reports/{report.pk}/upload/", {"file": upload}).content.decode()
    assert "指标数据" in page and "任务进展" in page and "数值" in page and "完成百分比" in page
    assert not Value.objects.filter(report=report).exists()
    values["E3"] = 12
    tasks["D2"] = 60
    good = io.BytesIO()
    workbook.save(good)
    upload = io.BytesIO(good.getvalue())
    upload.name = "filled.xlsx"
    assert client.post(f"/plans/reports/{report.pk}/upload/", {"file": upload}).status_code == 302
    assert sorted(Value.objects.filter(report=report).values_list("value", flat=True)) == [1.2, 12.0]
    assert report.task_reports.get().percent == 60
    entry = AuditEntry.objects.filter(verb="plans.unitreport.update").latest("pk")
    assert entry.batch_file


# --- evaluation and computed indicators -------------------------------------------------


def test_evaluation_page_shows_status_chips_that_say_why(people, login):
    plan = sample_plan()
    indicator = plan.indicators.get(code="platforms")
    actions.do_import_values([actions.ValueRow(indicator, plan.org_unit, 2023, 14, timezone.now())],
                             kind="demo", acting_user=None)
    client = login(people.officer_wuhai)
    page = client.get(f"/plans/{plan.pk}/evaluation/").content.decode()
    assert 'class="kc-chip kc-chip-' in page and 'data-testid="chip"' in page
    assert 'data-status="no_data"' in page  # hte has no value: grey
    assert "完成率" in page  # the explanation in the tooltip and below the row
    dashboard = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "vendor/echarts/echarts.min.js" in dashboard and 'id="plan-charts"' in dashboard
    assert "建设创新平台" in dashboard  # the task board
    export = client.get(f"/plans/{plan.pk}/evaluation/?export=xlsx")
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook["指标评价"]["B2"].value and workbook["数据及修订记录"].max_row == 2


def test_computed_indicators_come_from_the_registry_and_overrides_need_a_reason(people, login):
    from kechuang.apps.entities.models import HteCertificate

    plan = sample_plan()
    HteCertificate.objects.create(entity=people.entities["wuhai"], number="GR2023", issued_on=datetime.date(2023, 5, 1))
    summary = actions.do_refresh_computed(plan, years=[2022, 2023, 2024], acting_user=people.officer_wuhai)
    rows = {(v.org_unit.code, v.year): v.value for v in Value.objects.filter(series="hte-count")}
    assert rows == {("150300", 2022): 0, ("150300", 2023): 1, ("150300", 2024): 1}
    assert Value.objects.filter(series="hte-count").first().provenance["computation"] == "entities.hte_count"
    assert summary["added"] == 3
    assert actions.do_refresh_computed(plan, years=[2023], acting_user=None)["added"] == 0
    hte = plan.indicators.get(code="hte")
    client = login(people.officer_wuhai)
    client.post(f"/plans/indicators/{hte.pk}/", {"unit": "150300", "year": 2024, "value": 40, "reason": ""})
    assert not Value.objects.filter(kind="override").exists()
    client.post(f"/plans/indicators/{hte.pk}/", {"unit": "150300", "year": 2024, "value": 40, "reason": "含迁入企业"})
    override = Value.objects.get(kind="override")
    assert override.value == 40 and override.reason == "含迁入企业"
    actions.do_refresh_computed(plan, years=[2024], acting_user=None)  # the override stands
    latest = Value.objects.filter(series="hte-count", year=2024).latest("known_at")
    assert latest.kind == "override"
    # the catalogue series is shared with Hohhot's plan: Wuhai's page shows only Wuhai's values
    hohhot = sample_plan("150100")
    actions.do_refresh_computed(hohhot, years=[2024], acting_user=None)
    assert Value.objects.filter(series="hte-count", org_unit__code="150100").exists()
    page = client.get(f"/plans/indicators/{hte.pk}/").content.decode()
    assert "含迁入企业" in page and "呼和浩特市" not in page


def test_computations_list_what_is_not_yet_available():
    from kechuang.apps.plans import computations

    assert "entities.hte_count" in computations.AVAILABLE
    assert "entities.above_scale_without_invention_patent" in computations.NOT_AVAILABLE
    assert computations.KNOWN == set(computations.AVAILABLE) | set(computations.NOT_AVAILABLE)


# --- report files -----------------------------------------------------------------------


def _approved_sample(people):
    plan = sample_plan()
    for code, user in (("150302", people.reporter_haibowan),):
        report = _report(plan, code)
        _fill(report, user, value=2.0)
        actions.do_submit_report(report, acting_user=user)
        actions.do_approve_report(report, acting_user=people.officer_wuhai)
    return plan


def test_the_annual_report_as_word_and_pdf(people, login):
    import docx
    import pypdf

    plan = _approved_sample(people)
    client = login(people.officer_wuhai)
    response = client.get(f"/plans/{plan.pk}/report.docx?year=2024")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "乌海市科技创新示例规划2024年度实施情况评估报告" in text
    assert "三、滞后指标及责任单位" in text and "科技创新平台数量" in text  # 2 of 20: lagging, named
    table = document.tables[0]
    assert table.rows[0].cells[0].text == "指标" and len(table.rows) == 4
    section = document.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    response = client.get(f"/plans/{plan.pk}/report.pdf?year=2024")
    assert response.content.startswith(b"%PDF")
    pdf_text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "评估报告" in pdf_text and "科技创新平台数量" in pdf_text.replace("\n", "")


# --- API --------------------------------------------------------------------------------


def test_the_api_lists_plans_indicators_and_takes_values_for_the_reporters_unit(people, login):
    plan = sample_plan()
    client = login(people.reporter_haibowan)
    plans = client.get("/api/plans/plans/").json()
    assert [p["code"] for p in plans["results"]] == ["sample-150300"]
    assert client.get(f"/api/plans/plans/{plan.pk}/").json()["sha256"] == plan.sha256
    indicators = client.get("/api/plans/indicators/?plan=sample-150300").json()["results"]
    assert {i["code"] for i in indicators} == {"rd-spending", "platforms"}
    own, other = _report(plan, "150302"), _report(plan, "150303")
    created = client.post("/api/plans/values/", {"report": own.pk, "indicator": "platforms", "value": 11,
                                                 "source_note": "台账"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["unit_code"] == "150300"
    refused = client.post("/api/plans/values/", {"report": other.pk, "indicator": "rd-spending", "value": 1,
                                                 "source_note": "x"}, content_type="application/json")
    assert refused.status_code == 400 and not Value.objects.filter(report=other).exists()
    broken = client.post("/api/plans/values/", "{not json", content_type="application/json")
    assert broken.status_code == 400
    client.post("/api/plans/values/", {"report": own.pk, "indicator": "rd-spending", "value": 1.1,
                                       "source_note": "区统计局"}, content_type="application/json")
    assert client.post(f"/api/plans/reports/{own.pk}/submit/").json()["status"] == "submitted"
    assert client.post(f"/api/plans/reports/{own.pk}/approve/").status_code == 403
    officer = login(people.officer_wuhai)
    assert officer.post(f"/api/plans/reports/{own.pk}/approve/").json()["status"] == "approved"
    evaluation = officer.get(f"/api/plans/plans/{plan.pk}/evaluation/?as_of={timezone.localdate()}").json()
    platforms = next(i for i in evaluation["indicators"] if i["code"] == "platforms")
    assert platforms["latest"]["value"] == 11 and {"achievement", "required_growth", "forecast", "status"} <= set(platforms)
    assert officer.get(f"/api/plans/plans/{plan.pk}/evaluation/?as_of=nonsense").status_code == 400
    assert login(people.officer_hohhot).get(f"/api/plans/plans/{plan.pk}/").status_code == 404


# --- public page and home block ----------------------------------------------------------


def test_the_public_page_shows_published_plans_only(people, client):
    published = sample_plan("150300")
    hidden = sample_plan("150100", published=False)
    page = client.get(f"/plans/public/{published.pk}/")
    assert page.status_code == 200 and published.title in page.content.decode()
    assert client.get(f"/plans/public/{hidden.pk}/").status_code == 404
    listing = client.get("/plans/public/").content.decode()
    assert published.title in listing and hidden.title not in listing
    assert client.get(f"/plans/{published.pk}/").status_code == 302  # the full dashboard needs a login


def test_the_home_block_reminds_reporters_of_open_reports(people):
    from django.template import Context, Template

    sample_plan()
    html = Template("{% load plans_tags %}{% plans_reminders user %}").render(
        Context({"user": people.reporter_haibowan}))
    assert "乌海市科技创新示例规划" in html and "2025-03-31" in html
    assert "data-testid" not in Template("{% load plans_tags %}{% plans_reminders user %}").render(
        Context({"user": people.expert}))


def test_overdue_list_and_rounds(people, login):
    plan = sample_plan()  # deadline 2025-03-31, in the past
    page = login(people.officer_wuhai).get("/plans/overdue/").content.decode()
    assert "海南区" in page and "海勃湾区" in page
    with pytest.raises(ValidationError):
        actions.do_open_round(plan, year=2024, deadline=datetime.date(2026, 1, 1), acting_user=people.officer_wuhai)
    with pytest.raises(ValidationError):
        actions.do_open_round(plan, year=2023, deadline=datetime.date(2026, 1, 1),
                              acting_user=people.officer_hohhot)


# --- command line ------------------------------------------------------------------------


@pytest.mark.django_db(False)
def test_the_command_line(tmp_path):
    from tests.test_cli import run

    data_dir = tmp_path
    demo = run(["demo", "--format", "json"], data_dir)
    assert demo.returncode == 0, demo.stderr
    loaded = run(["plans", "load", str(REPO / "data" / "plans"), "--format", "json"], data_dir)
    assert loaded.returncode == 0, loaded.stderr
    assert {p["code"] for p in json.loads(loaded.stdout)["plans"]} >= {"wuhai-sti-14th", "hohhot-sti-strong-city-2027"}
    listing = run(["plans", "list"], data_dir)
    assert "wuhai-sti-14th" in listing.stdout
    exported = json.loads(run(["plans", "export", "wuhai-sti-14th", "--format", "json"], data_dir).stdout)
    assert exported[0]["code"] == "wuhai-sti-14th" and exported[0]["period"] == {"start": 2021, "end": 2025}
    assert {"code", "name", "unit", "baseline", "targets"} <= set(exported[0]["indicators"][0])
    # demo values (each known in March of the next year) and an as-of evaluation
    values = run(["manage", "shell", "-c", "from kechuang.apps.plans import demo; print(demo.load(False))"], data_dir)
    assert values.returncode == 0, values.stderr

    def evaluate(as_of):
        out = run(["plans", "evaluate", "wuhai-sti-14th", "--as-of", as_of, "--format", "json"], data_dir)
        assert out.returncode == 0, out.stderr
        return {i["code"]: i for i in json.loads(out.stdout)["indicators"]}

    early, late = evaluate("2023-01-01"), evaluate("2025-12-31")
    item = late["rd-staff-per-10k"]
    assert {"achievement", "required_growth", "forecast", "status"} <= set(item)
    assert set(item["forecast"]) >= {"method", "value"}
    assert early["rd-staff-per-10k"]["latest"]["year"] == 2021 and late["rd-staff-per-10k"]["latest"]["year"] == 2024
    out = data_dir / "report.docx"
    report = run(["plans", "report", "wuhai-sti-14th", "--year", "2024", "--out", str(out)], data_dir)
    assert report.returncode == 0, report.stderr
    import docx

    assert "评估报告" in docx.Document(str(out)).paragraphs[0].text
    broken = data_dir / "broken"
    broken.mkdir()
    (broken / "bad.yaml").write_text("format: 1\ncode: Bad Code\n", encoding="utf-8")
    refused = run(["plans", "load", str(broken)], data_dir)
    assert refused.returncode == 1 and "bad.yaml:2:" in refused.stderr and "bad_code" in refused.stderr
    assert run(["plans", "evaluate", "no-such-plan"], data_dir).returncode == 1
    assert run(["plans", "evaluate", "wuhai-sti-14th", "--as-of", "yesterday"], data_dir).returncode == 2
    bench = run(["bench", "plans", "--plans", "2", "--indicators", "3", "--years", "4", "--units", "3"], data_dir)
    assert bench.returncode == 0, bench.stderr
    assert "evaluate_many" in json.loads(bench.stdout)["seconds"]
