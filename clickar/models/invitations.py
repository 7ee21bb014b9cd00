"""Personal invitation letters (issue 22): a batch of letters, one token per contract.

A token is never stored: only its SHA-256 (token_hash). Funnel steps are columns
of the invitation row (scanned_at, started_at); registered and renewed come from
the contract's own links, so no token ever reaches the funnel tables.
"""
from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from .base import BaseModel, now
from .contracts import Contract


class InvitationBatch(BaseModel):
    created_at = DateTimeField(default=now)
    created_by = CharField(max_length=254)  # the admin's mail address
    label = CharField(max_length=100)  # the group, or 証券番号リスト
    letters = IntegerField(default=0)
    skipped = IntegerField(default=0)  # contracts already registered (or unknown numbers)
    revoked_at = DateTimeField(null=True)
    # Funnel counts of letters `purge` deleted after their renewal period (migration 0011).
    purged_scans = IntegerField(default=0)
    purged_started = IntegerField(default=0)
    purged_locked = IntegerField(default=0)
    purged_registered = IntegerField(default=0)
    purged_renewed = IntegerField(default=0)


class Invitation(BaseModel):
    batch = ForeignKeyField(InvitationBatch, backref="invitations", on_delete="CASCADE")
    contract = ForeignKeyField(Contract, on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField()  # the end of the contract's renewal period
    revoked_at = DateTimeField(null=True)
    used_at = DateTimeField(null=True)  # 仮登録 made with it: single use
    locked_at = DateTimeField(null=True)  # 5 wrong birth dates
    failures = IntegerField(default=0)
    scanned_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)
