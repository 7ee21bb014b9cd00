"""Stateless app processes: one person's registration, every step on the other process.

Two gunicorn processes (gunicorn.conf.py, CLICKAR_ENV=production) share one
PostgreSQL database and one Redis and nothing else: the wizard's draft travels
in the sealed cookie, the limits in Redis, the mail through the outbox. The
processes' logs are kept and read at the end: no personal data in them.
"""
from __future__ import annotations

import json
import os
import re
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from demo_people import PERSON
from production_support import Browser, answers, base_env, free_port, start_gunicorn, stop, wait_until_healthy

POSTGRES_URL = os.environ.get("CLICKAR_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("CLICKAR_REDIS_URL")


def _needs_postgres_and_redis():
    if not POSTGRES_URL:
        pytest.skip("CLICKAR_TEST_POSTGRES_URL is not set (.ci/run sets it when PostgreSQL answers)")
    if not REDIS_URL:
        pytest.skip("CLICKAR_REDIS_URL is not set (.ci/run sets it when Redis answers)")
    if not answers(POSTGRES_URL, 5432):
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} does not answer")
    if not answers(REDIS_URL, 6379):
        pytest.skip(f"Redis at {REDIS_URL} does not answer")


@pytest.fixture
def shared_database():
    """A database of its own (clickar_two_proc_<pid>): made fresh, migrated, demo contracts, dropped after."""
    _needs_postgres_and_redis()
    from clickar import contracts, create_app
    from clickar.db import database, open_database, upgrade
    from clickar.demo import demo_rows

    name = f"clickar_two_proc_{os.getpid()}"
    admin = open_database(POSTGRES_URL)
    admin.connect()
    admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute_sql(f'CREATE DATABASE "{name}"')
    admin.close()
    url = urlunsplit(urlsplit(POSTGRES_URL)._replace(path="/" + name))
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        contracts.upsert(demo_rows())
        database.close()
    yield url
    admin.connect()
    admin.execute_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


PERSONAL = [PERSON["email"], PERSON["name"], PERSON["name_kana"], PERSON["phone"], PERSON["postal_code"],
            PERSON["address"], PERSON["policy_numbers-0"], PERSON["password"], "taro@", "1234-5678",
            "山田", "1970-04-01"]


def test_one_registration_alternates_between_two_app_processes(shared_database, smtp, tmp_path):
    env = base_env(
        CLICKAR_ENV="production",
        CLICKAR_SECRET_KEY="two-processes-" + uuid.uuid4().hex,
        CLICKAR_DATABASE_URL=shared_database,
        CLICKAR_REDIS_URL=REDIS_URL,
        CLICKAR_REDIS_PREFIX=f"two-proc-{uuid.uuid4().hex}",  # this run's limits, shared by A and B only
        CLICKAR_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
        CLICKAR_BASE_URL="http://localhost",
    )
    ports = {"A": free_port(), "B": free_port()}
    logs = {name: tmp_path / f"app-{name}.log" for name in ports}
    procs = {name: start_gunicorn(port, env, logs[name]) for name, port in ports.items()}
    smtp.clear()
    try:
        for name, port in ports.items():
            wait_until_healthy(port, procs[name])
        a, b = ports["A"], ports["B"]
        phone = Browser()

        status, _, _ = phone.get(a, "/mypage/register/terms")
        assert status == 200
        status, _, headers = phone.post(a, "/mypage/register/terms", {"agree": "y"})
        assert status == 303 and headers["Location"].endswith("/mypage/register/info")

        status, page, _ = phone.get(b, "/mypage/register/info")  # B opens the draft A sealed
        assert status == 200 and "お客さま情報の入力" in page
        typed = {k: v for k, v in PERSON.items()}
        status, page, headers = phone.post(b, "/mypage/register/info", typed)
        assert status == 303, page
        assert headers["Location"].endswith("/mypage/register/confirm")

        status, page, _ = phone.get(a, "/mypage/register/confirm")
        assert status == 200 and PERSON["name"] in page
        status, _, headers = phone.post(a, "/mypage/register/confirm")
        assert status == 303 and headers["Location"].endswith("/mypage/register/sent")

        body = smtp.last_body(PERSON["email"], "仮登録")  # A's outbox → the SMTP sink
        verify = re.search(r"http://localhost(/mypage/register/verify/[A-Za-z0-9_\-]+)", body).group(1)
        status, page, _ = phone.get(b, verify)
        assert status == 200 and "本登録" in page
        status, _, headers = phone.post(b, verify, {"password": PERSON["password"]})
        assert status == 303 and headers["Location"].endswith("/mypage/register/done")

        status, page, _ = phone.get(a, "/mypage/")  # signed in by B, recognised by A
        assert status == 200 and "プリウス" in page
        status, page, _ = phone.get(b, "/mypage/")
        assert status == 200 and "プリウス" in page
    finally:
        codes = {name: stop(proc) for name, proc in procs.items()}
    assert smtp.wait_for(PERSON["email"], "マイページ会員登録完了のご連絡")

    token = verify.rsplit("/", 1)[1]
    for name, path in logs.items():
        text = path.read_text(encoding="utf-8")
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        requests = [line for line in lines if line.get("event") == "request"]
        assert requests and all(len(line["request_id"]) >= 8 for line in requests), name
        for secret in PERSONAL + [token, token[:12]]:
            assert secret not in text, f"{secret!r} in the log of app process {name}"
    assert codes == {"A": 0, "B": 0}, codes


