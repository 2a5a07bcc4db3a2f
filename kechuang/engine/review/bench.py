"""How long parsing and reviewing a long document takes (a benchmark, not a test).

Run ``python -m kechuang.engine.review bench [pages]``. The document is built by repeating
the five seed documents (``tests/data/review/seeds`` in a source checkout) or, where they
are absent (an installed package), the example clauses of ``rules.yaml`` under headings,
until it reaches ``pages`` × ``chars_per_page`` characters.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .reviewer import review_document
from .rules import load_rules
from .structure import parse_text

SEEDS = Path(__file__).resolve().parents[3] / "tests" / "data" / "review" / "seeds"
CHARS_PER_PAGE = 1200  # a dense A4 page of Chinese text (an official-document page holds ~616)


def _default_texts() -> tuple[list[str], str]:
    if SEEDS.is_dir():
        texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
        if texts:
            return texts, "seeds"
    rules = load_rules()
    lines = []
    for n, rule in enumerate(rules.rules, 1):
        lines.append(f"第{n}节 {rule.title}")
        lines += [*rule.hits, *rule.misses]
    return ["\n".join(lines)], "rule examples"


def build_document(pages: int = 100, *, texts: Sequence[str] | None = None,
                   chars_per_page: int = CHARS_PER_PAGE) -> tuple[str, str]:
    """A document of about ``pages`` pages made by repeating ``texts``; and its source."""
    source = "given texts"
    if texts is None:
        texts, source = _default_texts()
    target = pages * chars_per_page
    parts: list[str] = []
    size = 0
    while size < target:
        for text in texts:
            parts.append(text)
            size += len(text)
            if size >= target:
                break
    return "\n".join(parts)[: target + 2000], source


def bench_review(pages: int = 100, *, texts: Sequence[str] | None = None,
                 chars_per_page: int = CHARS_PER_PAGE, repeat: int = 3) -> dict[str, Any]:
    """Time parsing and reviewing a ~``pages``-page document; the best of ``repeat`` runs.

    Rules are loaded (and compiled) before timing, as a running server holds them.
    """
    text, source = build_document(pages, texts=texts, chars_per_page=chars_per_page)
    rules = load_rules()
    best: dict[str, Any] | None = None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        document = parse_text(text)
        t1 = time.perf_counter()
        findings = review_document(document, rules=rules)
        t2 = time.perf_counter()
        run = {"parse_seconds": t1 - t0, "review_seconds": t2 - t1, "total_seconds": t2 - t0}
        if best is None or run["total_seconds"] < best["total_seconds"]:
            best = {**run, "clauses": len(document.clauses), "findings": len(findings)}
    assert best is not None
    return {"pages": pages, "chars": len(text), "source": source, **best}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    pages = int(args[0]) if args else 100
    result = bench_review(pages)
    print(f"{result['pages']} pages ({result['chars']:,} characters, from {result['source']}): "
          f"{result['clauses']:,} clauses, {result['findings']} findings; "
          f"parse {result['parse_seconds']:.3f} s + review {result['review_seconds']:.3f} s "
          f"= {result['total_seconds']:.3f} s")
    return 0
