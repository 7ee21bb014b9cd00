"""Issue 18 items 1–6: account takeover through old links, lockout abuse, code guessing,
authenticator replay, sensitive actions without the password, registration revealing members.

Every test here failed on main before the fixes (see the commit messages).
"""
from __future__ import annotations

import re
import threading
import time

import pyotp

from demo_people import PERSON

SESSION = "__Host-clickar_session"
DEVICE = "__Host-clickar_device"
ATTACKER_NET = {"REMOTE_ADDR": "203.0.113.9"}
OWNER_NET = {"REMOTE_ADDR": "198.51.100.7"}


def text(r) -> str:
    return r.get_data(as_text=True)


def registered(actions, trust=False):
    actions.register(trust=trust)
    actions.post("/mypage/logout")


def sign_in(actions, count=1, **kwargs):
    assert actions.login(**kwargs).headers["Location"].endswith("/mypage/login/otp")
    response = actions.post("/mypage/login/otp", {"code": actions.otp_code(count=count)})
    assert response.status_code == 303, text(response)
    return response


def mail_change_link(actions, mailbox, new_email="evil@example.net", password=PERSON["password"]) -> str:
    response = actions.post("/mypage/settings/email", {"email": new_email, "current": password})
    assert response.headers["Location"].endswith("/mypage/settings/email/sent")
    body = mailbox.last_body(new_email, "メールアドレス変更のご確認")
    return re.search(r"http://localhost(/mypage/settings/email/confirm/\S+)", body).group(1)


def reset_link(actions, mailbox, count=1) -> str:
    actions.post("/mypage/password/forgot", {"email": PERSON["email"]})
    mails = mailbox.wait_for(PERSON["email"], "パスワード再設定のご案内", count=count)
    body = mails[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/mypage/password/reset/\S+)", body).group(1)


def member(app):
    from clickar.models import Member

    with app.app_context():
        return Member.by_email(PERSON["email"])


# ------------------------------------------- 1. pending mail change vs. password

def test_a_password_change_ends_a_pending_mail_change(actions, client, mailbox, app):
    actions.register()
    stolen_link = mail_change_link(actions, mailbox)
    response = actions.post("/mypage/settings/password", {
        "current": PERSON["password"], "password": "NewPass2027", "password_confirm": "NewPass2027"})
    assert response.status_code == 303
    page = client.get(stolen_link)
    assert page.status_code == 404 and "このURLは無効です" in text(page)
    assert actions.post(stolen_link).status_code == 404
    assert member(app).email == PERSON["email"]


def test_a_password_reset_ends_a_pending_mail_change(actions, client, mailbox, app):
    actions.register()
    stolen_link = mail_change_link(actions, mailbox)
    actions.post("/mypage/logout")
    path = reset_link(actions, mailbox)
    assert actions.post(path, {"password": "Reset2027x", "password_confirm": "Reset2027x"}).status_code == 303
    mailbox.clear()
    sign_in(actions, password="Reset2027x")
    assert actions.post(stolen_link).status_code == 404
    assert member(app).email == PERSON["email"]


def test_a_new_mail_change_request_ends_older_mail_change_and_reset_links(actions, client, mailbox, app):
    actions.register()
    older = mail_change_link(actions, mailbox, "first@example.jp")
    reset = reset_link(actions, mailbox)
    newer = mail_change_link(actions, mailbox, "second@example.jp")
    assert client.get(reset).status_code == 404
    assert client.get(older).status_code == 404
    assert "second@example.jp" in text(client.get(newer))
    assert actions.post(newer).headers["Location"].endswith("/mypage/login?email_changed=1")
    assert member(app) is None  # moved to second@example.jp


def test_a_completed_mail_change_ends_the_reset_links(actions, client, mailbox):
    actions.register()
    reset = reset_link(actions, mailbox)
    link = mail_change_link(actions, mailbox, "moved@example.jp")
    actions.post(link)
    assert client.get(reset).status_code == 404


def test_confirming_a_mail_change_needs_the_member_signed_in(actions, client, mailbox, app):
    actions.register()
    link = mail_change_link(actions, mailbox)
    actions.post("/mypage/logout")
    to_login = client.get(link).headers["Location"]
    assert to_login.endswith("/mypage/login?email_confirm=1")
    assert "メールアドレスの変更を完了するには、ログインしてください" in text(client.get(to_login))
    assert actions.post(link).headers["Location"].endswith("/mypage/login")
    assert member(app).email == PERSON["email"]
    # signing in brings the owner back to the same link, which then works
    assert sign_in(actions).headers["Location"] == link
    assert actions.post(link).headers["Location"].endswith("/mypage/login?email_changed=1")


def test_another_members_mail_change_link_does_nothing(actions, client, mailbox, app):
    from demo_people import HANAKO

    actions.register()
    link = mail_change_link(actions, mailbox)
    actions.post("/mypage/logout")
    actions.register(HANAKO)
    assert client.get(link).status_code == 404
    assert actions.post(link).status_code == 404
    assert member(app).email == PERSON["email"]


# ------------------------------------------------ 2. lockout per network

