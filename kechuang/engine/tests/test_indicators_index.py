"""Target decomposition, the composite innovation index, and the benchmark."""

from __future__ import annotations

import math

import pytest

from kechuang.engine.indicators import (
    IndexComponent,
    IndexSpec,
    bench_plans,
    check_decomposition,
    composite_index,
    explain_index_change,
    split_target,
)

# --- decomposition -------------------------------------------------------------------------


def test_it_accepts_parts_that_add_up_to_at_least_the_whole():
    assert check_decomposition(100, [40, 35, 25])["consistent"] is True
    over = check_decomposition(100, [40, 35, 30])
    assert over["consistent"] is True and over["gap"] == -5 and "留有余量5" in over["explanation"]["text"]


def test_it_names_the_gap_when_parts_fall_short():
    short = check_decomposition(100, [40, 35, 20])
    assert short["consistent"] is False and short["gap"] == 5
    assert short["explanation"]["text"] == "各单位分解目标合计95,少于总目标100,缺口5。"


def test_it_turns_the_check_around_for_a_lower_is_better_indicator():
    assert check_decomposition(10, [4, 5], direction="lower")["consistent"] is True
    assert check_decomposition(10, [6, 5], direction="lower")["consistent"] is False


def test_it_recombines_a_ratio_from_numerators_and_denominators():
    # R&D intensity 1.03 %: two counties' R&D spending and GDP
    result = check_decomposition(1.03, [(0.6, 50), (0.5, 60)], aggregation="ratio", scale=100)
    assert result["total"] == pytest.approx(100 * 1.1 / 110) and result["consistent"] is False
    assert check_decomposition(1.0, [(0.6, 50), (0.5, 60)], aggregation="ratio", scale=100)["consistent"] is True


def test_it_weights_a_mean_and_refuses_to_add_what_cannot_be_added():
    assert check_decomposition(12, [10, 14], aggregation="mean", weights=[1, 3])["total"] == pytest.approx(13)
    assert check_decomposition(12, [10, 14], aggregation="none")["consistent"] is None


def test_it_splits_a_target_in_whole_numbers_that_add_up():
    parts = split_target(100, {"海勃湾区": 13, "海南区": 7, "乌达区": 5}, integer=True)
    assert sum(parts.values()) == 100 and parts == {"海勃湾区": 52, "海南区": 28, "乌达区": 20}
    odd = split_target(10, {"a": 1, "b": 1, "c": 1}, integer=True)
    assert sum(odd.values()) == 10 and sorted(odd.values()) == [3, 3, 4]
    assert split_target(9, {"a": 2, "b": 1}) == {"a": 6.0, "b": 3.0}


# --- the composite index -------------------------------------------------------------------

ROWS = [
    # unit, indicator, year, value
    ("海勃湾区", "rd", 2022, 1.0), ("海南区", "rd", 2022, 2.0), ("乌达区", "rd", 2022, 3.0),
    ("海勃湾区", "rd", 2023, 2.5), ("海南区", "rd", 2023, 2.0), ("乌达区", "rd", 2023, 3.0),
    ("海勃湾区", "hte", 2022, 10), ("海南区", "hte", 2022, 30), ("乌达区", "hte", 2022, 20),
    ("海勃湾区", "hte", 2023, 30), ("海南区", "hte", 2023, 20), ("乌达区", "hte", 2023, 10),
    ("海勃湾区", "waste", 2022, 5), ("海南区", "waste", 2022, 1), ("乌达区", "waste", 2022, 3),
    ("海勃湾区", "waste", 2023, 3), ("海南区", "waste", 2023, 1), ("乌达区", "waste", 2023, 5),
]
SPEC = IndexSpec((IndexComponent("rd", name="研发强度"), IndexComponent("hte", name="高企数"),
                  IndexComponent("waste", direction="lower", name="能耗")))


