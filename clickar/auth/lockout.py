"""Wrong-password lockout, per account and client network.

An account ("member:ID" or "staff:ID") waits after LOCK_AFTER wrong passwords
in a row from one network; the wait doubles with each further lock up to
LOCK_MAX. While it waits, attempts from that network neither count nor make
the wait longer, so a stranger who knows the address cannot keep the owner
out for good; and the owner, from another network or a trusted device,
still signs in. The network is what limits.client_address() answers (the
client address CLICKAR_TRUSTED_PROXIES yields; IPv6 bucketed by /64); a
member's trusted browser is a place of its own ("device:ID").
"""
from __future__ import annotations

import datetime as dt

from peewee import Case

from ..models import LoginLock, now

LOCK_AFTER = 5                       # wrong passwords in a row before this network waits
LOCK_FIRST = dt.timedelta(minutes=1)
LOCK_MAX = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(days=1)  # a count untouched this long starts again from nought


def forgotten(at: dt.datetime):
    """Rows whose count no longer matters: untouched FORGET_AFTER and not waiting (the purge deletes them)."""
    return ((LoginLock.updated_at < at - FORGET_AFTER)
            & (LoginLock.locked_until.is_null() | (LoginLock.locked_until <= at)))


def is_locked(account: str, network: str) -> bool:
    row = LoginLock.get_or_none((LoginLock.account == account) & (LoginLock.network == network))
    return bool(row and row.locked_until and row.locked_until > now())


def count_failure(account: str, network: str) -> bool:
    """Count one wrong password; True when this one started a wait. A waiting network counts nothing.

    Writes before it reads, each statement on its own: parallel failures each
    count once, and SQLite never has to turn a read into a write.
    """
    stamp = now()
    LoginLock.insert(account=account, network=network, updated_at=stamp).on_conflict_ignore().execute()
    this = (LoginLock.account == account) & (LoginLock.network == network)
    stale = forgotten(stamp)
    counted = (LoginLock
               .update(failures=Case(None, [(stale, 1)], LoginLock.failures + 1), updated_at=stamp)
               .where(this & (LoginLock.locked_until.is_null() | (LoginLock.locked_until <= stamp)))
               .execute())
    if counted != 1:
        return False
    failures = LoginLock.get(this).failures
    if failures < LOCK_AFTER:
        return False
    wait = min(LOCK_FIRST * (2 ** (failures - LOCK_AFTER)), LOCK_MAX)
    return (LoginLock
            .update(locked_until=stamp + wait)
            .where(this & (LoginLock.failures == failures)
                   & (LoginLock.locked_until.is_null() | (LoginLock.locked_until <= stamp)))
            .execute()) == 1


def clear(account: str, network: str | None = None) -> None:
    """Forget the failures of one network (a sign-in from it), or of every network (a new password)."""
    query = LoginLock.delete().where(LoginLock.account == account)
    if network is not None:
        query = query.where(LoginLock.network == network)
    query.execute()
