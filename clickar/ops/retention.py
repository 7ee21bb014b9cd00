"""Retention (APPI: keep personal data no longer than it is needed): `flask --app wsgi purge`.

What goes, and when (defaults; each age is an option of the command):

| rows | deleted when |
|---|---|
| 仮登録 never completed | 7 days after its last link expired |
| 仮登録 completed (a copy of the mail address and password hash) | 30 days after completion |
| 本登録 link tokens | 7 days after use, replacement or expiry |
| one-time passwords | 1 day after expiry |
| password-reset / mail-change tokens | 7 days after use or expiry |
| trusted devices revoked or expired | 30 days after |
| sent mails (they hold links and names) | 30 days after sending |
| login history | after 365 days |
| wrong-password counts per account and network | 1 day after the last one, once not waiting |
| flyer visits (raw rows of /r/CODE) | after 365 days |
| AIチャット log (masked questions) | after 365 days |
| 更新のご案内 log (who was reminded of which contract, link opened) | 400 days after sending (a term and its renewal period) |
| invitation letters' rows (who got a letter, scanned it, mistyped a birth date) | 30 days after the letter expired (the end of its renewal period); the batch keeps its funnel counts |

Mail still waiting in the outbox is never deleted. The mail worker runs this
with `--purge-every`; without the worker, a daily cron line does (README).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import click

from ..auth import lockout
from ..db import database
from ..models import (
    AccountToken,
    LoginEvent,
    LoginLock,
    OneTimePassword,
    OutboxMail,
    PendingRegistration,
    TrustedDevice,
    VerificationToken,
    now,
)


@dataclass(frozen=True)
class Ages:
    """Days each kind of row is kept (see the module's table)."""

    provisional_days: int = 7
    completed_days: int = 30
    token_days: int = 7
    otp_days: int = 1
    device_days: int = 30
    sent_mail_days: int = 30
    login_history_days: int = 365
    visit_days: int = 365
    chat_days: int = 365
    reminder_days: int = 400
    invitation_days: int = 30


def _ago(days: int, at: dt.datetime) -> dt.datetime:
    return at - dt.timedelta(days=days)


def _expired_provisional(cutoff: dt.datetime):
    """Not completed, and no link of it still valid at the cutoff."""
    live_link = (VerificationToken
                 .select(VerificationToken.registration)
                 .where(VerificationToken.expires_at >= cutoff))
    return (PendingRegistration.completed_at.is_null()
            & (PendingRegistration.created_at < cutoff)
            & PendingRegistration.id.not_in(live_link))


def rules(ages: Ages, at: dt.datetime) -> list[tuple[str, type, object]]:
    """(name, model, condition) in the order they run (tokens before their registrations)."""
    provisional = _expired_provisional(_ago(ages.provisional_days, at))
    completed = (PendingRegistration.completed_at.is_null(False)
                 & (PendingRegistration.completed_at < _ago(ages.completed_days, at)))
    token_cutoff = _ago(ages.token_days, at)
    out: list[tuple[str, type, object]] = [
        ("verification tokens of purged registrations", VerificationToken,
         VerificationToken.registration.in_(PendingRegistration.select(PendingRegistration.id)
                                            .where(provisional | completed))),
        ("provisional registrations (never completed)", PendingRegistration, provisional),
        ("completed registrations", PendingRegistration, completed),
        ("verification tokens (used, replaced or expired)", VerificationToken,
         (VerificationToken.used_at < token_cutoff)
         | (VerificationToken.superseded_at < token_cutoff)
         | (VerificationToken.expires_at < token_cutoff)),
        ("one-time passwords", OneTimePassword, OneTimePassword.expires_at < _ago(ages.otp_days, at)),
        ("account tokens (reset / mail change)", AccountToken,
         (AccountToken.used_at < token_cutoff) | (AccountToken.expires_at < token_cutoff)),
        ("trusted devices (revoked or expired)", TrustedDevice,
         (TrustedDevice.revoked_at < _ago(ages.device_days, at))
         | (TrustedDevice.expires_at < _ago(ages.device_days, at))),
        ("sent mails", OutboxMail,
         OutboxMail.sent_at.is_null(False) & (OutboxMail.sent_at < _ago(ages.sent_mail_days, at))),
        ("login history", LoginEvent, LoginEvent.created_at < _ago(ages.login_history_days, at)),
        ("wrong-password counts (per account and network)", LoginLock, lockout.forgotten(at)),
    ]
    out += _visit_rules(ages, at)
    out += _chat_rules(ages, at)
    out += _reminder_rules(ages, at)
    return out


def _visit_rules(ages: Ages, at: dt.datetime) -> list:
    """Raw flyer visits (clickar.models.flyers.Visit); campaigns and funnel counts stay."""
    try:
        from ..models import Visit
    except ImportError:  # pragma: no cover - the flyer console is not installed
        return []
    return [("flyer visits (raw)", Visit, Visit.created_at < _ago(ages.visit_days, at))]


def _chat_rules(ages: Ages, at: dt.datetime) -> list:
    try:
        from ..models import ChatLog
    except ImportError:  # pragma: no cover - the help chat is not installed
        return []
    return [("AIチャット log", ChatLog, ChatLog.created_at < _ago(ages.chat_days, at))]


def _reminder_rules(ages: Ages, at: dt.datetime) -> list:
    from ..models import ReminderLog

    return [("更新のご案内 log", ReminderLog, ReminderLog.sent_at < _ago(ages.reminder_days, at))]


def _purge_invitations(ages: Ages, at: dt.datetime) -> int:
    from ..invitations.core import purge_expired

    return purge_expired(_ago(ages.invitation_days, at))


def purge(ages: Ages | None = None, at: dt.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete what is past its age, in one transaction: {rule name: rows}.
    With dry_run the same deletes run and are rolled back, so the counts are exact."""
    ages = ages or Ages()
    at = at or now()
    counts: dict[str, int] = {}
    with database.atomic() as transaction:
        for name, model, condition in rules(ages, at):
            counts[name] = model.delete().where(condition).execute()
        counts["invitation letters (expired; funnel counts kept)"] = _purge_invitations(ages, at)
        if dry_run:
            transaction.rollback()
    return counts


# ------------------------------------------------------------------ CLI

def _age_options(command):
    for f in reversed(fields(Ages)):
        command = click.option(f"--{f.name.replace('_', '-')}", f.name, type=click.IntRange(min=0),
                               default=f.default, show_default=True)(command)
    return command


@click.command("purge", help="Delete personal data past its retention age (APPI); see clickar/ops/retention.py.")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@_age_options
def purge_command(dry_run, **days):
    counts = purge(Ages(**days), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    width = max(len(name) for name in counts)
    for name, n in counts.items():
        click.echo(f"{name:<{width}}  {verb} {n}")
    click.echo(f"{'total':<{width}}  {verb} {sum(counts.values())}")
