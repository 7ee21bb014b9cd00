"""Issue 19 items 3, 4, 9, 10 as a customer meets them on a phone."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .pages import LoginPage, OtpPage
from .pages.journeys import register, sent_mail_opens_verify


def _until_sent(page, person):
    page.goto("/mypage/")
    info = LoginPage(page).expect_shown().start_registration().start_registration().agree_to_terms()
    return info.fill(person).next().confirm()


def test_progress_bar_and_resend_cooldown_as_seen_on_a_phone(phone, people, mailbox):
    person = people.new()
    sent = _until_sent(phone, person)
    current = phone.locator('.steps [aria-current="step"]')
    expect(current).to_contain_text("7")  # the flyer's "7 仮登録受付"
    expect(current).to_contain_text("仮登録")
    button = phone.get_by_role("button", name=re.compile("確認メールを再送する"))
    expect(button).to_be_disabled()
    expect(button).to_contain_text("あと")
    first = int(re.search(r"あと\s*(\d+)\s*秒", button.text_content()).group(1))
    phone.wait_for_timeout(2200)
    later = int(re.search(r"あと\s*(\d+)\s*秒", button.text_content()).group(1))
    assert later < first, "the cooldown counts down on the button"
    sent.expect_fits_the_screen()


def test_forgotten_password_at_verification_on_a_phone(phone, people, mailbox):
    person = people.new()
    _until_sent(phone, person)
    verify = sent_mail_opens_verify(phone, person, mailbox)
    phone.get_by_role("link", name="パスワードをお忘れの方").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("本登録のパスワードをお忘れの方")
    local, domain = person.email.split("@")
    expect(phone.get_by_text(f"{local[0]}***@{domain}").first).to_be_visible()
    phone.get_by_role("button", name="パスワード設定用のメールを送る").click()
    expect(phone.get_by_text("パスワード設定用のメールを送信しました")).to_be_visible()
    body = mailbox.wait_for(person.email, "パスワード設定")[-1].body
    url = re.search(r"https?://\S+/mypage/register/new-password/\S+", body).group(0)
    phone.goto(url)
    phone.get_by_label("新しいパスワード", exact=True).fill("Newpass2026")
    phone.get_by_label("新しいパスワード（確認用）").fill("Newpass2026")
    phone.get_by_role("button", name="登録").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("登録完了")
    verify.expect_fits_the_screen()


def test_one_time_password_screen_says_where_and_offers_resend(phone, people, mailbox):
    person = people.new()
    top = register(phone, person, mailbox)
    otp = top.log_out().log_in(person.email, person.password)
    assert isinstance(otp, OtpPage)
    local, domain = person.email.split("@")
    expect(phone.get_by_text(f"{local[0]}***@{domain}")).to_be_visible()
    expect(phone.get_by_role("button", name=re.compile("ワンタイムパスワードを再送する"))).to_be_disabled()
    otp.expect_fits_the_screen()


def test_the_did_you_mean_is_one_tap_on_a_phone(phone, people, mailbox):
    """The walkthrough (w19): the hint named the right address, yet taking it meant retyping it
    on the phone's keyboard. Its button fills it in and goes on to 確認; the mail goes there."""
    person = people.new()
    local = person.email.split("@")[0]
    person.email = f"{local}@gmial.com"
    people.emails.append(f"{local}@gmail.com")  # cleaned up in remote mode too
    phone.goto("/mypage/")
    info = LoginPage(phone).expect_shown().start_registration().start_registration().agree_to_terms()
    info.fill(person)
    info.submit(info.button("次へ"))
    take = phone.get_by_role("button", name=f"「{local}@gmail.com」に修正する")
    expect(take).to_be_visible()
    info.submit(take)
    expect(phone.get_by_role("heading", level=1)).to_have_text("お客さま情報の確認")
    expect(phone.locator(".summary__row", has_text="メールアドレス")).to_contain_text(f"{local}@gmail.com")
    phone.get_by_role("button", name="確定").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("仮登録受付")
    assert mailbox.verification_url(f"{local}@gmail.com")

