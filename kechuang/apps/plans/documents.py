"""Files made from a plan's data: the Excel of indicators and values, and the annual
evaluation report as Word (.docx) and PDF.

The report follows GB/T 9704-2012 (党政机关公文格式) as far as fonts allow: A4, margins
37/35/28/26 mm, title in 小标宋 二号, body in 仿宋_GB2312 三号 with fixed 28.95 pt lines,
headings in 黑体; each font is named with its fallbacks (the reader's machine picks the
first it has). The PDF uses reportlab's built-in CID font STSong-Light, so no font file is
needed. Charts (the status overview, and each lagging indicator's trend against its
target path) are PNG images drawn on the server by :mod:`.charts` with the vendored Noto
Sans SC font, the same images in both files.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.utils import timezone

from kechuang.engine.indicators import LABELS_ZH

from . import charts
from .evaluation import (
    chart_series,
    evaluate_for,
    evaluate_plan,
    restrict,
    user_units,
)
from .models import Plan, TaskReport, UnitReport, Value

STATE_ZH = {"not_started": "未开始", "in_progress": "推进中", "done": "已完成", "delayed": "滞后"}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit}"


def _target_text(item: dict) -> str:
    target = item["target"]
    cmp = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "between": "介于"}.get(target["comparator"] or "", "")
    rule = {"double_baseline": "翻一番", "increase_yearly": "逐年递增", "cumulative": "累计",
            "annual_growth": "年均增长", "increase_by": "提高"}.get(target["rule"] or "", "")
    value = _num(target["value"], item["unit"]) if target["value"] is not None else ""
    return f"{target['year']}年{cmp}{value}{('（' + rule + '）') if rule else ''}"


def report_data(plan: Plan, year: int, as_of: datetime.date | None = None, user=None) -> dict[str, Any]:
    """What the annual report says: the evaluation with the values of ``year`` and before,
    as known on ``as_of`` (default today); for a unit that answers for only part of the
    plan (``user``), only its part."""
    as_of = as_of or timezone.localdate()
    result = evaluate_for(user, plan, as_of, max_year=year)
    own_units = None
    if result.get("restricted"):
        own_units = set(user_units(user).values_list("pk", flat=True))
    rows = []
    for item in result["indicators"]:
        rows.append({
            "code": item["code"], "name": item["name"], "unit": item["unit"], "lead": item["lead_unit"] or "—",
            "baseline": _num(item["baseline"]["value"], item["unit"]) + (f"（{item['baseline']['year']}）"
                                                                         if item["baseline"]["year"] else ""),
            "target": _target_text(item),
            "latest": _num(item["latest"]["value"], item["unit"]) + (f"（{item['latest']['year']}）"
                                                                     if item["latest"]["year"] else ""),
            "achievement": _pct(item["achievement"]), "status": item["status"], "status_label": item["status_label"],
            "explanation": item["explanation"]["text"], "parts": item.get("parts", []),
        })
    lagging = [r for r in rows if r["status"] in ("lagging", "deteriorating", "accelerate")]
    tasks = []
    progress = {t.task_id: t for t in TaskReport.objects.filter(
        report__round__plan=plan, report__round__year=year, report__status=UnitReport.Status.APPROVED)}
    for task in plan.tasks.select_related("lead_unit").order_by("order"):
        if own_units is not None and task.lead_unit_id not in own_units:
            continue
        state = progress.get(task.pk)
        tasks.append({"number": task.number, "title": task.title,
                      "lead": task.lead_unit.name if task.lead_unit else (plan.owner_name or "—"),
                      "state": STATE_ZH[state.state] if state else "未报送",
                      "percent": f"{state.percent}%" if state else "—", "note": state.note if state else ""})
    counts = result["rollups"]["plan"]["counts"]
    demo = Value.objects.filter(series__in=plan.indicators.values("series"), kind=Value.Kind.DEMO).exists()
    return {"plan": plan, "year": year, "as_of": as_of, "rows": rows, "lagging": lagging, "tasks": tasks,
            "counts": counts, "units": result["rollups"]["units"], "demo": demo,
            "title": f"{plan.title}{year}年度实施情况评估报告",
            "series": {c["code"]: c for c in chart_series(plan, {"indicators": [
                i for i in result["indicators"] if i["code"] in {r["code"] for r in lagging}]}, max_year=year)}}


STATUS_ORDER = ["achieved", "on_track", "accelerate", "lagging", "deteriorating", "no_data"]


def report_images(data: dict) -> dict[str, Any]:
    """The report's charts as PNG bytes: ``status`` (the overview) and ``trends`` (the
    code of each lagging indicator → its trend against the target path)."""
    from kechuang.engine.indicators import COLOURS

    counts = data["counts"]
    status = charts.status_chart([(LABELS_ZH[s], counts.get(s, 0), COLOURS[s]) for s in STATUS_ORDER])
    trends = {}
    for row in data["lagging"]:
        series = data["series"].get(row["code"])
        if series is not None:
            trends[row["code"]] = charts.trend_chart(series, f"{row['name']}（{row['unit']}）：实际值与目标路径")
    return {"status": status, "trends": trends}


def _summary_sentence(data: dict) -> str:
    counts = data["counts"]
    total = sum(counts.values())
    parts = [f"{LABELS_ZH[k]}{v}项" for k, v in counts.items() if v]
    return (f"《{data['plan'].title}》共设{total}项指标、{len(data['tasks'])}项重点任务。按截至"
            f"{data['as_of']:%Y年%m月%d日}掌握的{data['year']}年及以前数据评估：" + "，".join(parts) + "。")


# --- Excel ---------------------------------------------------------------------------


def plan_workbook(plan: Plan, as_of: datetime.date | None = None, user=None) -> bytes:
    """Two sheets: each indicator's evaluation, and every value with its history (only the
    user's part of the plan when it answers for only part of it)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    as_of = as_of or timezone.localdate()
    result = restrict(user, plan, evaluate_plan(plan, as_of))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "指标评价"
    sheet.append(["指标编码", "指标", "计量单位", "牵头单位", "基期年", "基期值", "目标年", "目标值", "最新年", "最新值",
                  "完成率", "进度", "需年均增长", "预测方法", "预测值", "状态", "说明"])
    for item in result["indicators"]:
        sheet.append([item["code"], item["name"], item["unit"], item["lead_unit"], item["baseline"]["year"],
                      item["baseline"]["value"], item["target"]["year"], item["target"]["value"],
                      item["latest"]["year"], item["latest"]["value"], item["achievement"], item["progress"],
                      item["required_growth"], item["forecast"]["method"], item["forecast"]["value"],
                      item["status_label"], item["explanation"]["text"]])
    values = workbook.create_sheet("数据及修订记录")
    values.append(["指标", "数据对象", "期间", "数值", "类别", "知悉时间", "录入人", "来源", "修订原因"])
    kinds = dict(Value.Kind.choices)
    series = plan.indicators.filter(code__in=[i["code"] for i in result["indicators"]]).values("series")
    rows = Value.objects.known().filter(series__in=series)
    if plan.org_unit is not None:  # catalogue series are shared: only this plan's place and below
        rows = rows.filter(org_unit__path__startswith=plan.org_unit.path)
    if user is not None:
        rows = rows.filter(pk__in=Value.objects.visible_to(user).values("pk")) if result.get("restricted") else rows
    rows = (rows.select_related("org_unit", "indicator", "entered_by").order_by("series", "org_unit__code", "year",
                                                                            "quarter", "known_at"))
    for v in rows:
        values.append([v.indicator.name if v.indicator else v.series, v.org_unit.name, v.period, v.value,
                       str(kinds.get(v.kind, v.kind)), timezone.localtime(v.known_at).replace(tzinfo=None),
                       v.entered_by.username if v.entered_by else "", v.source_note, v.reason])
    for ws in (sheet, values):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Word ----------------------------------------------------------------------------

