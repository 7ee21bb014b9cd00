"""`make loadtest DURATION=60 USERS=30` (issue 23): flyer day with faults, then an audit.

Starts the production shape on this machine, all of it its own: a PostgreSQL database made
for this run (clickar_loadtest_<pid>_<hex> on the server of CLICKAR_TEST_POSTGRES_URL,
dropped at the end; never the database named in the URL), a redis-server on a free port,
gunicorn with gunicorn.conf.py, the mail worker (`flask mail worker`) and an aiosmtpd sink.
Synthetic people (bench/people.py) are imported with `flask contracts import` first, one
contract each. Locust (headless) drives bench/locustfile.py against gunicorn: the whole
journey (scan → 仮登録 → 本登録 → logout → login with the mailed code → My Page → 更新 to 確定),
scans only, the login page only, the chat. Faults on a schedule, each in the timeline:
kill -9 of one gunicorn worker, Redis restarted, the SMTP sink stopped for 30 s,
pg_terminate_backend of the app's backends. After the load the outbox is drained, then
the audit. Report: reports/loadtest/report.json and summary.txt. Exit status 1 when the
audit finds anything (docs/PERFORMANCE.md, "Load test").
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servers import Sink, free_port, wait_until_healthy  # noqa: E402  (shared with the tests)
from bench.people import renewal_open, write_csv  # noqa: E402

REPORTS = ROOT / "reports" / "loadtest"
SMTP_OUTAGE_S = 30
POOL_QUERY = "max_connections=10&stale_timeout=300&connect_timeout=3"  # compose.yaml's
GRACE_S = 10  # a fault's window runs this long past its end: the retries it caused land there


def mail_key(recipient: str, subject: str, body: str) -> str:
    """A mail as the outbox wrote it and as the sink got it (line ends and the final newline aside)."""
    text = "\n".join(line.rstrip() for line in body.replace("\r\n", "\n").strip().split("\n"))
    return hashlib.sha256(f"{recipient.lower()}\0{subject}\0{text}".encode()).hexdigest()


class MailSink(Sink):
    """The SMTP sink: keeps every message and writes it to <maildir>/<recipient>.jsonl, where the
    virtual users (another process) read their 仮登録 link and one-time password."""

    def __init__(self, maildir: Path):
        super().__init__()
        self.maildir = maildir
        self.received: list[dict] = []
        maildir.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        msg = self.messages[-1]
        to, subject = str(msg["To"]), str(msg["Subject"])
        body = msg.get_body(preferencelist=("plain",)).get_content()
        record = {"at": time.time(), "to": to, "subject": subject, "body": body,
                  "key": mail_key(to, subject, body)}
        self.received.append(record)
        with open(self.maildir / f"{to.lower()}.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return answer


class Stack:
    """The processes of one run; every one of them started here and stopped here."""

    def __init__(self, admin_url: str, work: Path, masters: int = 1):
        self.admin_url, self.work = admin_url, work
        self.db_name = f"clickar_loadtest_{os.getpid()}_{secrets.token_hex(4)}"
        self.db_url = urlunsplit(urlsplit(admin_url)._replace(path="/" + self.db_name))
        self.redis_port, self.smtp_port = free_port(), free_port()
        self.app_ports = [free_port() for _ in range(masters)]  # one gunicorn master each ("hosts")
        self.app_port = self.app_ports[0]
        self.apps: list[subprocess.Popen] = []
        self.redis = self.app = self.worker = self.smtp = None
        self.sink = MailSink(work / "mail")
        self.secret = "loadtest-" + secrets.token_hex(16)  # the app's key: the audit hashes addresses with it
        self.timeline: list[dict] = []
        self.t0 = time.monotonic()

    def mark(self, event: str, **fields):
        entry = {"t": round(time.monotonic() - self.t0, 1), "at": time.time(), "event": event, **fields}
        self.timeline.append(entry)
        print(f"loadtest: {entry['t']:7.1f} s  {event} {fields or ''}", flush=True)

    # ------------------------------------------------------------------ parts
    def start_redis(self):
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.work)],
            stdout=open(self.work / "redis.log", "ab"), stderr=subprocess.STDOUT)
        _wait_port(self.redis_port)

    def start_smtp(self):
        from aiosmtpd.controller import Controller
        self.smtp = Controller(self.sink, hostname="127.0.0.1", port=self.smtp_port)
        self.smtp.start()

    def import_people(self, env: dict, indices: list[int]):
        """The insurer's CSV of these people, loaded as an operator would: `flask contracts import`."""
        path = self.work / "people.csv"
        write_csv(path, 0, indices=indices)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "contracts", "import", str(path)],
                       cwd=ROOT, env=env, check=True, capture_output=True)

    def make_database(self, campaign_code: str):
        from clickar import create_app
        from clickar.db import database, open_database, upgrade
        from clickar.models import Campaign

        admin = open_database(self.admin_url)
        admin.connect()
        admin.execute_sql(f'CREATE DATABASE "{self.db_name}"')
        admin.close()
        app = create_app({"DATABASE_URL": self.db_url})
        with app.app_context():
            database.connect(reuse_if_open=True)
            upgrade()
            Campaign.create(code=campaign_code, name="負荷試験", target="register",
                            valid_from=dt.date.today() - dt.timedelta(days=1))
            database.close()

    def drop_database(self):
        from clickar.db import open_database
        admin = open_database(self.admin_url)
        admin.connect()
        admin.execute_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                          (self.db_name,))
        admin.execute_sql(f'DROP DATABASE IF EXISTS "{self.db_name}"')
        admin.close()

    def app_db_url(self) -> str:
        """The app's database as compose.yaml deploys it: a pool per process (postgresql+pool://),
        so the backends live as long as the workers (and the CPU meter can follow them)."""
        parts = urlsplit(self.db_url)
        scheme = "postgresql+pool" if parts.scheme in ("postgresql", "postgres") else parts.scheme
        query = "&".join(q for q in (parts.query, POOL_QUERY) if q)
        return urlunsplit(parts._replace(scheme=scheme, query=query))

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLICKAR_")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(CLICKAR_ENV="production", CLICKAR_SECRET_KEY=self.secret,
                   CLICKAR_DATABASE_URL=self.app_db_url(),
                   CLICKAR_REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
                   CLICKAR_SMTP_URL=f"smtp://127.0.0.1:{self.smtp_port}",
                   CLICKAR_BASE_URL="http://localhost", CLICKAR_TRUSTED_PROXIES="1",
                   GUNICORN_BIND=f"127.0.0.1:{self.app_port}",
                   WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "2"))
        return env

    def start_app(self, env: dict):
        """One gunicorn master per port of app_ports (--masters: two stand for two machines behind
        one load balancer; they share only PostgreSQL, Redis and the outbox), then the mail worker."""
        for port in self.app_ports:
            app = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                   cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                                   stdout=open(self.work / "app.log", "ab"), stderr=subprocess.STDOUT)
            self.apps.append(app)
            wait_until_healthy(port, app, 120)
        self.app = self.apps[0]
        self.worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "mail", "worker"],
                                       cwd=ROOT, env=env, stdout=open(self.work / "worker.log", "ab"),
                                       stderr=subprocess.STDOUT)

    # ----------------------------------------------------------------- faults
    def kill_one_worker(self):
        children = _children(self.app.pid)
        if children:
            os.kill(children[0], signal.SIGKILL)
        self.mark("fault: kill -9 of one gunicorn worker", pid=children[0] if children else None)

    def restart_redis(self):
        self.mark("fault: Redis restarted (down for 5 s)")
        self.redis.kill()
        self.redis.wait()
        time.sleep(5)  # the outage itself: Redis stays away this long
        self.start_redis()
        self.mark("fault: Redis back")

    def stop_smtp_for_a_while(self, seconds: float = SMTP_OUTAGE_S):
        self.mark(f"fault: SMTP sink stopped ({seconds:.0f} s)")
        self.smtp.stop()
        time.sleep(seconds)  # the outage itself: the sink stays away this long
        self.start_smtp()
        self.mark("fault: SMTP sink back")

    def terminate_backends(self):
        from clickar.db import open_database
        admin = open_database(self.admin_url)
        admin.connect()
        cursor = admin.execute_sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = %s AND pid <> pg_backend_pid()", (self.db_name,))
        killed = cursor.fetchone()[0]
        admin.close()
        self.mark("fault: pg_terminate_backend of the app's backends", backends=killed)

    def stop(self):
        if self.smtp is not None:
            try:
                self.smtp.stop()
            except (AssertionError, RuntimeError):
                pass  # already stopped (an outage under way when the run ended)
        for proc in (self.worker, *self.apps, self.redis):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process so far (/proc/PID/stat), None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat), all cores."""
    with open("/proc/stat", encoding="ascii") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values[:8]) - idle) / tick, sum(values[:8]) / tick


class CpuMeter:
    """Where the CPU went during the load: every second, the CPU seconds so far of each process of
    each part (gunicorn masters and their workers, the mail worker, redis-server, Locust, and the
    PostgreSQL backends of this run's database, found in pg_stat_activity), kept per pid so a worker
    killed or a backend terminated keeps what it used (up to its last second). The machine's own
    total comes from /proc/stat: what the parts do not explain is other work on the shared machine."""

    def __init__(self, stack: Stack):
        self.stack, self.used, self.locust_pid = stack, {}, None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _pids(self, admin) -> dict[str, list[int]]:
        parts = {"mail worker": [], "redis": [], "locust": [], "postgresql": []}
        for number, app in enumerate(self.stack.apps, 1):  # each master apart: did both serve?
            name = "app (gunicorn)" if len(self.stack.apps) == 1 else f"app (gunicorn) master {number}"
            parts[name] = [app.pid, *_children(app.pid)]
        for name, proc in (("mail worker", self.stack.worker), ("redis", self.stack.redis)):
            if proc is not None:
                parts[name].append(proc.pid)
        if self.locust_pid:
            parts["locust"].append(self.locust_pid)
        try:
            cursor = admin.execute_sql("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.stack.db_name,))
            parts["postgresql"] = [row[0] for row in cursor.fetchall()]
        except Exception:  # noqa: BLE001 - the fault that terminates backends may hit this query's moment
            pass
        return parts

    def _sample(self, admin):
        for part, pids in self._pids(admin).items():
            for pid in pids:
                seconds = _cpu_seconds(pid)
                if seconds is not None:
                    start = self.used.setdefault((part, pid), [seconds, seconds])
                    start[1] = seconds

    def _run(self):
        from clickar.db import open_database
        admin = open_database(self.stack.admin_url)
        admin.connect()
        self.busy0, self.wall0 = _machine_busy()[0], time.monotonic()
        while not self.stop.wait(1.0):  # a sample a second: the event is the clock
            self._sample(admin)
        self._sample(admin)
        self.busy1, self.wall1 = _machine_busy()[0], time.monotonic()
        admin.close()

    def start(self):
        self.thread.start()

    def finish(self) -> dict:
        """CPU seconds per part over the window (a process first seen mid-run counts from its first
        sample: a new backend's first second is lost), the window, the machine's busy seconds."""
        self.stop.set()
        self.thread.join()
        parts: dict[str, float] = {}
        for (part, _pid), (first, last) in self.used.items():
            parts[part] = parts.get(part, 0.0) + last - first
        wall = self.wall1 - self.wall0
        return {"window_s": round(wall, 1), "cores": os.cpu_count(),
                "machine_busy_s": round(self.busy1 - self.busy0, 1),
                "parts_s": {k: round(v, 1) for k, v in sorted(parts.items(), key=lambda kv: -kv[1])}}


def _wait_port(port: int, seconds: float = 20):
    import socket
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling a port that is coming up: the event is the listen


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


# The sink's outage comes first so the journeys that waited for their mail still finish in a short run.
FAULTS = [(0.10, "stop_smtp_for_a_while"), (0.30, "kill_one_worker"), (0.50, "restart_redis"),
          (0.70, "terminate_backends")]
STOP_TIMEOUT_S = 120  # when the load ends, journeys under way may finish (their mail may still be coming)


def _faults(stack: Stack, duration: int, stop: threading.Event) -> list[threading.Thread]:
    """One of each at fixed fractions of the load, so every run shows them in its timeline; each
    on its own thread (the sink's outage lasts 30 s and must not hold back the next fault)."""
    start = time.monotonic()

    def at(fraction: float, name: str):
        if not stop.wait(max(0.0, start + duration * fraction - time.monotonic())):
            getattr(stack, name)()

    threads = [threading.Thread(target=at, args=plan, daemon=True) for plan in FAULTS]
    for thread in threads:
        thread.start()
    return threads


def fault_windows(timeline: list[dict]) -> list[tuple[float, float]]:
    """(start, end) wall times of the faults: a fault with a "back" event lasts until it, then GRACE_S."""
    windows, opened = [], {}
    for entry in timeline:
        event = entry["event"]
        if not event.startswith("fault:"):
            continue
        part = event.split()[1]
        if event.endswith(" back"):
            windows.append((opened.pop(part, entry["at"]), entry["at"] + GRACE_S))
        elif "stopped" in event or "restarted" in event:
            opened[part] = entry["at"]
        else:
            windows.append((entry["at"], entry["at"] + GRACE_S))
    return windows


def drain_outbox(stack: Stack, seconds: float = 150) -> int:
    """Wait until the worker has sent every mail (it backs off up to a minute after the sink's
    outage); the count still waiting when the time is up."""
    from clickar import create_app
    from clickar.db import database
    from clickar.models import OutboxMail

    app = create_app({"DATABASE_URL": stack.db_url})
    deadline = time.monotonic() + seconds
    with app.app_context():
        while True:
            database.connect(reuse_if_open=True)
            waiting = OutboxMail.select().where(OutboxMail.sent_at.is_null()).count()
            database.close()
            if waiting == 0 or time.monotonic() > deadline:
                return waiting
            time.sleep(1)  # polling the outbox for the worker's last sends: the event is the count


def _scan_findings(stack: Stack, scans_file: Path) -> list[str]:
    """Every scan answered 302 is counted, and no network is counted more often than its scans
    reached the app (302 + 503 + broken connection).

    A scan answered 503 may be counted: the visit row is written before the session is saved, and
    with Redis away the session's save is what fails. The person did scan (and taps again), so the
    funnel is right to hold it; the app's answer just could not carry the cookie. What would be
    wrong is a 302 the funnel lost, or more rows than taps. Each scan comes from a /24 of its own
    (the funnel keeps only a keyed hash of the network), so the check is per scan, not a total."""
    from clickar import create_app
    from clickar.db import database
    from clickar.flyers.tracking import anonymise_address
    from clickar.models import Visit
    from peewee import fn

    reached: dict[str, int] = {}
    answered: set[str] = set()
    for line in scans_file.read_text().splitlines():
        if not line.strip():
            continue
        kind, address = line.split()
        reached[address] = reached.get(address, 0) + 1
        if kind == "ok":
            answered.add(address)
    app = create_app({"DATABASE_URL": stack.db_url})
    with app.app_context():
        database.connect(reuse_if_open=True)
        counted = dict(Visit.select(Visit.client, fn.COUNT(Visit.id)).group_by(Visit.client).tuples())
        database.close()
    network = {address: anonymise_address(address, stack.secret) for address in reached}
    lost = [a for a in answered if counted.get(network[a], 0) == 0]
    over = [a for a in reached if counted.get(network[a], 0) > reached[a]]
    stray = set(counted) - set(network.values())
    findings = []
    if lost:
        findings.append(f"scans: {len(lost)} answered 302 but not in the funnel (e.g. {lost[0]})")
    if over:
        findings.append(f"scans: {len(over)} networks counted more often than their scans reached the app "
                        f"(e.g. {over[0]}: {counted[network[over[0]]]} rows, {reached[over[0]]} scans)")
    if stray:
        findings.append(f"scans: {sum(counted[c] for c in stray)} funnel rows from no scan of the load")
    return findings


def _journey_findings(journeys: list[dict]) -> list[str]:
    """Every journey the client saw complete exists once: its member, the link to its contract,
    one live renewal for that contract and term, with the 受付番号 the client saw. Nothing
    half-written anywhere: no member without a contract, no renewal of a contract its member
    does not hold, no two live renewals of one contract and term."""
    from peewee import JOIN, fn

    from clickar.models import Contract, Member, MemberContract, Renewal

    findings = []
    for journey in (j for j in journeys if j["outcome"] == "complete"):
        member = Member.by_email(journey["email"])
        contract = Contract.get_or_none(Contract.policy_number == journey["policy"])
        live = list(Renewal.select().where((Renewal.contract == contract) & Renewal.cancelled_at.is_null())) \
            if contract else []
        if member is None or contract is None:
            findings.append(f"journey {journey['email']}: complete for the client, no member or contract")
        elif not MemberContract.select().where((MemberContract.member == member)
                                               & (MemberContract.contract == contract)).exists():
            findings.append(f"journey {journey['email']}: member without the link to {journey['policy']}")
        elif [r.receipt_number for r in live] != [journey["receipt"]]:
            findings.append(f"journey {journey['email']}: live renewals {[r.receipt_number for r in live]}, "
                            f"the client saw {journey['receipt']}")
    unlinked = Member.select().where(~fn.EXISTS(MemberContract.select().where(MemberContract.member == Member.id)))
    if unlinked.count():
        findings.append(f"half-written: {unlinked.count()} members without a contract (e.g. {unlinked[0].email})")
    foreign = (Renewal.select().join(MemberContract, on=(MemberContract.contract == Renewal.contract), join_type=JOIN.LEFT_OUTER)
               .where(Renewal.member.is_null(False) & (MemberContract.member.is_null()
                                                       | (MemberContract.member != Renewal.member))))
    if foreign.count():
        findings.append(f"half-written: {foreign.count()} renewals of a contract their member does not hold")
    doubled = (Renewal.select(Renewal.contract, Renewal.term_start).where(Renewal.cancelled_at.is_null())
               .group_by(Renewal.contract, Renewal.term_start).having(fn.COUNT(Renewal.id) > 1))
    if doubled.count():
        findings.append(f"{doubled.count()} contracts with two live renewals for one term")
    return findings


CUTS = ("SMTP sink stopped",)  # a fault that can cut the sink's 250 off from the sender
CUT_WINDOW_S = 3.0


def _mail_findings(sink: MailSink, timeline: list[dict]) -> tuple[list[str], list[float], list[str]]:
    """Every mail the outbox holds was delivered exactly once, and the sink got nothing else
    (outbox rows against the sink by recipient + subject + body hash); the delivery lags.

    One exception, reported apart: a second copy whose first one arrived just before the sink
    stopped. The sink took the message but its 250 never reached the worker: SMTP has no
    exactly-once there (RFC 1047), and the outbox sends again rather than lose the mail. (A copy
    sent again because the database dropped before "sent" was written is a finding: the worker
    writes it on a fresh connection, clickar/mail.py.)"""
    from clickar.models import OutboxMail

    cuts = [e["at"] for e in timeline if any(c in e["event"] for c in CUTS)]
    delivered: dict[str, list[float]] = {}
    for record in sink.received:
        delivered.setdefault(record["key"], []).append(record["at"])
    findings, lags, at_cuts, known = [], [], [], set()
    t0 = timeline[0]["at"] if timeline else 0.0
    for mail in OutboxMail.select():
        key = mail_key(mail.recipient, mail.subject, mail.body)
        known.add(key)
        times = sorted(delivered.get(key, []))
        label = f"mail {mail.id} ({mail.kind} to {mail.recipient})"
        if not times:
            findings.append(f"{label}: delivered 0 times")
            continue
        lags.append(times[0] - mail.created_at.replace(tzinfo=dt.timezone.utc).timestamp())
        seen = ", ".join(f"{t - t0:.1f} s" for t in times)
        if len(times) == 2 and any(0 <= cut - times[0] <= CUT_WINDOW_S for cut in cuts):
            at_cuts.append(f"{label}: delivered twice ({seen}), the first just before a fault cut the sender")
        elif len(times) != 1:
            findings.append(f"{label}: delivered {len(times)} times ({seen})")
    strays = [k for k in delivered if k not in known]
    if strays:
        findings.append(f"{len(strays)} mails at the sink that the outbox never held")
    return findings, lags, at_cuts


def _read_jsonl(path: Path | None) -> list[dict]:
    if path is None or not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def audit(stack: Stack, scans_file: Path, stats_csv: Path, journeys_file: Path | None = None,
          events_file: Path | None = None) -> list[str]:
    """What must hold after the run; each finding is one line."""
    from clickar import create_app
    from clickar.db import database

    findings = _scan_findings(stack, scans_file)
    app = create_app({"DATABASE_URL": stack.db_url})
    with app.app_context():
        database.connect(reuse_if_open=True)
        findings += _journey_findings(_read_jsonl(journeys_file))
        mail_findings, stack.mail_lags, stack.mail_at_cuts = _mail_findings(stack.sink, stack.timeline)
        findings += mail_findings
        database.close()
    for journey in _read_jsonl(journeys_file):
        if journey["outcome"] != "complete" and "メンテナンス中" not in journey["why"]:
            findings.append(f"journey {journey['email']} stopped at {journey['step']}: {journey['why']}")
    log = (stack.work / "app.log").read_text(encoding="utf-8", errors="replace")
    served_500 = [line for line in log.splitlines() if '"status": 500' in line or '"status":500' in line]
    if served_500:
        findings.append(f"{len(served_500)} responses with status 500 in the app's log")
    for kind in ("failures", "exceptions"):  # failures after retries; errors of the harness itself
        path = stats_csv.with_name(stats_csv.name.replace("_stats.csv", f"_{kind}.csv"))
        if path.exists():
            findings += [f"client saw {kind[:-1]}: {row}" for row in path.read_text().splitlines()[1:]]
    return findings


def errors_by_kind(events: list[dict], windows: list[tuple[float, float]]) -> dict:
    """{"retried"|"failed": {kind: {"inside": n, "outside": n}}}: inside = during a fault's window."""
    table: dict = {}
    for event in events:
        inside = any(start <= event["at"] <= end for start, end in windows)
        row = table.setdefault("failed" if event["final"] else "retried", {}).setdefault(
            event["kind"], {"inside": 0, "outside": 0})
        row["inside" if inside else "outside"] += 1
    return table


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)


def _percentiles(stats_csv: Path) -> list[dict]:
    import csv
    rows = []
    with open(stats_csv, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append({"step": row["Name"], "requests": int(row["Request Count"]),
                         "failures": int(row["Failure Count"]), "p50_ms": row["50%"],
                         "p95_ms": row["95%"], "p99_ms": row["99%"], "rps": row["Requests/s"]})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make loadtest")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("DURATION", "60")))
    parser.add_argument("--users", type=int, default=int(os.environ.get("USERS", "30")))
    parser.add_argument("--no-faults", action="store_true", default=os.environ.get("FAULTS") == "0",
                        help="no faults (capacity runs: FAULTS=0)")
    parser.add_argument("--masters", type=int, default=int(os.environ.get("MASTERS") or 1),
                        help="gunicorn masters on ports of their own, taken in turn request by request "
                             "(MASTERS=2: two app machines' worth behind one load balancer)")
    parser.add_argument("--tag", default=os.environ.get("TAG", ""),
                        help="write report-TAG.json and summary-TAG.txt (keep a series of runs)")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("CLICKAR_TEST_POSTGRES_URL")
    if not admin_url or not shutil.which("redis-server"):
        print("make loadtest needs CLICKAR_TEST_POSTGRES_URL (a server where it may create a database) "
              "and redis-server", file=sys.stderr)
        return 2
    REPORTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="clickar-loadtest-"))
    stack = Stack(admin_url, work, max(1, args.masters))
    code = "LT" + "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(6))
    files = {name: work / f"{name}.jsonl" for name in ("scans", "journeys", "events")}
    people = max(50, args.users * (args.duration // 10 + 1))  # more than the journeys can walk
    stop = threading.Event()
    try:
        stack.start_smtp()
        stack.start_redis()
        stack.make_database(code)
        env = stack.env()
        stack.import_people(env, [renewal_open(n) for n in range(people)])
        stack.start_app(env)
        stack.mark("load starts", users=args.users, duration_s=args.duration, people=people,
                   masters=len(stack.app_ports), faults=not args.no_faults)
        faults = [] if args.no_faults else _faults(stack, args.duration, stop)
        cpu = CpuMeter(stack)
        cpu.start()
        csv_prefix = work / "locust"
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(max(1, args.users // 5)), "-t", f"{args.duration}s",
             "--host", f"http://127.0.0.1:{stack.app_port}", "--csv", str(csv_prefix), "--only-summary",
             "--stop-timeout", str(STOP_TIMEOUT_S), "--exit-code-on-error", "0"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "LOADTEST_CAMPAIGN": code,
                           "LOADTEST_PEOPLE": str(people), "LOADTEST_MAILDIR": str(stack.sink.maildir),
                           "LOADTEST_SCANS": str(files["scans"]), "LOADTEST_JOURNEYS": str(files["journeys"]),
                           "LOADTEST_EVENTS": str(files["events"]),
                           "LOADTEST_HOSTS": ",".join(f"http://127.0.0.1:{p}" for p in stack.app_ports)})
        cpu.locust_pid = locust.pid
        locust.wait()
        stack.mark("load ends")
        stack.cpu = cpu.finish()
        for thread in faults:
            thread.join()  # a fault under way (the sink's outage) ends as planned
        stop.set()
        waiting = drain_outbox(stack)
        stack.mark("outbox drained" if not waiting else f"outbox still holds {waiting} mails")
        for path in files.values():
            path.touch()
        findings = audit(stack, files["scans"], Path(f"{csv_prefix}_stats.csv"), files["journeys"], files["events"])
        report = _report(args, stack, Path(f"{csv_prefix}_stats.csv"), files, findings)
        suffix = f"-{args.tag}" if args.tag else ""
        (REPORTS / f"report{suffix}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
        lines = _summary(args, report)
        (REPORTS / f"summary{suffix}.txt").write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
        return 1 if findings else 0
    finally:
        stop.set()
        stack.stop()
        try:
            stack.drop_database()
        except Exception as exc:  # noqa: BLE001 - the report says so rather than hiding the run
            print(f"loadtest: could not drop {stack.db_name}: {exc}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


def _report(args, stack: Stack, stats_csv: Path, files: dict, findings: list[str]) -> dict:
    journeys = _read_jsonl(files["journeys"])
    complete = [j for j in journeys if j["outcome"] == "complete"]
    per_minute: dict[int, int] = {}
    start = stack.timeline[0]["at"]
    load_start = next(e["at"] for e in stack.timeline if e["event"] == "load starts")
    in_load = [j for j in complete if j["at"] <= load_start + args.duration]
    for journey in complete:
        minute = int((journey["at"] - start) // 60)
        per_minute[minute] = per_minute.get(minute, 0) + 1
    steps = _percentiles(stats_csv)
    measured = [s for s in steps if s["step"] != "Aggregated" and s["p95_ms"] not in ("", "N/A")]
    slowest = max(measured, key=lambda s: float(s["p95_ms"]), default=None)
    cpu = getattr(stack, "cpu", None)
    if cpu and in_load:
        cpu["per_journey_s"] = {k: round(v / len(in_load), 3) for k, v in cpu["parts_s"].items()}
    return {"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "users": args.users, "duration_s": args.duration, "masters": len(stack.app_ports),
            "faults": not args.no_faults, "timeline": stack.timeline, "steps": steps,
            "slowest_p95": {"step": slowest["step"], "p95_ms": float(slowest["p95_ms"])} if slowest else None,
            "cpu": cpu,
            "journeys": {"complete": len(complete), "stopped": len(journeys) - len(complete),
                         "complete_per_minute": round(len(complete) * 60 / args.duration, 1),
                         "complete_in_load_per_minute": round(len(in_load) * 60 / args.duration, 1),
                         "complete_by_minute": per_minute},
            "errors_by_kind": errors_by_kind(_read_jsonl(files["events"]), fault_windows(stack.timeline)),
            "mail": {"delivered": len(stack.sink.received), "lag_p95_s": _p95(getattr(stack, "mail_lags", [])),
                     "twice_at_a_fault": getattr(stack, "mail_at_cuts", [])},
            "findings": findings, "load_average": os.getloadavg()}


def _summary(args, report: dict) -> list[str]:
    lines = [f"make loadtest DURATION={args.duration} USERS={args.users} MASTERS={report['masters']}"
             f"{'' if report['faults'] else ' FAULTS=0'}  ({report['when']}, "
             f"load average {report['load_average'][0]:.1f}: shared machine)", "", "timeline:"]
    lines += [f"  {e['t']:7.1f} s  {e['event']}" for e in report["timeline"]]
    lines += ["", "step | requests | failures | p50 ms | p95 ms | p99 ms"]
    lines += [f"{s['step']} | {s['requests']} | {s['failures']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']}"
              for s in report["steps"]]
    j = report["journeys"]
    if report["slowest_p95"]:
        lines += [f"slowest p95: {report['slowest_p95']['step']} {report['slowest_p95']['p95_ms']:.0f} ms"]
    cpu = report.get("cpu")
    if cpu:
        lines += [f"CPU over {cpu['window_s']} s ({cpu['cores']} cores): machine busy {cpu['machine_busy_s']} s; "
                  + ", ".join(f"{k} {v} s" for k, v in cpu["parts_s"].items())]
        if cpu.get("per_journey_s"):
            lines += ["CPU per journey completed in the load (all users' work): "
                      + ", ".join(f"{k} {v} s" for k, v in cpu["per_journey_s"].items())]
    lines += ["", f"journeys: {j['complete']} complete ({j['complete_per_minute']} per minute; "
                  f"{j['complete_in_load_per_minute']} per minute finished within the load), "
                  f"{j['stopped']} stopped; by minute {j['complete_by_minute']}",
              f"mail: {report['mail']['delivered']} delivered, lag p95 {report['mail']['lag_p95_s']} s; "
              f"twice at a fault (SMTP's known duplicate, not a finding): {report['mail']['twice_at_a_fault']}",
              "errors by kind (inside / outside the fault windows):"]
    for outcome, kinds in sorted(report["errors_by_kind"].items()):
        lines += [f"  {outcome}: {kind}: {n['inside']} / {n['outside']}" for kind, n in sorted(kinds.items())]
    findings = report["findings"]
    lines += ["", "audit: " + ("nothing found" if not findings else f"{len(findings)} findings")]
    lines += [f"  - {f}" for f in findings[:50]]
    return lines


if __name__ == "__main__":
    sys.exit(main())
