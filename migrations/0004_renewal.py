"""更新のお手続き: groups, contract conditions, rate tables, renewals, change requests.

Frozen copies of clickar/models/renewal.py as they were when this was written.
The partial unique index renewal_one_live_per_term keeps one live (not
cancelled) renewal per contract and term on SQLite and PostgreSQL alike.
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
        class Meta:
            table_name = "contract"

    class Member(Base):
        class Meta:
            table_name = "member"

    class Group(Base):
        name = CharField(max_length=100, unique=True)
        renewal_opens = DateField(null=True)
        renewal_closes = DateField(null=True)
        installments = IntegerField(default=12)
        agency_email = CharField(max_length=254, default="")
        updated_at = DateTimeField()

        class Meta:
            table_name = "contract_group"

    class ContractConditions(Base):
        contract = ForeignKeyField(Contract, unique=True, on_delete="CASCADE")
        grade = IntegerField()
        claims = IntegerField(default=0)
        driver_scope = CharField(max_length=16)
        driver_age = CharField(max_length=16)
        vehicle = CharField(max_length=16)
        deductible = CharField(max_length=16, default="")
        purpose = CharField(max_length=16)
        mileage = CharField(max_length=16)
        updated_at = DateTimeField()

    class RateTable(Base):
        name = CharField(max_length=100)
        illustrative = BooleanField(default=False)
        rates = JSONField()
        loaded_at = DateTimeField()

    class Renewal(Base):
        receipt_number = CharField(max_length=20, unique=True)
        contract = ForeignKeyField(Contract, on_delete="CASCADE")
        term_start = DateField()
        member = ForeignKeyField(Member, null=True, on_delete="SET NULL")
        email = CharField(max_length=254, default="")
        grade_current = IntegerField()
        grade_next = IntegerField()
        driver_scope = CharField(max_length=16)
        driver_age = CharField(max_length=16)
        vehicle = CharField(max_length=16)
        deductible = CharField(max_length=16, default="")
        purpose = CharField(max_length=16)
        mileage = CharField(max_length=16)
        annual_premium = IntegerField()
        installments = IntegerField()
        first_installment = IntegerField()
        other_installment = IntegerField()
        rate_table = ForeignKeyField(RateTable, null=True, on_delete="SET NULL")
        rate_table_name = CharField(max_length=100, default="")
        submitted_at = DateTimeField()
        cancelled_at = DateTimeField(null=True)
        updated_at = DateTimeField(index=True)

    Renewal.add_index(
        Renewal.index(Renewal.contract, Renewal.term_start, unique=True, name="renewal_one_live_per_term")
        .where(Renewal.cancelled_at.is_null())
    )

    class ChangeRequest(Base):
        request_number = CharField(max_length=20, unique=True)
        member = ForeignKeyField(Member, null=True, on_delete="SET NULL")
        policy_numbers = JSONField()
        name = CharField(max_length=100)
        old_postal_code = CharField(max_length=8, default="")
        old_address = CharField(max_length=255, default="")
        old_phone = CharField(max_length=20, default="")
        new_postal_code = CharField(max_length=8, default="")
        new_address = CharField(max_length=255, default="")
        new_phone = CharField(max_length=20, default="")
        created_at = DateTimeField(index=True)

    db.create_tables([Group, ContractConditions, RateTable, Renewal, ChangeRequest])


def down(migrator, db):
    for table in ("change_request", "renewal", "rate_table", "contract_conditions", "contract_group"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
