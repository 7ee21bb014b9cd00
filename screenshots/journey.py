"""`python -m screenshots.journey FOLDER` (make screenshots): one 390 px wide,
full-page PNG per screen, NN-<step>.png, walking the flyer's journey on a
server started like the e2e kit's local mode (temporary database, SMTP sink,
demo contracts, throw-away contracts through the test API).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
from pathlib import Path


from e2e import kit
from e2e.pages import LoginPage, MyPageTop, OtpPage, TermsPage, VerifyPage

WIDTH = 390


class Camera:
    """Takes NN-<step>.png of the current page."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0
        self.taken: list[Path] = []

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.wait_for_load_state("networkidle")
        page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        self.taken.append(path)
        print(path, flush=True)
        return path


def context_options(pw) -> dict:
    options = kit.context_options(pw, "iPhone 13")
    options.update(viewport={"width": WIDTH, "height": 844}, device_scale_factor=1)
    return options


def close_install_sheet(page) -> None:
    """The ホーム画面に追加 sheet (iPhone) would cover the content: close it once, as a person would."""
    sheet = page.locator("#install")
    if sheet.count() and sheet.is_visible():
        sheet.get_by_role("button", name="閉じる").click()


def walk(page, server: kit.LocalServer, people: kit.People, shoot: Camera) -> None:
    mailbox = server.mailbox
    person = people.new(contracts=2)

    # 1–2 マイページ → ログイン
    page.goto("/mypage/")
    login = LoginPage(page).expect_shown()
    close_install_sheet(page)
    shoot(page, "login")
    overview = login.start_registration()
    shoot(page, "flow-overview")
    terms = overview.start_registration()
    shoot(page, "terms")
    terms.submit(terms.agree_button)  # not ticked: refused with a message
    terms.expect_shown()
    if terms.error_summary.count():
        shoot(page, "terms-not-agreed")
    info = terms.agree_to_terms()
    shoot(page, "info")

    info.submit(info.button("次へ"))  # nothing typed: a message on every field
    info.expect_shown()
    shoot(page, "info-errors")

    stranger = kit.Person(**{**person.__dict__, "birth_date": "1971-04-01"})
    info.fill(stranger).next_expecting_errors()
    shoot(page, "info-mismatch")

    for n in range(2, len(person.policy_numbers) + 1):
        if info.policy_field(n).count() == 0:
            info.add_contract()
    info.fill(person)
    shoot(page, "info-filled-two-contracts")
    confirm = info.next()
    shoot(page, "confirm")
    sent = confirm.confirm()
    shoot(page, "sent")

    url = mailbox.verification_url(person.email)
    verify = VerifyPage(page).open_url(url)
    shoot(page, "verify")
    verify.field("パスワード").fill("Wrong2026")
    verify.submit(verify.button("登録"))
    verify.expect_shown()
    shoot(page, "verify-wrong-password")
    done = VerifyPage(page).register(person.password)
    shoot(page, "done")
    top = done.to_my_page()
    shoot(page, "mypage-top")
    top.open_contract(person.car_names[0])
    shoot(page, "contract-detail")
    top = MyPageTop(page).open()

    # a later visit: wrong password, then the one-time password
    login = top.log_out()
    shoot(page, "logged-out")
    login.log_in_expecting_error(person.email, "Wrong2026")
    shoot(page, "login-wrong-password")
    otp = login.log_in(person.email, person.password)
    assert isinstance(otp, OtpPage)
    shoot(page, "otp")
    otp.authenticate_expecting_error("000000" if mailbox.otp_code(person.email) != "000000" else "111111")
    shoot(page, "otp-wrong-code")
    otp.authenticate(mailbox.otp_code(person.email))

    # the verification link again: used, then an expired one
    page.goto(url)
    page.get_by_role("heading", level=1).wait_for()
    shoot(page, "link-invalid")
    expired = people.new()
    page.context.clear_cookies()
    page.goto("/mypage/register/terms")
    TermsPage(page).expect_shown().agree_to_terms().fill(expired).next().confirm()
    expired_url = mailbox.verification_url(expired.email)
    db = sqlite3.connect(server.workdir / "clickar-e2e.db")
    with db:
        db.execute("UPDATE verification_token SET expires_at = ?",
                   (str(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(hours=1)),))
    db.close()
    page.goto(expired_url)
    page.get_by_role("heading", level=1).wait_for()
    shoot(page, "link-expired")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the PNGs go (docs/screenshots)")
    parser.add_argument("--javascript", choices=("on", "off"), default="on",
                        help="off: the same walk with JavaScript disabled (suffix -nojs)")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)

    from .common import local_browser

    folder = args.folder if args.javascript == "on" else args.folder / "nojs"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("[0-9][0-9]-*.png"):
        old.unlink()
    shoot = Camera(folder)
    with local_browser("clickar-shots-") as (server, pw, browser):
        options = context_options(pw)
        options["java_script_enabled"] = args.javascript == "on"
        context = browser.new_context(base_url=server.base_url, **options)
        context.set_default_timeout(15_000)
        walk(context.new_page(), server, kit.People(server.api, "SHOTS0"), shoot)
    print(f"{len(shoot.taken)} screenshots in {folder}")
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
