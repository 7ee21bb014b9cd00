"""Outbox delivery survives SMTP faults: mails wait, go out when the server is back, once each.

The worker is the real command (`flask --app wsgi mail worker`) in its own
process; the SMTP server is a real aiosmtpd sink that the test stops and
starts again on the same port while the worker runs.
"""
from __future__ import annotations

import collections
import signal
import subprocess
import sys
import time

import pytest
from aiosmtpd.controller import Controller

from production_support import ROOT, Sink, base_env, free_port


class RefusingSink(Sink):
    """Refuses recipients at refuse.example.jp with a permanent error (the server answers)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refuse.example.jp"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class CuttingSink(Sink):
    """Takes the first message, then terminates the sender's PostgreSQL backend (pid set by the
    test): the sender's "sent" write meets a dead connection, as under pg_terminate_backend."""

    def __init__(self, database_url: str):
        super().__init__()
        self.database_url, self.pid = database_url, None

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.pid is not None:
            from clickar.db import open_database
            admin = open_database(self.database_url)
            admin.connect()
            admin.execute_sql("SELECT pg_terminate_backend(%s)", (self.pid,))
            admin.close()
            self.pid = None
        return answer


class SmtpServer:
    """An SMTP sink that can be stopped and started again on the same port."""

    def __init__(self, sink: Sink):
        self.sink = sink
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def outbox_app(database_url):
    """An app on the test database with no SMTP URL: mails are only queued."""
    from clickar import create_app
    from clickar.db import database, upgrade

    app = create_app({"DATABASE_URL": database_url, "SMTP_URL": None})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        database.close()
    return app


def queue(app, subjects, recipient="worker@example.jp"):
    from clickar import mail
    from clickar.db import database

    with app.test_request_context():
        database.connect(reuse_if_open=True)
        for subject in subjects:
            mail.queue("test", recipient, subject, "otp", code="123456", minutes=5)
        database.close()


def outbox(app):
    from clickar.db import database
    from clickar.models import OutboxMail

    with app.app_context():
        database.connect(reuse_if_open=True)
        rows = list(OutboxMail.select().order_by(OutboxMail.id))
        database.close()
    return rows


def worker_env(database_url, port):
    return base_env(CLICKAR_ENV="testing", CLICKAR_DATABASE_URL=database_url,
                    CLICKAR_SMTP_URL=f"smtp://127.0.0.1:{port}", CLICKAR_SECRET_KEY="worker-" + "k" * 40)


def flush_once(database_url, port):
    """One more sending round (`mail flush`), run to its end: an event to wait on, not a pause."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "mail", "flush"], cwd=ROOT,
                          env=worker_env(database_url, port), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def start_worker(database_url, port, *extra):
    env = worker_env(database_url, port)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "mail", "worker",
                             "--interval", "0.2", "--retry-first", "0.5", "--max-seconds", "60", *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_started(worker) -> list[str]:
    """Read the worker's log until it says it runs (its SIGTERM handler is in place by then)."""
    lines = []
    while True:
        line = worker.stderr.readline()
        assert line, f"the worker exited before starting: {''.join(lines)}"
        lines.append(line)
        if "mail_worker_started" in line:
            return lines


def subjects_received(sink):
    with sink.lock:
        return collections.Counter(str(m["Subject"]) for m in sink.messages)


def wait_until(check, seconds=20.0, what="condition"):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_smtp_down_mails_wait_and_go_out_once_each_when_it_returns(outbox_app, database_url):
    sink = Sink()
    server = SmtpServer(sink)
    server.start()
    worker = start_worker(database_url, server.port)
    wait_started(worker)
    try:
        before = [f"停止前 {i}" for i in range(5)]
        queue(outbox_app, before)
        wait_until(lambda: sum(subjects_received(sink).values()) == 5, what="the first five mails")

        server.stop()  # SMTP down
        during = [f"停止中 {i}" for i in range(5)]
        queue(outbox_app, during)
        wait_until(lambda: any(m.last_error for m in outbox(outbox_app) if m.subject in during),
                   what="the worker to find the server gone")
        assert all(m.sent_at is None for m in outbox(outbox_app) if m.subject in during)

        server.start()  # the same port again
        wait_until(lambda: sum(subjects_received(sink).values()) == 10, what="the waiting mails")
        wait_until(lambda: all(m.sent_at is not None for m in outbox(outbox_app)), what="every mail marked sent")
        flush_once(database_url, server.port)  # one more full round beside the worker's: nothing goes out twice
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=15)
        server.stop()
    assert worker.returncode == 0, err
    assert subjects_received(sink) == collections.Counter(before + during)
    assert all(m.sent_at is not None for m in outbox(outbox_app))
    assert "mail_worker_stopped" in err  # a clean stop, logged as JSON


