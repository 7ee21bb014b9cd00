"""`make loadtest DURATION=60 USERS=30` (issue 23): flyer day with faults, then an audit.

Starts the production shape on this machine, all of it its own: a PostgreSQL database made
for this run (clickar_loadtest_<pid>_<hex> on the server of CLICKAR_TEST_POSTGRES_URL,
dropped at the end; never the database named in the URL), a redis-server on a free port,
gunicorn with gunicorn.conf.py, the mail worker (`flask mail worker`) and an aiosmtpd sink.
Locust (headless) drives bench/locustfile.py against gunicorn while faults are injected on a
schedule. After the load: the audit. Report: reports/loadtest/report.json and summary.txt.
Exit status 1 when the audit finds anything (a 500, a scan the funnel lost or counted twice).

First slice: scans of /r/CODE and the login page; faults: kill -9 of one gunicorn worker and
Redis restarted. The registration/renewal journey, the chat share, the SMTP sink's outage and
pg_terminate_backend are still to come (docs/PERFORMANCE.md, "Load test").
"""
from __future__ import annotations

import argparse
import datetime as dt
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
from servers import free_port, wait_until_healthy  # noqa: E402  (shared with the tests)

REPORTS = ROOT / "reports" / "loadtest"


class Stack:
    """The processes of one run; every one of them started here and stopped here."""

    def __init__(self, admin_url: str, work: Path):
        self.admin_url, self.work = admin_url, work
        self.db_name = f"clickar_loadtest_{os.getpid()}_{secrets.token_hex(4)}"
        self.db_url = urlunsplit(urlsplit(admin_url)._replace(path="/" + self.db_name))
        self.redis_port, self.app_port = free_port(), free_port()
        self.redis = self.app = self.worker = None
        self.timeline: list[dict] = []
        self.t0 = time.monotonic()

    def mark(self, event: str, **fields):
        entry = {"t": round(time.monotonic() - self.t0, 1), "event": event, **fields}
        self.timeline.append(entry)
        print(f"loadtest: {entry['t']:7.1f} s  {event} {fields or ''}", flush=True)

    # ------------------------------------------------------------------ parts
    def start_redis(self):
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.work)],
            stdout=open(self.work / "redis.log", "ab"), stderr=subprocess.STDOUT)
        _wait_port(self.redis_port)

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

    def env(self, smtp_port: int) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLICKAR_")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(CLICKAR_ENV="production", CLICKAR_SECRET_KEY="loadtest-" + secrets.token_hex(16),
                   CLICKAR_DATABASE_URL=self.db_url,
                   CLICKAR_REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
                   CLICKAR_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
                   CLICKAR_BASE_URL="http://localhost", CLICKAR_TRUSTED_PROXIES="1",
                   GUNICORN_BIND=f"127.0.0.1:{self.app_port}",
                   WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "2"))
        return env

    def start_app(self, env: dict):
        self.app = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                    cwd=ROOT, env=env, stdout=open(self.work / "app.log", "ab"),
                                    stderr=subprocess.STDOUT)
        wait_until_healthy(self.app_port, self.app, 120)
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

    def stop(self):
        for proc in (self.worker, self.app, self.redis):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


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


def _faults(stack: Stack, duration: int, stop: threading.Event):
    """One of each at fixed fractions of the load, so every run shows them in its timeline."""
    start = time.monotonic()
    plan = [(0.25, stack.kill_one_worker), (0.55, stack.restart_redis)]
    for fraction, fault in plan:
        if stop.wait(max(0.0, start + duration * fraction - time.monotonic())):
            return
        fault()


