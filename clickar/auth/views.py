"""ログイン, ワンタイムパスワード, ログアウト, パスワードをお忘れの方."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user

from ..db import database
from ..models import Member
from ..web import hx_redirect, local_path, render, see_other
from . import account, devices, limits, otp
from .forms import ForgotForm, LoginForm, OtpForm, ResetForm
from .limits import limiter
from .signin import sign_in

bp = Blueprint("auth", __name__, url_prefix="/mypage")

WRONG_LOGIN = "メールアドレスまたはパスワードが正しくありません。"

TITLES = {
    "login": "マイページログイン",
    "otp": "ワンタイムパスワードの入力",
    "forgot": "パスワードをお忘れの方",
    "forgot_sent": "パスワード再設定メールの送信",
    "reset": "パスワードの再設定",
    "reset_invalid": "URLをご確認ください",
}


def safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes to My Page top."""
    return local_path(target) or url_for("mypage.top")


def client() -> account.Client:
    return account.Client.of(request.remote_addr, request.user_agent.string, limits.client_address())


def _page(name: str, status: int = 200, **ctx):
    return render(f"auth/{name}.html", f"partials/auth/{name}.html", status=status,
                  title=TITLES[name], **ctx)


def _sign_in(member: Member) -> str:
    """Rotate the session at login: nothing from before survives (no fixation)."""
    next_url = safe_next(session.get("login_next"))
    member = sign_in(member)
    account.signed_in(member, client())
    return next_url


# ------------------------------------------------------------------ login

@bp.get("/login")
def login_form():
    if current_user.is_authenticated:
        return redirect(url_for("mypage.top"))
    if request.args.get("next"):
        session["login_next"] = safe_next(request.args["next"])
    return _page("login", form=LoginForm())


@bp.post("/login")
@limiter.limit(lambda: limits.rule("login-client"))
def login_submit():
    form = LoginForm()
    if not form.validate():
        return _page("login", 422, form=form)
    member = account.check_login(form.email.data, form.password.data, client(),
                                 request.cookies.get(devices.COOKIE))
    if member is None:
        return _page("login", 422, form=form, failed=WRONG_LOGIN)
    if devices.recognised(member, request.cookies.get(devices.COOKIE)):
        return hx_redirect(_sign_in(member))
    session["otp_attempt"] = otp.start(member, current_app.config["INSURER_NAME"])
    return see_other("auth.otp_form")


# ------------------------------------------------------- one-time password

@bp.get("/login/otp")
def otp_form():
    member = otp.attempt_member(session.get("otp_attempt"))
    if member is None:
        return see_other("auth.login_form")
    return _otp_page(member, OtpForm(), resent=request.args.get("resent"))


def _otp_page(member: Member, form: OtpForm, status: int = 200, resent: str | None = None):
    """The code screen says where the code went (t***@example.jp) and when 再送 works."""
    return _page("otp", status, form=form, authenticator=member.uses_authenticator(),
                 masked_email=account.mask_email(member.email), resent=resent,
                 wait=otp.resend_wait(session.get("otp_attempt")))


@bp.post("/login/otp/resend")
@limiter.limit(lambda: limits.rule("otp-client"))
def otp_resend():
    member = otp.attempt_member(session.get("otp_attempt"))
    if member is None:
        return see_other("auth.login_form")
    status = otp.resend(session.get("otp_attempt"), current_app.config["INSURER_NAME"])
    return see_other("auth.otp_form", resent=status)


@bp.post("/login/otp")
@limiter.limit(lambda: limits.rule("otp-client"))
def otp_submit():
    member = otp.attempt_member(session.get("otp_attempt"))
    if member is None:
        return see_other("auth.login_form")
    form = OtpForm()
    if not form.validate():
        return _otp_page(member, form, 422)
    attempt = session.get("otp_attempt")
    checked = otp.check(attempt, form.code.data)
    status, member_ok = checked.status, checked.member
    if status in ("ok", "recovery"):
        with database.atomic():  # the code is spent only if the sign-in is written too
            if otp.spend(attempt, checked):
                response = hx_redirect(_sign_in(member_ok))
                if status == "recovery":
                    account.record(member_ok, "recovery_used", client())
                if form.trust_device.data:
                    devices.trust_this_browser(member_ok, request.user_agent.string, response)
                    account.record(member_ok, "device_trusted", client())
                return response
        status = "missing"  # a parallel tap used it first
    if status == "wrong":
        account.record(member, "otp_failed", client())
        form.code.errors = ["ワンタイムパスワードが正しくありません。"]
        return _otp_page(member, form, 422)
    session.pop("otp_attempt", None)
    messages = {
        "expired": "ワンタイムパスワードの有効期限が切れました。もう一度ログインしてください。",
        "locked": "ワンタイムパスワードを規定の回数以上間違えました。もう一度ログインしてください。",
        "missing": "ワンタイムパスワードは無効です。もう一度ログインしてください。",
        "stopped": ("ワンタイムパスワードの誤りが続いたため、安全のためログインを停止しました。"
                    "「パスワードをお忘れの方」から、パスワードを再設定してください。"),
    }
    return _page("login", 422, form=LoginForm(formdata=None), failed=messages[status])


# ------------------------------------------------------------------ logout

@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        member = Member.get_by_id(current_user.id)
        account.end_all_sessions(member)
        account.record(member, "logout", client())
    logout_user()
    session.clear()
    return hx_redirect(url_for("auth.login_form", logged_out=1))


# --------------------------------------------------- パスワードをお忘れの方

def _reset_url(token: str) -> str:
    return current_app.config["BASE_URL"] + url_for("auth.reset_form", token=token)


@bp.get("/password/forgot")
def forgot_form():
    return _page("forgot", form=ForgotForm())


@bp.post("/password/forgot")
def forgot_submit():
    form = ForgotForm()
    if not form.validate():
        return _page("forgot", 422, form=form)
    account.request_reset(form.email.data, _reset_url, limits.client_address())
    return see_other("auth.forgot_sent")


@bp.get("/password/forgot/sent")
def forgot_sent():
    return _page("forgot_sent")


@bp.get("/password/reset/<token>")
def reset_form(token: str):
    from ..models import AccountToken

    if AccountToken.live("reset", token) is None:
        return _page("reset_invalid", 404)
    return _page("reset", form=ResetForm(), token=token)


@bp.post("/password/reset/<token>")
def reset_submit(token: str):
    from ..models import AccountToken

    if AccountToken.live("reset", token) is None:
        return _page("reset_invalid", 404)
    form = ResetForm()
    if not form.validate():
        return _page("reset", 422, form=form, token=token)
    member = account.reset_password(token, form.password.data, client())
    if member is None:
        return _page("reset_invalid", 404)
    logout_user()
    session.clear()
    return hx_redirect(url_for("auth.login_form", reset=1))
