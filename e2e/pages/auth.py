"""2 マイページログイン and the ワンタイムパスワード screen."""
from __future__ import annotations

from playwright.sync_api import expect

from .base import Screen


class LoginPage(Screen):
    """2 マイページログイン."""

    heading = "マイページログイン"
    path = "/mypage/login"

    def start_registration(self):
        """「新規登録」ボタンを押します。"""
        from .registration import FlowOverviewPage

        self.submit(self.link("新規登録"))
        return FlowOverviewPage(self.page).expect_shown()

    def log_in(self, email: str, password: str):
        """メールアドレス、パスワードを入力し、「ログイン」ボタンを押します。

        Returns the screen that follows: OtpPage, or MyPageTop on a trusted device.
        """
        from .mypage import MyPageTop

        self.field("メールアドレス").fill(email)
        self.field("パスワード").fill(password)
        self.submit(self.button("ログイン"))
        otp, top = OtpPage(self.page), MyPageTop(self.page)
        otp_heading = self.page.get_by_role("heading", level=1, name=otp.heading, exact=True)
        top_heading = self.page.get_by_role("heading", level=1, name=top.heading, exact=True)
        expect(otp_heading.or_(top_heading)).to_be_visible()
        return otp if otp_heading.is_visible() else top

    def log_in_expecting_error(self, email: str, password: str) -> "LoginPage":
        self.field("メールアドレス").fill(email)
        self.field("パスワード").fill(password)
        self.submit(self.button("ログイン"))
        expect(self.error_summary).to_be_visible()
        return self


class OtpPage(Screen):
    """ワンタイムパスワードの入力."""

    heading = "ワンタイムパスワードの入力"
    path = "/mypage/login/otp"

    def authenticate(self, code: str, trust_device: bool = False):
        """ワンタイムパスワードを入力し「認証する」を押します。"""
        from .mypage import MyPageTop

        self.field("ワンタイムパスワード").fill(code)
        if trust_device:
            self.field("信頼できる端末（ブラウザ等）として登録する").check()
        self.submit(self.button("認証する"))
        return MyPageTop(self.page).expect_shown()

    def authenticate_expecting_error(self, code: str) -> "OtpPage":
        self.field("ワンタイムパスワード").fill(code)
        self.submit(self.button("認証する"))
        expect(self.error_summary).to_be_visible()
        return self
