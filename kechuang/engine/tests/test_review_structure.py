"""The structure parser of the fair-competition review, on passages of the real seeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.engine.review import ReviewError, parse_text, review_text, split_sentences

SEEDS = Path(__file__).resolve().parents[3] / "tests" / "data" / "review" / "seeds"


@pytest.fixture(scope="module")
def plan():
    """Seed 000: the 14th Five-Year S&T plan of 乌海 (chapters, sections, 专栏, a contents page)."""
    return parse_text((SEEDS / "000_c8b8e38b7f624e86.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def opinion():
    """Seed 001: an implementing opinion numbered 一、（一）1."""
    return parse_text((SEEDS / "001_c4809a931eea8ed6.txt").read_text(encoding="utf-8"))


def _clause(document, words):
    return next(c for c in document.clauses if words in c.text)


def test_it_places_box_9_in_its_chapter_and_section(plan):
    clause = _clause(plan, "重点支持内蒙古君正化工")
    assert clause.location.box == "专栏9 高新区提质升级重点任务"
    assert clause.location.section == "第三节 提升高新区建设运营水平"
    assert clause.location.chapter == "第三章 提质升级 创建国家高新区"
    assert clause.location.sentence == 3
    assert clause.location.line == 423


def test_it_recovers_chapter_headings_that_lost_their_number_from_the_contents(plan):
    chapters = [c.location.chapter for c in plan.clauses if c.heading and c.location.section is None
                and c.location.box is None]
    assert "第六章 共建共享 提升社会服务水平" in chapters
    assert "第十二章 狠抓落实 强化科技创新保障" in chapters
    numbered = [c for c in chapters if c]
    assert len(set(numbered)) == 12


def test_it_does_not_review_the_table_of_contents_as_clauses(plan):
    assert not any(c.text.endswith(" 18") and "提质升级" in c.text for c in plan.clauses)
    assert not any(c.location.line < 100 and c.text.startswith("第一节") for c in plan.clauses)


def test_it_finds_all_26_boxes_of_the_plan(plan):
    boxes = {c.location.box.split()[0] for c in plan.clauses if c.location.box}
    assert boxes == {f"专栏{n}" for n in range(1, 27)}


def test_it_closes_a_box_at_the_next_section(plan):
    after_box_8 = _clause(plan, "对标国家级高新区建设要求")
    assert after_box_8.location.box is None
    assert after_box_8.location.chapter == "第三章 提质升级 创建国家高新区"


def test_it_numbers_nested_items_of_an_opinion(opinion):
    clause = _clause(opinion, "对本年度认定的国家高新技术企业")
    assert clause.location.item == "二、（四）12."
    assert _clause(opinion, "实现“三个翻番”").location.item == "一、"
    assert _clause(opinion, "强化党对科技工作的统一领导").location.item == "三、"


def test_it_tells_items_apart_when_they_run_together_on_one_line():
    document = parse_text((SEEDS / "004_156efd065d96fdef.txt").read_text(encoding="utf-8"))
    clause = _clause(document, "3、产出高质量科技成果")
    assert clause.location.item.startswith("三、")
    assert clause.location.item.endswith("3.")


def test_it_splits_sentences_but_not_inside_quotes_or_titles():
    assert split_sentences("依据《条例。办法》执行。实施“双倍增”计划！其后") == [
        "依据《条例。办法》执行。", "实施“双倍增”计划！", "其后"]


def test_it_survives_an_unclosed_quote_in_a_long_paragraph():
    text = "推进“十四五规划实施。" + "加强科技创新。" * 20
    assert len(split_sentences(text)) > 10


def test_it_counts_lines_and_sentences():
    document = parse_text("第一章 总则\n\n一、总体要求。支持企业创新。\n（一）具体措施。")
    located = [(c.text, c.location.line, c.location.sentence, c.location.item) for c in document.clauses]
    assert located == [
        ("第一章 总则", 1, 1, None),
        ("一、总体要求。", 3, 1, "一、"),
        ("支持企业创新。", 3, 2, "一、"),
        ("（一）具体措施。", 4, 1, "一、（一）"),
    ]


def test_it_reads_list_items_with_their_lead_in():
    document = parse_text("对下列企业给予奖励：\n1.甲公司；\n2.乙公司。\n其他事项。")
    items = [c for c in document.clauses if c.location.item]
    assert [c.context for c in items[:2]] == ["对下列企业给予奖励："] * 2
    assert document.clauses[-1].context is None


def test_it_keeps_traditional_chinese_text_without_error():
    document = parse_text((SEEDS / "002_5870ac073aeaf197.txt").read_text(encoding="utf-8"))
    assert _clause(document, "重點任務").location.item == "（二）"


_PIECES = st.sampled_from(["第一章 总则", "专栏1 任务", "一、", "（一）", "1.", "①", "一是", "“", "”", "《", "》",
                           "（", "）", "。", "！", "：", "\n", "对", "有限公司", "本市", "给予", "10万元", "、", "等"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=40))
def test_it_never_fails_on_arbitrary_text(pieces):
    text = "".join(pieces)
    try:
        findings = review_text(text)
    except ReviewError as error:
        assert error.code == "empty"
        return
    for finding in findings:
        assert finding.clause and finding.article in {"第八条", "第九条", "第十条", "第十一条"}
