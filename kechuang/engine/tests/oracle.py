"""A plain-Python oracle: the rules for one entity, with exact fractions and no NumPy,
written from the rule texts (rules.md §1, §2) and the default readings. Used to check
the batch engine on random data; deliberately naive and slow.

``None`` stands for "unknown" (a blank cell, or no row for a year the entity existed).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F
from typing import Any

FIELDS = ("电子信息", "生物与新医药", "航空航天", "新材料", "高技术服务", "新能源与节能", "资源与环境", "先进制造与自动化")
BOOL_KEYS = {"has_rd_institution", "is_above_scale", "is_industrial", "major_incident"}


def _and(*values: bool | None) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(*values: bool | None) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def oracle(rows: list[dict[str, Any]], year: int = 2025, on: dt.date | None = None) -> dict[str, Any]:
    on = on or dt.date(year, 6, 30)
    entity = rows[0]
    by_year = {r["year"]: r for r in rows}
    fiscal = (year - 3, year - 2, year - 1)
    reg = entity.get("registered_on")

    def cell(y: int, key: str) -> Any:
        row = by_year.get(y)
        if row is None:
            if reg is not None and reg > dt.date(y, 12, 31):       # before registration: zero
                return False if key in BOOL_KEYS else (None if key == "rd_institution_level" else F(0))
            return None
        value = row.get(key)
        if value is None:
            return F(0) if key == "non_taxable_income" else None
        return value if isinstance(value, (bool, str)) else F(value)

    def three(key: str) -> list[Any]:
        return [cell(y, key) for y in fiscal]

    def latest(key: str) -> Any:
        return cell(fiscal[2], key)

    def ratio_at_least(num: Any, den: Any, threshold: F) -> bool | None:
        if num is None or den is None:
            return None
        return den > 0 and num / den >= threshold

    out: dict[str, Any] = {}
    out["registered_one_year"] = None if reg is None else (on - reg).days >= 365
    ip1, ip2 = latest("ip_class1"), latest("ip_class2")
    out["owns_core_ip"] = None if ip1 is None or ip2 is None else ip1 + ip2 > 0
    out["in_supported_field"] = entity.get("tech_field") in FIELDS
    emp, tech = latest("employees"), latest("tech_staff")
    out["tech_staff_ratio"] = ratio_at_least(tech, emp, F(1, 10))
    rd, sales, dom = three("rd_expense"), three("sales_revenue"), three("rd_expense_domestic")
    rd3 = None if None in rd else sum(rd)
    sales3 = None if None in sales else sum(sales)
    dom3 = None if None in dom else sum(dom)
    s = sales[2] if sales[2] is not None else F(0)
    pct = F(5, 100) if s <= 50_000_000 else F(4, 100) if s <= 200_000_000 else F(3, 100)
    out["rd_intensity"] = None if rd3 is None or sales3 is None else ratio_at_least(rd3, sales3, pct)
    out["rd_domestic_share"] = None if rd3 is None or dom3 is None else ratio_at_least(dom3, rd3, F(3, 5))
    hti, ti, nti = latest("high_tech_income"), latest("total_income"), latest("non_taxable_income")
    out["high_tech_income_share"] = None if hti is None or ti is None else ratio_at_least(hti, ti - nti, F(3, 5))
    incident = latest("major_incident")
    now = bool(by_year.get(year, {}).get("major_incident"))
    out["no_major_incident"] = False if now else (None if incident is None else not incident)

    def grade(values: list[Any]) -> str | None:
        a, b, c = values
        if b is None:
            return None
        if b <= 0:
            return "F"
        if a is None or c is None:
            return None
        g = c / b - 1 if a <= 0 else (b / a + c / b) / 2 - 1
        for letter, edge in (("A", F(35, 100)), ("B", F(25, 100)), ("C", F(15, 100)), ("D", F(5, 100))):
            if g >= edge:
                return letter
        return "E" if g > 0 else "F"

    out["growth_net_assets"] = grade(three("net_assets"))
    out["growth_sales"] = grade(sales)

    # 科技型中小企业 (unknown figures count as 0 in the score, as the batch does)
    def z(v: Any) -> F:
        return F(0) if v is None else F(v)

    assets = latest("total_assets")
    size = _and(None if emp is None else emp <= 500, None if sales[2] is None else sales[2] <= 200_000_000,
                None if assets is None else assets <= 200_000_000)

    def band(num: F, den: F, cuts: tuple[int, ...], points: tuple[int, ...]) -> int:
        if den <= 0:
            return 0
        return next((p for c, p in zip(cuts, points, strict=True) if num / den >= F(c, 100)), 0)

    staff = band(z(tech), z(emp), (30, 25, 20, 15, 10), (20, 16, 12, 8, 4))
    rd_points = max(band(z(rd[2]), z(sales[2]), (6, 5, 4, 3, 2), (50, 40, 30, 20, 10)),
                    band(z(rd[2]), z(latest("total_cost_expense")), (30, 25, 20, 15, 10), (50, 40, 30, 20, 10)))
    ip_points = 30 if z(ip1) >= 1 else (0, 6, 12, 18, 24)[min(int(z(ip2)), 4)]
    out["tsme_score"] = staff + rd_points + ip_points
    score_inputs = (emp, tech, rd[2], sales[2], latest("total_cost_expense"), ip1, ip2)
    score_pass = None if None in score_inputs else (out["tsme_score"] >= 60 and staff > 0)
    cert = entity.get("hte_certified_on")
    valid = cert is not None and cert <= on and _plus_years(cert, 3) >= on
    provincial = latest("rd_institution_level") in ("国家级", "自治区级")
    basic = _and(size, out["no_major_incident"])
    direct = _and(basic, valid or provincial)
    out["tsme_eligible"] = _or(_and(basic, score_pass), direct) is True
    out["tsme_direct"] = direct is True

    above, industrial = latest("is_above_scale"), latest("is_industrial")
    zeros = []
    if above and industrial:
        if rd[2] is not None and rd[2] == 0:
            zeros.append("no_rd_expense")
        if latest("has_rd_institution") is False:
            zeros.append("no_rd_institution")
        if ip1 is not None and ip1 == 0:
            zeros.append("no_invention_ip")
    out["three_zeros"] = zeros

    reg_year = entity.get("tsme_registered_year")
    registered = reg_year == on.year                       # 登记编号当年有效 (reading R23)
    gazelle = ((valid or registered) and reg is not None and _plus_years(reg, 10) >= on
               and sales[0] is not None and sales[2] is not None and sales[0] > 0
               and sales[2] >= 10_000_000 and sales[2] / sales[0] >= F(144, 100))
    leading = (valid and sales[2] is not None and sales[2] >= 500_000_000 and rd3 is not None
               and sales3 is not None and sales3 > 0 and rd3 / sales3 >= F(3, 100))
    stage = "none"
    for code, met in (("tsme", registered), ("hte", valid), ("gazelle", gazelle), ("leading", leading),
                      ("listed", entity.get("listed") is True)):
        if met:
            stage = code
    out["stage"] = stage
    return out


def _plus_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return dt.date(d.year + years, 2, 28)
