"""The registration wizard's rules: steps, the draft, transitions.

The draft lives in the (encrypted) session under DRAFT_KEY. It never holds a
plain password: the password is hashed the moment it is validated. Nothing
here touches `request`; views hand in the session mapping and form data.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import MutableMapping

from flask import current_app
from peewee import IntegrityError

from .. import identity, mail
from ..forms import BIRTH_PARTS
from ..wizard import Steps
from ..auth import limits
from ..auth.passwords import hash_password, verify_password
from ..db import database
from ..models import (
    Member,
    MemberContract,
    PendingRegistration,
    VerificationToken,
    now,
    token_hash,
)

DRAFT_KEY = "reg"
SCHEMA = 1
MAX_CONTRACTS = identity.MAX_CONTRACTS
LINK_LIFETIME = dt.timedelta(hours=24)
RESEND_COOLDOWN = dt.timedelta(seconds=60)

STEPS = ("terms", "info", "confirm", "sent")

# What the draft keeps of お客さま情報 (InfoForm.profile()): identity's fields, 年・月・日 as typed, the address.
PROFILE_FIELDS = identity.IDENTITY_FIELDS + BIRTH_PARTS + ("email",)

MISMATCH = identity.MISMATCH


class WizardError(Exception):
    """A transition refused; .message is what the customer reads."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ------------------------------------------------------------------ draft

def draft(store: MutableMapping) -> dict:
    """The current draft (read-only view; an empty dict when none or outdated)."""
    value = store.get(DRAFT_KEY)
    if not isinstance(value, dict) or value.get("v") != SCHEMA:
        return {}
    return value


def _save(store: MutableMapping, value: dict) -> None:
    store[DRAFT_KEY] = value
    if hasattr(store, "permanent"):
        store.permanent = True


FLOW = Steps(STEPS, {
    "terms": lambda d: bool(d.get("terms")),
    "info": lambda d: bool(d.get("info_ok")),
    "confirm": lambda d: bool(d.get("pending")),
})
first_unfinished = FLOW.first_unfinished  # the step a customer must do next
may_visit = FLOW.may_visit


def accept_terms(store: MutableMapping) -> None:
    d = dict(draft(store)) or {"v": SCHEMA, "id": secrets.token_urlsafe(16)}
    if d.get("pending"):  # a finished wizard starts over
        d = {"v": SCHEMA, "id": secrets.token_urlsafe(16)}
    d["terms"] = True
    _save(store, d)


def keep_typed(store: MutableMapping, profile: dict, policy_numbers: list[str],
               password: str | None = None) -> None:
    """Save what was typed without validating (追加 without JavaScript loses nothing)."""
    d = dict(draft(store))
    if not d:
        return
    d["info"] = {**{k: profile.get(k, "") for k in PROFILE_FIELDS}, "policy_numbers": policy_numbers}
    if password:
        d["pw"] = hash_password(password)
    d["info_ok"] = False
    _save(store, d)


def has_password(store: MutableMapping) -> bool:
    return bool(draft(store).get("pw"))


# ---------------------------------------------------------- identity check

def check_identity(profile: dict, policy_numbers: list[str], client_key: str | None = None) -> None:
    """identity.check for this draft. The mail address plays no part: a member's address goes
    on exactly like a free one (the mail sent at 確定 tells its owner they are a member already)."""
    try:
        identity.check(profile, policy_numbers, client_key)
    except identity.Mismatch:
        raise WizardError(MISMATCH) from None


def submit_info(store: MutableMapping, profile: dict, policy_numbers: list[str],
                password: str | None, client_key: str, also: list[tuple[str, str]] | tuple = ()) -> None:
    """次へ: the form is valid; check identity, hash the password, mark the step done.

    The limits are counted first, in one Redis round trip: `also` (the view's own route limit)
    with the identity check's. A refused post (auth.limits.Limited) changes nothing in the draft
    and hashes no password: argon2 runs only after every limit said yes."""
    identity.count(policy_numbers, client_key, also)
    keep_typed(store, profile, policy_numbers, password)
    try:
        identity.match(profile, policy_numbers)
    except identity.Mismatch:
        raise WizardError(MISMATCH) from None
    d = dict(draft(store))
    d["info_ok"] = True
    _save(store, d)


# ---------------------------------------------------------------- 確定

@dataclass
class Confirmed:
    registration: PendingRegistration
    token: str | None  # None when this wizard had already been confirmed


