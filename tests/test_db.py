"""SQLite (development and tests): concurrent writers wait their turn instead of failing."""
import sqlite3

from clickar.db import open_database


def test_a_transaction_that_reads_then_writes_is_not_refused_by_a_writer_in_between(tmp_path):
    path = tmp_path / "clickar.db"
    db = open_database(f"sqlite:///{path}")
    db.connect()
    db.execute_sql("CREATE TABLE t (x INTEGER)")
    other = sqlite3.connect(path, timeout=0)  # another connection, e.g. a mail thread
    with db.atomic():
        db.execute_sql("SELECT count(*) FROM t")
        try:
            other.execute("INSERT INTO t VALUES (1)")
            other.commit()
        except sqlite3.OperationalError:
            pass  # it has to wait: the transaction holds the write lock from its start
        db.execute_sql("INSERT INTO t VALUES (2)")  # before: "database is locked" at once
    assert (2,) in db.execute_sql("SELECT x FROM t").fetchall()
    other.close()
    db.close()
