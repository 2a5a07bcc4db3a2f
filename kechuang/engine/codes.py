"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

A code has 18 characters: registration authority (1), entity category (1), the division
code of the registering authority (6, GB/T 2260), the subject identifier (9, the
organisation code of GB 11714) and a check character (1). This module checks the form and
the check character, the part of the standard a file can be checked against offline.

The algorithm (GB 32100-2015 §5, check character):

* the code set is the 31 characters ``0-9 A-H J-N P-R T U W-Y`` (no I, O, S, V, Z); the
  value of a character is its position in that set (``0`` = 0 … ``Y`` = 30);
* position *i* (1…17) has the weight Wᵢ = 3^(i−1) mod 31;
* C₁₈ = 31 − (Σ valueᵢ·Wᵢ mod 31), where 31 becomes 0; C₁₈ is written with the code set.

>>> uscc_check_char("91350200776049653")
'A'
>>> is_valid_uscc("91350200776049653A"), is_valid_uscc("91350200776049654A")
(True, False)
>>> uscc_valid_mask(["91440101MA5CJQ4N59", "91440101MA5CJQ4N58", None, "short"]).tolist()
[True, False, False, False]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "USCC_CHARSET",
    "USCC_LENGTH",
    "USCC_WEIGHTS",
    "is_valid_uscc",
    "uscc_check_char",
    "uscc_valid_mask",
]

# GB 32100-2015 §4 (code set: Arabic digits and upper-case letters without I, O, S, V, Z)
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
# GB 32100-2015 §5: W_i = 3^(i-1) mod 31 for i = 1..17
USCC_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(USCC_LENGTH - 1))
_MODULUS = 31  # GB 32100-2015 §5: the size of the code set

_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_BYTE_VALUE = np.full(256, -1, np.int64)  # byte -> value in the code set, -1 = not in it
_BYTE_VALUE[np.frombuffer(USCC_CHARSET.encode("ascii"), np.uint8)] = np.arange(_MODULUS)
_CHARSET_BYTES = np.frombuffer(USCC_CHARSET.encode("ascii"), np.uint8)
_WEIGHTS = np.array(USCC_WEIGHTS, np.int64)


def uscc_check_char(first17: str) -> str:
    """The check character (position 18) of the first 17 characters of a code.

    Raises ``ValueError`` unless ``first17`` is 17 characters of the code set.

    >>> uscc_check_char("91440101MA5CJQ4N5")
    '9'
    """
    if len(first17) != USCC_LENGTH - 1 or any(c not in _VALUE for c in first17):
        raise ValueError(f"not 17 characters of the GB 32100 code set: {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(_MODULUS - total % _MODULUS) % _MODULUS]


def is_valid_uscc(code: object) -> bool:
    """True when ``code`` is 18 characters of the code set with the right check character.

    Lower-case letters are not accepted (the standard writes codes in capitals).

    >>> is_valid_uscc("9135021359498494XQ"), is_valid_uscc("9135021359498494xq"), is_valid_uscc(None)
    (True, False, False)
    """
    if not isinstance(code, str) or len(code) != USCC_LENGTH:
        return False
    if any(c not in _VALUE for c in code):
        return False
    return uscc_check_char(code[:-1]) == code[-1]


def uscc_valid_mask(codes: Iterable[Any]) -> np.ndarray:
    """Vectorised :func:`is_valid_uscc`: a boolean array, one value per code.

    ``codes`` may be a Polars ``Series`` of strings (fast path: no Python loop), a NumPy
    array or any iterable of ``str``/``None``. Nulls and non-strings are invalid.

    >>> import polars as pl
    >>> uscc_valid_mask(pl.Series(["91350200776049653A", "", None])).tolist()
    [True, False, False]
    """
    import polars as pl

    if isinstance(codes, pl.Series):
        series = codes.cast(pl.String)
    else:
        series = pl.Series([c if isinstance(c, str) else None for c in codes], dtype=pl.String)
    out = np.zeros(len(series), bool)
    # 18 bytes: 18 ASCII characters, or fewer multi-byte ones (then a byte is outside the set)
    right_length = (series.str.len_bytes() == USCC_LENGTH).fill_null(False).to_numpy()
    rows = np.flatnonzero(right_length)
    if rows.size == 0:
        return out
    text = series.filter(pl.Series(right_length)).str.join("").item()
    matrix = np.frombuffer(text.encode("utf-8"), np.uint8).reshape(rows.size, USCC_LENGTH)
    values = _BYTE_VALUE[matrix]
    in_set = (values >= 0).all(axis=1)
    expected = _CHARSET_BYTES[(_MODULUS - (values[:, :-1] @ _WEIGHTS) % _MODULUS) % _MODULUS]
    out[rows] = in_set & (matrix[:, -1] == expected)
    return out
