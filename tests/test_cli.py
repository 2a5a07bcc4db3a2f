"""The `kechuang` command, run as a user runs it: a subprocess on a fresh SQLite file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXECUTABLE = shutil.which("kechuang", path=str(Path(sys.executable).parent)) or "kechuang"


def run(args: list[str], data_dir: Path, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("KECHUANG_", "DJANGO_"))}
    environment.update({"KECHUANG_DATA_DIR": str(data_dir), **env})
    return subprocess.run([EXECUTABLE, *args], capture_output=True, text=True, env=environment, timeout=300,
                          cwd=data_dir)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A data directory with the demo installation, made once by `kechuang demo`."""
    data_dir = tmp_path_factory.mktemp("kechuang-cli")
    result = run(["demo", "--format", "json"], data_dir)
    assert result.returncode == 0, result.stderr
    accounts = json.loads(result.stdout)["accounts"]
    assert {a["username"] for a in accounts} >= {"admin", "officer_wuhai", "reporter_haibowan", "enterprise_demo",
                                                  "expert_demo"}
    return data_dir


def test_demo_creates_the_database_with_the_shipped_units_and_an_account_per_role(installed):
    import sqlite3

    with sqlite3.connect(installed / "kechuang.sqlite3") as db:
        assert db.execute("select count(*) from accounts_orgunit where kind = 'county'").fetchone()[0] == 103
        assert db.execute("select count(distinct role) from accounts_roleassignment").fetchone()[0] == 5


def test_demo_refuses_to_erase_data_without_confirmation(installed):
    result = run(["demo"], installed)
    assert result.returncode == 2
    assert "--yes" in result.stderr
    kept = run(["demo", "--if-empty"], installed)
    assert kept.returncode == 0 and "admin" in kept.stdout


def test_check_reports_each_part_as_json(installed):
    result = run(["check", "--format", "json"], installed)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"] is True, result.stdout
    statuses = {c["check"]: c["status"] for c in report["checks"] if c["status"] in ("ok", "error")}
    assert set(statuses.values()) == {"ok"} and len(statuses) >= 5


def test_check_fails_with_a_clear_message_when_the_database_is_not_set_up(tmp_path):
    result = run(["check", "--format", "json", "--lang", "en"], tmp_path)
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["ok"] is False
    migrations = next(c for c in report["checks"] if c["check"] == "migrations")
    assert "kechuang migrate" in migrations["detail"]


def test_messages_are_chinese_by_default_and_english_on_request(installed):
    chinese = run(["check"], installed)
    english = run(["check", "--lang", "en"], installed)
    assert "数据库" in chinese.stdout
    assert "database" in english.stdout and "数据库" not in english.stdout


def test_a_wrong_command_exits_with_the_usage_code(installed):
    assert run(["no-such-command"], installed).returncode == 2
    assert run(["serve", "--port", "not-a-number"], installed).returncode == 2


def test_serve_refuses_to_start_without_a_database(tmp_path):
    result = run(["serve", "--port", "8999"], tmp_path)
    assert result.returncode == 3


def test_with_redis_a_separate_worker_process_runs_the_queued_task(installed):
    import sqlite3

    redis_url = os.environ.get("KECHUANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        Redis.from_url(redis_url).ping()
    except RedisConnectionError:
        pytest.skip(f"Redis at {redis_url} is not reachable: `kechuang worker` is NOT tested")
    queue_env = {"KECHUANG_REDIS_URL": redis_url, "KECHUANG_TASKS_QUEUE": "kechuang-cli-test"}
    enqueue = (
        "from django.core.files.base import ContentFile\n"
        "from kechuang.apps.tasks.runner import enqueue\n"
        "t = enqueue('accounts.import_org_units', acting_user=None, label='cli', params={'filename': 'u.csv'},"
        " input_file=ContentFile('编码,名称,上级编码,类型\\n150300D099,队列测试局,150300,department\\n'.encode(),"
        " name='u.csv'))\n"
        "print(t.pk.hex)\n"
    )
    queued = run(["manage", "shell", "-c", enqueue], installed, **queue_env)
    assert queued.returncode == 0, queued.stderr
    task_id = queued.stdout.strip().splitlines()[-1]
    with sqlite3.connect(installed / "kechuang.sqlite3") as db:
        assert db.execute("select status from tasks_task where id = ?", [task_id]).fetchone() == ("queued",)
    worker = run(["worker", "--burst"], installed, **queue_env)
    assert worker.returncode == 0, worker.stderr
    with sqlite3.connect(installed / "kechuang.sqlite3") as db:
        assert db.execute("select status from tasks_task where id = ?", [task_id]).fetchone() == ("succeeded",)
        assert db.execute("select name from accounts_orgunit where code = '150300D099'").fetchone() == ("队列测试局",)


def test_assess_prints_the_assessment_of_each_entity_as_json(tmp_path):
    from kechuang.testing import valid_uscc

    code = valid_uscc("91150303MA0000106")
    lines = ["uscc,year,registered_on,employees,tech_staff,sales_revenue,rd_expense,rd_expense_domestic,"
             "total_cost_expense,total_assets,ip_class1,ip_class2,major_incident"]
    lines += [f"{code},{y},2015-03-01,100,9,40000000,3000000,3000000,40000000,60000000,1,0,否"
              for y in (2022, 2023, 2024)]
    source = tmp_path / "panel.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(["assess", "--input", str(source), "--year", "2025", "--format", "json"], tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)[0]
    assert record["uscc"] == code and record["year"] == 2025
    assert record["tsme"] == {**record["tsme"], "eligible": False, "score": 80}  # the staff-score veto
    assert set(record["hte"]["conditions"]) == {
        "registered_one_year", "owns_core_ip", "in_supported_field", "tech_staff_ratio", "rd_intensity",
        "rd_domestic_share", "high_tech_income_share", "innovation_score", "no_major_incident"}
    bad = tmp_path / "bad.csv"
    bad.write_text("uscc,year\n123,2024\n", encoding="utf-8")
    refused = run(["assess", "--input", str(bad), "--year", "2025"], tmp_path)
    assert refused.returncode == 1 and "统一社会信用代码" in refused.stderr


def test_the_import_benchmark_times_an_xlsx_import_and_leaves_the_database_as_it_was(installed):
    import sqlite3

    with sqlite3.connect(installed / "kechuang.sqlite3") as db:
        before = db.execute("select count(*) from entities_entityfact").fetchone()[0]
    result = run(["bench", "import", "--entities", "20"], installed)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)["kechuang"]
    assert figures["rows"] == 60 and figures["write_s"] >= 0
    with sqlite3.connect(installed / "kechuang.sqlite3") as db:
        assert db.execute("select count(*) from entities_entityfact").fetchone()[0] == before
