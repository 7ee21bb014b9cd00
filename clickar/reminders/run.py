"""The daily pass of 更新のご案内 (`reminders send`, the mail worker at CLICKAR_REMINDER_HOUR).

1. select: registered members' contracts whose renewal period is open today,
   with no live renewal of the term and no opt-out — walked in keyset pages of
   BATCH_MEMBERS contracts through the index contract_period_end (insurance_end, id),
   or contract_by_group (group_name) for groups with their own period; each page's
   members are taken whole (all their due contracts), so memory stays bounded
   by the page, not the number of contracts due;
2. for each, the kind due today (schedule.due_kind: the latest whose day has
   come), dropping what the reminder log already holds;
3. per page, one transaction: insert the log rows with
   ON CONFLICT DO NOTHING … RETURNING (the unique index reminder_once is the
   referee between concurrent runs: what another run inserted is not returned
   and not mailed), then one outbox mail per member listing only the contracts
   this run inserted.

A crash leaves whole batches done or not done, so running again resumes.
"""
from __future__ import annotations

import datetime as dt
import secrets
import sys
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from peewee import Tuple, fn

from .. import jp, mail
from ..db import database
from ..models import (Contract, Group, Member, MemberContract, OutboxMail, ReminderLog, ReminderOptOut, Renewal,
                      now, token_hash)
from ..renewal import window
from . import links, schedule

BATCH_MEMBERS = 500
LINK_PATH = "/mypage/reminder/"              # views.follow (built without a request: CLI, worker)
UNSUBSCRIBE_PATH = "/reminders/unsubscribe/"  # views.unsubscribe_form
SUBJECT = "【マイページ】更新のお手続きのご案内（{cars}）"
LEADS = {
    "opened": "更新のお手続きの受付を開始しました。",
    "halfway": "更新のお手続きの受付期間が、残り半分となりました。",
    "week": "更新のお手続きの受付期間の締切が近づいています。",
    "last": "本日が、更新のお手続きの受付期間の最終日です。",
}


@dataclass
class Due:
    contract_id: int
    car_name: str
    insurance_end: dt.date
    member_id: int
    email: str
    kind: str
    closes: dt.date
    agency_name: str = ""
    agency_phone: str = ""
    member_since: dt.datetime | None = None     # Member.created_at: binds the 配信停止 link (links.py)


@dataclass
class Report:
    kinds: dict = field(default_factory=lambda: {k: 0 for k in schedule.KINDS})
    mails: int = 0
    members: int = 0
    selected: int = 0
    sent_mail_ids: list = field(default_factory=list)

    @property
    def contracts(self) -> int:
        return sum(self.kinds.values())


def _live_renewal():
    return (Renewal
            .select(Renewal.id)
            .where((Renewal.contract == Contract.id)
                   & (Renewal.term_start == Contract.insurance_end)
                   & Renewal.cancelled_at.is_null()))


def _opted_out():
    return ReminderOptOut.select(ReminderOptOut.id).where(ReminderOptOut.member == MemberContract.member)


def selection(today: dt.date, own_period_groups: list[str], open_groups: list[str], columns=None):
    """[(query, key)] of the contracts in their period today, one per stream:

    the default period (90 to 14 days before 保険終期) is a range of insurance_end, walked
    in (insurance_end, id) order through contract_period_end; groups with their own period
    are selected by name when it is open (contract_by_group), walked in id order.
    A row is (contract id, car, 保険終期, group, member id, mail, agency, agency phone, member
    since) unless columns are given."""
    columns = columns or (Contract.id, Contract.car_name, Contract.insurance_end, Contract.group_name,
                          MemberContract.member, Member.email, Contract.agency_name, Contract.agency_phone,
                          Member.created_at)

    def base():
        return (Contract
                .select(*columns)
                .join(MemberContract)
                .join(Member)
                .where(~fn.EXISTS(_live_renewal()) & ~fn.EXISTS(_opted_out())))

    streams = []
    default = base().where(Contract.insurance_end.between(
        today + dt.timedelta(days=window.CLOSES_DAYS_BEFORE_END),
        today + dt.timedelta(days=window.OPENS_DAYS_BEFORE_END)))
    if own_period_groups:
        default = default.where(Contract.group_name.not_in(own_period_groups))
    streams.append((default, (Contract.insurance_end, Contract.id)))
    if open_groups:
        streams.append((base().where(Contract.group_name.in_(open_groups)), (Contract.id,)))
    return streams


