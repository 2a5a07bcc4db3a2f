"""The examples in the docstrings of the assessment engine run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("kechuang.engine.codes", "kechuang.engine.exchange", "kechuang.engine.assess",
           "kechuang.engine.assess._arith", "kechuang.engine.assess.options", "kechuang.engine.assess.panel",
           "kechuang.engine.assess.run", "kechuang.engine.assess.explain", "kechuang.engine.assess.staff")


@pytest.mark.parametrize("name", MODULES)
def test_it_keeps_the_docstring_examples_true(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
