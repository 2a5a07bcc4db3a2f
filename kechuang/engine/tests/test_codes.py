"""GB 32100-2015 unified social credit codes: worked examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.engine.codes import (
    USCC_CHARSET,
    USCC_WEIGHTS,
    is_valid_uscc,
    uscc_check_char,
    uscc_valid_mask,
)

code17 = st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17)


def test_it_uses_the_weights_of_the_standard() -> None:
    # W_i = 3^(i-1) mod 31, GB 32100-2015 §5
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(USCC_CHARSET) == 31 and not set("IOSVZ") & set(USCC_CHARSET)


def test_it_works_the_standards_algorithm_by_hand_for_an_all_digit_code() -> None:
    # 91350200776049653A: values 9 1 3 5 0 2 0 0 7 7 6 0 4 9 6 5 3
    # Σ value·W = 9+3+27+135+0+52+0+0+140+203+150+0+32+216+60+150+84 = 1261
    # 1261 mod 31 = 21; 31 − 21 = 10 → the character of value 10 is "A"
    assert sum(USCC_CHARSET.index(c) * w for c, w in zip("91350200776049653", USCC_WEIGHTS, strict=True)) == 1261
    assert uscc_check_char("91350200776049653") == "A"
    assert is_valid_uscc("91350200776049653A")


def test_it_works_the_standards_algorithm_by_hand_for_a_code_with_letters() -> None:
    # 91440101MA5CJQ4N59: M=21 A=10 C=12 J=18 Q=24 N=22 in the code set
    # Σ = 9+3+36+108+0+26+0+17+420+290+125+156+144+576+40+660+140 = 2750
    # 2750 mod 31 = 22; 31 − 22 = 9 → "9"
    assert sum(USCC_CHARSET.index(c) * w for c, w in zip("91440101MA5CJQ4N5", USCC_WEIGHTS, strict=True)) == 2750
    assert uscc_check_char("91440101MA5CJQ4N5") == "9"


def test_it_writes_a_remainder_of_zero_as_the_character_0() -> None:
    # C18 = 31 − (Σ mod 31), where 31 becomes 0: take 17 digits whose weighted sum is a
    # multiple of 31
    first17 = next(c for c in (f"{d:017d}" for d in range(1000)) if sum(
        USCC_CHARSET.index(x) * w for x, w in zip(c, USCC_WEIGHTS, strict=True)) % 31 == 0)
    assert uscc_check_char(first17) == "0"


@pytest.mark.parametrize("code", ["91350200776049653A", "91440101MA5CJQ4N59", "9135021359498494XQ"])
def test_it_accepts_published_codes_of_registered_companies(code: str) -> None:
    assert is_valid_uscc(code)


@pytest.mark.parametrize("code", ["91350200776049653B", "9135020077604965", "91350200776049653a",
                                  "9135020077604965IA", "", None, 91350200776049653])
def test_it_refuses_malformed_codes(code: object) -> None:
    assert not is_valid_uscc(code)


def test_it_refuses_to_compute_a_check_character_of_characters_outside_the_set() -> None:
    with pytest.raises(ValueError):
        uscc_check_char("9135020077604965O")


@given(code17)
def test_it_makes_the_weighted_sum_of_a_valid_code_a_multiple_of_31(first17: str) -> None:
    code = first17 + uscc_check_char(first17)
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(code, (*USCC_WEIGHTS, 1), strict=True))
    assert total % 31 == 0 and is_valid_uscc(code)


@given(code17, st.integers(0, 17), st.sampled_from(USCC_CHARSET))
def test_it_catches_every_single_character_error(first17: str, position: int, other: str) -> None:
    code = first17 + uscc_check_char(first17)
    changed = code[:position] + other + code[position + 1:]
    assert is_valid_uscc(changed) == (changed == code)


@given(code17, st.integers(0, 16))
def test_it_catches_every_swap_of_two_adjacent_characters(first17: str, position: int) -> None:
    code = first17 + uscc_check_char(first17)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
    assert is_valid_uscc(swapped) == (swapped == code)


@given(st.lists(st.one_of(st.none(), st.text(max_size=20), code17.map(lambda c: c + uscc_check_char(c)),
                          st.text(alphabet=USCC_CHARSET + "IOSVZabc中", min_size=18, max_size=18)),
                max_size=30))
def test_it_gives_the_same_answer_vectorised_and_one_by_one(codes: list[str | None]) -> None:
    assert uscc_valid_mask(codes).tolist() == [is_valid_uscc(c) for c in codes]
