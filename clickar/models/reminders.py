"""更新のご案内: the reminder log and the members who opted out.

ReminderLog holds one row per member, contract, kind and term: the unique index
reminder_once is what keeps two concurrent runs (two workers, two hosts) from
mailing twice — a run inserts the row in the same transaction as the mail and
skips what another run already inserted. The row's token (hash only) is the
link in the mail; opened_at is set when it is followed.
"""
from __future__ import annotations

from peewee import CharField, DateField, DateTimeField, ForeignKeyField

from .accounts import Member
from .base import BaseModel, now
from .contracts import Contract

__all__ = ["ReminderLog", "ReminderOptOut"]


class ReminderLog(BaseModel):
    """One 更新のご案内 for one contract of one member (kind: opened/halfway/week/last)."""

    member = ForeignKeyField(Member, null=True, backref="reminders", on_delete="SET NULL")
    contract = ForeignKeyField(Contract, backref="reminders", on_delete="CASCADE")
    term_start = DateField()                    # the contract's 保険終期: the term being renewed
    kind = CharField(max_length=16)
    token_hash = CharField(max_length=64, unique=True)
    sent_at = DateTimeField(default=now, index=True)
    opened_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("member", "contract", "term_start", "kind"), True),)

    @classmethod
    def by_token(cls, token: str) -> "ReminderLog | None":
        from . import token_hash

        return cls.get_or_none(cls.token_hash == token_hash(token or ""))

    def mark_opened(self) -> None:
        (ReminderLog
         .update(opened_at=now())
         .where((ReminderLog.id == self.id) & ReminderLog.opened_at.is_null())
         .execute())


class ReminderOptOut(BaseModel):
    """A member who does not want 更新のご案内 (設定 or the one-click link)."""

    member = ForeignKeyField(Member, unique=True, backref="reminder_opt_out", on_delete="CASCADE")
    via = CharField(max_length=16)              # "settings" | "one-click"
    created_at = DateTimeField(default=now)

    @classmethod
    def has(cls, member_id: int) -> bool:
        return cls.select().where(cls.member == member_id).exists()
