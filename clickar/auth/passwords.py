"""Password rules and hashing (argon2id)."""
from __future__ import annotations

import os
import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if os.environ.get("CLICKAR_ENV") == "testing":
    # Still argon2id, with a smaller cost so the suite runs in minutes on two cores.
    _hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
else:
    _hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)

_ALLOWED = re.compile(r"[A-Za-z0-9]{8,32}")

# Verifying against this when an account does not exist keeps timing equal.
DUMMY_HASH = _hasher.hash("dummy-password-0")


def password_problem(password: str) -> str | None:
    """The Japanese message for a password that breaks the rules, or None."""
    if not password:
        return "パスワードを入力してください。"
    if any(unicodedata.east_asian_width(ch) in "FW" for ch in password):
        return "パスワードに全角文字は使えません。半角英数字で入力してください。"
    if not _ALLOWED.fullmatch(password):
        if len(password) < 8 or len(password) > 32:
            return "パスワードは8文字以上32文字以内の半角英数字で入力してください。"
        return "パスワードに使えるのは半角英字（大文字・小文字）と数字だけです。"
    if not (re.search(r"[A-Za-z]", password) and re.search(r"[0-9]", password)):
        return "パスワードは英字と数字をそれぞれ1文字以上含めてください。"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-shape check: unknown accounts are checked against a dummy hash."""
    try:
        return _hasher.verify(password_hash or DUMMY_HASH, password or "") and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
