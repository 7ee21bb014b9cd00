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

# A member's password, the one home of its rule: the checks below, the form hint
# (templates/_macros.html new_password_fields) and the terms' 第3条 (registration/_terms_text.html)
# read these (templates as password_rule.*, clickar.web). Staff passwords: staff/accounts.py.
MIN_PASSWORD, MAX_PASSWORD = 8, 32
_ALLOWED = re.compile(rf"[A-Za-z0-9]{{{MIN_PASSWORD},{MAX_PASSWORD}}}")
LENGTH_PROBLEM = f"パスワードは{MIN_PASSWORD}文字以上{MAX_PASSWORD}文字以内の半角英数字で入力してください。"
HINT = f"半角英数字{MIN_PASSWORD}〜{MAX_PASSWORD}文字（英字と数字をそれぞれ1文字以上）。"  # under 新しいパスワード
TERMS = f"半角英数字{MIN_PASSWORD}文字以上{MAX_PASSWORD}文字以内で、英字と数字をそれぞれ1文字以上含めて"  # 第3条

# Verifying against this when an account does not exist keeps timing equal.
DUMMY_HASH = _hasher.hash("dummy-password-0")


def password_problem(password: str) -> str | None:
    """The Japanese message for a password that breaks the rules, or None."""
    if not password:
        return "パスワードを入力してください。"
    if any(unicodedata.east_asian_width(ch) in "FW" for ch in password):
        return "パスワードに全角文字は使えません。半角英数字で入力してください。"
    if not _ALLOWED.fullmatch(password):
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            return LENGTH_PROBLEM
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
