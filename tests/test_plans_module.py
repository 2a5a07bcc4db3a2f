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
    dashboard = run(["bench", "dashboard", "--units", "2", "--years", "2", "--indicators", "2", "--renders", "1"],
                    data_dir)
    assert dashboard.returncode == 0, dashboard.stderr
    timings = json.loads(dashboard.stdout)
    assert {"database", "build_s", "sizes", "dashboard", "evaluation"} <= set(timings)
    assert {"best_s", "median_s", "queries"} <= set(timings["dashboard"])
    assert "bench-dashboard" not in run(["plans", "list"], data_dir).stdout  # rolled back


# --- quarterly rounds -------------------------------------------------------------------

QUARTERLY_INDICATOR = """\
  - code: contracts
    name: "技术合同成交额"
    unit: "亿元"
    chapter: "1"
    lead_unit: "海勃湾区"
    baseline: {year: 2020, value: 1}
    targets:
      - {year: 2025, value: 2}
    measure: {method: reported, frequency: quarter, basis: ytd, temporal: flow, aggregation: sum}
    quote: "技术合同成交额达到2亿元"
"""


def _quarterly_plan(people, tmp_path):
    """The sample plan plus a flow indicator reported each quarter, year to date (1–n季度累计)."""
    folder = write_sample_folder(tmp_path / "plans", code="quarterly-150300")
    path = folder / "quarterly-150300.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("tasks:\n", QUARTERLY_INDICATOR + "tasks:\n", 1),
                    encoding="utf-8")
    actions.do_load_plans(folder, acting_user=people.admin)
    return Plan.objects.get(code="quarterly-150300")


