"""The flyer's journey end to end, as a customer on a phone follows it (issue 3).

/mypage/ → マイページログイン → 新規登録 → 流れ → 新規登録 → 会員規定 → お客さま情報の入力
→ 確認 → 仮登録受付 → the mail's URL → 本登録 → 登録完了 → マイページトップへ, then a
later login: with a one-time password from a browser that is not trusted, and
without one from a browser trusted at 本登録.
"""
from __future__ import annotations

import pytest

from .pages import InfoPage, LoginPage, MyPageTop, OtpPage
from .pages.journeys import register, sent_mail_opens_verify


@pytest.mark.every_device
def test_register_then_log_in_again_with_a_one_time_password(phone, people, mailbox):
    person = people.new()
    top = register(phone, person, mailbox, trust_device=False)

    login = top.log_out()
    otp = login.log_in(person.email, person.password)
    assert isinstance(otp, OtpPage), "a browser that is not trusted must be asked for a one-time password"
    otp.expect_fits_the_screen()
    top = otp.authenticate(mailbox.otp_code(person.email))  # 「認証する」
    top.expect_contract(person.contracts[0])


@pytest.mark.every_device
def test_a_device_trusted_at_verification_logs_in_without_a_one_time_password(phone, people, mailbox):
    person = people.new()
    top = register(phone, person, mailbox, trust_device=True)

    login = top.log_out()
    screen = login.log_in(person.email, person.password)
    assert isinstance(screen, MyPageTop), "a trusted device must skip the one-time password"
    screen.expect_contract(person.contracts[0])
    assert not [m for m in mailbox.mails(person.email) if "ワンタイムパスワード" in m.subject]


def test_the_whole_journey_works_without_javascript(open_phone, people, mailbox):
    """No JS: plain form posts and full pages, 追加 included; OTP, then trust at OTP."""
    page = open_phone(javascript=False)
    person = people.new(contracts=2)

    page.goto("/mypage/")
    info = LoginPage(page).expect_shown().start_registration().start_registration().agree_to_terms()
    info.policy_field(1).fill(person.policy_numbers[0])
    info.field("氏名").fill(person.name)
    info.add_contract(person.policy_numbers[1])  # the button posts; the page comes back with a row
    assert info.url_path() == InfoPage.path
    assert info.field("氏名").input_value() == person.name, "追加 without JS must keep what was typed"
    confirm = info.fill(person).next()
    assert confirm.policy_numbers() == person.policy_numbers[:2]
    sent = confirm.confirm()
    verify = sent_mail_opens_verify(sent.page, person, mailbox)
    top = verify.register(person.password).to_my_page()
    for contract in person.contracts:
        top.expect_contract(contract)

    otp = top.log_out().log_in(person.email, person.password)
    assert isinstance(otp, OtpPage)
    top = otp.authenticate(mailbox.otp_code(person.email), trust_device=True)
    assert sorted(top.car_names()) == sorted(person.car_names)

    screen = top.log_out().log_in(person.email, person.password)
    assert isinstance(screen, MyPageTop), "trusted at the one-time password screen: no code next time"
    assert len(mailbox.wait_for(person.email, "ワンタイムパスワード")) == 1

