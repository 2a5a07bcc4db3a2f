"""The review opinion (审查意见) as .docx and as PDF: the customary structure and layout."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.apps.review.models import Document
from kechuang.apps.review.testing import sample_document

from .helpers import SEED_000, create_form

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _decide_all(client, document, decision="dismiss", reason="经研判，适用第十二条第（二）项。"):
    for finding in document.latest_run().findings.all():
        client.post(f"/review/{document.pk}/decide/", {"finding": finding.pk, "decision": decision, "reason": reason})


def _docx(client, document):
    from docx import Document as WordDocument

    response = client.get(f"/review/{document.pk}/opinion.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "attachment" in response["Content-Disposition"]
    return WordDocument(io.BytesIO(response.content))


def _pdf_text(client, document):
    from pypdf import PdfReader

    response = client.get(f"/review/{document.pk}/opinion.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_opinion_docx_has_the_customary_structure_with_the_findings_and_decisions(people, login):
    client = login(people.officer_wuhai)
    upload = SimpleUploadedFile(SEED_000.name, SEED_000.read_bytes())
    client.post("/review/new/", create_form(people.units["150300D001"], title="乌海市“十四五”科技创新规划",
                                            number="乌海政办发〔2022〕26号", status="published", file=upload))
    document = Document.objects.get()
    _decide_all(client, document)
    word = _docx(client, document)
    paragraphs = [p.text for p in word.paragraphs if p.text.strip()]
    text = "\n".join(paragraphs)

    assert paragraphs[0] == "关于《乌海市“十四五”科技创新规划》的公平竞争审查意见"
    assert "第十三条、第十四条" in paragraphs[1] and "乌海市科学技术局" in paragraphs[1]
    assert "乌海政办发〔2022〕26号" in paragraphs[1]
    headings = [p for p in paragraphs if p in ("一、审查依据", "二、审查发现", "三、审查结论")]
    assert headings == ["一、审查依据", "二、审查发现", "三、审查结论"]
    # findings by article, the clause quoted, the reason, the Article 12 prompt and the decision
    assert "（一）第十条：影响生产经营成本" in paragraphs
    assert "（二）提示事项（供参考，不计入审查发现）" in paragraphs
    assert "1. 第十条第（二）项（疑似）：重点支持、扶持具名经营者" in text
    assert "2. 第十条第（二）项（提示）" in text and "北京大学" in text
    assert "原文：“重点支持内蒙古君正化工、三维新材料" in text
    assert "专栏9 高新区提质升级重点任务" in text and "例外情形提示：可能适用第十二条" in text
    assert "审查人员意见：排除。经研判，适用第十二条第（二）项。" in text
    conclusion = paragraphs[paragraphs.index("三、审查结论") + 1]
    assert "未发现违反《公平竞争审查条例》第八条至第十一条规定的内容，可以继续实施" in conclusion
    assert any(p.startswith("审查人员：officer_wuhai") for p in paragraphs)
    signature = paragraphs[paragraphs.index(next(p for p in paragraphs if p.startswith("审查人员："))):]
    assert signature[1] == "乌海市科学技术局" and signature[2].endswith("日") and "年" in signature[2]
    assert word.core_properties.title == paragraphs[0]


def test_the_opinion_docx_is_laid_out_after_gb_t_9704(people, login):
    from docx.shared import Mm, Pt

    document = sample_document(people.units["150300"])
    word = _docx(login(people.officer_wuhai), document)
    section = word.sections[0]
    sizes = (section.page_width, section.page_height, section.top_margin, section.bottom_margin,
             section.left_margin, section.right_margin)
    assert all(abs(actual - Mm(expected)) < Mm(0.1) for actual, expected in zip(sizes, (210, 297, 37, 35, 28, 26), strict=True))
    title = word.paragraphs[0]
    fonts = title.runs[0]._r.rPr.rFonts
    assert fonts.get(f"{W}eastAsia") == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    body = next(p for p in word.paragraphs if p.text.startswith("根据《公平竞争审查条例》"))
    assert body.runs[0]._r.rPr.rFonts.get(f"{W}eastAsia") == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)
    heading = next(p for p in word.paragraphs if p.text == "一、审查依据")
    assert heading.runs[0]._r.rPr.rFonts.get(f"{W}eastAsia") == "黑体"
    # the GB fonts are declared with the fonts that stand in for them
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    table = etree.fromstring(word.part.part_related_by(RT.FONT_TABLE).blob)
    alternatives = {f.get(f"{W}name"): f.find(f"{W}altName").get(f"{W}val")
                    for f in table.findall(f"{W}font") if f.find(f"{W}altName") is not None}
    assert alternatives["仿宋_GB2312"] == "仿宋" and alternatives["方正小标宋简体"] == "宋体"
    # page numbers "— n —", odd pages right, even pages left
    assert word.settings.odd_and_even_pages_header_footer
    assert "PAGE" in section.footer._element.xml and "PAGE" in section.even_page_footer._element.xml


def test_the_opinion_pdf_carries_the_same_content_on_a4(people, login):
    client = login(people.officer_wuhai)
    document = sample_document(people.units["150300"])
    suspect = document.latest_run().findings.get(level="suspect")
    violation = document.latest_run().findings.get(level="violation")
    client.post(f"/review/{document.pk}/decide/", {"finding": suspect.pk, "decision": "dismiss", "reason": "有期限。"})
    client.post(f"/review/{document.pk}/decide/", {"finding": violation.pk, "decision": "confirm",
                                                   "reason": "排斥外地经营者。"})
    reader, text = _pdf_text(client, document)
    flat = text.replace("\n", "")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata.title == "关于《乌海市科技创新若干措施（示例）》的公平竞争审查意见"
    assert "公平竞争审查意见" in flat and "第十三条、第十四条" in flat
    for part in ("一、审查依据", "二、审查发现", "三、审查结论", "第九条", "第十条", "原文：“政府采购项目优先采购本地企业",
                 "审查人员意见：确认。排斥外地经营者。", "审查人员意见：排除。有期限。", "不得出台", "审查人员：officer_wuhai",
                 "— 1 —"):
        assert part in flat, part


def test_the_conclusion_follows_the_reviewers_decisions(people, login):
    client = login(people.officer_wuhai)
    document = sample_document(people.units["150300"])

    def conclusion():
        paragraphs = [p.text for p in _docx(client, document).paragraphs if p.text.strip()]
        return paragraphs[paragraphs.index("三、审查结论") + 1]

    assert "审查尚未完成" in conclusion() and "初稿" in conclusion()
    _decide_all(client, document, "confirm", "确认。")
    assert "不得出台" in conclusion() and "第九条、第十条" in conclusion()
    _decide_all(client, document, "dismiss", "排除。")
    assert "未发现违反" in conclusion() and "可以出台" in conclusion()


def test_an_opinion_without_findings_says_so(people, login):
    client = login(people.officer_wuhai)
    client.post("/review/new/", create_form(people.units["150300D001"],
                                            text="对新认定的国家高新技术企业一次性给予10万元奖励。"))
    document = Document.objects.get()
    text = "\n".join(p.text for p in _docx(client, document).paragraphs)
    assert "未发现可能违反《公平竞争审查条例》第八条至第十一条规定的内容。" in text and "可以出台" in text
    _reader, pdf = _pdf_text(client, document)
    assert "可以出台" in pdf.replace("\n", "")