def test_a_mail_sent_as_the_database_connection_drops_is_marked_sent_not_sent_again(outbox_app, database_url):
    """make loadtest (issue 23) saw a 仮登録 mail delivered twice: sent, then the backend was
    terminated before "sent" was written, and the claim's lease ran out. Fails on the old main."""
    from clickar import mail
    from clickar.db import database

    if not database_url.startswith("postgres"):
        pytest.skip("terminates a PostgreSQL backend")
    queue(outbox_app, ["切断の直前"])
    sink = CuttingSink(database_url)
    server = SmtpServer(sink)
    server.start()
    try:
        with outbox_app.app_context():
            database.connect(reuse_if_open=True)
            sink.pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
            result = mail.send_waiting(f"smtp://127.0.0.1:{server.port}", "noreply@example.jp")
            database.close()
        flush_once(database_url, server.port)  # another round: nothing goes out twice
    finally:
        server.stop()
    assert sink.pid is None, "the sink never cut the connection"
    assert result.sent == 1
    assert all(m.sent_at is not None for m in outbox(outbox_app))
    assert subjects_received(sink) == collections.Counter(["切断の直前"])


def test_two_workers_at_once_never_send_a_mail_twice(outbox_app, database_url):
    sink = Sink()
    server = SmtpServer(sink)
    server.start()
    subjects = [f"同時送信 {i:02d}" for i in range(40)]
    workers = [start_worker(database_url, server.port) for _ in range(2)]
    for worker in workers:
        wait_started(worker)
    queue(outbox_app, subjects)
    try:
        wait_until(lambda: all(m.sent_at for m in outbox(outbox_app)), what="every mail sent")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        results = [worker.communicate(timeout=15) for worker in workers]
        server.stop()
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in results]
    assert subjects_received(sink) == collections.Counter(subjects)


def test_a_refused_mail_waits_for_its_retry_while_the_others_go_out(outbox_app, database_url):
    from clickar import mail

    sink = RefusingSink()
    server = SmtpServer(sink)
    server.start()
    try:
        queue(outbox_app, ["届く 1"], "ok@example.jp")
        queue(outbox_app, ["拒否"], "nobody@refuse.example.jp")
        queue(outbox_app, ["届く 2"], "ok@example.jp")
        with outbox_app.app_context():
            from clickar.db import database

            database.connect(reuse_if_open=True)
            first = mail.send_waiting(f"smtp://127.0.0.1:{server.port}", "noreply@example.jp")
            again = mail.send_waiting(f"smtp://127.0.0.1:{server.port}", "noreply@example.jp")
            database.close()
    finally:
        server.stop()
    assert (first.sent, first.failed, again.sent, again.failed) == (2, 1, 0, 0)  # not retried at once
    refused = next(m for m in outbox(outbox_app) if m.subject == "拒否")
    assert refused.sent_at is None and refused.attempts == 1 and "550" in refused.last_error
    assert subjects_received(sink) == collections.Counter(["届く 1", "届く 2"])


def test_retries_back_off_and_stop_growing_at_an_hour():
    from clickar.mail import retry_delay

    delays = [retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays == sorted(delays) and delays[-1] == 3600


def test_the_worker_needs_an_smtp_server_to_talk_to(outbox_app):
    runner = outbox_app.test_cli_runner()
    result = runner.invoke(args=["mail", "worker", "--once"])
    assert result.exit_code != 0 and "CLICKAR_SMTP_URL" in result.output
