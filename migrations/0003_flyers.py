"""QR flyer console: staff accounts, campaigns, visits of /r/CODE, funnel events.

Frozen copies of clickar/models/flyers.py as they were when this was written.
"""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Staff(Base):
        email = CharField(max_length=254, unique=True)
        password_hash = CharField(max_length=255)
        role = CharField(max_length=20, default="marketing")
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)

    class Campaign(Base):
        code = CharField(max_length=16, unique=True)
        name = CharField(max_length=100)
        target = CharField(max_length=20)
        label = CharField(max_length=100, default="")
        agency_name = CharField(max_length=100, default="")
        agency_phone = CharField(max_length=20, default="")
        valid_from = DateField()
        valid_until = DateField(null=True)
        created_by = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        updated_at = DateTimeField()

    class Visit(Base):
        campaign = ForeignKeyField(Campaign, on_delete="CASCADE")
        created_at = DateTimeField()
        client = CharField(max_length=32)
        device = CharField(max_length=20)
        browser = CharField(max_length=20)
        is_bot = BooleanField(default=False)

        class Meta:
            indexes = ((("campaign", "created_at"), False),)

    class FunnelEvent(Base):
        campaign = ForeignKeyField(Campaign, null=True, on_delete="SET NULL")
        kind = CharField(max_length=20)
        wizard_id = CharField(max_length=64, null=True)
        member_id = IntegerField(null=True)
        created_at = DateTimeField()

        class Meta:
            indexes = (
                (("kind", "wizard_id"), True),
                (("kind", "member_id"), True),
                (("campaign", "kind"), False),
            )

    db.create_tables([Staff, Campaign, Visit, FunnelEvent])


def down(migrator, db):
    for table in ("funnel_event", "visit", "campaign", "staff"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
