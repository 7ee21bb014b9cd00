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
the audit. Report: reports/loadtest/report.json and summary.txt (--reports DIR elsewhere). Exit
status 1 when the audit finds anything (docs/PERFORMANCE.md, "Load test"). SIGTERM or Ctrl-C tears
everything down (each child is in a process group of its own) and drops the database: exit 128+N.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
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
from bench.people import CHOSEN, policy_number, renewal_open, write_csv  # noqa: E402

REPORTS = ROOT / "reports" / "loadtest"
SMTP_OUTAGE_S = 30
POOL_QUERY = "max_connections=10&stale_timeout=300&connect_timeout=3"  # compose.yaml's
SPOOL_WAIT_S = 20  # the app moves its spooled scans about once a second; the audit waits this long at most
APP_MOVE_S = 10  # ... and first gives the app's own movers this long to move everything, dead workers' files too
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
                  "key": mail_key(to, subject, body), "rcpt": [r.lower() for r in envelope.rcpt_tos]}
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
        self.redis = self.app = self.worker = self.smtp = self.locust = None
        self.closing = threading.Event()  # set by stop(): a fault under way starts nothing again
        self.lock = threading.Lock()  # stop() against a fault thread's restart
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
        with self.lock:
            if self.closing.is_set():
                return
            self.redis = _spawn(
                ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.work)], self.work / "redis.log")
        _wait_port(self.redis_port)

    def start_smtp(self):
        from aiosmtpd.controller import Controller
        with self.lock:
            if self.closing.is_set():
                return
            self.smtp = Controller(self.sink, hostname="127.0.0.1", port=self.smtp_port)
            self.smtp.start()

    def import_people(self, env: dict, indices: list[int]):
        """The insurer's CSV of these people, loaded as an operator would: `flask contracts import`."""
        path = self.work / "people.csv"
        self.imported_on = dt.date.today()  # the CSV's dates count from it (bench/people.contract_row)
        write_csv(path, 0, indices=indices)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "contracts", "import", str(path)],
                       cwd=ROOT, env=env, check=True, capture_output=True, start_new_session=True)

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
            metrics = self.work / f"metrics-{port}"  # in the run's folder: removed with it
            metrics.mkdir(exist_ok=True)
            app = _spawn([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                         self.work / "app.log", env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}",
                                                     "PROMETHEUS_MULTIPROC_DIR": str(metrics)})
            self.apps.append(app)
            wait_until_healthy(port, app, 120)
        self.app = self.apps[0]
        self.worker = _spawn([sys.executable, "-m", "flask", "--app", "wsgi", "mail", "worker"],
                             self.work / "worker.log", env=env)

    # ----------------------------------------------------------------- faults
    def kill_one_worker(self):
        if self.closing.is_set():
            return
        children = _children(self.app.pid)
        if children:
            os.kill(children[0], signal.SIGKILL)
        self.mark("fault: kill -9 of one gunicorn worker", pid=children[0] if children else None)

    def restart_redis(self):
        self.mark("fault: Redis restarted (down for 5 s)")
        with self.lock:
            if self.closing.is_set():
                return
            self.redis.kill()
            self.redis.wait()
        self.closing.wait(5)  # the outage itself: Redis stays away this long (or the run is torn down)
        self.start_redis()
        self.mark("fault: Redis back")

    def stop_smtp_for_a_while(self, seconds: float = SMTP_OUTAGE_S):
        self.mark(f"fault: SMTP sink stopped ({seconds:.0f} s)")
        with self.lock:
            if self.closing.is_set():
                return
            self.smtp.stop()
        self.closing.wait(seconds)  # the outage itself: the sink stays away this long (or the run is torn down)
        self.start_smtp()
        self.mark("fault: SMTP sink back")

    def terminate_backends(self):
        from clickar.db import open_database
        if self.closing.is_set():
            return
        admin = open_database(self.admin_url)
        admin.connect()
        cursor = admin.execute_sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = %s AND pid <> pg_backend_pid()", (self.db_name,))
        killed = cursor.fetchone()[0]
        admin.close()
        self.mark("fault: pg_terminate_backend of the app's backends", backends=killed)

    def stop(self):
        """Everything this run started, whatever state it is in (also on SIGTERM / Ctrl-C, see main):
        Locust first (no new requests), then the mail worker, the gunicorn masters, Redis. Each was
        started in a process group of its own, so the whole group goes (a master's workers too, even
        when the master is gone) and a Ctrl-C at the terminal reaches only this process."""
        with self.lock:
            self.closing.set()
            if self.smtp is not None:
                try:
                    self.smtp.stop()
                except (AssertionError, RuntimeError):
                    pass  # already stopped (an outage under way when the run ended)
        if self.locust is not None:  # ended by now unless interrupted: then its journeys are not waited for
            _stop_group(self.locust, seconds=5)
        for proc in (self.worker, *self.apps, self.redis):
            if proc is not None:
                _stop_group(proc)