def test_a_quarter_round_end_to_end(people, login, tmp_path):
    from kechuang.apps.plans.models import Round

    plan = _quarterly_plan(people, tmp_path)
    contracts = plan.indicators.get(code="contracts")
    assert (contracts.frequency, contracts.basis) == ("quarter", "ytd")
    assert plan.indicators.get(code="platforms").basis == ""  # an annual indicator has no quarterly basis

    # the bureau opens the second quarter of 2024 on the page; a reporter may not
    form = {"year": "2024", "quarter": "2", "deadline": "2024-07-15"}
    assert login(people.reporter_haibowan).post(f"/plans/{plan.pk}/rounds/new/", form).status_code in (403, 404)
    assert login(people.officer_wuhai).post(f"/plans/{plan.pk}/rounds/new/", form).status_code == 302
    round_ = Round.objects.get(plan=plan, year=2024, quarter=2)
    assert round_.period == "2024Q2" and round_.period_label == "2024年第2季度"

    # only the quarterly indicator is reported in a quarter round, as year to date
    report = _report_in(round_, "150302")
    assert [line.key for line in value_lines(report)] == ["contracts@150300"]
    reporter = login(people.reporter_haibowan)
    page = reporter.get(f"/plans/reports/{report.pk}/").content.decode()
    assert 'data-testid="basis"' in page and "技术合同成交额" in page and "全社会研发经费投入" not in page
    response = reporter.post(f"/plans/reports/{report.pk}/", {
        "value__contracts@150300": "0.9", "note__contracts@150300": "技术合同登记台账1-6月", "submit": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    known = datetime.datetime(2024, 7, 20, 10, tzinfo=datetime.UTC)
    actions.do_approve_report(report, acting_user=people.officer_wuhai, at=known)
    value = Value.objects.get(report=report)
    assert (value.year, value.quarter, value.value) == (2024, 2, 0.9)

    # evaluation at a quarter date: the year-to-date value and what the schedule expects by then
    def contracts_on(day):
        result = evaluate_plan(plan, day)
        return next(i for i in result["indicators"] if i["code"] == "contracts")

    assert "ytd" not in contracts_on(datetime.date(2024, 7, 10))  # not yet known then
    item = contracts_on(datetime.date(2024, 7, 31))
    assert item["ytd"]["year"] == 2024 and item["ytd"]["quarter"] == 2 and item["ytd"]["value"] == 0.9
    assert item["ytd"]["typical_share"] == 0.5  # no past years: 2 quarters of 4
    assert item["ytd"]["expected"] is not None and item["ytd"]["expected"] > 0
    page = login(people.officer_wuhai).get(f"/plans/{plan.pk}/evaluation/?as_of=2024-07-31").content.decode()
    assert 'data-testid="ytd"' in page

    # overdue: the other county owes its task progress for the quarter after the deadline
    overdue = login(people.officer_wuhai).get("/plans/overdue/").content.decode()
    rows = [r for r in overdue.split("<tr>") if "2024年第2季度" in r]
    assert any("海南区" in r for r in rows)
    assert not any("海勃湾区" in r for r in rows)  # the reporter's approved report is not overdue
    assert _report_in(round_, "150303").overdue and not report.overdue


def _report_in(round_, code):
    return UnitReport.objects.get(round=round_, org_unit__code=code)


# --- revision requests --------------------------------------------------------------------


def test_a_unit_requests_a_revision_of_approved_data_and_the_bureau_decides(people, login):
    from kechuang.apps.plans.models import RevisionRequest

    plan = sample_plan()
    report = _report(plan, "150302")
    _fill(report, people.reporter_haibowan, value=12.0)
    actions.do_submit_report(report, acting_user=people.reporter_haibowan)
    approved_at = timezone.now()
    report = actions.do_approve_report(report, acting_user=people.officer_wuhai, at=approved_at)
    platforms = Value.objects.get(report=report, series="sample-150300/platforms")

    # another unit's reporter cannot ask; an expert cannot; a reason is required
    with pytest.raises(ValidationError):
        actions.do_request_revision(platforms, reason="x", acting_user=people.officer_hohhot)
    assert login(people.officer_hohhot).get(f"/plans/values/{platforms.pk}/request-revision/").status_code == 404
    assert login(people.expert).get(f"/plans/values/{platforms.pk}/request-revision/").status_code in (403, 404)
    reporter = login(people.reporter_haibowan)
    reporter.post(f"/plans/values/{platforms.pk}/request-revision/", {"reason": ""})
    assert not RevisionRequest.objects.exists()

    # the reporter sees the link on its approved report and asks with a reason
    page = reporter.get(f"/plans/reports/{report.pk}/").content.decode()
    assert f"/plans/values/{platforms.pk}/request-revision/" in page
    response = reporter.post(f"/plans/values/{platforms.pk}/request-revision/", {"reason": "台账漏记2家平台"})
    request = RevisionRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/revisions/{request.pk}/"
    assert request.status == "pending" and request.requested_by == people.reporter_haibowan
    assert request.value == platforms and request.reason == "台账漏记2家平台"
    with pytest.raises(ValidationError):  # one open request per value
        actions.do_request_revision(platforms, reason="again", acting_user=people.reporter_haibowan)
    # still locked while pending: the unit cannot re-enter or decide
    with pytest.raises(ValidationError):
        actions.do_enter_revision(request, new_value=14, source_note="台账", acting_user=people.reporter_haibowan)
    with pytest.raises(ValidationError):
        actions.do_decide_revision(request, approve=True, acting_user=people.reporter_haibowan)
    assert reporter.post(f"/plans/revisions/{request.pk}/", {"decision": "approve"}).status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"
    # the other city's bureau sees nothing of it
    assert login(people.officer_hohhot).get(f"/plans/revisions/{request.pk}/").status_code == 404

    # the bureau approves: the value opens for re-entry by the unit
    officer = login(people.officer_wuhai)
    assert "台账漏记2家平台" in officer.get(f"/plans/reports/{report.pk}/").content.decode()
    officer.post(f"/plans/revisions/{request.pk}/", {"decision": "approve", "note": "同意"})
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == people.officer_wuhai and request.decided_at
    reporter = login(people.reporter_haibowan)
    reporter.post(f"/plans/revisions/{request.pk}/", {"decision": "enter", "value": "14", "source_note": ""})
    assert Value.objects.filter(series="sample-150300/platforms").count() == 1  # a source is required
    reporter.post(f"/plans/revisions/{request.pk}/", {"decision": "enter", "value": "14",
                                                      "source_note": "市科技局台账（更正）"})
    request.refresh_from_db()
    rows = list(Value.objects.filter(series="sample-150300/platforms").order_by("known_at", "pk"))
    assert [r.value for r in rows] == [12, 14]  # the old value is kept
    revised = rows[-1]
    assert request.status == "done" and request.revised == revised
    assert revised.kind == "revision" and revised.supersedes == platforms and revised.reason == "台账漏记2家平台"
    assert revised.entered_by == people.reporter_haibowan
    assert revised.provenance["approved_by"] == people.officer_wuhai.username
    with pytest.raises(ValidationError):  # the reopening is used once
        actions.do_enter_revision(request, new_value=15, source_note="x", acting_user=people.reporter_haibowan)

    # as of the approval the old value, now the new one; the history says who and why
    def latest(day):
        return next(i for i in evaluate_plan(plan, day)["indicators"] if i["code"] == "platforms")["latest"]["value"]

    assert latest(timezone.localdate()) == 14
    history = login(people.officer_wuhai).get(f"/plans/indicators/{platforms.indicator_id}/").content.decode()
    assert "台账漏记2家平台" in history
    verbs = list(AuditEntry.objects.filter(verb__startswith="plans.revisionrequest").values_list("verb", flat=True))
    assert sorted(verbs) == ["plans.revisionrequest.approve", "plans.revisionrequest.create"]
    assert AuditEntry.objects.filter(verb="plans.value.revise", actor=people.reporter_haibowan).exists()


def test_the_bureau_refuses_a_revision_with_a_reason(people, login):
    from kechuang.apps.plans.models import RevisionRequest

    plan = _approved_sample(people)
    report = _report(plan, "150302")
    value = Value.objects.filter(report=report).first()
    request = actions.do_request_revision(value, reason="数据有误", acting_user=people.reporter_haibowan)
    officer = login(people.officer_wuhai)
    officer.post(f"/plans/revisions/{request.pk}/", {"decision": "refuse", "note": ""})
    request.refresh_from_db()
    assert request.status == "pending"  # a refusal needs a note
    officer.post(f"/plans/revisions/{request.pk}/", {"decision": "refuse", "note": "与统计年报一致，无需更正"})
    request.refresh_from_db()
    assert request.status == "refused" and request.decision_note == "与统计年报一致，无需更正"
    with pytest.raises(ValidationError):
        actions.do_enter_revision(request, new_value=9, source_note="x", acting_user=people.reporter_haibowan)
    assert Value.objects.filter(series=value.series, org_unit=value.org_unit).count() == 1
    assert AuditEntry.objects.filter(verb="plans.revisionrequest.refuse").count() == 1
    # refused, the unit may ask again
    again = actions.do_request_revision(value, reason="补充材料后再次申请", acting_user=people.reporter_haibowan)
    assert again.status == "pending" and RevisionRequest.objects.count() == 2
    # a value not yet approved cannot be reopened on request
    draft = sample_plan().rounds.get(year=2024).reports.get(org_unit__code="150303")
    actions.do_save_report(draft, acting_user=people.officer_wuhai,
                           values=[actions.LineInput(line.key, 1.0, "x") for line in value_lines(draft)])
    with pytest.raises(ValidationError):
        actions.do_request_revision(Value.objects.filter(report=draft).first(), reason="x",
                                    acting_user=people.officer_wuhai)


def test_the_annual_report_charts_and_the_units_behind_lagging_indicators(people, login):
    import docx
    import pypdf
    from PIL import Image

    plan = sample_plan()
    entries = {"150302": {"platforms@150300": 2.0, "rd-spending@150302": 1.0},  # part target 4: behind
               "150303": {"rd-spending@150303": 1.9},  # part target 2: nearly there
               "150300D001": {"rd-spending@150300": 2.9}}  # the city, below its 2020 baseline of 3
    for code, values in entries.items():
        report = _report(plan, code)
        actions.do_save_report(report, acting_user=None,
                               values=[actions.LineInput(k, v, "统计年报") for k, v in values.items()])
        actions.do_submit_report(report, acting_user=None)
        actions.do_approve_report(report, acting_user=people.officer_wuhai)
    # the counties' 2020 figures, from the statistical yearbook, give their parts a baseline
    rd = plan.indicators.get(code="rd-spending")
    known = timezone.now() - datetime.timedelta(days=400)
    actions.do_import_values([actions.ValueRow(rd, people.units[code], 2020, 1.0, known) for code in ("150302", "150303")],
                             kind=Value.Kind.REPORTED, acting_user=people.admin)
    response = login(people.officer_wuhai).get(f"/plans/{plan.pk}/report.docx?year=2024")
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    result = evaluate_plan(plan, timezone.localdate(), max_year=2024)
    lagging = [i for i in result["indicators"] if i["status"] in ("lagging", "deteriorating", "accelerate")]
    assert {i["code"] for i in lagging} == {"platforms", "rd-spending"}
    # the lagging indicators, their lead units and the units behind on their parts
    section = text.split("三、滞后指标及责任单位", 1)[1].split("四、", 1)[0]
    assert "科技创新平台数量" in section and "牵头单位：海勃湾区" in section
    assert "全社会研发经费投入" in section and "牵头单位：乌海市科学技术局" in section
    assert "分解目标进度落后的单位：海勃湾区" in section and "海南区" not in section.split("落后的单位")[1]
    # the charts: the status overview, then one trend per lagging indicator, all PNG at text width
    images = [rel.target_part.blob for rel in document.part.rels.values() if "image" in rel.reltype]
    assert len(images) == 1 + len(lagging) == len(document.inline_shapes)
    for blob in images:
        picture = Image.open(io.BytesIO(blob))
        assert picture.format == "PNG" and picture.size[0] >= 1200
    assert all(round(shape.width.mm) == 150 for shape in document.inline_shapes)
    assert "图1 指标状态分布" in text
    assert "图2 全社会研发经费投入实际值与目标路径" in text and "图3 科技创新平台数量实际值与目标路径" in text
    # the same images in the PDF
    response = login(people.officer_wuhai).get(f"/plans/{plan.pk}/report.pdf?year=2024")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert sum(len(page.images) for page in reader.pages) == len(images)
    pdf_text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert "分解目标进度落后的单位：海勃湾区" in pdf_text and "图3" in pdf_text


def test_the_report_charts_draw_chinese_text_with_the_vendored_font():
    from PIL import Image

    from kechuang.apps.plans import charts

    f = charts.fonts()
    assert f.file_for("滞").name != f.file_for("A").name  # the subsets are picked per character
    assert all(path.exists() for _low, _high, path in f.ranges)
    blank = charts.trend_chart({"name": "x", "unit": "", "years": [], "values": [], "path": []})
    drawn = charts.trend_chart({"name": "技术合同成交额", "unit": "亿元", "years": [2023, 2024, 2025],
                                "values": [1.0, 1.2, None], "path": [1.0, 1.5, 2.0], "target": 2.0,
                                "target_year": 2025, "colour": "#dc3545"})
    image = Image.open(io.BytesIO(drawn)).convert("L")
    title = image.crop((0, 0, image.width, 100 * charts.SCALE))
    assert title.getextrema()[0] < 100  # the Chinese title is inked, not blank
    assert len(drawn) > len(blank)
    bars = Image.open(io.BytesIO(charts.status_chart([("滞后", 2, "red"), ("无数据", 0, "grey")]))).convert("RGB")
    assert (220, 53, 69) in {bars.getpixel((x, 80 * charts.SCALE)) for x in range(0, bars.width, 4)}


# --- the bureau's home block --------------------------------------------------------------


def test_the_bureau_home_block_lists_its_units_pending_revisions_and_submitted_reports(people, login):
    from kechuang.apps.plans.testing import sample_revision

    wuhai, hohhot = sample_plan("150300"), sample_plan("150100")
    mine, other = sample_revision(wuhai, "150302"), sample_revision(hohhot, "150102")
    waiting = wuhai.rounds.get(year=2024).reports.get(org_unit__code="150303")  # submitted, not yet approved
    _fill(waiting, None)
    actions.do_submit_report(waiting, acting_user=None)
    approved = wuhai.rounds.get(year=2024).reports.get(org_unit__code="150302")
    _fill(approved, None)
    actions.do_submit_report(approved, acting_user=None)
    actions.do_approve_report(approved, acting_user=people.officer_wuhai)

    def block(user):
        page = login(user).get("/home/").content.decode()
        start = page.find('data-testid="plans-bureau"')
        return page[start:page.find("</div></div>", start)] if start >= 0 else ""

    wuhai_block = block(people.officer_wuhai)
    assert mine.get_absolute_url() in wuhai_block and other.get_absolute_url() not in wuhai_block
    assert waiting.get_absolute_url() in wuhai_block and approved.get_absolute_url() not in wuhai_block
    hohhot_block = block(people.officer_hohhot)
    assert other.get_absolute_url() in hohhot_block and mine.get_absolute_url() not in hohhot_block
    assert waiting.get_absolute_url() not in hohhot_block
    region = block(people.admin)  # the region's administrator: every city
    assert mine.get_absolute_url() in region and other.get_absolute_url() in region
    # decided requests leave the block
    actions.do_decide_revision(mine, approve=False, note="数据无误", acting_user=people.officer_wuhai)
    assert mine.get_absolute_url() not in block(people.officer_wuhai)
    # units that report (or only look) get no bureau block
    assert block(people.reporter_haibowan) == "" and block(people.expert) == ""


# --- the quarterly Excel template -----------------------------------------------------------

QUARTER_ALONE_INDICATOR = """\
  - code: visits
    name: "科技特派员服务次数"
    unit: "次"
    chapter: "1"
    lead_unit: "海勃湾区"
    baseline: {year: 2020, value: 100}
    targets:
      - {year: 2025, value: 200}
    measure: {method: reported, frequency: quarter, basis: quarter, temporal: flow, aggregation: sum}
    quote: "科技特派员服务达到200次"
"""


def test_the_quarterly_excel_template_says_whether_each_figure_is_year_to_date_or_the_quarter(
        people, login, tmp_path):
    from openpyxl import load_workbook

    folder = write_sample_folder(tmp_path / "plans", code="quarterly-150300")
    path = folder / "quarterly-150300.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "tasks:\n", QUARTERLY_INDICATOR + QUARTER_ALONE_INDICATOR + "tasks:\n", 1), encoding="utf-8")
    actions.do_load_plans(folder, acting_user=people.admin)
    plan = Plan.objects.get(code="quarterly-150300")
    quarter = actions.do_open_round(plan, year=2024, quarter=2, deadline=datetime.date(2024, 7, 15),
                                    acting_user=people.officer_wuhai)
    year = actions.do_open_round(plan, year=2024, deadline=datetime.date(2025, 3, 31),
                                 acting_user=people.officer_wuhai)
    client = login(people.reporter_haibowan)

    def template(round_):
        report = _report_in(round_, "150302")
        data = client.get(f"/plans/reports/{report.pk}/template.xlsx").content
        sheet = load_workbook(io.BytesIO(data))["指标数据"]
        rows = list(sheet.iter_rows(values_only=True))
        return report, sheet, rows[0], {row[0]: row for row in rows[1:]}

    report, sheet, header, rows = template(quarter)
    assert header[6] == "填报口径"
    assert rows["contracts@150300"][6] == "1–n季度累计（年初至本季度末）"
    assert rows["visits@150300"][6] == "当季（仅本季度）"
    # the web form says the same under each line
    page = client.get(f"/plans/reports/{report.pk}/").content.decode()
    assert page.count('data-testid="basis"') == 2
    # the extra column does not get in the way of the upload
    for index in range(2, len(rows) + 2):
        sheet[f"E{index}"], sheet[f"F{index}"] = 0.5, "台账"
    filled = io.BytesIO()
    sheet.parent.save(filled)
    upload = io.BytesIO(filled.getvalue())
    upload.name = "q2.xlsx"
    assert client.post(f"/plans/reports/{report.pk}/upload/", {"file": upload}).status_code == 302
    assert sorted(Value.objects.filter(report=report).values_list("quarter", "value")) == [(2, 0.5), (2, 0.5)]
    # a year round asks for the whole year's figure
    _report, _sheet, _header, rows = template(year)
    assert rows and {row[6] for row in rows.values()} == {"全年"}
    page = client.get(f"/plans/reports/{_report.pk}/").content.decode()
    assert 'data-testid="basis"' not in page


# --- the dashboard benchmark ----------------------------------------------------------------


def test_the_dashboard_benchmark_builds_renders_and_rolls_back(people):
    from kechuang.apps.accounts.models import OrgUnit
    from kechuang.apps.plans.bench import bench_dashboard

    plans, units, values = Plan.objects.count(), OrgUnit.objects.count(), Value.objects.count()
    result = bench_dashboard(n_units=3, n_years=2, n_indicators=2, renders=2)
    assert result["sizes"] == {"units": 3, "indicators": 2, "years": 2, "quarters": 4, "values": 2 * 4 * 2 * 4}
    for page in ("dashboard", "evaluation"):
        assert {"first_s", "best_s", "median_s", "queries", "bytes"} <= set(result[page])
        assert result[page]["best_s"] <= result[page]["median_s"]
    assert result["build_s"] >= 0 and result["database"]
    # the data set is gone again
    assert (Plan.objects.count(), OrgUnit.objects.count(), Value.objects.count()) == (plans, units, values)


# --- large plans: every part judged in one pass, listed on demand ------------------------


def _many_parts_plan(n_units: int):
    """An engine plan with four kinds of quarterly or annual series, each target decomposed
    over ``n_units`` units: a stock reported per quarter, a flow year to date, a flow
    quarter by quarter (added up) and a money flow reported in another unit (亿元 → 万元)."""
    from kechuang.engine.plans import Baseline, Chapter, Indicator, Measure, Part, Target, UnitRef
    from kechuang.engine.plans import Plan as EnginePlan

    units = [f"1503{u:02d}" for u in range(n_units)]

    def parts(value):
        return [Part(f"单位{code}", value, unit_ref=UnitRef(f"单位{code}", (code,), "resolved")) for code in units]

    plan = EnginePlan(code="many", title="多单位规划", source="000_c8b8e38b7f624e86.txt", period_start=2021,
                      period_end=2025, city="150300", chapters=[Chapter("1", "第一章")])
    plan.indicators = [
        Indicator(code="stock", name="平台数量", unit="家", chapter="1", baseline=Baseline(2020, 100),
                  targets=[Target(2025, 200, parts=parts(10))], plan_code="many", quote="q",
                  measure=Measure(frequency="quarter", basis="quarter", temporal="stock")),
        Indicator(code="ytd", name="成交额", unit="亿元", chapter="1", baseline=Baseline(2020, 50),
                  targets=[Target(2025, 100, parts=parts(5))], plan_code="many", quote="q",
                  measure=Measure(frequency="quarter", basis="ytd", temporal="flow")),
        Indicator(code="summed", name="新增企业", unit="家", chapter="1", baseline=Baseline(2020, 40),
                  targets=[Target(2025, 80, parts=parts(4))], plan_code="many", quote="q",
                  measure=Measure(frequency="quarter", basis="quarter", temporal="flow")),
        Indicator(code="money", name="研发投入", unit="万元", catalogue="rd-spending", reported_unit="亿元",
                  chapter="1", baseline=Baseline(2020, 40000), targets=[Target(2025, 76800, parts=parts(3000))],
                  plan_code="many", quote="q", measure=Measure(temporal="flow")),
    ]
    return plan, units


def _many_values(plan, units, seed: int = 7):
    """Random values with what real reports bring: missing quarters, revisions (some known
    only after the evaluation date), annual rows beside quarterly ones, and values sent
    under the bare indicator code instead of the series."""
    import random

    from kechuang.engine.indicators import Observation

    rng = random.Random(seed)
    rows = []
    for ind in plan.indicators:
        for unit in units:
            level = rng.uniform(1, 20)
            for year in range(2020, 2025):
                level *= rng.uniform(0.9, 1.3)
                quarters = [0] if ind.measure.frequency == "year" else [1, 2, 3, 4]
                if quarters != [0] and rng.random() < 0.2:
                    quarters = [q for q in quarters if rng.random() < 0.7]
                if quarters != [0] and rng.random() < 0.1:
                    quarters.append(0)  # an annual row wins over the quarters
                for q in quarters:
                    value = level * q / 4 if ind.measure.basis == "ytd" and q else level
                    known = datetime.datetime(year + 1 if q in (0, 4) else year, 3 * q % 12 + 1, 20)
                    key = ind.code if not ind.catalogue and rng.random() < 0.1 else ind.series
                    rows.append(Observation(key, unit, f"{year}Q{q}" if q else str(year), round(value, 3), known))
                    if rng.random() < 0.1:  # a revision, sometimes known only later
                        later = known + datetime.timedelta(days=rng.choice([30, 400]))
                        rows.append(Observation(ind.series, unit, f"{year}Q{q}" if q else str(year),
                                                round(value * 1.05, 3), later))
    return rows


def test_the_engine_judges_thousands_of_parts_in_one_pass_as_annualise_reads_one_series():
    """evaluate() turns every part's series into years in one Polars pass; each part's
    latest year and value are those annualise() gives on that series alone."""
    import polars as pl

    from kechuang.engine.indicators import as_known, evaluate, observations_frame
    from kechuang.engine.indicators.observations import annualise

    plan, units = _many_parts_plan(40)
    values = _many_values(plan, units)
    as_of = datetime.date(2024, 8, 15)
    result = evaluate(plan, values, as_of)
    known = as_known(observations_frame(values), as_of)
    checked = 0
    for item in result["indicators"]:
        ind = next(i for i in plan.indicators if i.code == item["code"])
        factor = 10000.0 if ind.reported_unit else 1.0  # 亿元 → 万元
        keys = sorted({ind.series} | ({ind.code} if not ind.catalogue else set()))
        assert len(item["parts"]) == len(units)
        for part in item["parts"]:
            series = (known.filter(pl.col("indicator").is_in(keys) & (pl.col("org_unit") == part["unit_code"]))
                      .with_columns(pl.col("indicator").replace_strict({k: n for n, k in enumerate(keys)}).alias("rank"))
                      .sort(["known_at", "rank"]).with_columns(pl.col("value") * factor))
            years = {y: v for y, v in annualise(series, ind.measure.temporal, ind.measure.basis).items()
                     if not (v.partial and ind.measure.temporal == "flow")}  # a flow's part-year stays out
            latest = max(years) if years else None
            assert part["latest"]["year"] == latest
            if latest is not None:
                assert part["latest"]["value"] == pytest.approx(years[latest].value, rel=1e-6)
                checked += 1
    assert checked > 100


def test_the_engine_can_leave_the_parts_unexplained_with_the_same_numbers():
    from kechuang.engine.indicators import evaluate, evaluate_many

    plan, units = _many_parts_plan(12)
    values = _many_values(plan, units, seed=11)
    as_of = datetime.date(2024, 12, 31)
    full = evaluate(plan, values, as_of)
    lean = evaluate(plan, values, as_of, explain_parts=False)
    assert lean["rollups"] == full["rollups"]
    for a, b in zip(full["indicators"], lean["indicators"], strict=True):
        assert a["explanation"] == b["explanation"] and a["status"] == b["status"]  # the indicator's own row
        for pa, pb in zip(a["parts"], b["parts"], strict=True):
            assert pa["explanation"]["text"] and pb["explanation"] is None
            assert {k: v for k, v in pa.items() if k != "explanation"} == {k: v for k, v in pb.items()
                                                                          if k != "explanation"}
    # and the vectorised evaluation of many units agrees part by part
    frame = evaluate_many([plan], values, as_of, units=units)
    for item in lean["indicators"]:
        for part in item["parts"]:
            row = frame.filter((frame["indicator"] == item["code"]) & (frame["org_unit"] == part["unit_code"])).row(
                0, named=True)
            assert row["target_from_part"] and row["status"] == part["status"]


def _parts_values(plan, people):
    """Baselines and 2024 figures of the two counties' rd-spending parts (targets 4 and 2)."""
    rd = plan.indicators.get(code="rd-spending")
    known = timezone.now() - datetime.timedelta(days=1)
    rows = [actions.ValueRow(rd, people.units[code], year, value, known)
            for code, year, value in (("150302", 2020, 1.0), ("150303", 2020, 1.0),
                                      ("150302", 2024, 2.0), ("150303", 2024, 1.9))]
    actions.do_import_values(rows, kind=Value.Kind.REPORTED, acting_user=people.admin)
    return rd


def test_the_evaluation_page_counts_the_parts_and_lists_them_on_demand(people, login):
    plan = sample_plan()
    rd = _parts_values(plan, people)
    officer = login(people.officer_wuhai)
    page = officer.get(f"/plans/{plan.pk}/evaluation/").content.decode()
    url = f"/plans/indicators/{rd.pk}/parts/"
    # per indicator: how many parts, their statuses counted, and the link that loads them
    assert 'data-testid="parts-count"' in page and f'hx-get="{url}?as_of=' in page
    assert "vendor/htmx/htmx.min.js" in page
    assert "data-unit=" not in page  # no part listed inline
    fragment = officer.get(url).content.decode()
    rows = fragment.split("<tr data-unit=")[1:]
    assert [r.split('"')[1] for r in rows] == ["150302", "150303"]  # the unit furthest behind first
    assert "完成率" in rows[0] and "海勃湾区" in rows[0]  # the explanation of its status
    behind = rows[0].split('data-status="')[1].split('"')[0]
    assert behind in ("lagging", "deteriorating", "accelerate")
    assert f'data-status="{behind}"' in page.split('data-code="rd-spending"')[1]  # counted on the page


def test_the_parts_fragment_is_scoped_like_the_evaluation_page(people, login):
    plan = sample_plan()
    rd = _parts_values(plan, people)
    url = f"/plans/indicators/{rd.pk}/parts/"
    reporter = login(people.reporter_haibowan).get(url).content.decode()
    assert 'data-unit="150302"' in reporter and 'data-unit="150303"' not in reporter  # only its own part
    assert login(people.officer_hohhot).get(url).status_code == 404  # another city's plan
    assert login(people.expert).get(url).status_code == 403  # no plans.view_plan
    from django.test import Client

    assert Client().get(url).status_code == 302  # to the login page
