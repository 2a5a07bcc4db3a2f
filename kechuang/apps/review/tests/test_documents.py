"""The document registry: creating, scoping, the page with text and findings, decisions,
status changes, revisions, bad input, the list and its export."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kechuang.apps.audit.models import AuditEntry
from kechuang.apps.common import navigation
from kechuang.apps.review.models import Document, Finding, ReviewRun
from kechuang.apps.review.testing import SAMPLE_TEXT, sample_document

from .helpers import BOX_9, SEED_000, create_form, docx_bytes

pytestmark = pytest.mark.django_db


def _wuhai_bureau(people):
    return people.units["150300D001"]


def test_a_bureau_registers_a_document_from_pasted_text_and_it_is_reviewed_at_once(people, login):
    client = login(people.officer_wuhai)
    response = client.post("/review/new/", create_form(_wuhai_bureau(people), text=SAMPLE_TEXT))
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get()
    assert response["Location"] == document.get_absolute_url()
    assert (document.source, document.status, document.number) == ("text", "draft", "乌科发〔2025〕3号")
    assert document.org_unit.code == "150300D001" and document.created_by == people.officer_wuhai
    run = document.latest_run()
    assert run.number == 1 and run.created_by == people.officer_wuhai and run.clause_count > 5
    levels = {(f.article, f.item, f.level) for f in run.findings.all()}
    assert ("第十条", "（二）", "suspect") in levels and any(level == "violation" for _a, _i, level in levels)
    assert (document.violation_count, document.suspect_count) == (1, 1) and document.open_count == 2
    entry = AuditEntry.objects.get(verb="review.document.create")
    assert entry.actor == people.officer_wuhai and entry.object_id == str(document.pk)
    assert entry.after["title"] == document.title and entry.after["run"] == 1 and entry.after["findings"] == 2
    assert entry.unit_path == document.org_unit.path


def test_a_docx_upload_is_read_kept_and_reviewed(people, login):
    client = login(people.officer_wuhai)
    content = docx_bytes(["乌海市推动新材料产业发展若干措施", "一、总体要求", "对新认定的国家高新技术企业一次性给予10万元。"],
                         box=["专栏2 新材料重点项目", BOX_9])
    upload = SimpleUploadedFile("新材料措施.docx", content,
                                content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response = client.post("/review/new/", create_form(_wuhai_bureau(people), title="新材料措施", file=upload))
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get()
    assert document.source == "docx" and document.file_name == "新材料措施.docx"
    assert document.file.read() == content
    assert "国家高新技术企业" in document.text and BOX_9 in document.text
    finding = document.latest_run().findings.get(level="suspect")
    assert (finding.article, finding.item) == ("第十条", "（二）")
    assert finding.location["box"] == "专栏2 新材料重点项目"
    assert "内蒙古君正化工" in finding.evidence["operators"]
    assert client.get(f"/review/{document.pk}/file/").getvalue() == content


def test_seed_000_box_9_is_flagged_under_article_10_on_the_document_page(people, login):
    client = login(people.officer_wuhai)
    upload = SimpleUploadedFile(SEED_000.name, SEED_000.read_bytes(), content_type="text/plain")
    client.post("/review/new/", create_form(_wuhai_bureau(people), title="乌海市“十四五”科技创新规划",
                                            number="乌海政办发〔2022〕26号", status="published", file=upload))
    document = Document.objects.get()
    assert document.source == "txt" and document.status == "published"
    finding = document.latest_run().findings.get(article="第十条", level="suspect")
    assert finding.location["box"] == "专栏9 高新区提质升级重点任务" and finding.clause.startswith("重点支持内蒙古君正化工")

    page = client.get(document.get_absolute_url()).content.decode()
    # the clause is highlighted in the text, at the level of its finding, and linked to it
    marked = re.search(rf'<mark id="clause-{finding.clause_index}" class="kc-level-suspect">([^<]+)</mark>'
                       rf'<sup><a href="#finding-{finding.pk}">', page)
    assert marked and marked.group(1).startswith("重点支持内蒙古君正化工")
    # …and the finding beside it: article and item, level, reason, evidence, the Article 12 prompt
    card = page[page.index(f'id="finding-{finding.pk}"'):]
    card = card[:card.index('data-testid="decision"')]
    assert "第十条（二）" in card and "kc-chip-suspect" in card and "专栏9 高新区提质升级重点任务" in card
    assert finding.reason[:20] in card and "三维新材料" in card
    assert 'data-testid="exception-prompt"' in card and "第十二条" in card
    assert "乌海政办发〔2022〕26号" in page


def test_another_citys_officer_finds_nothing_of_wuhai(people, login):
    document = sample_document(people.units["150300"])
    finding = document.latest_run().findings.first()
    client = login(people.officer_hohhot)
    for url in (document.get_absolute_url(), f"/review/{document.pk}/opinion.docx", f"/review/{document.pk}/opinion.pdf",
                f"/review/{document.pk}/edit/", f"/review/{document.pk}/status/", f"/api/review/documents/{document.pk}/",
                f"/api/review/documents/{document.pk}/findings/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/review/{document.pk}/decide/", {"finding": finding.pk, "decision": "confirm",
                                                          "reason": "x"}).status_code == 404
    assert document.title not in client.get("/review/").content.decode()
    finding.refresh_from_db()
    assert finding.decision == "pending"
    # the officer of Wuhai sees it; a county reporter has no access to the module at all
    assert login(people.officer_wuhai).get(document.get_absolute_url()).status_code == 200
    assert login(people.reporter_haibowan).get(document.get_absolute_url()).status_code == 403


def test_confirming_and_dismissing_a_finding_are_audited_with_before_and_after(people, login):
    document = sample_document(people.units["150300"])
    suspect = document.latest_run().findings.get(level="suspect")
    violation = document.latest_run().findings.get(level="violation")
    client = login(people.officer_wuhai)
    response = client.post(f"/review/{document.pk}/decide/", {"finding": suspect.pk, "decision": "dismiss",
                                                              "reason": "适用第十二条第（二）项，已明确实施期限。"})
    assert response.status_code == 302 and response["Location"].endswith(f"#finding-{suspect.pk}")
    client.post(f"/review/{document.pk}/decide/", {"finding": violation.pk, "decision": "confirm",
                                                   "reason": "排斥外地经营者参加投标。"})
    suspect.refresh_from_db()
    violation.refresh_from_db()
    assert (suspect.decision, suspect.decided_by) == ("dismissed", people.officer_wuhai)
    assert violation.decision == "confirmed" and violation.decision_reason == "排斥外地经营者参加投标。"
    dismissed = AuditEntry.objects.get(verb="review.finding.dismiss")
    assert dismissed.before["decision"] == "pending" and dismissed.before["decision_reason"] == ""
    assert dismissed.after["decision"] == "dismissed" and "第十二条" in dismissed.after["decision_reason"]
    assert dismissed.after["decided_by"] == people.officer_wuhai.pk and dismissed.unit_path == document.org_unit.path
    assert AuditEntry.objects.get(verb="review.finding.confirm").object_id == str(violation.pk)
    document.refresh_from_db()
    assert (document.open_count, document.confirmed_count) == (0, 1)
    # changing one's mind is a new entry, whose "before" is the first decision
    client.post(f"/review/{document.pk}/decide/", {"finding": violation.pk, "decision": "dismiss",
                                                   "reason": "经复核，系转述上级文件。"})
    changed = AuditEntry.objects.filter(verb="review.finding.dismiss").order_by("-id").first()
    assert changed.before["decision"] == "confirmed" and changed.after["decision"] == "dismissed"
    page = client.get(document.get_absolute_url()).content.decode()
    assert "经复核，系转述上级文件。" in page


def test_a_decision_needs_a_reason_and_a_known_choice(people, login):
    document = sample_document(people.units["150300"])
    finding = document.latest_run().findings.first()
    client = login(people.officer_wuhai)
    client.post(f"/review/{document.pk}/decide/", {"finding": finding.pk, "decision": "confirm", "reason": "  "})
    client.post(f"/review/{document.pk}/decide/", {"finding": finding.pk, "decision": "approve", "reason": "x"})
    finding.refresh_from_db()
    assert finding.decision == "pending"
    assert not AuditEntry.objects.filter(verb__startswith="review.finding").exists()
    other = sample_document(people.units["150300"], title="另一份文件").latest_run().findings.first()
    response = client.post(f"/review/{document.pk}/decide/", {"finding": other.pk, "decision": "confirm",
                                                              "reason": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.txt", b"", "文件为空"),
    ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", "不支持的文件类型"),
    ("binary.txt", bytes(range(256)) * 20, "无法识别"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "无法读取"),
])
def test_bad_files_are_refused_with_a_clear_chinese_message_and_nothing_is_saved(people, login, name, content,
                                                                                  message):
    client = login(people.officer_wuhai)
    response = client.post("/review/new/", create_form(_wuhai_bureau(people), file=SimpleUploadedFile(name, content)))
    assert response.status_code == 200
    error = re.search(r'data-testid="error-file">([^<]+)<', response.content.decode())
    assert error and message in error.group(1), response.content.decode()[-3000:]
    assert not Document.objects.exists() and not ReviewRun.objects.exists()
    assert not AuditEntry.objects.filter(verb__startswith="review.").exists()


def test_a_blank_text_or_no_content_at_all_is_refused(people, login):
    client = login(people.officer_wuhai)
    blank = client.post("/review/new/", create_form(_wuhai_bureau(people), text=" \n　\n"))
    assert "文档为空" in blank.content.decode()
    nothing = client.post("/review/new/", create_form(_wuhai_bureau(people)))
    assert nothing.status_code == 200 and 'data-testid="form-errors"' in nothing.content.decode()
    both = client.post("/review/new/", create_form(_wuhai_bureau(people), text=SAMPLE_TEXT,
                                                   file=SimpleUploadedFile("a.txt", SAMPLE_TEXT.encode())))
    assert both.status_code == 200
    assert not Document.objects.exists()


def test_a_unit_outside_ones_own_cannot_draft(people, login):
    client = login(people.officer_wuhai)
    response = client.post("/review/new/", create_form(people.units["150100"], text=SAMPLE_TEXT))
    assert response.status_code == 200 and not Document.objects.exists()
    assert login(people.reporter_haibowan).post("/review/new/", create_form(_wuhai_bureau(people),
                                                                            text=SAMPLE_TEXT)).status_code == 403


def test_publication_waits_until_every_finding_is_decided_and_none_is_confirmed(people, login):
    document = sample_document(people.units["150300"])
    client = login(people.officer_wuhai)
    url = f"/review/{document.pk}/status/"
    assert client.post(url, {"status": "published", "effective_on": "2025-03-01"}).status_code == 200  # not allowed
    assert client.post(url, {"status": "under_review", "effective_on": "2025-03-01"}).status_code == 302
    refused = client.post(url, {"status": "published", "effective_on": "2025-03-01"})
    assert refused.status_code == 200 and 'data-testid="form-errors"' in refused.content.decode()
    findings = list(document.latest_run().findings.all())
    for finding in findings:
        client.post(f"/review/{document.pk}/decide/", {"finding": finding.pk, "decision": "confirm", "reason": "确认"})
    assert client.post(url, {"status": "published", "effective_on": "2025-03-01"}).status_code == 200
    for finding in findings:
        client.post(f"/review/{document.pk}/decide/", {"finding": finding.pk, "decision": "dismiss", "reason": "排除"})
    assert client.post(url, {"status": "published", "effective_on": "2025-03-01",
                             "note": "市政府常务会议审议通过"}).status_code == 302
    document.refresh_from_db()
    assert document.status == "published" and str(document.published_on) == "2025-03-01"
    entry = AuditEntry.objects.filter(verb="review.document.status").order_by("-id").first()
    assert (entry.before["status"], entry.after["status"]) == ("under_review", "published")
    assert entry.note == "市政府常务会议审议通过"
    client.post(url, {"status": "proposed_repeal", "effective_on": "2025-09-01"})
    client.post(url, {"status": "repealed", "effective_on": "2025-10-01"})
    document.refresh_from_db()
    assert document.status == "repealed" and str(document.repealed_on) == "2025-10-01"
    assert client.post(f"/review/{document.pk}/decide/", {"finding": findings[0].pk, "decision": "confirm",
                                                          "reason": "x"}).status_code == 302
    assert Finding.objects.get(pk=findings[0].pk).decision == "dismissed"  # a repealed document is closed


def test_a_revised_text_is_reviewed_again_and_keeps_the_decisions_on_unchanged_clauses(people, login):
    document = sample_document(people.units["150300"])
    client = login(people.officer_wuhai)
    suspect = document.latest_run().findings.get(level="suspect")
    client.post(f"/review/{document.pk}/decide/", {"finding": suspect.pk, "decision": "dismiss",
                                                   "reason": "属于科技创新例外情形。"})
    revised = SAMPLE_TEXT.replace("政府采购项目优先采购本地企业生产的产品，外地企业不得参与本市政府投资项目投标。",
                                  "政府采购依法平等对待各类经营者。")
    response = client.post(f"/review/{document.pk}/revise/", {"text": revised})
    assert response.status_code == 302
    document.refresh_from_db()
    run = document.latest_run()
    assert run.number == 2 and document.text == revised
    assert list(run.findings.values_list("level", "decision")) == [("suspect", "dismissed")]
    kept = run.findings.get()
    assert kept.carried_from_id == suspect.pk and kept.decision_reason == "属于科技创新例外情形。"
    assert (document.violation_count, document.open_count) == (0, 0)
    entry = AuditEntry.objects.get(verb="review.document.revise")
    assert entry.before["violation_count"] == 1 and entry.after["violation_count"] == 0 and entry.after["run"] == 2
    # the first run's findings can no longer be decided
    old = document.runs.get(number=1).findings.get(level="violation")
    client.post(f"/review/{document.pk}/decide/", {"finding": old.pk, "decision": "confirm", "reason": "x"})
    assert Finding.objects.get(pk=old.pk).decision == "pending"
    again = client.post(f"/review/{document.pk}/review-again/")
    assert again.status_code == 302 and document.latest_run().number == 3
    assert AuditEntry.objects.filter(verb="review.document.review").count() == 1


def test_the_particulars_are_edited_through_an_audited_action(people, login):
    document = sample_document(people.units["150300"])
    client = login(people.officer_wuhai)
    response = client.post(f"/review/{document.pk}/edit/", {
        "title": "乌海市科技创新若干措施（修订）", "number": "乌科发〔2025〕9号", "org_unit": people.units["150300D001"].pk,
        "drafted_on": "2025-01-05", "published_on": "", "repealed_on": ""})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.number == "乌科发〔2025〕9号" and document.org_unit.code == "150300D001"
    entry = AuditEntry.objects.get(verb="review.document.update")
    assert entry.before["number"] == "乌科发〔2025〕1号" and entry.after["drafted_on"] == "2025-01-05"


def test_the_list_filters_and_exports_to_excel(people, login):
    from openpyxl import load_workbook

    sample_document(people.units["150300"])
    sample_document(people.units["150300D001"], title="乌海市科技局内部文件")
    sample_document(people.units["150100"], title="呼和浩特市文件")
    client = login(people.officer_wuhai)
    page = client.get("/review/").content.decode()
    assert "乌海市科技创新若干措施（示例）" in page and "乌海市科技局内部文件" in page and "呼和浩特市文件" not in page
    filtered = client.get("/review/?within=150300D001").content.decode()
    assert "乌海市科技局内部文件" in filtered and "乌海市科技创新若干措施（示例）" not in filtered
    assert "乌海市科技局内部文件" not in client.get("/review/?findings=none").content.decode()
    export = client.get("/review/?export=xlsx&q=示例")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.values)
    assert len(rows) == 2 and "乌科发〔2025〕1号" in rows[1] and "乌海市科技创新若干措施（示例）" in rows[1]
    assert 1 in rows[1]  # the violation count


def test_the_menu_offers_the_review_to_bureau_staff_only(people):
    def entries(user):
        return [item.url_name for item in navigation.items_for(user)]

    assert "review:document_list" in entries(people.officer_wuhai)
    assert "review:document_list" in entries(people.admin)
    assert "review:document_list" not in entries(people.reporter_haibowan)
    assert "review:document_list" not in entries(people.enterprise)
    item = next(i for i in navigation.items_for(people.officer_wuhai) if i.url_name == "review:document_list")
    with translation.override("en"):
        assert str(item.label) == "Fair competition review"
