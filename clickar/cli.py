"""`flask --app wsgi …` commands beside the code they drive (shared/INTERFACE.md)."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from . import contracts, matching


contracts_cli = AppGroup("contracts", help="Contract data from the insurer.")


@contracts_cli.command("import", help="Upsert contracts by policy_number from a CSV (UTF-8/BOM/CP932).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path):
    started = time.monotonic()
    shown = {"written": 0}

    def progress(phase, done, total):  # stderr, so stdout stays the one-line summary
        elapsed = time.monotonic() - started
        if total is None:
            click.echo(f"checking: {done:,} rows… ({elapsed:.0f} s)", err=True)
        elif phase == "checked":
            click.echo(f"checked {done:,} rows, no problems ({elapsed:.0f} s); writing…", err=True)
        elif done == total or done - shown["written"] >= 100_000:
            shown["written"] = done
            click.echo(f"written {done:,} / {total:,} rows ({done * 100 // max(1, total)} %, {elapsed:.0f} s)",
                       err=True)

    try:
        result = contracts.import_file(path, progress=progress)
    except UnicodeDecodeError:
        click.echo("line 1: file: not UTF-8 or CP932 text", err=True)
        sys.exit(1)
    if result.errors:
        for line in result.errors:
            click.echo(line, err=True)
        click.echo(f"{len(result.errors)} problem(s); nothing was written.", err=True)
        sys.exit(1)
    click.echo(f"imported {result.count} contract(s): {result.created} new, {result.updated} updated")


@contracts_cli.command("match-check", help="Read JSONL cases, print {id, match} per line.")
@click.argument("path", type=click.File("r", encoding="utf-8-sig"))
def match_check_command(path):
    for line in matching.match_check_lines(path):
        click.echo(line)


demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed", help="Idempotent demo contracts, printed as a table.")
def seed_command():
    from .demo import demo_rows

    rows = demo_rows()
    contracts.upsert(rows)
    headers = ("証券番号", "氏名", "フリガナ", "生年月日", "郵便番号", "住所", "電話番号", "車名", "保険始期")
    keys = ("policy_number", "name", "name_kana", "birth_date", "postal_code", "address", "phone",
            "car_name", "insurance_start")
    click.echo("Demo contracts (register at /mypage/register/ with these details):")
    click.echo(" | ".join(headers))
    for row in rows:
        click.echo(" | ".join(str(row[k]) for k in keys))
    from .renewal.demo import seed as seed_renewal

    for line in seed_renewal():  # group plan, current conditions, illustrative rate table
        click.echo(line)


keys_cli = AppGroup("keys", help="CLICKAR_SECRET_KEY rotation (docs/SECURITY.md).")


@keys_cli.command("reseal", help="Seal every authenticator secret with the newest key (run before dropping an old key).")
def reseal_command():
    from .auth.authenticator import reseal_all
    from .db import database

    with database.atomic():
        resealed, lost = reseal_all()
    click.echo(f"resealed {resealed} authenticator secret(s) with the newest key"
               + (f"; {lost} could not be opened with any key given" if lost else ""))
    if lost:
        sys.exit(1)


def init_app(app) -> None:
    app.cli.add_command(contracts_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(demo_cli)
    from .ops.retention import purge_command

    app.cli.add_command(purge_command)  # `flask --app wsgi purge`: retention (APPI)
    from .staff.accounts import staff_cli

    app.cli.add_command(staff_cli)


