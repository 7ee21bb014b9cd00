"""Registration views: thin — read the request, call wizard.py, render."""
from __future__ import annotations

from flask import Blueprint, current_app, request, session, url_for

from ..auth import account, devices, limits
from ..auth import forms as auth_forms  # a module: auth.forms imports registration.forms
from ..auth.passwords import password_problem
from ..auth.limits import limiter
from ..auth.signin import sign_in
from .. import lookup
from ..flyer_words import STEPS
from ..flyers import tracking
from ..models import Campaign
from ..web import hx_redirect, render, see_other
from . import wizard
from .forms import EmailFixForm, InfoForm, TermsForm, VerifyForm

bp = Blueprint("registration", __name__, url_prefix="/mypage/register")


def _verify_url(token: str) -> str:
    return current_app.config["BASE_URL"] + url_for("registration.verify_form", token=token)


def _guard(step: str):
    """Jumping ahead goes back to the first unfinished step."""
    d = wizard.draft(session)
    if not wizard.may_visit(d, step):
        return see_other(f"registration.{wizard.first_unfinished(d)}_form")
    return None


TITLES = {
    "overview": "マイページご利用までの流れ",
    "terms": STEPS[4],
    "info": STEPS[5],
    "confirm": STEPS[6],
    "sent": STEPS[7],
    "verify": STEPS[9],
    "link_invalid": "本登録URLをご確認ください",
    "done": STEPS[10],
    "forgot": "本登録のパスワードをお忘れの方",
    "new_password": "パスワードを設定して本登録",
}


def _step(name: str, status: int = 200, **ctx):
    return render(f"registration/{name}.html", f"partials/registration/{name}.html",
                  status=status, step=name, title=TITLES[name], **ctx)


# ------------------------------------------------------------ 3 流れ

@bp.get("/")
def overview():
    return _step("overview")


# ---------------------------------------------------------- 4 会員規定

@bp.get("/terms")
def terms_form():
    form = TermsForm(agree=wizard.draft(session).get("terms", False))
    return _step("terms", form=form)


@bp.post("/terms")
def terms_submit():
    form = TermsForm()
    if not form.validate():
        return _step("terms", 422, form=form)
    wizard.accept_terms(session)
    tracking.record_registration_started(session.get("campaign"), wizard.draft(session)["id"])
    return see_other("registration.info_form")


# --------------------------------------------------- 5 お客さま情報の入力

def _info_form_from_draft() -> InfoForm:
    info = wizard.draft(session).get("info") or {}
    data = {k: info.get(k, "") for k in wizard.PROFILE_FIELDS}
    data["policy_numbers"] = info.get("policy_numbers") or [""]
    return InfoForm(formdata=None, data=data, password_on_file=wizard.has_password(session))


@bp.get("/info")
def info_form():
    if (guard := _guard("info")) is not None:
        return guard
    return _step("info", form=_info_form_from_draft())


def _posted_info_form() -> InfoForm:
    return InfoForm(password_on_file=wizard.has_password(session))


@bp.post("/info")
def info_submit():
    # register-client (each post may hash a password, argon2) is counted once per post, before
    # anything is hashed: a valid 次へ counts it with the identity limits in one Redis round trip
    # (wizard.submit_info), every other post on its own, first.
    post = limits.route_event("register-client")
    if (guard := _guard("info")) is not None:
        limits.hit(*post)
        return guard
    form = _posted_info_form()
    action = request.form.get("action", "next")
    checks_identity = (action not in ("add", "remove") and not lookup.wants_lookup(request.form)
                       and form.validate())
    if not checks_identity:
        limits.hit(*post)
    if action in ("add", "remove"):
        return _change_rows(form, action)
    if lookup.wants_lookup(request.form):  # 住所を検索 without JavaScript: the whole step again, nothing lost
        fill = lookup.fill_form(form, request.form.get("address_pick"))
        _keep_typed(form, [e.data or "" for e in form.policy_numbers.entries])
        return _step("info", form=_info_form_from_draft(), address_fill=fill)
    if not checks_identity:  # validation errors
        if form.password.data and not form.password.errors and not form.password_confirm.errors:
            wizard.keep_typed(session, form.profile(), form.policy_number_values(), form.password.data)
        form.password_on_file = wizard.has_password(session)  # kept now: no 必須 badge on blank fields
        return _step("info", 422, form=form)
    try:
        wizard.submit_info(session, form.profile(), form.policy_number_values(),
                           form.password.data or None, limits.client_address(), also=[post])
    except wizard.WizardError as err:
        form.password_on_file = wizard.has_password(session)
        return _step("info", 422, form=form, mismatch=err.message, agency=_agency())
    return see_other("registration.confirm_form")


