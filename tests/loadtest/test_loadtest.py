"""make loadtest's short run (issue 23): ~60 s, a few dozen users, the faults; its audit must pass,
and the audit must find a scan the funnel lost. SIGTERM tears the run down. Needs PostgreSQL and
redis-server (the audit's checks on crafted data alone: test_audit.py)."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
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


def _loadtest(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench.loadtest", *args], cwd=ROOT, text=True, **popen)


def _terminate(proc: subprocess.Popen, grace: float = 90) -> tuple[str, str]:
    """SIGTERM first (the load test tears down its processes and drops its database), SIGKILL only
    if it does not end within the grace."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "", ""  # not its output: what the run left behind may hold the pipe open


def run_loadtest(*args: str, timeout: float) -> tuple[int, str]:
    """The load test to its end; past the timeout (or when the test itself is stopped) it gets SIGTERM."""
    proc = _loadtest(*args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out, _ = _terminate(proc)
        pytest.fail(f"make loadtest still running after {timeout} s, stopped with SIGTERM: {out[-3000:]}")
    except BaseException:  # pytest-timeout, Ctrl-C: never leave the stack behind
        _terminate(proc)
        raise
    return proc.returncode, out


@pytest.mark.timeout(600)
def test_short_loadtest_with_faults_passes_its_audit(postgres_and_redis, tmp_path):
    code, out = run_loadtest("--duration", "60", "--users", "24", "--reports", str(tmp_path), timeout=480)
    assert code == 0, out[-6000:]
    report = json.loads((tmp_path / "report.json").read_text())
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


IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1")  # bench/locustfile.PHONE


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
        scans.write_text("ok s1 10.0.0.1\nrefused s2 10.0.1.1\n")  # one answered, one 503: the funnel holds none
        findings = loadtest.audit(stack, scans, tmp_path / "none_stats.csv")
        assert findings == ["scans: 1 answered 302 but not in the funnel (e.g. 10.0.0.1: 1 scans answered, 0 rows)"]
        app = create_app({"DATABASE_URL": stack.db_url})
        with app.app_context():
            database.connect(reuse_if_open=True)
            campaign = Campaign.by_code("LTAUDIT2")
            for address in ("10.0.0.1", "10.0.1.1"):  # both counted once: a 503 that was counted is right
                record_visit(campaign, address, IPHONE, stack.secret)
            assert loadtest.audit(stack, scans, tmp_path / "none_stats.csv") == []
            record_visit(campaign, "10.0.1.1", IPHONE, stack.secret)  # counted twice, reached the app once
            database.close()
        findings = loadtest.audit(stack, scans, tmp_path / "none_stats.csv")
        assert any("counted more often than their scans reached the app" in f for f in findings), findings
        # One phone scans twice, both answered 302: one visit row is one scan lost (counted per scan)
        scans.write_text("ok s1 10.0.0.1\nok s3 10.0.0.1\nrefused s2 10.0.1.1\nok s4 10.0.1.1\n")
        with app.app_context():
            database.connect(reuse_if_open=True)
            database.execute_sql('DELETE FROM "visit"')
            for address in ("10.0.0.1", "10.0.1.1"):
                record_visit(campaign, address, IPHONE, stack.secret)
            database.close()
        assert loadtest.audit(stack, scans, tmp_path / "none_stats.csv") == [
            "scans: 1 answered 302 but not in the funnel (e.g. 10.0.0.1: 2 scans answered, 1 rows)"]
        # r23b, P18: the rows must be as the phone made them: dated within the run, its iPhone Safari
        stack.timeline[:] = [{"at": time.time() - 30, "event": "load starts"}]
        with app.app_context():
            database.connect(reuse_if_open=True)
            record_visit(campaign, "10.0.0.1", IPHONE, stack.secret)
            database.execute_sql("UPDATE visit SET created_at = created_at - interval '1 day' WHERE id = (SELECT max(id) FROM visit)")
            database.close()
        assert any("funnel rows dated outside the run" in f for f in loadtest.audit(stack, scans, tmp_path / "none_stats.csv"))
        with app.app_context():
            database.connect(reuse_if_open=True)
            database.execute_sql("UPDATE visit SET created_at = now() AT TIME ZONE 'UTC', device = 'Android' "
                                 "WHERE id = (SELECT max(id) FROM visit)")
            database.close()
        assert any("not the load's iPhone Safari" in f for f in loadtest.audit(stack, scans, tmp_path / "none_stats.csv"))
        with app.app_context():
            database.connect(reuse_if_open=True)
            database.execute_sql("DELETE FROM visit WHERE id = (SELECT max(id) FROM visit)")
            database.close()
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
    from clickar.jp import jdate
    from clickar.models import Contract, Member, MemberContract, OutboxMail, PendingRegistration, Renewal

    stack = loadtest.Stack(POSTGRES_URL, tmp_path)
    stack.make_database("LTAUDIT3")
    stack.import_people(stack.env(), [0, 1])
    scans, journeys, events = tmp_path / "scans.txt", tmp_path / "journeys.jsonl", tmp_path / "events.jsonl"
    scans.write_text("")
    (tmp_path / "app.log").write_text("")
    done = {"outcome": "complete", "email": "lt0@example.jp", "policy": "BN00000000", "receipt": "R000001-AAAAAA",
            "premium": 0}  # the contract's own price, set below

    def findings(*lines: dict, happened: tuple[dict, ...] = ()) -> list[str]:
        journeys.write_text("".join(json.dumps(line) + "\n" for line in lines))
        events.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in happened))
        return loadtest.audit(stack, scans, tmp_path / "none_stats.csv", journeys, events)

    def renewal(member, contract, receipt, **extra):
        return Renewal.create(receipt_number=receipt, contract=contract, term_start=contract.insurance_end, **extra,
                              member=member, grade_current=6, grade_next=7, driver_scope="family",
                              driver_age="35", vehicle="general", deductible="5-10", purpose="commute",
                              mileage="10000",
                              annual_premium=price, installments=12, first_installment=first_part,
                              other_installment=other_part)

    app = create_app({"DATABASE_URL": stack.db_url})
    try:
        with app.app_context():
            database.connect(reuse_if_open=True)
            first, second = (Contract.get(Contract.policy_number == p) for p in ("BN00000000", "BN00000001"))
            # the renewal as the app prices it: the next 等級's premium for the chosen options, 12 instalments
            price = loadtest._priced_independently(first)[0]  # renewal() reads these
            other_part, first_part = price // 12, price - price // 12 * 11
            done["premium"] = price
            member = Member.create(email="lt0@example.jp", password_hash="x")
            MemberContract.create(member=member, contract=first)
            renewal(member, first, "R000001-AAAAAA")
            # its 本登録 completed the 仮登録 (registration_findings)
            PendingRegistration.create(wizard_id="w-lt0", email="lt0@example.jp", password_hash="x",
                                       policy_numbers=["BN00000000"], completed_at=dt.datetime(2026, 1, 1), member=member)
            mail = OutboxMail.create(recipient="lt0@example.jp", subject="【損保ジャパン】仮登録", body="本文\n",
                                     kind="verification", sent_at=dt.datetime(2026, 1, 1))
            sent = {"at": 0.0, "key": loadtest.mail_key(mail.recipient, mail.subject, "本文")}
            others = []  # the rest of a complete journey's mails (expected_mail_findings), each delivered once
            for kind, to, subject in (("registered", "lt0@example.jp", "登録完了"), ("otp", "lt0@example.jp", "ワンタイムパスワード"),
                                      ("renewal_accepted", "lt0@example.jp", "更新手続き受付"),
                                      ("renewal_accepted_agency", "agency@example.jp", "更新手続き受付（証券番号 BN00000000）")):
                body = f"{first.name} 様\n{kind}\nR000001-AAAAAA 証券番号：BN00000000 {price:,}円\n"
                if kind == "registered":
                    body = f"・{first.car_name}（保険始期 {jdate(first.insurance_start)}）\n"
                OutboxMail.create(recipient=to, subject=subject, body=body, kind=kind, sent_at=dt.datetime(2026, 1, 1))
                others.append({"at": 0.0, "key": loadtest.mail_key(to, subject, body.rstrip("\n"))})
            stack.sink.received[:] = [sent, *others]
            stopped = {"at": 1003.0, "outcome": "stopped", "email": "lt5@example.jp", "step": "login",
                       "why": "JourneyStopped: ログイン: HTTP 503 メンテナンス中"}
            stack.timeline[:] = [{"at": 1000.0, "event": "fault: Redis restarted (down for 5 s)"},
                                 {"at": 1006.0, "event": "fault: Redis back"}]
            retried = {"at": 1001.0, "step": "ログイン", "kind": "HTTP 503", "final": False}
            assert findings(done, stopped, happened=(retried,)) == []  # a fault stopped it: 503 メンテナンス中
            # outside attack r23a, P7: a 本登録 that left its 仮登録 pending
            PendingRegistration.update(completed_at=None).execute()
            assert findings(done) == ["journey lt0@example.jp: half-written, its 仮登録 never marked completed"]
            PendingRegistration.update(completed_at=dt.datetime(2026, 1, 1)).execute()
            assert findings(done, {**stopped, "at": 2000.0}) == [  # no fault running then
                "journey lt5@example.jp stopped at login outside every fault window: "
                "JourneyStopped: ログイン: HTTP 503 メンテナンス中"]
            assert findings(done, happened=({**retried, "at": 2000.0},)) == [  # the events file is read
                "client outside every fault window: 1 × ログイン: HTTP 503"]
            assert findings(done, happened=({"at": 1003.0, "step": "mail 仮登録", "kind": "mail never arrived",
                                             "final": True},)) == ["client gave up: 1 × mail 仮登録: mail never arrived"]
            stack.timeline.clear()

            stack.sink.received.append(sent)
            assert any("delivered 2 times" in f for f in findings(done)), "a mail delivered twice"
            stack.sink.received[:] = others
            assert any("delivered 0 times" in f for f in findings(done)), "a lost mail"
            stack.sink.received.append({"at": 0.0, "key": "an-unknown-mail"})
            assert any("the outbox never held" in f for f in findings(done)), "a mail from nowhere"
            stack.sink.received[:] = [{**sent, "at": 9.0}, {**sent, "at": 45.0}, *others]
            stack.timeline.append({"at": 10.0, "event": "fault: SMTP sink stopped (30 s)"})
            stack.timeline.append({"at": 40.0, "event": "fault: SMTP sink back"})
            assert findings(done) == [], "the first copy's 250 was lost when the sink stopped: sent again"
            stack.sink.received[:] = [{**sent, "at": 9.0}, {**sent, "at": 9.05}, *others]  # r23b W9: both before
            assert any("delivered 2 times" in f for f in findings(done)), "two copies at once are no lost 250"
            stack.timeline.clear()
            stack.sink.received[:] = [sent, *others]

            # The same logical mail written twice: each row delivered once, still two 仮登録 mails for one tap
            again = OutboxMail.create(recipient="lt0@example.jp", subject="【損保ジャパン】仮登録", body="本文 2\n",
                                      kind="verification", sent_at=dt.datetime(2026, 1, 1))
            stack.sink.received.append({"at": 1.0, "key": loadtest.mail_key(again.recipient, again.subject, "本文 2")})
            assert findings(done) == [f"mail verification to lt0@example.jp (journey lt0@example.jp) written 2 times "
                                      f"(outbox ids [{mail.id}, {again.id}]), for 1 tap(s) of 入力内容の確認 送信"]
            repeat = {"at": 1.0, "step": "入力内容の確認 送信", "kind": "broken connection", "final": False,
                      "who": "lt0@example.jp", "policy": "BN00000000"}
            assert findings(done, happened=(repeat,)) == [  # tapped twice: two mails may be right, not outside a fault
                "client outside every fault window: 1 × 入力内容の確認 送信: broken connection"]
            again.delete_instance()
            stack.sink.received[:] = [sent, *others]

            # A member linked to someone else's contract as well as its own
            extra = MemberContract.create(member=member, contract=second)
            assert findings(done) == ["member lt0@example.jp: linked to ['BN00000000', 'BN00000001'], "
                                      "its own contracts are ['BN00000000']"]
            extra.delete_instance()
            (tmp_path / "app.log").write_text(json.dumps({"level": "CRITICAL", "logger": "gunicorn.error",
                                                          "message": "WORKER TIMEOUT (pid:77)"}) + "\n")
            assert any("WORKER TIMEOUT" in f for f in findings(done))
            (tmp_path / "app.log").write_text("")

            assert any("stopped at login" in f for f in findings({**stopped, "why": "ログイン: HTTP 400"}))
            assert any("no member or contract" in f
                       for f in findings({**done, "email": "lt1@example.jp", "policy": "BN00000001"}))
            assert any("the client saw R000009" in f for f in findings({**done, "receipt": "R000009-ZZZZZZ"}))
            Renewal.update(driver_age="all").where(Renewal.receipt_number == "R000001-AAAAAA").execute()
            assert any("is not what the client chose" in f for f in findings(done)), "other options stored"
            Renewal.update(driver_age="35").where(Renewal.receipt_number == "R000001-AAAAAA").execute()
            # outside attack r23a, F1: a renewal stored at another price or for another term than the one shown
            Renewal.update(annual_premium=price + 1000).where(Renewal.receipt_number == "R000001-AAAAAA").execute()
            assert findings(done) == [f"journey lt0@example.jp: renewal R000001-AAAAAA stored at {price + 1000} yen, "
                                      f"the client was shown {price} yen"]
            # r23c, F: priced at this term's 等級, shown and stored alike: only an independent price sees it
            dearer = price + 1200
            Renewal.update(first_installment=dearer - dearer // 12 * 11, other_installment=dearer // 12).where(
                Renewal.receipt_number == "R000001-AAAAAA").execute()
            Renewal.update(annual_premium=dearer).where(Renewal.receipt_number == "R000001-AAAAAA").execute()
            assert (f"journey lt0@example.jp: renewal R000001-AAAAAA stored (premium, instalments, 等級 now, 等級 next) "
                    f"({dearer}, 12, 6, 7), its contract's conditions and the rate table give ({price}, 12, 6, 7)"
                    in findings({**done, "premium": dearer}))
            Renewal.update(annual_premium=price, first_installment=first_part, other_installment=other_part).where(
                Renewal.receipt_number == "R000001-AAAAAA").execute()
            # r23b, P5: the 1回目 stored 100 yen above the quote
            Renewal.update(first_installment=first_part + 100).where(Renewal.receipt_number == "R000001-AAAAAA").execute()
            assert findings(done) == [f"journey lt0@example.jp: renewal R000001-AAAAAA instalments 12 × (1回目 {first_part + 100}, "
                                      f"then {other_part}) do not make its premium {price}"]
            Renewal.update(first_installment=first_part).where(Renewal.receipt_number == "R000001-AAAAAA").execute()
            Renewal.update(term_start=first.insurance_end + dt.timedelta(days=1)).where(
                Renewal.receipt_number == "R000001-AAAAAA").execute()
            assert findings(done) == [f"journey lt0@example.jp: renewal R000001-AAAAAA starts "
                                      f"{first.insurance_end + dt.timedelta(days=1)}, the contract it renews ends "
                                      f"{first.insurance_end}"]
            Renewal.update(term_start=first.insurance_end).where(Renewal.receipt_number == "R000001-AAAAAA").execute()
            twice = renewal(member, first, "R000003-CCCCCC", cancelled_at=dt.datetime(2026, 1, 2))  # a cancelled double
            assert any("2 renewals written for BN00000000" in f for f in findings(done)), "a cancelled double"
            twice.delete_instance()
            lonely = Member.create(email="lt9@example.jp", password_hash="x")
            assert any("members without a contract" in f for f in findings(done)), "a half-written member"
            lonely.delete_instance()
            renewal(member, second, "R000002-BBBBBB")  # a contract the member does not hold
            assert any("renewals of a contract their member does not hold" in f for f in findings(done))
            OutboxMail.delete().where(OutboxMail.kind == "otp").execute()  # its one-time password never written
            stack.sink.received[:] = [sent, others[0], *others[2:]]
            assert "journey lt0@example.jp: complete for the client, no otp mail" in findings(done)
            database.close()
    finally:
        stack.drop_database()


