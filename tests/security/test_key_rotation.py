"""Issue 18 #16: CLICKAR_SECRET_KEY="NEW,OLD" rotates the key without breaking what is in flight.

On main the list was taken as one literal key: every session ended, every form in an open
tab failed its CSRF check and every authenticator secret became unreadable.
"""
from __future__ import annotations

import re
import time

import pyotp
from registration_actions import RegistrationActions

from clickar import create_app
from clickar.auth import authenticator
from clickar.config import from_environ
from clickar.models import Member

from demo_people import PERSON

SESSION = "__Host-clickar_session"
NEW = "new-key-" + "n" * 40


def same_app_with_key(app, value: str, monkeypatch):
    """Another process of the same deployment, started with CLICKAR_SECRET_KEY=value."""
    monkeypatch.setenv("CLICKAR_SECRET_KEY", value)
    return create_app({k: app.config[k] for k in ("DATABASE_URL", "SMTP_URL", "BASE_URL",
                                                  "RATELIMIT_KEY_PREFIX")})


def test_the_variable_takes_a_list_newest_first():
    settings = from_environ({"CLICKAR_ENV": "testing", "CLICKAR_SECRET_KEY": " new-key , old-1,old-2 "})
    assert settings["SECRET_KEY"] == "new-key"
    assert settings["SECRET_KEY_FALLBACKS"] == ["old-1", "old-2"]
    assert from_environ({"CLICKAR_ENV": "testing", "CLICKAR_SECRET_KEY": "one"})["SECRET_KEY_FALLBACKS"] == []


def test_sessions_and_open_forms_survive_the_rotation(app, actions, client, monkeypatch):
    actions.register()  # signed in under the old key
    old_key = app.secret_key
    page = client.get("/mypage/settings/").get_data(as_text=True)
    form_token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    old_cookie = client.get_cookie(SESSION).value

    rotating = same_app_with_key(app, f"{NEW},{old_key}", monkeypatch).test_client()
    rotating.set_cookie(SESSION, old_cookie)
    assert rotating.get("/mypage/").status_code == 200  # still signed in
    moved = rotating.get_cookie(SESSION).value
    assert moved != old_cookie  # sealed again, with the new key

    done = same_app_with_key(app, NEW, monkeypatch).test_client()  # the old key dropped
    done.set_cookie(SESSION, moved)
    assert done.get("/mypage/").status_code == 200
    done.set_cookie(SESSION, old_cookie)
    assert done.get("/mypage/").status_code == 303  # a cookie only the old key opens is no session

    rotating.set_cookie(SESSION, old_cookie)  # a form rendered before the rotation still posts
    assert rotating.post("/mypage/logout", data={"csrf_token": form_token}).status_code == 303


def test_authenticator_secrets_survive_and_reseal_lets_the_old_key_go(app, actions, client, monkeypatch):
    actions.register()
    page = client.get("/mypage/settings/authenticator").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert actions.post("/mypage/settings/authenticator", {"code": pyotp.TOTP(secret).now(), "current": PERSON["password"]}).status_code == 200
    old_key = app.secret_key

    def stored_secret(some_app):
        with some_app.app_context():
            return authenticator.unseal_secret(Member.by_email(PERSON["email"]).totp_secret)

    rotating = same_app_with_key(app, f"{NEW},{old_key}", monkeypatch)
    assert stored_secret(rotating) == secret
    result = rotating.test_cli_runner().invoke(args=["keys", "reseal"])
    assert result.exit_code == 0 and "resealed 1 " in result.output
    done = same_app_with_key(app, NEW, monkeypatch)
    assert stored_secret(done) == secret
    assert stored_secret(same_app_with_key(app, old_key, monkeypatch)) is None  # sealed with NEW now


def test_reseal_says_when_a_secret_opens_with_no_key_given(app, actions, client, monkeypatch):
    actions.register()
    page = client.get("/mypage/settings/authenticator").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    actions.post("/mypage/settings/authenticator", {"code": pyotp.TOTP(secret).now(), "current": PERSON["password"]})
    wrong = same_app_with_key(app, NEW, monkeypatch)  # the old key forgotten too early
    result = wrong.test_cli_runner().invoke(args=["keys", "reseal"])
    assert result.exit_code == 1 and "1 could not be opened" in result.output


def test_a_login_after_the_rotation_uses_the_authenticator_app(app, actions, client, mailbox, outbox, monkeypatch):
    actions.register()
    page = client.get("/mypage/settings/authenticator").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    actions.post("/mypage/settings/authenticator", {"code": pyotp.TOTP(secret).now(), "current": PERSON["password"]})
    rotating = same_app_with_key(app, f"{NEW},{app.secret_key}", monkeypatch)
    other = RegistrationActions(rotating.test_client(), mailbox)
    mailbox.clear()
    assert other.login().status_code == 303
    assert outbox(PERSON["email"], "ワンタイムパスワード") == 0
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # the next time step: never a replay
    assert other.post("/mypage/login/otp", {"code": next_code}).status_code == 303
    assert other.client.get("/mypage/").status_code == 200
