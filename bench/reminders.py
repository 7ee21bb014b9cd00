"""`make bench-reminders`: one 更新のご案内 pass over 100,000 due contracts on PostgreSQL (issue 21).

    python -m bench reminders [--due 100000] [--contracts 1000000]

The database `clickar_bench_reminders` (next to CLICKAR_TEST_POSTGRES_URL's) holds
the synthetic 1,000,000 contracts of `make bench-scale` (imported once with the
real importer, kept for later runs). `--due` of the contracts whose renewal
period is open today get a registered member each (bulk inserts, as if they had
registered); every run first forgets the previous run's reminder log and mails.

Then the plans (EXPLAIN ANALYZE, BUFFERS) of one page of the pass halfway through
(the keyset step over the period, then that page's members' contracts) and, timed, the real pass
`reminders.run.send(today, deliver=False)` — selection, the log rows (INSERT … ON
CONFLICT … RETURNING) and one outbox mail per member, committed per batch. SMTP is
not in the figure: the mail worker sends the outbox in its own rounds. A second
pass on the same day must select nothing (one mail per member, contract, kind
and term). Peak RSS of this process is reported.
"""
from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

NAME = "clickar_bench_reminders"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(pg: str, contracts: int, folder: Path) -> str:
    from .run import _admin, _contract_count, _fill, _pg_url

    url = _pg_url(pg, NAME)
    if _contract_count(url) != contracts:
        admin = _admin(pg)
        admin.execute_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (NAME,))
        admin.execute_sql(f'DROP DATABASE IF EXISTS "{NAME}"')
        admin.execute_sql(f'CREATE DATABASE "{NAME}"')
        admin.close()
        _say(f"{NAME}: importing {contracts:,} contracts…")
        _fill(url, contracts, folder, _say)
    else:
        _say(f"{NAME}: {contracts:,} contracts already loaded (kept from an earlier run)")
    return url


def register_due(today: dt.date, due: int) -> int:
    """Members for `due` contracts whose default period is open today; earlier runs' traces go."""
    from clickar.db import database
    from clickar.models import Contract, Member, MemberContract, OutboxMail, ReminderLog, Renewal
    from clickar.renewal import window

    with database.atomic():
        ReminderLog.delete().execute()
        OutboxMail.delete().execute()   # the bench database's own: only earlier runs' mails
        Renewal.delete().execute()
        MemberContract.delete().execute()
        Member.delete().execute()
    ids = [i for (i,) in Contract.select(Contract.id)
           .where(Contract.insurance_end.between(today + dt.timedelta(days=window.CLOSES_DAYS_BEFORE_END),
                                                 today + dt.timedelta(days=window.OPENS_DAYS_BEFORE_END)))
           .order_by(Contract.id).limit(due).tuples()]
    stamp = "$argon2id$v=19$m=65536,t=3,p=4$bench$bench"   # never verified: no one logs in here
    for start in range(0, len(ids), 10_000):
        part = ids[start:start + 10_000]
        with database.atomic():
            Member.insert_many([{"email": f"bench{i}@example.jp", "password_hash": stamp} for i in part]).execute()
            members = dict(Member.select(Member.email, Member.id)
                           .where(Member.email.in_([f"bench{i}@example.jp" for i in part])).tuples())
            MemberContract.insert_many([{"member": members[f"bench{i}@example.jp"], "contract": i}
                                        for i in part]).execute()
    database.execute_sql("ANALYZE")
    return len(ids)


def explain(today: dt.date) -> str:
    """The plans of one page of the pass, halfway through the 100,000: the keyset step over
    the period and the fetch of that page's members' contracts."""
    from peewee import Tuple

    from clickar.db import database
    from clickar.models import MemberContract
    from clickar.reminders.run import BATCH_MEMBERS, selection

    [(query, key)] = selection(today, [], [])
    [middle] = list(query.select(*key).order_by(*key).offset(50_000).limit(1).tuples())  # not .get(): it resets OFFSET
    step = (query.select(MemberContract.member, *key).where(Tuple(*key) > Tuple(*middle))
            .order_by(*key).limit(BATCH_MEMBERS))
    members = sorted({row[0] for row in step.tuples()})
    out = []
    for title, q in (("a page (keyset step)", step),
                     ("the page's members' contracts", query.where(MemberContract.member.in_(members)))):
        sql, params = q.sql()
        rows = database.execute_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
        out.append(f"-- {title}")
        out.extend(r[0] for r in rows)
    return "\n".join(out)


def run(args) -> int:
    pg = os.environ.get("CLICKAR_TEST_POSTGRES_URL", "")
    if not pg.startswith("postgres"):
        print("bench reminders needs PostgreSQL: set CLICKAR_TEST_POSTGRES_URL "
              "(e.g. postgresql://postgres@127.0.0.1:5432/test)", file=sys.stderr)
        return 2
    from clickar import create_app, jp
    from clickar.db import database
    from clickar.models import OutboxMail, ReminderLog
    from clickar.reminders import run as reminders

    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    url = prepare(pg, args.contracts, folder)
    app = create_app({"DATABASE_URL": url, "SMTP_URL": ""})
    today = jp.today()
    lines = [f"Clickar bench reminders — {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC}, "
             f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, PostgreSQL, "
             f"{args.contracts:,} contracts"]
    with app.test_request_context():
        database.connect(reuse_if_open=True)
        started = time.perf_counter()
        registered = register_due(today, args.due)
        lines.append(f"registered members for {registered:,} contracts in their period "
                     f"({time.perf_counter() - started:.0f} s, not part of the figure)")
        plan = explain(today)
        started = time.perf_counter()
        report = reminders.send(today, deliver=False, progress=lambda text: None)
        seconds = time.perf_counter() - started
        logged, mails = ReminderLog.select().count(), OutboxMail.select().count()
        started = time.perf_counter()
        again = reminders.send(today, deliver=False, progress=lambda text: None)
        second = time.perf_counter() - started
        database.close()
    per_10k = seconds / max(report.contracts, 1) * 10_000
    lines += [
        f"pass: {report.contracts:,} contracts, {report.mails:,} mails queued in {seconds:.1f} s "
        f"→ {per_10k:.2f} s per 10,000 (selection + reminder log + outbox rows; SMTP not included)",
        f"log rows {logged:,}, outbox mails {mails:,}; the same day again: "
        f"{again.contracts} contracts, {again.mails} mails in {second:.1f} s",
        f"peak RSS of the process: {_rss_mb():.0f} MB",
        "selection plan (EXPLAIN ANALYZE, BUFFERS):",
        *("    " + line for line in plan.splitlines()),
        f"command: make bench-reminders  (= python -m bench reminders --due {args.due} "
        f"--contracts {args.contracts}, database {NAME})",
    ]
    print("\n".join(lines), flush=True)
    ok = report.contracts == registered and again.mails == 0 and mails == report.mails
    return 0 if ok else 1
