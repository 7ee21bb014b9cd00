"""Flask extensions: login manager and CSRF."""
from __future__ import annotations

from flask import session
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()


@login_manager.user_loader
def load_member(user_id: str):
    """`id:session_version` — a bumped version ends every older session."""
    from .models import Member

    member_id, _, version = user_id.partition(":")
    if not member_id.isdigit() or not version.isdigit():
        return None
    from .models.base import cached_select

    found = cached_select("member-by-id", lambda ids: Member.select().where(Member.id == ids[0]),
                          [int(member_id)])
    member = found[0] if found else None
    if member is None or member.session_version != int(version):
        return None
    return member


@login_manager.unauthorized_handler
def _login_first():
    from flask import request

    from .auth.views import safe_next
    from .web import hx_redirect

    session["login_next"] = safe_next(request.full_path.rstrip("?"))
    return hx_redirect("/mypage/login")


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None  # the sealed cookie and session version do this job
    csrf.init_app(app)