TITLE_FONT = ("方正小标宋简体", "华文中宋", "宋体")
BODY_FONT = ("仿宋_GB2312", "仿宋", "FangSong")
HEADING_FONT = ("黑体", "SimHei")
KAI_FONT = ("楷体_GB2312", "楷体", "KaiTi")


def _font(run, names: tuple[str, ...], size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = names[0]
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), names[0])
    fonts.set(qn("w:hint"), "eastAsia")


def _paragraph(doc, text: str, names=BODY_FONT, size: float = 16, bold: bool = False, align=None,
               indent: bool = True):
    from docx.shared import Pt

    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(28.95)  # 22 lines a page
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), names, size, bold)
    return p


def _table(doc, header: list[str], rows: list[list[str]], widths_cm: list[float] | None = None):
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 10.5)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(text)), BODY_FONT, 10.5)
    if widths_cm:
        for row in table.rows:
            for cell, width in zip(row.cells, widths_cm, strict=False):
                cell.width = Cm(width)
    return table


def _picture(doc, png: bytes, caption: str) -> None:
    """A chart centred across the text width (154 mm), its caption below in 楷体."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc.add_picture(io.BytesIO(png), width=Mm(150))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(doc, caption, KAI_FONT, 12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)


def word_report(plan: Plan, year: int, as_of: datetime.date | None = None, user=None) -> bytes:
    """The annual evaluation report as a .docx laid out like an official document."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    data = report_data(plan, year, as_of, user)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    doc.core_properties.title = data["title"]
    doc.core_properties.subject = "；".join(["字体：" + "/".join(TITLE_FONT), "/".join(BODY_FONT), "/".join(HEADING_FONT)])
    _paragraph(doc, data["title"], TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "", indent=False)
    if data["demo"]:
        _paragraph(doc, "（本报告含演示数据，仅供演示。）", KAI_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "一、总体情况", HEADING_FONT, 16)
    _paragraph(doc, _summary_sentence(data))
    images = report_images(data)
    _picture(doc, images["status"], "图1 指标状态分布")
    _paragraph(doc, "二、指标完成情况", HEADING_FONT, 16)
    _table(doc, ["指标", "牵头单位", "基期", "目标", "最新", "完成率", "状态"],
           [[r["name"], r["lead"], r["baseline"], r["target"], r["latest"], r["achievement"], r["status_label"]]
            for r in data["rows"]], [4.2, 2.4, 1.8, 2.4, 1.8, 1.4, 1.4])
    _paragraph(doc, "三、滞后指标及责任单位", HEADING_FONT, 16)
    if data["lagging"]:
        figure = 1
        for n, r in enumerate(data["lagging"], start=1):
            _paragraph(doc, f"（{n}）{r['name']}（{r['status_label']}，牵头单位：{r['lead']}）", KAI_FONT, 16)
            _paragraph(doc, r["explanation"])
            if r["code"] in images["trends"]:
                figure += 1
                _picture(doc, images["trends"][r["code"]], f"图{figure} {r['name']}实际值与目标路径")
            behind = [p for p in r["parts"] if p["status"] in ("lagging", "deteriorating", "accelerate")]
            if behind:
                _paragraph(doc, "分解目标进度落后的单位：" + "、".join(
                    f"{p['unit']}（完成率{_pct(p['achievement'])}）" for p in behind) + "。")
    else:
        _paragraph(doc, "无滞后指标。")
    _paragraph(doc, "四、重点任务推进情况", HEADING_FONT, 16)
    _table(doc, ["编号", "任务", "牵头单位", "状态", "完成", "进展"],
           [[t["number"], t["title"], t["lead"], t["state"], t["percent"], t["note"]] for t in data["tasks"]],
           [1.2, 4.4, 2.6, 1.6, 1.4, 4.2])
    _paragraph(doc, "五、各责任单位情况", HEADING_FONT, 16)
    _table(doc, ["单位", "指标数", "达标及进度正常占比", "最差状态", "牵头任务"],
           [[u["unit"], u["indicators"], _pct(u["on_track_share"]), LABELS_ZH[u["worst"]], u["tasks"]["lead"]]
            for u in data["units"]], [5, 2, 3, 2.4, 2.4])
    _paragraph(doc, "", indent=False)
    _paragraph(doc, f"数据截至{data['as_of']:%Y年%m月%d日}，由科创平台根据报送数据自动生成。", BODY_FONT, 16)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------


