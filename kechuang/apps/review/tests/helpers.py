"""Shared pieces of the review module's tests."""

from __future__ import annotations

import io
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[4] / "tests" / "data" / "review" / "seeds"
SEED_000 = SEEDS / "000_c8b8e38b7f624e86.txt"

BOX_9 = ("重点支持内蒙古君正化工、三维新材料、华恒能源科技、东景生物环保科技、乌海市广锦新材料等可降解塑料产业项目"
         "技术研发应用示范。")


def docx_bytes(paragraphs: list[str], box: list[str] | None = None) -> bytes:
    """A .docx made with python-docx: paragraphs, then a 专栏 set in a one-cell table."""
    from docx import Document as WordDocument

    word = WordDocument()
    for text in paragraphs:
        word.add_paragraph(text)
    if box:
        cell = word.add_table(rows=1, cols=1).cell(0, 0)
        cell.text = box[0]
        for text in box[1:]:
            cell.add_paragraph(text)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def create_form(unit, **fields) -> dict:
    """The fields of the "new document" form."""
    return {"title": "乌海市科技创新若干措施", "number": "乌科发〔2025〕3号", "org_unit": unit.pk, "status": "draft",
            "drafted_on": "", "published_on": "", "text": "", **fields}
