"""更新のご案内: reminder log, opt-outs, per-group offsets, outbox headers, contract indexes.

Frozen copies of clickar/models/reminders.py as they were when this was written.
reminder_log's unique index (member, contract, term_start, kind) is what keeps
two concurrent runs from mailing twice. contract_period_end (insurance_end, id) and
contract_by_group (group_name) let the daily pass select the contracts in their renewal
period through an index.
"""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("contract_group", "remind_opened", IntegerField(null=True)),
        migrator.add_column("contract_group", "remind_halfway", IntegerField(null=True)),
        migrator.add_column("contract_group", "remind_before_close", IntegerField(null=True)),
        migrator.add_column("contract_group", "remind_last_day", IntegerField(null=True)),
        migrator.add_column("outbox_mail", "headers", TextField(null=True)),
    )
    # Named by hand: peewee's own name for the second would clash with contract_group's unique name index.
    db.execute_sql("CREATE INDEX contract_period_end ON contract (insurance_end, id)")
    db.execute_sql("CREATE INDEX contract_by_group ON contract (group_name)")

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Contract(Base):
        class Meta:
            table_name = "contract"

    class Member(Base):
        class Meta:
            table_name = "member"

    class ReminderLog(Base):
        member = ForeignKeyField(Member, null=True, on_delete="SET NULL")
        contract = ForeignKeyField(Contract, on_delete="CASCADE")
        term_start = DateField()
        kind = CharField(max_length=16)
        token_hash = CharField(max_length=64, unique=True)
        sent_at = DateTimeField(index=True)
        opened_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("member", "contract", "term_start", "kind"), True),)

    class ReminderOptOut(Base):
        member = ForeignKeyField(Member, unique=True, on_delete="CASCADE")
        via = CharField(max_length=16)
        created_at = DateTimeField()

    db.create_tables([ReminderLog, ReminderOptOut])


def down(migrator, db):
    for table in ("reminder_opt_out", "reminder_log"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
    db.execute_sql("DROP INDEX IF EXISTS contract_by_group")
    db.execute_sql("DROP INDEX IF EXISTS contract_period_end")
    migrator.migrate(
        migrator.drop_column("outbox_mail", "headers"),
        migrator.drop_column("contract_group", "remind_last_day"),
        migrator.drop_column("contract_group", "remind_before_close"),
        migrator.drop_column("contract_group", "remind_halfway"),
        migrator.drop_column("contract_group", "remind_opened"),
    )
