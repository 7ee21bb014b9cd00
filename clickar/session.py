"""Session cookies that are signed AND encrypted (AES-256-GCM, an AEAD).

The cookie holds zlib-compressed JSON, sealed with a key derived from
SECRET_KEY by HKDF. Nothing in it is readable or changeable without the key;
a tampered, truncated or foreign cookie is treated as no session at all.

Key rotation (docs/SECURITY.md): CLICKAR_SECRET_KEY="NEW,OLD" makes SECRET_KEY the new
key and SECRET_KEY_FALLBACKS the old ones. Everything is sealed and signed with the new
key; a cookie sealed with an old one is still opened, and sealed again with the new one
in the same response, so sessions in flight move over as they are used.
"""
from __future__ import annotations

import base64
import json
import os
import time
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

COOKIE_NAME = "__Host-clickar_session"
VERSION = b"\x01"


class EncryptedSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, new=False):
        def on_update(self):
            self.modified = True
            self.accessed = True

        super().__init__(initial, on_update)
        self.new = new
        self.modified = False
        self.accessed = False
        self.loaded = json.dumps(initial or {})  # what the cookie held: rollback() returns to it

    def rollback(self) -> None:
        """Forget what this request changed: the cookie stays as the browser sent it.

        A request that fails half-way (a dependency gone, an unexpected error) rolled its
        database work back; a session already switched (a member signed in, a wizard step
        recorded) must not go out with the error page, or the browser's next tap finds a
        session that no longer matches its form (CSRF) or the database."""
        self.clear()
        self.update(json.loads(self.loaded))
        self.modified = False


def derive_key(secret: str | bytes, purpose: bytes = b"clickar-session-v1") -> bytes:
    if isinstance(secret, str):
        secret = secret.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def secret_keys(app) -> list[str]:
    """SECRET_KEY then SECRET_KEY_FALLBACKS: newest first."""
    return [app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or [])]


def signing_keys(app) -> list[str]:
    """The same keys oldest first, as itsdangerous wants them (it signs with the last)."""
    return list(reversed(secret_keys(app)))


def derived_keys(app, purpose: bytes = b"clickar-session-v1") -> list[bytes]:
    """One derived key per secret key, newest first (kept per app: HKDF is not free)."""
    cache = app.extensions.setdefault("derived_keys", {})
    sources = tuple(secret_keys(app))
    found = cache.get(purpose)
    if found is None or found[0] != sources:
        found = cache[purpose] = (sources, [derive_key(secret, purpose) for secret in sources])
    return found[1]


def seal(key: bytes, data: dict, aad: bytes) -> str:
    payload = {"d": data, "t": int(time.time())}
    plain = zlib.compress(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    nonce = os.urandom(12)
    box = VERSION + nonce + AESGCM(key).encrypt(nonce, plain, aad)
    return base64.urlsafe_b64encode(box).rstrip(b"=").decode()


def unseal(key: bytes, value: str, aad: bytes, max_age: int) -> dict | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        if raw[:1] != VERSION or len(raw) < 1 + 12 + 16:
            return None
        plain = AESGCM(key).decrypt(raw[1:13], raw[13:], aad)
        payload = json.loads(zlib.decompress(plain))
    except (InvalidTag, ValueError, zlib.error, TypeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("d"), dict):
        return None
    if time.time() - payload.get("t", 0) > max_age:
        return None
    return payload["d"]


class EncryptedCookieSessionInterface(SessionInterface):
    """Flask SessionInterface storing the whole session in one sealed cookie."""

    def _key(self, app):
        return derived_keys(app)[0]

    def get_cookie_name(self, app):
        return COOKIE_NAME

    def open_session(self, app, request):
        value = request.cookies.get(COOKIE_NAME)
        if not value or len(value) > 8192:
            return EncryptedSession(new=True)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        for n, key in enumerate(derived_keys(app)):
            data = unseal(key, value, COOKIE_NAME.encode(), max_age)
            if data is not None:
                opened = EncryptedSession(data)
                opened.modified = n > 0  # sealed with an old key: seal it again with the new one
                return opened
        return EncryptedSession(new=True)

    def save_session(self, app, session, response):
        if request.endpoint == "static":  # cacheable files: no Set-Cookie, no Vary: Cookie
            return
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:
                response.delete_cookie(COOKIE_NAME, path="/", secure=True, httponly=True, samesite="Lax")
            return
        if not (session.modified or session.permanent):
            return
        value = seal(self._key(app), dict(session), COOKIE_NAME.encode())
        response.set_cookie(
            COOKIE_NAME,
            value,
            max_age=int(app.permanent_session_lifetime.total_seconds()),
            path="/",
            secure=True,
            httponly=True,
            samesite="Lax",
        )
