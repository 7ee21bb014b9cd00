"""/staff/login, /staff/logout and /staff/accounts. Thin: read the request, call accounts.py, render."""
from __future__ import annotations

from flask import Blueprint, g, redirect, request, session, url_for

from ..auth import limits
from ..auth.limits import limiter
from ..models import Staff
from ..web import hx_redirect, local_path, render
from . import accounts
from .forms import StaffLoginForm
from .guard import admin_required, guard

bp = guard(Blueprint("staff", __name__, url_prefix="/staff"),
           open_endpoints=frozenset({"staff.login_form", "staff.login_submit"}))

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
                 logged_out=request.args.get("logged_out"))


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
    return _page("accounts", "スタッフアカウント", accounts=list(Staff.everyone()))
