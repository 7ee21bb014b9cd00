"""ログイン, ワンタイムパスワード, ログアウト."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..models import Member, now
from ..web import hx_redirect, render, see_other
from . import devices, otp
from .forms import LoginForm, OtpForm
from .passwords import verify_password

bp = Blueprint("auth", __name__, url_prefix="/mypage")

WRONG_LOGIN = "メールアドレスまたはパスワードが正しくありません。"


def safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes to My Page top."""
    if target:
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/")
                and not target.startswith("//") and "\\" not in target):
            return target
    return url_for("mypage.top")


TITLES = {"login": "マイページログイン", "otp": "ワンタイムパスワードの入力"}


def _page(name: str, status: int = 200, **ctx):
    return render(f"auth/{name}.html", f"partials/auth/{name}.html", status=status,
                  title=TITLES[name], **ctx)


def _sign_in(member: Member):
    """Rotate the session at login: nothing from before survives (no fixation)."""
    next_url = safe_next(session.get("login_next"))
    session.clear()
    login_user(member)
    session.permanent = True
    member.last_login_at = now()
    member.save()
    return next_url


@bp.get("/login")
def login_form():
    if current_user.is_authenticated:
        return redirect(url_for("mypage.top"))
    if request.args.get("next"):
        session["login_next"] = safe_next(request.args["next"])
    return _page("login", form=LoginForm())


@bp.post("/login")
def login_submit():
    form = LoginForm()
    if not form.validate():
        return _page("login", 422, form=form)
    member = Member.by_email(form.email.data)
    if not verify_password(member.password_hash if member else None, form.password.data):
        return _page("login", 422, form=form, failed=WRONG_LOGIN)
    if devices.recognised(member, request.cookies.get(devices.COOKIE)):
        return hx_redirect(_sign_in(member))
    session["otp_attempt"] = otp.start(member, current_app.config["INSURER_NAME"])
    return see_other("auth.otp_form")


@bp.get("/login/otp")
def otp_form():
    if not session.get("otp_attempt"):
        return see_other("auth.login_form")
    return _page("otp", form=OtpForm())


@bp.post("/login/otp")
def otp_submit():
    if not session.get("otp_attempt"):
        return see_other("auth.login_form")
    form = OtpForm()
    if not form.validate():
        return _page("otp", 422, form=form)
    status, member = otp.check(session.get("otp_attempt"), form.code.data)
    if status == "ok":
        response = hx_redirect(_sign_in(member))
        if form.trust_device.data:
            devices.trust_this_browser(member, request.user_agent.string, response)
        return response
    if status == "wrong":
        form.code.errors = ["ワンタイムパスワードが正しくありません。"]
        return _page("otp", 422, form=form)
    session.pop("otp_attempt", None)
    messages = {
        "expired": "ワンタイムパスワードの有効期限が切れました。もう一度ログインしてください。",
        "locked": "ワンタイムパスワードを規定の回数以上間違えました。もう一度ログインしてください。",
        "missing": "ワンタイムパスワードは無効です。もう一度ログインしてください。",
    }
    return _page("login", 422, form=LoginForm(formdata=None), failed=messages[status])


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        member = Member.get_by_id(current_user.id)
        Member.update(session_version=Member.session_version + 1).where(Member.id == member.id).execute()
    logout_user()
    session.clear()
    return hx_redirect(url_for("auth.login_form", logged_out=1))
