"""Outbox → SMTP.

`queue()` writes a mail row inside the caller's transaction; after commit
`dispatch()` sends what waits on a background thread, so mail leaves within
seconds without holding up the response. A row is claimed before sending so
two senders never send it twice; `flask --app wsgi mail flush` retries.
"""
from __future__ import annotations

import datetime as dt
import smtplib
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlparse

import click
from flask.cli import AppGroup
from flask import Blueprint, abort, current_app, render_template

from .db import database
from .models import OutboxMail, now

CLAIM_TIMEOUT = dt.timedelta(minutes=2)


def _clean_header(value: str) -> str:
    """No CR/LF in headers: mail header injection ends here."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def queue(kind: str, recipient: str, subject: str, template: str, **ctx) -> OutboxMail:
    """Write one mail into the outbox (call inside the change's transaction)."""
    ctx.setdefault("insurer_name", current_app.config["INSURER_NAME"])
    ctx.setdefault("base_url", current_app.config["BASE_URL"])
    body = render_template(f"mail/{template}.txt", **ctx)
    return OutboxMail.create(
        kind=kind,
        recipient=_clean_header(recipient),
        subject=_clean_header(subject),
        body=body,
    )


def _claim(mail_id: int) -> bool:
    stale = now() - CLAIM_TIMEOUT
    updated = (OutboxMail
               .update(claimed_at=now(), attempts=OutboxMail.attempts + 1)
               .where((OutboxMail.id == mail_id)
                      & OutboxMail.sent_at.is_null()
                      & (OutboxMail.claimed_at.is_null() | (OutboxMail.claimed_at < stale)))
               .execute())
    return updated == 1


def _message(mail: OutboxMail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "clickar.local")
    msg.set_content(mail.body, charset="utf-8")
    return msg


def _smtp(url: str):
    parsed = urlparse(url)
    host = parsed.hostname or "127.0.0.1"
    if parsed.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, parsed.port or 465, timeout=10)
    else:
        client = smtplib.SMTP(host, parsed.port or 25, timeout=10)
    if parsed.username:
        client.login(unquote(parsed.username), unquote(parsed.password or ""))
    return client


def send_waiting(smtp_url: str, sender: str, ids: list[int] | None = None) -> tuple[int, int]:
    """Send waiting mails (all, or the given ids). Returns (sent, failed)."""
    query = OutboxMail.waiting()
    if ids is not None:
        query = query.where(OutboxMail.id.in_(ids))
    sent = failed = 0
    client = None
    try:
        for mail in list(query):
            if not _claim(mail.id):
                continue
            try:
                if client is None:
                    client = _smtp(smtp_url)
                client.send_message(_message(mail, sender))
            except (OSError, smtplib.SMTPException) as exc:
                failed += 1
                (OutboxMail
                 .update(claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:500])
                 .where(OutboxMail.id == mail.id)
                 .execute())
                client = None
                continue
            (OutboxMail
             .update(sent_at=now(), last_error="")
             .where(OutboxMail.id == mail.id)
             .execute())
            sent += 1
    finally:
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent, failed


def dispatch(mails: list[OutboxMail]) -> None:
    """After commit: send these mails now, on a thread (no SMTP URL: they wait in the outbox)."""
    app = current_app._get_current_object()
    smtp_url = app.config.get("SMTP_URL")
    if not smtp_url or not mails:
        return
    ids = [m.id for m in mails]

    def run():
        with app.app_context():
            database.connect(reuse_if_open=True)
            try:
                send_waiting(smtp_url, app.config["MAIL_FROM"], ids)
            finally:
                database.close()

    thread = threading.Thread(target=run, name="clickar-mail", daemon=True)
    thread.start()
    app.extensions.setdefault("mail_threads", []).append(thread)


# ------------------------------------------------------------------ CLI

@click.group("mail", help="Outbox commands.", cls=AppGroup)
def mail_cli():
    pass


@mail_cli.command("flush", help="Send what waits in the outbox.")
def flush_command():
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise click.ClickException("CLICKAR_SMTP_URL is not set; mail stays in the outbox.")
    sent, failed = send_waiting(url, current_app.config["MAIL_FROM"])
    click.echo(f"sent {sent}, failed {failed}")
    if failed:
        raise SystemExit(1)


# ------------------------------------------------------- development mailbox

dev_bp = Blueprint("devmail", __name__, url_prefix="/_dev")


@dev_bp.get("/mail")
def mailbox():
    """Outbox as a page: development only, when no SMTP server is configured."""
    if current_app.config["ENV_NAME"] not in ("development",) or current_app.config.get("SMTP_URL"):
        abort(404)
    mails = OutboxMail.select().order_by(OutboxMail.id.desc()).limit(50)
    return render_template("dev/mail.html", mails=mails)


def init_app(app) -> None:
    app.cli.add_command(mail_cli)
    app.register_blueprint(dev_bp)