def confirm(store: MutableMapping, verify_url, client_key: str) -> Confirmed:
    """確定: re-check everything, then one transaction makes the 仮登録 and its mail."""
    d = draft(store)
    info = d.get("info") or {}
    existing = PendingRegistration.get_or_none(PendingRegistration.wizard_id == d.get("id", ""))
    if existing is not None:
        _mark_sent(store, existing)
        return Confirmed(existing, None)
    if not d.get("pw"):
        raise WizardError("パスワードを設定してください。")
    check_identity(info, info["policy_numbers"], client_key)
    try:
        confirmed = make_pending(d["id"], info["email"], d["pw"], info["policy_numbers"], verify_url)
    except IntegrityError:  # a double submit raced us: the other request made it
        registration = PendingRegistration.get(PendingRegistration.wizard_id == d["id"])
        _mark_sent(store, registration)
        return Confirmed(registration, None)
    _mark_sent(store, confirmed.registration)
    return confirmed


def make_pending(wizard_id: str, email: str, password_hash: str, policy_numbers: list[str],
                 verify_url, before_mail=None) -> Confirmed:
    """The 仮登録, its 本登録 link and mail in one transaction (IntegrityError: made already).
    before_mail() runs inside the transaction (an invitation letter is used up there)."""
    token = secrets.token_urlsafe(32)
    with database.atomic():
        registration = PendingRegistration.create(
            wizard_id=wizard_id,
            email=email.strip().lower(),
            password_hash=password_hash,
            policy_numbers=policy_numbers,
        )
        VerificationToken.create(
            registration=registration,
            token_hash=token_hash(token),
            expires_at=now() + LINK_LIFETIME,
        )
        if before_mail is not None:
            before_mail()
        outgoing = _verification_mail(registration, verify_url(token))
    mail.dispatch([outgoing])
    return Confirmed(registration, token)


