"""Issue 19 items 3–5 and 7–10: where people stumbled at registration and login."""
from __future__ import annotations

import datetime as dt
import re

from demo_people import PERSON


def text(response) -> str:
    return response.get_data(as_text=True)


def backdate(app, model, seconds=61):
    """Let a cooldown pass: the latest row of `model` was made `seconds` earlier."""
    with app.app_context():
        for row in model.select():
            model.update(created_at=row.created_at - dt.timedelta(seconds=seconds)).where(model.id == row.id).execute()


# ---------------------------------------------------------------- 10 step numbers

def test_progress_bar_uses_the_flyers_step_numbers(actions, client):
    overview = text(client.get("/mypage/register/"))
    assert re.findall(r'class="flow__num">(\d+)<', overview) == ["4", "5", "6", "7", "8", "9", "10"]
    terms = text(client.get("/mypage/register/terms"))
    current = re.search(r'aria-current="step">\s*<span class="steps__num" aria-hidden="true">(\d+)</span>'
                        r'<span class="steps__label">([^<]+)<', terms)
    assert current.groups() == ("4", "会員規定")  # the flyer's "4 会員規定への同意", no longer "1"
    assert re.findall(r'class="steps__num" aria-hidden="true">(\d+)<', terms) == ["4", "5", "6", "7", "8", "9"]
    actions.agree_to_terms()
    info = text(client.get("/mypage/register/info"))
    assert re.search(r'aria-current="step">\s*<span class="steps__num" aria-hidden="true">5<', info)


# ---------------------------------------------------------------- 8 phone on 確認

def test_confirmation_shows_the_phone_normalised_like_kana_and_postal_code(actions, client):
    actions.agree_to_terms()
    response = actions.enter_info(phone="０３－１２３４－５６７８", postal_code="１６０－００２３")
    assert response.status_code == 303, text(response)
    page = text(client.get("/mypage/register/confirm"))
    assert "<dd>03-1234-5678</dd>" in page
    assert "０３" not in page
    assert "〒160-0023" in page


def test_phone_typed_without_hyphens_or_from_abroad_is_grouped(actions, client):
    from clickar.matching.phone import display_phone

    assert display_phone("0661234567") == "06-6123-4567"
    assert display_phone("+81 90 1234 5678") == "090-1234-5678"
    assert display_phone("(03)1234-5678") == "03-1234-5678"


# ------------------------------------------------------- 5 and 7 after a mismatch

def _mismatch_page(actions, **changes):
    actions.agree_to_terms()
    response = actions.enter_info(**changes)
    assert response.status_code == 422
    return text(response)


def test_a_mismatch_offers_login_forgotten_password_and_the_agency(actions):
    page = _mismatch_page(actions, phone="03-9999-9999")
    assert "入力された情報とご契約情報が一致しないため" in page
    assert 'href="/mypage/login">ログイン</a>' in page
    assert 'href="/mypage/password/forgot">パスワードをお忘れの方</a>' in page
    assert "取扱代理店" in page


def test_an_already_registered_contract_gets_exactly_the_same_page_as_a_typo(app, actions, client):
    actions.register()
    actions.post("/mypage/logout")
    fresh = app.test_client()
    from registration_actions import RegistrationActions

    other = RegistrationActions(fresh, None)
    other.agree_to_terms()
    registered = text(other.enter_info(email="new-address@example.jp"))
    wrong = _mismatch_page(actions, email="new-address@example.jp", phone="03-9999-9999")

    def help_block(page):
        return re.sub(r'value="[^"]*"', "", page[page.index("error-summary"):page.index("<form")])

    assert help_block(registered) == help_block(wrong)  # never says which case it was
    assert "パスワードをお忘れの方" in registered


def test_after_a_mismatch_the_kept_password_is_not_marked_required_and_blank_goes_on(actions, client):
    page = _mismatch_page(actions, phone="03-9999-9999")
    password_part = page[page.index('for="password"'):page.index('id="show-password-info"')]
    assert "必須" not in password_part
    assert "入力済みのパスワードを使う場合は空欄のままで構いません" in password_part
    response = actions.enter_info(password="", password_confirm="")
    assert response.status_code == 303
    assert actions.confirm().status_code == 303  # the kept password is really there


def test_before_any_password_is_kept_the_fields_stay_required(actions, client):
    actions.agree_to_terms()
    page = text(client.get("/mypage/register/info"))
    password_part = page[page.index('for="password"'):page.index('id="show-password-info"')]
    assert password_part.count("必須") == 2


