"""設定: trusted devices, password, mail address, authenticator app, login history."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request, session, url_for
from flask_login import current_user, login_required, logout_user

from ..models import Member, TrustedDevice
from ..web import hx_redirect, render, see_other
from . import account, authenticator, devices
from .forms import AuthenticatorForm, ConfirmPasswordForm, EmailChangeForm, PasswordChangeForm
from .signin import sign_in
from .views import client

bp = Blueprint("settings", __name__, url_prefix="/mypage/settings")

TITLES = {
    "index": "設定",
    "devices": "信頼できる端末",
    "password": "パスワードの変更",
    "email": "メールアドレスの変更",
    "email_sent": "確認メールを送信しました",
    "email_confirm": "メールアドレスの変更",
    "authenticator": "認証アプリ",
    "history": "ログイン履歴",
}


def _page(name: str, status: int = 200, **ctx):
    return render(f"settings/{name}.html", f"partials/settings/{name}.html", status=status,
                  title=TITLES[name], **ctx)


def _me() -> Member:
    return Member.get_by_id(current_user.id)


@bp.get("/")
@login_required
def index():
    return _page("index", member=_me())


# ------------------------------------------------------- 信頼できる端末

@bp.get("/devices")
@login_required
def devices_list():
    me = _me()
    this = TrustedDevice.valid_for(me, request.cookies.get(devices.COOKIE))
    rows = [(d, devices.describe(d.user_agent)) for d in me.trusted_devices()]
    return _page("devices", rows=rows, this_id=this.id if this else None, done=request.args.get("done"))


@bp.post("/devices/<int:device_id>/revoke")
@login_required
def device_revoke(device_id: int):
    me = _me()
    if account.revoke_devices(me, device_id) == 0:
        abort(404)
    account.record(me, "device_revoked", client())
    return see_other("settings.devices_list", done="one")


@bp.post("/devices/revoke-all")
@login_required
def devices_revoke_all():
    me = _me()
    if account.revoke_devices(me):
        account.record(me, "device_revoked", client())
    return see_other("settings.devices_list", done="all")


# ------------------------------------------------------------ password

@bp.get("/password")
@login_required
def password_form():
    return _page("password", form=PasswordChangeForm())


@bp.post("/password")
@login_required
def password_submit():
    form = PasswordChangeForm()
    if not form.validate():
        return _page("password", 422, form=form)
    me = _me()
    if not account.change_password(me, form.current.data, form.password.data, client()):
        form.current.errors = ["現在のパスワードが正しくありません。"]
        return _page("password", 422, form=form)
    sign_in(me)  # the change ended every session: keep this one, fresh and rotated
    return hx_redirect(url_for("settings.index", done="password"))


# ------------------------------------------------------------ mail address

def _confirm_url(token: str) -> str:
    return current_app.config["BASE_URL"] + url_for("settings.email_confirm_form", token=token)


@bp.get("/email")
@login_required
def email_form():
    return _page("email", form=EmailChangeForm(), current=_me().email)


@bp.post("/email")
@login_required
def email_submit():
    form = EmailChangeForm()
    me = _me()
    if not form.validate():
        return _page("email", 422, form=form, current=me.email)
    if form.email.data == me.email:
        form.email.errors = ["現在と同じメールアドレスです。"]
        return _page("email", 422, form=form, current=me.email)
    result = account.request_email_change(me, form.current.data, form.email.data, _confirm_url, client())
    if result == "wrong_password":
        form.current.errors = ["現在のパスワードが正しくありません。"]
        return _page("email", 422, form=form, current=me.email)
    return see_other("settings.email_sent")


@bp.get("/email/sent")
@login_required
def email_sent():
    return _page("email_sent")


@bp.get("/email/confirm/<token>")
def email_confirm_form(token: str):
    if not current_user.is_authenticated:  # the link works for the member signed in: say so, then come back
        session["login_next"] = request.path
        return see_other("auth.login_form", email_confirm=1)
    row = account.email_change_for(_me(), token)
    return _page("email_confirm", 200 if row else 404, token=token, valid=row is not None,
                 new_email=row.new_email if row else None, form=ConfirmPasswordForm())


@bp.post("/email/confirm/<token>")
@login_required
def email_confirm_submit(token: str):
    member = account.confirm_email_change(_me(), token, client())
    if member is None:
        return _page("email_confirm", 404, token=token, valid=False, new_email=None, form=ConfirmPasswordForm())
    logout_user()
    session.clear()
    return hx_redirect(url_for("auth.login_form", email_changed=1))


# ------------------------------------------------------- authenticator app

@bp.get("/authenticator")
@login_required
def authenticator_form():
    me = _me()
    if me.uses_authenticator():
        return _page("authenticator", enabled=True, form=ConfirmPasswordForm())
    secret = session.get("totp_setup") or authenticator.new_secret()
    session["totp_setup"] = secret  # only this browser's session, sealed; confirmed by a code
    uri = authenticator.provisioning_uri(secret, me.email)
    return _page("authenticator", enabled=False, form=AuthenticatorForm(), secret=secret,
                 qr=authenticator.qr_svg(uri))


def _setup_page(me: Member, form: AuthenticatorForm, secret: str, status: int = 200):
    return _page("authenticator", status, enabled=False, form=form, secret=secret,
                 qr=authenticator.qr_svg(authenticator.provisioning_uri(secret, me.email)))


@bp.post("/authenticator")
@login_required
def authenticator_submit():
    me = _me()
    secret = session.get("totp_setup")
    form = AuthenticatorForm()
    if not secret:
        return see_other("settings.authenticator_form")
    if not form.validate():
        return _setup_page(me, form, secret, 422)
    digits = "".join(ch for ch in form.code.data if ch.isdigit())
    result = account.authenticator_on(me, form.current.data, secret, digits, client())
    if result == "wrong_password":
        form.current.errors = ["現在のパスワードが正しくありません。"]
        return _setup_page(me, form, secret, 422)
    if result == "wrong_code":
        form.code.errors = ["認証アプリの数字が正しくありません。時刻が合っているかもご確認ください。"]
        return _setup_page(me, form, secret, 422)
    session.pop("totp_setup", None)
    return _page("authenticator", enabled=True, recovery_codes=result, form=ConfirmPasswordForm())


@bp.post("/authenticator/disable")
@login_required
def authenticator_disable():
    me = _me()
    form = ConfirmPasswordForm()
    if not form.validate():
        return _page("authenticator", 422, enabled=True, form=form)
    if not account.authenticator_off(me, form.current.data, client()):
        form.current.errors = ["現在のパスワードが正しくありません。"]
        return _page("authenticator", 422, enabled=True, form=form)
    return see_other("settings.index", done="authenticator_off")


# ------------------------------------------------------------ login history

@bp.get("/history")
@login_required
def history():
    events = [(e, account.EVENT_LABELS.get(e.kind, e.kind), devices.describe(e.user_agent))
              for e in _me().login_events(30)]
    return _page("history", events=events)
