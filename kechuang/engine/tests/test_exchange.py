"""Reading and validating the exchange table: every format, and every error code."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from kechuang.engine.codes import uscc_check_char
from kechuang.engine.exchange import (
    COLUMN_BY_KEY,
    COLUMNS,
    MESSAGES,
    ExchangeRejected,
    exchange_from_frame,
    exchange_from_rows,
    read_exchange,
)


def uscc(i: int) -> str:
    body = f"91150105MA{i:07d}"
    return body + uscc_check_char(body)


A, B = uscc(1), uscc(2)
ENTITY = {"uscc": A, "name": "示例科技有限公司", "division_code": "150105", "registered_on": "2015-03-01",
          "industry_code": "I6513", "tech_field": "电子信息"}
ROWS = [
    {**ENTITY, "year": 2023, "employees": "30.10", "tech_staff": "3.01", "sales_revenue": "1,234.50",
     "total_income": "2000", "non_taxable_income": "", "high_tech_income": "1200", "rd_expense": "100",
     "rd_expense_domestic": "60", "net_assets": "-5.5", "ip_class1": "1", "major_incident": "否",
     "is_above_scale": "是", "listed": "false"},
    {**ENTITY, "year": 2024, "employees": "31", "tech_staff": "4", "sales_revenue": "0.1",
     "total_income": "0.3", "non_taxable_income": "0.2", "high_tech_income": "0.1", "rd_expense": "",
     "rd_expense_domestic": "", "net_assets": "0", "ip_class1": "2", "major_incident": "1",
     "is_above_scale": "TRUE", "listed": "false"},
]


def chinese(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{COLUMN_BY_KEY[k].header: v for k, v in r.items()} for r in rows]


def errors(rows: list[dict[str, Any]], **kwargs: Any) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ExchangeRejected) as caught:
        exchange_from_rows(rows, **kwargs)
    return [(e.row, e.column, e.code) for e in caught.value.errors]


# --------------------------------------------------------------------------- reading
def test_it_keeps_money_exact_in_fen_and_staff_in_hundredths() -> None:
    data = exchange_from_rows(ROWS).data
    assert data["sales_revenue"].to_list() == [123450, 10]
    assert data["employees"].to_list() == [3010, 3100] and data["tech_staff"].to_list() == [301, 400]
    assert data["net_assets"].to_list() == [-550, 0]                 # net assets may be negative
    assert data["total_income"].dtype == pl.Int64


def test_it_reads_blank_as_unknown_except_non_taxable_income_which_is_zero() -> None:
    data = exchange_from_rows(ROWS).data
    assert data["rd_expense"].to_list() == [10000, None]
    assert data["non_taxable_income"].to_list() == [0, 20]
    assert data["has_rd_institution"].to_list() == [None, None]      # column absent: unknown


def test_it_reads_booleans_written_as_是否_true_false_and_1_0() -> None:
    data = exchange_from_rows(ROWS).data
    assert data["major_incident"].to_list() == [False, True]
    assert data["is_above_scale"].to_list() == [True, True]


def test_it_accepts_chinese_headers_and_english_keys_alike() -> None:
    assert exchange_from_rows(chinese(ROWS)).data.equals(exchange_from_rows(ROWS).data)


def _write_xlsx(path: Path, sheets: dict[str, list[dict[str, Any]]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        header = list(dict.fromkeys(k for r in rows for k in r))
        sheet.append(header)
        for r in rows:
            sheet.append([_xlsx_value(r.get(k)) for k in header])
    book.save(path)


def _xlsx_value(v: Any) -> Any:
    if isinstance(v, str) and v.replace(".", "", 1).replace("-", "", 1).isdigit() and "," not in v:
        return float(v) if "." in v else int(v)                      # numbers typed as numbers
    if isinstance(v, str) and len(v) == 10 and v[4] == "-":
        return dt.date.fromisoformat(v)                              # dates typed as dates
    return v or None


def test_it_reads_a_one_sheet_workbook(tmp_path: Path) -> None:
    path = tmp_path / "facts.xlsx"
    _write_xlsx(path, {"数据": chinese(ROWS)})
    assert read_exchange(path).data.equals(exchange_from_rows(ROWS).data)


def test_it_joins_the_two_sheet_workbook_on_the_credit_code(tmp_path: Path) -> None:
    path = tmp_path / "facts.xlsx"
    entity_keys = set(ENTITY) | {"listed"}
    entity_sheet = [{k: v for k, v in ROWS[0].items() if k in entity_keys}]
    yearly_sheet = [{k: v for k, v in r.items() if k not in entity_keys or k == "uscc"} for r in ROWS]
    _write_xlsx(path, {"说明": [{"说明": "见填表说明"}], "单位信息": chinese(entity_sheet),
                       "年度数据": chinese(yearly_sheet)})
    assert read_exchange(path).data.equals(exchange_from_rows(ROWS).data)


def test_it_reads_csv_in_utf8_and_in_gb18030_as_excel_saves_it(tmp_path: Path) -> None:
    frame = pl.DataFrame(chinese(ROWS))
    for encoding in ("utf-8", "gb18030"):
        path = tmp_path / f"facts-{encoding}.csv"
        path.write_bytes(frame.write_csv().encode(encoding))
        assert read_exchange(path).data.equals(exchange_from_rows(ROWS).data)


def test_it_reads_json_rows_and_json_sheets(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(ROWS, ensure_ascii=False), encoding="utf-8")
    assert read_exchange(path).data.equals(exchange_from_rows(ROWS).data)
    entity_keys = set(ENTITY) | {"listed"}
    path.write_text(json.dumps({
        "entities": [{k: v for k, v in ROWS[0].items() if k in entity_keys}],
        "years": [{k: v for k, v in r.items() if k not in entity_keys or k == "uscc"} for r in ROWS],
    }, ensure_ascii=False), encoding="utf-8")
    assert read_exchange(path).data.equals(exchange_from_rows(ROWS).data)


def test_it_reads_json_numbers_exactly(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(f'[{{"uscc": "{A}", "year": 2024, "sales_revenue": 0.1, "total_income": 1e2}}]')
    with pytest.raises(ExchangeRejected) as caught:   # 1e2 is not how money is written
        read_exchange(path)
    assert [e.code for e in caught.value.errors] == ["not_a_number"]
    path.write_text(f'[{{"uscc": "{A}", "year": 2024, "sales_revenue": 0.1, "total_income": 100}}]')
    assert read_exchange(path).data["sales_revenue"].to_list() == [10]


def test_it_reads_typed_parquet_with_whole_yuan_and_float_staff_counts(tmp_path: Path) -> None:
    frame = pl.DataFrame({"uscc": [A, A], "year": [2023, 2024], "sales_revenue": [123, 0],
                          "employees": [30.1, 31.0], "tech_staff": [3.01, 4.0],
                          "registered_on": [dt.date(2015, 3, 1)] * 2, "major_incident": [False, True]})
    path = tmp_path / "facts.parquet"
    frame.write_parquet(path)
    data = read_exchange(path).data
    assert data["sales_revenue"].to_list() == [12300, 0]
    assert data["employees"].to_list() == [3010, 3100] and data["tech_staff"].to_list() == [301, 400]
    assert data["major_incident"].to_list() == [False, True]


def test_it_refuses_floats_that_are_not_exact_to_the_fen() -> None:
    frame = pl.DataFrame({"uscc": [A], "year": [2024], "sales_revenue": [0.125]})
    with pytest.raises(ExchangeRejected) as caught:
        exchange_from_frame(frame)
    assert [(e.row, e.code) for e in caught.value.errors] == [(2, "too_many_decimals")]


def test_it_keeps_the_canonical_columns_in_the_documented_order() -> None:
    assert exchange_from_rows(ROWS).data.columns == [c.key for c in COLUMNS]


# --------------------------------------------------------------------------- error codes
def row(**cells: Any) -> dict[str, Any]:
    return {**ENTITY, "year": 2024, **cells}


@pytest.mark.parametrize(("rows", "expected"), [
    ([row(uscc="")], [(2, "统一社会信用代码", "required")]),
    ([row(year="")], [(2, "会计年度", "required")]),
    ([row(uscc="91350200776049653")], [(2, "统一社会信用代码", "uscc_format")]),
    ([row(uscc="9135020077604965IA")], [(2, "统一社会信用代码", "uscc_format")]),
    ([row(uscc="91350200776049653B")], [(2, "统一社会信用代码", "uscc_check")]),
    ([row(division_code="15010")], [(2, "行政区划代码", "division_unknown")]),
    ([row(industry_code="C9999")], [(2, "国民经济行业代码", "industry_invalid")]),
    ([row(industry_code="X1234")], [(2, "国民经济行业代码", "industry_invalid")]),
    ([row(tech_field="软件")], [(2, "技术领域", "choice_invalid")]),
    ([row(ip_acquisition="买来的")], [(2, "知识产权获得方式", "choice_invalid")]),
    ([row(registered_on="2023-02-30")], [(2, "成立日期", "date_invalid")]),
    ([row(registered_on="2023/02/01")], [(2, "成立日期", "date_invalid")]),
    ([row(year="24")], [(2, "会计年度", "year_invalid")]),
    ([row(sales_revenue="abc")], [(2, "销售收入", "not_a_number")]),
    ([row(sales_revenue="1.234")], [(2, "销售收入", "too_many_decimals")]),
    ([row(sales_revenue="-1")], [(2, "销售收入", "negative")]),
    ([row(employees="-1")], [(2, "职工总数", "negative")]),
    ([row(sales_revenue="99999999999999999")], [(2, "销售收入", "too_large")]),
    ([row(ip_class1="1.5")], [(2, "Ⅰ类知识产权数", "not_an_integer")]),
    ([row(mgmt_rd_system="7")], [(2, "研发组织管理制度得分", "too_large")]),
    ([row(listed="maybe")], [(2, "是否上市", "bool_invalid")]),
    ([row(employees="10", tech_staff="10.01")], [(2, "科技人员数", "tech_staff_exceeds_employees")]),
    ([row(rd_expense="100", rd_expense_domestic="100.01")],
     [(2, "其中：境内研究开发费用", "domestic_exceeds_rd")]),
    ([row(total_income="100", high_tech_income="101")],
     [(2, "高新技术产品（服务）收入", "high_tech_exceeds_income")]),
    ([row(), row(sales_revenue="1")], [(3, "会计年度", "duplicate_row")]),
    ([row(), row(year=2023, name="另一个名称")], [(3, "单位名称", "entity_mismatch")]),
    ([row(), row(uscc=B), row(year=2023, registered_on="2016-01-01")], [(4, "成立日期", "entity_mismatch")]),
])
def test_it_reports_each_problem_with_row_column_and_code(rows: list[dict[str, Any]],
                                                          expected: list[tuple[int, str, str]]) -> None:
    assert errors(rows) == expected


def test_it_checks_the_division_code_against_the_units_given() -> None:
    assert errors([row(division_code="150199")], division_codes={"150105"}) == [
        (2, "行政区划代码", "division_unknown")]
    assert exchange_from_rows([row(division_code="150100Z01")]).data["division_code"].to_list() == ["150100Z01"]


def test_it_reports_a_missing_year_column_on_the_header_row() -> None:
    assert errors([{"uscc": A, "sales_revenue": 1}]) == [(1, "会计年度", "missing_column")]


def test_it_reports_a_column_given_twice() -> None:
    assert errors([{"uscc": A, "year": 2024, "sales_revenue": 1, "销售收入": 1}]) == [
        (1, "销售收入", "duplicate_column")]


def test_it_refuses_a_file_without_a_credit_code_column() -> None:
    assert errors([{"name": "x", "year": 2024}]) == [(None, "", "no_data")]


def test_it_refuses_a_workbook_with_two_yearly_sheets(tmp_path: Path) -> None:
    path = tmp_path / "facts.xlsx"
    _write_xlsx(path, {"一": [{"uscc": A, "year": 2023}], "二": [{"uscc": A, "year": 2024}]})
    with pytest.raises(ExchangeRejected) as caught:
        read_exchange(path)
    assert [e.code for e in caught.value.errors] == ["sheet_layout"]


def test_it_refuses_a_file_it_cannot_read(tmp_path: Path) -> None:
    for name, content in (("facts.xlsx", b"not a workbook"), ("facts.doc", b"")):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ExchangeRejected) as caught:
            read_exchange(path)
        assert [e.code for e in caught.value.errors] == ["unreadable"]


def test_it_names_the_entity_sheet_problems_on_their_sheet(tmp_path: Path) -> None:
    path = tmp_path / "facts.xlsx"
    _write_xlsx(path, {"单位信息": [{"uscc": A, "name": "甲"}, {"uscc": A, "name": "乙"}],
                       "年度数据": [{"uscc": A, "year": 2024, "name": "丙"}, {"uscc": B, "year": 2024}]})
    with pytest.raises(ExchangeRejected) as caught:
        read_exchange(path)
    got = sorted((e.sheet, e.row, e.code) for e in caught.value.errors)
    assert got == [("单位信息", 3, "duplicate_entity"), ("年度数据", 2, "entity_sheet_mismatch"),
                   ("年度数据", 3, "unknown_entity")]
    mismatch = next(e for e in caught.value.errors if e.code == "entity_sheet_mismatch")
    assert mismatch.message == "与单位信息表“单位信息”第 2 行的值“甲”不一致"


def test_it_lists_every_error_up_to_the_limit_then_counts_the_rest() -> None:
    rows = [row(year=2000 + k, sales_revenue="x") for k in range(5)]
    with pytest.raises(ExchangeRejected) as caught:
        exchange_from_rows(rows, max_errors=2)
    assert [e.code for e in caught.value.errors] == ["not_a_number", "not_a_number", "more_errors"]
    assert caught.value.errors[-1].message == "另有 3 处错误未列出"


def test_it_explains_each_error_in_chinese_and_in_english() -> None:
    with pytest.raises(ExchangeRejected) as caught:
        exchange_from_rows([row(tech_staff="12", employees="10")])
    error = caught.value.errors[0].as_dict()
    assert error == {"sheet": "rows", "row": 2, "column": "科技人员数", "code": "tech_staff_exceeds_employees",
                     "message": "科技人员数 12 大于职工总数 10", "message_en": "tech staff 12 exceed employees 10"}
    assert all(zh and en for zh, en in MESSAGES.values())


def test_it_accepts_decimal_and_date_values_from_the_registry() -> None:
    data = exchange_from_rows([row(sales_revenue=Decimal("12.30"), registered_on=dt.date(2015, 3, 1),
                                   employees=Decimal("30.1"))]).data
    assert data["sales_revenue"].to_list() == [1230] and data["employees"].to_list() == [3010]


def test_it_has_a_bad_case_here_for_every_error_code() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert [code for code in MESSAGES if f'"{code}"' not in source] == []
