"""更新のお手続き and the My Page records around contracts.

Group (団体: renewal period and payment plan), ContractConditions (the current
等級 and options, loaded beside the contract), RateTable (operator-loaded rates),
Renewal (one per contract and term), ChangeRequest (住所・電話番号 change
requests for the insurer). Queries are methods named for the question.
Money is integer yen everywhere.
"""
from __future__ import annotations

import datetime as dt

from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField)

from .accounts import Member
from .base import BaseModel, JSONField, cached_select, now
from .contracts import Contract

__all__ = ["Group", "ContractConditions", "RateTable", "Renewal", "ChangeRequest"]


class Group(BaseModel):
    """A 団体 (group_name on the contract): renewal period and 給与天引き plan.

    renewal_opens / renewal_closes: when both are set, the group's own
    renewal period; when unset, 90 to 14 days before each contract's 保険終期.
    installments: 1 = 一時払, 12 = 12回 (給与天引き) …
    agency_email: where the agency notice goes ('' = RENEWAL_AGENCY_EMAIL).
    remind_*: 更新のご案内 offsets in days (None = the default of
    clickar/reminders/schedule.py, -1 = that reminder is not sent).
    """

    name = CharField(max_length=100, unique=True)
    renewal_opens = DateField(null=True)
    renewal_closes = DateField(null=True)
    installments = IntegerField(default=12)
    agency_email = CharField(max_length=254, default="")
    remind_opened = IntegerField(null=True)        # days after the period opens
    remind_halfway = IntegerField(null=True)       # days after the period opens
    remind_before_close = IntegerField(null=True)  # days before the period closes
    remind_last_day = IntegerField(null=True)      # days before the period closes
    updated_at = DateTimeField(default=now)

    class Meta:
        table_name = "contract_group"

    @classmethod
    def by_name(cls, name: str) -> "Group | None":
        return cls.get_or_none(cls.name == name)


class ContractConditions(BaseModel):
    """The contract's current conditions (not in the contract CSV)."""

    contract = ForeignKeyField(Contract, unique=True, backref="conditions_rows", on_delete="CASCADE")
    grade = IntegerField()                      # ノンフリート等級 1–20
    claims = IntegerField(default=0)            # 3等級ダウン事故 in the current term
    driver_scope = CharField(max_length=16)
    driver_age = CharField(max_length=16)
    vehicle = CharField(max_length=16)
    deductible = CharField(max_length=16, default="")
    purpose = CharField(max_length=16)
    mileage = CharField(max_length=16)
    updated_at = DateTimeField(default=now)

    @classmethod
    def for_contract(cls, contract: Contract) -> "ContractConditions | None":
        return cls.get_or_none(cls.contract == contract)


class RateTable(BaseModel):
    """One loaded rate table; the newest is the one quotes use."""

    name = CharField(max_length=100)
    illustrative = BooleanField(default=False)
    rates = JSONField()          # {"base": {"1": yen, …}, "factors": {item: {code: per-mille}}}
    loaded_at = DateTimeField(default=now)

    @classmethod
    def current(cls) -> "RateTable | None":
        return (cls
                .select()
                .order_by(cls.loaded_at.desc(), cls.id.desc())
                .first())


class Renewal(BaseModel):
    """更新のお手続き as submitted: one live (not cancelled) row per contract and term."""

    receipt_number = CharField(max_length=20, unique=True)
    contract = ForeignKeyField(Contract, backref="renewals", on_delete="CASCADE")
    term_start = DateField()                    # the new term starts at the old 保険終期
    member = ForeignKeyField(Member, null=True, backref="renewals", on_delete="SET NULL")
    email = CharField(max_length=254, default="")   # where the confirmation went; '' after 退会
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
    submitted_at = DateTimeField(default=now)
    cancelled_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=now, index=True)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def term_end(self) -> dt.date:
        start = self.term_start
        try:
            return start.replace(year=start.year + 1)
        except ValueError:  # 2/29 → 2/28
            return start.replace(year=start.year + 1, day=28)

    @property
    def illustrative(self) -> bool:
        """Priced with an illustrative (demo) table: the bundled one or one loaded as such."""
        return self.rate_table_id is None or self.rate_table.illustrative

    def options(self) -> dict:
        return {k: getattr(self, k) for k in
                ("driver_scope", "driver_age", "vehicle", "deductible", "purpose", "mileage")}

    @classmethod
    def live_for(cls, contract: Contract, term_start: dt.date) -> "Renewal | None":
        """The submitted, not cancelled renewal of this contract's term, if any."""
        return (cls
                .select()
                .where((cls.contract == contract)
                       & (cls.term_start == term_start)
                       & cls.cancelled_at.is_null())
                .first())

    @classmethod
    def live_by_contract(cls, contracts) -> dict:
        """{contract id: live renewal of its current term} for many contracts in one query."""
        contracts = list(contracts)
        if not contracts:
            return {}
        found = {}
        rows = cached_select(
            "live-renewals",
            lambda ids: cls.select().where(cls.contract.in_(ids) & cls.cancelled_at.is_null()),
            [c.id for c in contracts])
        ends = {c.id: c.insurance_end for c in contracts}
        for row in rows:
            if ends.get(row.contract_id) == row.term_start:
                found[row.contract_id] = row
        return found

    @classmethod
    def by_receipt(cls, receipt_number: str, contract: Contract) -> "Renewal | None":
        return cls.get_or_none((cls.receipt_number == receipt_number) & (cls.contract == contract))

    @classmethod
    def of_contract(cls, contract: Contract):
        return (cls.select().where(cls.contract == contract)
                .order_by(cls.submitted_at.desc(), cls.id.desc()))

    @classmethod
    def changed_since(cls, moment: dt.datetime):
        """Renewals submitted or cancelled at or after `moment` (naive UTC), oldest first."""
        return (cls.select(cls, Contract).join(Contract).where(cls.updated_at >= moment)
                .order_by(cls.updated_at, cls.id))


# Only one live renewal per contract and term; cancelled rows stay as history.
Renewal.add_index(
    Renewal.index(Renewal.contract, Renewal.term_start, unique=True, name="renewal_one_live_per_term")
    .where(Renewal.cancelled_at.is_null())
)


class ChangeRequest(BaseModel):
    """お客さま情報の変更 (住所・電話番号) asked by a member; the insurer applies it."""

    request_number = CharField(max_length=20, unique=True)
    member = ForeignKeyField(Member, null=True, backref="change_requests", on_delete="SET NULL")
    policy_numbers = JSONField()
    name = CharField(max_length=100)            # the contract holder, for the back office
    old_postal_code = CharField(max_length=8, default="")
    old_address = CharField(max_length=255, default="")
    old_phone = CharField(max_length=20, default="")
    new_postal_code = CharField(max_length=8, default="")   # '' = unchanged
    new_address = CharField(max_length=255, default="")
    new_phone = CharField(max_length=20, default="")
    created_at = DateTimeField(default=now, index=True)

    @classmethod
    def of_member(cls, member: Member):
        return (cls.select().where(cls.member == member)
                .order_by(cls.created_at.desc(), cls.id.desc()))

    @classmethod
    def made_since(cls, moment: dt.datetime):
        return (cls.select().where(cls.created_at >= moment)
                .order_by(cls.created_at, cls.id))
