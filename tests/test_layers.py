"""The layer rules of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kechuang"


def test_the_engine_imports_neither_django_nor_the_apps():
    code = ("import sys, kechuang.engine; "
            "bad = [m for m in sys.modules if m.startswith(('django', 'kechuang.apps', 'rest_framework'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _calls(path: Path, attribute: str) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attribute
            # openpyxl's workbook.save(buffer) writes a file, not a row
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "workbook")]


def test_views_and_api_never_write_directly():
    offenders = []
    for path in PACKAGE.glob("apps/*/views.py"):
        offenders += [f"{path.relative_to(PACKAGE)}:{n}" for n in _calls(path, "save") + _calls(path, "delete")]
    for path in PACKAGE.glob("apps/*/api/*.py"):
        offenders += [f"{path.relative_to(PACKAGE)}:{n}" for n in _calls(path, "save") + _calls(path, "delete")]
    assert not offenders, f"views must write through actions.do_*: {offenders}"


def test_the_base_apps_import_no_domain_app():
    base = {"common", "accounts", "audit", "tasks"}
    domain = {p.name for p in (PACKAGE / "apps").iterdir() if p.is_dir() and (p / "apps.py").exists()} - base
    offenders = []
    for app in base:
        for path in (PACKAGE / "apps" / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.name} imports {d}" for d in domain if f"kechuang.apps.{d}" in text]
    assert not offenders, offenders


def test_no_page_loads_anything_from_outside_the_platform():
    import re

    pattern = re.compile(r"""<(script|link|img)[^>]+(src|href)=["'](https?:)?//""")
    offenders = [str(p.relative_to(PACKAGE)) for p in (PACKAGE / "templates").rglob("*.html")
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def test_every_model_change_has_its_migration(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
