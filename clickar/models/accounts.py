"""Members and how they sign in: links to contracts, trusted devices, one-time passwords,
login history, reset/mail-change tokens, login locks, recovery codes."""
from __future__ import annotations

import secrets

from peewee import (
    BigIntegerField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
)

from .base import BaseModel, cached_select, now, token_hash
from .contracts import Contract

__all__ = ["Member", "MemberContract", "TrustedDevice", "OneTimePassword", "LoginEvent", "AccountToken",
           "LoginLock", "RecoveryCode"]


def first_session_version() -> int:
    """Random, not 1: SQLite gives a withdrawn member's id to the next member, and a browser
    still holding the old `id:1` session must not open the new member's My Page."""
    return secrets.randbelow(2**30) + 1  # room to count up inside a 32-bit column


class Member(BaseModel):
    """A My Page member (本登録 done)."""

    email = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=255)
    session_version = IntegerField(default=first_session_version)
    created_at = DateTimeField(default=now)
    last_login_at = DateTimeField(null=True)
    totp_secret = CharField(max_length=255, null=True)  # sealed with the app key; set = authenticator app in use
    totp_last_step = BigIntegerField(null=True)  # last accepted authenticator time step: a code works once
    failed_codes = IntegerField(default=0)  # wrong one-time passwords in a row, across logins
    codes_locked_at = DateTimeField(null=True)  # set: no code is accepted until the password is reset

    @classmethod
    def by_email(cls, email: str) -> "Member | None":
        return cls.get_or_none(cls.email == email.strip().lower())

    def contracts(self):
        return (Contract
                .select()
                .join(MemberContract)
                .where(MemberContract.member == self)
                .order_by(Contract.insurance_start, Contract.policy_number))

    def trusted_devices(self):
        return (TrustedDevice
                .select()
                .where((TrustedDevice.member == self)
                       & TrustedDevice.revoked_at.is_null()
                       & (TrustedDevice.expires_at > now()))
                .order_by(TrustedDevice.created_at.desc()))

    def login_events(self, limit: int = 20):
        return (LoginEvent
                .select()
                .where(LoginEvent.member == self)
                .order_by(LoginEvent.created_at.desc(), LoginEvent.id.desc())
                .limit(limit))

    def uses_authenticator(self) -> bool:
        return bool(self.totp_secret)

    def contract_list(self) -> list:
        """contracts() as a list, read once per request: the member is loaded per request,
        and My Page top and the footer (primary_agency) both need them."""
        cached = self.__dict__.get("_contract_list")
        if cached is None:
            cached = self.__dict__["_contract_list"] = cached_select(
                "member-contracts", lambda ids: Member(id=ids[0]).contracts(), [self.id])
        return cached

    def primary_agency(self) -> tuple[str, str] | None:
        first = next(iter(self.contract_list()), None)
        return (first.agency_name, first.agency_phone) if first else None

    # Flask-Login
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class MemberContract(BaseModel):
    """Link member ↔ contract; a contract belongs to at most one member."""

    member = ForeignKeyField(Member, backref="links", on_delete="CASCADE")
    contract = ForeignKeyField(Contract, unique=True, on_delete="CASCADE")
    linked_at = DateTimeField(default=now)


# ---------------------------------------------------------------- login

class TrustedDevice(BaseModel):
    """A browser the member chose to trust: skips the one-time password (≤ 30 days)."""

    member = ForeignKeyField(Member, backref="devices", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    user_agent = CharField(max_length=255, default="")
    created_at = DateTimeField(default=now)
    last_used_at = DateTimeField(null=True)
    expires_at = DateTimeField()
    revoked_at = DateTimeField(null=True)

    @classmethod
    def valid_for(cls, member: Member, token: str | None) -> "TrustedDevice | None":
        if not token:
            return None
        return (member.trusted_devices()
                .where(TrustedDevice.token_hash == token_hash(token))
                .first())


class OneTimePassword(BaseModel):
    """A mailed 6-digit code bound to one login attempt."""

    member = ForeignKeyField(Member, on_delete="CASCADE")
    attempt_hash = CharField(max_length=64, unique=True)
    secret = CharField(max_length=64)
    created_at = DateTimeField(default=now)
    expires_at = DateTimeField()
    tries = IntegerField(default=0)
    used_at = DateTimeField(null=True)

    @classmethod
    def for_attempt(cls, attempt: str | None) -> "OneTimePassword | None":
        if not attempt:
            return None
        return cls.get_or_none(cls.attempt_hash == token_hash(attempt))


class LoginEvent(BaseModel):
    """ログイン履歴: sign-ins and security events the member can see."""

    member = ForeignKeyField(Member, backref="events", on_delete="CASCADE")
    kind = CharField(max_length=40)
    client = CharField(max_length=64, default="")  # anonymised address
    user_agent = CharField(max_length=255, default="")
    created_at = DateTimeField(default=now, index=True)


class AccountToken(BaseModel):
    """Password-reset and mail-change links; only the hash is stored."""

    member = ForeignKeyField(Member, on_delete="CASCADE")
    purpose = CharField(max_length=20)  # "reset" | "email"
    token_hash = CharField(max_length=64, unique=True)
    new_email = CharField(max_length=254, null=True)
    created_at = DateTimeField(default=now)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    @classmethod
    def live(cls, purpose: str, token: str) -> "AccountToken | None":
        """The unused, unexpired token of this purpose, or None."""
        return (cls
                .select()
                .where((cls.token_hash == token_hash(token or ""))
                       & (cls.purpose == purpose)
                       & cls.used_at.is_null()
                       & (cls.expires_at > now()))
                .first())

    def claim(self) -> bool:
        """Mark this link used; True only for the one caller that used it (double submits lose)."""
        return (AccountToken
                .update(used_at=now())
                .where((AccountToken.id == self.id) & AccountToken.used_at.is_null())
                .execute()) == 1


class LoginLock(BaseModel):
    """Wrong passwords of one account ("member:ID" / "staff:ID") from one client network.

    The lock is per network: someone guessing from one place cannot keep the
    owner out from another place (or from a trusted device).
    """

    account = CharField(max_length=40)
    network = CharField(max_length=64)
    failures = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    updated_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("account", "network"), True),)


class RecoveryCode(BaseModel):
    """One-use recovery codes for the authenticator app (hash only)."""

    member = ForeignKeyField(Member, on_delete="CASCADE")
    code_hash = CharField(max_length=64, unique=True)
    used_at = DateTimeField(null=True)
