"""更新のご案内 on the web: the mail's link, one-click unsubscribe, the 設定 toggle, staff pages.

/mypage/reminder/<token>              the link in the mail: counts "opened", then (after login,
                                      which returns here) that contract's 更新のお手続き
/reminders/unsubscribe/<token>        GET: the confirmation page; POST: stop (no login, no CSRF:
                                      RFC 8058 one-click POSTs come from the mailbox provider)
/mypage/settings/reminders            POST: 「更新のご案内メールを受け取る」 on or off
/staff/reminders/                     counts per group and the call-list CSV
"""
from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import jp
from ..extensions import csrf
from ..models import ReminderLog
from ..mypage.links import linked_contract
from ..staff.guard import admin_required, staff_required
from ..web import is_htmx, render, see_other
from . import links, staff

bp = Blueprint("reminders", __name__)


@bp.app_template_global("reminders_wanted")
def reminders_wanted(member) -> bool:
    return links.wanted(member.id)


# ------------------------------------------------------------- the mail's link

@bp.get("/mypage/reminder/<token>")
def follow(token: str):
    row = ReminderLog.by_token(token)
    if row is None:
        return render("reminders/link_invalid.html", "partials/reminders/link_invalid.html", status=404,
                      title="このURLは無効です")
    row.mark_opened()
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login_form", next=request.path))
    contract = linked_contract(current_user, row.contract.policy_number)
    if contract is None:  # another member's mail, or the contract was removed from My Page
        return redirect(url_for("mypage.top"))
    return redirect(url_for("renewal.entry", policy_number=contract.policy_number))


# --------------------------------------------------------- one-click unsubscribe

def _unsubscribe_page(name: str, status: int = 200, **ctx):
    titles = {"unsubscribe": "更新のご案内メールの配信停止", "unsubscribed": "配信を停止しました",
              "link_invalid": "このURLは無効です"}
    response = make_response(render(f"reminders/{name}.html", f"partials/reminders/{name}.html",
                                    status=status, title=titles[name], **ctx))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/reminders/unsubscribe/<token>")
def unsubscribe_form(token: str):
    member_id = links.member_of(token)
    if member_id is None:
        return _unsubscribe_page("link_invalid", 404)
    if not links.wanted(member_id):
        return _unsubscribe_page("unsubscribed", already=True)
    return _unsubscribe_page("unsubscribe", token=token)


@bp.post("/reminders/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_submit(token: str):
    member_id = links.member_of(token)
    if member_id is None:
        return _unsubscribe_page("link_invalid", 404)
    links.opt_out(member_id, "one-click")
    return _unsubscribe_page("unsubscribed", already=False)


# ------------------------------------------------------------- 設定

@bp.post("/mypage/settings/reminders")
@login_required
def setting_submit():
    wanted = request.form.get("reminders") == "y"
    if wanted:
        links.opt_in(current_user.id)
    else:
        links.opt_out(current_user.id, "settings")
    if is_htmx():
        response = make_response(render_template("partials/reminders/setting.html", member=current_user,
                                                 saved=True))
        response.vary.add("HX-Request")
        return response
    return see_other("settings.index", done="reminders")


# ------------------------------------------------------------- staff

def _days() -> int:
    value = request.args.get("days", "7")
    return int(value) if value.isdigit() and 0 <= int(value) <= 90 else 7


@bp.get("/staff/reminders/")
@staff_required
def staff_overview():
    return render("reminders/staff.html", "partials/reminders/staff.html", title="更新のご案内",
                  groups=staff.by_group(), days=_days())


@bp.get("/staff/reminders/not-renewed.csv")
@staff_required
@admin_required   # names and phone numbers in bulk: admins only, like the invitation letters
def staff_call_list():
    days = _days()
    today = jp.today()
    response = make_response(staff.call_list_csv(today, days))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (f"attachment; filename=not-renewed-{today.isoformat()}"
                                               f"-{days}days.csv")
    return response
