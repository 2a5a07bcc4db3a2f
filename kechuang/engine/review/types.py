"""What the review engine reads and returns: clauses with their locations, and findings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Level = Literal["violation", "suspect", "note"]

#: levels from the strongest to the weakest, with their Chinese names
LEVELS: dict[str, str] = {"violation": "违反", "suspect": "疑似", "note": "提示"}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a clause stands in its document, as far as the document shows it.

    ``item`` is the path of numbered items, outermost first (e.g. ``二、（一）3.``);
    ``sentence`` counts sentences within the paragraph (from 1); ``line`` is the line of
    the text as read (a .docx paragraph counts as one line); ``page`` is known for PDF
    only; ``ref`` is a caller's own reference (e.g. a benefit in a policy file).
    """

    chapter: str | None = None
    section: str | None = None
    box: str | None = None
    item: str | None = None
    sentence: int | None = None
    line: int | None = None
    page: int | None = None
    ref: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def label(self) -> str:
        """A short Chinese label: ``第三章 › 专栏9 › 二、（一） › 第12行第1句``."""
        parts = [p for p in (self.ref, self.chapter, self.section, self.box, self.item) if p]
        where = ""
        if self.page:
            where += f"第{self.page}页"
        if self.line:
            where += f"第{self.line}行"
        if self.sentence:
            where += f"第{self.sentence}句"
        if where:
            parts.append(where)
        return " › ".join(parts)


@dataclass(frozen=True, slots=True)
class Clause:
    """One sentence of a document, the unit the rules are applied to.

    ``context`` is the lead-in sentence a list item depends on (``对下列企业给予奖励：``),
    read together with the clause; ``heading`` marks a chapter/section/box title line.
    """

    text: str
    location: Location
    context: str | None = None
    heading: bool = False


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed document: its clauses in order, and what it was read from."""

    clauses: tuple[Clause, ...]
    source: str | None = None
    kind: str = "text"
    chars: int = 0


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a rule fired: the words it matched and the operators named in the clause."""

    words: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {"words": list(self.words), "operators": list(self.operators)}


@dataclass(frozen=True, slots=True)
class Finding:
    """A clause that may contain content prohibited by 《公平竞争审查条例》 第八条–第十一条.

    ``level`` is ``violation`` (违反), ``suspect`` (疑似) or ``note`` (提示); ``reason`` is
    Chinese; ``regulation_text`` is the item's text in the regulation; ``exception_prompt``
    is set when 第十二条 might apply — a prompt for the reviewer, never a pass.
    """

    clause: str
    location: Location
    article: str
    item: str
    level: Level
    reason: str
    evidence: Evidence
    rule: str
    title: str
    regulation_text: str
    exception_prompt: str | None = None
    context: str | None = None
    rules: tuple[str, ...] = field(default=())

    @property
    def level_zh(self) -> str:
        return LEVELS[self.level]

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "location": self.location.to_dict(),
            "article": self.article,
            "item": self.item,
            "level": self.level,
            "level_zh": self.level_zh,
            "title": self.title,
            "reason": self.reason,
            "evidence": self.evidence.to_dict(),
            "regulation_text": self.regulation_text,
            "exception_prompt": self.exception_prompt,
            "context": self.context,
            "rule": self.rule,
            "rules": list(self.rules or (self.rule,)),
        }
