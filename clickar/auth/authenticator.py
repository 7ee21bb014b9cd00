"""Optional authenticator app (TOTP, pyotp) with one-use recovery codes.

The TOTP secret is stored sealed with a key derived from SECRET_KEY; when a
member has one, it replaces the mailed one-time password. While the key is rotated
(CLICKAR_SECRET_KEY="NEW,OLD") secrets sealed with an old key still open;
`flask --app wsgi keys reseal` seals every one with the new key so the old can go.
"""
from __future__ import annotations

import base64
import hmac
import os
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from ..db import database
from ..models import Member, RecoveryCode, now, token_hash
from ..session import derived_keys

RECOVERY_CODES = 10


TOTP_PURPOSE = b"clickar-totp-v1"


def seal_secret(secret: str) -> str:
    nonce = os.urandom(12)
    key = derived_keys(current_app, TOTP_PURPOSE)[0]
    return base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, secret.encode(), b"totp")).decode()


def _unseal(sealed: str | None) -> tuple[str | None, int]:
    """(secret, index of the key that opened it: 0 = the newest), or (None, -1)."""
    if not sealed:
        return None, -1
    try:
        raw = base64.urlsafe_b64decode(sealed)
    except ValueError:
        return None, -1
    for n, key in enumerate(derived_keys(current_app, TOTP_PURPOSE)):
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], b"totp").decode(), n
        except (InvalidTag, ValueError):
            continue
    return None, -1


def unseal_secret(sealed: str | None) -> str | None:
    return _unseal(sealed)[0]


def reseal_all() -> tuple[int, int]:
    """Seal every stored secret with the newest key: (resealed, not openable with any key)."""
    resealed = lost = 0
    # read them all first: an open SQLite read turned into a write fails when another
    # connection (the mail thread) wrote meanwhile
    sealed = list(Member.select(Member.id, Member.totp_secret).where(Member.totp_secret.is_null(False)))
    for member in sealed:
        secret, n = _unseal(member.totp_secret)
        if secret is None:
            lost += 1
        elif n > 0:
            (Member.update(totp_secret=seal_secret(secret))
             .where((Member.id == member.id) & (Member.totp_secret == member.totp_secret)).execute())
            resealed += 1
    return resealed, lost


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    issuer = f"{current_app.config['INSURER_NAME']} マイページ"
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=4)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg"):]


def matching_step(secret: str, code: str) -> int | None:
    """The time step (30 s) whose code this is, allowing one step of clock drift either way."""
    totp = pyotp.TOTP(secret)
    current = int(time.time()) // totp.interval
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_step(member: Member, step: int) -> bool:
    """Each time step's code is accepted once (RFC 6238 §5.2): it must be later than the last one."""
    return (Member
            .update(totp_last_step=step)
            .where((Member.id == member.id)
                   & (Member.totp_last_step.is_null() | (Member.totp_last_step < step)))
            .execute()) == 1


def enable(member: Member, secret: str, code: str) -> list[str] | None:
    """Turn the app on when the code proves it is set up; returns the recovery codes (shown once).

    The code that turned the app on is spent: the next login needs a later one.
    """
    step = matching_step(secret, code)
    if step is None:
        return None
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    with database.atomic():
        RecoveryCode.delete().where(RecoveryCode.member == member).execute()
        for c in codes:
            RecoveryCode.create(member=member, code_hash=token_hash(f"{member.id}:{c}"))
        Member.update(totp_secret=seal_secret(secret), totp_last_step=step).where(Member.id == member.id).execute()
    return [f"{c[:4]}-{c[4:]}" for c in codes]


def disable(member: Member) -> None:
    with database.atomic():
        RecoveryCode.delete().where(RecoveryCode.member == member).execute()
        Member.update(totp_secret=None, totp_last_step=None).where(Member.id == member.id).execute()


def match(member: Member, code: str) -> tuple[str, int] | None:
    """('totp', time step) or ('recovery', recovery code row id) when the code is right and not
    yet used, else None. Writes nothing: use() spends it, in the transaction that signs the
    member in, so a sign-in lost half-way (the database gone: 503) leaves the code good for the
    person's second tap (a recovery code is not lost on a failure that was not theirs)."""
    secret = unseal_secret(member.totp_secret)
    digits = "".join(ch for ch in code if ch.isdigit())
    if secret and len(digits) == 6:
        step = matching_step(secret, digits)
        if step is None or (member.totp_last_step is not None and member.totp_last_step >= step):
            return None
        return "totp", step
    if len(digits) == 8:
        row = RecoveryCode.get_or_none((RecoveryCode.code_hash == token_hash(f"{member.id}:{digits}"))
                                       & RecoveryCode.used_at.is_null())
        if row is not None:
            return "recovery", row.id
    return None


def use(member: Member, proof: tuple[str, int]) -> bool:
    """Spend what match() found; False when another tap spent it first (only one can)."""
    how, value = proof
    if how == "totp":
        return _accept_step(member, value)
    return (RecoveryCode
            .update(used_at=now())
            .where((RecoveryCode.id == value) & (RecoveryCode.member == member)
                   & RecoveryCode.used_at.is_null())
            .execute()) == 1

