"""``check_policies(dir)``: load every policy file and run the test cases written in them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import evaluate, funding_split
from .errors import Problem, RuleError
from .money import display
from .policy import PolicySet, TestCase, load_files, policy_paths


@dataclass
class CheckReport:
    """What ``kechuang policy check`` prints: load errors, warnings and test results."""

    files: int = 0
    policies: list[str] = field(default_factory=list)
    benefits: int = 0
    tests_run: int = 0
    tests_passed: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.failures

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "files": self.files, "policies": self.policies, "benefits": self.benefits,
                "tests_run": self.tests_run, "tests_passed": self.tests_passed,
                "errors": [p.to_json() for p in self.errors], "warnings": [p.to_json() for p in self.warnings],
                "failures": [p.to_json() for p in self.failures], "seconds": round(self.seconds, 3)}

    def text(self, lang: str = "zh") -> str:
        lines = [p.format(lang) for p in [*self.errors, *self.failures, *self.warnings]]
        if lang == "zh":
            lines.append(f"{self.files} 个文件，{len(self.policies)} 项政策，{self.benefits} 项优惠；"
                         f"测试用例 {self.tests_passed}/{self.tests_run} 通过；"
                         f"{len(self.errors)} 个错误，{len(self.warnings)} 个提醒")
        else:
            lines.append(f"{self.files} file(s), {len(self.policies)} policies, {self.benefits} benefits; "
                         f"{self.tests_passed}/{self.tests_run} test cases pass; "
                         f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)


def run_test_case(pset: PolicySet, t: TestCase) -> list[Problem]:
    """Run one test case of a loaded set; returns the failures (empty when it passes)."""
    sub = pset.select([t.policy])
    facts = {name: [value] for name, value in t.facts.items()}
    if not facts:
        facts = {"__row": [0]}
    state = {b: {0: y} for b, y in t.state.items()} or None
    try:
        ev = evaluate(sub, facts, t.year, overrides=dict(t.parameters), state=state, key="__row")  # type: ignore[arg-type]
    except RuleError as exc:
        return [Problem("T602", {"case": t.name, "problem": exc.format("zh"), "problem_en": exc.format("en")},
                        t.file, t.line)]
    out = []
    for q, want in t.expect.items():
        got_v = ev.frame[q][0] if q in ev.frame.columns else 0  # a policy not in force gives nothing
        if got_v != want:
            out.append(Problem("T601", {"case": t.name, "benefit": q, "expected": display(want),
                                        "expected_en": display(want, "en"), "actual": display(got_v),
                                        "actual_en": display(got_v, "en")}, t.file, t.line))
    for q, shares in t.expect_funding.items():
        b = sub.benefit(q)
        import numpy as np

        amt = ev.frame[q][0] or 0
        split = funding_split(np.array([amt], dtype=np.int64), b.funding) if b.funding else {}
        for level, want in shares.items():
            got = int(split[level][0]) if level in split else 0
            if got != want:
                out.append(Problem("T601", {"case": t.name, "benefit": f"{q}[{level}]", "expected": display(want),
                                            "expected_en": display(want, "en"), "actual": display(got),
                                            "actual_en": display(got, "en")}, t.file, t.line))
    return out


def check_policies(source: str | Path | list[str | Path]) -> CheckReport:
    """Load every ``*.yaml`` in ``source`` (a directory, a file or a list of files) and run its tests.

    Never raises for bad files: problems are in the report, each with file, line and column.

    >>> check_policies("tests/data/policies/harness.yaml").ok
    True
    """
    t0 = time.perf_counter()
    paths, root = policy_paths(source)
    report = CheckReport(files=len(paths))
    if root is not None and not paths:
        report.errors.append(Problem("R416", {"path": str(source)}))
        return report
    pset, errors, warnings = load_files(paths, root)
    report.errors = errors
    report.warnings = warnings
    if pset is None:
        report.seconds = time.perf_counter() - t0
        return report
    report.policies = list(pset.policies)
    report.benefits = sum(len(p.benefits) for p in pset)
    for pol in pset:
        for t in pol.tests:
            report.tests_run += 1
            fails = run_test_case(pset, t)
            report.failures.extend(fails)
            if not fails:
                report.tests_passed += 1
    report.seconds = time.perf_counter() - t0
    return report


def load_policies(source: str | Path | list[str | Path]) -> PolicySet:
    """Load and check policy files; raises :class:`RuleError` listing every problem, loads nothing then.

    ``source``: a directory (every ``*.yaml`` in it), one file, or a list of files.

    >>> pols = load_policies("tests/data/policies/harness.yaml")
    >>> sorted(pols["harness"].benefits)
    ['high_tech_award', 'rd_hq_award', 'rd_increment_award', 'tsme_award']
    """
    paths, root = policy_paths(source)
    if root is not None and not paths:
        raise RuleError(Problem("R416", {"path": str(source)}))
    pset, errors, _warnings = load_files(paths, root)
    if pset is None:
        raise RuleError(errors)
    return pset