def audit(stack: Stack, scans_file: Path, stats_csv: Path) -> list[str]:
    """What must hold after the run; each finding is one line."""
    from clickar import create_app
    from clickar.db import database
    from clickar.models import Visit

    findings = []
    lines = [line.split() for line in scans_file.read_text().splitlines() if line.strip()]
    seen = [addr for kind, addr in lines if kind == "ok"]
    unanswered = sum(1 for kind, _ in lines if kind == "unanswered")
    app = create_app({"DATABASE_URL": stack.db_url})
    with app.app_context():
        database.connect(reuse_if_open=True)
        counted = Visit.select().count()
        database.close()
    # Every answered scan is counted once; an attempt whose connection broke (kill -9) may have
    # been counted before the worker died, so at most that many more.
    if not len(seen) <= counted <= len(seen) + unanswered:
        findings.append(f"scans: the client saw {len(seen)} answered ({unanswered} attempts unanswered), "
                        f"the funnel counts {counted}")
    if len(set(seen)) != len(seen):
        findings.append("scans: an address was used twice by the load (harness fault)")
    log = (stack.work / "app.log").read_text(encoding="utf-8", errors="replace")
    served_500 = [line for line in log.splitlines() if '"status": 500' in line or '"status":500' in line]
    if served_500:
        findings.append(f"{len(served_500)} responses with status 500 in the app's log")
    failures = stats_csv.with_name(stats_csv.name.replace("_stats.csv", "_failures.csv"))
    if failures.exists():
        rows = failures.read_text().splitlines()[1:]
        for row in rows:
            findings.append(f"client saw a failure: {row}")
    return findings


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
    args = parser.parse_args(argv)
    admin_url = os.environ.get("CLICKAR_TEST_POSTGRES_URL")
    if not admin_url or not shutil.which("redis-server"):
        print("make loadtest needs CLICKAR_TEST_POSTGRES_URL (a server where it may create a database) "
              "and redis-server", file=sys.stderr)
        return 2
    from aiosmtpd.controller import Controller
    from servers import Sink

    REPORTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="clickar-loadtest-"))
    stack = Stack(admin_url, work)
    sink, smtp_port = Sink(), free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    code = "LT" + "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(6))
    scans_file = work / "scans.txt"
    stop = threading.Event()
    try:
        smtp.start()
        stack.start_redis()
        stack.make_database(code)
        stack.start_app(stack.env(smtp_port))
        stack.mark("load starts", users=args.users, duration_s=args.duration)
        faults = threading.Thread(target=_faults, args=(stack, args.duration, stop), daemon=True)
        faults.start()
        csv_prefix = work / "locust"
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(max(1, args.users // 5)), "-t", f"{args.duration}s",
             "--host", f"http://127.0.0.1:{stack.app_port}", "--csv", str(csv_prefix), "--only-summary",
             "--exit-code-on-error", "0"],
            cwd=ROOT, env={**os.environ, "LOADTEST_CAMPAIGN": code, "LOADTEST_SCANS": str(scans_file)},
            check=False)
        stop.set()
        stack.mark("load ends")
        scans_file.touch()
        findings = audit(stack, scans_file, Path(f"{csv_prefix}_stats.csv"))
        report = {"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                  "users": args.users, "duration_s": args.duration, "timeline": stack.timeline,
                  "steps": _percentiles(Path(f"{csv_prefix}_stats.csv")), "findings": findings,
                  "load_average": os.getloadavg()}
        (REPORTS / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
        lines = [f"make loadtest DURATION={args.duration} USERS={args.users}  ({report['when']}, "
                 f"load average {report['load_average'][0]:.1f}: shared machine)", "", "timeline:"]
        lines += [f"  {e['t']:7.1f} s  {e['event']}" for e in stack.timeline]
        lines += ["", "step | requests | failures | p50 ms | p95 ms | p99 ms"]
        lines += [f"{s['step']} | {s['requests']} | {s['failures']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']}"
                  for s in report["steps"]]
        lines += ["", "audit: " + ("nothing found" if not findings else f"{len(findings)} findings")]
        lines += [f"  - {f}" for f in findings[:50]]
        (REPORTS / "summary.txt").write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
        return 1 if findings else 0
    finally:
        stop.set()
        stack.stop()
        smtp.stop()
        try:
            stack.drop_database()
        except Exception as exc:  # noqa: BLE001 - the report says so rather than hiding the run
            print(f"loadtest: could not drop {stack.db_name}: {exc}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
