"""`flask --app wsgi …` commands for the renewal (attached to the blueprint, top level).

groups import FILE.csv · rates import FILE.csv [--name] [--illustrative] ·
conditions import FILE.csv · renewals export --since DATE [--encoding] [--output] ·
changes export --since DATE [--encoding] [--output]
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from . import export, imports
from .views import bp


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _fail(errors: list[str]) -> None:
    for line in errors:
        click.echo(line, err=True)
    click.echo(f"{len(errors)} problem(s); nothing was written.", err=True)
    sys.exit(1)


def _decoding(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except UnicodeDecodeError:
        _fail(["line 1: file: not UTF-8 or CP932 text"])


def _imported(func, path: str, *args):
    """func's import result for the file at path; its problems end the command (nothing written)."""
    result = _decoding(func, _read(path), *args)
    if result.errors:
        _fail(result.errors)
    return result


def _upsert_command(name: str, group_help: str, command_help: str, func, noun: str) -> None:
    """`NAME import FILE.csv`: an all-or-nothing upsert that counts new and updated rows."""
    group = AppGroup(name, help=group_help)
    bp.cli.add_command(group)

    @group.command("import", help=command_help)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_command(path):
        result = _imported(func, path)
        click.echo(f"imported {len(result.rows)} {noun}: {result.created} new, {result.updated} updated")


_upsert_command("groups", "団体: renewal periods and payment plans.",
                "Upsert groups by group_name from a CSV (UTF-8/BOM/CP932); all or nothing.",
                imports.import_groups, "group(s)")
_upsert_command("conditions", "Current conditions (等級 and options) of contracts.",
                "Upsert contract conditions by policy_number; all or nothing.",
                imports.import_conditions, "condition row(s)")


# ------------------------------------------------------------------ rates

@bp.cli.group("rates", help="Rate tables for the premium.")
def rates_cli():
    pass


@rates_cli.command("import", help="Load a rate table (item,code,value) as the current one; all or nothing.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", default=None, help="Name shown with the premium (default: the file name).")
@click.option("--illustrative", is_flag=True, help="Label premiums from this table as illustrative (demo).")
def rates_import(path, name, illustrative):
    name = name or Path(path).stem
    result = _imported(imports.import_rates, path, name, illustrative)
    click.echo(f"loaded rate table {name!r}: 20 grades, "
               f"{sum(len(v) for v in result.rates.factors.values())} option factors")


# ------------------------------------------------------------------ exports

def _export(func, since: str, encoding: str, output: str | None, what: str):
    try:
        day = dt.date.fromisoformat(since)
    except ValueError:
        raise click.BadParameter("YYYY-MM-DD", param_hint="--since") from None
    try:
        data, count = func(day, encoding)
    except export.ExportError as err:
        for line in err.problems:
            click.echo(line, err=True)
        click.echo(f"{len(err.problems)} problem(s); nothing was written. Try --encoding utf-8-sig.", err=True)
        sys.exit(1)
    if output:
        Path(output).write_bytes(data)
    else:
        click.echo(data, nl=False)  # bytes go to the binary stdout as they are
    click.echo(f"exported {count} {what} since {day.isoformat()} ({encoding})", err=True)


def _export_command(name: str, group_help: str, command_help: str, func, what: str) -> None:
    """`NAME export --since DATE [--encoding] [--output]`: a CSV for the insurer."""
    group = AppGroup(name, help=group_help)
    bp.cli.add_command(group)

    @group.command("export", help=command_help)
    @click.option("--since", required=True, help="Japan date YYYY-MM-DD (from 00:00 JST).")
    @click.option("--encoding", type=click.Choice(export.ENCODINGS), default="utf-8-sig",
                  show_default=True, help="utf-8-sig = UTF-8 with BOM; cp932 = Shift_JIS (Windows).")
    @click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
                  help="Write to this file instead of stdout.")
    def export_command(since, encoding, output):
        _export(func, since, encoding, output, what)


_export_command("renewals", "Renewals for the insurer's back office.",
                "Renewals submitted or cancelled since DATE, as CSV.", export.export_renewals, "renewal(s)")
_export_command("changes", "お客さま情報 change requests for the insurer.",
                "Address/phone change requests made since DATE, as CSV (one line per contract).",
                export.export_changes, "change request line(s)")
