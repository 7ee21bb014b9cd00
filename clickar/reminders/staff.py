"""What staff see of 更新のご案内: reminded → opened the link → renewed, and the
list of contracts still not renewed shortly before their period closes (CSV for
the agency to phone, formula-escaped by clickar.csvsafe)."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from peewee import JOIN, Case, fn

from .. import csvsafe
from ..models import Contract, FunnelEvent, Group, MemberContract, ReminderLog, Renewal
from ..renewal import window


@dataclass
class Counts:
    reminded: int = 0   # contracts (and terms) that got at least one reminder
    opened: int = 0     # … whose link was followed at least once
    renewed: int = 0    # … renewed (a live renewal of that term)

    def rate(self, part: int) -> str:
        return f"{part / self.reminded * 100:.0f}%" if self.reminded else "—"


def _counts(where=None) -> dict[str, Counts]:
    """{group name: Counts}; one query, per contract and term, optionally filtered on ReminderLog."""
    per_term = (ReminderLog
                .select(ReminderLog.contract.alias("cid"), ReminderLog.term_start.alias("term"),
                        fn.MAX(ReminderLog.opened_at).alias("opened"))
                .group_by(ReminderLog.contract, ReminderLog.term_start))
    if where is not None:
        per_term = per_term.where(where)
    per_term = per_term.alias("per_term")
    live = (Renewal
            .select(Renewal.id)
            .where((Renewal.contract == per_term.c.cid)
                   & (Renewal.term_start == per_term.c.term)
                   & Renewal.cancelled_at.is_null()))
    rows = (Contract
            .select(Contract.group_name, fn.COUNT(per_term.c.cid), fn.COUNT(per_term.c.opened),
                    fn.SUM(Case(None, [(fn.EXISTS(live), 1)], 0)))
            .join(per_term, on=(Contract.id == per_term.c.cid))
            .group_by(Contract.group_name)
            .order_by(Contract.group_name)
            .tuples())
    return {group: Counts(int(reminded), int(opened), int(renewed or 0)) for group, reminded, opened, renewed in rows}


def by_group() -> dict[str, Counts]:
    return _counts()


def for_campaign(campaign) -> Counts:
    """Members who registered through this flyer campaign."""
    members = (FunnelEvent
               .select(FunnelEvent.member_id)
               .where((FunnelEvent.campaign == campaign) & (FunnelEvent.kind == "registered")))
    total = Counts()
    for c in _counts(ReminderLog.member.in_(members)).values():
        total.reminded += c.reminded
        total.opened += c.opened
        total.renewed += c.renewed
    return total


# ------------------------------------------------------------- the call list

CALL_COLUMNS = ("policy_number", "name", "phone", "phone2", "car_name", "group_name", "insurance_end",
                "period_closes", "days_left", "registered", "reminders", "link_opened",
                "agency_name", "agency_phone")


def not_renewed(today: dt.date, days: int):
    """Contracts whose period is open today and closes within `days` days, not renewed (registered or not)."""
    groups = {g.name: g for g in Group.select() if g.renewal_opens and g.renewal_closes}
    live = (Renewal
            .select(Renewal.id)
            .where((Renewal.contract == Contract.id)
                   & (Renewal.term_start == Contract.insurance_end)
                   & Renewal.cancelled_at.is_null()))
    reminded = (ReminderLog
                .select(fn.COUNT(ReminderLog.id))
                .where((ReminderLog.contract == Contract.id) & (ReminderLog.term_start == Contract.insurance_end)))
    opened = (ReminderLog
              .select(ReminderLog.id)
              .where((ReminderLog.contract == Contract.id) & (ReminderLog.term_start == Contract.insurance_end)
                     & ReminderLog.opened_at.is_null(False)))
    in_default = Contract.insurance_end.between(today + dt.timedelta(days=window.CLOSES_DAYS_BEFORE_END),
                                                today + dt.timedelta(days=window.CLOSES_DAYS_BEFORE_END + days))
    if groups:
        in_default &= Contract.group_name.not_in(list(groups))
    closing = [name for name, g in groups.items()
               if g.renewal_opens <= today <= g.renewal_closes <= today + dt.timedelta(days=days)]
    where = in_default | Contract.group_name.in_(closing) if closing else in_default
    query = (Contract
             .select(Contract, MemberContract.id.alias("link_id"), reminded.alias("reminders"),
                     fn.EXISTS(opened).alias("link_opened"))
             .join(MemberContract, JOIN.LEFT_OUTER)
             .where(where & ~fn.EXISTS(live))
             .order_by(Contract.insurance_end, Contract.policy_number)
             .objects())
    for c in query:
        group = groups.get(c.group_name)
        period = window.window_for(c.insurance_end, group.renewal_opens if group else None,
                                   group.renewal_closes if group else None)
        yield c, period.closes, bool(c.link_id), int(c.reminders or 0), bool(c.link_opened)


def call_list_csv(today: dt.date, days: int) -> bytes:
    """UTF-8 with a BOM and CRLF, so Excel opens the Japanese as is; formula-escaped cells."""
    buf = io.StringIO()
    out = csvsafe.writer(buf, lineterminator="\r\n")
    out.writerow(CALL_COLUMNS)
    for c, closes, registered, reminders, link_opened in not_renewed(today, days):
        out.writerow((c.policy_number, c.name, c.phone, c.phone2, c.car_name, c.group_name,
                      c.insurance_end.isoformat(), closes.isoformat(), (closes - today).days,
                      "登録済み" if registered else "未登録", reminders, "あり" if link_opened else "なし",
                      c.agency_name, c.agency_phone))
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
