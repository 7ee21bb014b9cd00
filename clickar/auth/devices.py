"""信頼できる端末: a server-side record plus a __Host- cookie, 30 days at most."""
from __future__ import annotations

import datetime as dt
import secrets

from ..models import Member, TrustedDevice, now, token_hash

COOKIE = "__Host-clickar_device"
LIFETIME = dt.timedelta(days=30)


def trust_this_browser(member: Member, user_agent: str, response) -> TrustedDevice:
    token = secrets.token_urlsafe(32)
    device = TrustedDevice.create(
        member=member,
        token_hash=token_hash(token),
        user_agent=(user_agent or "")[:255],
        expires_at=now() + LIFETIME,
    )
    response.set_cookie(COOKIE, token, max_age=int(LIFETIME.total_seconds()), path="/",
                        secure=True, httponly=True, samesite="Lax")
    return device


def recognised(member: Member, cookie_value: str | None) -> TrustedDevice | None:
    """The member's live trusted device this browser carries, if any (and mark it used)."""
    device = TrustedDevice.valid_for(member, cookie_value)
    if device is not None:
        device.last_used_at = now()
        device.save()
    return device


# First match wins: (label, any of these in the user agent). Chrome's own "Chrome/" comes after
# Chromium, whose user agent also says "Chrome/"; Chrome on iOS says "CriOS".
_SYSTEMS = (("iPhone", ("iPhone",)), ("iPad", ("iPad",)), ("Android", ("Android",)),
            ("Windows", ("Windows",)), ("Mac", ("Mac OS X", "Macintosh")), ("Linux", ("Linux",)))
_BROWSERS = (("Edge", ("Edg/",)), ("Samsung Internet", ("SamsungBrowser",)), ("LINE", ("Line/",)),
             ("Chrome", ("CriOS",)), ("Chromium", ("Chromium",)), ("Chrome", ("Chrome/",)),
             ("Firefox", ("FxiOS", "Firefox/")), ("Safari", ("Safari/",)))


def _first(ua: str, table, unknown: str) -> str:
    return next((label for label, needles in table if any(n in ua for n in needles)), unknown)


def describe(user_agent: str) -> str:
    """'Safari（iPhone）' style label from a user agent, for the device list."""
    ua = user_agent or ""
    return f"{_first(ua, _BROWSERS, 'ブラウザ')}（{_first(ua, _SYSTEMS, '不明なOS')}）"
