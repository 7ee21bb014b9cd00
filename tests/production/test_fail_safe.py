"""Issue 18 #13–15: configuration that fails safe — who starts where, what /healthz tells whom,
how the password reaches the SMTP server, and what a long-running process keeps."""
from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from clickar import create_app
from clickar.db import database, upgrade
from clickar.models import OutboxMail

from production_support import base_env, free_port

ROOT = Path(__file__).resolve().parents[2]
PY = Path(sys.executable)


# ------------------------------------------------------------ no CLICKAR_ENV beyond loopback

def _refused(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """The command must end by itself (on main it went on serving: the timeout kills it)."""
    try:
        return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args[2:]} started serving instead of refusing")


@pytest.mark.parametrize("how", ["gunicorn", "flask run"])
def test_no_environment_on_an_open_address_refuses_to_start_and_says_why(how, tmp_path):
    port = free_port()
    env = base_env(CLICKAR_DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    if how == "gunicorn":
        env["GUNICORN_BIND"] = f"0.0.0.0:{port}"
        args = [str(PY), "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    else:
        args = [str(PY), "-m", "flask", "--app", "wsgi", "run", "--host", "0.0.0.0", "--port", str(port)]
    result = _refused(args, env)
    assert result.returncode != 0
    assert "CLICKAR_ENV is not set" in result.stderr and "0.0.0.0" in result.stderr
    assert "Traceback" not in result.stderr  # a sentence for the operator, not a stack


# ------------------------------------------------------------ /healthz

def test_healthz_tells_the_public_only_the_status(app, client):
    """On main anyone saw each dependency and the exception names."""
    public = client.get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert public.status_code == 200 and public.get_json() == {"status": "ok"}
    proxied = client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.get_json() == {"status": "ok"}
    assert client.get("/healthz").get_json()["checks"]["database"] == "ok"  # loopback, no proxy
    app.config["METRICS_TOKEN"] = "m" * 32
    operator = client.get("/healthz", headers={"Authorization": "Bearer " + "m" * 32},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert operator.get_json()["checks"]["outbox"] == "ok"
    wrong = client.get("/healthz", headers={"Authorization": "Bearer nope"},
                       environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert wrong.get_json() == {"status": "ok"}


# ------------------------------------------------------------ SMTP credentials

class Recorder:
    def __init__(self):
        self.logins: list[tuple[bytes, bytes]] = []
        self.messages: list[bytes] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def _send_one(database_url, smtp_url) -> int:
    app = create_app({"DATABASE_URL": database_url, "SMTP_URL": smtp_url})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        from clickar import mail

        with app.test_request_context():
            mail.dispatch([mail.queue("test", "taro@example.jp", "認証テスト", "otp", code="123456", minutes=5)])
        for thread in app.extensions["mail_threads"]:
            thread.join(10)
        waiting = OutboxMail.waiting().count()
        database.close()
    return waiting


def test_a_password_never_goes_over_smtp_without_starttls(database_url):
    """On main the user name and password went to a server that offered no STARTTLS, in the clear."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(),
                            authenticator=recorder, auth_require_tls=False)
    controller.start()
    try:
        waiting = _send_one(database_url, f"smtp://mailer:s3cret@127.0.0.1:{controller.port}")
    finally:
        controller.stop()
    assert recorder.logins == [] and recorder.messages == []
    assert waiting == 1  # not lost: it waits in the outbox for a server that is set up right


def _certificate(tmp_path: Path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clickar test smtp")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_with_credentials_smtp_upgrades_to_tls_before_logging_in(database_url, tmp_path, monkeypatch):
    import ssl

    cert, key = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this test's certificate only
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), tls_context=server_tls,
                            require_starttls=True, authenticator=recorder, auth_require_tls=True)
    controller.start()
    try:
        waiting = _send_one(database_url, f"smtp://mailer:s3cret@127.0.0.1:{controller.port}")
    finally:
        controller.stop()
    assert recorder.logins == [(b"mailer", b"s3cret")] and len(recorder.messages) == 1
    assert waiting == 0


# ------------------------------------------------------------ mail threads

def test_a_long_running_process_does_not_keep_every_mail_thread(app, mailbox):
    """On main app.extensions["mail_threads"] grew by one for every mail, for good."""
    from clickar import mail

    threads = []
    with app.app_context():
        database.connect(reuse_if_open=True)
        for n in range(20):
            with app.test_request_context():
                mail.dispatch([mail.queue("test", f"t{n}@example.jp", "件名", "otp", code="1", minutes=5)])
            threads.append(app.extensions["mail_threads"][-1])
            threads[-1].join(10)
        database.close()
    assert not any(t.is_alive() for t in threads)
    assert len(app.extensions["mail_threads"]) <= 1


def test_a_mail_thread_that_loses_the_database_logs_and_leaves_the_mail_to_the_worker(app, mailbox, database_url,
                                                                                       capfd, caplog):
    """On flyer day the sending thread met PostgreSQL's terminated backend: its traceback went to
    stderr as plain text (outside the JSON log; the load test's audit flags it). Now it logs one
    line and the mail stays in the outbox, where the mail worker sends it once."""
    from clickar import mail

    if not database_url.startswith("sqlite"):
        pytest.skip("the failure is injected through SQLite (a missing table); bench.loadtest covers PostgreSQL")
    with app.app_context():
        database.connect(reuse_if_open=True)
        with app.test_request_context():
            queued = mail.queue("test", "hanako@example.jp", "件名", "otp", code="1", minutes=5)
            database.execute_sql('ALTER TABLE "outbox_mail" RENAME TO "outbox_mail_away"')
            try:
                mail.dispatch([queued])
                app.extensions["mail_threads"][-1].join(10)
            finally:
                database.execute_sql('ALTER TABLE "outbox_mail_away" RENAME TO "outbox_mail"')
        assert "Traceback" not in capfd.readouterr().err
        assert any("mail left to the mail worker" in r.getMessage() for r in caplog.records)
        assert mail.send_waiting(app.config["SMTP_URL"], app.config["MAIL_FROM"]).sent == 1
        database.close()
    assert len(mailbox.wait_for("hanako@example.jp", "件名")) == 1
