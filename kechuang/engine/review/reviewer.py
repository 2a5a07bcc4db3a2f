"""Apply the rules to every clause of a document and report what may breach the regulation.

>>> findings = review_text("专栏9 重点任务\\n重点支持内蒙古君正化工、三维新材料等可降解塑料项目。")
>>> [(f.article, f.item, f.level, f.location.box) for f in findings]
[('第十条', '（二）', 'suspect', '专栏9 重点任务')]
>>> review_text("对新认定的国家高新技术企业一次性给予10万元。")
[]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._read import read_paragraphs
from .errors import ReviewError
from .normalise import normalise
from .operators import OperatorIndex, OperatorMention, find_operators
from .rules import OPERATOR_TOKEN, Rule, RuleSet, load_rules
from .structure import parse_paragraphs, parse_text
from .types import LEVELS, Clause, Document, Evidence, Finding, Location

# ASCII punctuation read as full-width, full-width digits and letters as ASCII: one
# character for one, so positions in the matching text are positions in the clause
_MATCH_TABLE = str.maketrans(
    ",;:!?()\u00a0\u3000０１２３４５６７８９％",
    "，；：！？（） 　0123456789%",
)
_ORDER = {"violation": 0, "suspect": 1, "note": 2}
_LOWER = {"violation": "suspect", "suspect": "note", "note": "note"}
Known = OperatorIndex | Iterable[str] | None


def _index(known_operators: Known) -> OperatorIndex | None:
    if known_operators is None or isinstance(known_operators, OperatorIndex):
        return known_operators
    return OperatorIndex(known_operators)


def _quote(words: Iterable[str]) -> str:
    return "、".join(f"“{w}”" for w in words)


def _exception_prompt(rules: RuleSet, clause: Clause, text: str) -> str | None:
    where = " ".join(p for p in (clause.location.chapter, clause.location.section,
                                 clause.location.box) if p)
    for item, words in rules.exception_grounds:
        m = words.search(text) or words.search(where)
        if m:
            ground = rules.regulation_text("第十二条", item).rstrip("；。")
            period = rules.period_words.search(text)
            seen = (f"条款中可见期限或终止条件的表述“{period.group(0)}”，请核实其是否合理"
                    if period else "条款中未见实施期限或终止条件，如适用须予明确")
            return (
                f"可能适用第十二条第{item}项（{ground}）：该条款具有或者可能具有排除、限制竞争效果，"
                f"只有同时满足没有对公平竞争影响更小的替代方案、能够确定合理的实施期限或者终止条件，"
                f"方可出台，并应当在审查结论中详细说明（第十七条第二款）。{seen}。"
                f"本提示不免除审查，请审查人员判断。"
            )
    return None


def _fire(rule: Rule, text: str, masked: str | None) -> list[str] | None:
    """The words each ``when`` group matched, or None when the rule does not fire."""
    words: list[str] = []
    for pattern in rule.when:
        target = masked if masked is not None and OPERATOR_TOKEN in pattern.pattern else text
        m = pattern.search(target)
        if not m:
            return None
        words.append(m.group(0).replace(OPERATOR_TOKEN, "…").strip())
    if any(p.search(text) for p in rule.unless):
        return None
    return words


def _mask(text: str, mentions: list[OperatorMention]) -> str:
    out, last = [], 0
    for m in mentions:
        out.append(text[last:m.start])
        out.append(OPERATOR_TOKEN)
        last = m.end
    out.append(text[last:])
    return "".join(out)


def review_clause(
    clause: Clause, *, rules: RuleSet | None = None, known_operators: Known = None
) -> list[Finding]:
    """The findings for one clause (read with its lead-in), one per article and item."""
    rules = rules or load_rules()
    index = _index(known_operators)
    # Traditional characters and bracketed pinyin are read as Simplified text (normalise.py);
    # the clause, its words and names are quoted as the document wrote them
    norm = normalise((clause.context or "") + clause.text, _MATCH_TABLE)
    text = norm.text
    if not rules.trigger.search(text):
        return []  # no rule's first condition matches: nothing can fire
    mentions = find_operators(text, index)
    masked = _mask(text, mentions) if mentions else None
    names = tuple(dict.fromkeys(norm.original_of(m.name) for m in mentions))
    only_institutions = bool(mentions) and all(m.kind == "institution" for m in mentions)
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for rule in rules.rules:
        if rule.operators == "any" and not mentions:
            continue
        words = _fire(rule, text, masked)
        if words is None:
            continue
        level = rule.level
        if rule.operators == "any" and only_institutions:
            level = _LOWER[level]
        key = (rule.article, rule.item)
        current = merged.get(key)
        if current is None or _ORDER[level] < _ORDER[current["level"]]:
            merged[key] = {"rule": rule, "level": level, "words": list(words),
                           "rules": [rule.id] + (current["rules"] if current else [])}
        else:
            current["words"] += [w for w in words if w not in current["words"]]
            current["rules"].append(rule.id)
    findings: list[Finding] = []
    for (article, item), entry in merged.items():
        rule = entry["rule"]
        matched = tuple(dict.fromkeys(norm.original_of(w) for w in entry["words"] if w))
        operators_text = f"（涉及：{'、'.join(names)}）" if names else ""
        reason = rule.reason.format_map(_SafeDict(
            words=_quote(matched), operators="、".join(names) or "—", operators_text=operators_text))
        if only_institutions and rule.operators == "any":
            reason += "所涉名称均为高校、科研院所等机构，请判断其在此是否作为经营者参与市场活动。"
        findings.append(Finding(
            clause=clause.text,
            location=clause.location,
            article=article,
            item=item,
            level=entry["level"],
            reason=reason,
            evidence=Evidence(words=matched, operators=names),
            rule=rule.id,
            title=rule.title,
            regulation_text=rules.regulation_text(article, item),
            exception_prompt=_exception_prompt(rules, clause, text) if rule.exception else None,
            context=clause.context,
            rules=tuple(entry["rules"]),
        ))
    findings.sort(key=lambda f: (_ARTICLE_ORDER.get(f.article, 99), f.item))
    return findings


_ARTICLE_ORDER = {"第八条": 8, "第九条": 9, "第十条": 10, "第十一条": 11}


class _SafeDict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def review_document(
    document: Document, *, known_operators: Known = None, rules: RuleSet | None = None,
    min_level: str = "note",
) -> list[Finding]:
    """Review every clause of a parsed document, in document order."""
    if min_level not in _ORDER:
        raise ValueError(f"min_level must be one of {list(LEVELS)}")
    rules = rules or load_rules()
    index = _index(known_operators)
    findings: list[Finding] = []
    for clause in document.clauses:
        for finding in review_clause(clause, rules=rules, known_operators=index):
            if _ORDER[finding.level] <= _ORDER[min_level]:
                findings.append(finding)
    return findings


def review_text(
    text: str, *, known_operators: Known = None, rules: RuleSet | None = None,
    min_level: str = "note", source: str | None = None,
) -> list[Finding]:
    """Review pasted text (Chinese): every line a paragraph, every sentence a clause.

    Raises :class:`ReviewError` ``empty`` when the text holds nothing to review.
    """
    if not isinstance(text, str):
        raise ReviewError("undecodable", "输入须为文字（字符串）。")
    if not text.strip():
        raise ReviewError("empty", "文档为空：没有可审查的文字。")
    return review_document(parse_text(text, source=source), known_operators=known_operators,
                           rules=rules, min_level=min_level)


def read_document(path: str | Path) -> Document:
    """Read and parse a .txt, .docx or .pdf file (raises :class:`ReviewError` on bad input)."""
    paragraphs, kind = read_paragraphs(path)
    document = parse_paragraphs(paragraphs, source=str(Path(path).name), kind=kind)
    if not document.clauses:
        raise ReviewError("empty", "文档为空：没有可审查的文字。")
    return document


def review_file(
    path: str | Path, *, known_operators: Known = None, rules: RuleSet | None = None,
    min_level: str = "note",
) -> list[Finding]:
    """Review a .txt, .docx or .pdf file.

    Raises :class:`ReviewError` with code ``not_found``, ``unsupported_type``, ``empty``,
    ``undecodable``, ``unreadable``, ``no_text_layer`` or ``too_large``.
    """
    return review_document(read_document(path), known_operators=known_operators, rules=rules,
                           min_level=min_level)


def review_benefits(
    benefits: Iterable[tuple[str | Mapping[str, Any] | Location | None, str]],
    *, known_operators: Known = None, rules: RuleSet | None = None, min_level: str = "note",
) -> list[Finding]:
    """Review the benefit texts of a policy file: ``(location, text)`` pairs.

    ``location`` is the caller's reference — a string (kept as ``location.ref``), a mapping
    of :class:`Location` fields, or a Location. Each text is split into sentences.

    >>> found = review_benefits([("policies/hnte.yaml#benefits[0]", "对华恒能源科技股份有限公司给予50万元奖励。")])
    >>> found[0].location.ref, found[0].article, found[0].evidence.operators
    ('policies/hnte.yaml#benefits[0]', '第十条', ('华恒能源科技股份有限公司',))
    """
    rules = rules or load_rules()
    index = _index(known_operators)
    findings: list[Finding] = []
    for where, text in benefits:
        if not text or not str(text).strip():
            continue
        base = _as_location(where)
        for clause in parse_text(str(text)).clauses:
            located = Clause(clause.text, Location(
                chapter=base.chapter, section=base.section, box=base.box,
                item=base.item or clause.location.item, sentence=clause.location.sentence,
                line=base.line if base.line is not None else clause.location.line,
                page=base.page, ref=base.ref), context=clause.context, heading=False)
            for finding in review_clause(located, rules=rules, known_operators=index):
                if _ORDER[finding.level] <= _ORDER[min_level]:
                    findings.append(finding)
    return findings


def _as_location(where: str | Mapping[str, Any] | Location | None) -> Location:
    if where is None:
        return Location()
    if isinstance(where, Location):
        return where
    if isinstance(where, Mapping):
        fields = {k: where[k] for k in Location.__dataclass_fields__ if k in where}
        return Location(**fields)
    return Location(ref=str(where))


def findings_to_dicts(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The findings as plain dictionaries (what :func:`findings_to_json` writes)."""
    return [finding.to_dict() for finding in findings]


def findings_to_json(findings: Iterable[Finding], *, indent: int | None = 2) -> str:
    """The findings as a JSON array (UTF-8 Chinese kept as is)."""
    return json.dumps(findings_to_dicts(findings), ensure_ascii=False, indent=indent)


def findings_to_table(findings: Iterable[Finding], *, width: int = 60) -> str:
    """A plain-text table for a terminal: level, article and item, location, clause."""
    rows = [("等级", "条款", "位置", "内容")]
    for f in findings:
        clause = f.clause if len(f.clause) <= width else f.clause[: width - 1] + "…"
        rows.append((f.level_zh, f"{f.article}{f.item}", f.location.label(), clause))
    if len(rows) == 1:
        return "未发现可能违反《公平竞争审查条例》第八条至第十一条的内容。"
    return "\n".join("  ".join(row) for row in rows)
