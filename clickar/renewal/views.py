"""Renewal views: thin — read the request, call wizard.py, render.

One URL per step under /mypage/contracts/<policy_number>/renewal/.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import (Blueprint, abort, current_app, make_response, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_required

from ..flyers import tracking
from ..models import Contract, Renewal
from ..mypage.links import linked_contract
from ..web import hx_redirect, is_htmx, render, see_other
from .. import jp
from . import disclosure_pdf, plans, rating, window, wizard
from .forms import DisclosureForm, OptionsForm

bp = Blueprint("renewal", __name__, url_prefix="/mypage/contracts/<policy_number>/renewal",
               cli_group=None)


@bp.app_template_global("option_label")
def option_label(item: str, code: str) -> str:
    return rating.label(item, code)


@bp.app_template_global("option_choices")
def option_choices(item: str):
    """((code, label), …) of an option, in the order the customer sees them."""
    return rating.OPTIONS[item]


@bp.app_template_filter("yen")
def yen(amount: int) -> str:
    """12345 → 12,345円 (integer yen)."""
    return f"{int(amount):,}円"


agency_email_default = plans.default_agency_email


@dataclass
class Ctx:
    contract: Contract
    live: Renewal | None
    plan: plans.Plan
    draft: dict
    today: object

    @property
    def state(self) -> str:
        return self.plan.window.state(self.today)

    @property
    def new_term(self) -> tuple:
        return self.contract.insurance_end, window.one_year_after(self.contract.insurance_end)


def _ctx(policy_number: str) -> Ctx:
    contract = linked_contract(current_user, policy_number)
    if contract is None:
        abort(404)
    live = Renewal.live_for(contract, contract.insurance_end)
    return Ctx(contract=contract, live=live, plan=plans.plan_of(contract, agency_email_default()),
               draft=wizard.draft(session, contract, live), today=jp.today())


def _url(endpoint: str, c: Ctx, **values) -> str:
    return url_for(f"renewal.{endpoint}", policy_number=c.contract.policy_number, **values)


def _guard(c: Ctx, step: str):
    """Renewed → the receipt; outside the period → the entry page; ahead → first unfinished step."""
    if c.live is not None:
        return see_other(_url("receipt", c, receipt_number=c.live.receipt_number))
    if c.state != window.OPEN:
        return see_other(_url("entry", c))
    if not wizard.may_visit(c.draft, step):
        return see_other(_url(f"{wizard.first_unfinished(c.draft)}_form", c))
    return None


def _page(name: str, c: Ctx, status: int = 200, title: str | None = None, **ctx):
    return render(f"renewal/{name}.html", f"partials/renewal/{name}.html", status=status,
                  step=name, title=title or wizard.TITLES.get(name, ""), c=c, contract=c.contract,
                  plan=c.plan, **ctx)


# ------------------------------------------------------------ entry

@bp.get("/")
@login_required
def entry(policy_number: str):
    """更新のお手続き: the receipt when done, the period when outside it, else the next step."""
    c = _ctx(policy_number)
    if c.live is not None:
        return redirect(_url("receipt", c, receipt_number=c.live.receipt_number), 303)
    if c.state != window.OPEN:
        return _page("closed", c, title="更新のお手続きの受付期間外です")
    return redirect(_url(f"{wizard.first_unfinished(c.draft)}_form", c), 303)


# ------------------------------------------------------ 1 ご契約内容の確認

@bp.get("/contract")
@login_required
def contract_form(policy_number: str):
    c = _ctx(policy_number)
    if (guard := _guard(c, "contract")) is not None:
        return guard
    return _page("contract", c, conditions=plans.conditions_of(c.contract))


@bp.post("/contract")
@login_required
def contract_submit(policy_number: str):
    c = _ctx(policy_number)
    if (guard := _guard(c, "contract")) is not None:
        return guard
    wizard.confirm_contract(session, c.contract)
    return see_other(_url("options_form", c))


# ------------------------------------------------------ 2 更新内容の選択

def _options_page(c: Ctx, form: OptionsForm, status: int = 200, recalculated: bool = False):
    conditions = plans.conditions_of(c.contract)
    return _page("options", c, status, form=form, conditions=conditions,
                 recalculated=recalculated, **_quote_ctx(c, form, conditions))


def _safe_price(conditions, plan, options):
    try:
        return wizard.price(conditions, plan, options), None
    except rating.RatingError as err:
        return None, err.message


def _quote_ctx(c: Ctx, form: OptionsForm, conditions) -> dict:
    priced, error = _safe_price(conditions, c.plan, form.options())
    return {"priced": priced, "quote_error": error, "quote_url": _url("quote", c),
            "current": _safe_price(conditions, c.plan, conditions.options)[0]}


@bp.get("/options")
@login_required
def options_form(policy_number: str):
    c = _ctx(policy_number)
    if (guard := _guard(c, "options")) is not None:
        return guard
    conditions = plans.conditions_of(c.contract)
    form = OptionsForm(data=wizard.chosen_options(c.draft, conditions))
    return _options_page(c, form)


@bp.post("/options")
@login_required
def options_submit(policy_number: str):
    c = _ctx(policy_number)
    if (guard := _guard(c, "options")) is not None:
        return guard
    form = OptionsForm()
    if request.form.get("action") == "quote":  # 再計算 without JavaScript
        wizard.keep_options(session, c.contract, form.options())
        valid = form.validate()
        return _options_page(c, form, 200 if valid else 422, recalculated=valid)
    if not form.validate():
        wizard.keep_options(session, c.contract, form.options())
        return _options_page(c, form, 422)
    wizard.submit_options(session, c.contract, form.options())
    return see_other(_url("premium_form", c))


@bp.post("/options/quote")
@login_required
def quote(policy_number: str):
    """The live premium: a small self-targeting partial (htmx, hx-trigger=change)."""
    c = _ctx(policy_number)
    if (guard := _guard(c, "options")) is not None:
        return hx_redirect(guard.location) if is_htmx() else guard
    form = OptionsForm()
    wizard.keep_options(session, c.contract, form.options())
    if not is_htmx():
        return see_other(_url("options_form", c))
    valid = form.validate()
    conditions = plans.conditions_of(c.contract)
    response = make_response(render_template("partials/renewal/_quote.html", c=c, plan=c.plan,
                                              **_quote_ctx(c, form, conditions)), 200 if valid else 422)
    response.vary.add("HX-Request")
    return response


# ------------------------------------------------------ 3 保険料の確認

def _priced_draft(c: Ctx):
    conditions = plans.conditions_of(c.contract)
    priced, error = _safe_price(conditions, c.plan, c.draft.get("options") or {})
    return conditions, priced, error


def _premium_step(policy_number: str):
    """(c, conditions, priced, None), or (…, the response) when the member may not be here
    or there is no price (back to the options)."""
    c = _ctx(policy_number)
    if (away := _guard(c, "premium")) is None:
        conditions, priced, _error = _priced_draft(c)
        if priced is not None:
            return c, conditions, priced, None
        away = see_other(_url("options_form", c))
    return c, None, None, away


@bp.get("/premium")
@login_required
def premium_form(policy_number: str):
    c, conditions, priced, away = _premium_step(policy_number)
    if away is not None:
        return away
    return _page("premium", c, conditions=conditions, priced=priced,
                 changed=request.args.get("notice") == "changed")


@bp.post("/premium")
@login_required
def premium_submit(policy_number: str):
    c, _conditions, priced, away = _premium_step(policy_number)
    if away is not None:
        return away
    wizard.accept_premium(session, c.contract, priced.quote.annual)
    return see_other(_url("disclosure_form", c))


# -------------------------------------------------- 4 重要事項説明・意向確認

def _disclosure_page(c: Ctx, form: DisclosureForm, status: int = 200):
    conditions, priced, _error = _priced_draft(c)
    return _page("disclosure", c, status, form=form, conditions=conditions, priced=priced,
                 options=rating.normalise_options(c.draft.get("options") or {}))


@bp.get("/disclosure.pdf")
@login_required
def disclosure_document(policy_number: str):
    """The 重要事項説明書 of this renewal as a PDF (the same text as the step)."""
    c = _ctx(policy_number)
    markup = render_template("partials/renewal/_disclosure_text.html", c=c, contract=c.contract, plan=c.plan)
    subject = f"{c.contract.car_name}（証券番号 {c.contract.policy_number}）の更新"
    body = disclosure_pdf.disclosure_pdf(markup, subject, current_app.config["INSURER_NAME"])
    response = make_response(body)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = 'inline; filename="juyo-jiko-setsumei.pdf"'
    return response


@bp.get("/disclosure")
@login_required
def disclosure_form(policy_number: str):
    c = _ctx(policy_number)
    if (guard := _guard(c, "disclosure")) is not None:
        return guard
    done = bool(c.draft.get("consent"))
    return _disclosure_page(c, DisclosureForm(data={"read_disclosure": done, "intent_confirmed": done}))


@bp.post("/disclosure")
@login_required
def disclosure_submit(policy_number: str):
    c = _ctx(policy_number)
    if (guard := _guard(c, "disclosure")) is not None:
        return guard
    form = DisclosureForm()
    if not form.validate():
        return _disclosure_page(c, form, 422)
    wizard.accept_disclosure(session, c.contract, form.read_disclosure.data, form.intent_confirmed.data)
    return see_other(_url("review_form", c))


# ------------------------------------------------------------ 5 最終確認

def _review_page(c: Ctx, status: int = 200, problem: str | None = None):
    conditions, priced, _error = _priced_draft(c)
    return _page("review", c, status, conditions=conditions, priced=priced,
                 options=rating.normalise_options(c.draft.get("options") or {}), mismatch=problem,
                 member_email=current_user.email)


@bp.get("/review")
@login_required
def review_form(policy_number: str):
    c = _ctx(policy_number)
    if (guard := _guard(c, "review")) is not None:
        return guard
    return _review_page(c)


@bp.post("/review")
@login_required
def review_submit(policy_number: str):
    """確定. A renewal made meanwhile (double submit, other tab or device) is shown, not duplicated."""
    c = _ctx(policy_number)
    if c.live is None and (guard := _guard(c, "review")) is not None:
        return guard
    try:
        result = wizard.confirm(session, c.contract, current_user, c.today,
                                current_app.config["INSURER_NAME"], agency_email_default())
    except wizard.RenewalError as err:
        if err.step in (None, "review"):
            if c.state != window.OPEN:
                return see_other(_url("entry", c))
            return _review_page(c, 422, problem=err.message)
        return see_other(_url(f"{err.step}_form", c, notice="changed") if err.step == "premium"
                         else _url(f"{err.step}_form", c))
    if result.created:
        tracking.record_renewal_completed(current_user.id)  # the flyer funnel's last step
    return see_other(_url("done", c, again=None if result.created else "1"))


# ------------------------------------------------------------------ 6 完了

@bp.get("/done")
@login_required
def done(policy_number: str):
    c = _ctx(policy_number)
    if c.live is None or c.draft.get("renewal") != c.live.receipt_number:
        return see_other(_url("entry", c))
    return _page("done", c, renewal=c.live, again=bool(request.args.get("again")),
                 member_email=current_user.email)


# ------------------------------------------------- お手続き内容の確認・取消

def _receipt_ctx(policy_number: str, receipt_number: str):
    c = _ctx(policy_number)
    renewal = Renewal.by_receipt(receipt_number, c.contract)
    if renewal is None:
        abort(404)
    return c, renewal


def _receipt_page(c: Ctx, renewal: Renewal, name: str = "receipt", status: int = 200, problem=None):
    titles = {"receipt": "更新のお手続き内容", "cancel": "更新のお手続きの取消"}
    return _page(name, c, status, title=titles[name], renewal=renewal, rows=wizard.summary_rows(renewal),
                 can_cancel=(not renewal.is_cancelled and c.state == window.OPEN),
                 mismatch=problem, history=list(Renewal.of_contract(c.contract)))


@bp.get("/receipts/<receipt_number>")
@login_required
def receipt(policy_number: str, receipt_number: str):
    c, renewal = _receipt_ctx(policy_number, receipt_number)
    return _receipt_page(c, renewal)


@bp.get("/receipts/<receipt_number>/cancel")
@login_required
def cancel_form(policy_number: str, receipt_number: str):
    c, renewal = _receipt_ctx(policy_number, receipt_number)
    if renewal.is_cancelled or c.state != window.OPEN:
        return see_other(_url("receipt", c, receipt_number=receipt_number))
    return _receipt_page(c, renewal, "cancel")


@bp.post("/receipts/<receipt_number>/cancel")
@login_required
def cancel_submit(policy_number: str, receipt_number: str):
    c, renewal = _receipt_ctx(policy_number, receipt_number)
    try:
        wizard.cancel(renewal, c.today, current_app.config["INSURER_NAME"], agency_email_default())
    except wizard.RenewalError as err:
        return _receipt_page(c, renewal, "cancel", 422, problem=err.message)
    wizard.clear(session, c.contract)
    return see_other(_url("receipt", c, receipt_number=receipt_number))
