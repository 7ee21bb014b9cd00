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


def revoke(member: Member, device_id: int | None = None) -> int:
    query = (TrustedDevice
             .update(revoked_at=now())
             .where((TrustedDevice.member == member) & TrustedDevice.revoked_at.is_null()))
    if device_id is not None:
        query = query.where(TrustedDevice.id == device_id)
    return query.execute()
