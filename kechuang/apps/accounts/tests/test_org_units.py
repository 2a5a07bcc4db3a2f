"""Org units: the shipped tree, scoping, and their life (rename, close, merge, import)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.apps.accounts import actions
from kechuang.apps.accounts.models import OrgUnit, OrgUnitChange
from kechuang.apps.audit.models import AuditEntry
from kechuang.apps.common.tabular import ImportRejected, read_table
from kechuang.apps.tasks.models import Task

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 1, 1)


def test_the_shipped_units_are_the_divisions_and_the_seed_bodies():
    summary = actions.do_import_org_units(actions.reference_unit_rows(), acting_user=None)
    kinds = {k: OrgUnit.objects.filter(kind=k).count() for k in OrgUnit.Kind.values}
    assert kinds["region"] == 1
    assert kinds["city"] == 12
    assert kinds["county"] == 103
    assert kinds["zone"] >= 5  # coded zones plus the parks the seeds name
    assert summary["created"] == OrgUnit.objects.count()
    wuhai_hitech = OrgUnit.objects.get(code="150300Z01")
    assert wuhai_hitech.parent.code == "150300"
    assert "乌海高新区" in wuhai_hitech.aliases
    assert wuhai_hitech.path == "/150000/150300/150300Z01/"
    hohhot_bureau = OrgUnit.objects.get(name="呼和浩特市科学技术局")
    assert "市科技局" in hohhot_bureau.aliases
    assert OrgUnit.objects.filter(parent__code="150100", kind="court").exists()
    # Loading twice changes nothing.
    again = actions.do_import_org_units(actions.reference_unit_rows(), acting_user=None)
    assert again["created"] == 0


def test_a_bureau_sees_its_own_unit_and_the_units_below_it(people):
    seen = set(OrgUnit.objects.visible_to(people.officer_wuhai).values_list("code", flat=True))
    assert seen == {"150300", "150302", "150303", "150300Z01", "150300D001"}
    assert set(OrgUnit.objects.visible_to(people.reporter_haibowan).values_list("code", flat=True)) == {"150302"}
    assert OrgUnit.objects.visible_to(people.admin).count() == len(people.units)
    assert not OrgUnit.objects.visible_to(people.expert).exists()


def test_it_rejects_a_malformed_unit_code(people):
    with pytest.raises(ValidationError):
        actions.do_create_org_unit(acting_user=people.admin, code="abc", name="x", kind="department",
                                   parent=people.units["150300"])
    assert not OrgUnit.objects.filter(name="x").exists()


def test_an_admin_cannot_create_units_outside_its_own(people):
    with pytest.raises(ValidationError):
        actions.do_create_org_unit(acting_user=people.admin_wuhai, code="150100D001", name="某局",
                                   kind="department", parent=people.units["150100"])
    assert not OrgUnit.objects.filter(code="150100D001").exists()


def test_a_rename_keeps_the_old_name_as_an_alias_and_in_the_history(people):
    unit = people.units["150300D001"]
    actions.do_rename_org_unit(unit, "乌海市科技创新局", effective_on=DAY, acting_user=people.admin, note="机构改革")
    unit.refresh_from_db()
    assert unit.name == "乌海市科技创新局"
    assert "乌海市科学技术局" in unit.aliases
    change = unit.changes.get(kind=OrgUnitChange.Kind.RENAMED)
    assert (change.old_value, change.new_value, change.effective_on) == ("乌海市科学技术局", "乌海市科技创新局", DAY)
    entry = AuditEntry.objects.get(verb="accounts.orgunit.rename")
    assert entry.before["name"] == "乌海市科学技术局" and entry.after["name"] == "乌海市科技创新局"
    assert entry.actor_username == "admin"


def test_a_unit_with_open_units_below_cannot_be_closed(people):
    with pytest.raises(ValidationError):
        actions.do_close_org_unit(people.units["150300"], effective_on=DAY, acting_user=people.admin)
    people.units["150300"].refresh_from_db()
    assert people.units["150300"].valid_to is None


def test_a_closed_unit_is_kept_but_no_longer_active(people):
    unit = people.units["150303"]
    actions.do_close_org_unit(unit, effective_on=DAY, acting_user=people.admin)
    assert OrgUnit.objects.filter(pk=unit.pk).exists()
    assert not OrgUnit.objects.active(DAY).filter(pk=unit.pk).exists()
    assert OrgUnit.objects.active(DAY - datetime.timedelta(days=1)).filter(pk=unit.pk).exists()


def test_a_merge_moves_units_below_and_roles_to_the_successor(people):
    county = people.units["150302"]
    actions.do_create_org_unit(acting_user=people.admin, code="150302D001", name="海勃湾区科技局",
                               kind="department", parent=county)
    target = people.units["150303"]
    actions.do_merge_org_unit(county, target, effective_on=DAY, acting_user=people.admin)
    county.refresh_from_db()
    moved = OrgUnit.objects.get(code="150302D001")
    assert county.successor == target and county.valid_to == DAY
    assert moved.parent == target and moved.path == "/150000/150300/150303/150302D001/"
    assert people.reporter_haibowan.roles.get().org_unit == target
    target.refresh_from_db()
    assert "海勃湾区" in target.aliases


def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_import_reports_every_bad_cell_by_row_and_column_and_writes_nothing(people):
    data = _xlsx([
        ["编码", "名称", "上级编码", "类型", "启用日期"],
        ["150300D002", "乌海市发展和改革委员会", "150300", "department", "2026-01-01"],
        ["15030X", "坏编码", "150300", "department", ""],
        ["150300D003", "", "999999", "department", "2026-13-01"],
        ["150300D002", "重复", "150300", "星球", ""],
    ])
    before = OrgUnit.objects.count()
    table = read_table(data, "units.xlsx", actions.IMPORT_COLUMNS)
    with pytest.raises(ImportRejected) as rejected:
        actions.validate_unit_rows(table)
    found = {(e.row, e.column) for e in rejected.value.errors}
    assert found == {(3, "编码"), (4, "名称"), (4, "上级编码"), (4, "启用日期"), (5, "编码"), (5, "类型")}
    assert OrgUnit.objects.count() == before


def test_an_import_of_a_unit_that_exists_with_other_values_is_refused(people):
    table = read_table("编码,名称,上级编码,类型\n150302,别的名字,150300,county\n".encode(), "u.csv",
                       actions.IMPORT_COLUMNS)
    with pytest.raises(ImportRejected):
        actions.do_import_org_units(actions.validate_unit_rows(table), acting_user=people.admin)
    assert OrgUnit.objects.get(code="150302").name == "海勃湾区"


@pytest.mark.parametrize("content,name", [(b"", "empty.csv"), (b"\xff\xfe\x00garbage", "bad.xlsx"),
                                          (b"code,name\n", "headers-only.csv"), (b"x", "units.txt")])
def test_unreadable_or_empty_files_are_refused(content, name):
    with pytest.raises(ImportRejected):
        read_table(content, name, actions.IMPORT_COLUMNS)


def test_importing_through_the_page_runs_a_task_and_records_one_audit_entry_with_the_file(
    people, login, django_capture_on_commit_callbacks
):
    client = login(people.admin)
    data = _xlsx([["编码", "名称", "上级编码", "类型", "别名"],
                  ["150300D002", "乌海市发展和改革委员会", "150300", "department", "市发改委"],
                  ["150300D003", "乌海市财政局", "150300", "department", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/units/import/", {"file": SimpleUploadedFile("units.xlsx", data)})
    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    task.refresh_from_db()
    assert task.status == Task.Status.SUCCEEDED, task.error
    assert task.result == {"rows": 2, "created": 2, "unchanged": 0}
    assert OrgUnit.objects.get(code="150300D002").aliases == ["市发改委"]
    entry = AuditEntry.objects.get(verb="accounts.orgunit.import", actor=people.admin)
    assert entry.row_count == 2
    with entry.batch_file.open("rb") as handle:
        assert handle.read() == data
    page = client.get(task.get_absolute_url())
    assert page.status_code == 200


def test_a_refused_import_shows_its_errors_on_the_task_page(people, login, django_capture_on_commit_callbacks):
    client = login(people.admin)
    before = OrgUnit.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/units/import/", {"file": SimpleUploadedFile(
            "units.csv", "编码,名称,上级编码,类型\n150300D002,某局,888888,department\n".encode())})
    task = Task.objects.get()
    assert task.status == Task.Status.FAILED
    assert task.result["errors"] == [
        {"sheet": "units.csv", "row": 2, "column": "上级编码", "message": task.result["errors"][0]["message"]}]
    assert "888888" in task.result["errors"][0]["message"]
    assert OrgUnit.objects.count() == before
    assert not AuditEntry.objects.filter(verb="accounts.orgunit.import", actor=people.admin).exists()
    assert "888888" in client.get(task.get_absolute_url()).content.decode()


def test_the_unit_list_exports_the_filtered_rows_to_excel(people, login):
    from openpyxl import load_workbook

    client = login(people.officer_wuhai)
    response = client.get("/accounts/units/?q=海勃湾&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["海勃湾区"]


def test_a_form_error_keeps_what_was_typed(people, login):
    client = login(people.admin)
    response = client.post("/accounts/units/new/", {
        "parent": people.units["150300"].pk, "code": "abc", "name": "乌海市测试局", "kind": "department"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="乌海市测试局"' in body and "abc" in body
    assert not OrgUnit.objects.filter(name="乌海市测试局").exists()
