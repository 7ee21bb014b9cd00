"""Issue 22: purge drops a letter's row after its renewal period; the batch keeps its funnel counts."""
from peewee import *

COLUMNS = ("purged_scans", "purged_started", "purged_locked", "purged_registered", "purged_renewed")


def up(migrator, db):
    migrator.migrate(*(migrator.add_column("invitation_batch", name, IntegerField(default=0)) for name in COLUMNS))


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column("invitation_batch", name) for name in COLUMNS))
