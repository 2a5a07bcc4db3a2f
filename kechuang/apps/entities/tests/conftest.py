"""The registry the stored-assessment tests share."""

from __future__ import annotations

import datetime

import pytest

from kechuang.apps.entities import actions
from kechuang.apps.entities.demo import demo_rows
from kechuang.engine.exchange import exchange_from_rows

M = 1_000_000
FACTS = {"employees": "100", "tech_staff": "30", "sales_revenue": str(40 * M), "total_income": str(41 * M),
         "high_tech_income": str(32 * M), "rd_expense": str(3 * M), "rd_expense_domestic": str(3 * M),
         "total_cost_expense": str(38 * M), "net_assets": str(20 * M), "total_assets": str(60 * M),
         "ip_class1": 1, "ip_class2": 5, "conversions": 3, "major_incident": False}


@pytest.fixture
def registry(people):
    """80 demo entities over Wuhai's and Hohhot's counties, plus the personas' two entities
    with three years of facts."""
    divisions = {"1503": ["150302", "150303", "150300Z01"], "1501": ["150102"]}   # the test slice's units
    rows = demo_rows(80)
    for row in rows:
        places = divisions[row["division_code"][:4]]
        row["division_code"] = places[int(row["uscc"][-3:], 36) % len(places)]
        for key, value in row.items():
            if isinstance(value, float):
                row[key] = f"{value:.2f}"
    actions.do_import_exchange(exchange_from_rows(rows, source="demo"), acting_user=None)
    for entity in people.entities.values():
        actions.do_update_entity(entity, acting_user=None, registered_on=datetime.date(2015, 3, 1),
                                 tech_field="电子信息")
        for year in (2022, 2023, 2024):
            actions.do_save_facts(entity, year, acting_user=None, **FACTS)
    return people
