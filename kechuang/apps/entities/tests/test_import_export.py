"""The exchange table in and out of the registry: validated, all or nothing, exact."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.apps.audit.models import AuditEntry
from kechuang.apps.entities.models import Entity, EntityFact, HteCertificate, TsmeRegistration
from kechuang.apps.tasks.models import Task
from kechuang.testing import valid_uscc

pytestmark = pytest.mark.django_db

HEADER = "统一社会信用代码,单位名称,行政区划代码,成立日期,会计年度,职工总数,科技人员数,销售收入,研究开发费用总额,其中：境内研究开发费用,高新技术企业证书发证日期,科技型中小企业入库年度\n"


def _csv(lines: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile("facts.csv", (HEADER + "\n".join(lines) + "\n").encode("utf-8"))


def _import(client, upload, capture):
    with capture(execute=True):
        response = client.post("/entities/import/", {"file": upload})
    assert response.status_code == 302, response.content.decode()[:1000]
    return Task.objects.order_by("-created_at").first()


def test_an_exchange_file_creates_entities_and_exact_yearly_facts(people, login, django_capture_on_commit_callbacks):
    code = valid_uscc("91150303MA0000101")
    task = _import(login(people.officer_wuhai), _csv([
        f"{code},乌海某新材料有限公司,150303,2018-03-01,2023,100.25,20.5,12345678.91,600000,600000,2023-11-20,2023",
        f"{code},乌海某新材料有限公司,150303,2018-03-01,2024,110,22,20000000.00,1000000.01,900000,2023-11-20,2023",
    ]), django_capture_on_commit_callbacks)
    task.refresh_from_db()
    assert task.status == "succeeded", task.result
    entity = Entity.objects.get(uscc=code)
    assert entity.org_unit.code == "150303" and str(entity.registered_on) == "2018-03-01"
    facts = {f.year: f for f in EntityFact.objects.filter(entity=entity)}
    assert facts[2023].sales_revenue == Decimal("12345678.91")
    assert facts[2023].employees == Decimal("100.25")
    assert facts[2024].rd_expense == Decimal("1000000.01")
    assert [c.issued_on.isoformat() for c in HteCertificate.objects.filter(entity=entity)] == ["2023-11-20"]
    assert list(TsmeRegistration.objects.filter(entity=entity).values_list("year", flat=True)) == [2023]
    entry = AuditEntry.objects.get(verb="entities.entity.import")
    assert entry.row_count == 2 and entry.batch_file


def test_a_bad_file_is_refused_whole_with_each_problem_located(people, login, django_capture_on_commit_callbacks):
    good = valid_uscc("91150303MA0000102")
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    task = _import(login(people.officer_wuhai), _csv([
        f"{good},甲公司,150303,2018-03-01,2024,10,2,100,10,5,,",
        f"{bad_check},乙公司,150303,2018-02-30,2024,10,20,-5,10,50,,",
    ]), django_capture_on_commit_callbacks)
    task.refresh_from_db()
    assert task.status == "failed"
    located = {(e["row"], e["column"]) for e in task.result["errors"]}
    assert (3, "统一社会信用代码") in located and (3, "成立日期") in located and (3, "销售收入") in located
    assert all(e["message"] for e in task.result["errors"])
    assert not Entity.objects.filter(uscc=good).exists()
    assert not AuditEntry.objects.filter(verb="entities.entity.import").exists()


def test_an_officer_cannot_import_into_another_city(people, login, django_capture_on_commit_callbacks):
    code = valid_uscc("91150102MA0000103")
    task = _import(login(people.officer_wuhai), _csv([f"{code},越界公司,150102,2018-03-01,2024,10,2,100,10,5,,"]),
                   django_capture_on_commit_callbacks)
    task.refresh_from_db()
    assert task.status == "failed" and task.result["errors"][0]["row"] == 2
    assert not Entity.objects.filter(uscc=code).exists()


def test_the_exported_facts_import_again_unchanged(people, login, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    code = valid_uscc("91150303MA0000104")
    client = login(people.officer_wuhai)
    _import(client, _csv([f"{code},导出公司,150303,2019-05-05,2024,50.5,10,7654321.09,500000,400000,2024-01-15,2024"]),
            django_capture_on_commit_callbacks)
    exported = client.get("/entities/export.xlsx?q=导出公司").content
    sheet = load_workbook(io.BytesIO(exported)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == code
    before = list(EntityFact.objects.filter(entity__uscc=code).values())
    task = _import(client, SimpleUploadedFile("again.xlsx", exported), django_capture_on_commit_callbacks)
    task.refresh_from_db()
    assert task.status == "succeeded", task.result
    after = list(EntityFact.objects.filter(entity__uscc=code).values())
    strip = lambda rows: [{k: v for k, v in r.items() if k not in {"id", "created_at", "updated_at"}} for r in rows]  # noqa: E731
    assert strip(after) == strip(before)


def test_the_template_explains_every_column(people, login):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(login(people.reporter_haibowan).get("/entities/template.xlsx").content))
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert headers[0] == "统一社会信用代码" and "研究开发费用总额" in headers
    assert workbook.worksheets[1].max_row > len(headers)


def test_the_entity_page_explains_its_assessment_step_by_step(people, login, django_capture_on_commit_callbacks):
    code = valid_uscc("91150303MA0000105")
    client = login(people.officer_wuhai)
    _import(client, _csv([f"{code},评价示例有限公司,150303,2015-03-01,{y},100,20,40000000,2000000,2000000,,"
                          for y in (2022, 2023, 2024)]), django_capture_on_commit_callbacks)
    entity = Entity.objects.get(uscc=code)
    page = client.get(f"/entities/{entity.pk}/?year=2025").content.decode()
    assert "注册成立时间" in page and "国科发火〔2016〕32号" in page
    assert "5.00%" in page or "5%" in page  # 3-year R&D over 3-year sales: 6,000,000 / 120,000,000
