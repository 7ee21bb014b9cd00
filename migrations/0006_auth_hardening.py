"""Issue 18 (auth): lockout per account and network, wrong-code cap, TOTP replay, staff sessions.

login_lock holds the failure count and wait of one account ("member:ID" or
"staff:ID") on one client network. member gains the wrong one-time-password
count across logins and the last accepted authenticator time step; staff
gains a session version that logout raises. member's own failure count
and wait (one lock for every network) go.
"""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class LoginLock(Base):
        account = CharField(max_length=40)
        network = CharField(max_length=64)
        failures = IntegerField(default=0)
        locked_until = DateTimeField(null=True)
        updated_at = DateTimeField()

        class Meta:
            indexes = ((("account", "network"), True),)

    db.create_tables([LoginLock])
    migrator.migrate(
        migrator.add_column("member", "failed_codes", IntegerField(default=0)),
        migrator.add_column("member", "codes_locked_at", DateTimeField(null=True)),
        migrator.add_column("member", "totp_last_step", BigIntegerField(null=True)),
        migrator.add_column("staff", "session_version", IntegerField(default=1)),
        migrator.drop_column("member", "failed_logins"),  # the count moved to login_lock
        migrator.drop_column("member", "locked_until"),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("member", "failed_codes"),
        migrator.drop_column("member", "codes_locked_at"),
        migrator.drop_column("member", "totp_last_step"),
        migrator.drop_column("staff", "session_version"),
        migrator.add_column("member", "failed_logins", IntegerField(default=0)),
        migrator.add_column("member", "locked_until", DateTimeField(null=True)),
    )
    db.execute_sql("DROP TABLE IF EXISTS login_lock")
