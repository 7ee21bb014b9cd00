"""The flyer's registration steps 2–10, one page object per screen."""
from __future__ import annotations

from playwright.sync_api import expect

from .base import Screen


class FlowOverviewPage(Screen):
    """3 マイページご利用までの流れを確認."""

    heading = "マイページご利用までの流れ"
    path = "/mypage/register/"

    def start_registration(self) -> "TermsPage":
        """再度「新規登録」ボタンを押します。"""
        self.submit(self.link("新規登録"))
        return TermsPage(self.page).expect_shown()


class TermsPage(Screen):
    """4 会員規定への同意."""

    heading = "会員規定への同意"
    path = "/mypage/register/terms"

    @property
    def checkbox(self):
        return self.field("会員規定について確認しました。")

    @property
    def agree_button(self):
        return self.button("会員規定に同意して登録する")

    def agree_to_terms(self) -> "InfoPage":
        """「会員規定について確認しました。」をチェックし、「会員規定に同意して登録する」を押します。"""
        self.checkbox.check()
        self.submit(self.agree_button)
        return InfoPage(self.page).expect_shown()


class InfoPage(Screen):
    """5 お客さま情報の入力."""

    heading = "お客さま情報の入力"
    path = "/mypage/register/info"

    LABELS = {"name": "氏名", "name_kana": "フリガナ", "postal_code": "郵便番号",
              "address": "住所", "phone": "電話番号", "email": "メールアドレス"}

    @property
    def birth_group(self):
        """生年月日: a fieldset (role group) holding 年 · 月 · 日."""
        return self.page.get_by_role("group", name="生年月日", exact=True)

    def birth_field(self, part: str):
        """年, 月 or 日 of 生年月日."""
        return self.birth_group.get_by_label(part, exact=True)

    @property
    def era_hint(self):
        """The 和暦 shown beside 年 (1970 → 昭和45年)."""
        return self.birth_group.locator("[data-era-text]")

    def fill_birth_date(self, year: str, month: str = "", day: str = "") -> "InfoPage":
        """生年月日 as a person types it: fill_birth_date("1970-04-01") or ("S45", "4", "1")."""
        if not month and year.count("-") == 2:
            year, month, day = year.split("-")
            month, day = str(int(month)), str(int(day))
        for part, value in zip(("年", "月", "日"), (year, month, day)):
            self.birth_field(part).fill(value)
        return self

    def birth_date_value(self) -> str:
        """What 年・月・日 hold, as 1970-04-01 (or the parts as typed, joined by '-')."""
        parts = [self.birth_field(p).input_value() for p in ("年", "月", "日")]
        if all(p.isdigit() for p in parts):
            return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
        return "-".join(parts)

    @staticmethod
    def policy_label(n: int) -> str:
        return "証券番号" if n == 1 else f"証券番号（{n}契約目）"

    def policy_field(self, n: int):
        return self.field(self.policy_label(n))

    def fill(self, person, password: str | None = None) -> "InfoPage":
        """必須項目について入力してください (every contract of the person, with 追加)."""
        for n, number in enumerate(person.policy_numbers, start=1):
            if n > 1 and self.policy_field(n).count() == 0:
                self.add_contract()
            self.policy_field(n).fill(number)
        for key, label in self.LABELS.items():
            if key in ("address",):
                continue
            field, value = self.field(label), getattr(person, key)
            before = field.input_value()
            field.fill(value)
            if key == "postal_code" and value != before and self.page.evaluate("!!window.htmx"):
                # the lookup answers (and may fill 住所) before 住所 is typed, as a person would see it;
                # the same code again (the page kept it after a 422) asks nothing
                expect(self.page.locator("#address-status")).not_to_be_empty()
            if key == "name_kana":
                self.fill_birth_date(person.birth_date)
        # 住所 last: a 郵便番号 lookup may fill it; what the person types wins.
        self.field("住所").fill(person.address)
        expect(self.field("住所")).to_have_value(person.address)
        password = person.password if password is None else password
        self.field("パスワード").fill(password)
        self.field("パスワード（確認用）").fill(password)
        return self

    def add_contract(self, number: str | None = None) -> "InfoPage":
        """「追加」ボタン: one more 証券番号 row (htmx swaps it in; without JS the page re-renders)."""
        rows = self.page.locator(".policy-row").count()
        self.button("追加").click()
        new_field = self.policy_field(rows + 1)
        expect(new_field).to_be_visible()
        if number is not None:
            new_field.fill(number)
        return self

    def policy_rows(self) -> int:
        return self.page.locator(".policy-row").count()

    def values(self) -> dict:
        """What the form holds now (passwords are never echoed)."""
        values = {key: self.field(label).input_value() for key, label in self.LABELS.items()}
        values["birth_date"] = self.birth_date_value()
        values["policy_numbers"] = [self.policy_field(n).input_value()
                                    for n in range(1, self.policy_rows() + 1)]
        return values

    def next(self) -> "ConfirmPage":
        """「次へ」ボタンを押します。"""
        self.submit(self.button("次へ"))
        return ConfirmPage(self.page).expect_shown()

    def next_expecting_errors(self) -> "InfoPage":
        self.submit(self.button("次へ"))
        expect(self.error_summary).to_be_visible()
        return self.expect_shown()


