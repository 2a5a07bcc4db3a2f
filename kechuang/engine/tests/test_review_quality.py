"""Measured quality of the review: the 专栏9 case, the five seeds, precision and recall."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kechuang.engine.review import evaluate, load_annotated, review_text

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "review"
SEEDS = sorted((DATA / "seeds").glob("*.txt"))
MEASURED = yaml.safe_load((DATA / "measured.yaml").read_text(encoding="utf-8"))


def test_it_finds_the_box_naming_five_enterprises_under_article_10():
    """Seed 000: the bureau proposed repealing its plan as 疑似违反; 专栏9 names five firms."""
    findings = review_text((DATA / "seeds" / "000_c8b8e38b7f624e86.txt").read_text(encoding="utf-8"))
    box9 = [f for f in findings if (f.location.box or "").startswith("专栏9 ")]
    assert [(f.article, f.item, f.level) for f in box9] == [("第十条", "（二）", "suspect")]
    (finding,) = box9
    assert finding.evidence.operators == (
        "内蒙古君正化工", "三维新材料", "华恒能源科技", "东景生物环保科技", "乌海市广锦新材料")
    assert finding.location.chapter == "第三章 提质升级 创建国家高新区"
    assert "第十二条第（二）项" in finding.exception_prompt


def test_it_reviews_every_clause_of_the_five_seeds_without_error():
    assert len(SEEDS) == 5
    counted = {}
    for path in SEEDS:
        findings = review_text(path.read_text(encoding="utf-8"), source=path.name)
        counted[path.name[:3]] = sum(1 for f in findings if f.level != "note")
    # the plan's 专栏9 and the opinion's 一事一议 are the only counted findings in the seeds
    assert counted == {"000": 1, "001": 1, "002": 0, "003": 0, "004": 0}


def test_it_keeps_an_annotated_set_of_at_least_150_clauses_on_every_article():
    clauses = [c for name in MEASURED["sets"] for c in load_annotated(DATA / name)]
    assert len(clauses) >= 150
    assert len({c.id for c in clauses}) == len(clauses)
    for article in ("第八条", "第九条", "第十条", "第十一条"):
        assert sum(article in c.articles for c in clauses) >= 20
    assert sum(not c.articles for c in clauses) >= 80
    assert sum(c.source.startswith("seed:") for c in clauses) >= 50


@pytest.mark.parametrize("name", list(MEASURED["sets"]))
def test_it_keeps_precision_and_recall_above_the_measured_floor(name):
    report = evaluate(load_annotated(DATA / name))
    margin = MEASURED["margin"]
    for article, floor in MEASURED["sets"][name].items():
        score = report.per_article[article]
        assert score.precision >= floor["precision"] - margin, (name, article, "precision", score)
        assert score.recall >= floor["recall"] - margin, (name, article, "recall", score)