def lock_of(app):
    from clickar.models import LoginLock

    with app.app_context():
        return [(row.network, row.failures, row.locked_until) for row in LoginLock.select()]


def test_a_locked_network_neither_counts_nor_waits_longer(actions, app):
    registered(actions)
    for _ in range(5):
        actions.login(password="WrongPass1", environ_base=ATTACKER_NET)
    [(network, failures, until)] = lock_of(app)
    assert (network, failures) == ("203.0.113.9", 5) and until is not None
    for _ in range(10):
        assert actions.login(password="WrongPass1", environ_base=ATTACKER_NET).status_code == 422
    assert lock_of(app) == [(network, failures, until)]


def test_the_owner_signs_in_from_another_network_while_a_stranger_keeps_trying(actions, app):
    registered(actions)
    statuses = [actions.login(password=f"Wrong{i:05d}", environ_base=ATTACKER_NET).status_code for i in range(25)]
    assert 429 in statuses  # the stranger's network is slowed down ...
    response = actions.login(environ_base=OWNER_NET)  # ... the owner's is not
    assert response.headers["Location"].endswith("/mypage/login/otp")


def test_the_owner_on_a_trusted_device_signs_in_from_the_locked_network(actions, client, app, mailbox):
    registered(actions, trust=True)
    stranger = app.test_client()
    from registration_actions import RegistrationActions

    them = RegistrationActions(stranger, mailbox)
    for _ in range(8):
        them.login(password="WrongPass1")
    assert them.login().status_code == 422  # the right password from that network waits
    response = actions.login()  # same network, but this browser is trusted
    assert response.status_code == 303 and response.headers["Location"].endswith("/mypage/")
    assert client.get("/mypage/").status_code == 200


def test_a_trusted_browser_guessing_waits_on_its_own(actions, client, app, mailbox):
    registered(actions, trust=True)
    for _ in range(5):
        actions.login(password="WrongPass1")
    assert actions.login().status_code == 422  # the trusted browser itself now waits ...
    [(place, failures, _)] = lock_of(app)
    assert place.startswith("device:") and failures == 5
    from registration_actions import RegistrationActions

    other = RegistrationActions(app.test_client(), mailbox)  # ... the network does not
    assert other.login().headers["Location"].endswith("/mypage/login/otp")


def test_lockout_escalates_after_the_wait_and_ends(actions, app):
    import datetime as dt

    from clickar.models import LoginLock, now

    registered(actions)
    for _ in range(5):
        actions.login(password="WrongPass1")
    [(_, _, until)] = lock_of(app)
    with app.app_context():
        first = until - now()
        LoginLock.update(locked_until=now() - dt.timedelta(seconds=1)).execute()
    actions.login(password="WrongPass1")  # one more wrong after the wait: a longer wait
    [(_, failures, until)] = lock_of(app)
    with app.app_context():
        assert failures == 6 and until - now() > first + dt.timedelta(seconds=30)
        LoginLock.update(locked_until=now() - dt.timedelta(seconds=1)).execute()
    assert actions.login().status_code == 303  # the wait is over: the right password works
    assert lock_of(app) == []  # and the count starts again


# ------------------------------------------------ 3. one-time password guessing

def test_wrong_codes_across_logins_stop_code_entry_and_tell_the_member(actions, client, app, mailbox):
    registered(actions)
    for login in (1, 2):
        actions.login()
        code = actions.otp_code(count=login)
        wrong = [f"{n:06d}" for n in range(7) if f"{n:06d}" != code][:5]
        for guess in wrong:
            actions.post("/mypage/login/otp", {"code": guess})
    actions.login()
    response = actions.post("/mypage/login/otp", {"code": actions.otp_code(count=3)})
    assert response.status_code == 422 and "ログインを停止しました" in text(response)
    assert client.get("/mypage/").status_code == 303
    notice = mailbox.last_body(PERSON["email"], "ログインを停止しました")
    assert "/mypage/password/forgot" in notice
    # a new password starts again
    path = reset_link(actions, mailbox)
    actions.post(path, {"password": "Reset2027x", "password_confirm": "Reset2027x"})
    sign_in(actions, count=4, password="Reset2027x")


def test_parallel_guesses_get_no_more_than_five_tries(actions, client, app, mailbox):
    registered(actions)
    actions.login()
    code = actions.otp_code()
    csrf = actions.csrf("/mypage/login/otp")
    cookie = client.get_cookie(SESSION).value
    guesses = [f"{n:06d}" for n in range(40) if f"{n:06d}" != code][:30]
    results, gate = [], threading.Barrier(len(guesses))

    def guess(value):
        browser = app.test_client()
        browser.set_cookie(SESSION, cookie)
        gate.wait()
        results.append(browser.post("/mypage/login/otp", data={"code": value, "csrf_token": csrf}).status_code)

    threads = [threading.Thread(target=guess, args=(g,)) for g in guesses]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    from clickar.models import OneTimePassword

    with app.app_context():
        assert OneTimePassword.get().tries == 5  # every guess past the fifth was refused uncompared
    assert results == [422] * 30  # nobody got in
    assert client.get("/mypage/").status_code == 303


