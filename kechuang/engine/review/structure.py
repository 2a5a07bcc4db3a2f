"""Split a Chinese policy document into the structure a reviewer recognises.

Chapters (第一章), sections (第一节), boxes (专栏9), numbered items (一、 （一） 1. （1） ①
一是) and sentences, each sentence kept with its location. Plain text has no markup, so
the parser reads the numbering conventions of Chinese official documents:

- a chapter, section or box heading is a short line of its own; a box is closed by the
  next chapter, section or box heading, by a top-level item (一、) or by the end of the
  .docx table that holds it;
- a table of contents (lines ending in a page number) is used to recover headings whose
  number was lost in conversion (``章  提质升级 创建国家高新区`` → 第三章);
- item markers are read at the start of every sentence, so items run together on one
  line (``…。2、高端人才引育集聚。``) are still told apart.

>>> doc = parse_text("第一章 总则\\n专栏1 重点任务\\n1.总体要求。支持企业创新。")
>>> [(c.text, c.location.chapter, c.location.box, c.location.item) for c in doc.clauses][-1]
('支持企业创新。', '第一章 总则', '专栏1 重点任务', '1.')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .types import Clause, Document, Location

NUM = "一二三四五六七八九十百零〇两兩"
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000\ufeff]+")

_CHAPTER = re.compile(rf"^第\s*([{NUM}\d]+)\s*(章|部分|篇)\s*(.*)$")
_CHAPTER_LOST = re.compile(rf"^([{NUM}]*)章(?:\s+|$)(.*)$")  # 第 or the number lost
_SECTION = re.compile(rf"^第\s*([{NUM}\d]+)\s*[节節]\s*(.*)$")  # 節: Traditional
_SECTION_LOST = re.compile(rf"^([{NUM}]*)节(?:\s+|$)(.*)$")
_BOX = re.compile(rf"^((?:专栏|專欄)\s*[\d{NUM}]+)\s*[:：、.．]?\s*(.*)$")
_TOC = re.compile(rf"^(?:第?\s*[{NUM}\d]*\s*([章节]))?\s*(\S.*?)\s+(\d{{1,3}})$")

# (level, pattern, how the marker is written in a location); levels >= 5 end with the paragraph
_ITEMS: tuple[tuple[int, re.Pattern[str], str], ...] = (
    (1, re.compile(rf"^([{NUM}]+)[、.．]"), "{}、"),
    (2, re.compile(rf"^[（(]\s*([{NUM}]+)\s*[）)]"), "（{}）"),
    (3, re.compile(r"^(\d{1,3})(?:[.．、](?!\d)|\s)"), "{}."),
    (4, re.compile(r"^[（(]\s*(\d{1,3})\s*[）)]"), "（{}）"),
    (5, re.compile(r"^([\u2460-\u2473])"), "{}"),
    (6, re.compile(rf"^([{NUM}]{{1,3}})是"), "{}是"),
)
_HEADING_MAX = 50
_TERMINALS = "。！？!?"
_CLOSERS = "”’」』）)》"
_OPENERS = {"“": "”", "《": "》", "（": "）", "(": ")", "「": "」", "『": "』"}
_QUOTE_SPAN = 80  # an opener left open longer than this is a typo: stop protecting it
_CLOSE_AHEAD = 40  # a sentence end inside quotes counts only if the quote closes soon after


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph as read from a file: its text, its line, its page, its table."""

    text: str
    line: int
    page: int | None = None
    table: int | None = None


def clean(text: str) -> str:
    """Collapse every kind of space (NBSP, ideographic, en space…) into one ASCII space."""
    return _SPACES.sub(" ", text).strip()


def _key(title: str) -> str:
    """A heading's title reduced for comparison: no spaces, quotes or numbering."""
    title = re.sub(rf"^(?:第?\s*[{NUM}\d]*\s*[章节]|[{NUM}\d]+\s)", "", clean(title))
    return re.sub(r"[\s“”\"'‘’]", "", title)


