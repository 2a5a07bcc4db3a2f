"""The review opinion (公平竞争审查意见) of a document's latest review, as .docx and as PDF.

The opinion is an official document and is written in Chinese whatever the interface
language. Its structure: title; the basis (《公平竞争审查条例》 第十三条、第十四条 and the
standards of 第八条–第十一条); the findings article by article, each with the clause
quoted, the reason, any 第十二条 prompt and the reviewer's decision; the conclusion; the
reviewers, the unit and the date.

Layout after GB/T 9704-2012 (党政机关公文格式) as far as fonts allow: A4, margins top 37 mm,
bottom 35 mm, left 28 mm, right 26 mm; 22 lines of 28.95 pt; title in 2号 方正小标宋简体,
body in 3号 仿宋_GB2312, first-level headings in 黑体, second-level in 楷体_GB2312; page
numbers "— 1 —" in 4号 宋体, odd pages right, even pages left. In the .docx the fonts are
named with their usual substitutes (宋体, 仿宋, 楷体) in the font table, so a computer
without the GB fonts shows the nearest ones. The PDF uses reportlab's built-in CID font
STSong-Light (Adobe-GB1; no font file needed, the reader supplies the glyphs), so every
part of the PDF is set in one Song face.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass

from django.utils import timezone

from .analysis import article_leads
from .models import Document, Finding, ReviewRun

ARTICLES = ("第八条", "第九条", "第十条", "第十一条")
CN_NUMBERS = "一二三四五六七八九十"
DECISION_ZH = {"confirmed": "确认", "dismissed": "排除", "pending": "待定"}

TITLE_FONT, BODY_FONT, HEADING_FONT, KAI_FONT, SONG_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
#: font → the font Word uses in its place when it is missing (the font table's altName)
FONT_FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", KAI_FONT: "楷体", HEADING_FONT: "SimHei", SONG_FONT: "SimSun"}
LINE_PT = 28.95  # 22 lines in the 225 mm type area


@dataclass(frozen=True)
class Block:
    """One paragraph of the opinion: ``kind`` is title, heading1, heading2, body, item,
    quote, signature or note."""

    kind: str
    text: str


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _article_subject(lead: str) -> str:
    match = re.search(r"不得含有下列(.+?)的内容", lead)
    return match.group(1) if match else ""


def opinion_date(run: ReviewRun) -> datetime.date:
    decided = [f.decided_at for f in run.findings.all() if f.decided_at]
    moment = max(decided) if decided else run.created_at
    return timezone.localtime(moment).date() if moment else timezone.localdate()


def reviewers(run: ReviewRun) -> list[str]:
    names: list[str] = []
    for finding in run.findings.select_related("decided_by"):
        user = finding.decided_by
        if user is not None:
            name = getattr(user, "name", "") or user.get_username()
            if name not in names:
                names.append(name)
    if not names and run.created_by is not None:
        names.append(getattr(run.created_by, "name", "") or run.created_by.get_username())
    return names


def build_blocks(document: Document, run: ReviewRun) -> list[Block]:
    """The opinion's paragraphs, the same for the .docx and the PDF."""
    findings = list(run.findings.select_related("decided_by").order_by("position"))
    counted = [f for f in findings if f.counted]
    notes = [f for f in findings if not f.counted]
    leads = article_leads()
    unit = document.org_unit.name
    named = f"《{document.title}》" + (f"（{document.number}）" if document.number else "")
    blocks = [Block("title", f"关于《{document.title}》的公平竞争审查意见")]
    blocks.append(Block("body", (
        f"根据《公平竞争审查条例》第十三条、第十四条规定，对{unit}起草的{named}进行了公平竞争审查。"
        f"本次审查（第{run.number}次，{chinese_date(timezone.localtime(run.created_at).date())}）对照该条例"
        f"第八条至第十一条规定的审查标准，逐句审查了文件的{run.clause_count}个语句，"
        f"发现可能违反规定的内容{len(counted)}处、提示事项{len(notes)}处。审查意见如下。")))

    blocks.append(Block("heading1", "一、审查依据"))
    blocks.append(Block("body", (
        "《公平竞争审查条例》（2024年6月6日公布，自2024年8月1日起施行）第十三条、第十四条关于起草单位"
        "在起草阶段开展公平竞争审查的规定；第八条至第十一条规定的审查标准（市场准入和退出、商品和要素自由流动、"
        "生产经营成本、生产经营行为）；第十二条规定的例外情形。")))

    blocks.append(Block("heading1", "二、审查发现"))
    if not counted:
        blocks.append(Block("body", "未发现可能违反《公平竞争审查条例》第八条至第十一条规定的内容。"))
    order = {article: n for n, article in enumerate(ARTICLES)}
    by_article: dict[str, list[Finding]] = {}
    for finding in sorted(counted, key=lambda f: (order.get(f.article, 99), f.position)):
        by_article.setdefault(finding.article, []).append(finding)
    sections = [(f"{article}：{_article_subject(leads.get(article, ''))}".rstrip("："), items)
                for article, items in by_article.items()]
    if notes:
        sections.append(("提示事项（供参考，不计入审查发现）", notes))
    for n, (heading, items) in enumerate(sections):
        ordinal = CN_NUMBERS[n] if n < len(CN_NUMBERS) else str(n + 1)
        blocks.append(Block("heading2", f"（{ordinal}）{heading}"))
        for m, finding in enumerate(items, 1):
            blocks.extend(_finding_blocks(m, finding))

    blocks.append(Block("heading1", "三、审查结论"))
    blocks.append(Block("body", conclusion(document, counted, notes)))

    blocks.append(Block("signature", "审查人员：" + ("、".join(reviewers(run)) or "（未记录）")))
    blocks.append(Block("signature", unit))
    blocks.append(Block("signature", chinese_date(opinion_date(run))))
    blocks.append(Block("note", (
        "说明：本意见中的“违反”“疑似”“提示”为审查辅助工具按规则给出的提示等级；是否违反规定、"
        "是否适用第十二条规定的例外情形，以审查人员的意见为准。")))
    return blocks


