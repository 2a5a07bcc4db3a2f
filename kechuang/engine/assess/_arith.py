"""Exact arithmetic on columns: ratio thresholds by cross-multiplication, banded points,
growth grades, calendar years, and the formatting of money and ratios.

Money is int64 fen and staff counts int64 hundredths (see ``kechuang.engine.exchange``);
no threshold is ever decided on a float, except where a float is provably far from the
edge (growth rates, with an exact fallback on the rest).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction

import numpy as np

EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    """Days since 1970-01-01 (the int64 value of a NumPy ``datetime64[D]``).

    >>> day_number(date(2025, 6, 30))
    20269
    """
    return (d - EPOCH).days


def from_day_number(n: int) -> date:
    return EPOCH + timedelta(days=int(n))


def at_least(num: np.ndarray, den: np.ndarray, p: int | np.ndarray, q: int = 100) -> np.ndarray:
    """num/den ≥ p/q, exactly, for den > 0; False where den ≤ 0 (reading R4).

    >>> at_least(np.array([301, 300]), np.array([3010, 3010]), 10).tolist()
    [True, False]
    """
    return (den > 0) & (q * num >= p * den)


def banded_points(num: np.ndarray, den: np.ndarray, percents: Sequence[int],
                  points: Sequence[int]) -> np.ndarray:
    """Points of the highest band with num/den ≥ percent/100 (bands listed from the top;
    den ≤ 0 → 0 points).

    >>> banded_points(np.array([30, 29, 0]), np.array([100, 100, 0]), (30, 20), (20, 12)).tolist()
    [20, 12, 0]
    """
    reached = np.zeros(np.shape(num), np.int64)
    for p in percents:
        reached += 100 * num >= p * den
    table = np.array((0, *points[::-1]), np.int64)
    return np.where(den > 0, table[reached], 0)


# 指引 195号 企业成长性: band edges (percent) and points per grade A..F
GROWTH_EDGES = (35, 25, 15, 5)               # A ≥ 35 %, B ≥ 25 %, C ≥ 15 %, D ≥ 5 %
GROWTH_LOW = np.array([9, 7, 5, 3, 1, 0])    # A 9–10, B 7–8, C 5–6, D 3–4, E 1–2, F 0
GROWTH_HIGH = np.array([10, 8, 6, 4, 2, 0])
GRADES = "ABCDEF"


def growth_grades(values: np.ndarray, known: np.ndarray, *, zero_grade: str = "F",
                  nonpositive_as_zero: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """指引 企业成长性 for one indicator over three year-end values (3, n).

    g = ½ (Y2/Y1 + Y3/Y2) − 1. Second-year value 0 → grade F (0 points); first-year
    value 0 → g = Y3/Y2 − 1 ("按后两年计算", reading R6). With ``nonpositive_as_zero``
    (reading R7) values ≤ 0 are treated like 0. Bands: A ≥ 35 %, B ≥ 25 %, C ≥ 15 %,
    D ≥ 5 %, E > 0 (or ≥ 0 with ``zero_grade="E"``, reading R5), else F.

    Returns (grade 0..5 = A..F, known, rows decided exactly). float64 decides rows far
    from every band edge; the others are decided in Python integers.

    >>> v = np.array([[5, 10, 10], [4, 10, 0], [6, 10, 20]]) * 1_000_000
    >>> g, k, exact = growth_grades(v, np.ones((3, 3), bool))
    >>> [GRADES[i] for i in g], exact.tolist()
    (['C', 'F', 'F'], [True, True, False])
    """
    a, b, c = values
    ka, kb, kc = known
    if nonpositive_as_zero:
        second_zero, first_zero = b <= 0, a <= 0
    else:
        second_zero, first_zero = b == 0, a == 0
    ok = ~second_zero
    three = ok & ~first_zero
    grade_known = kb & (second_zero | (kc & ka))
    af, bf, cf = (np.asarray(x, np.float64) for x in (a, b, c))   # one contiguous copy each
    r2 = cf / np.where(ok, bf, 1.0)
    r1 = bf / np.where(three, af, 1.0)
    g = np.where(three, (r1 + r2) * 0.5, r2) - 1
    tolerance = 1e-9 * (1 + np.where(three, np.abs(r1), 0) + np.abs(r2))   # far beyond rounding
    e_reached = (g >= 0) if zero_grade == "E" else (g > 0)
    grade = 5 - e_reached.astype(np.int64)
    near = np.abs(g) <= tolerance
    for t in GROWTH_EDGES:
        edge = t / 100
        grade -= g >= edge
        near |= np.abs(g - edge) <= tolerance
    unsure = ok & near & grade_known
    if unsure.any():
        rows = np.flatnonzero(unsure)
        grade[rows] = [_exact_grade(int(a[i]), int(b[i]), int(c[i]), bool(three[i]), zero_grade)
                       for i in rows]
    grade = np.where(ok, grade, 5)
    return grade, grade_known, unsure


def _exact_grade(a: int, b: int, c: int, three: bool, zero_grade: str) -> int:
    """One growth grade in Python integers: g = num/den − 1 with den > 0."""
    num, den = (b * b + a * c, 2 * a * b) if three else (c, b)
    if den < 0:
        num, den = -num, -den
    grade = 5 - int(num >= den if zero_grade == "E" else num > den)
    for t in GROWTH_EDGES:
        grade -= int(100 * num >= (100 + t) * den)
    return grade


def exact_growth_rate(a: int, b: int, c: int, *, nonpositive_as_zero: bool = True) -> Fraction | None:
    """The growth rate as a fraction (None when the second year is 0: 0 points).

    >>> exact_growth_rate(5, 4, 6)
    Fraction(3, 20)
    """
    second_zero = b <= 0 if nonpositive_as_zero else b == 0
    first_zero = a <= 0 if nonpositive_as_zero else a == 0
    if second_zero:
        return None
    if first_zero:
        return Fraction(c, b) - 1
    return (Fraction(b, a) + Fraction(c, b)) / 2 - 1


def add_years_to_date(d: date, years: int) -> date:
    """A date plus whole years; 29 February lands on 28 February (民法典 第二百零二条: no
    corresponding day → the last day of the month): 2024-02-29 + 3 years = 2027-02-28."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:          # 29 February in a common year
        return date(d.year + years, 2, 28)