def _agency():
    """The flyer's 取扱代理店 (printed on it, not personal data) when the visitor came by its code."""
    code = session.get("campaign")
    campaign = Campaign.by_code(code) if isinstance(code, str) and code else None
    return campaign if campaign is not None and campaign.agency_name else None


def _keep_typed(form: InfoForm, numbers: list[str]) -> None:
    """Save what was typed, unvalidated, to show the step again; a good password (typed twice) too."""
    password = form.password.data if form.password.data == form.password_confirm.data else None
    if password and password_problem(password):
        password = None
    wizard.keep_typed(session, form.profile(), numbers, password)


def _change_rows(form: InfoForm, action: str):
    """追加 / 削除 of a 証券番号 row. Without JavaScript the whole step re-renders."""
    numbers = [e.data or "" for e in form.policy_numbers.entries]
    if action == "add" and len(numbers) < wizard.MAX_CONTRACTS:
        numbers.append("")
    elif action == "remove":
        index = request.args.get("row", type=int)
        if index is not None and 0 < index < len(numbers):
            numbers.pop(index)
    _keep_typed(form, numbers)
    focus = len(numbers) - 1 if action == "add" else None
    if request.headers.get("HX-Target") == "policy-numbers":
        new_form = InfoForm(formdata=None, data={"policy_numbers": numbers})
        return render("registration/info.html", "partials/registration/_policy_numbers.html",
                      form=new_form, focus_row=focus, title=TITLES["info"])
    return _step("info", form=_info_form_from_draft(), focus_row=focus)


# ------------------------------------------------------ 6 お客さま情報の確認

@bp.get("/confirm")
def confirm_form():
    if (guard := _guard("confirm")) is not None:
        return guard
    return _step("confirm", info=wizard.draft(session)["info"], form=TermsForm())


@bp.post("/confirm")
def confirm_submit():
    if (guard := _guard("confirm")) is not None:
        return guard
    try:
        wizard.confirm(session, _verify_url, limits.client_address())
    except wizard.WizardError as err:
        d = wizard.draft(session)
        return _step("confirm", 422, info=d.get("info") or {}, form=TermsForm(), mismatch=err.message,
                     agency=_agency())
    return see_other("registration.sent_form")


# ------------------------------------------------------------ 7 仮登録受付

@bp.get("/sent")
def sent_form():
    if (guard := _guard("sent")) is not None:
        return guard
    return _step("sent", info=wizard.draft(session)["info"], form=TermsForm(),
                 resent=request.args.get("resent"), wait=wizard.resend_wait(session),
                 email_form=EmailFixForm(formdata=None))


@bp.post("/sent/email")
def change_email():
    """メールアドレスを修正する: a typo at step 5 no longer means starting over."""
    if (guard := _guard("sent")) is not None:
        return guard
    form = EmailFixForm()
    if not form.validate():
        return _step("sent", 422, info=wizard.draft(session)["info"], form=TermsForm(),
                     wait=wizard.resend_wait(session), email_form=form, fixing=True)
    status = wizard.change_email(session, form.email.data, _verify_url)
    return see_other("registration.sent_form", resent="changed" if status == "sent" else status)