def pdf_report(plan: Plan, year: int, as_of: datetime.date | None = None, user=None) -> bytes:
    """The same report as PDF, in reportlab's built-in CID font STSong-Light."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    font = "STSong-Light"
    data = report_data(plan, year, as_of, user)
    title = ParagraphStyle("title", fontName=font, fontSize=22, leading=30, alignment=1, spaceAfter=12)
    heading = ParagraphStyle("heading", fontName=font, fontSize=16, leading=28.95)
    body = ParagraphStyle("body", fontName=font, fontSize=16, leading=28.95, firstLineIndent=32, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK")

    def table(header, rows, widths):
        t = Table([[Paragraph(str(h), cell) for h in header]] + [[Paragraph(str(c), cell) for c in r] for r in rows],
                  colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    images = report_images(data)
    caption = ParagraphStyle("caption", fontName=font, fontSize=12, leading=18, alignment=1, spaceAfter=6)

    def picture(png: bytes, text: str) -> list:
        from PIL import Image as PILImage

        width, height = PILImage.open(io.BytesIO(png)).size
        return [Image(io.BytesIO(png), width=150 * mm, height=150 * mm * height / width), Paragraph(text, caption)]

    story = [Paragraph(data["title"], title)]
    if data["demo"]:
        story.append(Paragraph("（本报告含演示数据，仅供演示。）", body))
    story += [Paragraph("一、总体情况", heading), Paragraph(_summary_sentence(data), body),
              *picture(images["status"], "图1 指标状态分布"),
              Paragraph("二、指标完成情况", heading),
              table(["指标", "牵头单位", "基期", "目标", "最新", "完成率", "状态"],
                    [[r["name"], r["lead"], r["baseline"], r["target"], r["latest"], r["achievement"],
                      r["status_label"]] for r in data["rows"]], [42, 24, 18, 26, 18, 14, 14]),
              Paragraph("三、滞后指标及责任单位", heading)]
    if data["lagging"]:
        figure = 1
        for n, r in enumerate(data["lagging"], start=1):
            story.append(Paragraph(f"（{n}）{r['name']}（{r['status_label']}，牵头单位：{r['lead']}）", body))
            story.append(Paragraph(r["explanation"], body))
            behind = [p for p in r["parts"] if p["status"] in ("lagging", "deteriorating", "accelerate")]
            if behind:
                story.append(Paragraph("分解目标进度落后的单位：" + "、".join(
                    f"{p['unit']}（完成率{_pct(p['achievement'])}）" for p in behind) + "。", body))
            if r["code"] in images["trends"]:
                figure += 1
                story += picture(images["trends"][r["code"]], f"图{figure} {r['name']}实际值与目标路径")
    else:
        story.append(Paragraph("无滞后指标。", body))
    story += [Paragraph("四、重点任务推进情况", heading),
              table(["编号", "任务", "牵头单位", "状态", "完成", "进展"],
                    [[t["number"], t["title"], t["lead"], t["state"], t["percent"], t["note"]] for t in data["tasks"]],
                    [12, 50, 28, 16, 14, 36]),
              Spacer(1, 12),
              Paragraph(f"数据截至{data['as_of']:%Y年%m月%d日}，由科创平台根据报送数据自动生成。", body)]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, topMargin=37 * mm, bottomMargin=35 * mm, leftMargin=28 * mm,
                            rightMargin=26 * mm, title=data["title"])
    doc.build(story)
    return buffer.getvalue()
