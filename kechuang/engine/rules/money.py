"""Money is exact: integer fen (0.01 yuan) in int64, never floats.

Rounding (one rule everywhere): when a rate or a division gives a fraction of a fen,
the amount is rounded **half up** to the fen, i.e. ``floor(x + 1/2)``: 0.5 fen becomes
1 fen, 0.49 fen becomes 0. Amounts are non-negative in every encoded benefit; for a
negative intermediate the same formula rounds a half towards +∞ (−2.5 fen → −2 fen).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

FEN_PER_YUAN = 100
FEN_PER_WAN = 100 * 10_000
FEN_PER_YI = 100 * 100_000_000


def round_half_up(x: Fraction) -> int:
    """floor(x + 1/2) for an exact rational ``x``.

    >>> round_half_up(Fraction(5, 2)), round_half_up(Fraction(249, 100)), round_half_up(Fraction(-5, 2))
    (3, 2, -2)
    """
    return (2 * x.numerator + x.denominator) // (2 * x.denominator)


def yuan_str(fen: int | None) -> str | None:
    """Fen as a decimal string in yuan with two decimals, the JSON form of money.

    >>> yuan_str(123456789), yuan_str(-5), yuan_str(0)
    ('1234567.89', '-0.05', '0.00')
    """
    if fen is None:
        return None
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def fen_from_yuan(value: object) -> int:
    """Yuan (int, Decimal, decimal string or float with at most two decimals) → fen.

    Rounds half up to the fen when given more precision.

    >>> fen_from_yuan("1234.5"), fen_from_yuan(30_000_000), fen_from_yuan(0.1)
    (123450, 3000000000, 10)
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not an amount")
    if isinstance(value, int):
        return value * 100
    try:
        d = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return round_half_up(Fraction(d) * 100)


def display(fen: int | None, lang: str = "zh") -> str:
    """Money for people: whole 万 as ``1,250万``, otherwise yuan with separators (exact either way).

    >>> display(125_000_000), display(999_999_900), display(50_000_005), display(12_345_678_900)
    ('125万', '9,999,999元', '500,000.05元', '123,456,789元')
    """
    if fen is None:
        return "未知" if lang == "zh" else "unknown"
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    a = abs(fen)
    if lang != "zh":
        y, f = divmod(a, 100)
        return f"{sign}{y:,}" + (f".{f:02d}" if f else "") + " yuan"
    if a and a % FEN_PER_WAN == 0:
        return f"{sign}{a // FEN_PER_WAN:,}万"
    y, f = divmod(a, 100)
    return f"{sign}{y:,}" + (f".{f:02d}" if f else "") + "元"
