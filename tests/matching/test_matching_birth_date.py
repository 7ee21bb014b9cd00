"""Rule 5: 生年月日 — western, 和暦, full width; eras begin and end on their days."""

from __future__ import annotations

import datetime as dt

import pytest

from clickar.matching import parse_birth_date
from matching_support import person_matches

D = dt.date


@pytest.mark.parametrize("typed", [
    "1980-04-01",
    "1980/04/01",
    "1980/4/1",
    "1980.4.1",
    "1980年4月1日",
    "1980年04月01日",
    "1980年4月1",
    "１９８０年４月１日",
    "１９８０－０４－０１",
    "1980 年 4 月 1 日",
    "19800401",
    "1980−04−01",
    "昭和55年4月1日",
    "昭和５５年４月１日",
    "昭和 55 年 4 月 1 日",
    "昭和五十五年四月一日",
    "一九八〇年四月一日",
    "S55.4.1",
    "s55/4/1",
    "S55-04-01",
    "Ｓ５５．４．１",
    "昭55.4.1",
    "㍼55年4月1日",
    dt.date(1980, 4, 1),
])
def test_birth_date_written_any_usual_way_matches(typed):
    assert person_matches(birth_date=typed)


@pytest.mark.parametrize(("typed", "expected"), [
    ("平成元年1月8日", D(1989, 1, 8)),
    ("H1.1.8", D(1989, 1, 8)),
    ("H元.1.8", D(1989, 1, 8)),
    ("平成31年4月30日", D(2019, 4, 30)),
    ("令和元年5月1日", D(2019, 5, 1)),
    ("R1.5.1", D(2019, 5, 1)),
    ("昭和元年12月25日", D(1926, 12, 25)),
    ("昭和64年1月7日", D(1989, 1, 7)),
    ("大正元年7月30日", D(1912, 7, 30)),
    ("T1.7.30", D(1912, 7, 30)),
    ("大正15年12月24日", D(1926, 12, 24)),
    ("明治45年7月29日", D(1912, 7, 29)),
    ("M45.7.29", D(1912, 7, 29)),
    ("2000-02-29", D(2000, 2, 29)),
    ("H12.2.29", D(2000, 2, 29)),
], ids=lambda v: str(v))
def test_era_years_and_first_years_parse_to_the_real_day(typed, expected):
    assert parse_birth_date(typed) == expected


@pytest.mark.parametrize("typed", [
    "80/4/1",
    "80-04-01",
    "80年4月1日",
    "36年8月8日",
    "036年8月8日",
    "19800-4-1",
    "1980-02-30",
    "1980-13-01",
    "1980-00-10",
    "2019-02-29",
    "1980/4-1",
    "平成31年5月1日",
    "H31.5.1",
    "昭和64年1月8日",
    "平成元年1月7日",
    "昭和65年1月1日",
    "S65.1.1",
    "令和0年5月1日",
    "R1.4.30",
    "大正16年1月1日",
    "昭和元年12月24日",
    "明治46年1月1日",
    "H0.1.1",
    "X55.4.1",
    "2999-01-01",
    "昭和",
    "1980年4月",
    "abc",
    "",
], ids=lambda s: s or "empty")
def test_invalid_or_impossible_birth_date_does_not_parse(typed):
    assert parse_birth_date(typed) is None


@pytest.mark.parametrize("typed", [
    "1980-04-02",
    "1981-04-01",
    "1980-01-04",
    "S55.4.2",
    "H55.4.1",
    "昭和56年4月1日",
    "80/4/1",
    "36年4月1日",
    "",
    dt.date(1980, 4, 2),
], ids=lambda v: str(v) or "empty")
def test_another_or_unparseable_birth_date_does_not_match(typed):
    assert not person_matches(birth_date=typed)


def test_contract_with_unparseable_birth_date_is_matched_by_no_one():
    assert not person_matches({"birth_date": "1980-02-30"}, birth_date="1980-02-30")


def test_date_input_value_and_date_object_both_match():
    assert person_matches(birth_date="1980-04-01")
    assert person_matches(birth_date=dt.datetime(1980, 4, 1, 0, 0))
