"""`python -m screenshots.registration FOLDER` (make screenshots): the registration
and login screens changed for issue 19 (items 1–10), at 320 px (iPhone SE) and 390 px,
as reg-<screen>-<width>.png: 生年月日 with its 和暦 and 住所 filled from 郵便番号
(several towns offered, a birth-date error), progress bar with the flyer's numbers, the mismatch help,
仮登録受付 with the resend cooldown and メールアドレスを修正する, 本登録's パスワードを
お忘れの方, and the one-time password screen with its masked address and 再送.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import expect

from e2e import kit
from e2e.pages import LoginPage, OtpPage, VerifyPage

from .common import local_browser, phone_context, snap
from .journey import close_install_sheet

WIDTHS = (320, 390)


def walk(page, server, people, shoot) -> None:
    mailbox = server.mailbox
    person = people.new()
    page.goto("/mypage/")
    LoginPage(page).expect_shown()
    close_install_sheet(page)
    page.goto("/mypage/register/")
    shoot(page, "overview")
    page.goto("/mypage/register/terms")
    from e2e.pages import TermsPage

    info = TermsPage(page).expect_shown().agree_to_terms()
    # 生年月日 with its 和暦, and 住所 filled from 郵便番号 (issue 19 items 1 and 2)
    info.birth_field("年").press_sequentially("S45")
    expect(info.era_hint).to_have_text("昭和45年（1970年）")
    info.birth_field("月").fill("4")
    info.birth_field("日").fill("1")
    info.field("郵便番号").press_sequentially("1600023")
    expect(info.field("住所")).to_have_value("東京都新宿区西新宿")
    info.birth_field("年").scroll_into_view_if_needed()
    shoot(page, "info-identity")
    info.field("住所").fill("")
    info.field("郵便番号").fill("")
    info.field("郵便番号").press_sequentially("0680546")
    expect(page.locator(".address-choices")).to_be_visible()
    shoot(page, "info-postal-towns")
    info.fill_birth_date("1970", "2", "30")
    info.submit(info.button("次へ"))
    expect(page.locator("#birth-date-error")).to_be_visible()
    shoot(page, "info-birth-error")
    stranger = kit.Person(**{**person.__dict__, "birth_date": "1971-04-01"})
    info.fill(stranger).next_expecting_errors()
    shoot(page, "info-mismatch")
    info.fill(person)
    info.field("メールアドレス").fill(person.email.split("@")[0] + "@docomo.ne.jo")
    info.submit(info.button("次へ"))
    info.expect_shown()
    shoot(page, "info-email-typo")
    info.field("メールアドレス").fill(person.email)
    info.next().confirm()
    page.locator("#fix-email summary").click()
    shoot(page, "sent")
    VerifyPage(page).open_url(mailbox.verification_url(person.email))
    page.get_by_role("link", name="パスワードをお忘れの方").click()
    page.get_by_role("heading", level=1).wait_for()
    shoot(page, "verify-forgot")
    page.get_by_role("button", name="パスワード設定用のメールを送る").click()
    page.get_by_text("パスワード設定用のメールを送信しました").wait_for()
    shoot(page, "verify-forgot-sent")
    body = mailbox.wait_for(person.email, "パスワード設定")[-1].body
    url = next(word for word in body.split() if "/mypage/register/new-password/" in word)
    page.goto(url)
    page.get_by_role("heading", level=1).wait_for()
    shoot(page, "new-password")
    page.get_by_label("新しいパスワード", exact=True).fill(person.password)
    page.get_by_label("新しいパスワード（確認用）").fill(person.password)
    page.get_by_role("button", name="登録").click()
    page.get_by_role("heading", name="登録完了").wait_for()
    page.context.clear_cookies()
    page.goto("/mypage/login")
    otp = LoginPage(page).expect_shown().log_in(person.email, person.password)
    assert isinstance(otp, OtpPage)
    shoot(page, "otp")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the PNGs go (docs/screenshots)")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    with local_browser("clickar-reg-shots-") as (server, pw, browser):
        for width in WIDTHS:
            context = phone_context(pw, browser, server, "iPhone 13" if width == 390 else "iPhone SE",
                                    {"width": width, "height": 844 if width == 390 else 568})

            def shoot(page, step, width=width):
                snap(page, args.folder / f"reg-{step}-{width}.png")

            walk(context.new_page(), server, kit.People(server.api, f"REGS{width}"), shoot)
            context.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