def to_chinese_number(n: int) -> str:
    """A number written in Chinese, up to 99.

    >>> [to_chinese_number(n) for n in (3, 10, 12, 20, 99)]
    ['三', '十', '十二', '二十', '九十九']
    """
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph after 。！？, never inside quotes, titles or brackets.

    >>> split_sentences("实施“双倍增”计划。对企业给予奖励！依据《办法。细则》执行")
    ['实施“双倍增”计划。', '对企业给予奖励！', '依据《办法。细则》执行']
    """
    out: list[str] = []
    start = 0
    stack: list[str] = []
    opened_at = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _OPENERS:
            if not stack:
                opened_at = i
            stack.append(_OPENERS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif stack and i - opened_at > _QUOTE_SPAN:
            stack.clear()
        if ch in _TERMINALS and stack and stack[-1] not in text[i + 1:i + 1 + _CLOSE_AHEAD]:
            stack.clear()  # an opener never closed (a typo in the source): do not swallow the text
        if ch in _TERMINALS and not stack:
            j = i + 1
            while j < n and (text[j] in _TERMINALS or text[j] in _CLOSERS):
                j += 1
            piece = text[start:j].strip()
            if piece:
                out.append(piece)
            start = i = j
            continue
        i += 1
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def paragraphs_from_text(text: str) -> list[Paragraph]:
    """Every line of a plain text is a paragraph, numbered from 1."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [Paragraph(line, number) for number, line in enumerate(lines, 1)]


@dataclass(slots=True)
class _Toc:
    chapters: dict[str, str]
    sections: dict[str, str]
    lines: set[int]


def _read_toc(paragraphs: Sequence[Paragraph]) -> _Toc:
    """Find a table of contents: three or more short lines ending in a page number."""
    entries: list[tuple[int, str, str, str]] = []
    for p in paragraphs:
        text = clean(p.text)
        if not text or len(text) > _HEADING_MAX or any(c in text for c in "。，,；"):
            continue
        m = _TOC.match(text)
        if m and m.group(1):
            entries.append((p.line, m.group(1), m.group(2), text))
    toc = _Toc({}, {}, set())
    if len(entries) < 3:
        return toc
    chapter_no = 0
    section_no = 0
    for line, kind, title, text in entries:
        toc.lines.add(line)
        explicit = re.match(rf"^第\s*([{NUM}\d]+)\s*[章节]", text)
        if kind == "章":
            chapter_no += 1
            section_no = 0
            number = explicit.group(1) if explicit else to_chinese_number(chapter_no)
            toc.chapters[_key(title)] = f"第{number}章 {clean(title)}"
        else:
            section_no += 1
            number = explicit.group(1) if explicit else to_chinese_number(section_no)
            toc.sections.setdefault(_key(title), f"第{number}节 {clean(title)}")
    return toc


@dataclass(slots=True)
class _State:
    chapter: str | None = None
    section: str | None = None
    box: str | None = None
    box_table: int | None = None
    items: list[tuple[int, str]] | None = None
    saved_items: list[tuple[int, str]] | None = None
    lead_in: str | None = None

    def item_path(self) -> str | None:
        return "".join(marker for _, marker in self.items) if self.items else None

    def push_item(self, level: int, marker: str) -> None:
        items = [entry for entry in (self.items or []) if entry[0] < level]
        items.append((level, marker))
        self.items = items

    def close_box(self) -> None:
        if self.box is not None:
            self.box = None
            self.box_table = None
            self.items = self.saved_items
            self.saved_items = None


