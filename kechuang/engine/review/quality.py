"""Measure the rules against an annotated clause set: precision and recall per article.

The set is YAML (see ``tests/data/review/clauses.yaml``): ``id``, ``clause``, ``articles``
(the articles the clause may breach, ``[]`` for none), ``source``, ``note``. A clause is
predicted to breach an article when the engine reports a finding of that article at level
``violation`` or ``suspect``; a ``note`` (提示) is a prompt and is not counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .reviewer import Known, _index, review_clause
from .rules import RuleSet, load_rules
from .structure import parse_text
from .types import Finding

ARTICLES = ("第八条", "第九条", "第十条", "第十一条")
COUNTED = ("violation", "suspect")


@dataclass(frozen=True, slots=True)
class AnnotatedClause:
    """One labelled clause: the articles it may breach (empty: none)."""

    id: str
    clause: str
    articles: frozenset[str]
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Score:
    """True positives, false positives and false negatives for one article."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass(frozen=True, slots=True)
class Miss:
    """A clause whose predicted articles differ from its labels."""

    id: str
    clause: str
    expected: frozenset[str]
    predicted: frozenset[str]


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Precision and recall per article on one annotated set, and the clauses missed."""

    size: int
    positives: int
    per_article: dict[str, Score]
    overall: Score
    misses: tuple[Miss, ...] = field(default=())

    def table(self) -> str:
        """A Markdown table of the figures, as docs/review.md shows them."""
        lines = ["| 条 | 正例 | TP | FP | FN | 精确率 | 召回率 |", "|---|---|---|---|---|---|---|"]
        for article, s in [*self.per_article.items(), ("合计 (micro)", self.overall)]:
            lines.append(f"| {article} | {s.support} | {s.tp} | {s.fp} | {s.fn} | "
                         f"{s.precision:.3f} | {s.recall:.3f} |")
        return "\n".join(lines)


def load_annotated(path: str | Path) -> list[AnnotatedClause]:
    """Read an annotated clause set (YAML); refuses unknown articles and duplicate ids."""
    data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = []
    for entry in data:
        articles = frozenset(entry.get("articles") or [])
        unknown = articles - set(ARTICLES)
        if unknown:
            raise ValueError(f"{entry.get('id')}: unknown articles {sorted(unknown)}")
        out.append(AnnotatedClause(str(entry["id"]), str(entry["clause"]), articles,
                                   str(entry.get("source", "")), str(entry.get("note", ""))))
    ids = [c.id for c in out]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate ids in the annotated set")
    return out


def predicted_articles(findings: Iterable[Finding]) -> frozenset[str]:
    """The articles counted as predicted: those with a violation or suspect finding."""
    return frozenset(f.article for f in findings if f.level in COUNTED)


def evaluate(
    clauses: Sequence[AnnotatedClause], *, rules: RuleSet | None = None, known_operators: Known = None
) -> QualityReport:
    """Review each annotated clause on its own and compare with its labels."""
    rules = rules or load_rules()
    index = _index(known_operators)
    counts = {a: [0, 0, 0] for a in ARTICLES}
    misses: list[Miss] = []
    for entry in clauses:
        findings = [f for c in parse_text(entry.clause).clauses
                    for f in review_clause(c, rules=rules, known_operators=index)]
        predicted = predicted_articles(findings)
        for article in ARTICLES:
            if article in predicted and article in entry.articles:
                counts[article][0] += 1
            elif article in predicted:
                counts[article][1] += 1
            elif article in entry.articles:
                counts[article][2] += 1
        if predicted != entry.articles:
            misses.append(Miss(entry.id, entry.clause, entry.articles, predicted))
    per_article = {a: Score(*counts[a]) for a in ARTICLES}
    overall = Score(*(sum(counts[a][i] for a in ARTICLES) for i in range(3)))
    return QualityReport(len(clauses), sum(1 for c in clauses if c.articles), per_article,
                         overall, tuple(misses))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kechuang.engine.review quality FILE.yaml…``: print the figures per set."""
    import sys

    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print("usage: python -m kechuang.engine.review quality tests/data/review/clauses*.yaml")
        return 2
    for path in paths:
        report = evaluate(load_annotated(path))
        print(f"\n{path}: {report.size} clauses, {report.positives} labelled with an article\n")
        print(report.table())
        for miss in report.misses:
            print(f"  {miss.id}: expected {sorted(miss.expected)} got {sorted(miss.predicted)} — {miss.clause}")
    return 0
