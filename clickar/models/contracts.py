"""Contracts as the insurer loaded them (the ones members link and renew)."""
from __future__ import annotations

from peewee import (
    CharField,
    DateField,
    DateTimeField,
)

from ..db import database, execute_prepared
from .base import BaseModel, JSONField, now

__all__ = ["Contract"]

_IDENTITY_SQL: dict[tuple, str] = {}  # Contract.identity_check_rows: (database class, count) → SQL


class Contract(BaseModel):
    """A car-insurance contract as the insurer loaded it (the one to renew)."""

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
    match_form = JSONField()  # clickar.matching.contract_normal_form(), computed at import
    updated_at = DateTimeField(default=now)

    @classmethod
    def by_policy_number(cls, policy_number: str) -> "Contract | None":
        return cls.get_or_none(cls.policy_number == policy_number)

    @classmethod
    def _identity_query(cls, policy_numbers: list[str]):
        from peewee import JOIN

        from .accounts import MemberContract

        return (cls
                .select(cls.policy_number, cls.match_form, MemberContract.id)
                .join(MemberContract, JOIN.LEFT_OUTER)
                .where(cls.policy_number.in_(policy_numbers)))

    @classmethod
    def identity_check_rows(cls, policy_numbers: list[str]) -> list[tuple]:
        """(policy_number, match_form, link id or None) of these contracts.

        One round trip for 次へ/確定: the contracts and whether each is already linked.
        (The mail address plays no part: a member's address goes on like any other.)
        The statement is built by peewee once per database and count of numbers, then
        reused: building it cost more CPU than running it.
        """
        if not policy_numbers:
            return []
        key = (type(database.obj), len(policy_numbers))
        sql = _IDENTITY_SQL.get(key)
        if sql is None:
            marks = [f"\0number{i}" for i in range(len(policy_numbers))]
            sql, params = cls._identity_query(marks).sql()
            if params != marks:  # not the order we bind in: never cache it
                return list(cls._identity_query(policy_numbers).tuples())
            _IDENTITY_SQL[key] = sql
        to_python = cls.match_form.python_value
        cursor = execute_prepared(sql, policy_numbers)
        return [(number, to_python(form), link) for number, form, link in cursor.fetchall()]

    def is_linked(self) -> bool:
        from .accounts import MemberContract

        return (MemberContract
                .select()
                .where(MemberContract.contract == self)
                .exists())

    def as_row(self) -> dict:
        return {
            "policy_number": self.policy_number, "name": self.name, "name_kana": self.name_kana,
            "birth_date": self.birth_date.isoformat(), "postal_code": self.postal_code,
            "address": self.address, "phone": self.phone, "phone2": self.phone2,
        }