def _die_with_parent():
    """In the child before exec: SIGTERM when the harness dies, even by SIGKILL (Linux prctl
    PR_SET_PDEATHSIG), so a killed load test leaves no gunicorn, worker or Redis behind."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _spawn(argv: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    """A part of the stack in a process group (and session) of its own: stop() ends the group.
    Started from the main thread it also dies with the harness (_die_with_parent); the signal
    follows the thread that started it, so the Redis a fault thread restarts does not get it."""
    main = threading.current_thread() is threading.main_thread()
    with open(log, "ab") as out:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_die_with_parent if main else None)


def _stop_group(proc: subprocess.Popen, seconds: float = 20):
    """SIGTERM to the process group of proc (its leader), then SIGKILL to what is left of it."""
    def signal_group(sig):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass  # the group is gone
    signal_group(signal.SIGTERM)
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        pass
    signal_group(signal.SIGKILL)  # a leader that ended leaves no orphan behind (gunicorn's workers)
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
FAULTS = [(0.15, "kill_one_worker"), (0.30, "restart_redis"), (0.45, "terminate_backends"),
          (0.55, "stop_smtp_for_a_while")]  # last: its 30 s parks every journey waiting for a mail (r23b W1)
# when the load ends, journeys under way may finish (their mail may still be coming). 180: a mail the killed
# worker had claimed waits out its 2-minute lease (clickar/mail.py CLAIM_TIMEOUT) before another sender takes
# it; the client waits 20 s less than this for a mail (outside attack r23c: a clean run failed at 120)
STOP_TIMEOUT_S = 180


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


def web_fault_windows(timeline: list[dict]) -> list[tuple[float, float]]:
    """The windows of the faults that can fail a tap: all but the SMTP sink's outage. Mail leaves
    through the outbox after the response, so a 503 or a broken connection while only the sink is
    down is the app failing on its own (an outside review found the sink's 30 s forgave them)."""
    return fault_windows([e for e in timeline if not e["event"].startswith("fault: SMTP")])


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


def scan_findings(lines: list[str], counted: dict[str, int], network: dict[str, str]) -> list[str]:
    """The scan check on its data: the client's lines ("ok|refused|unanswered SCAN ADDRESS", one per
    attempt; SCAN is the id the client gave that scan, the same for its retries), the funnel's rows
    per network (keyed hash) and each address's network.

    Counted per scan, not per address: on each network, the rows must be at least the scans answered
    302 (each one counted) and at most the attempts that reached the app (302 + 503 + broken
    connection). The load gives every scan a network of its own (locustfile: a new phone per
    journey and per scan), so there this is exact; were one network scanned several times, a 302
    the funnel lost still shows as fewer rows than answered scans (unless a counted 503 tap of
    another scan on that network stands in for it: only a network per scan rules that out)."""
    scans: dict[str, dict[str, set[str] | int]] = {}  # network → {"answered": scan ids, "attempts": n}
    example: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            continue
        kind, scan, address = line.split()
        net = network[address]
        entry = scans.setdefault(net, {"answered": set(), "attempts": 0})
        entry["attempts"] += 1
        example.setdefault(net, address)
        if kind == "ok":
            entry["answered"].add(scan)
    lost, over = [], []
    for net, entry in scans.items():
        rows = counted.get(net, 0)
        if rows < len(entry["answered"]):
            lost.append((net, len(entry["answered"]) - rows))
        if rows > entry["attempts"]:
            over.append(net)
    stray = set(counted) - set(scans)
    findings = []
    if lost:
        net = lost[0][0]
        findings.append(f"scans: {sum(n for _, n in lost)} answered 302 but not in the funnel (e.g. {example[net]}: "
                        f"{len(scans[net]['answered'])} scans answered, {counted.get(net, 0)} rows)")
    if over:
        net = over[0]
        findings.append(f"scans: {len(over)} networks counted more often than their scans reached the app "
                        f"(e.g. {example[net]}: {counted[net]} rows, {scans[net]['attempts']} attempts)")
    if stray:
        findings.append(f"scans: {sum(counted[c] for c in stray)} funnel rows from no scan of the load")
    return findings


def _scan_findings(stack: Stack, scans_file: Path) -> list[str]:
    """Every scan answered 302 is counted, and no network is counted more often than its scans
    reached the app (scan_findings, on the funnel's rows of this run's database).

    The scans are spooled by the app before its 302 and moved into the funnel about once a second
    (clickar/flyers/spool.py): the audit first waits for the live workers to move theirs and takes
    over the files of the dead ones (kill -9) itself; scans still in the spool after SPOOL_WAIT_S
    are a finding.

    A scan answered 503 may be counted: the visit is spooled before the session is saved, and
    with Redis away the session's save is what fails. The person did scan (and taps again), so the
    funnel is right to hold it; the app's answer just could not carry the cookie. What would be
    wrong is a 302 the funnel lost, or more rows than taps."""
    from clickar import create_app
    from clickar.db import database
    from clickar.flyers.spool import for_app
    from clickar.flyers.tracking import anonymise_address, flush_scans
    from clickar.models import Visit
    from peewee import fn

    lines = [line for line in scans_file.read_text().splitlines() if line.strip()]
    app = create_app({"DATABASE_URL": stack.db_url, "REDIS_URL": f"redis://127.0.0.1:{stack.redis_port}/0",
                      "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{stack.redis_port}/0",
                      "VISIT_SPOOL_INTERVAL": 0})
    findings = []
    # The app still runs: its own movers (one a worker) must move every spooled scan, the files of the
    # worker the fault killed included (take-over). The audit waits for them first and only then moves
    # what is left itself, to count it: its own take-over had hidden a broken one (outside attack r23b, P7).
    deadline = time.monotonic() + APP_MOVE_S
    while for_app(app).pending() and time.monotonic() < deadline:
        time.sleep(0.5)
    if left := for_app(app).pending():
        findings.append(f"scans: {left} bytes still in the spool {APP_MOVE_S} s after the load: the app's own "
                        "movers did not move them (a dead worker's file not taken over?)")
    deadline = time.monotonic() + SPOOL_WAIT_S
    while True:
        flush_scans(app)  # the spool files of dead workers: their locks died with them
        left = for_app(app).pending()
        if not left:
            break
        if time.monotonic() > deadline:
            findings.append(f"scans: {left} bytes of scans still in the spool {SPOOL_WAIT_S} s after the load")
            break
        time.sleep(0.5)
    with app.app_context():
        database.connect(reuse_if_open=True)
        counted = dict(Visit.select(Visit.client, fn.COUNT(Visit.id)).group_by(Visit.client).tuples())
        # each row as the phone made it: when (within the run), what (the load's iPhone Safari, no bot):
        # every scan stored a day early passed (outside attack r23b, P18)
        start = next((e["at"] for e in stack.timeline if e["event"] == "load starts"), 0.0) - 60
        rows = list(Visit.select(Visit.created_at, Visit.device, Visit.browser, Visit.is_bot).tuples())
        database.close()
    when = [at for at, *_ in rows if not start <= at.replace(tzinfo=dt.timezone.utc).timestamp() <= time.time() + 60]
    if when:
        findings.append(f"scans: {len(when)} funnel rows dated outside the run (e.g. {when[0]:%Y-%m-%d %H:%M:%S} UTC)")
    what = [(d, b, bot) for _, d, b, bot in rows if (d, b, bot) != ("iPhone", "Safari", False)]
    if what:
        findings.append(f"scans: {len(what)} funnel rows not the load's iPhone Safari (e.g. {what[0]})")
    network = {address: anonymise_address(address, stack.secret) for address in {l.split()[-1] for l in lines}}
    return findings + scan_findings(lines, counted, network)


PERSON = re.compile(r"lt(\d+)@example\.jp")


def own_policies(email: str) -> set[str] | None:
    """The contracts of the load's person with this address (locustfile: person i registers as
    lt<i>@example.jp with the one contract bench/people.py made for i); None: no person of the load."""
    match = PERSON.fullmatch(email.lower())
    return {policy_number(int(match.group(1)))} if match else None


def _journey_findings(journeys: list[dict]) -> list[str]:
    """Every journey the client saw complete exists once: its member, the link to its contract,
    one live renewal for that contract and term, with the 受付番号, the choices and the premium the
    client saw, starting the day the renewed contract ends. Nothing
    half-written anywhere: no member without a contract, every member linked to exactly its own
    contracts (own_policies: none of someone else's), no renewal of a contract its member does not
    hold, no two live renewals of one contract and term."""
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
        elif (written := Renewal.select().where(Renewal.contract == contract).count()) != 1:
            # the journeys never cancel: a second row, even cancelled, is a 確定 written twice
            findings.append(f"journey {journey['email']}: {written} renewals written for {journey['policy']} "
                            f"(live or cancelled), the client made one")
        elif live[0].member_id != member.id or any(str(getattr(live[0], k)) != v for k, v in CHOSEN.items()):
            got = {k: getattr(live[0], k) for k in CHOSEN}
            findings.append(f"journey {journey['email']}: renewal {journey['receipt']} is not what the client "
                            f"chose (member {live[0].member_id}, {got})")
        elif live[0].annual_premium != journey.get("premium"):
            # the client read it on 保険料の確認 and saw it again on 最終確認 and 完了
            findings.append(f"journey {journey['email']}: renewal {journey['receipt']} stored at "
                            f"{live[0].annual_premium} yen, the client was shown {journey.get('premium')} yen")
        elif not _instalments_add_up(live[0]):
            r = live[0]
            findings.append(f"journey {journey['email']}: renewal {journey['receipt']} instalments "
                            f"{r.installments} × (1回目 {r.first_installment}, then {r.other_installment}) "
                            f"do not make its premium {r.annual_premium}")
        elif (want := _priced_independently(contract)) != (live[0].annual_premium, live[0].installments,
                                                           live[0].grade_current, live[0].grade_next):
            r = live[0]
            findings.append(f"journey {journey['email']}: renewal {journey['receipt']} stored (premium, instalments, "
                            f"等級 now, 等級 next) {(r.annual_premium, r.installments, r.grade_current, r.grade_next)}, "
                            f"its contract's conditions and the rate table give {want}")
        elif live[0].term_start != contract.insurance_end:
            findings.append(f"journey {journey['email']}: renewal {journey['receipt']} starts {live[0].term_start}, "
                            f"the contract it renews ends {contract.insurance_end}")
    unlinked = Member.select().where(~fn.EXISTS(MemberContract.select().where(MemberContract.member == Member.id)))
    if unlinked.count():
        findings.append(f"half-written: {unlinked.count()} members without a contract (e.g. {unlinked[0].email})")
    held: dict[str, set[str]] = {}
    for email, policy in (MemberContract.select(Member.email, Contract.policy_number).join(Member)
                          .switch(MemberContract).join(Contract).tuples()):
        held.setdefault(email, set()).add(policy)
    for email, policies in sorted(held.items()):
        own = own_policies(email)
        if own is None:
            findings.append(f"member {email}: no person of the load, linked to {sorted(policies)}")
        elif policies != own:
            findings.append(f"member {email}: linked to {sorted(policies)}, its own contracts are {sorted(own)}")
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


def _priced_independently(contract) -> tuple[int, int, int, int]:
    """What the renewal must cost, from the contract's conditions, the rate table and the options the
    client chose, without the wizard: every premium check compared the app with itself, and a quote at
    this term's 等級 instead of the next passed (outside attack r23c, F)."""
    from clickar.renewal import plans, rating

    conditions = plans.conditions_of(contract)
    grade_next = rating.next_grade(conditions.grade, conditions.claims)
    rates, _ = plans.current_rates()
    installments = plans.DEFAULT_INSTALLMENTS  # the load imports no group: the default plan's 12
    return rating.quote(rates, grade_next, CHOSEN, installments).annual, installments, conditions.grade, grade_next


def _instalments_add_up(r) -> bool:
    """The app's rule (保険料の確認): the premium divided by the count, the remainder in the first."""
    if r.installments < 1:
        return False
    other = r.annual_premium // r.installments
    first = r.annual_premium - other * (r.installments - 1)
    return (r.first_installment, r.other_installment if r.installments > 1 else first) == (
        first, other if r.installments > 1 else first)


CUTS = ("SMTP sink stopped",)  # a fault that can cut the sink's 250 off from the sender
CUT_WINDOW_S = 3.0


# The tap of a journey that writes each kind of mail the load makes (registration/wizard.py: 確認 送信
# and 本登録; auth/views.py login_submit → auth/otp.py; renewal/wizard.py: 確定, the member's and the
# agency's mail). One tap, one mail; a tap the person repeated (after a 503 or a broken connection,
# events file) may have been written each time, so each repeat allows one more.
MAIL_STEPS = {"verification": "入力内容の確認 送信", "already_member": "入力内容の確認 送信",
              "registered": "本登録 パスワード", "otp": "ログイン",
              "renewal_accepted": "更新 確定", "renewal_accepted_agency": "更新 確定"}
POLICY_IN_SUBJECT = re.compile(r"証券番号 (\w+)")
DONE_BEFORE = "done by an earlier tap"  # locustfile: a repeated tap found the first one had gone through


def logical_mail(recipient: str, kind: str, subject: str) -> tuple[str, str, str]:
    """What makes one mail one: (recipient, kind, journey). The journey is the contract the subject
    names (the agency's mails all go to one address) or else the recipient (one person per address)."""
    named = POLICY_IN_SUBJECT.search(subject)
    return recipient.lower(), kind, (named.group(1) if named else recipient).lower()


def duplicate_mail_findings(mails: list[tuple[int, str, str, str]], events: list[dict]) -> list[str]:
    """No logical mail written twice: outbox rows (id, recipient, kind, subject) per logical_mail,
    at most one per tap of the step that writes it in that journey (1 + the repeats the client
    recorded for that person or contract). Two rows of one mail are two mails in the person's inbox
    even when each is delivered once (different ids, different bodies: a code, a link)."""
    repeats: dict[tuple[str, str], int] = {}
    for event in events:
        if event.get("kind") == DONE_BEFORE:
            continue
        for who in {event.get("who"), event.get("policy")} - {None}:
            key = (who.lower(), event["step"])
            repeats[key] = repeats.get(key, 0) + 1
    rows: dict[tuple[str, str, str], list[int]] = {}
    for mail_id, recipient, kind, subject in mails:
        rows.setdefault(logical_mail(recipient, kind, subject), []).append(mail_id)
    findings = []
    for (recipient, kind, journey), ids in sorted(rows.items()):
        step = MAIL_STEPS.get(kind)
        taps = 1 + (repeats.get((journey, step), 0) if step else 0)
        if len(ids) > taps:
            findings.append(f"mail {kind} to {recipient} (journey {journey}) written {len(ids)} times "
                            f"(outbox ids {sorted(ids)}), for {taps} tap(s) of {step or 'no step of the load'}")
    return findings


def _mail_findings(sink: MailSink, timeline: list[dict], events: list[dict] = ()) -> tuple[list[str], list[float], list[str]]:
    """Every mail the outbox holds was delivered exactly once, and the sink got nothing else
    (outbox rows against the sink by recipient + subject + body hash); no mail was written twice
    (duplicate_mail_findings); the delivery lags.

    One exception, reported apart: a second copy whose first one arrived just before the sink
    stopped. The sink took the message but its 250 never reached the worker: SMTP has no
    exactly-once there (RFC 1047), and the outbox sends again rather than lose the mail. (A copy
    sent again because the database dropped before "sent" was written is a finding: the worker
    writes it on a fresh connection, clickar/mail.py.)"""
    from clickar.models import OutboxMail

    backs = [e["at"] for e in timeline if e["event"] == "fault: SMTP sink back"]
    cuts = [(e["at"], next((b for b in backs if b >= e["at"]), float("inf")))
            for e in timeline if any(c in e["event"] for c in CUTS)]
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
        if len(times) == 2 and any(0 <= cut - times[0] <= CUT_WINDOW_S and times[1] >= back
                                   for cut, back in cuts):  # the copy sent again once the sink was back (r23b W9)
            at_cuts.append(f"{label}: delivered twice ({seen}), the first just before a fault cut the sender")
        elif len(times) != 1:
            findings.append(f"{label}: delivered {len(times)} times ({seen})")
    strays = [k for k in delivered if k not in known]
    if strays:
        findings.append(f"{len(strays)} mails at the sink that the outbox never held")
    findings += duplicate_mail_findings(
        list(OutboxMail.select(OutboxMail.id, OutboxMail.recipient, OutboxMail.kind, OutboxMail.subject).tuples()),
        list(events))
    return findings, lags, at_cuts


def _read_jsonl(path: Path | None) -> list[dict]:
    if path is None or not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


MARGIN_S = 2.0  # a fault's window opens this long before its mark (kill -9 and the termination are marked just after)
FAULT_KINDS = ("HTTP 503", "HTTP 503 メンテナンス中", "broken connection")  # what a fault may do to a tap


def in_fault_window(at: float, windows: list[tuple[float, float]]) -> bool:
    """During a fault: from MARGIN_S before its mark to its end + GRACE_S (fault_windows)."""
    return any(start - MARGIN_S <= at <= end for start, end in windows)


CUT_OFF = "cut off when the load ended"  # locustfile: Locust stopped the user (GreenletExit) under a journey


def stopped_journey_findings(journeys: list[dict], windows: list[tuple[float, float]]) -> list[str]:
    """A journey that stopped is a finding, unless it stopped at a 503 メンテナンス中 (after all
    its taps) inside a fault's window: that is what a fault may do (issue 23). A 503 with no fault
    running is the app failing on its own."""
    findings = []
    for journey in journeys:
        if journey["outcome"] == "complete" or journey["why"].startswith(CUT_OFF):
            continue  # cut off: Locust ended the user (counted in the report); its writes are audited all the same
        if "メンテナンス中" in journey["why"]:
            if in_fault_window(journey["at"], windows):
                continue
            findings.append(f"journey {journey['email']} stopped at {journey['step']} outside every fault "
                            f"window: {journey['why']}")
        else:
            findings.append(f"journey {journey['email']} stopped at {journey['step']}: {journey['why']}")
    return findings


def event_findings(events: list[dict], windows: list[tuple[float, float]]) -> list[str]:
    """The client's own record (locustfile LOADTEST_EVENTS): a tap it gave up on (final: an
    unexpected answer, a mail that never came, a page without what it must show) is a finding
    anywhere; a 503 or a broken connection, retried or not, is forgiven only inside a fault's
    window. One line per (step, kind)."""
    counts: dict[tuple[str, str, str], list[float]] = {}
    for event in events:
        if event["final"]:
            what = "gave up"
        elif event["kind"].startswith("timeout"):
            what = "waited for nothing"  # a hung request, retried or not, fault or not (locustfile.TIMEOUT)
        elif event["kind"] in FAULT_KINDS and not in_fault_window(event["at"], windows):
            what = "outside every fault window"
        else:
            continue
        counts.setdefault((what, event["step"], event["kind"]), []).append(event["at"])
    return [f"client {what}: {len(times)} × {step}: {kind}" for (what, step, kind), times in sorted(counts.items())]


def vanished_findings(lines: list[dict]) -> list[str]:
    """Every journey that started has an end line (complete or stopped): a journey Locust cut off at
    the end of the load, or one that crashed the harness, does not just vanish from the record."""
    ended = {j["email"] for j in lines if j["outcome"] != "started"}
    gone = [j["email"] for j in lines if j["outcome"] == "started" and j["email"] not in ended]
    return [f"{len(gone)} journeys started and never ended (e.g. {gone[0]})"] if gone else []


# The mails a complete journey must have made (outbox kinds): 仮登録, 登録完了, the one-time password,
# the renewal's to the member; and the agency's, which names the policy in its subject.
EXPECTED_MAILS = ("verification", "registered", "otp", "renewal_accepted")


def expected_mail_findings(journeys: list[dict], mails: list[tuple[str, str, str]]) -> list[str]:
    """mails: (kind, recipient, subject) of every outbox row. A journey the client saw complete
    without one of its mails is a finding (that they were delivered, once, is _mail_findings')."""
    kinds: dict[str, set[str]] = {}
    agency: set[str] = set()
    for kind, recipient, subject in mails:
        kinds.setdefault(recipient.lower(), set()).add(kind)
        if kind == "renewal_accepted_agency" and (match := POLICY_IN_SUBJECT.search(subject)):
            agency.add(match.group(1))
    findings = []
    for journey in (j for j in journeys if j["outcome"] == "complete"):
        missing = [k for k in EXPECTED_MAILS if k not in kinds.get(journey["email"].lower(), set())]
        if journey["policy"] not in agency:
            missing.append("renewal_accepted_agency")
        if missing:
            findings.append(f"journey {journey['email']}: complete for the client, no {', '.join(missing)} mail")
    return findings


# every kind of mail the load's steps may write; anything else (a cancellation, a lock notice …) is a finding
LOAD_MAIL_KINDS = frozenset(MAIL_STEPS) - {"already_member"}  # each person registers once (r23c W-C)


def unexpected_mail_findings(kinds: list[tuple[str, int]]) -> list[str]:
    """kinds: (kind, count) of the outbox. A mail no step of the load writes (every 確定 also sending
    「更新手続き取消のご連絡」 passed: outside attack r23b, P3)."""
    return [f"{count} mails of kind {kind}, which no step of the load writes" for kind, count in sorted(kinds)
            if kind not in LOAD_MAIL_KINDS and count]


def mail_content_findings(journeys: list[dict], mails: list[tuple[str, str, str, str]],
                          agency: dict[str, str] | None = None, registered: dict[str, list[str]] | None = None,
                          names: dict[str, str] | None = None) -> list[str]:
    """mails: (kind, recipient, subject, body) of every outbox row. A complete journey's renewal
    mails must be about its renewal: the member's carries the 受付番号 the client saw and the
    policy number, the agency's (the one naming the policy in its subject) the 受付番号. Another
    customer's renewal in a mail passed the hash match of outbox and sink (outside attack r23a, P2)."""
    member_bodies: dict[str, list[str]] = {}
    agency_bodies: dict[str, list[str]] = {}
    agency_to: dict[str, set[str]] = {}
    registered_bodies: dict[str, list[str]] = {}
    for kind, recipient, subject, body in mails:
        if kind == "renewal_accepted":
            member_bodies.setdefault(recipient.lower(), []).append(body)
        elif kind == "renewal_accepted_agency" and (match := POLICY_IN_SUBJECT.search(subject)):
            agency_bodies.setdefault(match.group(1), []).append(body)
            agency_to.setdefault(match.group(1), set()).add(recipient.lower())
        elif kind == "registered":
            registered_bodies.setdefault(recipient.lower(), []).append(body)
    findings = []
    for journey in (j for j in journeys if j["outcome"] == "complete"):
        receipt, policy = journey.get("receipt", ""), journey["policy"]
        amount = f"{journey['premium']:,}円" if isinstance(journey.get("premium"), int) else "(no premium)"
        mine = member_bodies.get(journey["email"].lower(), [])
        if mine and not any(receipt in body and policy in body and amount in body for body in mine):
            findings.append(f"journey {journey['email']}: its renewal_accepted mail does not carry "
                            f"its 受付番号 {receipt}, 証券番号 {policy} and premium {amount}")
        theirs = agency_bodies.get(policy, [])
        if theirs and not any(receipt in body and amount in body for body in theirs):
            findings.append(f"journey {journey['email']}: the agency's mail for {policy} does not carry "
                            f"its 受付番号 {receipt} and premium {amount}")
        # the right person, the right contract, and no other (the agency's mail with the next policy in its
        # body, the member's addressed to another name: outside attack r23c, C+D)
        name = (names or {}).get(policy)
        if name and mine and not any(body.startswith(f"{name} 様") for body in mine):
            findings.append(f"journey {journey['email']}: its renewal_accepted mail is not addressed to {name} 様")
        if theirs and not any(f"証券番号：{policy}" in body and set(POLICY_IN_BODY.findall(body)) == {policy}
                              and (not name or f"{name} 様" in body) for body in theirs):
            findings.append(f"journey {journey['email']}: the agency's mail for {policy} names "
                            f"{sorted(set(POLICY_IN_BODY.findall(theirs[-1])))} and not its contract holder alone")
        if agency is not None and agency_to.get(policy, set()) - {agency.get(policy, "").lower()}:
            findings.append(f"journey {journey['email']}: the agency's mail for {policy} went to "
                            f"{sorted(agency_to[policy])}, not the agency ({agency.get(policy)})")
        lines = (registered or {}).get(journey["email"].lower())
        bodies = registered_bodies.get(journey["email"].lower(), [])
        if lines is not None and bodies and not any(
                sorted(REGISTERED_LINE.findall(body)) == sorted(lines) for body in bodies):
            findings.append(f"journey {journey['email']}: its 登録完了 mail lists "
                            f"{REGISTERED_LINE.findall(bodies[-1])}, its contracts are {lines}")
    return findings


def stranger_mail_findings(lines: list[dict], mails: list[tuple[str, str, str]], agencies: set[str]) -> list[str]:
    """Every mail goes to a person who walked a journey of the load or to the agency, and a person's mail
    names no one else's policy: a copy of each renewal mail to a person who never walked passed
    (outside attack r23c, B2)."""
    walked = {line["email"].lower(): line.get("policy") for line in lines if line.get("email")}
    agencies = {a.lower() for a in agencies} | {LOAD_AGENCY}
    strangers = sorted({r for _, r, _ in mails if r.lower() not in walked and r.lower() not in agencies})
    findings = [f"{len(strangers)} addresses got mail and walked no journey (e.g. {strangers[0]})"] if strangers else []
    named = [(r, p) for _, r, body in mails if r.lower() in walked
             for p in set(POLICY_IN_BODY.findall(body)) - {walked[r.lower()]}]
    if named:
        findings.append(f"{len(named)} mails name another person's policy (e.g. {named[0][1]} in {named[0][0]}'s)")
    return findings


POLICY_IN_BODY = re.compile(r"BN\d{8}")
# where the agency's notices must go: the load imports no group, and the app's default is this address; written
# here, not read from the app (a typo in the app's constant passed when the audit asked the app: r23c N)
LOAD_AGENCY = "agency@example.jp"


REGISTERED_LINE = re.compile(r"^・(.+（保険始期 [^）]+）)$", re.M)  # templates/mail/registered.txt


def contract_findings(rows: list[dict], imported_on: dt.date | None = None) -> list[str]:
    """Each contract is as the insurer loaded it (bench/people.contract_row, with the day of the
    import): a 確定 that rewrote every contract's 団体名 passed (outside attack r23b, P10), and one
    that rewrote another contract's 保険終期 (r23c, I)."""
    from bench.people import contract_row

    keys = ("name", "name_kana", "birth_date", "postal_code", "address", "phone", "phone2", "car_name",
            "insurance_start", "insurance_end", "group_name", "agency_name", "agency_phone")
    findings = []
    for row in rows:
        match = re.fullmatch(r"BN(\d+)", row["policy_number"])
        if not match:
            findings.append(f"contract {row['policy_number']}: not one the load imported")
            continue
        want = contract_row(int(match.group(1)), imported_on)
        changed = [k for k in keys if str(row.get(k) or "") != str(want[k] or "")]
        if changed:
            findings.append(f"contract {row['policy_number']}: {', '.join(changed)} not as imported")
    return findings[:20] + ([f"… and {len(findings) - 20} more contracts"] if len(findings) > 20 else [])


def registration_findings(journeys: list[dict]) -> list[str]:
    """A complete journey's 仮登録 was completed by its 本登録: the pending registration points at the
    member and is marked done, in the transaction that made the member (a registration left pending
    passed: outside attack r23a, P7). The funnel's started/registered/renewed rows are not checked:
    the app drops one on purpose when the database fails as it is written (a statistic never
    breaks the customer's flow), which the load's pg_terminate_backend does."""
    from clickar.models import Member, PendingRegistration

    findings = []
    for journey in (j for j in journeys if j["outcome"] == "complete"):
        member = Member.by_email(journey["email"])
        if member is None:
            continue  # _journey_findings says so
        done = PendingRegistration.select().where((PendingRegistration.member == member)
                                                  & PendingRegistration.completed_at.is_null(False))
        if not done.exists():
            findings.append(f"journey {journey['email']}: half-written, its 仮登録 never marked completed")
    return findings


def envelope_findings(received: list[dict]) -> list[str]:
    """The sink files a mail under its To header; the SMTP envelope is where it really went. A mail
    whose envelope recipients are not exactly its To is a finding (a Bcc, a wrong address)."""
    odd = [r for r in received if "rcpt" in r and r["rcpt"] != [r["to"].lower()]]
    return [f"{len(odd)} mails whose envelope recipients differ from To (e.g. {odd[0]['rcpt']} for {odd[0]['to']})"] \
        if odd else []


def run_findings(journeys: list[dict], timeline: list[dict], min_complete: int, faults: bool,
                 locust_rc: int) -> list[str]:
    """The run happened as planned: Locust ended on its own (exit 0; it is told to exit 0 on request
    errors, which the audit reads itself), at least min_complete journeys were complete, and each
    fault did something (a worker killed, backends terminated, Redis and the sink back)."""
    findings = []
    if locust_rc != 0:
        findings.append(f"Locust exited with code {locust_rc} (see its output above)")
    complete = sum(1 for j in journeys if j["outcome"] == "complete")
    if complete < min_complete:
        findings.append(f"only {complete} journeys complete, fewer than {min_complete}: the run barely happened")
    # "load ends" is marked after Locust's stop timeout: the load itself is its duration from its start
    start = next((e for e in timeline if e["event"] == "load starts" and "duration_s" in e), None)
    in_load = sum(1 for j in journeys if j["outcome"] == "complete" and start
                  and j["at"] <= start["at"] + start["duration_s"])
    # With faults on (the audit's short run) about 2 journeys finish per user and minute here (24 users, 60 s:
    # 33–57); half a journey is a floor a crawling app falls under (every mail 45 s late: none; 8 s late: 7 of
    # 14: r23b P14, r23c J2). Capacity runs (FAULTS=0) go past saturation on purpose: the relative floor only.
    floor = max(min_complete // 2, start["users"] * start["duration_s"] / 120 if faults and start else 0)
    if start and complete and (in_load < floor or in_load < complete / 3):
        findings.append(f"only {in_load} of {complete} journeys finished within the load: the journeys crawl")
    if faults:
        events = {e["event"]: e for e in timeline}
        killed = next((e for name, e in events.items() if "kill -9" in name), None)
        terminated = next((e for name, e in events.items() if "pg_terminate_backend" in name), None)
        if killed is None or not killed.get("pid"):
            findings.append("fault without effect: no gunicorn worker was killed")
        if terminated is None or not terminated.get("backends"):
            findings.append("fault without effect: no PostgreSQL backend of the app was terminated")
        for back in ("fault: Redis back", "fault: SMTP sink back"):
            if back not in events:
                findings.append(f"fault not ended as planned: no '{back[7:]}' in the timeline")
    return findings


WORKER_END = re.compile(r"Worker \(pid:(\d+)\) (?:was sent (SIG\w+)|exited with code (\d+))")


def worker_exit_findings(log: str, killed: set[int]) -> list[str]:
    """A gunicorn worker that died on its own: a signal (SIGSEGV, a SIGKILL nobody sent: out of
    memory) or a non-zero exit code. The fault's own kill -9 (pids in `killed`) and the SIGTERM of
    the shutdown are expected."""
    odd = []
    for match in WORKER_END.finditer(log):
        pid, sig, code = int(match.group(1)), match.group(2), match.group(3)
        if sig == "SIGTERM" or (sig == "SIGKILL" and pid in killed):
            continue
        if code is not None and pid in killed:
            continue
        odd.append(match.group(0))
    return [f"{len(odd)} gunicorn workers ended on their own (e.g. {odd[0]})"] if odd else []


def log_findings(log: str) -> list[str]:
    """The app's log (JSON lines of the app and of gunicorn, one file for every master): a response
    with status 500 from the app; gunicorn's own 500 ("Error handling request": the app raised
    past Flask, gunicorn answered 500 itself, and its access log is off); a WORKER TIMEOUT (a worker
    stuck past GUNICORN_TIMEOUT, killed with its requests); a traceback that is no JSON line (a
    crash outside the logging: it reached stderr raw)."""
    served_500, gunicorn_500, timeouts, raw = [], [], [], []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            if "Traceback (most recent call last)" in line:
                raw.append(line)
            elif "WORKER TIMEOUT" in line:
                timeouts.append(line)
            continue
        message = str(entry.get("message", ""))
        if entry.get("status") == 500:
            served_500.append(line)
        if "WORKER TIMEOUT" in message:
            timeouts.append(line)
        elif message.startswith("Error handling request"):
            gunicorn_500.append(line)
    findings = []
    for found, what in ((served_500, "responses with status 500 in the app's log"),
                        (gunicorn_500, "requests gunicorn answered 500 itself (Error handling request)"),
                        (timeouts, "gunicorn WORKER TIMEOUT lines"),
                        (raw, "tracebacks outside the JSON log")):
        if found:
            findings.append(f"{len(found)} {what} (e.g. {found[0][:200]})")
    return findings


def audit(stack: Stack, scans_file: Path, stats_csv: Path, journeys_file: Path | None = None,
          events_file: Path | None = None, min_complete: int = 0, faults: bool = False,
          locust_rc: int = 0) -> list[str]:
    """What must hold after the run; each finding is one line."""
    from peewee import fn

    from clickar import create_app
    from clickar.db import database
    from clickar.jp import jdate
    from bench.people import contract_row
    from clickar.models import Contract, OutboxMail, Renewal
    from clickar.renewal import plans

    lines, events = _read_jsonl(journeys_file), _read_jsonl(events_file)
    journeys = [j for j in lines if j["outcome"] != "started"]
    windows = web_fault_windows(stack.timeline)
    findings = _scan_findings(stack, scans_file)
    findings += vanished_findings(lines)
    findings += run_findings(journeys, stack.timeline, min_complete, faults, locust_rc)
    app = create_app({"DATABASE_URL": stack.db_url})
    with app.app_context():
        database.connect(reuse_if_open=True)
        findings += _journey_findings(journeys)
        mail_findings, stack.mail_lags, stack.mail_at_cuts = _mail_findings(stack.sink, stack.timeline, events)
        findings += mail_findings
        findings += expected_mail_findings(
            journeys, list(OutboxMail.select(OutboxMail.kind, OutboxMail.recipient, OutboxMail.subject).tuples()))
        findings += unexpected_mail_findings(list(OutboxMail.select(OutboxMail.kind, fn.COUNT(OutboxMail.id))
                                                  .group_by(OutboxMail.kind).tuples()))
        # what the mails must say, from what the harness itself imported, not from the app's database or code
        # (outside attack r23c, W-B): the load imports no group, so every notice goes to the default agency address
        agency, registered, names = {}, {}, {}
        for journey in (j for j in journeys if j["outcome"] == "complete"):
            row = contract_row(int(journey["policy"][2:]), getattr(stack, "imported_on", None))
            agency[journey["policy"]] = LOAD_AGENCY
            registered[journey["email"].lower()] = [
                f"{row['car_name']}（保険始期 {jdate(dt.date.fromisoformat(row['insurance_start']))}）"]
            names[journey["policy"]] = row["name"]
        findings += mail_content_findings(journeys, list(OutboxMail.select(
            OutboxMail.kind, OutboxMail.recipient, OutboxMail.subject, OutboxMail.body)
            .where(OutboxMail.kind.in_(("renewal_accepted", "renewal_accepted_agency", "registered"))).tuples()),
            agency, registered, names)
        walked = {line.get("policy") for line in lines}
        strays = (Renewal.select(Contract.policy_number).join(Contract)
                  .where(Contract.policy_number.not_in([p for p in walked if p] or [""])).count())
        if strays:  # a renewal of a contract no journey walked, with or without a member (r23c W-H)
            findings.append(f"{strays} renewals of contracts no journey walked")
        findings += contract_findings(list(Contract.select().dicts()), getattr(stack, "imported_on", None))
        findings += stranger_mail_findings(lines, list(OutboxMail.select(OutboxMail.kind, OutboxMail.recipient,
                                                                         OutboxMail.body).tuples()), set(agency.values()))
        findings += registration_findings(journeys)
        database.close()
    findings += envelope_findings(stack.sink.received)
    findings += stopped_journey_findings(journeys, windows)
    findings += event_findings(events, windows)
    app_log = (stack.work / "app.log").read_text(encoding="utf-8", errors="replace")
    findings += log_findings(app_log)
    findings += worker_exit_findings(app_log, {e["pid"] for e in stack.timeline if e.get("pid")})
    worker_log = stack.work / "worker.log"  # the mail worker: a raw traceback there is a crash too
    if worker_log.exists():
        findings += [f"mail worker: {f}" for f in log_findings(worker_log.read_text(encoding="utf-8", errors="replace"))]
    for kind in ("failures", "exceptions"):  # failures after retries; errors of the harness itself
        path = stats_csv.with_name(stats_csv.name.replace("_stats.csv", f"_{kind}.csv"))
        if path.exists():
            findings += [f"client saw {kind[:-1]}: {row}" for row in path.read_text().splitlines()[1:]]
    return findings


def errors_by_kind(events: list[dict], windows: list[tuple[float, float]]) -> dict:
    """{"retried"|"failed": {kind: {"inside": n, "outside": n}}}: inside = during a fault's window."""
    table: dict = {}
    for event in events:
        inside = in_fault_window(event["at"], windows)
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
    parser.add_argument("--reports", type=Path, default=Path(os.environ.get("LOADTEST_REPORTS") or REPORTS),
                        help=f"directory of the report (default {REPORTS.relative_to(ROOT)}; the tests write elsewhere)")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("CLICKAR_TEST_POSTGRES_URL")
    if not admin_url or not shutil.which("redis-server"):
        print("make loadtest needs CLICKAR_TEST_POSTGRES_URL (a server where it may create a database) "
              "and redis-server", file=sys.stderr)
        return 2
    args.reports.mkdir(parents=True, exist_ok=True)
    previous = {sig: signal.signal(sig, _interrupted) for sig in (signal.SIGTERM, signal.SIGINT)}
    work = Path(tempfile.mkdtemp(prefix="clickar-loadtest-"))
    stack = Stack(admin_url, work, max(1, args.masters))
    code = "LT" + "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(6))
    files = {name: work / f"{name}.jsonl" for name in ("scans", "journeys", "events")}
    people = max(50, args.users * (args.duration // 10 + 1))  # more than the journeys can walk
    stop = threading.Event()
    cpu = None
    try:
        stack.start_smtp()
        stack.start_redis()
        stack.make_database(code)
        env = stack.env()
        stack.import_people(env, [renewal_open(n) for n in range(people)])
        stack.start_app(env)
        stack.mark("load starts", users=args.users, duration_s=args.duration, people=people,
                   masters=len(stack.app_ports), faults=not args.no_faults, database=stack.db_name)
        faults = [] if args.no_faults else _faults(stack, args.duration, stop)
        cpu = CpuMeter(stack)
        cpu.start()
        csv_prefix = work / "locust"
        stack.locust = locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(max(1, args.users // 5)), "-t", f"{args.duration}s",
             "--host", f"http://127.0.0.1:{stack.app_port}", "--csv", str(csv_prefix), "--only-summary",
             "--stop-timeout", str(STOP_TIMEOUT_S), "--exit-code-on-error", "0"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "LOADTEST_CAMPAIGN": code,
                           "LOADTEST_PEOPLE": str(people), "LOADTEST_MAILDIR": str(stack.sink.maildir),
                           "LOADTEST_SCANS": str(files["scans"]), "LOADTEST_JOURNEYS": str(files["journeys"]),
                           "LOADTEST_EVENTS": str(files["events"]),
                           "LOADTEST_MAIL_WAIT": str(STOP_TIMEOUT_S - 20),
                           "LOADTEST_HOSTS": ",".join(f"http://127.0.0.1:{p}" for p in stack.app_ports)},
            start_new_session=True)
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
        findings = audit(stack, files["scans"], Path(f"{csv_prefix}_stats.csv"), files["journeys"], files["events"],
                         min_complete=max(3, args.users // 4), faults=not args.no_faults,
                         locust_rc=locust.returncode)
        report = _report(args, stack, Path(f"{csv_prefix}_stats.csv"), files, findings)
        suffix = f"-{args.tag}" if args.tag else ""
        (args.reports / f"report{suffix}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
        lines = _summary(args, report)
        (args.reports / f"summary{suffix}.txt").write_text("\n".join(lines) + "\n")
        for name, path in files.items():  # the client's own record, to tie a finding to the timeline (r23b W10)
            if path.exists():
                shutil.copyfile(path, args.reports / f"{name}{suffix}.jsonl")
        print("\n".join(lines))
        return 1 if findings else 0
    except Interrupted as exc:
        stack.mark(f"interrupted by {signal.Signals(exc.signum).name}: tearing down, no report")
        return 128 + exc.signum
    finally:
        for sig in previous:  # the teardown runs to its end: a second Ctrl-C does not cut it short
            signal.signal(sig, signal.SIG_IGN)
        stop.set()
        if cpu is not None:
            cpu.stop.set()
        stack.stop()
        try:
            stack.drop_database()
        except Exception as exc:  # noqa: BLE001 - the report says so rather than hiding the run
            print(f"loadtest: could not drop {stack.db_name}: {exc}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
        from clickar.flyers.spool import folder_for_url

        shutil.rmtree(folder_for_url(stack.db_url, ROOT / "instance"), ignore_errors=True)  # this run's scans' spool
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Interrupted(BaseException):
    """SIGTERM or SIGINT (Ctrl-C) of the load test: main tears the run down (a BaseException, so no
    `except Exception` on the way swallows it)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _interrupted(signum, frame):
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)  # once: the teardown itself is not interrupted
    raise Interrupted(signum)


def _report(args, stack: Stack, stats_csv: Path, files: dict, findings: list[str]) -> dict:
    journeys = [j for j in _read_jsonl(files["journeys"]) if j["outcome"] != "started"]
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
                         "cut_off_at_the_end": sum(1 for j in journeys if j.get("why", "").startswith(CUT_OFF)),
                         "complete_per_minute": round(len(complete) * 60 / args.duration, 1),
                         "complete_in_load_per_minute": round(len(in_load) * 60 / args.duration, 1),
                         "complete_by_minute": per_minute},
            "errors_by_kind": errors_by_kind(_read_jsonl(files["events"]), web_fault_windows(stack.timeline)),
            # lag max as well: a journey waiting for its mail writes no other, so the mails the sink's
            # outage held back can be under 5 % of all and leave the p95 at a fraction of a second
            "mail": {"delivered": len(stack.sink.received), "lag_p95_s": _p95(getattr(stack, "mail_lags", [])),
                     "lag_max_s": round(max(getattr(stack, "mail_lags", []) or [0.0]), 2),
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
                  f"{j['stopped']} stopped ({j['cut_off_at_the_end']} of them cut off when the load ended); "
                  f"by minute {j['complete_by_minute']}",
              f"mail: {report['mail']['delivered']} delivered, lag p95 {report['mail']['lag_p95_s']} s, "
              f"max {report['mail']['lag_max_s']} s; "
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