# ------------------------------------------------------------ 9 resend cooldown

def test_resend_button_shows_its_cooldown_then_works(app, actions, client, mailbox):
    from clickar.models import VerificationToken

    actions.register_until_sent()
    page = text(client.get("/mypage/register/sent"))
    seconds = int(re.search(r'disabled aria-disabled="true"><span data-cooldown-text>確認メールを再送する（あと <span data-cooldown-seconds>(\d+)</span> 秒）', page).group(1))
    assert 55 <= seconds <= 60
    backdate(app, VerificationToken)
    page = text(client.get("/mypage/register/sent"))
    assert 'type="submit" data-cooldown="0" data-label="確認メールを再送する"><span data-cooldown-text>確認メールを再送する</span></button>' in page
    response = actions.post("/mypage/register/sent/resend")
    assert "確認メールを再送しました" in text(client.get(response.headers["Location"]))
    assert len(mailbox.wait_for("taro@example.jp", "仮登録", count=2)) == 2


# --------------------------------------------------- 4 one-time password: 再送, where

def _to_otp(actions):
    actions.register()
    actions.post("/mypage/logout")
    assert actions.login().status_code == 303


def test_otp_screen_says_where_the_code_went(actions, client):
    _to_otp(actions)
    page = text(client.get("/mypage/login/otp"))
    assert "t***@example.jp" in page
    assert "taro@example.jp" not in page
    assert "ワンタイムパスワードを再送する（あと" in page


def test_otp_resend_waits_for_its_cooldown_then_sends_a_new_code_and_ends_the_old(app, actions, client, outbox):
    from clickar.models import OneTimePassword

    _to_otp(actions)
    first = actions.otp_code()
    response = actions.post("/mypage/login/otp/resend")
    assert "送信済みです" in text(client.get(response.headers["Location"]))
    assert outbox("taro@example.jp", "ワンタイムパスワード") == 1
    backdate(app, OneTimePassword)
    response = actions.post("/mypage/login/otp/resend")
    assert "再送しました" in text(client.get(response.headers["Location"]))
    second = actions.otp_code(count=2)
    if first != second:
        assert actions.post("/mypage/login/otp", {"code": first}).status_code == 422
    response = actions.post("/mypage/login/otp", {"code": second})
    assert response.status_code == 303 and response.headers["Location"].endswith("/mypage/")


def test_otp_resend_keeps_the_wrong_tries_already_made(app, actions, client):
    from clickar.models import OneTimePassword

    _to_otp(actions)
    for _ in range(3):
        actions.post("/mypage/login/otp", {"code": "000000"})
    backdate(app, OneTimePassword)
    actions.post("/mypage/login/otp/resend")
    with app.app_context():
        assert OneTimePassword.select().first().tries >= 3  # a resend buys no new guesses


# ------------------------------------------- 3 本登録 with the password forgotten

