"""All peewee models. Queries are methods named for the question they answer."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    fn,
)

from ..db import database


def now() -> dt.datetime:
    """Naive UTC, the one clock every table uses."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class JSONField(TextField):
    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


# ---------------------------------------------------------------- contracts

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
        cursor = database.execute_sql(sql, policy_numbers)
        return [(number, to_python(form), link) for number, form, link in cursor.fetchall()]

    def is_linked(self) -> bool:
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


# ------------------------------------------------------------------ members

class Member(BaseModel):
    """A My Page member (本登録 done)."""

    email = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=255)
    session_version = IntegerField(default=1)
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

    def primary_agency(self) -> tuple[str, str] | None:
        first = self.contracts().first()
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


# ------------------------------------------------------------- registration

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


# ------------------------------------------------------------------ mail

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


ALL_MODELS = [
    Contract, Member, MemberContract, PendingRegistration, VerificationToken,
    TrustedDevice, OneTimePassword, LoginEvent, AccountToken, LoginLock, RecoveryCode, OutboxMail,
]

# Feature areas keep their models in modules of this package; each is imported
# here so `from clickar.models import X` works for every model.
from .flyers import *  # noqa: E402,F401,F403
from .renewal import *  # noqa: E402,F401,F403
from .help import *  # noqa: E402,F401,F403
from .reminders import *  # noqa: E402,F401,F403