def _heading(text: str, toc: _Toc) -> tuple[str, str] | None:
    """('chapter'|'section'|'box', its name) when the line is a heading."""
    if len(text) > _HEADING_MAX:
        return None
    m = _BOX.match(text)
    if m and not text.endswith("。"):
        name = re.sub(r"\s+", "", m.group(1))
        return "box", f"{name} {m.group(2)}".strip()
    if text.endswith(("。", "；", "，", ",")):
        return None
    m = _CHAPTER.match(text)
    if m:
        return "chapter", f"第{m.group(1)}{m.group(2)} {m.group(3)}".strip()
    m = _SECTION.match(text)
    if m:
        return "section", f"第{m.group(1)}节 {m.group(2)}".strip()
    key = _key(text)
    if key in toc.chapters:
        return "chapter", toc.chapters[key]
    if key in toc.sections:
        return "section", toc.sections[key]
    m = _CHAPTER_LOST.match(text)
    if m and m.group(2):
        return "chapter", f"第{m.group(1) or '?'}章 {m.group(2)}"
    m = _SECTION_LOST.match(text)
    if m and m.group(2):
        return "section", f"第{m.group(1) or '?'}节 {m.group(2)}"
    return None


def _item_marker(sentence: str) -> tuple[int, str] | None:
    for level, pattern, form in _ITEMS:
        m = pattern.match(sentence)
        if m:
            return level, form.format(m.group(1))
    return None


def _item_markers(sentence: str) -> list[tuple[int, str]]:
    """Every marker a sentence starts with, outermost first: ``二、（一）1.…`` has three."""
    found: list[tuple[int, str]] = []
    rest = sentence
    while len(found) < 4:
        for level, pattern, form in _ITEMS:
            m = pattern.match(rest)
            if m and (not found or level > found[-1][0]):
                found.append((level, form.format(m.group(1))))
                rest = rest[m.end():].lstrip()
                break
        else:
            break
    return found


def parse_paragraphs(
    paragraphs: Iterable[Paragraph], *, source: str | None = None, kind: str = "text"
) -> Document:
    """Parse paragraphs (from a text, a .docx or a .pdf) into located clauses."""
    paragraphs = list(paragraphs)
    toc = _read_toc(paragraphs)
    state = _State()
    clauses: list[Clause] = []
    chars = 0
    for para in paragraphs:
        if state.box_table is not None and para.table != state.box_table:
            state.close_box()
        for raw in para.text.split("\n"):
            text = clean(raw)
            if not text:
                continue
            chars += len(text)
            if para.line in toc.lines:
                continue
            heading = _heading(text, toc)
            if heading:
                kind_, name = heading
                if kind_ == "chapter":
                    state.close_box()
                    state.chapter, state.section, state.items = name, None, None
                elif kind_ == "section":
                    state.close_box()
                    state.section, state.items = name, None
                else:
                    state.close_box()
                    state.box, state.box_table = name, para.table
                    state.saved_items, state.items = state.items, None
                state.lead_in = None
                clauses.append(Clause(text, _location(state, para, 1), heading=True))
                continue
            sentences = split_sentences(text)
            if not sentences or not _item_marker(sentences[0]):
                state.lead_in = None  # a list's lead-in governs only the items that follow it
            context = state.lead_in
            for number, sentence in enumerate(sentences, 1):
                for level, label in _item_markers(sentence):
                    if level == 1 and state.box is not None and state.box_table is None:
                        state.close_box()
                    state.push_item(level, label)
                clauses.append(Clause(sentence, _location(state, para, number), context=context))
            if sentences and sentences[-1].endswith(("：", ":")):
                state.lead_in = sentences[-1]
            if state.items and state.items[-1][0] >= 5:
                state.items = [entry for entry in state.items if entry[0] < 5] or None
    return Document(tuple(clauses), source=source, kind=kind, chars=chars)


def _location(state: _State, para: Paragraph, sentence: int) -> Location:
    return Location(
        chapter=state.chapter,
        section=state.section,
        box=state.box,
        item=state.item_path(),
        sentence=sentence,
        line=para.line,
        page=para.page,
    )


def parse_text(text: str, *, source: str | None = None) -> Document:
    """Parse a plain text (lines are paragraphs)."""
    return parse_paragraphs(paragraphs_from_text(text), source=source, kind="text")
