"""Read a .docx as Word shows it: automatic numbering, text boxes and tables included.

A .docx is a zip of XML (ECMA-376 WordprocessingML), read with the standard library:

- **Automatic numbering.** A paragraph whose numbering comes from ``w:numPr`` (in the
  paragraph or in its style) has no number in its text: Word draws it from
  ``word/numbering.xml``. The number is rendered here as Word renders it for the common
  formats — ``lvlText`` (``%1、``, ``（%1）``, ``%1.``, ``%1.%2``) with each level's ``numFmt``
  (decimal, chineseCounting 一二三, ideographTraditional 甲乙丙, decimalEnclosedCircle ①,
  letters, roman numerals, full-width digits) — counting per list (abstract numbering), a
  level restarting after a higher level, ``start`` and ``startOverride`` honoured. Bullets
  and ``none`` add nothing. So ``一、``, ``（一）`` and ``1.`` items are recognised by the parser.
- **Text boxes** (``w:txbxContent``): their paragraphs are read after the paragraph that
  anchors them; the VML copy Word keeps for old readers (``mc:Fallback``) is skipped.
- **Tables**: every cell's paragraphs, each table marked (a 专栏 in a table ends with it).
- Deleted text (tracked changes) is left out.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from .errors import ReviewError
from .structure import Paragraph, to_chinese_number

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_VAL = f"{_W}val"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"


def format_number(n: int, fmt: str) -> str:
    """A list number in one of Word's ``numFmt`` formats.

    >>> [format_number(3, f) for f in ("decimal", "chineseCounting", "ideographTraditional",
    ...                                 "decimalEnclosedCircle", "lowerLetter", "upperRoman")]
    ['3', '三', '丙', '③', 'c', 'III']
    """
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
               "japaneseCounting", "taiwaneseCounting", "ideographDigital"):
        text = to_chinese_number(n) if n < 100 else str(n)
        return text.translate(str.maketrans("一二三四五六七八九十", "壹贰叁肆伍陆柒捌玖拾")) \
            if fmt == "chineseLegalSimplified" else text
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return _HEAVENLY_STEMS[n - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt in ("lowerLetter", "upperLetter") and n >= 1:
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman") and n >= 1:
        out, rest = "", n
        for value, numeral in _ROMAN:
            while rest >= value:
                out, rest = out + numeral, rest - value
        return out.upper() if fmt == "upperRoman" else out
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    restart: int | None = None  # lvlRestart: restart after this (1-based) level; 0 never


@dataclass
class Numbering:
    """The lists of ``word/numbering.xml`` and the counters while reading the body."""

    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    nums: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)  # numId → level → start
    style_numbering: dict[str, tuple[str, int]] = field(default_factory=dict)  # styleId → (numId, ilvl)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, archive: zipfile.ZipFile) -> Numbering:
        numbering = cls()
        names = set(archive.namelist())
        if "word/numbering.xml" in names:
            root = ElementTree.fromstring(archive.read("word/numbering.xml"))
            for abstract in root.findall(f"{_W}abstractNum"):
                levels: dict[int, _Level] = {}
                for lvl in abstract.findall(f"{_W}lvl"):
                    levels[int(lvl.get(f"{_W}ilvl", "0"))] = _level(lvl)
                numbering.abstract[abstract.get(f"{_W}abstractNumId", "")] = levels
            for num in root.findall(f"{_W}num"):
                num_id = num.get(f"{_W}numId", "")
                ref = num.find(f"{_W}abstractNumId")
                numbering.nums[num_id] = ref.get(_VAL, "") if ref is not None else ""
                for override in num.findall(f"{_W}lvlOverride"):
                    start = override.find(f"{_W}startOverride")
                    if start is not None:
                        numbering.overrides.setdefault(num_id, {})[
                            int(override.get(f"{_W}ilvl", "0"))] = int(start.get(_VAL, "1"))
        if "word/styles.xml" in names:
            root = ElementTree.fromstring(archive.read("word/styles.xml"))
            for style in root.findall(f"{_W}style"):
                num_pr = style.find(f"{_W}pPr/{_W}numPr")
                if num_pr is not None:
                    num_id = num_pr.find(f"{_W}numId")
                    ilvl = num_pr.find(f"{_W}ilvl")
                    if num_id is not None:
                        numbering.style_numbering[style.get(f"{_W}styleId", "")] = (
                            num_id.get(_VAL, ""), int(ilvl.get(_VAL, "0")) if ilvl is not None else 0)
        return numbering

    def label(self, paragraph: ElementTree.Element) -> str:
        """The number Word draws before this paragraph ('' when it has none)."""
        found = self._num_pr(paragraph)
        if found is None:
            return ""
        num_id, ilvl = found
        abstract_id = self.nums.get(num_id)
        levels = self.abstract.get(abstract_id or "")
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:  # a list instance with startOverride restarts its levels
            self.started.add(num_id)
            for level, start in self.overrides.get(num_id, {}).items():
                counters[level] = start - 1
        level = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper, spec in levels.items():  # lower levels restart after this one
            if deeper > ilvl and (spec.restart is None or spec.restart > ilvl):
                counters.pop(deeper, None)
        if level.fmt in ("bullet", "none"):
            return ""

        def number(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            spec = levels.get(index, _Level())
            return format_number(counters.get(index, spec.start), spec.fmt)

        return re.sub(r"%([1-9])", number, level.text).replace("\t", "")

    def _num_pr(self, paragraph: ElementTree.Element) -> tuple[str, int] | None:
        p_pr = paragraph.find(f"{_W}pPr")
        if p_pr is None:
            return None
        num_pr = p_pr.find(f"{_W}numPr")
        style = p_pr.find(f"{_W}pStyle")
        from_style = self.style_numbering.get(style.get(_VAL, "")) if style is not None else None
        if num_pr is None:
            return from_style
        num_id = num_pr.find(f"{_W}numId")
        ilvl = num_pr.find(f"{_W}ilvl")
        if num_id is None:
            if from_style is None:
                return None
            return from_style[0], int(ilvl.get(_VAL, "0")) if ilvl is not None else from_style[1]
        if num_id.get(_VAL) == "0":  # numbering switched off
            return None
        level = int(ilvl.get(_VAL, "0")) if ilvl is not None else (from_style[1] if from_style else 0)
        return num_id.get(_VAL, ""), level


def _level(lvl: ElementTree.Element) -> _Level:
    def value(tag: str) -> str | None:
        element = lvl.find(f"{_W}{tag}")
        return element.get(_VAL) if element is not None else None

    restart = value("lvlRestart")
    return _Level(fmt=value("numFmt") or "decimal", text=value("lvlText") or "",
                  start=int(value("start") or 1), restart=int(restart) if restart is not None else None)


def read_docx(data: bytes, name: str) -> list[Paragraph]:
    """The paragraphs of a .docx in reading order (see the module's description)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("word/document.xml"))
            numbering = Numbering.read(archive)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError) as exc:
        raise ReviewError("unreadable", f"无法读取 {name}：文件已损坏，或不是 Word（.docx）文档。") from exc
    body = root.find(f"{_W}body")
    paragraphs: list[Paragraph] = []
    if body is None:
        return paragraphs
    tables = 0

    def read_paragraph(p: ElementTree.Element, table: int | None) -> None:
        parts: list[str] = []
        boxes: list[ElementTree.Element] = []

        def walk(element: ElementTree.Element) -> None:
            for child in element:
                tag = child.tag
                if tag == f"{_W}t":
                    parts.append(child.text or "")
                elif tag == f"{_W}tab":
                    parts.append(" ")
                elif tag in (f"{_W}br", f"{_W}cr"):
                    parts.append("\n")
                elif tag == f"{_W}txbxContent":
                    boxes.append(child)  # read after this paragraph
                elif tag in (f"{_W}p", f"{_W}del", f"{_W}delText", _MC_FALLBACK):
                    continue  # nested paragraphs, deleted text, the VML copy of a text box
                else:
                    walk(child)

        walk(p)
        paragraphs.append(Paragraph(numbering.label(p) + "".join(parts), len(paragraphs) + 1, None, table))
        for box in boxes:
            visit(box, table)

    def visit(element: ElementTree.Element, table: int | None) -> None:
        nonlocal tables
        for child in element:
            if child.tag == f"{_W}p":
                read_paragraph(child, table)
            elif child.tag == f"{_W}tbl":
                tables += 1
                visit(child, tables if table is None else table)
            elif child.tag in (f"{_W}sectPr", _MC_FALLBACK):
                continue
            else:
                visit(child, table)

    visit(body, None)
    return paragraphs
