"""The module's use of the review engine: read the content, review it, shape the result.

Nothing here writes to the database; the actions do. A bad file or text raises the
engine's ``ReviewError`` (a code and a Chinese message for the uploader).

Why the review runs synchronously, inside the action: the engine reviews a 100-page
document in about 0.2 s (``kechuang bench review``), and a normative document is rarely
longer than a few dozen pages; reading a PDF's text layer with pypdf is the slow part, at
some hundredths of a second a page. Running it in the request means the person sees the
findings at once, and a refused file is refused on the form with nothing saved — a
background task would have to store the document before knowing whether it can be read.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kechuang.engine import review as engine

#: the longest pasted text accepted (about 1,600 dense pages)
MAX_TEXT_CHARS = 2_000_000
_SUFFIX_KIND = {".docx": "docx", ".pdf": "pdf", ".txt": "txt", ".text": "txt", ".md": "txt"}


@dataclass
class Analysis:
    """A reviewed content: its kind, its text as read, its clauses grouped in paragraphs,
    and the engine's findings, each with the position of its clause."""

    source: str
    text: str
    paragraphs: list[dict[str, Any]]
    clause_count: int
    findings: list[engine.Finding]
    clause_indexes: list[int | None] = field(default_factory=list)
    seconds: float = 0.0
    file_name: str = ""


def known_operators() -> list[str]:
    """Names of the entity register, so that a short name from it counts as an operator."""
    from django.db import DatabaseError, transaction

    try:
        from kechuang.apps.entities.models import Entity

        with transaction.atomic():  # a savepoint: a failing query must not spoil the caller's transaction
            return [name for name in Entity.objects.values_list("name", flat=True) if name]
    except (ImportError, DatabaseError):  # the register is optional for the review
        return []


def analyse_text(text: str, *, operators=None) -> Analysis:
    """Review pasted text (raises ReviewError ``empty``/``too_large``)."""
    if not isinstance(text, str):
        raise engine.ReviewError("undecodable", "输入须为文字。")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_TEXT_CHARS:
        raise engine.ReviewError("too_large", f"文字过长：超过 {MAX_TEXT_CHARS:,} 字，请拆分后提交或上传文件。")
    if not text.strip():
        raise engine.ReviewError("empty", "文档为空：没有可审查的文字。")
    started = time.perf_counter()
    document = engine.parse_text(text)
    if not document.clauses:
        raise engine.ReviewError("empty", "文档为空：没有可审查的文字。")
    return _analysis(document, "text", text, started, operators)


def analyse_upload(upload, *, operators=None) -> Analysis:
    """Review an uploaded file (a Django ``UploadedFile`` or ``File`` with a name)."""
    name = Path(getattr(upload, "name", "") or "upload").name
    suffix = Path(name).suffix.lower()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        # The engine refuses an unsupported type by its name before reading anything.
        path = Path(folder) / (name if suffix else "upload")
        with path.open("wb") as handle:
            if hasattr(upload, "seek"):
                upload.seek(0)
            for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
                handle.write(chunk)
        document = engine.read_document(path)
    kind = _SUFFIX_KIND.get(suffix, "txt")
    analysis = _analysis(document, kind, None, started, operators)
    analysis.file_name = name
    return analysis


def _analysis(document, source: str, text: str | None, started: float, operators) -> Analysis:
    if operators is None:
        operators = known_operators()
    findings = engine.review_document(document, known_operators=operators or None)
    paragraphs: list[dict[str, Any]] = []
    position: dict[Any, int] = {}
    for index, clause in enumerate(document.clauses):
        position.setdefault(clause.location, index)
        where = (clause.location.page, clause.location.line)
        if not paragraphs or (paragraphs[-1]["page"], paragraphs[-1]["line"]) != where:
            paragraphs.append({"line": clause.location.line, "page": clause.location.page, "clauses": []})
        paragraphs[-1]["clauses"].append([index, clause.text, bool(clause.heading)])
    if text is None:
        text = "\n".join("".join(c[1] for c in p["clauses"]) for p in paragraphs)
    indexes = [position.get(f.location) for f in findings]
    return Analysis(source=source, text=text, paragraphs=paragraphs, clause_count=len(document.clauses),
                    findings=findings, clause_indexes=indexes, seconds=time.perf_counter() - started)


def finding_fields(finding: engine.Finding) -> dict[str, Any]:
    """The model fields of one engine finding."""
    data = finding.to_dict()
    return {
        "clause": data["clause"],
        "location": data["location"],
        "article": data["article"],
        "item": data["item"],
        "level": data["level"],
        "title": data["title"] or "",
        "reason": data["reason"],
        "evidence": data["evidence"],
        "regulation_text": data["regulation_text"] or "",
        "exception_prompt": data["exception_prompt"] or "",
        "context": data["context"] or "",
        "rule": data["rule"] or "",
        "rules": data["rules"],
    }


def article_leads() -> dict[str, str]:
    """Each article's lead-in (第八条 … 第十一条) as the engine's rule data quotes it."""
    rules = engine.load_rules()
    return {article: str(body.get("lead", "")) for article, body in rules.articles.items()}


@dataclass
class PolicyFileReview:
    """The findings of one live policy file of the policies module."""

    code: str
    title: str
    file_name: str
    findings: list[engine.Finding]
    error: str = ""

    @property
    def counted(self) -> int:
        return sum(1 for f in self.findings if f.level != "note")


def review_live_policy_files(*, known: list[str] | None = None) -> list[PolicyFileReview]:
    """Review the benefits of every live policy file (read through the policies app's
    public functions ``live_policies`` and ``policy_file``; nothing is written)."""
    from kechuang.apps.policies.live import live_policies, policy_file

    index = engine.OperatorIndex(known if known is not None else known_operators())
    reviews: list[PolicyFileReview] = []
    for code, policy in sorted(live_policies().policies.items()):
        path = policy_file(code)
        try:
            findings = engine.review_policy_file(path, known_operators=index)
        except engine.ReviewError as error:
            reviews.append(PolicyFileReview(code, policy.title, path.name, [], error.message))
            continue
        reviews.append(PolicyFileReview(code, policy.title, path.name, findings))
    return reviews
