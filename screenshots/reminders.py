"""Screenshots of the 更新のご案内 journey at 390 px, light and dark, checked with axe-core:
`python -m screenshots.reminders [FOLDER]` (default docs/screenshots).

Starts the kit's local server (temporary SQLite, SMTP sink), registers a member
whose contract is in its renewal period, runs `reminders send`, and as that member
on an untrusted phone: opens the mail's link (the login it lands on, then that
contract's 更新のお手続き after the one-time password), 設定 with
「更新のご案内メールを受け取る」 on, the mail's 配信の停止 link (the confirmation, then
the done page), and 設定 again, switched back on and saved. Writes reminder-<screen>-<light|dark>.png
and exits 1 if axe-core finds anything on any of them.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import expect

from e2e import kit
from e2e.a11y import Axe, context_options
from e2e.pages import LoginPage
from e2e.pages.journeys import register

from .common import local_browser

WIDTH = 390
REMINDER = "更新のお手続きのご案内"
LINK = re.compile(r"更新のお手続き：(http\S+)")
UNSUBSCRIBE = re.compile(r"配信の停止：(http\S+)")


def walk(pw, browser, server: kit.LocalServer, people: kit.People, folder: Path, scheme: str) -> Axe:
    def context():
        options = context_options(pw, "iPhone 13", viewport={"width": WIDTH, "height": 844},
                                  device_scale_factor=1, color_scheme=scheme)   # bypass_csp for axe
        return browser.new_context(base_url=server.base_url, **options)

    person = people.new()
    register(context().new_page(), person, server.mailbox, trust_device=True)
    server.flask("reminders", "send")
    mail = server.mailbox.wait_for(person.email, REMINDER)[-1]

    page = context().new_page()                       # another phone: not a trusted device
    axe = Axe(page, scheme)

    def shoot(name: str) -> None:
        page.wait_for_load_state("networkidle")
        axe.check(name)
        page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
        page.evaluate("window.scrollTo(0, 0)")
        path = folder / f"reminder-{name}-{scheme}.png"
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        print(path, flush=True)

    page.goto(LINK.search(mail.body).group(1))
    login = LoginPage(page).expect_shown()
    shoot("link-login")
    login.field("メールアドレス").fill(person.email)
    login.field("パスワード").fill(person.password)
    login.submit(login.button("ログイン"))
    page.get_by_label("ワンタイムパスワード").fill(server.mailbox.otp_code(person.email))
    login.submit(page.get_by_role("button", name="認証する"))
    expect(page.get_by_role("heading", level=1, name="ご契約内容の確認")).to_be_visible()
    shoot("link-landing")

    page.goto("/mypage/settings/")
    expect(page.get_by_label("更新のご案内メールを受け取る", exact=True)).to_be_checked()   # on by default
    shoot("settings")

    page.goto(UNSUBSCRIBE.search(mail.body).group(1))      # the mail's one-click link, opened in a browser
    shoot("unsubscribe")
    page.get_by_role("button", name="配信を停止する").click()
    expect(page.get_by_role("heading", level=1, name="配信を停止しました")).to_be_visible()
    shoot("unsubscribed")

    page.goto("/mypage/settings/")
    toggle = page.get_by_label("更新のご案内メールを受け取る", exact=True)
    expect(toggle).not_to_be_checked()
    toggle.check()                                          # and back on, from 設定
    page.get_by_role("button", name="設定を保存する").click()
    expect(page.get_by_role("status")).to_contain_text("受け取る設定にしました")
    shoot("settings-saved")
    return axe


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    found = []
    with local_browser("clickar-reminder-shots-") as (server, pw, browser):
        people = kit.People(server.api, "REMIND")
        for scheme in ("light", "dark"):
            found += walk(pw, browser, server, people, out, scheme).found
    print("\n".join(found) if found else "axe-core: 0 violations on every screen, light and dark")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
