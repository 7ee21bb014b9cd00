"""My Page: top (contracts and their renewal status), contract detail, adding and
removing contracts, お客さま情報 (change requests), 退会. Thin: read, call, render.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, request, session, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.routing import BuildError

from ..registration.wizard import MAX_CONTRACTS
from ..renewal import plans
from ..renewal import wizard as renewal_wizard
from ..models import ChangeRequest, Renewal
from ..web import hx_redirect, render, see_other
from ..auth import limits
from .. import jp, lookup
from ..auth.views import client
from . import links, profile, withdrawal
from .forms import AddContractForm, ChangeForm, WithdrawForm

bp = Blueprint("mypage", __name__, url_prefix="/mypage")


def _page(name: str, title: str, status: int = 200, **ctx):
    return render(f"mypage/{name}.html", f"partials/mypage/{name}.html", status=status, title=title, **ctx)


def _settings_url() -> str | None:
    """設定 (mail address, password: the security area's pages) when that blueprint is there."""
    try:
        return url_for("settings.index")
    except BuildError:
        return None


# ------------------------------------------------------------------ top

@bp.get("/")
@login_required
def top():
    rows = plans.member_statuses(current_user._get_current_object(), jp.today(), plans.default_agency_email())
    contracts = [row.contract for row in rows]
    return _page("top", "マイページトップ", contracts=contracts, rows=rows,
                 can_add=len(contracts) < MAX_CONTRACTS, max_contracts=MAX_CONTRACTS,
                 notice=request.args.get("notice"), settings_url=_settings_url())


@bp.get("/renewal")
@login_required
def renewal_start():
    """Where the flyer's 更新のお手続き code leads (after login when needed): the renewal itself
    when one contract is open for it, else My Page top with the first open card in focus."""
    rows = plans.statuses(current_user.contracts(), jp.today(), plans.default_agency_email())
    open_ = [row.contract.policy_number for row in rows if row.status == "open"]
    if len(open_) == 1:
        return see_other(url_for("renewal.entry", policy_number=open_[0]))
    if open_:
        return see_other(url_for("mypage.top", notice="choose", _anchor=f"contract-{open_[0]}"))
    return see_other(url_for("mypage.top"))


# ------------------------------------------------------------ contracts

def _own(policy_number: str):
    contract = links.linked_contract(current_user, policy_number)
    if contract is None:
        abort(404)
    return contract


@bp.get("/contracts/<policy_number>/")
@login_required
def contract(policy_number: str):
    """Detail of one of the member's contracts (404 for anyone else's)."""
    row = _own(policy_number)
    status = plans.statuses([row], jp.today(), plans.default_agency_email())[0]
    return _page("contract", f"ご契約内容（{row.car_name}）", contract=row, row=status,
                 conditions=plans.conditions_of(row), history=list(Renewal.of_contract(row)))


@bp.get("/contracts/add")
@login_required
def add_form():
    if not links.can_add(current_user):
        return _page("add", "ご契約の追加", full=True, form=AddContractForm(formdata=None))
    return _page("add", "ご契約の追加", form=AddContractForm(data=links.identity_prefill(current_user)))


@bp.post("/contracts/add")
@login_required
def add_submit():
    form = AddContractForm()
    if lookup.wants_lookup(request.form):  # 住所を検索 without JavaScript
        fill = lookup.fill_form(form, request.form.get("address_pick"))
        return _page("add", "ご契約の追加", form=form, address_fill=fill)
    if not form.validate():
        return _page("add", "ご契約の追加", 422, form=form)
    try:
        contract = links.add(current_user, form.policy_number.data, form.profile(), limits.client_address())
    except links.LinkError as err:
        return _page("add", "ご契約の追加", 422, form=form, mismatch=err.message)
    return see_other("mypage.top", notice="added", policy=contract.policy_number)


@bp.get("/contracts/<policy_number>/remove")
@login_required
def remove_form(policy_number: str):
    contract = _own(policy_number)
    return _page("remove", "ご契約の削除", contract=contract)


@bp.post("/contracts/<policy_number>/remove")
@login_required
def remove_submit(policy_number: str):
    contract = _own(policy_number)
    links.remove(current_user, contract.policy_number)
    renewal_wizard.clear(session, contract)
    return see_other("mypage.top", notice="removed")


# ------------------------------------------------------------ お客さま情報

def _profile_page(form: ChangeForm | None = None, status: int = 200, problem: str | None = None,
                  editing: bool = False):
    holder = profile.holder(current_user)
    if form is None and holder is not None:
        form = ChangeForm(data={"postal_code": holder.postal_code, "address": holder.address,
                                "phone": holder.phone})
    name = "profile_change" if editing else "profile"
    title = "住所・電話番号の変更" if editing else "お客さま情報"
    return _page(name, title, status, holder=holder, form=form, mismatch=problem,
                 requests=list(ChangeRequest.of_member(current_user)),
                 contracts=list(current_user.contracts()),
                 notice=request.args.get("notice"), settings_url=_settings_url())


@bp.get("/profile")
@login_required
def profile_view():
    return _profile_page()


@bp.get("/profile/change")
@login_required
def change_form():
    return _profile_page(editing=True)


@bp.post("/profile/change")
@login_required
def change_submit():
    form = ChangeForm()
    if not form.validate():
        return _profile_page(form, 422, editing=True)
    try:
        profile.request_change(current_user, form.postal_code.data, form.address.data, form.phone.data,
                               current_app.config["INSURER_NAME"], jp.today())
    except profile.ProfileError as err:
        return _profile_page(form, 422, problem=err.message, editing=True)
    return see_other("mypage.profile_view", notice="requested")


# ------------------------------------------------------------------ 退会

@bp.get("/withdraw")
@login_required
def withdraw_form():
    return _page("withdraw", "退会", form=WithdrawForm(),
                 live=[r for r in plans.statuses(current_user.contracts(), jp.today(), plans.default_agency_email())
                       if r.live is not None])


@bp.post("/withdraw")
@login_required
def withdraw_submit():
    form = WithdrawForm()
    if not form.validate():
        return _page("withdraw", "退会", 422, form=form, live=[])
    try:
        withdrawal.withdraw(current_user.id, form.password.data, current_app.config["INSURER_NAME"], client())
    except withdrawal.WithdrawalError as err:
        form.password.errors = [err.message]
        return _page("withdraw", "退会", 422, form=form, live=[])
    logout_user()
    session.clear()
    return hx_redirect(url_for("mypage.withdrawn"))


@bp.get("/withdrawn")
def withdrawn():
    return _page("withdrawn", "退会手続き完了")
