"""Rule 6: 電話番号 — one number, however it is punctuated or prefixed."""

from __future__ import annotations

import pytest

from clickar.matching import normalise_phone
from matching_support import person_matches


@pytest.mark.parametrize("typed", [
    "03-1234-5678",
    "0312345678",
    "03 1234 5678",
    "(03)1234-5678",
    "03(1234)5678",
    "（０３）１２３４－５６７８",
    "０３－１２３４－５６７８",
    "０３１２３４５６７８",
    "03ー1234ー5678",
    "03−1234−5678",
    "03.1234.5678",
    "+81-3-1234-5678",
    "+81 3 1234 5678",
    "+81 (0)3 1234 5678",
    "+81312345678",
    "＋８１ ３ １２３４ ５６７８",
    "0081-3-1234-5678",
    "010-81-3-1234-5678",
])
def test_landline_written_any_usual_way_matches(typed):
    assert person_matches(phone=typed)


def test_full_width_digits_with_parentheses_match():
    # The registration e2e types exactly this.
    assert person_matches(phone="（０３）１２３４－５６７８")


@pytest.mark.parametrize("typed", ["090-1111-2222", "09011112222", "+81 90 1111 2222", "０９０（１１１１）２２２２",
                                   "0081 90 1111 2222"])
def test_matching_the_contracts_second_phone_is_enough(typed):
    assert person_matches(phone=typed)


def test_mobile_only_as_phone2_matches_when_phone_is_empty():
    assert person_matches({"phone": "", "phone2": "080-3333-4444"}, phone="08033334444")


@pytest.mark.parametrize("typed", [
    "1234-5678",
    "3-1234-5678",
    "+1 3 1234 5678",
    "+82-3-1234-5678",
    "001-3-1234-5678",
    "03-1234-5679",
    "03-1234-567",
    "03-1234-56789",
    "06-1234-5678",
    "090-1111-2223",
    "03-1234-5678 内線12",
    "03-1234-5678a",
    "+81 3 1234 567",
    "",
], ids=lambda s: s or "empty")
def test_number_without_area_code_or_with_another_country_or_digit_does_not_match(typed):
    assert not person_matches(phone=typed)


def test_mobile_number_does_not_match_a_contract_with_only_a_landline():
    assert not person_matches({"phone2": ""}, phone="090-1234-5678")
    assert not person_matches({"phone2": None}, phone="090-1111-2222")


@pytest.mark.parametrize(("typed", "expected"), [
    ("（０３）１２３４－５６７８", "0312345678"),
    ("+81 90 1111 2222", "09011112222"),
    ("0081-6-6123-4567", "0661234567"),
    ("0120-123-456", "0120123456"),
    ("+1 650-253-0000", "+16502530000"),
    ("1234-5678", None),
    ("0000000000", None),
    ("電話", None),
    ("", None),
])
def test_normalised_phone_is_the_domestic_form_when_valid(typed, expected):
    assert normalise_phone(typed) == expected
