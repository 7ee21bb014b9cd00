"""Opt-out of 更新のご案内: the 設定 toggle and the one-click link (RFC 8058).

The one-click link holds a token signed with the app key (itsdangerous, its own
salt): it names a member id and nothing else, never expires (an old mail's link
must still work) and can only ever switch reminders off. Transactional mail
(仮登録, one-time passwords, receipts) never looks at any of this.
"""
from __future__ import annotations

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


def unsubscribe_token(member_id: int) -> str:
    return _signer().dumps(member_id)


def member_of(token: str) -> int | None:
    """The member id the token was signed for; None for anything forged or mangled."""
    try:
        value = _signer().loads(token or "")
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


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
