"""The runnable examples in the rules engine's docstrings run, and the engine stays framework-free."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
MODULES = ["money", "messages", "syntax", "panel", "check", "engine", "explain"]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the examples name files relative to the repository
    mod = importlib.import_module(f"kechuang.engine.rules.{name}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_the_rules_engine_imports_no_web_framework() -> None:
    code = ("import sys, kechuang.engine.rules; "
            "bad = [m for m in sys.modules if m.startswith(('django', 'kechuang.apps', 'rest_framework'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
