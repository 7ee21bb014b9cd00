"""Registration in progress: the 仮登録 and its verification links."""
from __future__ import annotations

from peewee import (
    CharField,
    DateTimeField,
    ForeignKeyField,
)

from .accounts import Member
from .base import BaseModel, JSONField, now, token_hash
from .contracts import Contract

__all__ = ["PendingRegistration", "VerificationToken"]


class PendingRegistration(BaseModel):
    """仮登録: made at 確定, completed by the mail's link within 24 h."""

    wizard_id = CharField(max_length=64, unique=True)  # one row per wizard: double 確定 is harmless
    email = CharField(max_length=254, index=True)
    password_hash = CharField(max_length=255)
    policy_numbers = JSONField()
    created_at = DateTimeField(default=now)
    completed_at = DateTimeField(null=True)
    member = ForeignKeyField(Member, null=True, on_delete="SET NULL")

    def contracts(self):
        return (Contract
                .select()
                .where(Contract.policy_number.in_(self.policy_numbers))
                .order_by(Contract.policy_number))


class VerificationToken(BaseModel):
    """本登録 link token; only its hash is stored."""

    registration = ForeignKeyField(PendingRegistration, backref="tokens", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=now)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    superseded_at = DateTimeField(null=True)

    @classmethod
    def by_token(cls, token: str) -> "VerificationToken | None":
        return cls.get_or_none(cls.token_hash == token_hash(token))

    def state(self) -> str:
        """'ok', 'used' (or superseded) or 'expired'."""
        if self.used_at or self.superseded_at or self.registration.completed_at:
            return "used"
        if self.expires_at <= now():
            return "expired"
        return "ok"
