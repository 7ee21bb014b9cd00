"""make loadtest's short run (issue 23): ~60 s, a few dozen users, the faults; its audit must pass,
and the audit must find a scan the funnel lost. Needs PostgreSQL and redis-server."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
POSTGRES_URL = os.environ.get("CLICKAR_TEST_POSTGRES_URL")
sys.path.insert(0, str(ROOT / "tests"))
from servers import answers  # noqa: E402


@pytest.fixture
def postgres_and_redis():
    if not POSTGRES_URL or not answers(POSTGRES_URL, 5432):
        pytest.skip("CLICKAR_TEST_POSTGRES_URL is not set or does not answer")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")


@pytest.mark.timeout(600)
def test_short_loadtest_with_faults_passes_its_audit(postgres_and_redis):
    run = subprocess.run([sys.executable, "-m", "bench.loadtest", "--duration", "60", "--users", "24"],
                         cwd=ROOT, capture_output=True, text=True, timeout=580)
    report = json.loads((ROOT / "reports" / "loadtest" / "report.json").read_text())
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    events = " | ".join(e["event"] for e in report["timeline"])
    for fault in ("kill -9", "Redis restarted", "SMTP sink stopped", "pg_terminate_backend"):
        assert fault in events, events
    steps = {s["step"]: s["requests"] for s in report["steps"]}
    assert steps.get("/r/CODE", 0) > 0 and steps.get("/help/chat/api", 0) > 0, steps
    # Journeys from the client's own record (checked against the database by the audit): Locust's step
    # table stops when the load does, and the journeys that waited out the sink's outage finish after it.
    assert report["journeys"]["complete"] > 0, report["journeys"]
    assert report["mail"]["lag_p95_s"] is not None and report["findings"] == []
    # The CPU meter found the app's processes and its pooled PostgreSQL backends (capacity runs read it)
    parts = report["cpu"]["parts_s"]
    assert parts["app (gunicorn)"] > 0 and parts["postgresql"] > 0, report["cpu"]


def test_the_audit_finds_a_scan_the_funnel_lost_or_counted_too_often(postgres_and_redis, tmp_path):
    from bench import loadtest
    from clickar import create_app
    from clickar.db import database
    from clickar.flyers.tracking import record_visit
    from clickar.models import Campaign

    stack = loadtest.Stack(POSTGRES_URL, tmp_path)
    stack.make_database("LTAUDIT2")
    try:
        (tmp_path / "app.log").write_text('{"event": "request", "status": 302}\n')
        scans = tmp_path / "scans.txt"
        scans.write_text("ok 10.0.0.1\nrefused 10.0.1.1\n")  # one answered, one 503: the funnel holds none
        findings = loadtest.audit(stack, scans, tmp_path / "none_stats.csv")
        assert findings == ["scans: 1 answered 302 but not in the funnel (e.g. 10.0.0.1)"], findings
        app = create_app({"DATABASE_URL": stack.db_url})
        with app.app_context():
            database.connect(reuse_if_open=True)
            campaign = Campaign.by_code("LTAUDIT2")
            for address in ("10.0.0.1", "10.0.1.1"):  # both counted once: a 503 that was counted is right
                record_visit(campaign, address, "", stack.secret)
            assert loadtest.audit(stack, scans, tmp_path / "none_stats.csv") == []
            record_visit(campaign, "10.0.1.1", "", stack.secret)  # counted twice, reached the app once
            database.close()
        findings = loadtest.audit(stack, scans, tmp_path / "none_stats.csv")
        assert any("counted more often than their scans reached the app" in f for f in findings), findings
        (tmp_path / "app.log").write_text('{"event": "request", "status": 500}\n')
        assert any("500" in f for f in loadtest.audit(stack, scans, tmp_path / "none_stats.csv"))
    finally:
        stack.drop_database()


def test_the_audit_finds_lost_and_doubled_mail_and_half_written_journeys(postgres_and_redis, tmp_path):
    """Each kind of finding the flyer-day audit exists for, one at a time on a clean base."""
    import datetime as dt

    from bench import loadtest
    from clickar import create_app
    from clickar.db import database
    from clickar.models import Contract, Member, MemberContract, OutboxMail, Renewal

    stack = loadtest.Stack(POSTGRES_URL, tmp_path)
    stack.make_database("LTAUDIT3")
    stack.import_people(stack.env(), [0, 1])
    scans, journeys = tmp_path / "scans.txt", tmp_path / "journeys.jsonl"
    scans.write_text("")
    (tmp_path / "app.log").write_text("")
    done = {"outcome": "complete", "email": "lt0@example.jp", "policy": "BN00000000", "receipt": "R000001-AAAAAA"}

    def findings(*lines: dict) -> list[str]:
        journeys.write_text("".join(json.dumps(line) + "\n" for line in lines))
        return loadtest.audit(stack, scans, tmp_path / "none_stats.csv", journeys)

    def renewal(member, contract, receipt):
        return Renewal.create(receipt_number=receipt, contract=contract, term_start=dt.date(2027, 1, 1),
                              member=member, grade_current=10, grade_next=11, driver_scope="family",
                              driver_age="35", vehicle="general", purpose="commute", mileage="10000",
                              annual_premium=60000, installments=12, first_installment=5000,
                              other_installment=5000)

    app = create_app({"DATABASE_URL": stack.db_url})
    try:
        with app.app_context():
            database.connect(reuse_if_open=True)
            first, second = (Contract.get(Contract.policy_number == p) for p in ("BN00000000", "BN00000001"))
            member = Member.create(email="lt0@example.jp", password_hash="x")
            MemberContract.create(member=member, contract=first)
            renewal(member, first, "R000001-AAAAAA")
            mail = OutboxMail.create(recipient="lt0@example.jp", subject="【損保ジャパン】仮登録", body="本文\n",
                                     kind="verify", sent_at=dt.datetime(2026, 1, 1))
            sent = {"at": 0.0, "key": loadtest.mail_key(mail.recipient, mail.subject, "本文")}
            stack.sink.received.append(sent)
            stopped = {"outcome": "stopped", "email": "lt5@example.jp", "step": "login",
                       "why": "JourneyStopped: ログイン: HTTP 503 メンテナンス中"}
            assert findings(done, stopped) == []  # a journey a fault stopped with 503 メンテナンス中 is allowed

            stack.sink.received.append(sent)
            assert any("delivered 2 times" in f for f in findings(done)), "a mail delivered twice"
            stack.sink.received.clear()
            assert any("delivered 0 times" in f for f in findings(done)), "a lost mail"
            stack.sink.received.append({"at": 0.0, "key": "an-unknown-mail"})
            assert any("the outbox never held" in f for f in findings(done)), "a mail from nowhere"
            stack.sink.received[:] = [{**sent, "at": 9.0}, {**sent, "at": 45.0}]
            stack.timeline.append({"at": 10.0, "event": "fault: SMTP sink stopped (30 s)"})
            assert findings(done) == [], "the first copy's 250 was lost when the sink stopped: sent again"
            stack.timeline.clear()
            stack.sink.received[:] = [sent]

            assert any("stopped at login" in f for f in findings({**stopped, "why": "ログイン: HTTP 400"}))
            assert any("no member or contract" in f
                       for f in findings({**done, "email": "lt1@example.jp", "policy": "BN00000001"}))
            assert any("the client saw R000009" in f for f in findings({**done, "receipt": "R000009-ZZZZZZ"}))
            lonely = Member.create(email="lt9@example.jp", password_hash="x")
            assert any("members without a contract" in f for f in findings(done)), "a half-written member"
            lonely.delete_instance()
            renewal(member, second, "R000002-BBBBBB")  # a contract the member does not hold
            assert any("renewals of a contract their member does not hold" in f for f in findings(done))
            database.close()
    finally:
        stack.drop_database()
