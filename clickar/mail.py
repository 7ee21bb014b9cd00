"""Outbox → SMTP.

`queue()` writes a mail row inside the caller's transaction; after commit
`dispatch()` sends what waits on a background thread, so mail leaves within
seconds without holding up the response. A row is claimed before sending so
two senders never send it twice; `flask --app wsgi mail flush` retries and
`flask --app wsgi mail worker` keeps retrying in the background.

The claim is a lease: `claimed_at` is when it started and it runs CLAIM_TIMEOUT.
A mail is marked sent only by the statement that checks the lease is still
ours. When the server refuses a mail, its lease is stretched to its next try
(retry_delay(): 30 s, doubling, at most an hour); when no server answers at
all, the mail goes straight back and the worker pauses instead, so everything
waiting leaves within a minute of the server's return — once each.
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlparse

import click
from flask.cli import AppGroup
from flask import Blueprint, abort, current_app, render_template

from .db import database
from .models import OutboxMail, now

CLAIM_TIMEOUT = dt.timedelta(minutes=2)  # a sender that died mid-send frees its mail after this
RETRY_FIRST_SECONDS = 30.0                 # a refused mail waits 30 s, 1 min, 2 min, … at most RETRY_MAX
RETRY_MAX = dt.timedelta(hours=1)

log = logging.getLogger("clickar.mail")


class SmtpRefused(smtplib.SMTPException):
    """We refuse to talk to this server as configured (smtp:// with a password, no STARTTLS)."""


def _clean_header(value: str) -> str:
    """No CR/LF in headers: mail header injection ends here."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def row(kind: str, recipient: str, subject: str, template: str, headers: dict | None = None, **ctx) -> dict:
    """The outbox row of one mail, rendered (queue() writes it; batches insert many at once)."""
    ctx.setdefault("insurer_name", current_app.config["INSURER_NAME"])
    ctx.setdefault("base_url", current_app.config["BASE_URL"])
    return {
        "kind": kind,
        "recipient": _clean_header(recipient),
        "subject": _clean_header(subject),
        "body": render_template(f"mail/{template}.txt", **ctx),
        "headers": {_clean_header(k): _clean_header(v) for k, v in headers.items()} if headers else None,
    }


def queue(kind: str, recipient: str, subject: str, template: str, headers: dict | None = None,
          **ctx) -> OutboxMail:
    """Write one mail into the outbox (call inside the change's transaction)."""
    return OutboxMail.create(**row(kind, recipient, subject, template, headers, **ctx))


def _claimable():
    """Unsent and not leased: never claimed, or the last lease has run out."""
    stale = now() - CLAIM_TIMEOUT
    return (OutboxMail.sent_at.is_null()
            & (OutboxMail.claimed_at.is_null() | (OutboxMail.claimed_at < stale)))


def _claim(mail_id: int) -> dt.datetime | None:
    """Lease one mail for CLAIM_TIMEOUT; the lease's time is the claim's proof (None: taken)."""
    stamp = now()
    updated = (OutboxMail
               .update(claimed_at=stamp, attempts=OutboxMail.attempts + 1)
               .where((OutboxMail.id == mail_id) & _claimable())
               .execute())
    return stamp if updated == 1 else None


def _mark_sent(mail_id: int, stamp: dt.datetime) -> bool:
    """Sent — in the same statement that checks the lease is still ours."""
    return (OutboxMail
            .update(sent_at=now(), last_error="")
            .where((OutboxMail.id == mail_id)
                   & (OutboxMail.claimed_at == stamp)
                   & OutboxMail.sent_at.is_null())
            .execute()) == 1


def _mark_sent_after_sending(mail_id: int, stamp: dt.datetime) -> bool:
    """The mail is out: write "sent", on a fresh connection when the database dropped this one
    meanwhile (a restart, pg_terminate_backend). Without it the claim's lease runs out and the
    mail goes out a second time (found by make loadtest, issue 23)."""
    from peewee import InterfaceError, OperationalError

    from .db import forget_connection

    try:
        return _mark_sent(mail_id, stamp)
    except (OperationalError, InterfaceError):
        forget_connection()
        database.connect(reuse_if_open=True)
        return _mark_sent(mail_id, stamp)


def retry_delay(attempts: int, first: float = RETRY_FIRST_SECONDS) -> dt.timedelta:
    """Backoff after a refused mail: first, 2×, 4×, … at most RETRY_MAX."""
    seconds = first * (2 ** max(0, attempts - 1))
    return min(dt.timedelta(seconds=seconds), RETRY_MAX)


def _release(mail_id: int, stamp: dt.datetime, error: BaseException, delay: dt.timedelta | None) -> None:
    """Give the lease back with the error. With a delay, the lease is stretched so the
    mail is claimable again only after it (claimed_at is when the lease started)."""
    claimed_at = None if delay is None else now() - CLAIM_TIMEOUT + delay
    (OutboxMail
     .update(claimed_at=claimed_at, last_error=f"{type(error).__name__}: {error}"[:500])
     .where((OutboxMail.id == mail_id) & (OutboxMail.claimed_at == stamp))
     .execute())


def _message(mail: OutboxMail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "clickar.local")
    for name, value in (mail.headers or {}).items():
        msg[name] = value
    msg.set_content(mail.body, charset="utf-8")
    return msg


def _smtp(url: str):
    parsed = urlparse(url)
    host = parsed.hostname or "127.0.0.1"
    if parsed.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, parsed.port or 465, timeout=10,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, parsed.port or 25, timeout=10)
        if parsed.username:  # a password never crosses the network in the clear
            try:
                client.starttls(context=ssl.create_default_context())
            except smtplib.SMTPNotSupportedError as exc:
                client.close()
                log.error("SMTP server %s offers no STARTTLS: not sending the password in the clear", host)
                raise SmtpRefused("the SMTP server does not offer STARTTLS; the password is not "
                                  "sent over smtp:// without it (use smtps:// or a server with "
                                  "STARTTLS)") from exc
    if parsed.username:
        client.login(unquote(parsed.username), unquote(parsed.password or ""))
    return client


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0        # the server answered and refused: the mail waits for its retry
    unreachable: bool = False  # no SMTP server answered: the round stopped, nothing was counted against a mail

    def __iter__(self):  # (sent, failed), as callers unpack it
        return iter((self.sent, self.failed))


def send_waiting(smtp_url: str, sender: str, ids: list[int] | None = None,
                 limit: int | None = None, retry_first: float = RETRY_FIRST_SECONDS) -> SendResult:
    """Send waiting mails (all, or the given ids), each claimed first so two senders never
    send the same mail. A refused mail waits retry_delay() before its next try; when the
    server cannot be reached at all the round stops and the mail goes back untouched."""
    query = (OutboxMail
             .select(OutboxMail.id)
             .where(_claimable())
             .order_by(OutboxMail.id))
    if ids is not None:
        query = query.where(OutboxMail.id.in_(ids))
    if limit is not None:
        query = query.limit(limit)
    result = SendResult()
    client = None
    try:
        for (mail_id,) in list(query.tuples()):
            stamp = _claim(mail_id)
            if stamp is None:
                continue  # another sender has it
            mail = OutboxMail.get_by_id(mail_id)
            if client is None:
                try:
                    client = _smtp(smtp_url)
                except (OSError, smtplib.SMTPException) as exc:
                    _release(mail_id, stamp, exc, None)  # not the mail's fault: claimable at once
                    result.unreachable = True
                    break
            try:
                client.send_message(_message(mail, sender))
            except smtplib.SMTPServerDisconnected as exc:
                _release(mail_id, stamp, exc, None)  # the connection broke: next round, at once
                result.unreachable = True
                client = None
                break
            except smtplib.SMTPException as exc:  # the server answered and refused this mail
                _release(mail_id, stamp, exc, retry_delay(mail.attempts, retry_first))
                result.failed += 1
                continue
            except OSError as exc:  # socket errors (SMTPException is an OSError too: caught above)
                _release(mail_id, stamp, exc, None)
                result.unreachable = True
                client = None
                break
            if not _mark_sent_after_sending(mail_id, stamp):
                log.warning("outbox mail %s was sent after its lease ran out", mail_id)
            result.sent += 1
    finally:
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return result


def dispatch(mails: list[OutboxMail]) -> None:
    """After commit: send these mails now, on a thread (no SMTP URL: they wait in the outbox)."""
    app = current_app._get_current_object()
    smtp_url = app.config.get("SMTP_URL")
    if not smtp_url or not mails:
        return
    ids = [m.id for m in mails]

    def run():
        from .db import forget_connection

        with app.app_context():
            try:
                database.connect(reuse_if_open=True)
                send_waiting(smtp_url, app.config["MAIL_FROM"], ids)
                database.close()
            except Exception as exc:  # noqa: BLE001 - a thread's error would go to stderr, unlogged
                # The outbox still has them: the mail worker sends what this thread could not
                # (the database lost mid-send: a restart, pg_terminate_backend).
                log.warning("mail left to the mail worker: %s", type(exc).__name__, extra={"mail_ids": ids})
                forget_connection()

    thread = threading.Thread(target=run, name="clickar-mail", daemon=True)
    thread.start()
    # Tests join these; finished ones are dropped, so a long-running process keeps only the live few.
    threads = app.extensions.setdefault("mail_threads", [])
    threads[:] = [t for t in threads if t.is_alive()]
    threads.append(thread)


# ------------------------------------------------------------------ CLI

mail_cli = AppGroup("mail", help="Outbox commands.")


@mail_cli.command("flush", help="Send what waits in the outbox.")
def flush_command():
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise click.ClickException("CLICKAR_SMTP_URL is not set; mail stays in the outbox.")
    result = send_waiting(url, current_app.config["MAIL_FROM"])
    click.echo(f"sent {result.sent}, failed {result.failed}"
               + (" (SMTP server unreachable)" if result.unreachable else ""))
    if result.failed or result.unreachable:
        raise SystemExit(1)


WORKER_BATCH = 50           # mails per round; a full round goes again without sleeping
WORKER_MAX_WAIT = 60.0      # seconds between rounds at most, while the SMTP server is away


def run_worker(smtp_url: str, sender: str, interval: float = 2.0, once: bool = False,
               max_seconds: float | None = None, retry_first: float = RETRY_FIRST_SECONDS,
               purge_every: float = 0.0, stop: threading.Event | None = None,
               reminder_hour: int | None = None, clock=None) -> dict:
    """The background sender: rounds of send_waiting() until `stop` is set (SIGTERM), `once`,
    or max_seconds. While the SMTP server (or the database) is away the pause doubles up to
    WORKER_MAX_WAIT, so it returns within a minute of the server coming back.
    Every `purge_every` seconds it also runs the retention purge (0 = never).
    Once a Japan day, from `reminder_hour` (JST) on, it runs the 更新のご案内 pass (None = never);
    a restart the same day runs it again harmlessly (the reminder log sends each once)."""
    from .db import forget_connection
    from .errors import UNREACHABLE
    from .ops import retention
    from .reminders import run as reminders
    from .jp import JST

    clock = clock or (lambda: dt.datetime.now(JST))
    reminded_on = None

    stop = stop or threading.Event()
    started = time.monotonic()
    deadline = started + max_seconds if max_seconds else None
    next_purge = started + purge_every if purge_every else None
    totals = {"sent": 0, "failed": 0, "rounds": 0, "purges": 0}
    wait = interval
    log.info("mail worker started", extra={"fields": {"event": "mail_worker_started"}})
    while not stop.is_set():
        result = None
        try:
            database.connect(reuse_if_open=True)
            jst_now = clock()
            if reminder_hour is not None and jst_now.hour >= reminder_hour and reminded_on != jst_now.date():
                report = reminders.send(jst_now.date(), deliver=False,
                                        progress=lambda text: log.info(text))
                reminded_on = jst_now.date()
                totals["reminder_mails"] = totals.get("reminder_mails", 0) + report.mails
                log.info("reminders queued: %s mails", report.mails,
                         extra={"fields": {"event": "reminders_sent", "mails": report.mails, **report.kinds}})
            result = send_waiting(smtp_url, sender, limit=WORKER_BATCH, retry_first=retry_first)
            if next_purge is not None and time.monotonic() >= next_purge:
                retention.purge()
                totals["purges"] += 1
                next_purge = time.monotonic() + purge_every
        except UNREACHABLE as exc:
            log.error("mail worker: database unreachable (%s)", type(exc).__name__)
            forget_connection()
        finally:
            if not database.is_closed() and not database.in_transaction():
                database.close()
        totals["rounds"] += 1
        if result is not None:
            totals["sent"] += result.sent
            totals["failed"] += result.failed
            if result.sent or result.failed:
                log.info("mail worker round: %s sent, %s refused", result.sent, result.failed,
                         extra={"fields": {"event": "mail_worker_round", "sent": result.sent,
                                           "failed": result.failed}})
        if once:
            break
        if result is None or result.unreachable:
            if result is not None:
                log.warning("mail worker: SMTP server unreachable; trying again in %.1f s", wait)
            pause, wait = wait, min(wait * 2, WORKER_MAX_WAIT)
        else:
            wait = interval
            pause = 0.0 if result.sent + result.failed >= WORKER_BATCH else interval
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            pause = min(pause, left)
        if pause:
            stop.wait(pause)
    log.info("mail worker stopped", extra={"fields": {"event": "mail_worker_stopped", **totals}})
    return totals


@mail_cli.command("worker", help="Keep sending what waits in the outbox (stops cleanly on SIGTERM); "
                                  "sends the 更新のご案内 daily at CLICKAR_REMINDER_HOUR (JST).")
@click.option("--interval", type=float, default=2.0, show_default=True,
              help="Seconds between rounds when nothing waits.")
@click.option("--once", is_flag=True, help="One round, then exit (like `mail flush`, exit 0).")
@click.option("--max-seconds", type=float, default=None, help="Stop after this many seconds.")
@click.option("--retry-first", type=float, default=RETRY_FIRST_SECONDS, show_default=True,
              help="Seconds a refused mail waits before its second try (doubling after).")
@click.option("--purge-every", type=float, default=0.0, show_default=True,
              help="Seconds between retention purges (`flask --app wsgi purge`); 0 = never.")
def worker_command(interval, once, max_seconds, retry_first, purge_every):
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise click.ClickException("CLICKAR_SMTP_URL is not set; mail stays in the outbox.")
    stop = threading.Event()

    def _stop(signum, frame):
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        totals = run_worker(url, current_app.config["MAIL_FROM"], interval, once, max_seconds,
                            retry_first, purge_every, stop, reminder_hour=current_app.config["REMINDER_HOUR"])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"sent {totals['sent']}, refused {totals['failed']}, rounds {totals['rounds']}")


# ------------------------------------------------------- development mailbox

dev_bp = Blueprint("devmail", __name__, url_prefix="/_dev")


@dev_bp.get("/mail")
def mailbox():
    """Outbox as a page: development on a loopback address only, when no SMTP server is configured."""
    from .ops.observability import loopback_client

    if current_app.config.get("SMTP_URL") or not loopback_client():
        abort(404)
    mails = OutboxMail.select().order_by(OutboxMail.id.desc()).limit(50)
    return render_template("dev/mail.html", mails=mails)


def dev_mailbox_allowed(config) -> bool:
    """/_dev/mail exists in development only, and not when `flask run` listens beyond loopback."""
    from .config import is_loopback

    listen = config.get("LISTEN_HOST")
    return config["ENV_NAME"] == "development" and (listen is None or is_loopback(listen))


def init_app(app) -> None:
    app.cli.add_command(mail_cli)
    if dev_mailbox_allowed(app.config):
        app.register_blueprint(dev_bp)

