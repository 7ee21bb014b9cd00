"""All peewee models, one module per area. Queries are methods named for the question they answer.

    base.py          BaseModel, JSONField, now() (the one clock, naive UTC), token_hash()
    contracts.py     Contract
    accounts.py      Member, MemberContract, TrustedDevice, OneTimePassword, LoginEvent,
                     AccountToken, LoginLock, RecoveryCode
    registration.py  PendingRegistration, VerificationToken
    mail.py          OutboxMail
    flyers.py        Staff, StaffToken, StaffAudit, Campaign, Visit, FunnelEvent
    renewal.py       Group, ContractConditions, RateTable, Renewal, ChangeRequest
    help.py          ChatLog, ChatExample
    invitations.py   InvitationBatch, Invitation
    reminders.py     ReminderLog, ReminderOptOut

`from clickar.models import X` works for every name below.
"""
from __future__ import annotations

from .accounts import (AccountToken, LoginEvent, LoginLock, Member, MemberContract, OneTimePassword,
                       RecoveryCode, TrustedDevice)
from .base import BaseModel, JSONField, now, token_hash
from .contracts import Contract
from .flyers import Campaign, FunnelEvent, Staff, StaffAudit, StaffToken, Visit
from .help import ChatExample, ChatLog
from .invitations import Invitation, InvitationBatch
from .mail import OutboxMail
from .registration import PendingRegistration, VerificationToken
from .reminders import ReminderLog, ReminderOptOut
from .renewal import ChangeRequest, ContractConditions, Group, RateTable, Renewal

ALL_MODELS = [
    Contract, Member, MemberContract, PendingRegistration, VerificationToken,
    TrustedDevice, OneTimePassword, LoginEvent, AccountToken, LoginLock, RecoveryCode, OutboxMail,
]

__all__ = [
    "ALL_MODELS", "AccountToken", "BaseModel", "Campaign", "ChangeRequest", "ChatExample", "ChatLog", "Contract",
    "ContractConditions", "FunnelEvent", "Group", "Invitation", "InvitationBatch", "JSONField", "LoginEvent", "LoginLock", "Member", "MemberContract",
    "OneTimePassword", "OutboxMail", "PendingRegistration", "RateTable", "RecoveryCode", "ReminderLog", "ReminderOptOut", "Renewal", "Staff", "StaffAudit", "StaffToken",
    "TrustedDevice", "VerificationToken", "Visit", "now", "token_hash",
]
