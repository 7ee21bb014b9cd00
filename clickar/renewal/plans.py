"""What the renewal needs to know about a contract: its current conditions, its
group's renewal period and payment plan, the rate table, and its status.

Missing rows fall back to documented defaults: conditions → rating.DEFAULT_CONDITIONS
(marked is_default so the screen can say so); group → the 90/14-day window,
12 instalments and RENEWAL_AGENCY_EMAIL; rates → the bundled illustrative table
clickar/renewal/data/demo_rates.csv (always labelled as such on screen).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from peewee import JOIN

from ..models import Contract, ContractConditions, Group, MemberContract, RateTable, Renewal
from ..models.base import cached_select
from . import rating, window

DEMO_RATES = Path(__file__).resolve().parent / "data" / "demo_rates.csv"
DEMO_RATES_NAME = "例示用デモ料率表（実在の保険料ではありません）"
DEFAULT_INSTALLMENTS = 12
DEFAULT_AGENCY_EMAIL = "agency@example.jp"

# Status words on My Page (the words).
STATUS_LABELS = {
    "open": "更新手続き受付中",
    "done": "更新手続き済み",
    "before": "期間外",
    "closed": "期間外",
}


@dataclass(frozen=True)
class Conditions:
    grade: int
    claims: int
    options: dict
    is_default: bool = False

    @property
    def next_grade(self) -> int:
        return rating.next_grade(self.grade, self.claims)


def conditions_of(contract: Contract) -> Conditions:
    row = ContractConditions.for_contract(contract)
    if row is None:
        d = rating.DEFAULT_CONDITIONS
        return Conditions(grade=d["grade"], claims=d["claims"],
                          options={k: d[k] for k in rating.ITEMS}, is_default=True)
    options = {k: getattr(row, k) for k in rating.ITEMS}
    if options["vehicle"] == "none":
        options["deductible"] = ""
    return Conditions(grade=row.grade, claims=row.claims, options=options)


@dataclass(frozen=True)
class Plan:
    window: window.Window
    installments: int
    agency_email: str
    group_loaded: bool

    @property
    def payment_label(self) -> str:
        return "一時払" if self.installments == 1 else f"給与天引き（{self.installments}回払）"


def _plan(contract: Contract, group: Group | None, agency_email_default: str) -> Plan:
    if group is None:
        return Plan(window=window.default_window(contract.insurance_end),
                    installments=DEFAULT_INSTALLMENTS, agency_email=agency_email_default,
                    group_loaded=False)
    return Plan(window=window.window_for(contract.insurance_end, group.renewal_opens, group.renewal_closes),
                installments=group.installments,
                agency_email=group.agency_email or agency_email_default,
                group_loaded=True)


def default_agency_email() -> str:
    """Where agency notices go when the contract's group names no agency_email."""
    return current_app.config.get("RENEWAL_AGENCY_EMAIL", DEFAULT_AGENCY_EMAIL)


def plan_of(contract: Contract, agency_email_default: str = DEFAULT_AGENCY_EMAIL) -> Plan:
    return _plan(contract, Group.by_name(contract.group_name), agency_email_default)


@lru_cache(maxsize=1)
def demo_rates() -> rating.Rates:
    parsed = rating.parse_rates(DEMO_RATES.read_text(encoding="utf-8"), name=DEMO_RATES_NAME,
                                illustrative=True)
    assert parsed.rates is not None, parsed.errors
    return parsed.rates


def current_rates() -> tuple[rating.Rates, RateTable | None]:
    """The newest loaded table, else the bundled illustrative one (row None)."""
    row = RateTable.current()
    if row is None:
        return demo_rates(), None
    return rating.Rates.from_json(row.rates, name=row.name, illustrative=row.illustrative), row


def status_of(contract: Contract, plan: Plan, live: Renewal | None, today: dt.date) -> str:
    """'done' (手続き済み), 'open' (更新手続き受付中), 'before' or 'closed' (期間外)."""
    if live is not None:
        return "done"
    return plan.window.state(today)


@dataclass(frozen=True)
class ContractStatus:
    contract: Contract
    plan: Plan
    live: Renewal | None
    status: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def statuses(contracts, today: dt.date, agency_email_default: str = DEFAULT_AGENCY_EMAIL) -> list[ContractStatus]:
    """Status of each contract for My Page top (one renewal query for all)."""
    contracts = list(contracts)
    live = Renewal.live_by_contract(contracts)
    names = sorted({c.group_name for c in contracts})
    groups = {g.name: g for g in cached_select("groups-by-name", lambda n: Group.select().where(Group.name.in_(n)),
                                               names)} if contracts else {}
    result = []
    for c in contracts:
        plan = _plan(c, groups.get(c.group_name), agency_email_default)
        row = live.get(c.id)
        result.append(ContractStatus(c, plan, row, status_of(c, plan, row, today)))
    return result


def _top_query(ids):
    """The member's contracts (as Member.contracts orders them) with, on each row, its group's
    renewal settings and its current term's live renewal: LEFT JOINs, prefixed g_ / r_."""
    live = ((Renewal.contract == Contract.id) & Renewal.cancelled_at.is_null()
            & (Renewal.term_start == Contract.insurance_end))
    return (Contract
            .select(Contract, Group.id.alias("g_id"), Group.renewal_opens.alias("g_opens"),
                    Group.renewal_closes.alias("g_closes"), Group.installments.alias("g_installments"),
                    Group.agency_email.alias("g_agency_email"), Renewal.id.alias("r_id"),
                    Renewal.receipt_number.alias("r_receipt"), Renewal.submitted_at.alias("r_submitted"))
            .join(MemberContract).switch(Contract)
            .join(Group, JOIN.LEFT_OUTER, on=(Group.name == Contract.group_name)).switch(Contract)
            .join(Renewal, JOIN.LEFT_OUTER, on=live)
            .where(MemberContract.member == ids[0])
            .order_by(Contract.insurance_start, Contract.policy_number, Renewal.id))


def member_statuses(member, today: dt.date, agency_email_default: str = DEFAULT_AGENCY_EMAIL) -> list[ContractStatus]:
    """statuses(member.contract_list(), …) in one query instead of three (My Page top is the
    page every member opens; its round trips to PostgreSQL were most of what it cost beyond a
    bare page). The contracts also become the member's contract_list for the rest of the request."""
    rows = cached_select("member-top", _top_query, [member.id])
    contracts, result = [], []
    for c in rows:
        if contracts and contracts[-1].id == c.id:
            continue  # two live renewals of one term cannot be stored; read the first all the same
        group = None
        if c.g_id is not None:
            group = Group(id=c.g_id, name=c.group_name, installments=c.g_installments,
                          agency_email=c.g_agency_email or "",
                          renewal_opens=Group.renewal_opens.python_value(c.g_opens),
                          renewal_closes=Group.renewal_closes.python_value(c.g_closes))
        live = None
        if c.r_id is not None:
            live = Renewal(id=c.r_id, contract=c, term_start=c.insurance_end, receipt_number=c.r_receipt,
                           submitted_at=Renewal.submitted_at.python_value(c.r_submitted))
        plan = _plan(c, group, agency_email_default)
        contracts.append(c)
        result.append(ContractStatus(c, plan, live, status_of(c, plan, live, today)))
    member.__dict__["_contract_list"] = contracts
    return result
