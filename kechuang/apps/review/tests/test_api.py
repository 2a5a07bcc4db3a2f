"""The review API: documents in scope, creation from text or file, findings, decisions,
the stateless check, and bad input."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.apps.audit.models import AuditEntry
from kechuang.apps.review.models import Document
from kechuang.apps.review.testing import SAMPLE_TEXT, sample_document

from .helpers import BOX_9, docx_bytes

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_a_document_is_created_from_text_and_listed_only_in_its_units(people, login):
    client = login(people.officer_wuhai)
    response = client.post("/api/review/documents/", {
        "title": "乌海市科技创新若干措施", "number": "乌科发〔2025〕3号", "drafting_unit_code": "150300D001",
        "text": SAMPLE_TEXT}, content_type=JSON)
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert body["drafting_unit_code"] == "150300D001" and body["status"] == "draft" and body["run"] == 1
    assert (body["violation_count"], body["suspect_count"], body["open_count"]) == (1, 1, 2)
    assert body["text"] == SAMPLE_TEXT
    assert AuditEntry.objects.filter(verb="review.document.create", object_id=str(body["id"])).exists()
    listed = client.get("/api/review/documents/?status=draft").json()
    assert [d["id"] for d in listed["results"]] == [body["id"]] and "text" not in listed["results"][0]
    hohhot = login(people.officer_hohhot)
    assert hohhot.get("/api/review/documents/").json()["count"] == 0
    assert hohhot.get(f"/api/review/documents/{body['id']}/").status_code == 404
    assert login(people.reporter_haibowan).get("/api/review/documents/").status_code == 403


def test_a_document_is_created_from_an_uploaded_docx(people, login):
    client = login(people.officer_wuhai)
    upload = SimpleUploadedFile("措施.docx", docx_bytes(["一、总体要求", "专栏3 重点项目", BOX_9]))
    response = client.post("/api/review/documents/", {"title": "措施", "drafting_unit_code": "150300", "file": upload,
                                                      "status": "under_review"})
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert body["source"] == "docx" and body["file_name"] == "措施.docx" and body["status"] == "under_review"
    findings = client.get(f"/api/review/documents/{body['id']}/findings/").json()
    assert [(f["article"], f["item"], f["level"]) for f in findings] == [("第十条", "（二）", "suspect")]
    assert findings[0]["location"]["box"] == "专栏3 重点项目" and findings[0]["decision"] == "pending"
    assert "内蒙古君正化工" in findings[0]["evidence"]["operators"] and findings[0]["exception_prompt"]


def test_a_document_in_a_unit_outside_ones_own_is_refused(people, login):
    response = login(people.officer_wuhai).post("/api/review/documents/", {
        "title": "呼市文件", "drafting_unit_code": "150100", "text": SAMPLE_TEXT}, content_type=JSON)
    assert response.status_code == 400 and "drafting_unit_code" in response.json()
    assert not Document.objects.exists()


def test_decisions_through_the_api_are_audited_and_checked(people, login):
    document = sample_document(people.units["150300"])
    finding = document.latest_run().findings.get(level="suspect")
    client = login(people.officer_wuhai)
    url = f"/api/review/documents/{document.pk}/decide/"
    response = client.post(url, {"finding": finding.pk, "decision": "dismiss", "reason": "适用例外。"},
                           content_type=JSON)
    assert response.status_code == 200, response.content.decode()
    assert response.json()["decision"] == "dismissed" and response.json()["decided_by"] == "officer_wuhai"
    entry = AuditEntry.objects.get(verb="review.finding.dismiss")
    assert entry.before["decision"] == "pending" and entry.after["decision"] == "dismissed"
    bad = client.post(url, {"finding": finding.pk, "decision": "approve", "reason": "x"}, content_type=JSON)
    assert bad.status_code == 400 and "decision" in bad.json()
    no_reason = client.post(url, {"finding": finding.pk, "decision": "confirm", "reason": ""}, content_type=JSON)
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    other = sample_document(people.units["150300"], title="另一份").latest_run().findings.first()
    assert client.post(url, {"finding": other.pk, "decision": "confirm", "reason": "x"},
                       content_type=JSON).status_code == 404
    assert login(people.officer_hohhot).post(url, {"finding": finding.pk, "decision": "confirm", "reason": "x"},
                                             content_type=JSON).status_code == 404
    assert AuditEntry.objects.filter(verb__startswith="review.finding").count() == 1


def test_check_returns_the_findings_of_a_text_and_stores_nothing(people, login):
    client = login(people.officer_wuhai)
    response = client.post("/api/review/check/", {"text": SAMPLE_TEXT}, content_type=JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["counts"] == {"violation": 1, "suspect": 1, "note": 0}
    box = next(f for f in body["findings"] if f["level"] == "suspect")
    assert set(box) >= {"clause", "location", "article", "item", "level", "reason", "evidence"}
    assert (box["article"], box["item"], box["location"]["box"]) == ("第十条", "（二）", "专栏1 重点任务")
    only = client.post("/api/review/check/", {"text": SAMPLE_TEXT, "min_level": "violation"}, content_type=JSON)
    assert [f["level"] for f in only.json()["findings"]] == ["violation"]
    assert not Document.objects.exists() and not AuditEntry.objects.filter(verb__startswith="review.").exists()
    assert client.post("/api/review/check/", {"text": "对新认定的国家高新技术企业一次性给予10万元。"},
                       content_type=JSON).json()["findings"] == []


def test_malformed_json_is_a_400_parse_error_and_nothing_is_saved(people, login):
    client = login(people.officer_wuhai)
    for url in ("/api/review/check/", "/api/review/documents/"):
        response = client.post(url, data='{"text": "对企业', content_type=JSON)
        assert response.status_code == 400, url
        assert response.json()["code"] == "parse_error"
    assert not Document.objects.exists()


def test_bad_input_gets_a_chinese_message_where_it_belongs(people, login):
    client = login(people.officer_wuhai)
    empty = client.post("/api/review/check/", {"text": "  \n "}, content_type=JSON)
    assert empty.status_code == 400 and empty.json()["code"] == "empty" and "文档为空" in empty.json()["text"][0]
    missing = client.post("/api/review/check/", {}, content_type=JSON)
    assert missing.status_code == 400 and "必填" in missing.json()["text"][0]
    not_text = client.post("/api/review/check/", {"text": ["a"]}, content_type=JSON)
    assert not_text.status_code == 400 and "text" in not_text.json()
    exe = client.post("/api/review/documents/", {"title": "x", "drafting_unit_code": "150300",
                                                 "file": SimpleUploadedFile("tool.exe", b"MZ\x90\x00")})
    assert exe.status_code == 400 and exe.json()["code"] == "unsupported_type"
    assert "不支持的文件类型" in exe.json()["file"][0]
    binary = client.post("/api/review/documents/", {"title": "x", "drafting_unit_code": "150300",
                                                    "file": SimpleUploadedFile("a.txt", bytes(range(256)) * 8)})
    assert binary.status_code == 400 and binary.json()["code"] == "undecodable" and "无法识别" in binary.json()["file"][0]
    nothing = client.post("/api/review/documents/", {"title": "x", "drafting_unit_code": "150300"}, content_type=JSON)
    assert nothing.status_code == 400 and "non_field_errors" in nothing.json()
    assert not Document.objects.exists()


def test_the_schema_describes_the_review_api(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/review/documents/", "/api/review/documents/{id}/", "/api/review/documents/{id}/findings/",
                 "/api/review/documents/{id}/decide/", "/api/review/check/"):
        assert path in paths, path
