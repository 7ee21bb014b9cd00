"""The daily pass of 更新のご案内 (`reminders send`, the mail worker at CLICKAR_REMINDER_HOUR).

1. select: registered members' contracts whose renewal period is open today,
   with no live renewal of the term and no opt-out — through the index
   contract_period_end (insurance_end, id), or contract_by_group (group_name) for groups with their
   own period;
2. for each, the kind due today (schedule.due_kind: the latest whose day has
   come), dropping what the reminder log already holds;
3. per batch of members, one transaction: insert the log rows with
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
from peewee import fn

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


def selection(today: dt.date, own_period_groups: list[str], open_groups: list[str]):
    """Queries of (contract id, car, 保険終期, group, member id, mail) in their period today.

    The default period (90 to 14 days before 保険終期) is a range of insurance_end;
    groups with their own period are selected by name when it is open."""
    columns = (Contract.id, Contract.car_name, Contract.insurance_end, Contract.group_name,
               MemberContract.member, Member.email)

    def base():
        return (Contract
                .select(*columns)
                .join(MemberContract)
                .join(Member)
                .where(~fn.EXISTS(_live_renewal()) & ~fn.EXISTS(_opted_out())))

    queries = []
    default = base().where(Contract.insurance_end.between(
        today + dt.timedelta(days=window.CLOSES_DAYS_BEFORE_END),
        today + dt.timedelta(days=window.OPENS_DAYS_BEFORE_END)))
    if own_period_groups:
        default = default.where(Contract.group_name.not_in(own_period_groups))
    queries.append(default.order_by(Contract.insurance_end, Contract.id))
    if open_groups:
        queries.append(base().where(Contract.group_name.in_(open_groups)).order_by(Contract.id))
    return queries


def due_today(today: dt.date) -> list[Due]:
    """Every contract with a reminder due today that the log does not hold yet."""
    groups = {g.name: g for g in Group.select()}
    own = [name for name, g in groups.items() if g.renewal_opens and g.renewal_closes]
    open_own = [name for name in own if groups[name].renewal_opens <= today <= groups[name].renewal_closes]
    found: list[Due] = []
    for query in selection(today, own, open_own):
        for contract_id, car, end, group_name, member_id, email in query.tuples().iterator():
            group = groups.get(group_name)
            period = window.window_for(end, group.renewal_opens if group else None,
                                       group.renewal_closes if group else None)
            kind = schedule.due_kind(period.opens, period.closes, today, schedule.Offsets.of_group(group))
            if kind is not None:
                found.append(Due(contract_id, car, end, member_id, email, kind, period.closes))
    return _not_logged(found)


def _not_logged(found: list[Due], chunk: int = 1000) -> list[Due]:
    out = []
    for start in range(0, len(found), chunk):
        part = found[start:start + chunk]
        logged = set(ReminderLog
                     .select(ReminderLog.contract, ReminderLog.member, ReminderLog.term_start, ReminderLog.kind)
                     .where(ReminderLog.contract.in_([d.contract_id for d in part]))
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


def _mail_row(member_id: int, items: list[Due], tokens: dict[int, str]) -> dict:
    base = current_app.config["BASE_URL"]
    unsubscribe = f"{base}{UNSUBSCRIBE_PATH}{links.unsubscribe_token(member_id)}"
    urgent = max(items, key=lambda d: schedule.KINDS.index(d.kind)).kind
    entries = [{"car_name": d.car_name, "insurance_end": d.insurance_end, "closes": d.closes, "kind": d.kind,
                "url": f"{base}{LINK_PATH}{tokens[d.contract_id]}"} for d in items]
    return mail.row("reminder", items[0].email, _subject(items), "reminder",
                    headers={"List-Unsubscribe": f"<{unsubscribe}>",
                             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
                    lead=LEADS[urgent], entries=entries, unsubscribe_url=unsubscribe)


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


def _send_batch(batch: list[tuple[int, list[Due]]], report: Report) -> list[int]:
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
                                                     for d in kept}))
            for d in kept:
                report.kinds[d.kind] += 1
        ids = []
        if mails:
            ids = [r[0] for r in OutboxMail.insert_many(mails).returning(OutboxMail.id).tuples().execute()]
    report.mails += len(ids)
    return ids


def send(today: dt.date | None = None, dry_run: bool = False, deliver: bool = True,
         batch_members: int = BATCH_MEMBERS, progress=None) -> Report:
    """The pass for `today` (JST). deliver: send each batch's mails through SMTP right after its
    commit (the CLI); the mail worker passes False and sends them in its own rounds."""
    today = today or jp.today()
    say = progress or (lambda text: print(text, file=sys.stderr, flush=True))
    found = due_today(today)
    members = _by_member(found)
    report = Report(selected=len(found), members=len(members))
    if dry_run:
        for d in found:
            report.kinds[d.kind] += 1
        report.mails = len(members)
        return report
    smtp_url = current_app.config.get("SMTP_URL") if deliver else None
    done = 0
    for start in range(0, len(members), batch_members):
        batch = members[start:start + batch_members]
        ids = _send_batch(batch, report)
        done += len(batch)
        say(f"reminders: {done}/{len(members)} members, {report.mails} mails queued")
        if smtp_url and ids:
            mail.send_waiting(smtp_url, current_app.config["MAIL_FROM"], ids)
            report.sent_mail_ids.extend(ids)
    return report