def _key(stream: int, row: tuple) -> tuple:
    """A full row's place in its stream (the order selection() walks it in)."""
    return (row[2], row[0]) if stream == 0 else (row[0],)


@dataclass
class _Groups:
    by_name: dict
    own: list
    open_own: list

    @classmethod
    def load(cls, today: dt.date) -> "_Groups":
        groups = {g.name: g for g in Group.select()}
        own = [name for name, g in groups.items() if g.renewal_opens and g.renewal_closes]
        return cls(groups, own, [n for n in own if groups[n].renewal_opens <= today <= groups[n].renewal_closes])

    def due(self, row: tuple, today: dt.date) -> Due | None:
        contract_id, car, end, group_name, member_id, email, agency_name, agency_phone, since = row
        group = self.by_name.get(group_name)
        period = window.window_for(end, group.renewal_opens if group else None,
                                   group.renewal_closes if group else None)
        kind = schedule.due_kind(period.opens, period.closes, today, schedule.Offsets.of_group(group))
        return None if kind is None else Due(contract_id, car, end, member_id, email, kind, period.closes,
                                                  agency_name, agency_phone, since)


def due_pages(today: dt.date, page: int = BATCH_MEMBERS):
    """(members taken, [(member id, [Due not logged yet])]), a page at a time: memory stays bounded.

    Each stream is walked by keyset pages of `page` contracts (an index range, never
    OFFSET). A member is taken whole — every due contract of every stream, so one mail
    lists them all — on the page of the first stream holding one of their contracts,
    at their first contract in it; on later pages they are passed over. Nothing is kept
    between pages but the last key, so a crash or a second run simply starts again and
    the log drops what was sent."""
    groups = _Groups.load(today)
    streams = selection(today, groups.own, groups.open_own)
    for s, (query, key) in enumerate(streams):
        last = None
        while True:
            step = query.select(MemberContract.member, *key)
            if last is not None:
                step = step.where(Tuple(*key) > Tuple(*last))
            rows = list(step.order_by(*key).limit(page).tuples())
            if not rows:
                break
            members = sorted({r[0] for r in rows})
            full = [list(q.where(MemberContract.member.in_(members)).tuples()) for q, _ in streams]
            first: dict[int, tuple] = {}
            for row in full[s]:
                k = _key(s, row)
                first[row[4]] = min(first.get(row[4], k), k)
            earlier = {row[4] for rows_before in full[:s] for row in rows_before}
            owned = {m for m in members if m not in earlier and (last is None or first[m] > last)}
            found = [d for rows_of in full[s:] for row in rows_of if row[4] in owned
                     if (d := groups.due(row, today)) is not None]
            yield len(owned), _by_member(_not_logged(found))
            last = tuple(rows[-1][1:])


def due_today(today: dt.date) -> list[Due]:
    """Every contract with a reminder due today that the log does not hold yet."""
    return [d for _, batch in due_pages(today) for _, items in batch for d in items]


def members_in_period(today: dt.date) -> int:
    """How many members have a contract in its period today (the progress line's total)."""
    groups = _Groups.load(today)
    queries = [q.select(MemberContract.member).distinct() for q, _ in
               selection(today, groups.own, groups.open_own)]
    union = queries[0]
    for q in queries[1:]:
        union = union | q
    return union.count()


def _not_logged(found: list[Due], chunk: int = 1000) -> list[Due]:
    out = []
    for start in range(0, len(found), chunk):
        part = found[start:start + chunk]
        logged = set(ReminderLog
                     .select(ReminderLog.contract, ReminderLog.member, ReminderLog.term_start, ReminderLog.kind)
                     .where(ReminderLog.member.in_(sorted({d.member_id for d in part}))
                            & ReminderLog.contract.in_([d.contract_id for d in part]))
                     .tuples())
        out.extend(d for d in part if (d.contract_id, d.member_id, d.insurance_end, d.kind) not in logged)
    return out


def _by_member(found: list[Due]) -> list[tuple[int, list[Due]]]:
    members: dict[int, list[Due]] = defaultdict(list)
    for d in found:
        members[d.member_id].append(d)
    return sorted(members.items())


