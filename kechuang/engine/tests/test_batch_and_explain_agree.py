"""On random panels, the batch pass, the explain pass and a plain-Python oracle agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.engine.assess import assess, explain, explain_index
from kechuang.engine.assess._arith import GRADES
from kechuang.engine.assess.hte import DATA_CONDITIONS
from kechuang.engine.codes import uscc_check_char
from kechuang.engine.exchange import exchange_from_rows
from kechuang.engine.tests.oracle import FIELDS, oracle

M = 1_000_000
fen = st.integers(0, 300 * M * 100)            # any amount, in fen
# Three-year patterns (yuan) that put figures exactly on the rules' edges: the 5,000万
# and 2亿 bands, growth of exactly 5/15/35 %, +5e-15, first- and second-year zeros …
SALES = ((50 * M,) * 3, (50 * M, 50 * M, 50 * M + 1), (200 * M,) * 3, (200 * M, 200 * M, 200 * M + 1),
         (5 * M, 4 * M, 6 * M), (10 * M, 10 * M, 11 * M), (40 * M, 54 * M, 72_900_000),
         (10 * M, 10 * M + 1, 10 * M), (0, 10 * M, 12 * M), (10 * M, 0, 20 * M), (25 * M, 30 * M, 36 * M),
         (600 * M, 600 * M, 600 * M), (0, 0, 0))
NET_ASSETS = ((-5 * M, 10 * M, 12 * M), (5 * M, -M, 10 * M), (20 * M, 25 * M, 31_250_000),
              (20 * M, 20 * M, 20 * M), (0, 0, 0))
EMPLOYEES = (3010, 10000, 50000, 50001, 0)     # hundredths: 30.10, 100, 500, 500.01, 0


def yuan(amount: int) -> Decimal:
    return Decimal(amount) / 100


def _uscc(i: int) -> str:
    body = f"91150105MA{i:07d}"
    return body + uscc_check_char(body)


def _pick(draw: st.DrawFn, patterns: tuple[Any, ...], anything: st.SearchStrategy[Any]) -> Any:
    """A pattern (three times in four) or anything."""
    return draw(st.sampled_from(patterns)) if draw(st.integers(0, 3)) else draw(anything)


@st.composite
def firm_rows(draw: st.DrawFn, index: int) -> list[dict[str, Any]]:
    entity = {
        "uscc": _uscc(index),
        "registered_on": draw(st.sampled_from([dt.date(2010, 1, 1), dt.date(2015, 6, 30), dt.date(2024, 6, 30),
                                               dt.date(2024, 7, 1), dt.date(2023, 3, 1), None])),
        "tech_field": draw(st.sampled_from([FIELDS[0], FIELDS[5], None])),
        "hte_certified_on": draw(st.sampled_from([None, dt.date(2022, 6, 30), dt.date(2022, 6, 29),
                                                  dt.date(2024, 12, 1)])),
        "tsme_registered_year": draw(st.sampled_from([None, 2025, 2024])),
        "listed": draw(st.sampled_from([False, None, True])),
    }
    years = draw(st.sampled_from([(2022, 2023, 2024)] * 4 + [(2023, 2024), (2024,), (2022, 2024)]))
    sales = [100 * v for v in _pick(draw, SALES, st.tuples(st.integers(0, 300 * M), st.integers(0, 300 * M),
                                                               st.integers(0, 300 * M)))]
    net = [100 * v for v in _pick(draw, NET_ASSETS, st.tuples(*[st.integers(-5 * M, 300 * M)] * 3))]
    # R&D exactly at a share of sales (or one fen below): the latest sales band's threshold,
    # the next band's, or another share
    band = 5 if sales[2] <= 50 * M * 100 else 4 if sales[2] <= 200 * M * 100 else 3
    rd_percent = draw(st.sampled_from([band, band - 1, band - 1, 30, None]))
    rd_minus = draw(st.sampled_from([0, 1]))
    staff_percent = draw(st.sampled_from([10, 15, 20, 25, 30, None]))
    blanks = draw(st.sampled_from([False, False, False, True]))
    rows = []
    for year in years:
        def blank(value: Any) -> Any:
            return None if blanks and draw(st.integers(0, 4)) == 0 else value

        j = year - 2022
        emp = _pick(draw, EMPLOYEES, st.integers(0, 3000).map(lambda n: 20 * n))
        tech = emp * staff_percent // 100 if staff_percent else draw(st.integers(0, emp))
        rd = max(sales[j] * rd_percent // 100 - rd_minus, 0) if rd_percent else draw(fen)
        total_income = draw(st.sampled_from([sales[j] + 100_000, 10 * M * 100]))
        hti = draw(st.sampled_from([total_income * 3 // 5, -(-total_income * 3 // 5), 0, total_income]))
        dom = draw(st.sampled_from([rd, rd * 3 // 5, -(-rd * 3 // 5), 0]))
        cost = draw(st.sampled_from([rd * 10, rd * 4, rd * 100 // 15, 40 * M * 100]))
        rows.append({
            **entity, "year": year,
            "employees": blank(Decimal(emp) / 100), "tech_staff": blank(Decimal(tech) / 100),
            "sales_revenue": blank(yuan(sales[j])), "total_income": blank(yuan(total_income)),
            "non_taxable_income": blank(draw(st.sampled_from([0, 0, 1000]))),
            "high_tech_income": blank(yuan(hti)), "rd_expense": blank(yuan(rd)),
            "rd_expense_domestic": blank(yuan(dom)), "total_cost_expense": blank(yuan(cost)),
            "net_assets": blank(yuan(net[j])),
            "total_assets": blank(yuan(draw(st.sampled_from([200 * M * 100, 200 * M * 100 + 1, 60 * M * 100])))),
            "ip_class1": blank(draw(st.integers(0, 2))), "ip_class2": blank(draw(st.integers(0, 6))),
            "conversions": blank(draw(st.integers(0, 6))),
            "has_rd_institution": blank(draw(st.booleans())),
            "rd_institution_level": draw(st.sampled_from([None, "自治区级", "市级"])),
            "is_above_scale": blank(draw(st.booleans())), "is_industrial": blank(draw(st.booleans())),
            "major_incident": blank(draw(st.integers(0, 5)) == 0)})
    if draw(st.integers(0, 9)) == 0:
        rows.append({**entity, "year": 2025, "major_incident": True})
    return rows


@st.composite
def panels(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    return [draw(firm_rows(i)) for i in range(draw(st.integers(1, 6)))]


def _compare(record: dict[str, Any], result: Any, i: int, want: dict[str, Any]) -> None:
    got = {name: record["hte"]["conditions"][name]["passed"] for name in DATA_CONDITIONS}
    assert got == {name: want[name] for name in DATA_CONDITIONS}
    h = result.hte
    for key, grade, known in (("growth_net_assets", h.growth_grade_net_assets, h.growth_known_net_assets),
                              ("growth_sales", h.growth_grade_sales, h.growth_known_sales)):
        assert (GRADES[int(grade[i])] if known[i] else None) == want[key], key
    assert record["tsme"]["score"] == want["tsme_score"]
    assert record["tsme"]["eligible"] == want["tsme_eligible"]
    assert record["tsme"]["direct"] == want["tsme_direct"]
    assert record["three_zeros"] == want["three_zeros"]
    assert record["stage"] == want["stage"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels())
def test_it_gives_the_same_answers_in_batch_explain_and_the_oracle(firms: list[list[dict[str, Any]]]) -> None:
    table = exchange_from_rows([row for rows in firms for row in rows])
    result = assess(table, 2025)
    assert len(result) == len(firms)
    for rows in firms:
        uscc = rows[0]["uscc"]
        i = result.index_of(uscc)
        record = result.record(i)
        # explain runs the same rules on this entity's rows alone
        assert explain(table, uscc, 2025).result == record
        assert explain_index(result, i).result == record
        _compare(record, result, i, oracle(rows))


def test_it_gives_the_same_record_whatever_the_row_order() -> None:
    rows = [{"uscc": _uscc(k), "year": y, "registered_on": dt.date(2015, 1, 1), "sales_revenue": 1000 * (k + y),
             "rd_expense": 60 * (k + y), "rd_expense_domestic": 60 * (k + y)}
            for k in range(4) for y in (2022, 2023, 2024)]
    forward = assess(exchange_from_rows(rows), 2025)
    backward = assess(exchange_from_rows(rows[::-1]), 2025)
    for k in range(4):
        u = _uscc(k)
        assert forward.record(forward.index_of(u)) == backward.record(backward.index_of(u))
