"""Account security: lockout counters, authenticator app, login history, reset and mail-change links."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("member", "failed_logins", IntegerField(default=0)),
        migrator.add_column("member", "locked_until", DateTimeField(null=True)),
        migrator.add_column("member", "totp_secret", CharField(max_length=255, null=True)),
    )

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Member(Base):
        class Meta:
            table_name = "member"

    class LoginEvent(Base):
        member = ForeignKeyField(Member, on_delete="CASCADE")
        kind = CharField(max_length=40)
        client = CharField(max_length=64, default="")
        user_agent = CharField(max_length=255, default="")
        created_at = DateTimeField(index=True)

    class AccountToken(Base):
        member = ForeignKeyField(Member, on_delete="CASCADE")
        purpose = CharField(max_length=20)
        token_hash = CharField(max_length=64, unique=True)
        new_email = CharField(max_length=254, null=True)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

    class RecoveryCode(Base):
        member = ForeignKeyField(Member, on_delete="CASCADE")
        code_hash = CharField(max_length=64, unique=True)
        used_at = DateTimeField(null=True)

    db.create_tables([LoginEvent, AccountToken, RecoveryCode])


def down(migrator, db):
    for table in ("recovery_code", "account_token", "login_event"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
    migrator.migrate(
        migrator.drop_column("member", "failed_logins"),
        migrator.drop_column("member", "locked_until"),
        migrator.drop_column("member", "totp_secret"),
    )