class ConfirmPage(Screen):
    """6 お客さま情報の確認."""

    heading = "お客さま情報の確認"
    path = "/mypage/register/confirm"

    def values(self) -> dict:
        rows = self.page.locator(".summary__row")
        return {rows.nth(i).locator("dt").inner_text(): rows.nth(i).locator("dd").inner_text()
                for i in range(rows.count())}

    def policy_numbers(self) -> list[str]:
        """The 証券番号 shown, in order (one, or a numbered list for several contracts)."""
        cell = self.page.locator(".summary__row", has=self.page.locator("dt", has_text="証券番号")).locator("dd")
        items = cell.locator("li")
        if items.count():
            return [items.nth(i).inner_text().strip() for i in range(items.count())]
        return [cell.inner_text().strip()]

    def confirm(self) -> "SentPage":
        """「確定」ボタンを押します。"""
        self.submit(self.button("確定"))
        return SentPage(self.page).expect_shown()

    def correct(self) -> InfoPage:
        self.submit(self.link("入力内容を修正する"))
        return InfoPage(self.page).expect_shown()


class SentPage(Screen):
    """7 仮登録受付 (registration is not complete yet; a mail is on its way)."""

    heading = "仮登録受付"
    path = "/mypage/register/sent"

    def resend(self) -> "SentPage":
        self.submit(self.button("確認メールを再送する"))
        return self.expect_shown()


class VerifyPage(Screen):
    """9 本登録 (opened from the mail's URL)."""

    heading = "本登録"

    def open_url(self, url: str) -> "VerifyPage":
        """8 メールに記載されているURLを押してください。"""
        self.page.goto(url)
        return self.expect_shown()

    def register(self, password: str, trust_device: bool = False, show_password: bool = False) -> "DonePage":
        """パスワードを入力し「登録」ボタンを押します (信頼できる端末 optional)."""
        self.field("パスワード").fill(password)
        if show_password:
            self.field("入力したパスワードを表示する").check()
        if trust_device:
            self.field("信頼できる端末（ブラウザ等）として登録する").check()
        self.submit(self.button("登録"))
        return DonePage(self.page).expect_shown()


class LinkInvalidPage(Screen):
    """A used or superseded 本登録 URL."""

    heading = "このURLは無効です"


class DonePage(Screen):
    """10 登録完了."""

    heading = "登録完了"
    path = "/mypage/register/done"

    def to_my_page(self):
        """登録完了画面の「マイページトップへ」ボタンを押してください。"""
        from .mypage import MyPageTop

        self.submit(self.link("マイページトップへ"))
        return MyPageTop(self.page).expect_shown()
