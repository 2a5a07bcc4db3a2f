"""Review the benefits of a policy file (``data/policies/*.yaml``) for fair competition.

A policy file encodes a policy's benefits for the policy engine (``kechuang.engine.rules``);
each benefit is a financial or tax advantage by nature. Two checks, both through
:func:`~kechuang.engine.review.review_benefits`:

1. its words — ``label``, ``quote`` (the document's own clause) and ``note`` — are reviewed
   like any clause, with every rule;
2. its beneficiaries — a benefit whose condition (``when``, ``amount``) compares the credit
   code or the name with a literal (``uscc == "9115…"``, ``name in ["…"]``), quotes a
   company name or a credit code, or lists ``beneficiaries``, is given to a specific
   operator: 《公平竞争审查条例》第十条（一）(a tax benefit) or （二） (any other), unless a law,
   an administrative regulation or the State Council provides for it.

Each finding's location: ``ref`` = ``<file>#benefits.<code>.<field>``, ``chapter`` = the
policy's title, ``line`` = the line of that field in the file.

>>> text = '''
... code: demo
... title: 示例政策
... benefits:
...   special:
...     label: 研发补助
...     when: uscc == "91150300MA0N000000"
... '''
>>> [(f.article, f.item, f.location.ref) for f in review_policy_text(text, source="demo.yaml")]
[('第十条', '（二）', 'demo.yaml#benefits.special.when')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .errors import ReviewError
from .operators import find_operators
from .reviewer import Known, _index, review_benefits
from .rules import RuleSet, load_rules
from .types import Evidence, Finding, Location

TEXT_FIELDS = ("label", "quote", "note")
CONDITION_FIELDS = ("when", "amount", "start", "continue_if")
_USCC = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
_LITERAL = re.compile(r"\"([^\"]*)\"|'([^']*)'")
_COMPARED = re.compile(r"(\w+)\s*(?:==|!=|\bin\b)\s*\[?[^\]=]*$")
_ORDER = {"violation": 0, "suspect": 1, "note": 2}


def _lines(text: str) -> dict[tuple[str, str], int]:
    """(benefit code, field) → line in the file (1-based), read from the YAML node tree."""
    found: dict[tuple[str, str], int] = {}
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return found
    if not isinstance(root, yaml.MappingNode):
        return found
    for key, value in root.value:
        if key.value == "benefits" and isinstance(value, yaml.MappingNode):
            for code, body in value.value:
                found[(code.value, "")] = code.start_mark.line + 1
                if isinstance(body, yaml.MappingNode):
                    for field, node in body.value:
                        found[(code.value, field.value)] = node.start_mark.line + 1
    return found


def named_beneficiaries(condition: str, known_operators: Known = None) -> list[str]:
    """Credit codes and names a benefit's condition singles out.

    >>> named_beneficiaries('uscc in ["91150300MA0N000000"] and name == "乌海华资实业"')
    ['91150300MA0N000000', '乌海华资实业']
    >>> named_beneficiaries('carrier_type == "高新区" and carrier_level in ["国家级"]')
    []
    """
    index = _index(known_operators)
    names: list[str] = []
    for match in _LITERAL.finditer(condition):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        if not value.strip():
            continue
        compared = _COMPARED.search(condition[:match.start()])  # the fact this literal is compared with
        if (compared and compared.group(1) in ("uscc", "name")) or _USCC.fullmatch(value) \
                or find_operators(value, index):
            names.append(value)
    return list(dict.fromkeys(names))


def review_policy_data(
    data: Any, *, source: str = "", text: str = "", known_operators: Known = None,
    rules: RuleSet | None = None, min_level: str = "note",
) -> list[Finding]:
    """Review a parsed policy file (the mapping ``yaml.safe_load`` gives)."""
    if not isinstance(data, dict) or not isinstance(data.get("benefits"), dict):
        raise ReviewError("empty", f"{source or '政策文件'} 中没有 benefits（优惠事项）可供审查。")
    rules = rules or load_rules()
    index = _index(known_operators)
    lines = _lines(text) if text else {}
    title = str(data.get("title") or data.get("code") or "") or None
    findings: list[Finding] = []
    for code, benefit in data["benefits"].items():
        if not isinstance(benefit, dict):
            continue

        def where(field: str, code: str = str(code)) -> Location:
            return Location(chapter=title, ref=f"{source}#benefits.{code}.{field}",
                            line=lines.get((code, field)) or lines.get((code, "")))

        pairs = [(where(field), str(benefit[field])) for field in TEXT_FIELDS if benefit.get(field)]
        findings.extend(review_benefits(pairs, known_operators=index, rules=rules, min_level=min_level))
        named: list[str] = []
        field_named = ""
        for field in CONDITION_FIELDS:
            if benefit.get(field) is not None:
                found = named_beneficiaries(str(benefit[field]), index)
                if found and not field_named:
                    field_named = field
                named += found
        listed = benefit.get("beneficiaries")
        if listed:
            named += [str(n) for n in (listed if isinstance(listed, list) else [listed])]
            field_named = field_named or "beneficiaries"
        named = list(dict.fromkeys(named))
        if named and _ORDER["violation"] <= _ORDER[min_level]:
            findings.append(_named_benefit(benefit, named, where(field_named), rules))
    return findings


def _named_benefit(benefit: dict[str, Any], named: list[str], location: Location, rules: RuleSet) -> Finding:
    tax = benefit.get("category") == "tax" or "tax" in str(benefit.get("kind") or "")
    item = "（一）" if tax else "（二）"
    what = "税收优惠" if tax else "财政奖励或者补贴"
    label = str(benefit.get("label") or "")
    return Finding(
        clause=f"{label}（适用对象：{'、'.join(named)}）",
        location=location,
        article="第十条",
        item=item,
        level="violation",
        reason=(f"政策文件中的优惠事项“{label}”只给予以统一社会信用代码或名称指定的经营者"
                f"（{'、'.join(named)}），属于给予特定经营者{what}。如无法律、行政法规依据或者国务院批准，不得给予；"
                f"应改为面向所有符合条件经营者的条件。"),
        evidence=Evidence(words=tuple(named), operators=tuple(named)),
        rule="policy-named-beneficiary",
        title="政策文件的优惠事项指定具体经营者",
        regulation_text=rules.regulation_text("第十条", item),
        rules=("policy-named-beneficiary",),
    )


def review_policy_text(text: str, *, source: str = "", **options: Any) -> list[Finding]:
    """Review a policy file's YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ReviewError("unreadable", f"无法读取 {source or '政策文件'}：不是有效的 YAML 政策文件。") from exc
    return review_policy_data(data, source=source, text=text, **options)


def review_policy_file(path: str | Path, **options: Any) -> list[Finding]:
    """Review a policy file (``.yaml``/``.yml``) on disk."""
    from ._read import decode_text

    path = Path(path)
    if not path.is_file():
        raise ReviewError("not_found", f"文件不存在：{path.name}")
    return review_policy_text(decode_text(path.read_bytes(), path.name), source=path.name, **options)


def is_policy_file(path: str | Path) -> bool:
    """Whether the path names a policy file (``.yaml``/``.yml``) rather than a document."""
    return Path(path).suffix.lower() in (".yaml", ".yml")


def review_policy_files(paths: Iterable[str | Path], **options: Any) -> dict[str, list[Finding]]:
    """Review several policy files: file name → findings (a refused file raises)."""
    return {Path(p).name: review_policy_file(p, **options) for p in paths}
