"""Staff password reset (issue 19 item 23): a link mailed to the staff address.

Either the staff member asks for it on the login page (/staff/password/forgot: the
same answer whether or not the address has an account) or an admin sends it from
/staff/accounts. The link is single use, lives RESET_LIFETIME, and only its hash is
stored. Disabled accounts (leavers) get no link. Every mailed link and every reset
writes a StaffAudit row (who, when, for whom) that admins see on /staff/accounts.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Callable

from flask import current_app

from .. import mail
from ..auth import limits, lockout
from ..auth.passwords import hash_password
from ..db import database
from ..models import Staff, StaffAudit, StaffToken, now, token_hash
from .accounts import DISABLED_PREFIX

RESET_LIFETIME = dt.timedelta(minutes=30)
SUBJECT_LINK = "【Clickar QRチラシ管理】パスワード再設定のご案内"
SUBJECT_DONE = "【Clickar QRチラシ管理】パスワードが再設定されました"


def _subject(text: str) -> str:
    return f"{text}（{current_app.config['INSURER_NAME']}）"


def _can_reset(staff: Staff | None) -> bool:
    return staff is not None and not staff.password_hash.startswith(DISABLED_PREFIX)


def _mail_link(staff: Staff, reset_url: Callable[[str], str], action: str, actor_email: str, network: str):
    token = secrets.token_urlsafe(32)
    with database.atomic():
        StaffToken.end_all(staff)  # only the newest link works
        StaffToken.create(staff=staff, token_hash=token_hash(token), expires_at=now() + RESET_LIFETIME)
        StaffAudit.create(action=action, actor_email=actor_email, subject_email=staff.email, network=network)
        outgoing = mail.queue("staff_reset", staff.email, _subject(SUBJECT_LINK), "staff_reset",
                              url=reset_url(token), minutes=int(RESET_LIFETIME.total_seconds() // 60),
                              by_admin=action == "reset_sent_by_admin")
    mail.dispatch([outgoing])


def request_reset(email: str, reset_url: Callable[[str], str], network: str) -> None:
    """Mail a link when the address is an active staff account; silent either way (no enumeration).

    Rate-limited per client (over it, limits.Limited: 429) and silently capped per address."""
    limits.hit("reset-client", network)
    address = (email or "").strip().lower()
    staff = Staff.by_email(address)
    key = f"staff:{address}"
    if not _can_reset(staff) or not limits.allowed("reset-account", key):
        return
    limits.hit("reset-account", key)
    _mail_link(staff, reset_url, "reset_mailed", staff.email, network)


def admin_reset(admin: Staff, staff: Staff, reset_url: Callable[[str], str], network: str) -> bool:
    """An admin sends the link to a colleague's own address (the admin never sees it). False: disabled."""
    if not admin.is_admin or not _can_reset(staff):
        return False
    _mail_link(staff, reset_url, "reset_sent_by_admin", admin.email, network)
    return True


def live_link(token: str) -> StaffToken | None:
    """The link when it still works: known, unused, unexpired, and its account not disabled since."""
    row = StaffToken.live(token)
    return row if row is not None and _can_reset(row.staff) else None


def reset_password(token: str, new_password: str, network: str) -> Staff | None:
    """Set the new password through a live link; every session, link and lock of the account ends.

    None when the link no longer works (live_link)."""
    row = live_link(token)
    if row is None:
        return None
    with database.atomic():
        if not row.claim():
            return None
        staff = row.staff
        Staff.update(password_hash=hash_password(new_password),
                     session_version=Staff.session_version + 1).where(Staff.id == staff.id).execute()
        StaffToken.end_all(staff)
        StaffAudit.create(action="password_reset", actor_email=staff.email, subject_email=staff.email,
                          network=network)
        outgoing = mail.queue("staff_reset_done", staff.email, _subject(SUBJECT_DONE), "staff_reset_done")
    mail.dispatch([outgoing])
    lockout.clear(f"staff:{staff.id}")
    return Staff.get_by_id(staff.id)
