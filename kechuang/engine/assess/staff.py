"""Staff counts as the 指引 counts them (国科发火〔2016〕195号, 统计方法):

"企业当年职工总数、科技人员数均按照全年月平均数计算。月平均数＝（月初数＋月末数）÷2；
全年月平均数＝全年各月平均数之和÷12。年度中间开业或者终止经营活动的，以其实际经营期作为
一个纳税年度确定上述相关指标。"

The exchange table holds the result with two decimals (``employees``, ``tech_staff``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

__all__ = ["annual_average_staff"]

MONTHS_IN_YEAR = 12   # 指引: 全年各月平均数之和÷12


def annual_average_staff(month_start: Sequence[int | Decimal], month_end: Sequence[int | Decimal],
                         *, exact: bool = False) -> Decimal | Fraction:
    """The annual average of monthly averages, from head counts at each month's start and
    end, for the months the entity operated (a full year: 12 each).

    A year with fewer months (opened or closed during the year) counts its operating
    months as the year: the divisor is their number (指引: 以其实际经营期作为一个纳税年度).
    Returns a ``Decimal`` with two places (half up, the exchange table's precision), or
    the exact ``Fraction`` with ``exact=True``.

    >>> annual_average_staff([10] * 12, [12] * 12)
    Decimal('11.00')
    >>> annual_average_staff([10, 11, 12], [11, 12, 13])     # opened in October
    Decimal('11.50')
    >>> annual_average_staff([3] * 11 + [4], [3] * 11 + [5], exact=True)
    Fraction(25, 8)
    """
    if len(month_start) != len(month_end) or not 1 <= len(month_start) <= MONTHS_IN_YEAR:
        raise ValueError("give the start and end counts of 1 to 12 operating months")
    if any(Fraction(x) < 0 for x in (*month_start, *month_end)):
        raise ValueError("head counts cannot be negative")
    months = [(Fraction(a) + Fraction(b)) / 2 for a, b in zip(month_start, month_end, strict=True)]
    average = sum(months, Fraction(0)) / len(months)
    if exact:
        return average
    return (Decimal(average.numerator) / Decimal(average.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)
