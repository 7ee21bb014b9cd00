"""Opt-out of 更新のご案内: the 設定 toggle and the one-click link (RFC 8058).

The one-click link holds a token signed with the app key (itsdangerous, its own
salt): it names a member id and a digest of when that member registered, nothing else, never
expires (an old mail's link must still work) and can only ever switch reminders
off. The registration time is there because SQLite gives a withdrawn member's id
to the next member (see first_session_version): a link from the old member's
mail must not switch off, or show, the new member's setting. Transactional mail
(仮登録, one-time passwords, receipts) never looks at any of this.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from peewee import IntegrityError

from ..db import database
from ..models import Member, ReminderOptOut
from ..session import signing_keys

SALT = "clickar.reminders.unsubscribe"


def _signer() -> URLSafeSerializer:
    """Signs with the newest key; while a rotation runs (CLICKAR_SECRET_KEY=NEW,OLD) links
    signed with an old key, in mails already sent, still open."""
    return URLSafeSerializer(signing_keys(current_app), salt=SALT)


def _since(created_at: dt.datetime) -> str:
    """The registration time, not readable from the link (base64 is not a secret)."""
    return hashlib.sha256(f"{created_at:%Y%m%d%H%M%S%f}".encode()).hexdigest()[:16]


def unsubscribe_token(member_id: int, created_at: dt.datetime | None = None) -> str:
    """created_at: the member's (looked up when not given; the daily pass selects it)."""
    if created_at is None:
        created_at = Member.get_by_id(member_id).created_at
    return _signer().dumps([member_id, _since(created_at)])


def member_of(token: str) -> int | None:
    """The member id the token was signed for, while that member exists; None for anything
    forged or mangled, and for a member who has left (even if their id was given again)."""
    try:
        value = _signer().loads(token or "")
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
        return None
    member = Member.get_or_none(Member.id == value[0])
    return member.id if member is not None and _since(member.created_at) == value[1] else None


def wanted(member_id: int) -> bool:
    """True when the member receives 更新のご案内 (the default)."""
    return not ReminderOptOut.has(member_id)


def opt_out(member_id: int, via: str) -> None:
    """Stop reminders (idempotent; a member who has left needs nothing)."""
    if Member.get_or_none(Member.id == member_id) is None:
        return
    try:
        with database.atomic():
            ReminderOptOut.create(member=member_id, via=via)
    except IntegrityError:
        pass  # already off


def opt_in(member_id: int) -> None:
    ReminderOptOut.delete().where(ReminderOptOut.member == member_id).execute()
