"""When each 更新のご案内 is due: pure functions, no database, no Flask.

Four kinds per contract and term, on Japan days inside the renewal period
(clickar/renewal/window.py):

| kind      | default day                          | groups CSV column     |
|-----------|--------------------------------------|-----------------------|
| opened    | the day the period opens (+0)        | remind_opened         |
| halfway   | opens + half the period, rounded down | remind_halfway        |
| week      | 7 days before the period closes      | remind_before_close   |
| last      | the last day of the period (−0)      | remind_last_day       |

remind_opened / remind_halfway count days after the period opens,
remind_before_close / remind_last_day days before it closes; `off` (stored as
-1) means that reminder is not sent for the group. A day that falls outside
the period is moved to its edge.

due_kind() answers the one question the daily pass asks: the latest kind (in
the order above, whatever the days) whose day has come. After downtime that is the only one sent (catch-up never sends
the missed earlier ones), and once it has been sent nothing more is due until
the next kind's day.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

KINDS = ("opened", "halfway", "week", "last")
LABELS = {
    "opened": "受付開始のご案内",
    "halfway": "受付期間のなかばのご案内",
    "week": "締切7日前のご案内",
    "last": "受付最終日のご案内",
}
OFF = -1


@dataclass(frozen=True)
class Offsets:
    """Days for one group (None = the default; OFF = not sent)."""

    opened: int | None = None
    halfway: int | None = None
    before_close: int | None = None
    last_day: int | None = None

    @classmethod
    def of_group(cls, group) -> "Offsets":
        if group is None:
            return DEFAULT
        return cls(group.remind_opened, group.remind_halfway, group.remind_before_close, group.remind_last_day)


DEFAULT = Offsets()
DEFAULT_BEFORE_CLOSE = 7


def _clamp(day: dt.date, opens: dt.date, closes: dt.date) -> dt.date:
    return min(max(day, opens), closes)


def days_of(opens: dt.date, closes: dt.date, offsets: Offsets = DEFAULT) -> dict[str, dt.date]:
    """{kind: the day it is due} for a period; kinds switched off are left out."""
    length = (closes - opens).days
    wanted = {
        "opened": (opens, offsets.opened, 0, +1),
        "halfway": (opens, offsets.halfway, length // 2, +1),
        "week": (closes, offsets.before_close, DEFAULT_BEFORE_CLOSE, -1),
        "last": (closes, offsets.last_day, 0, -1),
    }
    out = {}
    for kind, (base, value, default, sign) in wanted.items():
        if value == OFF:
            continue
        days = default if value is None else value
        out[kind] = _clamp(base + dt.timedelta(days=sign * days), opens, closes)
    return out


def due_kind(opens: dt.date, closes: dt.date, today: dt.date, offsets: Offsets = DEFAULT) -> str | None:
    """The latest kind (in KINDS order) whose day has come, inside the period; None outside it or before
    the first. In KINDS order, not by day: where a short period or a group's offsets put a later kind's
    day first (締切7日前 moved to the first day of a 3-day period), an earlier kind never follows it."""
    if not opens <= today <= closes:
        return None
    come = [kind for kind, day in days_of(opens, closes, offsets).items() if day <= today]
    return max(come, key=KINDS.index, default=None)


def parse_offset(text: str) -> int | None:
    """A groups CSV cell: '' = default, 'off' = not sent, else whole days 0–365 (ValueError otherwise)."""
    text = (text or "").strip().lower()
    if not text:
        return None
    if text == "off":
        return OFF
    if not text.isdigit() or int(text) > 365:
        raise ValueError("whole days 0-365, off, or empty for the default")
    return int(text)