def test_forgotten_password_at_verification_mails_a_new_password_link(actions, client, mailbox):
    path = actions.register_until_sent()
    page = text(client.get(path))
    assert "パスワードをお忘れの方" in page
    forgot = path + "/forgot"
    page = text(client.get(forgot))
    assert "t***@example.jp" in page and "taro@example.jp" not in page
    response = actions.post(forgot)
    assert "パスワード設定用のメールを送信しました" in text(response), re.findall(r'<p class="notice[^>]*>.*?</p>|<h1.*?</h1>', text(response), re.S)
    # the old 本登録 link ends: whoever holds it cannot use it any more
    assert actions.verify(path).status_code in (404, 410)
    body = mailbox.last_body("taro@example.jp", "パスワード設定")
    new_path = re.search(r"http://localhost(/mypage/register/new-password/[A-Za-z0-9_\-]+)", body).group(1)
    response = actions.post(new_path, {"password": "Newpass2026", "password_confirm": "Newpass2026"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/mypage/register/done")
    assert "プリウス" in text(client.get("/mypage/"))
    actions.post("/mypage/logout")
    assert actions.login(password=PERSON["password"]).status_code == 422
    assert actions.login(password="Newpass2026").status_code == 303


def test_a_verification_link_never_opens_the_new_password_page(actions, client):
    path = actions.register_until_sent()
    token = path.rsplit("/", 1)[1]
    assert client.get(f"/mypage/register/new-password/{token}").status_code == 404
    response = actions.post(f"/mypage/register/new-password/{token}",
                            {"password": "Newpass2026", "password_confirm": "Newpass2026"})
    assert response.status_code == 404
    assert actions.verify(path).status_code == 303  # and it still works with the old password


def test_new_password_link_refuses_a_weak_or_unmatched_password(actions, client, mailbox):
    path = actions.register_until_sent()
    actions.post(path + "/forgot")
    body = mailbox.last_body("taro@example.jp", "パスワード設定")
    new_path = re.search(r"http://localhost(/mypage/register/new-password/[A-Za-z0-9_\-]+)", body).group(1)
    response = actions.post(new_path, {"password": "Newpass2026", "password_confirm": "Newpass2027"})
    assert response.status_code == 422 and "一致しません" in text(response)
    assert 'value="Newpass' not in text(response)


# ---------------------------------------------------------- 6 mail address typos

def test_a_common_domain_typo_gets_a_did_you_mean_once(actions, client):
    from clickar.registration.forms import suggest_email

    assert suggest_email("taro@docomo.ne.jo") == "taro@docomo.ne.jp"
    assert suggest_email("taro@gmial.com") == "taro@gmail.com"
    assert suggest_email("taro@i.softbank.jo") == "taro@i.softbank.jp"
    assert suggest_email("taro@ezweb.ne.jo") == "taro@ezweb.ne.jp"
    assert suggest_email("taro@example.jp") is None and suggest_email("taro@yahoo.co.jp") is None
    actions.agree_to_terms()
    response = actions.enter_info(email="taro@docomo.ne.jo")
    assert response.status_code == 422
    assert "「taro@docomo.ne.jp」の誤りではありませんか" in text(response)
    assert 'name="email_checked" value="taro@docomo.ne.jo"' in text(response)
    # 次へ again with the same address: it may be right, so it goes on
    response = actions.enter_info(email="taro@docomo.ne.jo", email_checked="taro@docomo.ne.jo")
    assert response.status_code == 303


def test_the_did_you_mean_takes_the_suggestion_in_one_tap_and_nothing_else(actions, client):
    """The walkthrough (w19): the hint named docomo.ne.jp but the only way to take it was to
    retype the address on a phone. Its button posts the suggestion; a forged one is ignored."""
    actions.agree_to_terms()
    response = actions.enter_info(email="taro@docomo.ne.jo")
    assert '<button class="button button--secondary button--block" type="submit" name="email_suggested" ' \
           'value="taro@docomo.ne.jp">「taro@docomo.ne.jp」に修正する</button>' in text(response)
    forged = actions.enter_info(email="taro@docomo.ne.jo", email_suggested="thief@example.jp")
    assert forged.status_code == 422 and "「taro@docomo.ne.jp」の誤りではありませんか" in text(forged)
    response = actions.enter_info(email="taro@docomo.ne.jo", email_suggested="taro@docomo.ne.jp")
    assert response.status_code == 303
    assert "taro@docomo.ne.jp" in text(client.get("/mypage/register/confirm"))


def test_the_did_you_mean_at_provisional_registration_sends_to_the_suggestion(actions, client, mailbox):
    old_path = actions.register_until_sent()
    response = actions.post("/mypage/register/sent/email", {"email": "hanako@gmial.com"})
    assert response.status_code == 422 and "「hanako@gmail.com」に修正する" in text(response)
    response = actions.post("/mypage/register/sent/email",
                            {"email": "hanako@gmial.com", "email_suggested": "hanako@gmail.com"})
    assert response.status_code == 303
    assert actions.verify(old_path).status_code in (404, 410)
    assert actions.verify(actions.verification_url("hanako@gmail.com")).status_code == 303


def test_fixing_the_address_at_provisional_registration_sends_to_the_new_one(actions, client, mailbox):
    old_path = actions.register_until_sent()
    page = text(client.get("/mypage/register/sent"))
    assert "メールアドレスを修正する" in page
    response = actions.post("/mypage/register/sent/email", {"email": "hanako.fixed@example.jp"})
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "hanako.fixed@example.jp 宛に確認メールを送信しました" in page
    assert actions.verify(old_path).status_code in (404, 410)  # the old link ends
    new_path = actions.verification_url("hanako.fixed@example.jp")
    assert actions.verify(new_path).status_code == 303


def test_fixing_the_address_refuses_a_malformed_one_and_keeps_it(actions, client):
    actions.register_until_sent()
    response = actions.post("/mypage/register/sent/email", {"email": "taro@@example"})
    assert response.status_code == 422
    page = text(response)
    assert "メールアドレスの形式が正しくありません" in page
    assert 'value="taro@@example"' in page
