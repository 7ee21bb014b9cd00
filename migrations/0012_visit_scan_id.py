"""Issue 23: flyer scans are spooled and moved in batches; each carries an id, written once."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("visit", "scan_id", CharField(max_length=32, null=True)),
        migrator.add_index("visit", ("scan_id",), True),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("visit", "visit_scan_id"),
        migrator.drop_column("visit", "scan_id"),
    )
