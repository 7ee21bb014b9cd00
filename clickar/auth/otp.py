"""One-time passwords: 6 digits by mail, 5 minutes, bound to one login attempt, 5 tries.

A member with an authenticator app gets no mail: the attempt row still binds
the login and counts tries, and the app's code (or a recovery code) is checked.
"""
from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
import unicodedata

import pyotp

from .. import mail
from ..db import database
from ..models import Member, OneTimePassword, now, token_hash
from . import authenticator

LIFETIME = dt.timedelta(minutes=5)
MAX_TRIES = 5


def start(member: Member, insurer_name: str) -> str:
    """Create a code for a new login attempt, queue its mail; returns the attempt id."""
    attempt = secrets.token_urlsafe(24)
    secret = pyotp.random_base32()
    code = pyotp.HOTP(secret, digits=6).at(0)
    outgoing = []
    with database.atomic():
        OneTimePassword.create(member=member, attempt_hash=token_hash(attempt), secret=secret,
                               expires_at=now() + LIFETIME)
        if not member.uses_authenticator():
            outgoing.append(mail.queue(
                "otp", member.email, f"【マイページ】ワンタイムパスワードのお知らせ（{insurer_name}）",
                "otp", code=code, minutes=int(LIFETIME.total_seconds() // 60)))
    mail.dispatch(outgoing)
    return attempt


def attempt_member(attempt: str | None) -> Member | None:
    row = OneTimePassword.for_attempt(attempt)
    return row.member if row is not None else None


def check(attempt: str | None, code: str) -> tuple[str, Member | None]:
    """'ok' / 'recovery' with the member, or 'wrong', 'expired', 'locked' (too many tries), 'missing'."""
    row = OneTimePassword.for_attempt(attempt)
    if row is None or row.used_at:
        return "missing", None
    if row.expires_at <= now():
        return "expired", None
    if row.tries >= MAX_TRIES:
        return "locked", None
    code = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", code or ""))
    member = row.member
    if member.uses_authenticator():
        how = authenticator.verify(member, code)
        right = how is not None
    else:
        how = "ok"
        right = hmac.compare_digest(pyotp.HOTP(row.secret, digits=6).at(0), code)
    if not right:
        (OneTimePassword
         .update(tries=OneTimePassword.tries + 1)
         .where(OneTimePassword.id == row.id)
         .execute())
        return ("locked" if row.tries + 1 >= MAX_TRIES else "wrong"), None
    used = (OneTimePassword
            .update(used_at=now())
            .where((OneTimePassword.id == row.id) & OneTimePassword.used_at.is_null())
            .execute())
    if used != 1:
        return "missing", None
    return ("recovery" if how == "recovery" else "ok"), member
