"""Load and compile the review rules written as data (``rules.yaml`` beside this file).

The file's header documents the format; ``docs/review.md`` explains how to add a rule.
Compiling checks every rule (known keys, a known article and item, patterns that compile,
placeholders that exist), so a mistake in the data fails loudly at load time.

>>> rules = load_rules()
>>> sorted({rule.article for rule in rules.rules})
['第九条', '第八条', '第十一条', '第十条']
>>> rules.regulation_text("第十条", "（二）")
'给予特定经营者选择性、差异化的财政奖励或者补贴；'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import ReviewError
from .operators import JURISDICTIONS

RULES_PATH = Path(__file__).with_name("rules.yaml")
OPERATOR_TOKEN = "〔经营者〕"

_RULE_KEYS = {"id", "article", "item", "level", "title", "operators", "when", "unless", "reason",
              "exception", "examples"}
_LEVELS = ("violation", "suspect", "note")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule: every group in ``when`` must match, nothing in ``unless`` may."""

    id: str
    article: str
    item: str
    level: str
    title: str
    operators: str
    when: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    reason: str
    exception: bool
    hits: tuple[str, ...]
    misses: tuple[str, ...]

    @property
    def uses_operator_token(self) -> bool:
        return any(OPERATOR_TOKEN in p.pattern for p in self.when)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The compiled rules with the regulation's text and the 第十二条 grounds."""

    rules: tuple[Rule, ...]
    articles: dict[str, dict[str, Any]]
    exception_grounds: tuple[tuple[str, re.Pattern[str]], ...]
    period_words: re.Pattern[str]
    trigger: re.Pattern[str]
    title: str

    def regulation_text(self, article: str, item: str) -> str:
        return str(self.articles[article]["items"][item])

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def _expand(pattern: str, vocab: dict[str, str], where: str) -> str:
    def replace(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in vocab:
            raise ReviewError("bad_rules", f"规则数据错误：{where} 引用了未定义的词表 {{{name}}}。")
        return vocab[name]

    # vocabulary entries may use one another; expand until nothing is left
    for _ in range(5):
        expanded = _PLACEHOLDER.sub(replace, pattern)
        if expanded == pattern:
            break
        pattern = expanded
    return pattern.replace("$OPERATOR", OPERATOR_TOKEN)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ReviewError("bad_rules", f"规则数据错误：{where} 的正则表达式无法编译（{exc}）。") from exc


def _group(value: Any) -> str:
    """A group is one pattern or a list of alternatives: join them into one pattern."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "|".join(f"(?:{v})" for v in value)
    raise ReviewError("bad_rules", "规则数据错误：when/unless 的每一组须为字符串或字符串列表。")


def compile_rules(data: dict[str, Any]) -> RuleSet:
    """Compile rule data (the parsed YAML) into a :class:`RuleSet`."""
    try:
        articles: dict[str, dict[str, Any]] = data["regulation"]["articles"]
        vocab: dict[str, str] = {k: str(v) for k, v in (data.get("vocab") or {}).items()}
        # {place}: the names of provinces and cities the recogniser knows (在乌海注册)
        vocab.setdefault("place", "(?:" + "|".join(sorted(JURISDICTIONS, key=len, reverse=True)) + ")")
        raw_rules: list[dict[str, Any]] = data["rules"]
    except (KeyError, TypeError) as exc:
        raise ReviewError("bad_rules", f"规则数据错误：缺少 {exc}。") from exc
    rules: list[Rule] = []
    seen: set[str] = set()
    for raw in raw_rules:
        rid = str(raw.get("id", "?"))
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise ReviewError("bad_rules", f"规则数据错误：规则 {rid} 含未知字段 {sorted(unknown)}。")
        if rid in seen:
            raise ReviewError("bad_rules", f"规则数据错误：规则编号 {rid} 重复。")
        seen.add(rid)
        article, item = str(raw.get("article")), str(raw.get("item"))
        if article not in articles or item not in articles[article]["items"]:
            raise ReviewError("bad_rules", f"规则数据错误：规则 {rid} 引用的 {article}{item} 不存在。")
        if raw.get("level") not in _LEVELS:
            raise ReviewError("bad_rules", f"规则数据错误：规则 {rid} 的 level 须为 {_LEVELS} 之一。")
        operators = raw.get("operators", "none")
        if operators not in ("none", "any"):
            raise ReviewError("bad_rules", f"规则数据错误：规则 {rid} 的 operators 须为 none 或 any。")
        when = tuple(_compile(_expand(_group(g), vocab, rid), rid) for g in raw.get("when") or [])
        if not when:
            raise ReviewError("bad_rules", f"规则数据错误：规则 {rid} 没有 when 条件。")
        unless = tuple(_compile(_expand(_group(g), vocab, rid), rid) for g in raw.get("unless") or [])
        examples = raw.get("examples") or {}
        rules.append(Rule(
            id=rid, article=article, item=item, level=raw["level"], title=str(raw.get("title", rid)),
            operators=operators, when=when, unless=unless, reason=str(raw.get("reason", "")).strip(),
            exception=bool(raw.get("exception", True)),
            hits=tuple(examples.get("hit") or ()), misses=tuple(examples.get("miss") or ()),
        ))
    grounds = tuple(
        (str(g["item"]), _compile(str(g["words"]), "exception_grounds"))
        for g in data.get("exception_grounds") or []
    )
    period = _compile(str(data.get("period_words") or "期限"), "period_words")
    # one pattern made of every rule's first group: a clause that matches none of them
    # cannot fire any rule, and is skipped after a single search
    firsts = [rule.when[0].pattern.replace(OPERATOR_TOKEN, "[^。；！？]{0,40}") for rule in rules]
    trigger = _compile("|".join(f"(?:{p})" for p in firsts), "trigger")
    return RuleSet(tuple(rules), articles, grounds, period, trigger,
                   str(data["regulation"].get("title", "公平竞争审查条例")))


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and compile the rules; the packaged ``rules.yaml`` unless a path is given."""
    if path is None:
        return _default_rules()
    return _load(Path(path))


def _load(path: Path) -> RuleSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReviewError("bad_rules", f"规则数据无法读取：{exc}") from exc
    if not isinstance(data, dict):
        raise ReviewError("bad_rules", "规则数据错误：文件须为 YAML 映射。")
    return compile_rules(data)


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    return _load(RULES_PATH)
