"""生年月日's 年 field: a western year or a 和暦 year, as people type it (forms.BirthDate)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from clickar.matching import era_date_text, era_year_text, parse_year
from clickar.matching.dates import ERAS


@pytest.mark.parametrize(("typed", "year"), [
    ("1970", 1970), ("１９７０", 1970), ("1970年", 1970),
    ("S45", 1970), ("s45", 1970), ("Ｓ４５", 1970), ("昭和45", 1970), ("昭45", 1970), ("昭和45年", 1970),
    ("昭和四十五年", 1970), ("S.45", 1970), (" S 45 ", 1970),
    ("H2", 1990), ("平成元", 1989), ("平成元年", 1989), ("昭和64", 1989),
    ("R1", 2019), ("令和元年", 2019), ("T15", 1926), ("M45", 1912),
])
def test_a_year_typed_any_usual_way_is_read(typed, year):
    assert parse_year(typed) == year


@pytest.mark.parametrize("typed", ["", "70", "S", "昭和", "S0", "昭和70", "H32", "T16", "X45", "19700", "1970年4月",
                                   "S45.4", "abc", "令和"])
def test_what_is_no_year_is_refused(typed):
    assert parse_year(typed) is None


@pytest.mark.parametrize(("typed", "shown"), [
    ("1970", "昭和45年"), ("S45", "昭和45年（1970年）"), ("平成元", "平成元年（1989年）"),
    ("1989", "昭和64年／平成元年"), ("2019", "平成31年／令和元年"), ("R1", "令和元年（2019年）"),
    ("abc", ""), ("", ""),
])
def test_the_other_calendar_is_shown_beside_the_year(typed, shown):
    assert era_year_text(typed) == shown


def era_forms(era, n: int) -> list[str]:
    """Every way the brief's people type an era year: S45, s45, 昭和45, 昭45, 昭和45年, full-width."""
    number = "元" if n == 1 else str(n)
    forms = [f"{era.letter}{n}", f"{era.letter.lower()}{n}", f"{era.name}{number}", f"{era.name[0]}{number}",
             f"{era.name}{number}年", f"{era.name}{n}"]
    full_width = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                               "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
                               "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ")
    return forms + [f.translate(full_width) for f in forms]


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()))
def test_every_birth_date_round_trips_through_each_era_form(born):
    era = next(e for e in reversed(ERAS) if e.first <= born)
    n = born.year - era.first.year + 1
    for typed in era_forms(era, n):
        assert parse_year(typed) == born.year, typed
    assert parse_year(str(born.year)) == born.year
    assert f"{era.name}{'元' if n == 1 else n}年" in era_year_text(str(born.year))


@pytest.mark.parametrize(("day", "shown"), [
    ("1970-04-01", "昭和45年4月1日"), ("1989-01-07", "昭和64年1月7日"), ("1989-01-08", "平成元年1月8日"),
    ("2019-05-01", "令和元年5月1日"), (dt.date(1926, 12, 25), "昭和元年12月25日"), ("x", ""),
])
def test_a_date_is_named_in_the_era_of_that_day(day, shown):
    assert era_date_text(day) == shown