def test_it_normalises_over_every_unit_and_year_of_the_window():
    result = composite_index(ROWS, SPEC)
    # rd: min 1, max 3 over both years; 海勃湾区 2023: (2.5 − 1) / 2 = 0.75
    assert result.normalised[result.units.index("海勃湾区"), 0, 1] == pytest.approx(0.75)
    # waste is lower-is-better: 1 (best) → 1.0, 5 (worst) → 0.0
    assert result.normalised[result.units.index("海南区"), 2, 0] == pytest.approx(1.0)
    assert result.score("海勃湾区", 2023) == pytest.approx(100 * (0.75 + 1.0 + 0.5) / 3)


def test_it_ranks_units_each_year():
    result = composite_index(ROWS, SPEC)
    ranks_2023 = {u: result.rank(u, 2023) for u in result.units}
    assert sorted(ranks_2023.values()) == [1, 2, 3] and ranks_2023["海勃湾区"] == 1


def test_it_explains_why_a_unit_moved_between_two_years():
    result = composite_index(ROWS, SPEC)
    change = explain_index_change(result, "海勃湾区", 2022, 2023)
    assert change["rank_from"] == 3 and change["rank_to"] == 1
    parts = sum(i["change"] for i in change["indicators"])
    assert parts == pytest.approx(change["score_change"])  # contributions add up to the change
    assert change["indicators"][0]["indicator"] == "hte"  # the biggest mover first
    assert set(change["passed"]) == {"海南区", "乌达区"}
    assert "排名由第3位升至第1位" in change["explanation"]["text"] and "拉动:高企数" in change["explanation"]["text"]


def test_it_weights_indicators_and_gives_no_score_below_the_coverage():
    weighted = composite_index(ROWS, IndexSpec((IndexComponent("rd", weight=3), IndexComponent("hte", weight=1))))
    assert weighted.score("乌达区", 2022) == pytest.approx(100 * (3 * 1.0 + 1 * 0.5) / 4)
    sparse = composite_index(ROWS + [("新区", "rd", 2023, 2.0)], SPEC)
    assert sparse.score("新区", 2023) is None and sparse.rank("新区", 2023) is None


def test_it_leaves_outliers_out_of_the_minimum_and_maximum():
    rows = [(f"u{i}", "x", 2023, float(v)) for i, v in enumerate([1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 100])]
    capped = composite_index(rows, IndexSpec((IndexComponent("x"),), outlier_k=2.0))
    assert capped.bounds[0]["max"] == 6 and capped.score("u11", 2023) == 100
    plain = composite_index(rows, IndexSpec((IndexComponent("x"),), outlier_k=None))
    assert plain.bounds[0]["max"] == 100


def test_it_offers_the_chinese_standard_value_method_and_geometric_aggregation():
    spec = IndexSpec((IndexComponent("rd", standard=2.5), IndexComponent("hte", standard=40)), method="standard")
    result = composite_index(ROWS, spec)
    assert result.score("乌达区", 2022) == pytest.approx(100 * (min(1, 3 / 2.5) + 20 / 40) / 2)
    geometric = composite_index(ROWS, IndexSpec(SPEC.components, aggregation="geometric"))
    assert geometric.score("海南区", 2023) < composite_index(ROWS, SPEC).score("海南区", 2023)


def test_it_needs_goalposts_for_the_goalposts_method():
    with pytest.raises(ValueError):
        composite_index(ROWS, IndexSpec((IndexComponent("rd"),), method="goalposts"))
    posts = composite_index(ROWS, IndexSpec((IndexComponent("rd", goalposts=(0, 4)),), method="goalposts"))
    assert posts.score("乌达区", 2023) == pytest.approx(75)


def test_it_exports_the_index_as_plain_data():
    data = composite_index(ROWS, SPEC).as_dict()
    assert data["method"] == "minmax" and len(data["scores"]) == 6
    assert all(not (isinstance(s["score"], float) and math.isnan(s["score"])) for s in data["scores"])


# --- the benchmark -------------------------------------------------------------------------


def test_it_times_the_evaluation_of_many_plans():
    timings = bench_plans(n_plans=3, n_indicators=8, n_years=6, n_units=5)
    assert timings["sizes"]["evaluated_rows"] == 3 * 8 * 5
    assert timings["sizes"]["explained_indicators"] == 8
    assert set(timings["seconds"]) >= {"evaluate_many", "rollup", "composite_index", "total_evaluation"}
