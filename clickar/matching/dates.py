"""Birth dates as people type them (policy rule 5)."""

from __future__ import annotations

import datetime as _dt
import re

from .text import HYPHENS, kanji_numerals_to_arabic, nfkc

__all__ = ["ERAS", "parse_birth_date", "birth_date_key", "parse_year", "era_years", "era_year_text", "era_date_text"]


class Era:
    __slots__ = ("name", "letter", "first", "last")

    def __init__(self, name: str, letter: str, first: _dt.date, last: _dt.date | None):
        self.name, self.letter, self.first, self.last = name, letter, first, last

    def to_date(self, year: int, month: int, day: int) -> _dt.date | None:
        if year < 1:
            return None
        try:
            d = _dt.date(self.first.year + year - 1, month, day)
        except ValueError:
            return None  # 2月30日 and friends
        if d < self.first or (self.last is not None and d > self.last):
            return None  # 平成31年5月1日, 昭和64年1月8日, 平成元年1月7日, 昭和65年…
        return d


# The days each era began and ended.  明治 is counted from the day of the
# 改元 (1868-10-23, Gregorian); nobody with a contract was born before it.
ERAS: tuple[Era, ...] = (
    Era("明治", "M", _dt.date(1868, 10, 23), _dt.date(1912, 7, 29)),
    Era("大正", "T", _dt.date(1912, 7, 30), _dt.date(1926, 12, 24)),
    Era("昭和", "S", _dt.date(1926, 12, 25), _dt.date(1989, 1, 7)),
    Era("平成", "H", _dt.date(1989, 1, 8), _dt.date(2019, 4, 30)),
    Era("令和", "R", _dt.date(2019, 5, 1), None),
)
_ERA_BY_TOKEN: dict[str, Era] = {}
for _era in ERAS:
    _ERA_BY_TOKEN[_era.name] = _era
    _ERA_BY_TOKEN[_era.name[0]] = _era  # 昭55.4.1
    _ERA_BY_TOKEN[_era.letter] = _era  # S55.4.1 (upper-cased below)

EARLIEST = ERAS[0].first

_HYPHEN_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])[" + re.escape(HYPHENS) + r"](?=[0-9])")
_SPACES = re.compile(r"\s+")
_ERA_ALT = "|".join(sorted(map(re.escape, _ERA_BY_TOKEN), key=len, reverse=True))

_WESTERN = re.compile(
    r"(?P<y>[0-9]{4})(?:(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"|年(?P<m2>[0-9]{1,2})月(?P<d2>[0-9]{1,2})日?)"
)
_WESTERN_COMPACT = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")
_ERA = re.compile(
    r"(?P<era>" + _ERA_ALT + r")\.?(?P<y>[0-9]{1,2}|元)"
    r"(?:(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"|年(?P<m2>[0-9]{1,2})月(?P<d2>[0-9]{1,2})日?)"
)


def _today() -> _dt.date:
    return _dt.date.today()


def _plausible(d: _dt.date) -> _dt.date | None:
    """A birth date lies between the start of 明治 and today."""
    return d if EARLIEST <= d <= _today() else None


def parse_birth_date(text: object) -> _dt.date | None:
    """Parse a birth date as typed; None when the format or the date is invalid.

    Accepts 1980-04-01, 1980/4/1, 1980.4.1, 1980年4月1日, 19800401, full-width
    digits, 昭和55年4月1日, 平成元年1月8日, S55.4.1, 昭55/4/1 (also kanji numerals).
    Refuses two-digit western years, era-less years that are not four digits,
    impossible dates, dates outside their era, and dates in the future.
    """
    if isinstance(text, _dt.datetime):
        return _plausible(text.date())
    if isinstance(text, _dt.date):
        return _plausible(text)
    s = _SPACES.sub("", nfkc(text)).upper()
    if not s or len(s) > 40:
        return None
    s = kanji_numerals_to_arabic(s)
    s = _HYPHEN_BETWEEN_DIGITS.sub("-", s)

    m = _WESTERN.fullmatch(s) or _WESTERN_COMPACT.fullmatch(s)
    if m:
        g = m.groupdict()
        try:
            d = _dt.date(int(g["y"]), int(g.get("m") or g.get("m2")), int(g.get("d") or g.get("d2")))
        except ValueError:
            return None
        return _plausible(d)

    m = _ERA.fullmatch(s)
    if m:
        era = _ERA_BY_TOKEN[m["era"]]
        year = 1 if m["y"] == "元" else int(m["y"])
        d = era.to_date(year, int(m["m"] or m["m2"]), int(m["d"] or m["d2"]))
        return _plausible(d) if d else None
    return None