def _finding_blocks(number: int, finding: Finding) -> list[Block]:
    blocks = [Block("item", f"{number}. {finding.article}第{finding.item}项（{finding.level_zh}）"
                            + (f"：{finding.title}" if finding.title else ""))]
    where = finding.location_label()
    if where:
        blocks.append(Block("body", f"位置：{where}。"))
    blocks.append(Block("quote", f"原文：“{finding.clause}”"))
    blocks.append(Block("body", f"理由：{finding.reason}"))
    if finding.regulation_text:
        blocks.append(Block("body", f"条例规定：{finding.article}第{finding.item}项 {finding.regulation_text}"))
    if finding.exception_prompt:
        blocks.append(Block("body", f"例外情形提示：{finding.exception_prompt}"))
    decision = DECISION_ZH.get(finding.decision, finding.decision)
    if finding.decision == Finding.Decision.PENDING:
        blocks.append(Block("body", "审查人员意见：待定（尚未确认或排除）。"))
    else:
        who = ""
        if finding.decided_by is not None:
            who = getattr(finding.decided_by, "name", "") or finding.decided_by.get_username()
        when = chinese_date(timezone.localtime(finding.decided_at).date()) if finding.decided_at else ""
        signed = "，".join(p for p in (who, when) if p)
        blocks.append(Block("body", f"审查人员意见：{decision}。{finding.decision_reason}"
                                    + (f"（{signed}）" if signed else "")))
    return blocks


def conclusion(document: Document, counted: list[Finding], notes: list[Finding]) -> str:
    open_ = [f for f in counted if f.decision == Finding.Decision.PENDING]
    confirmed = [f for f in counted + notes if f.decision == Finding.Decision.CONFIRMED]
    noted = f"另有提示事项{len(notes)}处，供起草单位参考。" if notes else ""
    if open_:
        return (f"审查尚未完成：尚有{len(open_)}处可能违反规定的内容待审查人员确认或排除。"
                "本意见为审查意见初稿，不作为审查结论。" + noted)
    if confirmed:
        articles = "、".join(a for a in ARTICLES if any(f.article == a for f in confirmed))
        return (f"经审查，该文件有{len(confirmed)}处内容违反《公平竞争审查条例》{articles}的规定，且经审查不适用"
                "第十二条规定的例外情形。建议起草单位按照本意见修改完善后重新审查；未经修改，不得出台。" + noted)
    dismissed = len([f for f in counted if f.decision == Finding.Decision.DISMISSED])
    action = "可以继续实施" if document.status in (Document.Status.PUBLISHED,) else "可以出台"
    reason = f"审查中提示的{dismissed}处内容经审查人员研判予以排除，理由见上。" if dismissed else ""
    return ("经审查，该文件未发现违反《公平竞争审查条例》第八条至第十一条规定的内容，" + action + "。" + reason + noted)


# --- .docx ------------------------------------------------------------------------------