@bp.post("/sent/resend")
def resend():
    if (guard := _guard("sent")) is not None:
        return guard
    status = wizard.resend(session, _verify_url)
    return see_other("registration.sent_form", resent=status)


# ---------------------------------------------------------------- 9 本登録

@bp.get("/verify/<token>")
def verify_form(token: str):
    state, _ = wizard.link_state(token)
    if state != "ok":
        return _step("link_invalid", 410 if state == "expired" else 404, state=state)
    return _step("verify", form=VerifyForm(), token=token)


@bp.post("/verify/<token>")
@limiter.limit(lambda: limits.rule("register-client"))  # each post may hash a password (argon2)
def verify_submit(token: str):
    form = VerifyForm()
    state, _ = wizard.link_state(token)
    if state != "ok":
        return _step("link_invalid", 410 if state == "expired" else 404, state=state)
    if not form.validate():
        return _step("verify", 422, form=form, token=token)
    try:
        member = wizard.complete(token, form.password.data, current_app.config["INSURER_NAME"])
    except wizard.WizardError as err:
        form.password.errors = [err.message]
        return _step("verify", 422, form=form, token=token)
    return _sign_in_new_member(member, form.trust_device.data)


def _sign_in_new_member(member, trust_device: bool):
    """本登録 done: a fresh session for the new member (no fixation), signed in."""
    tracking.record_registered(tracking.registration_wizard_id(member.id), member.id)
    wizard.finish(session)
    member = sign_in(member)  # a fresh session for the new member (no fixation)
    response = hx_redirect(url_for("registration.done"))
    visitor = account.Client.of(request.remote_addr, request.user_agent.string)
    account.record(member, "registered", visitor)
    if trust_device:
        devices.trust_this_browser(member, request.user_agent.string, response)
        account.record(member, "device_trusted", visitor)
    return response


# ------------------------------------------- 9 本登録: パスワードをお忘れの方

def _new_password_url(token: str) -> str:
    return current_app.config["BASE_URL"] + url_for("registration.new_password_form", token=token)


@bp.get("/verify/<token>/forgot")
def forgot_form(token: str):
    state, row = wizard.link_state(token)
    if state != "ok":
        return _step("link_invalid", 410 if state == "expired" else 404, state=state)
    return _step("forgot", form=TermsForm(), token=token,
                 masked_email=account.mask_email(row.registration.email))


@bp.post("/verify/<token>/forgot")
def forgot_submit(token: str):
    state, row = wizard.link_state(token)
    if state != "ok":
        return _step("link_invalid", 410 if state == "expired" else 404, state=state)
    masked = account.mask_email(row.registration.email)
    outcome = wizard.forgot_password(token, _new_password_url)
    return _step("forgot", form=TermsForm(), token=token, masked_email=masked, outcome=outcome)


@bp.get("/new-password/<token>")
def new_password_form(token: str):
    state, _ = wizard.link_state(token, wizard.NEW_PASSWORD)
    if state != "ok":
        return _step("link_invalid", 410 if state == "expired" else 404, state=state)
    return _step("new_password", form=auth_forms.NewPasswordForm(), token=token)


@bp.post("/new-password/<token>")
@limiter.limit(lambda: limits.rule("register-client"))  # each post may hash a password (argon2)
def new_password_submit(token: str):
    state, _ = wizard.link_state(token, wizard.NEW_PASSWORD)
    if state != "ok":
        return _step("link_invalid", 410 if state == "expired" else 404, state=state)
    form = auth_forms.NewPasswordForm()
    if not form.validate():
        return _step("new_password", 422, form=form, token=token)
    try:
        member = wizard.complete(token, form.password.data, current_app.config["INSURER_NAME"],
                                 wizard.NEW_PASSWORD)
    except wizard.WizardError as err:
        form.password.errors = [err.message]
        return _step("new_password", 422, form=form, token=token)
    return _sign_in_new_member(member, form.trust_device.data)


# -------------------------------------------------------------- 10 登録完了

@bp.get("/done")
def done():
    return _step("done")

