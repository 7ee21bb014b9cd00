"""信頼できる端末 as a member meets it (issue 5): a fresh browser is asked for the
one-time password, a trusted one is not, and after revoking it in 設定 it is again."""
from __future__ import annotations

from playwright.sync_api import expect

from .pages import LoginPage, MyPageTop, OtpPage
from .pages.journeys import register


def log_in(page, person):
    page.goto("/mypage/login")
    return LoginPage(page).expect_shown().log_in(person.email, person.password)


def test_trusted_browser_skips_the_code_until_revoked_in_settings(open_phone, people, mailbox):
    person = people.new()
    home = open_phone()
    register(home, person, mailbox, trust_device=False)
    top = MyPageTop(home).expect_shown()
    top.log_out()

    # A browser that was never trusted: the one-time password is asked; trust it there.
    otp = log_in(home, person)
    assert isinstance(otp, OtpPage)
    otp.authenticate(mailbox.otp_code(person.email), trust_device=True)
    MyPageTop(home).expect_shown().log_out()

    # The same browser again: trusted, so straight to My Page.
    assert isinstance(log_in(home, person), MyPageTop)

    # Another, fresh browser still gets the code.
    other = open_phone()
    assert isinstance(log_in(other, person), OtpPage)

    # Revoke the trusted browser in 設定 → 信頼できる端末.
    home.goto("/mypage/settings/devices")
    expect(home.get_by_role("heading", name="信頼できる端末", exact=True)).to_be_visible()
    expect(home.get_by_text("この端末", exact=True)).to_be_visible()
    home.get_by_role("button", name="この端末の登録を解除する").click()
    expect(home.get_by_text("端末の登録を解除しました")).to_be_visible()
    home.goto("/mypage/")
    MyPageTop(home).expect_shown().log_out()

    # Now the once-trusted browser is asked for the code again.
    assert isinstance(log_in(home, person), OtpPage)
