"""The outbox: mails written in the transaction that caused them, sent by the mail worker."""
from __future__ import annotations

from peewee import (
    CharField,
    DateTimeField,
    IntegerField,
    TextField,
)

from .base import BaseModel, JSONField, now

__all__ = ["OutboxMail"]


class OutboxMail(BaseModel):
    """A mail written in the same transaction as the change that caused it."""

    recipient = CharField(max_length=254)
    subject = CharField(max_length=255)
    body = TextField()
    kind = CharField(max_length=40, index=True)
    created_at = DateTimeField(default=now)
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True, index=True)
    attempts = IntegerField(default=0)
    last_error = TextField(default="")
    headers = JSONField(null=True)  # extra headers, e.g. List-Unsubscribe of reminders

    @classmethod
    def waiting(cls):
        return (cls
                .select()
                .where(cls.sent_at.is_null())
                .order_by(cls.id))
