"""Light and dark screenshots of the main screens at 390 px (issue 11):
`python -m screenshots.a11y [FOLDER]` (default docs/screenshots).

Writes a11y-<screen>-light.png and a11y-<screen>-dark.png for login, info (after an
empty submit, so the error states show), confirm, top, renewal (the options step)
and chat, each from the kit's local server with prefers-color-scheme set.
"""
from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect

from e2e import kit
from e2e.pages import LoginPage, Screen, VerifyPage

from .common import local_browser

WIDTH = 390


def shoot(page, folder: Path, name: str, scheme: str) -> None:
    path = folder / f"a11y-{name}-{scheme}.png"
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    print(path, flush=True)


def walk(pw, browser, server: kit.LocalServer, people: kit.People, folder: Path, scheme: str) -> None:
    options = kit.context_options(pw, "iPhone 13", True)
    options.update(viewport={"width": WIDTH, "height": 844}, device_scale_factor=1, color_scheme=scheme)
    context = browser.new_context(base_url=server.base_url, **options)
    page = context.new_page()
    person = people.new()

    page.goto("/mypage/login")
    login = LoginPage(page).expect_shown()
    shoot(page, folder, "login", scheme)
    info = login.start_registration().start_registration().agree_to_terms()
    info.next_expecting_errors()
    shoot(page, folder, "info", scheme)
    confirm = info.fill(person).next()
    shoot(page, folder, "confirm", scheme)
    sent = confirm.confirm()
    verify = VerifyPage(sent.page).open_url(server.mailbox.verification_url(person.email))
    top = verify.register(person.password, trust_device=True).to_my_page()
    sheet = page.locator("#install")
    if sheet.count() and sheet.is_visible():
        sheet.get_by_role("button", name="閉じる").click()
    shoot(page, folder, "top", scheme)

    top.start_renewal(person.car_names[0])
    step = Screen(page)
    step.heading = "ご契約内容の確認"
    step.expect_shown()
    step.submit(step.button("次へ"))
    step.heading = "更新内容の選択"
    step.expect_shown()
    shoot(page, folder, "renewal", scheme)

    page.goto("/help/chat")
    field = page.get_by_label("ご質問")
    field.fill("パスワードわすれた")
    field.press("Enter")
    expect(page.locator(".chat-exchange--answer").last).to_be_visible()
    shoot(page, folder, "chat", scheme)
    context.close()


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with local_browser("clickar-a11y-shots-") as (server, pw, browser):
        people = kit.People(server.api, "A11Y")
        for scheme in ("light", "dark"):
            walk(pw, browser, server, people, out, scheme)


if __name__ == "__main__":
    main(sys.argv[1:])
