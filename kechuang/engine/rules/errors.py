"""Problems found in policy files and expressions, with their exact place.

A :class:`Problem` is one finding (an error, a warning or a failed test case) with its
code, the file, line and column (1-based) and the message fields. :class:`RuleError`
carries one or more problems; loading a directory collects every problem of every
file before it raises, so a user sees them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .messages import render


@dataclass(frozen=True)
class Problem:
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    file: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def severity(self) -> str:
        return {"W": "warning", "T": "test"}.get(self.code[0], "error")

    def message(self, lang: str = "zh") -> str:
        return render(self.code, lang, **self.params)

    def where(self) -> str:
        parts = [self.file or "<expression>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self, lang: str = "zh") -> str:
        """``file:line:col: CODE message`` — the form printed by ``kechuang policy check``."""
        return f"{self.where()}: {self.code} {self.message(lang)}"

    def at(self, file: str | None = None, line: int | None = None, column: int | None = None) -> Problem:
        return Problem(self.code, self.params, file if file is not None else self.file,
                       line if line is not None else self.line, column if column is not None else self.column)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "file": self.file, "line": self.line,
                "column": self.column, "message_zh": self.message("zh"), "message_en": self.message("en")}


class RuleError(Exception):
    """One or more problems that stop a policy file or an expression from loading."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(self.format("en"))

    @property
    def problem(self) -> Problem:
        return self.problems[0]

    @property
    def code(self) -> str:
        return self.problems[0].code

    def format(self, lang: str = "zh") -> str:
        return "\n".join(p.format(lang) for p in self.problems)

    def __str__(self) -> str:
        return self.format("en")


class ExprError(Exception):
    """A problem inside one expression; ``offset``/``end`` index into its text.

    The policy loader turns it into a :class:`Problem` at the file's line and column.
    """

    def __init__(self, code: str, offset: int, end: int | None = None, **params: Any):
        self.code = code
        self.offset = offset
        self.end = end if end is not None else offset + 1
        self.params = params
        super().__init__(render(code, "en", **params))
