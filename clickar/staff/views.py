"""/staff/login, /staff/logout and /staff/accounts. Thin: read the request, call accounts.py, render."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for

from ..auth import limits
from ..auth.limits import limiter
from ..models import Staff, StaffAudit
from ..web import hx_redirect, local_path, render
from . import accounts, reset
from .forms import StaffForgotForm, StaffLoginForm, StaffNewPasswordForm
from .guard import admin_required, guard

bp = guard(Blueprint("staff", __name__, url_prefix="/staff"),
           open_endpoints=frozenset({"staff.login_form", "staff.login_submit", "staff.forgot_form",
                                           "staff.forgot_submit", "staff.reset_form", "staff.reset_submit"}))

HOME = "flyers.campaign_list"  # the console's first page


@bp.app_context_processor
def _staff_context():
    return {"staff_user": g.get("staff")}


def safe_next(target: str | None) -> str:
    """Only paths inside the console; anything else goes to the console's first page."""
    return local_path(target, "/staff/") or url_for(HOME)


def _page(name: str, title: str, status: int = 200, **ctx):
    return render(f"staff/{name}.html", f"partials/staff/{name}.html", status=status, title=title, **ctx)


@bp.get("/login")
def login_form():
    if g.staff is not None:
        return redirect(url_for(HOME))
    return _page("login", "スタッフログイン", form=StaffLoginForm(), next=safe_next(request.args.get("next")),
                 logged_out=request.args.get("logged_out"), was_reset=request.args.get("reset"))


@bp.post("/login")
@limiter.limit(lambda: limits.rule("login-client"))
def login_submit():
    form = StaffLoginForm()
    next_url = safe_next(request.form.get("next"))
    if not form.validate():
        return _page("login", "スタッフログイン", 422, form=form, next=next_url)
    staff = accounts.authenticate(form.email.data, form.password.data, limits.client_address())
    if staff is None:
        return _page("login", "スタッフログイン", 422, form=form, next=next_url,
                     failed="メールアドレスまたはパスワードが正しくありません。")
    accounts.sign_in(session, staff)
    return hx_redirect(next_url)


@bp.post("/logout")
def logout():
    accounts.sign_out(session)
    return hx_redirect(url_for("staff.login_form", logged_out=1))


@bp.get("/accounts")
@admin_required
def accounts_page():
    return _page("accounts", "スタッフアカウント", accounts=list(Staff.everyone()), audit=list(StaffAudit.latest()),
                 sent_to=request.args.get("sent"), disabled_prefix=accounts.DISABLED_PREFIX)


# ------------------------------------------------ password reset (issue 19 item 23)

def _reset_url(token: str) -> str:
    return current_app.config["BASE_URL"] + url_for("staff.reset_form", token=token)


@bp.post("/accounts/<int:staff_id>/reset")
@admin_required
def accounts_reset(staff_id: int):
    target = Staff.get_or_none(Staff.id == staff_id) or abort(404)
    if not reset.admin_reset(g.staff, target, _reset_url, limits.client_address()):
        abort(409)
    return hx_redirect(url_for("staff.accounts_page", sent=target.email))


@bp.get("/password/forgot")
def forgot_form():
    return _page("forgot", "スタッフのパスワード再設定", form=StaffForgotForm())


@bp.post("/password/forgot")
def forgot_submit():
    form = StaffForgotForm()
    if not form.validate():
        return _page("forgot", "スタッフのパスワード再設定", 422, form=form)
    reset.request_reset(form.email.data, _reset_url, limits.client_address())
    return _page("forgot", "スタッフのパスワード再設定", form=form, sent=True)


def _reset_page(token: str, status: int = 200, form=None):
    if reset.live_link(token) is None:
        return _page("reset_invalid", "このURLは無効です", 404)
    return _page("reset", "新しいパスワードの設定", status, form=form or StaffNewPasswordForm(), token=token)


@bp.get("/password/reset/<token>")
def reset_form(token: str):
    return _reset_page(token)


@bp.post("/password/reset/<token>")
def reset_submit(token: str):
    form = StaffNewPasswordForm()
    if not form.validate():
        return _reset_page(token, 422, form)
    if reset.reset_password(token, form.password.data, limits.client_address()) is None:
        return _page("reset_invalid", "このURLは無効です", 404)
    accounts.sign_out(session)
    return hx_redirect(url_for("staff.login_form", reset=1))
