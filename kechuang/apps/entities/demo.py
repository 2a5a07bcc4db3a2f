"""Demo entities: a few thousand fictitious enterprises over Wuhai's and Hohhot's counties.

Every name carries "示例" (example) so nobody mistakes them for real firms. The figures
are drawn from a seeded generator with skewed (log-normal) sizes, so that pools, stages
and pages have realistic spreads; they describe no real enterprise.
"""

from __future__ import annotations

import datetime

import numpy as np

from kechuang.engine.codes import uscc_check_char
from kechuang.engine.exchange import TECH_FIELDS, exchange_from_rows

COUNTIES = ["150302", "150303", "150304", "150300Z01",
            "150102", "150103", "150104", "150105", "150121", "150122", "150100Z01"]
CITY_NAME = {"1503": "乌海", "1501": "呼和浩特"}
WORDS = ["瀚海", "青城", "北辰", "金桥", "云帆", "鸿远", "恒通", "启明", "蓝天", "沃土", "昆仑", "星河",
         "泰和", "华兴", "中诚", "长风", "博远", "新程", "天骄", "草原"]
TRADES = [("C2651", "化工材料"), ("C3311", "装备制造"), ("I6513", "软件"), ("C2710", "生物医药"),
          ("M7320", "检测技术"), ("C3841", "新能源"), ("D4415", "能源"), ("C3130", "冶金新材料")]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 characters


def _uscc(rng, division: str) -> str:
    body = "91" + division[:6] + "".join(rng.choice(list(ALPHABET), 9))
    return body + uscc_check_char(body)


def demo_rows(n: int = 3000, years=(2022, 2023, 2024), seed: int = 2025) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        division = COUNTIES[int(rng.integers(len(COUNTIES)))]
        city = CITY_NAME[division[:4]]
        code, trade = TRADES[int(rng.integers(len(TRADES)))]
        name = f"{city}示例{WORDS[i % len(WORDS)]}{trade}有限公司{i:04d}号"
        uscc = _uscc(rng, division[:6])
        registered = datetime.date(2005, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 7000)))
        field = TECH_FIELDS[int(rng.integers(len(TECH_FIELDS)))] if rng.random() < 0.7 else None
        employees = float(np.round(np.exp(rng.normal(3.6, 1.0)), 2)) + 3
        tech_share = float(rng.beta(2, 8))
        revenue = float(np.exp(rng.normal(16.5, 1.3)))  # around 15 million yuan
        rd_share = float(rng.beta(1.5, 30))
        growth = float(rng.normal(1.08, 0.15))
        industrial = code.startswith(("C", "D"))
        hte_on = (datetime.date(2021 + int(rng.integers(0, 4)), 11, 20) if rng.random() < 0.18 else None)
        tsme_year = int(years[-1]) if rng.random() < 0.3 else None
        for k, year in enumerate(years):
            scale = growth ** k
            sales = round(revenue * scale, 2)
            rd = round(sales * rd_share, 2)
            total_income = round(sales * float(rng.uniform(1.0, 1.08)), 2)
            rows.append({
                "uscc": uscc, "name": name, "division_code": division, "registered_on": registered,
                "industry_code": code, "tech_field": field, "year": year,
                "employees": round(employees, 2), "tech_staff": round(employees * tech_share, 2),
                "sales_revenue": sales, "total_income": total_income, "non_taxable_income": 0,
                "high_tech_income": round(total_income * float(rng.beta(5, 3)), 2) if field else 0,
                "rd_expense": rd, "rd_expense_domestic": round(rd * float(rng.uniform(0.7, 1.0)), 2),
                "total_cost_expense": round(sales * float(rng.uniform(0.7, 0.98)), 2),
                "net_assets": round(sales * float(rng.normal(0.4, 0.3)), 2),
                "total_assets": round(sales * float(rng.uniform(0.8, 2.0)), 2),
                "ip_class1": int(rng.poisson(0.6)), "ip_class2": int(rng.poisson(3)),
                "conversions": int(rng.poisson(1.5)),
                "has_rd_institution": bool(rng.random() < 0.35), "is_above_scale": bool(sales > 20_000_000),
                "is_industrial": industrial, "major_incident": bool(rng.random() < 0.01),
                "hte_certified_on": hte_on, "tsme_registered_year": tsme_year, "listed": False,
            })
    return rows


def demo_table(n: int = 3000):
    """The demo rows validated as an exchange table (what an import of them would give)."""
    rows = demo_rows(n)
    for row in rows:  # money and staff as exact decimals of two places, as a file has them
        for key, value in row.items():
            if isinstance(value, float):
                row[key] = f"{value:.2f}"
    return exchange_from_rows(rows, source="demo")


DEMO_ASSESSMENT_YEARS = (2024, 2025)


def run_demo_assessments(years=DEMO_ASSESSMENT_YEARS, verbose: bool = True) -> list:
    """Store an assessment run over the whole region for each demo application year, so
    the results, pool and ladder pages have data on first start (two years: transitions).
    The demo facts cover fiscal 2022–2024: 2025 is assessed on all three years, 2024 on
    two (entities registered before 2021 lack 2021's row, so some conditions stay
    undecided, as they would in a real registry)."""
    from kechuang.apps.accounts.models import OrgUnit

    from .actions import do_run_assessment

    region = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    runs = [do_run_assessment(year=year, unit=region, acting_user=None) for year in years]
    if verbose:
        for run in runs:
            print(f"assessment {run.year}: {run.entity_count} entities, {run.counts.get('candidates', 0)} "
                  f"high-tech candidates ({run.seconds:.1f} s)")
    return runs
