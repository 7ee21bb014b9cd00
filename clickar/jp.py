"""Japan-wide helpers, once: Japan time, dates as Japanese readers read them, NFKC, the mail pattern.

No Flask, no database: matching/, forms, models and templates all use these.
Times are stored as naive UTC (models.now()); days are Japan days (JST, UTC+9,
no summer time).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

__all__ = ["JST", "MAIL_ADDRESS", "is_mail_address", "jdate", "jdatetime", "nfkc", "to_jst", "today"]

JST = dt.timezone(dt.timedelta(hours=9), "JST")


def to_jst(value: dt.datetime) -> dt.datetime:
    """Naive UTC (as stored) → aware Japan time."""
    return value.replace(tzinfo=dt.timezone.utc).astimezone(JST)


def today() -> dt.date:
    """Today in Japan."""
    return dt.datetime.now(JST).date()


def jdate(value) -> str:
    """2026-04-01 → 2026年4月1日 (dates as Japanese customers read them); a template filter."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def jdatetime(value) -> str:
    """A stored (naive UTC) time as Japan reads it: 2026年11月24日 09:30; a template filter."""
    if not isinstance(value, dt.datetime):
        return ""
    local = to_jst(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


# Unicode variation selectors (IVS/SVS) choose a glyph, never a character.
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def nfkc(text: object) -> str:
    """NFKC (full-width digits and letters → ASCII, half-width kana → full-width), variation
    selectors removed; None becomes "", anything else its text. Not trimmed."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    return _VARIATION_SELECTORS.sub("", unicodedata.normalize("NFKC", text))


# A mail address as people give it: something@domain.tld; no spaces, no commas (a list is not one address).
MAIL_ADDRESS = re.compile(r"[^@\s,]+@[^@\s,]+\.[A-Za-z0-9-]{2,}")


def is_mail_address(text: str) -> bool:
    return len(text) <= 254 and MAIL_ADDRESS.fullmatch(text) is not None