# ------------------------------------------------ 4. authenticator replay

def turn_on_authenticator(actions, client, at: float) -> str:
    page = text(client.get("/mypage/settings/authenticator"))
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    response = actions.post("/mypage/settings/authenticator",
                            {"code": pyotp.TOTP(secret).at(at), "current": PERSON["password"]})
    assert "認証アプリを設定しました" in text(response)
    return secret


def test_an_authenticator_code_is_accepted_once(actions, client, mailbox):
    actions.register()
    start = time.time()
    secret = turn_on_authenticator(actions, client, start)
    actions.post("/mypage/logout")
    actions.login()
    same = actions.post("/mypage/login/otp", {"code": pyotp.TOTP(secret).at(start)})
    assert same.status_code == 422  # the code that turned the app on is spent
    later = pyotp.TOTP(secret).at(start + 30)
    assert actions.post("/mypage/login/otp", {"code": later}).status_code == 303
    actions.post("/mypage/logout")
    actions.login()
    assert actions.post("/mypage/login/otp", {"code": later}).status_code == 422  # replayed


# ------------------------------------------------ 5. sensitive actions ask again

def test_turning_the_authenticator_on_needs_the_current_password(actions, client, app):
    actions.register()
    page = text(client.get("/mypage/settings/authenticator"))
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    missing = actions.post("/mypage/settings/authenticator", {"code": pyotp.TOTP(secret).now()})
    assert missing.status_code == 422 and "現在のパスワードを入力してください。" in text(missing)
    wrong = actions.post("/mypage/settings/authenticator",
                         {"code": pyotp.TOTP(secret).now(), "current": "WrongPass1"})
    assert wrong.status_code == 422 and "現在のパスワードが正しくありません。" in text(wrong)
    assert not member(app).uses_authenticator()


def test_turning_the_authenticator_on_and_off_is_told_by_mail(actions, client, mailbox):
    actions.register()
    turn_on_authenticator(actions, client, time.time())
    on = mailbox.last_body(PERSON["email"], "認証アプリを設定しました")
    assert "お心当たりのない場合" in on
    response = actions.post("/mypage/settings/authenticator/disable", {"current": PERSON["password"]})
    assert response.headers["Location"].endswith("/mypage/settings/?done=authenticator_off")
    assert mailbox.wait_for(PERSON["email"], "認証アプリの利用を解除しました")


def test_wrong_passwords_at_sensitive_actions_count_toward_the_lockout(actions, client, app):
    actions.register()
    wrong = "WrongPass1"
    actions.post("/mypage/settings/password", {"current": wrong, "password": "NewPass2027",
                                               "password_confirm": "NewPass2027"})
    actions.post("/mypage/settings/password", {"current": wrong, "password": "NewPass2027",
                                               "password_confirm": "NewPass2027"})
    actions.post("/mypage/settings/email", {"email": "evil@example.net", "current": wrong})
    actions.post("/mypage/withdraw", {"understood": "y", "password": wrong})
    client.get("/mypage/settings/authenticator")
    actions.post("/mypage/settings/authenticator", {"code": "123456", "current": wrong})
    # this network now waits: even the right password does nothing here
    response = actions.post("/mypage/withdraw", {"understood": "y", "password": PERSON["password"]})
    assert response.status_code == 422 and "パスワードが正しくありません。" in text(response)
    assert member(app) is not None
    actions.post("/mypage/logout")
    assert actions.login().status_code == 422
    assert actions.login(environ_base=OWNER_NET).headers["Location"].endswith("/otp")


def test_password_rechecks_are_rate_limited(actions):
    actions.register()
    statuses = [actions.post("/mypage/settings/email", {"email": "evil@example.net", "current": f"Wrong{i:05d}"},
                             environ_base={"REMOTE_ADDR": f"192.0.2.{i}"}).status_code for i in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429


# ------------------------------------------------ 6. registration and members' addresses

def test_registration_with_a_members_address_goes_on_like_a_free_one(actions, client, mailbox):
    from registration_actions import RegistrationActions

    registered(actions)
    mailbox.clear()
    # 山田 太郎 has a second contract, SJ24000102, not yet linked
    actions.agree_to_terms()
    taken = actions.enter_info(**{"policy_numbers-0": "SJ24000102"})
    other = RegistrationActions(actions.client.application.test_client(), mailbox)
    other.agree_to_terms()
    free = other.enter_info(email="free@example.jp", **{"policy_numbers-0": "SJ24000102"})
    assert taken.status_code == free.status_code == 303
    assert taken.headers["Location"] == free.headers["Location"]
    assert "確認" in text(client.get(taken.headers["Location"]))
    confirmed = actions.confirm()
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"] == other.confirm().headers["Location"]
    body = mailbox.last_body(PERSON["email"], "すでにご登録済み")
    assert "/mypage/login" in body and "/mypage/password/forgot" in body
    assert "/mypage/register/verify/" not in body
    assert "/mypage/register/verify/" in mailbox.last_body("free@example.jp", "仮登録")
