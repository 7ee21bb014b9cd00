"""Issue 19 item 23: staff password reset links (hash only, single use) and the audit of resets.

Frozen copies of clickar/models/flyers.py's StaffToken and StaffAudit as they were when this was written.
"""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Staff(Base):
        class Meta:
            table_name = "staff"

    class StaffToken(Base):
        staff = ForeignKeyField(Staff, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

    class StaffAudit(Base):
        at = DateTimeField(index=True)
        action = CharField(max_length=32)
        actor_email = CharField(max_length=254)
        subject_email = CharField(max_length=254)
        network = CharField(max_length=64, default="")

    db.create_tables([StaffToken, StaffAudit])


def down(migrator, db):
    for table in ("staff_audit", "staff_token"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
