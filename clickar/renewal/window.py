"""The renewal period (受付期間): when a contract may be renewed on the web.

Default: from 90 days to 14 days before 保険終期, both days included. A group
loaded with its own renewal_opens / renewal_closes uses those dates instead.
Days are Japan days (JST, UTC+9, no summer time). Pure: callers pass `today`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

OPENS_DAYS_BEFORE_END = 90
CLOSES_DAYS_BEFORE_END = 14

BEFORE, OPEN, CLOSED = "before", "open", "closed"


@dataclass(frozen=True)
class Window:
    opens: dt.date
    closes: dt.date

    def state(self, on: dt.date) -> str:
        if on < self.opens:
            return BEFORE
        if on > self.closes:
            return CLOSED
        return OPEN

    def is_open(self, on: dt.date) -> bool:
        return self.state(on) == OPEN


def default_window(insurance_end: dt.date) -> Window:
    return Window(opens=insurance_end - dt.timedelta(days=OPENS_DAYS_BEFORE_END),
                  closes=insurance_end - dt.timedelta(days=CLOSES_DAYS_BEFORE_END))


def window_for(insurance_end: dt.date, group_opens: dt.date | None = None,
               group_closes: dt.date | None = None) -> Window:
    """The group's own period when both dates are set, else the default."""
    if group_opens and group_closes:
        return Window(opens=group_opens, closes=group_closes)
    return default_window(insurance_end)


def one_year_after(day: dt.date) -> dt.date:
    """The same date next year (2/29 → 2/28): the end of the renewed term."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
