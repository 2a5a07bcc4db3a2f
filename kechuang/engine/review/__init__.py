"""Fair-competition review (公平竞争审查) of policy documents — the engine.

Reads a policy document (.docx, .pdf, .txt or pasted Chinese text), splits it into the
structure a reviewer recognises (chapters, sections, 专栏 boxes, numbered items,
sentences) and reports each clause that may contain content prohibited by
《公平竞争审查条例》 第八条 to 第十一条, with the article and item, the words and the named
operators that triggered it, a Chinese reason, a level (violation 违反 / suspect 疑似 /
note 提示) and, where 第十二条 might apply, a prompt for the reviewer — never a silent pass.

The rules are data (``rules.yaml`` beside this file). Pure Python: no Django.

>>> findings = review_text("专栏9 重点任务\\n重点支持内蒙古君正化工、三维新材料等项目技术研发。")
>>> findings[0].article, findings[0].level, findings[0].location.box
('第十条', 'suspect', '专栏9 重点任务')
>>> review_text("对新认定的国家高新技术企业一次性给予10万元。")
[]
"""

from __future__ import annotations

from .errors import ReviewError
from .normalise import normalise, to_simplified
from .operators import OperatorIndex, OperatorMention, find_operators
from .policy_files import (
    is_policy_file,
    named_beneficiaries,
    review_policy_data,
    review_policy_file,
    review_policy_text,
)
from .quality import evaluate, load_annotated
from .reviewer import (
    findings_to_dicts,
    findings_to_json,
    findings_to_table,
    read_document,
    review_benefits,
    review_clause,
    review_document,
    review_file,
    review_text,
)
from .rules import Rule, RuleSet, load_rules
from .structure import parse_text, split_sentences
from .types import LEVELS, Clause, Document, Evidence, Finding, Location


def bench_review(pages: int = 100, **options: object) -> dict[str, object]:
    """Time parsing and reviewing a ~``pages``-page document (see :mod:`.bench`)."""
    from .bench import bench_review as run

    return run(pages, **options)  # type: ignore[arg-type]

__all__ = [
    "LEVELS",
    "Clause",
    "Document",
    "Evidence",
    "Finding",
    "Location",
    "OperatorIndex",
    "OperatorMention",
    "ReviewError",
    "Rule",
    "RuleSet",
    "bench_review",
    "evaluate",
    "find_operators",
    "findings_to_dicts",
    "findings_to_json",
    "findings_to_table",
    "load_annotated",
    "is_policy_file",
    "load_rules",
    "named_beneficiaries",
    "normalise",
    "parse_text",
    "read_document",
    "review_benefits",
    "review_clause",
    "review_document",
    "review_file",
    "review_policy_data",
    "review_policy_file",
    "review_policy_text",
    "review_text",
    "split_sentences",
    "to_simplified",
]
