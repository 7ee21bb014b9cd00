"""`flask --app wsgi reminders send [--today YYYY-MM-DD] [--dry-run]`."""
from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from . import run, schedule


reminders_cli = AppGroup("reminders", help="更新のご案内 reminder mails.")


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("YYYY-MM-DD")


@reminders_cli.command("send", help="Send the 更新のご案内 due today (JST): at most one per member, contract, "
                                    "kind and term. Progress on stderr.")
@click.option("--today", callback=_date, metavar="YYYY-MM-DD", help="Run as if it were this Japan date.")
@click.option("--dry-run", is_flag=True, help="Only print what would be sent; nothing is written or mailed.")
def send_command(today, dry_run):
    report = run.send(today, dry_run=dry_run)
    verb = "would send" if dry_run else "sent"
    for kind in schedule.KINDS:
        click.echo(f"{kind:<8} {schedule.LABELS[kind]}  {verb} {report.kinds[kind]}")
    click.echo(f"mails    {verb} {report.mails} (to {report.mails} members, {report.contracts} contracts)")
