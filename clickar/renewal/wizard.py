"""The renewal wizard's rules: steps, the draft, 確定 and 取消.

Steps (one URL each): 1 contract ご契約内容の確認 → 2 options 更新内容の選択 →
3 premium 保険料の確認 → 4 disclosure 重要事項説明・意向確認 → 5 review 最終確認
→ 6 done 完了.

The draft lives in the (encrypted) session under DRAFT_KEY, one entry per
policy number, each bound to the contract's current term. Nothing here
touches `request`; views hand in the session mapping and form data.

One renewal per contract and term: a partial unique index (contract,
term_start) over live rows + `database.atomic()` + `except IntegrityError`,
so double submits, two tabs and two devices end with one renewal.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import MutableMapping

from peewee import IntegrityError

from .. import mail
from ..db import database
from ..models import Contract, Member, RateTable, Renewal, now
from ..wizard import Steps
from . import plans, rating

DRAFT_KEY = "rnw"
SCHEMA = 1

STEPS = ("contract", "options", "premium", "disclosure", "review", "done")

TITLES = {
    "contract": "ご契約内容の確認",
    "options": "更新内容の選択",
    "premium": "保険料の確認",
    "disclosure": "重要事項説明・意向確認",
    "review": "最終確認",
    "done": "完了",
}

RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class RenewalError(Exception):
    """A transition refused; .message is what the customer reads, .step where to go."""

    def __init__(self, message: str, step: str | None = None):
        super().__init__(message)
        self.message = message
        self.step = step


# ------------------------------------------------------------------ draft

def _all(store: MutableMapping) -> dict:
    value = store.get(DRAFT_KEY)
    if not isinstance(value, dict) or value.get("v") != SCHEMA or not isinstance(value.get("c"), dict):
        return {"v": SCHEMA, "c": {}}
    return value


def draft(store: MutableMapping, contract: Contract, live: Renewal | None = None) -> dict:
    """This contract's draft for its current term (read-only; {} when none or stale).

    A draft that ended in a renewal which is no longer live (cancelled,
    perhaps on another device) counts as none: the customer may start again.
    """
    d = _all(store)["c"].get(contract.policy_number)
    if not isinstance(d, dict) or d.get("term") != contract.insurance_end.isoformat():
        return {}
    if d.get("renewal") and (live is None or live.receipt_number != d["renewal"]):
        return {}
    return d


def _save(store: MutableMapping, contract: Contract, d: dict) -> None:
    everything = _all(store)
    drafts = dict(everything["c"])
    drafts[contract.policy_number] = d
    store[DRAFT_KEY] = {"v": SCHEMA, "c": drafts}
    if hasattr(store, "permanent"):
        store.permanent = True


def _editable(store: MutableMapping, contract: Contract) -> dict:
    d = dict(draft(store, contract, Renewal.live_for(contract, contract.insurance_end)))
    if not d or d.get("renewal"):
        d = {"id": secrets.token_urlsafe(12), "term": contract.insurance_end.isoformat()}
    return d


def clear(store: MutableMapping, contract: Contract) -> None:
    everything = _all(store)
    if contract.policy_number in everything["c"]:
        drafts = {k: v for k, v in everything["c"].items() if k != contract.policy_number}
        store[DRAFT_KEY] = {"v": SCHEMA, "c": drafts}


FLOW = Steps(STEPS, {
    "contract": lambda d: bool(d.get("contract_ok")),
    "options": lambda d: bool(d.get("options_ok")),
    "premium": lambda d: d.get("premium") is not None,
    "disclosure": lambda d: bool(d.get("consent")),
    "review": lambda d: bool(d.get("renewal")),
})
first_unfinished = FLOW.first_unfinished  # the step a customer must do next
may_visit = FLOW.may_visit


# ------------------------------------------------------------ 1 ご契約内容

def confirm_contract(store: MutableMapping, contract: Contract) -> None:
    d = _editable(store, contract)
    d["contract_ok"] = True
    _save(store, contract, d)


# ------------------------------------------------------------ 2 更新内容

def chosen_options(d: dict, conditions: plans.Conditions) -> dict:
    """What the options form shows: the draft's choice, else the current conditions."""
    chosen = dict(conditions.options)
    chosen.update({k: v for k, v in (d.get("options") or {}).items() if k in rating.ITEMS})
    if not chosen.get("deductible"):
        chosen["deductible"] = conditions.options.get("deductible") or rating.DEFAULT_CONDITIONS["deductible"]
    return chosen