def _verification_mail(registration: PendingRegistration, url: str):
    """The 本登録 link; to an address that is a member's already, a note saying so instead.

    The 仮登録 and its token are made either way, so the screens, 再送 and its
    limits behave the same; the token of a member's address is never sent.
    """
    return _registration_mail(registration, "verification",
                              f"【マイページ】仮登録受付のご連絡・本登録のお願い（{current_app.config['INSURER_NAME']}）",
                              url=url, hours=int(LINK_LIFETIME.total_seconds() // 3600))


def _supersede(registration: PendingRegistration) -> None:
    """Every link of this 仮登録 not yet used stops working."""
    (VerificationToken
     .update(superseded_at=now())
     .where((VerificationToken.registration == registration)
            & VerificationToken.used_at.is_null()
            & VerificationToken.superseded_at.is_null())
     .execute())


def _registration_mail(registration: PendingRegistration, template: str, subject: str, **ctx):
    """A mail with a link for this 仮登録; to a member's address, the already-member note instead
    (the link of a member's address is never sent)."""
    if Member.by_email(registration.email) is not None:
        return mail.queue(
            "already_member",
            registration.email,
            "【マイページ】会員登録のお申し込みについて（すでにご登録済みです）",
            "already_member",
        )
    return mail.queue(template, registration.email, subject, template, **ctx)


def _mark_sent(store: MutableMapping, registration: PendingRegistration) -> None:
    d = dict(draft(store))
    d["pending"] = registration.id
    d.pop("pw", None)  # the hash now lives in the database only
    _save(store, d)


def _latest_token(registration: PendingRegistration) -> VerificationToken | None:
    return (VerificationToken
            .select()
            .where(VerificationToken.registration == registration)
            .order_by(VerificationToken.created_at.desc())
            .first())


def resend_wait(store: MutableMapping) -> int:
    """Seconds until 確認メールを再送する works again (0: now); the button shows them."""
    registration = PendingRegistration.get_or_none(PendingRegistration.id == draft(store).get("pending"))
    latest = _latest_token(registration) if registration is not None else None
    return limits.seconds_left(latest.created_at if latest else None, RESEND_COOLDOWN, now())


def resend(store: MutableMapping, verify_url) -> str:
    """確認メールを再送する: new link, older links stop working. Returns a status word."""
    d = draft(store)
    registration = PendingRegistration.get_or_none(PendingRegistration.id == d.get("pending"))
    if registration is None or registration.completed_at:
        return "done"
    if resend_wait(store):
        return "wait"
    if not limits.allowed("resend-daily", str(registration.id)):
        return "cap"
    limits.hit("resend-daily", str(registration.id))
    token = secrets.token_urlsafe(32)
    with database.atomic():
        _supersede(registration)
        VerificationToken.create(registration=registration, token_hash=token_hash(token),
                                 expires_at=now() + LINK_LIFETIME)
        outgoing = _verification_mail(registration, verify_url(token))
    mail.dispatch([outgoing])
    return "sent"


def change_email(store: MutableMapping, email: str, verify_url) -> str:
    """メールアドレスを修正する at 仮登録受付: the 仮登録 takes the corrected address, every
    older link ends, a new one goes to the new address. 'sent', 'cap' or 'done'.

    It counts against the same daily cap as 確認メールを再送する."""
    d = draft(store)
    registration = PendingRegistration.get_or_none(PendingRegistration.id == d.get("pending"))
    if registration is None or registration.completed_at:
        return "done"
    if not limits.allowed_once("resend-daily", str(registration.id)):
        return "cap"
    token = secrets.token_urlsafe(32)
    with database.atomic():
        registration.email = email
        registration.save()
        _supersede(registration)
        VerificationToken.create(registration=registration, token_hash=token_hash(token),
                                 expires_at=now() + LINK_LIFETIME)
        outgoing = _verification_mail(registration, verify_url(token))
    mail.dispatch([outgoing])
    d = dict(d)
    d["info"] = {**d.get("info", {}), "email": email}
    _save(store, d)
    return "sent"


# ---------------------------------------------------------------- 本登録

# A new-password link (本登録でパスワードを忘れた場合) is a VerificationToken hashed
# under this prefix: a 本登録 link never opens the new-password page, nor the reverse.
NEW_PASSWORD = "new-password:"


def link_state(token: str, kind: str = "") -> tuple[str, VerificationToken | None]:
    """'ok', 'used' (無効) or 'expired' (有効期限), and the token row. kind: "" or NEW_PASSWORD."""
    row = VerificationToken.by_token(kind + token) if token else None
    if row is None:
        return "used", None
    return row.state(), row


def forgot_password(token: str, new_password_url) -> str:
    """本登録 with the step-5 password forgotten: mail a new-password link to the address
    of this 仮登録 (never elsewhere), and end the 本登録 link. 'sent', 'cap' or 'used'."""
    state, row = link_state(token)
    if state != "ok":
        return "used"
    registration = row.registration
    if not limits.allowed_once("resend-daily", str(registration.id)):
        return "cap"
    fresh = secrets.token_urlsafe(32)
    with database.atomic():
        _supersede(registration)
        VerificationToken.create(registration=registration, token_hash=token_hash(NEW_PASSWORD + fresh),
                                 expires_at=now() + LINK_LIFETIME)
        outgoing = _registration_mail(
            registration, "new_password", "【マイページ】本登録のパスワード設定のご案内",
            url=new_password_url(fresh), hours=int(LINK_LIFETIME.total_seconds() // 3600))
    mail.dispatch([outgoing])
    return "sent"


def complete(token: str, password: str, insurer_name: str, kind: str = "") -> Member:
    """本登録: the password from step 5 turns the 仮登録 into a member, in one transaction.

    Through a new-password link (kind NEW_PASSWORD) the password given is the new one."""
    state, row = link_state(token, kind)
    if state != "ok":
        raise WizardError("このURLは無効です。" if state == "used" else "このURLは有効期限が切れています。")
    registration = row.registration
    if kind == NEW_PASSWORD:
        registration.password_hash = hash_password(password)
    else:
        limits.hit("verify-password", str(registration.id))  # a leaked link: a few guesses a day (429)
        if not verify_password(registration.password_hash, password):
            raise WizardError("パスワードが正しくありません。入力内容をご確認ください。")
    contracts = list(registration.contracts())
    try:
        with database.atomic():
            claimed = (VerificationToken
                       .update(used_at=now())
                       .where((VerificationToken.id == row.id) & VerificationToken.used_at.is_null())
                       .execute())
            if claimed != 1:
                raise WizardError("このURLは無効です。")
            member = Member.create(email=registration.email, password_hash=registration.password_hash)
            for contract in contracts:
                MemberContract.create(member=member, contract=contract)
            registration.completed_at = now()
            registration.member = member
            registration.save()
            outgoing = mail.queue(
                "registered",
                member.email,
                f"マイページ会員登録完了のご連絡（{insurer_name}）",
                "registered",
                contracts=contracts,
            )
    except IntegrityError:
        # The mail address or a contract was registered by someone else meanwhile.
        raise WizardError("このURLではご登録を完了できません。お手数ですが、はじめからご登録ください。")
    mail.dispatch([outgoing])
    return member


def finish(store: MutableMapping) -> None:
    store.pop(DRAFT_KEY, None)
