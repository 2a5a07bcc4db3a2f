"""The public API the platform calls: findings as JSON, benefit texts, the layer rule."""

from __future__ import annotations

import json
import subprocess
import sys

from kechuang.engine import review
from kechuang.engine.review import (
    Location,
    bench_review,
    findings_to_json,
    findings_to_table,
    review_benefits,
    review_text,
)

PLAN = "第三章 提质升级\n第三节 提升水平\n专栏9 重点任务\n（一）1.重点支持内蒙古君正化工、三维新材料等可降解塑料项目研发。"


def test_it_gives_every_finding_the_fields_the_platform_shows():
    (finding,) = json.loads(findings_to_json(review_text(PLAN)))
    assert {"clause", "location", "article", "item", "level", "reason", "evidence",
            "exception_prompt", "regulation_text", "title", "rule"} <= set(finding)
    assert finding["location"] == {"chapter": "第三章 提质升级", "section": "第三节 提升水平",
                                   "box": "专栏9 重点任务", "item": "（一）1.", "sentence": 1,
                                   "line": 4, "page": None, "ref": None}
    assert (finding["article"], finding["item"], finding["level"], finding["level_zh"]) == (
        "第十条", "（二）", "suspect", "疑似")
    assert finding["evidence"] == {"words": ["重点支持"], "operators": ["内蒙古君正化工", "三维新材料"]}
    assert finding["regulation_text"] == "给予特定经营者选择性、差异化的财政奖励或者补贴；"


def test_it_writes_chinese_json_as_is():
    text = findings_to_json(review_text(PLAN), indent=None)
    assert "内蒙古君正化工" in text and "\\u" not in text


def test_it_returns_an_empty_list_for_a_clean_document():
    assert review_text("对新认定的国家高新技术企业一次性给予10万元。") == []
    assert findings_to_json([]) == "[]"
    assert "未发现" in findings_to_table([])


def test_it_prints_a_table_for_the_terminal():
    table = findings_to_table(review_text(PLAN))
    assert "疑似" in table and "第十条（二）" in table and "专栏9 重点任务" in table


def test_it_can_leave_notes_out():
    text = "支持呼和浩特职业学院建设本科院校。"
    assert [f.level for f in review_text(text)] == ["note"]
    assert review_text(text, min_level="suspect") == []


def test_it_reviews_a_policy_files_benefit_texts_with_their_locations():
    findings = review_benefits([
        ("policies/hnte.yaml#benefits[0]", "对新认定的国家高新技术企业一次性给予10万元。"),
        ("policies/hnte.yaml#benefits[1]", "对华恒能源科技股份有限公司给予50万元奖励。"),
        ({"ref": "policies/x.yaml", "item": "（三）"}, "申报单位须在本市注册并纳税满三年。"),
        (Location(ref="policies/y.yaml", line=7), ""),
    ])
    assert [(f.location.ref, f.article) for f in findings] == [
        ("policies/hnte.yaml#benefits[1]", "第十条"), ("policies/x.yaml", "第九条")]
    assert findings[0].evidence.operators == ("华恒能源科技股份有限公司",)
    assert findings[1].location.item == "（三）"


def test_it_checks_benefits_against_the_register_of_operators():
    benefits = [("b1", "对君正给予一次性奖励20万元。")]
    assert review_benefits(benefits) == []
    (finding,) = review_benefits(benefits, known_operators={"君正"})
    assert finding.evidence.operators == ("君正",)


def test_it_runs_the_benchmark_on_a_small_document():
    result = bench_review(pages=2, repeat=1)
    assert result["pages"] == 2 and result["chars"] >= 2400 and result["clauses"] > 10
    assert result["total_seconds"] >= result["review_seconds"]


def test_it_exports_a_documented_public_api():
    for name in review.__all__:
        assert getattr(review, name).__doc__ or name.isupper(), name


def test_it_imports_neither_django_nor_the_apps():
    code = ("import sys, kechuang.engine.review as r; r.review_text('对甲有限公司给予奖励。'); "
            "bad = [m for m in sys.modules if m.startswith(('django', 'kechuang.apps'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_the_examples_in_the_engines_docstrings():
    import doctest
    import importlib

    for name in ("errors", "operators", "reviewer", "rules", "structure", "_read", "types"):
        module = importlib.import_module(f"kechuang.engine.review.{name}")
        result = doctest.testmod(module)
        assert result.failed == 0, name
    assert doctest.testmod(review).failed == 0
