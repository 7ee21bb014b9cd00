"""One sign-in for members: registration's 本登録, login, and staying signed in after a settings change."""
from __future__ import annotations

from flask import session
from flask_login import login_user

from ..models import Member


def sign_in(member: Member) -> Member:
    """A fresh session for `member`: nothing from before survives (no session fixation), the
    member as stored now (its current session version), kept for PERMANENT_SESSION_LIFETIME.
    Returns the member as loaded."""
    session.clear()
    member = Member.get_by_id(member.id)
    login_user(member)
    session.permanent = True
    return member