def keep_options(store: MutableMapping, contract: Contract, options: dict) -> None:
    """Save the choice without finishing the step (再計算 and the live quote)."""
    d = _editable(store, contract)
    previous = d.get("options")
    d["options"] = {k: str(options.get(k) or "")[:16] for k in rating.ITEMS}
    if previous != d["options"]:
        _reset_after_options(d)
    _save(store, contract, d)


def _reset_after_options(d: dict) -> None:
    d["options_ok"] = False
    d.pop("premium", None)
    d.pop("consent", None)


def submit_options(store: MutableMapping, contract: Contract, options: dict) -> dict:
    """次へ on step 2: the options must price; later steps must be done again if they changed."""
    clean = rating.normalise_options(options)
    d = _editable(store, contract)
    if d.get("options") != clean:
        _reset_after_options(d)
    d["options"] = clean
    d["options_ok"] = True
    _save(store, contract, d)
    return clean


# ------------------------------------------------------------ pricing

@dataclass(frozen=True)
class Priced:
    quote: rating.Quote
    rates: rating.Rates
    table: RateTable | None


def price(conditions: plans.Conditions, plan: plans.Plan, options: dict) -> Priced:
    """The next term's premium with these options (raises rating.RatingError)."""
    rates, table = plans.current_rates()
    q = rating.quote(rates, conditions.next_grade, options, plan.installments)
    return Priced(q, rates, table)


# ------------------------------------------------------------ 3 保険料

def accept_premium(store: MutableMapping, contract: Contract, annual: int) -> None:
    """次へ on step 3: remember the premium the customer saw (確定 checks it again)."""
    d = _editable(store, contract)
    d["premium"] = int(annual)
    _save(store, contract, d)


# ------------------------------------------------------ 4 重要事項・意向確認

def accept_disclosure(store: MutableMapping, contract: Contract, read_disclosure: bool,
                      intent_confirmed: bool) -> None:
    if not (read_disclosure and intent_confirmed):
        raise RenewalError("重要事項説明と意向確認の両方をご確認のうえ、チェックしてください。", "disclosure")
    d = _editable(store, contract)
    d["consent"] = True
    _save(store, contract, d)


# ------------------------------------------------------------ 5 確定

@dataclass
class Confirmed:
    renewal: Renewal
    created: bool  # False when this term had already been renewed (double submit, other tab/device)


def new_receipt_number(today: dt.date) -> str:
    tail = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(6))
    return f"R{today:%y%m%d}-{tail}"


def confirm(store: MutableMapping, contract: Contract, member: Member, today: dt.date,
            insurer_name: str, agency_email_default: str = plans.DEFAULT_AGENCY_EMAIL) -> Confirmed:
    """確定: re-check everything, then one transaction makes the renewal and its two mails."""
    term = contract.insurance_end
    live = Renewal.live_for(contract, term)
    d = draft(store, contract, live)
    if live is not None:
        _mark_done(store, contract, d, live)
        return Confirmed(live, False)
    step = first_unfinished(d)
    if step != "review":
        raise RenewalError("前の画面のお手続きがお済みでないため、確定できません。", step)
    plan = plans.plan_of(contract, agency_email_default)
    if not plan.window.is_open(today):
        raise RenewalError("更新のお手続きの受付期間外のため、お手続きできません。", None)
    conditions = plans.conditions_of(contract)
    try:
        priced = price(conditions, plan, d["options"])
    except rating.RatingError as err:
        raise RenewalError(err.message, "options") from None
    if priced.quote.annual != d.get("premium"):
        d = dict(d)
        d.pop("premium", None)
        d.pop("consent", None)
        _save(store, contract, d)
        raise RenewalError("保険料が改定されました。新しい保険料をご確認のうえ、お手続きください。", "premium")
    options = rating.normalise_options(d["options"])
    q = priced.quote
    for _attempt in range(3):
        try:
            with database.atomic():
                renewal = Renewal.create(
                    receipt_number=new_receipt_number(today),
                    contract=contract,
                    term_start=term,
                    member=member,
                    email=member.email,
                    grade_current=conditions.grade,
                    grade_next=conditions.next_grade,
                    annual_premium=q.annual,
                    installments=q.count,
                    first_installment=q.first,
                    other_installment=q.other,
                    rate_table=priced.table,
                    rate_table_name=priced.rates.name[:100],
                    **options,
                )
                outgoing = _mails("accepted", renewal, contract, plan, insurer_name)
        except IntegrityError:
            live = Renewal.live_for(contract, term)
            if live is not None:  # a double submit, another tab or device won the race
                _mark_done(store, contract, d, live)
                return Confirmed(live, False)
            continue  # the receipt number collided: draw another
        mail.dispatch(outgoing)
        _mark_done(store, contract, d, renewal)
        return Confirmed(renewal, True)
    raise RenewalError("ただいま処理できません。時間をおいて、もう一度お試しください。", "review")


