"""Mail leaves through real SMTP; without an SMTP server it waits in the outbox."""
from __future__ import annotations

from demo_people import PERSON


def test_mail_header_injection_is_neutralised(app, mailbox):
    from clickar import mail

    with app.test_request_context():
        row = mail.queue("test", "a@example.jp\r\nBcc: victim@example.jp", "件名\r\nBcc: x@example.jp",
                         "otp", code="123456", minutes=5)
        mail.dispatch([row])
    for thread in app.extensions.get("mail_threads", []):
        thread.join(5)
    assert not mailbox.wait_for("victim@example.jp", timeout=0.5)
    assert not mailbox.wait_for("x@example.jp", timeout=0.1)


def dev_app(database_url, monkeypatch):
    """A development app without SMTP (mail waits in the outbox), its database upgraded."""
    from clickar import create_app
    from clickar.db import database, upgrade

    monkeypatch.setenv("CLICKAR_ENV", "development")
    app = create_app({"DATABASE_URL": database_url, "SMTP_URL": None, "SECRET_KEY": "x" * 32})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        database.close()
    return app


def test_without_smtp_mail_waits_and_the_dev_mailbox_shows_it(database_url, monkeypatch):
    from clickar.db import database
    from clickar.models import OutboxMail

    app = dev_app(database_url, monkeypatch)
    with app.app_context():
        database.connect(reuse_if_open=True)
        from clickar import mail
        with app.test_request_context():
            mail.dispatch([mail.queue("test", PERSON["email"], "開発用", "otp", code="654321", minutes=5)])
        assert OutboxMail.waiting().count() == 1
        database.close()
    page = app.test_client().get("/_dev/mail").get_data(as_text=True)
    assert "開発用" in page and "654321" in page


def test_dev_mailbox_does_not_exist_in_testing(client):
    assert client.get("/_dev/mail").status_code == 404


def test_dev_mailbox_is_for_this_machine_only(database_url, monkeypatch):
    """Issue 18 #13: on main anyone who reached a development server read its outbox."""
    client = dev_app(database_url, monkeypatch).test_client()
    assert client.get("/_dev/mail").status_code == 200
    assert client.get("/_dev/mail", environ_base={"REMOTE_ADDR": "192.168.1.20"}).status_code == 404
    assert client.get("/_dev/mail", headers={"X-Forwarded-For": "192.168.1.20"}).status_code == 404


def test_dev_mailbox_does_not_exist_when_flask_run_listens_beyond_loopback():
    from clickar.mail import dev_mailbox_allowed

    assert dev_mailbox_allowed({"ENV_NAME": "development", "LISTEN_HOST": "127.0.0.1"})
    assert not dev_mailbox_allowed({"ENV_NAME": "development", "LISTEN_HOST": "0.0.0.0"})
    assert not dev_mailbox_allowed({"ENV_NAME": "staging", "LISTEN_HOST": "127.0.0.1"})