def earliest_start(target: date, years: int) -> date:
    """The earliest day d with ``add_years_to_date(d, years) >= target``: a period of
    ``years`` starting on d still runs on ``target`` (民法典 第二百零一条: the first day is
    not counted; 第二百零二条: it ends on the corresponding day).

    >>> earliest_start(date(2025, 6, 30), 3), earliest_start(date(2027, 2, 28), 3)
    (datetime.date(2022, 6, 30), datetime.date(2024, 2, 28))
    """
    d = add_years_to_date(target, -years) - timedelta(days=3)
    while add_years_to_date(d, years) < target:     # adding years never decreases a date
        d += timedelta(days=1)
    return d


def fmt_money(fen: int) -> str:
    """Fen as a decimal string of yuan with two decimals.

    >>> fmt_money(123450), fmt_money(-5)
    ('1234.50', '-0.05')
    """
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def fmt_staff(hundredths: int) -> str:
    """Hundredths of a person as a decimal string: 3010 → '30.10'; 3000 → '30'."""
    whole, rest = divmod(int(hundredths), 100)
    return f"{whole}" if rest == 0 else f"{whole}.{rest:02d}"


def fmt_ratio(num: int, den: int, places: int = 4) -> str | None:
    """num/den as a decimal string rounded down (so a ratio below a threshold never shows
    as the threshold); None when den ≤ 0.

    >>> fmt_ratio(2999, 10000), fmt_ratio(1, 0)
    ('0.2999', None)
    """
    if den <= 0:
        return None
    scaled = (int(num) * 10**places) // int(den)
    sign = "-" if scaled < 0 else ""
    whole, rest = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{rest:0{places}d}"


def fmt_percent(num: int, den: int, places: int = 2) -> str:
    """num/den as a percentage rounded down: (3, 100) → '3.00%'; den ≤ 0 → '—'."""
    if den <= 0:
        return "—"
    scaled = (int(num) * 100 * 10**places) // int(den)
    sign = "-" if scaled < 0 else ""
    whole, rest = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{rest:0{places}d}%"
