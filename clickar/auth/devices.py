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


def describe(user_agent: str) -> str:
    """'Safari（iPhone）' style label from a user agent, for the device list."""
    ua = user_agent or ""
    if "iPhone" in ua:
        system = "iPhone"
    elif "iPad" in ua:
        system = "iPad"
    elif "Android" in ua:
        system = "Android"
    elif "Windows" in ua:
        system = "Windows"
    elif "Mac OS X" in ua or "Macintosh" in ua:
        system = "Mac"
    elif "Linux" in ua:
        system = "Linux"
    else:
        system = "不明なOS"
    if "Edg/" in ua:
        browser = "Edge"
    elif "SamsungBrowser" in ua:
        browser = "Samsung Internet"
    elif "Line/" in ua:
        browser = "LINE"
    elif "CriOS" in ua or ("Chrome/" in ua and "Chromium" not in ua):
        browser = "Chrome"
    elif "Chromium" in ua:
        browser = "Chromium"
    elif "FxiOS" in ua or "Firefox/" in ua:
        browser = "Firefox"
    elif "Safari/" in ua:
        browser = "Safari"
    else:
        browser = "ブラウザ"
    return f"{browser}（{system}）"