def _subject(items: list[Due]) -> str:
    return SUBJECT.format(cars="、".join(d.car_name for d in items))


def _lead(items: list[Due], today: dt.date) -> str:
    """The most urgent kind's first line; 「本日が…最終日です」 only on a listed period's last day
    (a group's remind_last_day can send the 最終日 reminder days before it)."""
    urgent = max(items, key=lambda d: schedule.KINDS.index(d.kind)).kind
    if urgent == "last" and not any(d.kind == "last" and d.closes == today for d in items):
        urgent = "week"
    return LEADS[urgent]


def _mail_row(member_id: int, items: list[Due], tokens: dict[int, str], today: dt.date) -> dict:
    base = current_app.config["BASE_URL"]
    unsubscribe = f"{base}{UNSUBSCRIBE_PATH}{links.unsubscribe_token(member_id, items[0].member_since)}"
    entries = [{"car_name": d.car_name, "insurance_end": d.insurance_end, "closes": d.closes, "kind": d.kind,
                "agency_name": d.agency_name, "agency_phone": d.agency_phone,
                "url": f"{base}{LINK_PATH}{tokens[d.contract_id]}"} for d in items]
    return mail.row("reminder", items[0].email, _subject(items), "reminder",
                    headers={"List-Unsubscribe": f"<{unsubscribe}>",
                             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
                    lead=_lead(items, today), entries=entries, unsubscribe_url=unsubscribe)


def _insert_logs(rows: list[dict]) -> set[tuple[int, int]]:
    """Insert; (member id, contract id) of the rows this run inserted (others lost to the unique index)."""
    if not rows:
        return set()
    cursor = (ReminderLog
              .insert_many(rows)
              .on_conflict_ignore()
              .returning(ReminderLog.member, ReminderLog.contract)
              .tuples()
              .execute())
    return {(member_id, contract_id) for member_id, contract_id in cursor}


def _send_batch(batch: list[tuple[int, list[Due]]], report: Report, today: dt.date) -> list[int]:
    tokens = {}
    rows = []
    stamp = now()
    for member_id, items in batch:
        for d in items:
            token = secrets.token_urlsafe(24)
            tokens[(member_id, d.contract_id)] = token
            rows.append({"member": member_id, "contract": d.contract_id, "term_start": d.insurance_end,
                         "kind": d.kind, "token_hash": token_hash(token), "sent_at": stamp})
    with database.atomic():
        mine = _insert_logs(rows)
        mails = []
        for member_id, items in batch:
            kept = [d for d in items if (member_id, d.contract_id) in mine]
            if not kept:
                continue
            mails.append(_mail_row(member_id, kept, {d.contract_id: tokens[(member_id, d.contract_id)]
                                                     for d in kept}, today))
            for d in kept:
                report.kinds[d.kind] += 1
        ids = []
        if mails:
            ids = [r[0] for r in OutboxMail.insert_many(mails).returning(OutboxMail.id).tuples().execute()]
    report.mails += len(ids)
    return ids


def send(today: dt.date | None = None, dry_run: bool = False, deliver: bool = True,
         batch_members: int = BATCH_MEMBERS, progress=None) -> Report:
    """The pass for `today` (JST), a page of at most batch_members contracts (so members) per
    transaction. deliver: send each batch's mails through SMTP right after its commit (the CLI);
    the mail worker passes False and sends them in its own rounds."""
    today = today or jp.today()
    say = progress or (lambda text: print(text, file=sys.stderr, flush=True))
    total = members_in_period(today)
    report = Report()
    smtp_url = current_app.config.get("SMTP_URL") if deliver else None
    seen = 0
    for taken, batch in due_pages(today, batch_members):
        seen += taken
        report.members += len(batch)
        report.selected += sum(len(items) for _, items in batch)
        if dry_run:
            for _, items in batch:
                for d in items:
                    report.kinds[d.kind] += 1
            report.mails += len(batch)
            continue
        if not batch:
            continue
        ids = _send_batch(batch, report, today)
        say(f"reminders: {seen}/{total} members, {report.mails} mails queued")
        if smtp_url and ids:
            mail.send_waiting(smtp_url, current_app.config["MAIL_FROM"], ids)
            report.sent_mail_ids.extend(ids)
    return report
