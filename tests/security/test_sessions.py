"""Session theft, fixation, tampering, replay; trusted-device cookies; links and codes."""
from __future__ import annotations

import datetime as dt
import re
import time

from demo_people import HANAKO, PERSON

SESSION = "__Host-clickar_session"
DEVICE = "__Host-clickar_device"


def text(r) -> str:
    return r.get_data(as_text=True)


def test_session_fixation_a_planted_cookie_does_not_become_a_login(actions, client):
    actions.register()
    actions.post("/mypage/logout")
    client.get("/mypage/login?next=/mypage/")
    planted = client.get_cookie(SESSION).value
    client.set_cookie(SESSION, planted)
    actions.login()
    actions.post("/mypage/login/otp", {"code": actions.otp_code()})
    after = client.get_cookie(SESSION).value
    assert after != planted
    client.set_cookie(SESSION, planted)
    assert client.get("/mypage/").status_code == 303


def test_logout_invalidates_a_copied_session_server_side(actions, client):
    actions.register()
    copy = client.get_cookie(SESSION).value
    actions.post("/mypage/logout")
    client.set_cookie(SESSION, copy)
    assert client.get("/mypage/").status_code == 303


def test_password_change_ends_other_sessions_and_devices(actions, client, app):
    from clickar.models import TrustedDevice

    actions.register(trust=True)
    other_browser = client.get_cookie(SESSION).value
    response = actions.post("/mypage/settings/password", {
        "current": PERSON["password"], "password": "NewPass2027", "password_confirm": "NewPass2027"})
    assert response.status_code == 303
    assert client.get("/mypage/").status_code == 200  # this browser stays signed in
    client.set_cookie(SESSION, other_browser)
    assert client.get("/mypage/").status_code == 303
    with app.app_context():
        assert TrustedDevice.select().where(TrustedDevice.revoked_at.is_null()).count() == 0


def test_reset_link_sets_a_new_password_and_ends_every_session(actions, client, mailbox, app):
    from clickar.models import TrustedDevice

    actions.register(trust=True)
    stolen = client.get_cookie(SESSION).value
    actions.post("/mypage/logout")
    actions.post("/mypage/password/forgot", {"email": PERSON["email"]})
    path = re.search(r"http://localhost(/mypage/password/reset/\S+)", mailbox.last_body(PERSON["email"], "再設定")).group(1)
    assert "パスワードの再設定" in text(client.get(path))
    response = actions.post(path, {"password": "Reset2027x", "password_confirm": "Reset2027x"})
    assert response.headers["Location"].endswith("/mypage/login?reset=1")
    assert actions.login().status_code == 422
    assert actions.login(password="Reset2027x").status_code == 303
    client.set_cookie(SESSION, stolen)
    assert client.get("/mypage/").status_code == 303
    with app.app_context():
        assert TrustedDevice.select().where(TrustedDevice.revoked_at.is_null()).count() == 0


def test_reset_link_works_once(actions, client, mailbox):
    actions.register()
    actions.post("/mypage/logout")
    actions.post("/mypage/password/forgot", {"email": PERSON["email"]})
    path = re.search(r"http://localhost(/mypage/password/reset/\S+)", mailbox.last_body(PERSON["email"], "再設定")).group(1)
    actions.post(path, {"password": "Reset2027x", "password_confirm": "Reset2027x"})
    again = actions.post(path, {"password": "Again2027x", "password_confirm": "Again2027x"})
    assert again.status_code == 404 and "無効" in text(again)


def test_reset_link_expires_after_an_hour(actions, client, mailbox, app):
    from clickar.models import AccountToken, now

    actions.register()
    actions.post("/mypage/logout")
    actions.post("/mypage/password/forgot", {"email": PERSON["email"]})
    path = re.search(r"http://localhost(/mypage/password/reset/\S+)", mailbox.last_body(PERSON["email"], "再設定")).group(1)
    with app.app_context():
        AccountToken.update(expires_at=now() - dt.timedelta(seconds=1)).execute()
    assert client.get(path).status_code == 404


def test_stolen_trusted_device_cookie_does_not_skip_the_code_for_another_account(actions, client):
    actions.register(trust=True)
    device = client.get_cookie(DEVICE).value
    actions.post("/mypage/logout")
    actions.register(HANAKO)
    actions.post("/mypage/logout")
    client.set_cookie(DEVICE, device)
    assert actions.login(HANAKO["email"], HANAKO["password"]).headers["Location"].endswith("/otp")


def test_revoked_trusted_device_asks_for_the_code_again(actions, client):
    actions.register(trust=True)
    page = text(client.get("/mypage/settings/devices"))
    assert "この端末" in page
    device_id = re.search(r"/mypage/settings/devices/(\d+)/revoke", page).group(1)
    assert actions.post(f"/mypage/settings/devices/{device_id}/revoke").status_code == 303
    assert "登録を解除しました" in text(client.get("/mypage/settings/devices?done=one"))
    actions.post("/mypage/logout")
    assert actions.login().headers["Location"].endswith("/mypage/login/otp")


def test_a_member_cannot_revoke_someone_elses_device(actions, client, app):
    from clickar.models import TrustedDevice

    actions.register(trust=True)
    with app.app_context():
        taro_device = TrustedDevice.select().first().id
    actions.post("/mypage/logout")
    client.delete_cookie(DEVICE)
    actions.register(HANAKO)
    assert actions.post(f"/mypage/settings/devices/{taro_device}/revoke").status_code == 404
    with app.app_context():
        assert TrustedDevice.get_by_id(taro_device).revoked_at is None


def test_device_cookie_flags(actions, client):
    response = actions.register(trust=True)
    header = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(DEVICE)][0]
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"):
        assert flag in header
    assert "Domain" not in header


