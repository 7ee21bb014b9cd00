"""Initial schema: contracts, members, registration, login, outbox.

Frozen copies of the models as they were when this migration was written;
later changes to clickar/models.py get their own migration.
"""
import json

from peewee import *


class JSONField(TextField):
    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Contract(Base):
        policy_number = CharField(max_length=20, unique=True)
        name = CharField(max_length=100)
        name_kana = CharField(max_length=100, default="")
        birth_date = DateField()
        postal_code = CharField(max_length=8)
        address = CharField(max_length=255)
        phone = CharField(max_length=20)
        phone2 = CharField(max_length=20, default="")
        car_name = CharField(max_length=100)
        insurance_start = DateField()
        insurance_end = DateField()
        group_name = CharField(max_length=100)
        agency_name = CharField(max_length=100)
        agency_phone = CharField(max_length=20)
        match_form = JSONField()
        updated_at = DateTimeField()

    class Member(Base):
        email = CharField(max_length=254, unique=True)
        password_hash = CharField(max_length=255)
        session_version = IntegerField(default=1)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)

    class MemberContract(Base):
        member = ForeignKeyField(Member, on_delete="CASCADE")
        contract = ForeignKeyField(Contract, unique=True, on_delete="CASCADE")
        linked_at = DateTimeField()

    class PendingRegistration(Base):
        wizard_id = CharField(max_length=64, unique=True)
        email = CharField(max_length=254, index=True)
        password_hash = CharField(max_length=255)
        policy_numbers = JSONField()
        created_at = DateTimeField()
        completed_at = DateTimeField(null=True)
        member = ForeignKeyField(Member, null=True, on_delete="SET NULL")

    class VerificationToken(Base):
        registration = ForeignKeyField(PendingRegistration, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        superseded_at = DateTimeField(null=True)

    class TrustedDevice(Base):
        member = ForeignKeyField(Member, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        user_agent = CharField(max_length=255, default="")
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        expires_at = DateTimeField()
        revoked_at = DateTimeField(null=True)

    class OneTimePassword(Base):
        member = ForeignKeyField(Member, on_delete="CASCADE")
        attempt_hash = CharField(max_length=64, unique=True)
        secret = CharField(max_length=64)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        tries = IntegerField(default=0)
        used_at = DateTimeField(null=True)

    class OutboxMail(Base):
        recipient = CharField(max_length=254)
        subject = CharField(max_length=255)
        body = TextField()
        kind = CharField(max_length=40, index=True)
        created_at = DateTimeField()
        claimed_at = DateTimeField(null=True)
        sent_at = DateTimeField(null=True, index=True)
        attempts = IntegerField(default=0)
        last_error = TextField(default="")

    db.create_tables([Contract, Member, MemberContract, PendingRegistration,
                      VerificationToken, TrustedDevice, OneTimePassword, OutboxMail])


def down(migrator, db):
    for table in ("outbox_mail", "one_time_password", "trusted_device", "verification_token",
                  "pending_registration", "member_contract", "member", "contract"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
