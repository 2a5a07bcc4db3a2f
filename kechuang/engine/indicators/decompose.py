"""Target decomposition (分解下达) to counties and departments, and its consistency check.

How parts make up a whole depends on the indicator (``research/indicators.md`` §6.2):

- ``sum`` (counts, amounts): the parts must add up to at least the whole (at most, for a
  lower-is-better indicator); more is a buffer, less leaves a gap;
- ``ratio`` (R&D intensity = R&D spending / GDP): each part gives a numerator and a
  denominator; the recombined ratio Σnum / Σden must meet the whole's target;
- ``mean`` (a share weighted by, e.g., population): the weighted mean must meet it;
- ``none``: not aggregatable — no arithmetic check is possible.

>>> check_decomposition(100, [40, 35, 30])["consistent"]
True
>>> check_decomposition(100, [40, 35, 20])["explanation"]["text"]
'各单位分解目标合计95,少于总目标100,缺口5。'
>>> split_target(100, {"海勃湾区": 30, "海南区": 12, "乌达区": 18}, integer=True)
{'海勃湾区': 50, '海南区': 20, '乌达区': 30}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["check_decomposition", "split_target"]


def _fmt(value: float) -> str:
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text


def check_decomposition(whole: float, parts: Sequence[Any], *,
                        aggregation: str = "sum", direction: str = "higher",
                        weights: Sequence[float] | None = None, scale: float = 1.0,
                        rel_tol: float = 1e-9) -> dict[str, Any]:
    """Do the parts add up to (or stay consistent with) the whole target?

    ``parts``: numbers, or (numerator, denominator) pairs for ``ratio``; ``scale`` turns a
    ratio into the whole's unit (100 for a percentage). Returns ``consistent`` (True,
    False, or None when the indicator cannot be added up), the recombined ``total``, the
    ``gap`` (positive = short of the whole) and an explanation in Chinese and English.
    """
    sign = -1.0 if direction == "lower" else 1.0
    if aggregation == "none" or not parts:
        text = "该指标不能由各单位相加得到,无法做算术校验。" if parts else "没有分解目标。"
        text_en = "this indicator does not add up across units; no arithmetic check." if parts else "no parts."
        return {"consistent": None, "total": None, "whole": whole, "gap": None, "aggregation": aggregation,
                "explanation": {"text": text, "text_en": text_en, "numbers": {"whole": whole}}}
    if aggregation == "ratio":
        num = sum(float(p[0]) for p in parts)
        den = sum(float(p[1]) for p in parts)
        total = scale * num / den if den else math.nan
        how_zh, how_en = f"按分子合计{_fmt(num)}÷分母合计{_fmt(den)}重新计算为{_fmt(total)}", \
            f"recombined as Σnumerators {_fmt(num)} ÷ Σdenominators {_fmt(den)} = {_fmt(total)}"
    elif aggregation == "mean":
        values = [float(p) for p in parts]
        w = [float(x) for x in weights] if weights is not None else [1.0] * len(values)
        total = sum(a * b for a, b in zip(values, w, strict=True)) / sum(w)
        how_zh = f"加权平均为{_fmt(total)}" if weights is not None else f"简单平均为{_fmt(total)}(未给权重)"
        how_en = f"weighted mean {_fmt(total)}" if weights is not None else f"plain mean {_fmt(total)} (no weights)"
    else:
        total = sum(float(p) for p in parts)
        how_zh, how_en = f"各单位分解目标合计{_fmt(total)}", f"the parts add up to {_fmt(total)}"
    tol = rel_tol * max(1.0, abs(whole))
    gap = sign * (whole - total)
    consistent = bool(not math.isnan(total) and gap <= tol)
    if consistent and abs(gap) <= tol:
        tail_zh, tail_en = f",等于总目标{_fmt(whole)}。", f", equal to the whole {_fmt(whole)}."
    elif consistent:
        word = "多于" if sign > 0 else "少于"
        tail_zh = f",{word}总目标{_fmt(whole)},留有余量{_fmt(abs(gap))}。"
        tail_en = f", {'above' if sign > 0 else 'below'} the whole {_fmt(whole)} by a margin of {_fmt(abs(gap))}."
    else:
        word = "少于" if sign > 0 else "多于"
        tail_zh = f",{word}总目标{_fmt(whole)},缺口{_fmt(abs(gap))}。"
        tail_en = f", {'short of' if sign > 0 else 'over'} the whole {_fmt(whole)} by {_fmt(abs(gap))}."
    return {"consistent": consistent, "total": total, "whole": whole, "gap": gap, "aggregation": aggregation,
            "explanation": {"text": how_zh + tail_zh, "text_en": how_en + tail_en,
                            "numbers": {"whole": whole, "total": total, "gap": gap}}}


def split_target(whole: float, weights: Mapping[str, float], *, integer: bool = False) -> dict[str, float]:
    """Split a whole target in proportion to weights (e.g. each unit's baseline, so every
    unit grows by the same factor). With ``integer`` the parts are whole numbers that add
    up exactly to the (rounded-up) whole: largest remainders get the extra units."""
    total_weight = sum(weights.values())
    if total_weight <= 0:
        raise ValueError("the weights must add up to more than zero")
    shares = {k: whole * w / total_weight for k, w in weights.items()}
    if not integer:
        return shares
    goal = math.ceil(whole - 1e-9)
    floors = {k: math.floor(v + 1e-9) for k, v in shares.items()}
    left = goal - sum(floors.values())
    order = sorted(shares, key=lambda k: (-(shares[k] - floors[k]), k))
    for k in order[:max(0, left)]:
        floors[k] += 1
    return {k: floors[k] for k in weights}
