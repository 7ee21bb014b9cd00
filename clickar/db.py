"""Database wiring: one peewee DatabaseProxy, connect per request, migrations.

`flask --app wsgi db upgrade` applies migrations/NNNN_*.py in order through
peewee's own playhouse.migrations runner (history in table schema_migration).
"""
from __future__ import annotations

import re
import select
import weakref
from pathlib import Path
from urllib.parse import urlparse

import click
from flask.cli import AppGroup
from flask import Flask
from peewee import DatabaseProxy, ProgrammingError
from playhouse.db_url import connect, register_database
from playhouse.pool import PooledPostgresqlDatabase

database = DatabaseProxy()


class PooledPostgres(PooledPostgresqlDatabase):
    """peewee's pool (`postgresql+pool://`), minus a round trip per request.

    peewee checks an idle connection before handing it out with `SELECT 1`: one more round
    trip to PostgreSQL at the start of every request that uses the database. An idle
    connection's server writes to it unasked only to end it (a terminated backend, a
    restart: the FATAL message, then EOF), so a socket with something to read means the
    connection is gone; a socket with nothing to read is as good as the SELECT 1 said.
    A connection left in a transaction still goes through peewee's own check (rollback).
    """

    def _is_closed(self, conn):
        if conn.closed:
            return True
        if conn.info.transaction_status != 0:  # not idle (psycopg2 TRANSACTION_STATUS_IDLE)
            return super()._is_closed(conn)
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


register_database(PooledPostgres, "postgresql+pool", "postgres+pool")


# ------------------------------------------------------------ prepared statements (PostgreSQL)

# connection → {SQL: name of its prepared statement on that connection's server session}
_PREPARED: "weakref.WeakKeyDictionary[object, dict[str, str]]" = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%s")


def prepared(sql: str, count: int) -> str:
    """The SQL to run instead of `sql` (psycopg2 placeholders, `count` parameters): on
    PostgreSQL, `EXECUTE` of a statement prepared once per connection; elsewhere `sql` itself.

    PostgreSQL parses and plans every statement it is sent. For the small statements of the
    busiest requests that is most of the server's work: a flyer scan's INSERT … SELECT cost
    its backend 180 µs of CPU sent as text, 63 µs as EXECUTE (docs/PERFORMANCE.md). A
    statement is prepared the first time a connection runs it (one more round trip, once);
    a new connection (the pool replacing a dead one) prepares afresh. Only with the pool
    (`postgresql+pool://`, as compose.yaml deploys it): a connection opened and closed per
    request would pay the PREPARE on every request. Inside a transaction
    the text is sent as usual, since a failed EXECUTE there would abort the transaction; the
    callers run outside one (autocommit). SQL with a literal % is never prepared."""
    db = database.obj
    if (not isinstance(db, PooledPostgresqlDatabase) or db.in_transaction() or sql.count("%") != count
            or len(_PLACEHOLDER.findall(sql)) != count):
        return sql
    conn = db.connection()
    names = _PREPARED.get(conn)
    if names is None:
        names = _PREPARED[conn] = {}
    if sql not in names:
        numbered = iter(range(1, count + 1))
        name = f"clickar_{len(names)}"
        try:
            db.execute_sql(f"PREPARE {name} AS " + _PLACEHOLDER.sub(lambda _: f"${next(numbered)}", sql))
        except ProgrammingError:  # e.g. a parameter whose type the server cannot infer: text it stays
            name = None
        names[sql] = name
    name = names[sql]
    if name is None:
        return sql
    return f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"


def execute_prepared(sql: str, params: list | tuple):
    """database.execute_sql(sql, params) through `prepared` (PostgreSQL: a statement prepared
    once per connection). If the server no longer knows the statement (it cannot forget one
    on its own: only DEALLOCATE or DISCARD, which nothing here sends), the text is run instead."""
    run = prepared(sql, len(params))
    try:
        return database.execute_sql(run, params)
    except ProgrammingError:
        if run is sql or database.obj.in_transaction():
            raise
        _PREPARED.pop(database.obj.connection(), None)
        return database.execute_sql(sql, params)


ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


def open_database(url: str, root: Path = ROOT):
    """Return a peewee Database for a db_url; relative SQLite paths live under root."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url[len("sqlite:///"):]
        if relative and relative != ":memory:":
            path = (root / relative).resolve()
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}"
    if url.startswith("sqlite"):
        # IMMEDIATE: a transaction takes the write lock at BEGIN, so one that reads and then
        # writes waits its turn (busy_timeout) instead of being refused with "database is
        # locked" when another connection (a mail thread) committed in between.
        return connect(
            url,
            pragmas={"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000},
            check_same_thread=False,
            lock_type="IMMEDIATE",
        )
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql"):
        url = url.replace("postgres://", "postgresql://", 1)
        return connect(url, autoconnect=True)
    return connect(url)


def upgrade(db=None, directory: Path = MIGRATIONS) -> list[str]:
    """Apply pending migrations; returns the names applied (idempotent)."""
    from playhouse.migrations import Runner

    db = db or database.obj
    return Runner(db, directory=str(directory)).up()


def init_app(app: Flask) -> None:
    db = open_database(app.config["DATABASE_URL"])
    database.initialize(db)
    app.extensions["database"] = db

    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not database.is_closed():
            database.close()

    app.cli.add_command(db_cli)


db_cli = AppGroup("db", help="Database schema commands.")


@db_cli.command("upgrade", help="Apply migrations/ in order (idempotent).")
def upgrade_command():
    applied = upgrade()
    if applied:
        for name in applied:
            click.echo(f"applied {name}")
    else:
        click.echo("database is up to date")


def forget_connection() -> None:
    """Drop this thread's database connection, even a broken one mid-transaction,
    so the next request connects afresh instead of failing on a dead socket."""
    state = database.obj._state
    state.transactions = []  # rolled back on the way out already, or impossible on a dead socket
    try:
        database.close()  # a pool (postgresql+pool://) checks the connection before reusing it
    except Exception:  # noqa: BLE001 - the connection is gone either way
        try:
            if state.conn is not None:
                state.conn.close()
        except Exception:  # noqa: BLE001
            pass
        state.reset()