def birth_date_key(value: object) -> str | None:
    d = parse_birth_date(value)
    return d.isoformat() if d else None


# ------------------------------------------------------------ the 年 field of 生年月日
# The memorable-date fieldset (clickar.forms.BirthDate) asks 年 · 月 · 日 separately;
# its 年 takes a western year or a 和暦 year: 1970, S45, s45, 昭和45, 昭45, 昭和45年,
# H2, 平成元, R1, 令和元年 (full-width too).

_ERA_YEAR = re.compile(r"(?P<era>" + _ERA_ALT + r")\.?(?P<y>[0-9]{1,2}|元)年?")
_WESTERN_YEAR = re.compile(r"(?P<y>[0-9]{4})年?")


def _year_parts(text: object) -> tuple[int, Era | None, int] | None:
    """(western year, the era typed or None, the era's year number)."""
    s = _SPACES.sub("", nfkc(text)).upper()
    if not s or len(s) > 12:
        return None
    s = kanji_numerals_to_arabic(s)
    m = _WESTERN_YEAR.fullmatch(s)
    if m:
        return int(m["y"]), None, 0
    m = _ERA_YEAR.fullmatch(s)
    if not m:
        return None
    era = _ERA_BY_TOKEN[m["era"]]
    n = 1 if m["y"] == "元" else int(m["y"])
    year = era.first.year + n - 1
    if n < 1 or (era.last is not None and year > era.last.year):
        return None
    return year, era, n


def parse_year(text: object) -> int | None:
    """The western year typed in a 年 field (western or 和暦); None when it is neither.

    An era year past its era's end (昭和70) is refused; the year an era ended in is
    accepted in both eras' counting (昭和64 and 平成元 are both 1989)."""
    parts = _year_parts(text)
    return parts[0] if parts else None


def _era_year(era: Era, n: int) -> str:
    return f"{era.name}{'元' if n == 1 else n}年"


def era_years(year: int) -> list[str]:
    """1970 → ['昭和45年']; 1989 → ['昭和64年', '平成元年'] (the eras that counted that year)."""
    return [_era_year(era, year - era.first.year + 1) for era in ERAS
            if era.first.year <= year and (era.last is None or year <= era.last.year)]


def era_year_text(text: object) -> str:
    """What the 年 field shows beside itself: 1970 → 昭和45年, S45 → 昭和45年（1970年）,
    1989 → 昭和64年／平成元年; '' when the text is no year."""
    parts = _year_parts(text)
    if parts is None:
        return ""
    year, era, n = parts
    if era is not None:
        return f"{_era_year(era, n)}（{year}年）"
    return "／".join(era_years(year))


def era_date_text(value: object) -> str:
    """1970-04-01 → 昭和45年4月1日 (the era of that very day); '' for no date. A template filter."""
    d = value if isinstance(value, _dt.date) else None
    if d is None:
        try:
            d = _dt.date.fromisoformat(str(value))
        except ValueError:
            return ""
    era = next((e for e in reversed(ERAS) if e.first <= d), None)
    if era is None:
        return ""
    return f"{_era_year(era, d.year - era.first.year + 1)}{d.month}月{d.day}日"