def _mark_done(store: MutableMapping, contract: Contract, d: dict, renewal: Renewal) -> None:
    d = dict(d) or {"id": secrets.token_urlsafe(12), "term": contract.insurance_end.isoformat(),
                    "contract_ok": True, "options_ok": True, "premium": renewal.annual_premium,
                    "consent": True}
    d["renewal"] = renewal.receipt_number
    _save(store, contract, d)


# ------------------------------------------------------------ 取消

def cancel(renewal: Renewal, today: dt.date, insurer_name: str,
           agency_email_default: str = plans.DEFAULT_AGENCY_EMAIL) -> bool:
    """取り消す: until the renewal period closes. False when it was already cancelled."""
    contract = renewal.contract
    plan = plans.plan_of(contract, agency_email_default)
    if renewal.cancelled_at is not None:
        return False
    if not plan.window.is_open(today):
        raise RenewalError("受付期間が終了したため、WEBでは取り消しできません。取扱代理店にお問い合わせください。")
    with database.atomic():
        moment = now()
        changed = (Renewal
                   .update(cancelled_at=moment, updated_at=moment)
                   .where((Renewal.id == renewal.id) & Renewal.cancelled_at.is_null())
                   .execute())
        if changed != 1:
            return False
        renewal.cancelled_at = renewal.updated_at = moment
        outgoing = _mails("cancelled", renewal, contract, plan, insurer_name)
    mail.dispatch(outgoing)
    return True


# ------------------------------------------------------------ mail

def summary_rows(renewal: Renewal) -> list[tuple[str, str]]:
    """The chosen conditions as (label, value) rows: screens and mails say the same."""
    rows = [("等級（更新後）", f"{renewal.grade_next}等級（現在 {renewal.grade_current}等級）")]
    for item in rating.ITEMS:
        code = getattr(renewal, item)
        if item == "deductible" and renewal.vehicle == "none":
            continue
        rows.append((rating.ITEM_LABELS[item], rating.label(item, code)))
    return rows


def _mails(kind: str, renewal: Renewal, contract: Contract, plan: plans.Plan, insurer_name: str):
    ctx = dict(renewal=renewal, contract=contract, plan=plan, rows=summary_rows(renewal))
    subjects = {
        "accepted": (f"更新手続き受付のご連絡（{insurer_name}）",
                     f"【Clickar】更新手続き受付（受付番号 {renewal.receipt_number}・証券番号 {contract.policy_number}）"),
        "cancelled": (f"更新手続き取消のご連絡（{insurer_name}）",
                      f"【Clickar】更新手続き取消（受付番号 {renewal.receipt_number}・証券番号 {contract.policy_number}）"),
    }[kind]
    outgoing = []
    if renewal.email:
        outgoing.append(mail.queue(f"renewal_{kind}", renewal.email, subjects[0], f"renewal_{kind}_member", **ctx))
    outgoing.append(mail.queue(f"renewal_{kind}_agency", plan.agency_email, subjects[1],
                               f"renewal_{kind}_agency", **ctx))
    return outgoing