def test_flyer_scans_of_a_worker_killed_with_minus_9_reach_the_funnel_through_the_other_process(shared_database, tmp_path):
    """Issue 23: /r/CODE spools its scan before the 302 (clickar/flyers/spool.py). Process A's worker
    is killed with -9 right after its scans; its spool file is taken over (by B's round, or A's new
    worker's) and every scan of both processes is in the funnel once. Stopped on purpose, the
    processes leave no spool file behind."""
    import datetime as dt
    import signal
    import time

    from clickar import create_app
    from clickar.db import database
    from clickar.flyers.spool import folder_for_url
    from clickar.models import Campaign, Visit
    from production_support import ROOT

    app = create_app({"DATABASE_URL": shared_database})
    with app.app_context():
        database.connect(reuse_if_open=True)
        campaign = Campaign.create(code="SPQQL234", name="spool", target="register", label="test",
                                   valid_from=dt.date(2000, 1, 1))
        database.close()
    env = base_env(CLICKAR_ENV="production", CLICKAR_SECRET_KEY="spool-" + uuid.uuid4().hex,
                   CLICKAR_DATABASE_URL=shared_database, CLICKAR_REDIS_URL=REDIS_URL,
                   CLICKAR_REDIS_PREFIX=f"spool-{uuid.uuid4().hex}", CLICKAR_BASE_URL="http://localhost")
    ports = {"A": free_port(), "B": free_port()}
    procs = {name: start_gunicorn(port, env, tmp_path / f"app-{name}.log") for name, port in ports.items()}
    folder = folder_for_url(shared_database, ROOT / "instance")

    def funnel() -> int:
        with app.app_context():
            database.connect(reuse_if_open=True)
            try:
                return Visit.select().where(Visit.campaign == campaign.id).count()
            finally:
                database.close()

    try:
        for name, port in ports.items():
            wait_until_healthy(port, procs[name])
        phone = Browser()
        for port in (ports["A"], ports["B"]):
            for _ in range(5):
                status, _, headers = phone.get(port, "/r/SPQQL234")
                assert status == 302 and headers["Location"].endswith("/mypage/register/")
        master = procs["A"].pid
        [worker] = open(f"/proc/{master}/task/{master}/children").read().split()
        os.kill(int(worker), signal.SIGKILL)  # right after its 302s: its lines are only in its file
        deadline = time.monotonic() + 20
        while funnel() < 10 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert funnel() == 10
    finally:
        codes = {name: stop(proc) for name, proc in procs.items()}
    assert codes == {"A": 0, "B": 0}, codes
    assert funnel() == 10  # each scan once
    assert not list(folder.glob("*.spool")), list(folder.glob("*.spool"))
    folder.rmdir()
