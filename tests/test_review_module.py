"""`kechuang review FILE` and `kechuang bench review`, run as a user runs them: a subprocess
with its own data directory (no database needed: the engine reviews alone)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXECUTABLE = shutil.which("kechuang", path=str(Path(sys.executable).parent)) or "kechuang"
SEED_000 = Path(__file__).resolve().parent / "data" / "review" / "seeds" / "000_c8b8e38b7f624e86.txt"
FIELDS = {"clause", "location", "article", "item", "level", "reason", "evidence"}


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KECHUANG_", "DJANGO_"))}
    environment["KECHUANG_DATA_DIR"] = str(data_dir)
    return subprocess.run([EXECUTABLE, *args], capture_output=True, text=True, env=environment, timeout=300,
                          cwd=data_dir)


def test_kechuang_review_prints_the_findings_as_a_json_list(tmp_path):
    result = run(["review", str(SEED_000), "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)
    assert isinstance(findings, list) and all(FIELDS <= set(f) for f in findings)
    box = next(f for f in findings if f["level"] == "suspect")
    assert (box["article"], box["item"]) == ("第十条", "（二）")
    assert box["location"]["box"] == "专栏9 高新区提质升级重点任务" and box["location"]["line"] == 423
    assert box["clause"].startswith("重点支持内蒙古君正化工") and "三维新材料" in box["evidence"]["operators"]
    assert not (tmp_path / "kechuang.sqlite3").exists()  # reviewing a file creates no database


def test_kechuang_review_exits_0_with_findings_and_prints_a_table(tmp_path):
    result = run(["review", str(SEED_000)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "第十条（二）" in result.stdout and "专栏9" in result.stdout
    suspected = run(["review", str(SEED_000), "--min-level", "suspect", "--format", "json"], tmp_path)
    assert [f["level"] for f in json.loads(suspected.stdout)] == ["suspect"]


def test_kechuang_review_reads_a_docx(tmp_path):
    from docx import Document as WordDocument

    word = WordDocument()
    word.add_paragraph("专栏2 重点项目")
    word.add_paragraph("对内蒙古君正化工有限责任公司的可降解塑料项目给予1000万元财政补助。")
    path = tmp_path / "措施.docx"
    buffer = io.BytesIO()
    word.save(buffer)
    path.write_bytes(buffer.getvalue())
    result = run(["review", str(path), "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert [(f["article"], f["level"]) for f in json.loads(result.stdout)] == [("第十条", "violation")]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.txt", b"", "文件为空"),
    ("tool.exe", b"MZ\x90\x00", "不支持的文件类型"),
    ("binary.txt", bytes(range(256)) * 20, "无法识别"),
    ("missing.txt", None, "文件不存在"),
])
def test_kechuang_review_refuses_a_bad_file_with_exit_1_and_a_chinese_message(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run(["review", str(path), "--format", "json"], tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert message in result.stderr


def test_kechuang_review_without_a_file_is_a_usage_error(tmp_path):
    assert run(["review"], tmp_path).returncode == 2


def test_kechuang_bench_review_times_a_long_document(tmp_path):
    result = run(["bench", "review", "--pages", "5", "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pages"] == 5 and report["clauses"] > 50 and 0 < report["total_seconds"] < 5
    table = run(["bench", "review", "--pages", "2"], tmp_path)
    assert table.returncode == 0 and "2" in table.stdout
