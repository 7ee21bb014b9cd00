"""The flyer's journey end to end, as a customer on a phone follows it (issue 3).

/mypage/ → マイページログイン → 新規登録 → 流れ → 新規登録 → 会員規定 → お客さま情報の入力
→ 確認 → 仮登録受付 → the mail's URL → 本登録 → 登録完了 → マイページトップへ, then a
later login: with a one-time password from a browser that is not trusted, and
without one from a browser trusted at 本登録.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .pages import InfoPage, LoginPage, MyPageTop, OtpPage


def register(page, person, mailbox, trust_device=False) -> MyPageTop:
    """Steps 1–10 of the flyer, starting where the QR code lands: /mypage/.
    Every screen must fit the phone's width (no sideways scrolling)."""
    page.goto("/mypage/")
    login = LoginPage(page).expect_shown().expect_fits_the_screen()  # 1 → 2: the login screen
    overview = login.start_registration().expect_fits_the_screen()  # 「新規登録」
    register = overview.start_registration().expect_fits_the_screen()  # 3: 再度「新規登録」
    info = register.agree_to_terms().expect_fits_the_screen()  # 4
    confirm = info.fill(person).next().expect_fits_the_screen()  # 5 「次へ」
    values = confirm.values()  # 6
    assert values["氏名"] == person.name
    assert values["メールアドレス"] == person.email
    sent = confirm.confirm().expect_fits_the_screen()  # 「確定」
    expect(sent.page.get_by_text("まだ登録手続きは完了していません")).to_be_visible()  # 7
    verify = sent_mail_opens_verify(page, person, mailbox).expect_fits_the_screen()  # 8
    done = verify.register(person.password, trust_device=trust_device).expect_fits_the_screen()  # 9 「登録」
    mailbox.wait_for(person.email, "マイページ会員登録完了のご連絡")  # 10: the completion mail
    top = done.to_my_page().expect_fits_the_screen()  # 「マイページトップへ」
    for contract in person.contracts:
        top.expect_contract(contract)  # 車名, 保険始期, 更新のお手続き
    return top


def sent_mail_opens_verify(page, person, mailbox):
    from .pages import VerifyPage

    return VerifyPage(page).open_url(mailbox.verification_url(person.email))


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

