"""Read YAML keeping where every value came from (line and column), for exact error places."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .errors import Problem


@dataclass
class Located:
    """A YAML node with its source position (1-based line and column)."""

    node: yaml.Node
    file: str
    lines: list[str]

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    @property
    def column(self) -> int:
        return self.node.start_mark.column + 1

    def problem(self, msg: str, **params: Any) -> Problem:
        return Problem(msg, params, self.file, self.line, self.column)

    # -- shapes -------------------------------------------------------------------------
    @property
    def is_map(self) -> bool:
        return isinstance(self.node, yaml.MappingNode)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.node, yaml.SequenceNode)

    @property
    def is_scalar(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode)

    @property
    def is_null(self) -> bool:
        return self.is_scalar and self.node.tag == "tag:yaml.org,2002:null"

    def items(self) -> list[tuple[Located, Located]]:
        """The (key, value) pairs of a mapping; raises on a duplicate key."""
        assert self.is_map
        seen: dict[str, int] = {}
        out = []
        for k, v in self.node.value:
            key = Located(k, self.file, self.lines)
            if key.text in seen:
                raise _Dup(key.problem("R405", what="字段", what_en="field", name=key.text, first=seen[key.text]))
            seen[key.text] = key.line
            out.append((key, Located(v, self.file, self.lines)))
        return out

    def seq(self) -> list[Located]:
        assert self.is_seq
        return [Located(v, self.file, self.lines) for v in self.node.value]

    @property
    def text(self) -> str:
        """The scalar as written (its raw text, before YAML's own typing)."""
        if not self.is_scalar:
            return ""
        return str(self.node.value)

    def value(self) -> Any:
        """The scalar as YAML types it (bool, int, str…); mappings and lists as plain Python."""
        return yaml.SafeLoader("").construct_object(self.node, deep=True)

    def offset_to_place(self, offset: int) -> tuple[int, int]:
        """Line and column in the file of character ``offset`` of this scalar's text."""
        n = self.node
        mark = n.start_mark
        style = getattr(n, "style", None)
        if style in ("|", ">"):
            # block scalar: content starts on the next line; walk the source lines
            line = mark.line + 1
            text = n.value
            rest = offset
            for raw in self.lines[line:]:
                stripped = raw.lstrip(" ")
                indent = len(raw) - len(stripped)
                content = stripped.rstrip("\n")
                if rest <= len(content):
                    return line + 1, indent + rest + 1
                rest -= len(content) + 1
                line += 1
            del text
            return mark.line + 2, 1
        quote = 1 if style in ('"', "'") else 0
        first_line = self.lines[mark.line] if mark.line < len(self.lines) else ""
        room = len(first_line.rstrip("\n")) - mark.column - quote
        if offset <= room or n.end_mark.line == mark.line:
            return mark.line + 1, mark.column + quote + offset + 1
        # a plain or quoted scalar folded over several lines
        rest = offset - room - 1
        line = mark.line + 1
        for raw in self.lines[line:]:
            stripped = raw.lstrip(" ")
            indent = len(raw) - len(stripped)
            content = stripped.rstrip("\n")
            if rest <= len(content):
                return line + 1, indent + rest + 1
            rest -= len(content) + 1
            line += 1
        return mark.line + 1, mark.column + 1


class _Dup(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


DuplicateKey = _Dup


def compose(text: str, file: str) -> Located:
    """Parse YAML text into a :class:`Located` root; raises ``RuleError`` with R401 on bad YAML."""
    from .errors import RuleError

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = f"{exc.problem or ''}{(' ' + exc.context) if exc.context else ''}".strip()
        raise RuleError(Problem("R401", {"problem": problem}, file, mark.line + 1 if mark else None,
                                mark.column + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise RuleError(Problem("R401", {"problem": str(exc)}, file)) from None
    if node is None:
        raise RuleError(Problem("R412", {}, file, 1, 1))
    return Located(node, file, text.splitlines(keepends=True))
