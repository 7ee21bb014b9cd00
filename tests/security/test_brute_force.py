"""Password guessing, lockout, policy-number guessing and one-time password brute force."""
from __future__ import annotations

import datetime as dt

from demo_people import PERSON


def text(r) -> str:
    return r.get_data(as_text=True)


def registered(actions):
    actions.register()
    actions.post("/mypage/logout")


def test_password_brute_force_locks_the_account_with_the_usual_message(actions, outbox):
    registered(actions)
    for _ in range(5):
        response = actions.login(password="WrongPass1")
        assert "メールアドレスまたはパスワードが正しくありません。" in text(response)
    # the right password during the lock reads exactly like a wrong one, and sends no code
    response = actions.login()
    assert response.status_code == 422
    assert "メールアドレスまたはパスワードが正しくありません。" in text(response)
    assert outbox(PERSON["email"], "ワンタイムパスワード") == 0


def test_lockout_sends_one_notice_mail(actions, mailbox, outbox):
    registered(actions)
    for _ in range(7):
        actions.login(password="WrongPass1")
    assert mailbox.wait_for(PERSON["email"], "ログインを一時的に制限")
    assert outbox(PERSON["email"], "ログインを一時的に制限") == 1


def test_password_guessing_on_one_account_is_rate_limited(actions):
    registered(actions)
    statuses = [actions.login(password=f"Wrong{i:05d}").status_code for i in range(21)]
    assert statuses[:20] == [422] * 20
    assert statuses[20] == 429


def test_rate_limited_page_is_japanese_and_says_when(actions):
    registered(actions)
    for i in range(20):
        actions.login(password=f"Wrong{i:05d}")
    response = actions.login()
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    page = text(response)
    assert "しばらく時間をおいてお試しください" in page and "分後に、もう一度お試しください" in page
    assert "Traceback" not in page


def test_policy_number_guessing_is_rate_limited(actions):
    actions.agree_to_terms()
    statuses = [actions.enter_info(phone=f"03-0000-{i:04d}").status_code for i in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429


def test_identity_guessing_from_one_client_is_rate_limited(actions):
    actions.agree_to_terms()
    statuses = [actions.enter_info(**{"policy_numbers-0": f"GU{i:08d}"}).status_code for i in range(61)]
    assert statuses[:60] == [422] * 60 and statuses[60] == 429


def test_next_with_matching_details_still_counts_against_the_per_client_post_limit(database_url, smtp, mailbox):
    """register-client (each お客さま情報の入力 post may hash a password) is counted with the
    identity limits in one Redis round trip when the details are valid: the post one over the
    limit is refused like any other, and a refused post changes nothing (the step stays done)."""
    from app_support import close_app, make_app
    from clickar.auth.limitpolicy import RULES
    from registration_actions import RegistrationActions

    app = make_app(database_url, smtp.port, RATE_LIMIT_RULES={**RULES, "register-client": "3 per 15 minutes"})
    try:
        actions = RegistrationActions(app.test_client(), mailbox)
        assert actions.agree_to_terms().status_code == 303
        statuses = [actions.enter_info(password=f"Pass{n:05d}x", password_confirm=f"Pass{n:05d}x").status_code
                    for n in range(4)]
        assert statuses == [303, 303, 303, 429]
        assert actions.client.get("/mypage/register/confirm").status_code == 200
        # another kind of post (追加 of a row) is refused by the same count
        assert actions.enter_info(action="add").status_code == 429
    finally:
        close_app(app)


def test_a_person_trying_a_few_times_is_never_blocked(actions):
    actions.agree_to_terms()
    for _ in range(3):
        assert actions.enter_info(phone="03-0000-0000").status_code == 422
    assert actions.enter_info().status_code == 303


def test_one_time_password_brute_force_ends_the_attempt(actions, client):
    registered(actions)
    actions.login()
    code = actions.otp_code()
    guesses = [f"{n:06d}" for n in range(6) if f"{n:06d}" != code][:5]
    for guess in guesses:
        actions.post("/mypage/login/otp", {"code": guess})
    assert actions.post("/mypage/login/otp", {"code": code}).headers["Location"].endswith("/mypage/login")
    assert client.get("/mypage/").status_code == 303


def test_resend_mail_bombing_is_capped_per_day(actions, app, mailbox, outbox):
    from clickar.models import VerificationToken, now

    actions.register_until_sent()
    results = []
    for _ in range(7):
        with app.app_context():  # step past the one-minute cooldown each time
            VerificationToken.update(created_at=now() - dt.timedelta(minutes=2)).execute()
        location = actions.post("/mypage/register/sent/resend").headers["Location"]
        results.append(location.rsplit("=", 1)[1])
    assert results[:5] == ["sent"] * 5
    assert results[5:] == ["cap", "cap"]
    assert outbox(PERSON["email"], "仮登録") == 6


def test_reset_mail_bombing_is_capped(actions, outbox):
    registered(actions)
    for _ in range(6):
        assert actions.post("/mypage/password/forgot", {"email": PERSON["email"]}).status_code == 303
    assert outbox(PERSON["email"], "パスワード再設定") == 3
