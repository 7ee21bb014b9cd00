"""Issue 22: personal invitation letters (batches and their hashed tokens).

Frozen copies of clickar/models/invitations.py as they were when this was written.
"""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Contract(Base):
        class Meta:
            table_name = "contract"

    class InvitationBatch(Base):
        created_at = DateTimeField()
        created_by = CharField(max_length=254)
        label = CharField(max_length=100)
        letters = IntegerField(default=0)
        skipped = IntegerField(default=0)
        revoked_at = DateTimeField(null=True)

    class Invitation(Base):
        batch = ForeignKeyField(InvitationBatch, on_delete="CASCADE")
        contract = ForeignKeyField(Contract, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        expires_at = DateTimeField()
        revoked_at = DateTimeField(null=True)
        used_at = DateTimeField(null=True)
        locked_at = DateTimeField(null=True)
        failures = IntegerField(default=0)
        scanned_at = DateTimeField(null=True)
        started_at = DateTimeField(null=True)

    db.create_tables([InvitationBatch, Invitation])


def down(migrator, db):
    for table in ("invitation", "invitation_batch"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
