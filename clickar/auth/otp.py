"""One-time passwords: 6 digits by mail, 5 minutes, bound to one login attempt, 5 tries.

Wrong codes also count per member across logins: after MEMBER_MAX_WRONG in a
row no code is accepted until the password is reset, and the member is told.

A member with an authenticator app gets no mail: the attempt row still binds
the login and counts tries, and the app's code (or a recovery code) is checked.
"""
from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from typing import NamedTuple

import pyotp

from .. import jp, mail
from ..db import database
from ..models import Member, OneTimePassword, now, token_hash
from . import authenticator, limits

LIFETIME = dt.timedelta(minutes=5)
MAX_TRIES = 5          # per login attempt
RESEND_COOLDOWN = dt.timedelta(seconds=60)
MEMBER_MAX_WRONG = 10  # wrong codes in a row across logins: code entry stops until the password is reset


def _code_mail(member: Member, secret: str, insurer_name: str):
    return mail.queue(
        "otp", member.email, f"【マイページ】ワンタイムパスワードのお知らせ（{insurer_name}）",
        "otp", code=pyotp.HOTP(secret, digits=6).at(0), minutes=int(LIFETIME.total_seconds() // 60))


def start(member: Member, insurer_name: str) -> str:
    """Create a code for a new login attempt, queue its mail; returns the attempt id."""
    attempt = secrets.token_urlsafe(24)
    secret = pyotp.random_base32()
    outgoing = []
    with database.atomic():
        OneTimePassword.create(member=member, attempt_hash=token_hash(attempt), secret=secret,
                               expires_at=now() + LIFETIME)
        if not member.uses_authenticator():
            outgoing.append(_code_mail(member, secret, insurer_name))
    mail.dispatch(outgoing)
    return attempt


def resend_wait(attempt: str | None) -> int:
    """Seconds until ワンタイムパスワードを再送する works for this attempt (0: now)."""
    row = OneTimePassword.for_attempt(attempt)
    if row is None:
        return 0
    return limits.seconds_left(row.created_at, RESEND_COOLDOWN, now())


def resend(attempt: str | None, insurer_name: str) -> str:
    """再送: a new code for the same attempt ('sent'), or 'wait' (cooldown), 'cap', 'missing'.

    The old code stops working; the attempt keeps its tries, so a resend never
    buys more guesses. created_at is the time of the latest code.
    """
    row = OneTimePassword.for_attempt(attempt)
    if row is None or row.used_at or row.member.uses_authenticator() or row.member.codes_locked_at:
        return "missing"
    if resend_wait(attempt):
        return "wait"
    if not limits.allowed_once("otp-resend", str(row.member_id)):
        return "cap"
    secret = pyotp.random_base32()
    with database.atomic():
        changed = (OneTimePassword
                   .update(secret=secret, created_at=now(), expires_at=now() + LIFETIME)
                   .where((OneTimePassword.id == row.id) & OneTimePassword.used_at.is_null()
                          & (OneTimePassword.created_at == row.created_at))
                   .execute())
        if changed != 1:
            return "wait"  # a parallel resend won
        outgoing = _code_mail(row.member, secret, insurer_name)
    mail.dispatch([outgoing])
    return "sent"


def attempt_member(attempt: str | None) -> Member | None:
    row = OneTimePassword.for_attempt(attempt)
    return row.member if row is not None else None


class Checked(NamedTuple):
    status: str                        # 'ok', 'recovery', 'wrong', 'expired', 'locked', 'stopped', 'missing'
    member: Member | None = None       # with 'ok' / 'recovery'
    proof: tuple[str, int] | None = None  # the authenticator's step or recovery code (authenticator.match)


def check(attempt: str | None, code: str) -> Checked:
    """Is the code right for this login attempt? Spends nothing when it is: the caller calls
    spend() in the transaction that signs the member in, so a failure half-way (the database
    connection lost: 503) leaves the code, an authenticator app's code or a recovery code,
    good for the person's second tap instead of spent on a sign-in that never happened.

    The try is counted (atomically, in the database) before the code is compared, so
    parallel guesses cannot get past MAX_TRIES; a right code gives its try back, so the
    person on the last try whose sign-in was lost is not locked out on the second tap.
    """
    row = OneTimePassword.for_attempt(attempt)
    if row is None or row.used_at:
        return Checked("missing")
    if row.expires_at <= now():
        return Checked("expired")
    member = row.member
    if member.codes_locked_at:
        return Checked("stopped")
    counted = (OneTimePassword
               .update(tries=OneTimePassword.tries + 1)
               .where((OneTimePassword.id == row.id) & (OneTimePassword.tries < MAX_TRIES)
                      & OneTimePassword.used_at.is_null())
               .execute())
    if counted != 1:
        return Checked("locked")
    code = re.sub(r"[^0-9]", "", jp.nfkc(code))
    proof = None
    if member.uses_authenticator():
        proof = authenticator.match(member, code)
        right = proof is not None
    else:
        right = hmac.compare_digest(pyotp.HOTP(row.secret, digits=6).at(0), code)
    if not right:
        if _wrong_code(member):
            return Checked("stopped")
        tries = OneTimePassword.get_by_id(row.id).tries
        return Checked("locked" if tries >= MAX_TRIES else "wrong")
    OneTimePassword.update(tries=OneTimePassword.tries - 1).where(OneTimePassword.id == row.id).execute()
    return Checked("recovery" if proof and proof[0] == "recovery" else "ok", member, proof)


def spend(attempt: str | None, checked: Checked) -> bool:
    """Use up the attempt's code (it works once), and the authenticator's code or recovery code
    with it, and reset the member's wrong-code count. Call inside the sign-in's transaction.
    False when another tap used it first."""
    member = checked.member
    used = (OneTimePassword
            .update(used_at=now())
            .where((OneTimePassword.attempt_hash == token_hash(attempt or "")) & OneTimePassword.used_at.is_null())
            .execute())
    if used != 1:
        return False
    if checked.proof is not None and not authenticator.use(member, checked.proof):
        return False
    if member.failed_codes:
        Member.update(failed_codes=0).where(Member.id == member.id).execute()
    return True


def _wrong_code(member: Member) -> bool:
    """Count a wrong code for the member across logins; True when this one stopped code entry."""
    outgoing = None
    with database.atomic():
        Member.update(failed_codes=Member.failed_codes + 1).where(Member.id == member.id).execute()
        stopped = (Member
                   .update(codes_locked_at=now())
                   .where((Member.id == member.id) & (Member.failed_codes >= MEMBER_MAX_WRONG)
                          & Member.codes_locked_at.is_null())
                   .execute()) == 1
        if stopped:
            from flask import current_app

            from .account import record

            record(member, "codes_locked")
            insurer = current_app.config["INSURER_NAME"]
            outgoing = mail.queue("codes_locked", member.email,
                                  f"【マイページ】ログインを停止しました（{insurer}）", "codes_locked")
    if outgoing is not None:
        mail.dispatch([outgoing])
    return stopped