def _descendants(pid: int) -> set[int]:
    """Every process below pid now (/proc), whatever process group or session it went to."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.timeout(300)
def test_sigterm_tears_the_whole_stack_down_and_drops_its_database(postgres_and_redis, tmp_path):
    """What a CI timeout or a Ctrl-C does: nothing of the run is left (gunicorn and its workers, the
    mail worker, redis-server, Locust), its database is gone, no report is written."""
    from clickar.db import open_database

    proc = _loadtest("--duration", "120", "--users", "4", "--reports", str(tmp_path),
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    started, database = set(), None
    try:
        for line in proc.stdout:  # the load test's own timeline: wait for the load to be under way
            found = re.search(r"load starts .*'database': '([a-z0-9_]+)'", line)
            if found:
                database = found.group(1)
                break
        assert database, "the load never started"
        deadline = time.monotonic() + 30
        while len(started) < 6 and time.monotonic() < deadline:  # gunicorn + 2 workers, worker, redis, locust
            started |= _descendants(proc.pid)
            time.sleep(0.5)
        assert len(started) >= 6, started
        out, _ = _terminate(proc, grace=120)
        assert proc.returncode == 128 + signal.SIGTERM, out[-3000:]
        assert "interrupted by SIGTERM" in out
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.2)  # orphans' last breath: init reaps them
        assert [pid for pid in started if _alive(pid)] == []
        admin = open_database(POSTGRES_URL)
        admin.connect()
        left = admin.execute_sql("SELECT count(*) FROM pg_database WHERE datname = %s", (database,)).fetchone()[0]
        admin.close()
        assert left == 0, f"{database} was not dropped"
        assert list(tmp_path.iterdir()) == []
    finally:  # without the teardown: clean up what the run left, as far as this test can see it
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in started:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if database:
            admin = open_database(POSTGRES_URL)
            admin.connect()
            admin.execute_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                              (database,))
            admin.execute_sql(f'DROP DATABASE IF EXISTS "{database}"')
            admin.close()