def opinion_docx(document: Document, run: ReviewRun) -> bytes:
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm, Pt

    word = WordDocument()
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28 - 7 - 1)  # page number 7 mm below the type area (GB/T 9704 7.5)
    _declare_fonts(word)
    normal = word.styles["Normal"]
    _set_font(normal, BODY_FONT, 16)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    properties = word.core_properties
    properties.title = f"关于《{document.title}》的公平竞争审查意见"
    properties.subject = "公平竞争审查意见"
    properties.author = "、".join(reviewers(run))

    signature_started = False
    for block in build_blocks(document, run):
        paragraph = word.add_paragraph()
        fmt = paragraph.paragraph_format
        run_ = paragraph.add_run(block.text)
        if block.kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(run_, TITLE_FONT, 22)
            fmt.line_spacing = Pt(LINE_PT * 1.3)
            word.add_paragraph()  # one empty line below the title
        elif block.kind == "heading1":
            fmt.first_line_indent = Pt(32)
            _set_font(run_, HEADING_FONT, 16)
        elif block.kind == "heading2":
            fmt.first_line_indent = Pt(32)
            _set_font(run_, KAI_FONT, 16)
        elif block.kind == "item":
            fmt.first_line_indent = Pt(32)
            _set_font(run_, BODY_FONT, 16, bold=True)
        elif block.kind == "signature":
            if not signature_started:
                word.add_paragraph()
                word.add_paragraph()
                signature_started = True
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            fmt.right_indent = Pt(64)  # 成文日期 右空四字
            _set_font(run_, BODY_FONT, 16)
        elif block.kind == "note":
            word.add_paragraph()
            fmt.first_line_indent = Pt(28)
            fmt.line_spacing = Pt(22)
            _set_font(run_, BODY_FONT, 14)
        else:  # body, quote
            fmt.first_line_indent = Pt(32)
            fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _set_font(run_, BODY_FONT, 16)
    _page_numbers(word)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _set_font(target, name: str, size: float, bold: bool = False) -> None:
    """Name the font for Chinese (eastAsia) and Latin text alike, with its size."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = target.font
    font.name = name
    font.size = Pt(size)
    if bold:
        font.bold = True
    properties = target.element.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), name)


def _declare_fonts(word) -> None:
    """List the GB fonts in the font table, each with the font to use in its place."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    part = word.part.part_related_by(RT.FONT_TABLE)
    namespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(part.blob)
    present = {f.get(f"{{{namespace}}}name") for f in root.findall(f"{{{namespace}}}font")}
    for name, alternative in FONT_FALLBACKS.items():
        if name in present:
            continue
        font = etree.SubElement(root, f"{{{namespace}}}font", {f"{{{namespace}}}name": name})
        etree.SubElement(font, f"{{{namespace}}}altName", {f"{{{namespace}}}val": alternative})
        etree.SubElement(font, f"{{{namespace}}}charset", {f"{{{namespace}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{namespace}}}family", {f"{{{namespace}}}val": "modern" if "仿宋" in name else "auto"})
        etree.SubElement(font, f"{{{namespace}}}pitch", {f"{{{namespace}}}val": "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_numbers(word) -> None:
    """"— 1 —" in 4号 宋体: odd pages at the right, even pages at the left, one character in."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    word.settings.odd_and_even_pages_header_footer = True
    section = word.sections[0]
    for footer, alignment in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        paragraph.alignment = alignment
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(14)
        else:
            paragraph.paragraph_format.left_indent = Pt(14)
        for text, field in (("— ", None), (None, "PAGE"), (" —", None)):
            run = paragraph.add_run(text or "")
            _set_font(run, SONG_FONT, 14)
            if field:
                for kind, content in (("begin", None), (None, field), ("end", None)):
                    if kind:
                        element = OxmlElement("w:fldChar")
                        element.set(qn("w:fldCharType"), kind)
                    else:
                        element = OxmlElement("w:instrText")
                        element.set(qn("xml:space"), "preserve")
                        element.text = content
                    run._r.append(element)


# --- PDF --------------------------------------------------------------------------------

PDF_FONT = "STSong-Light"


def opinion_pdf(document: Document, run: ReviewRun) -> bytes:
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    base = {"fontName": PDF_FONT, "fontSize": 16, "leading": LINE_PT, "wordWrap": "CJK"}
    styles = {
        "title": ParagraphStyle("title", **{**base, "fontSize": 22, "leading": LINE_PT * 1.3}, alignment=TA_CENTER,
                                spaceAfter=LINE_PT),
        "heading1": ParagraphStyle("heading1", **base, firstLineIndent=32),
        "heading2": ParagraphStyle("heading2", **base, firstLineIndent=32),
        "item": ParagraphStyle("item", **base, firstLineIndent=32),
        "body": ParagraphStyle("body", **base, firstLineIndent=32, alignment=TA_JUSTIFY),
        "quote": ParagraphStyle("quote", **base, firstLineIndent=32, alignment=TA_JUSTIFY),
        "signature": ParagraphStyle("signature", **base, alignment=TA_RIGHT, rightIndent=64),
        "note": ParagraphStyle("note", **{**base, "fontSize": 14, "leading": 22}, firstLineIndent=28,
                               spaceBefore=LINE_PT),
    }
    title = f"关于《{document.title}》的公平竞争审查意见"

    def page_number(canvas, doc_template) -> None:
        number = canvas.getPageNumber()
        text = f"— {number} —"
        canvas.saveState()
        canvas.setFont(PDF_FONT, 14)
        y = 35 * mm - 7 * mm - 14  # 7 mm below the type area
        if number % 2:
            canvas.drawRightString(A4[0] - 26 * mm - 14, y, text)
        else:
            canvas.drawString(28 * mm + 14, y, text)
        canvas.restoreState()

    buffer = io.BytesIO()
    template = SimpleDocTemplate(buffer, pagesize=A4, topMargin=37 * mm, bottomMargin=35 * mm, leftMargin=28 * mm,
                                 rightMargin=26 * mm, title=title, subject="公平竞争审查意见",
                                 author="、".join(reviewers(run)), creator="kechuang")
    story = []
    signature_started = False
    for block in build_blocks(document, run):
        if block.kind == "signature" and not signature_started:
            story.append(Spacer(1, LINE_PT * 2))
            signature_started = True
        story.append(Paragraph(_escape(block.text), styles[block.kind]))
    template.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