def test_session_cookie_sealed_with_another_key_is_ignored(actions, client):
    from clickar.session import COOKIE_NAME, derive_key, seal

    forged = seal(derive_key("attacker-key"), {"_user_id": "1:1"}, COOKIE_NAME.encode())
    actions.register()
    client.set_cookie(SESSION, forged)
    assert client.get("/mypage/").status_code == 303


def test_session_cookie_older_than_its_lifetime_is_ignored(actions, client, app):
    from clickar.session import COOKIE_NAME, derive_key, unseal

    actions.register()
    value = client.get_cookie(SESSION).value
    key = derive_key(app.secret_key)
    assert unseal(key, value, COOKIE_NAME.encode(), max_age=3600) is not None
    assert unseal(key, value, COOKIE_NAME.encode(), max_age=-1) is None


def test_session_cookie_for_another_purpose_is_ignored(actions, client, app):
    from clickar.session import derive_key, seal

    actions.register()
    other = seal(derive_key(app.secret_key), {"_user_id": "1:1"}, b"some-other-cookie")
    client.set_cookie(SESSION, other)
    assert client.get("/mypage/").status_code == 303


def test_one_time_password_of_another_browser_attempt_is_useless(actions, client, app):
    code = actions.registered_and_asked_for_a_code()
    other = app.test_client()
    other.get("/mypage/register/")
    from registration_actions import RegistrationActions

    stranger = RegistrationActions(other, actions.mailbox)
    response = stranger.post("/mypage/login/otp", {"code": code})
    assert response.headers["Location"].endswith("/mypage/login")
    assert other.get("/mypage/").status_code == 303


def test_mail_change_confirms_at_the_new_address_and_tells_the_old(actions, client, mailbox):
    actions.register(trust=True)
    response = actions.post("/mypage/settings/email", {"email": "new.taro@example.jp", "current": PERSON["password"]})
    assert response.headers["Location"].endswith("/mypage/settings/email/sent")
    assert mailbox.wait_for(PERSON["email"], "メールアドレス変更のお申し出")
    path = re.search(r"http://localhost(/mypage/settings/email/confirm/\S+)",
                     mailbox.last_body("new.taro@example.jp", "メールアドレス変更のご確認")).group(1)
    assert "new.taro@example.jp" in text(client.get(path))
    assert actions.post(path).headers["Location"].endswith("/mypage/login?email_changed=1")
    assert mailbox.wait_for(PERSON["email"], "メールアドレスが変更されました")
    assert actions.login().status_code == 422
    response = actions.login(email="new.taro@example.jp")
    assert response.headers["Location"].endswith("/otp")  # devices were revoked by the change


def test_mail_change_to_a_members_address_reveals_nothing(actions, client, mailbox, outbox):
    actions.register(HANAKO)
    actions.post("/mypage/logout")
    actions.register()
    response = actions.post("/mypage/settings/email", {"email": HANAKO["email"], "current": PERSON["password"]})
    assert response.headers["Location"].endswith("/mypage/settings/email/sent")
    assert outbox(HANAKO["email"], "メールアドレス変更のご確認") == 0


def test_mail_change_needs_the_current_password(actions, client):
    actions.register()
    response = actions.post("/mypage/settings/email", {"email": "x@example.jp", "current": "Wrong12345"})
    assert response.status_code == 422 and "現在のパスワードが正しくありません。" in text(response)


def test_login_history_shows_sign_ins_and_security_events(actions, client):
    actions.register(trust=True)
    actions.post("/mypage/logout")
    actions.login(password="WrongPass1")
    actions.login()
    page = text(client.get("/mypage/settings/history"))
    for label in ("会員登録", "信頼できる端末の登録", "ログアウト", "ログイン失敗（パスワード誤り）", "ログイン"):
        assert label in page
    assert "127.0.0.0/24" in page and "127.0.0.1" not in page.replace("127.0.0.0/24", "")


def test_authenticator_app_replaces_the_mailed_code_and_recovery_codes_work_once(actions, client, mailbox, outbox):
    import pyotp

    actions.register()
    page = text(client.get("/mypage/settings/authenticator"))
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page
    enabled_at = time.time()
    response = actions.post("/mypage/settings/authenticator",
                            {"code": pyotp.TOTP(secret).at(enabled_at), "current": PERSON["password"]})
    codes = re.findall(r"<code>(\d{4}-\d{4})</code>", text(response))
    assert len(codes) == 10
    actions.post("/mypage/logout")
    mailbox.clear()
    actions.login()
    # the code that turned the app on is spent (RFC 6238 §5.2): the login takes the next one
    assert actions.post("/mypage/login/otp", {"code": pyotp.TOTP(secret).at(enabled_at + 30)}).status_code == 303
    assert outbox(PERSON["email"], "認証アプリを設定しました") == 1
    assert outbox(PERSON["email"], "ワンタイムパスワード") == 0  # the outbox is written with the login itself
    actions.post("/mypage/logout")
    actions.login()
    assert actions.post("/mypage/login/otp", {"code": codes[0]}).status_code == 303
    actions.post("/mypage/logout")
    actions.login()
    assert actions.post("/mypage/login/otp", {"code": codes[0]}).status_code == 422  # used once only


def test_authenticator_secret_is_not_stored_in_clear(actions, client, app):
    import pyotp

    from clickar.models import Member

    actions.register()
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', text(client.get("/mypage/settings/authenticator"))).group(1)
    actions.post("/mypage/settings/authenticator", {"code": pyotp.TOTP(secret).now(), "current": PERSON["password"]})
    with app.app_context():
        stored = Member.by_email(PERSON["email"]).totp_secret
    assert stored and secret not in stored
