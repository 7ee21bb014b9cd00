"""`python -m screenshots.narrow FOLDER` (make screenshots): issue 19's screens at 320 px (iPhone SE)
and 390 px (iPhone 13), emulated in Chromium, as <screen>-320.png / <screen>-390.png: the signed-in
header, the registration progress bar and the renewal step labels (item 14), the staff password
reset and the admin's audit (item 23); and the A4 flyer with its URLs and phone screens (item 21) as flyer-a4.png.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from e2e import kit
from e2e.pages import LoginPage
from e2e.pages.staff import make_staff
from e2e.pages.journeys import register

from .common import local_browser, phone_context, snap
from .journey import close_install_sheet

WIDTHS = {320: ("iPhone SE", 568), 390: ("iPhone 13", 844)}
STAFF_PASSWORD = "screenshots-staff-2026"


def walk(page, server: kit.LocalServer, people: kit.People, shoot) -> None:
    person = people.new()
    page.goto("/mypage/")
    LoginPage(page).expect_shown()
    close_install_sheet(page)
    LoginPage(page).start_registration().start_registration().agree_to_terms()
    shoot(page, "reg-info-steps", full_page=False)
    page.context.clear_cookies()
    register(page, person, server.mailbox)
    close_install_sheet(page)
    shoot(page, "mypage-top-header", full_page=False)
    page.goto(f"/mypage/contracts/{person.policy_numbers[0]}/renewal/")
    page.get_by_role("heading", name="ご契約内容の確認").wait_for()
    shoot(page, "renewal-steps", full_page=False)

    # the staff password reset
    page.context.clear_cookies()
    email = f"reset-{people.prefix.lower()}@example.jp"
    make_staff(server, email, STAFF_PASSWORD)
    page.goto("/staff/login")
    shoot(page, "staff-login")
    page.get_by_role("link", name="パスワードをお忘れの方").click()
    page.get_by_role("heading", name="スタッフのパスワード再設定").wait_for()
    page.get_by_label("メールアドレス", exact=True).fill(email)
    page.get_by_role("button", name="再設定用のメールを送る").click()
    page.get_by_role("status").wait_for()
    shoot(page, "staff-forgot-sent")
    body = server.mailbox.wait_for(email, "パスワード再設定のご案内")[-1].body
    link = next(word for word in body.split() if "/staff/password/reset/" in word)
    page.goto(link)
    page.get_by_label("新しいパスワード", exact=True).fill("short")
    page.get_by_label("新しいパスワード（確認用）").fill("short")
    page.get_by_role("button", name="設定する").click()
    page.locator(".field__error").first.wait_for()
    shoot(page, "staff-reset-error")

    # an admin sends a colleague the link and sees the audit
    admin = f"admin-{people.prefix.lower()}@example.jp"
    make_staff(server, admin, STAFF_PASSWORD, role="admin")
    page.goto("/staff/login")
    page.get_by_label("メールアドレス", exact=True).fill(admin)
    page.get_by_label("パスワード", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.get_by_role("heading", name="キャンペーン一覧").wait_for()
    page.goto("/staff/accounts")
    page.get_by_role("button", name=f"{email} に再設定メールを送る").click()
    page.get_by_role("status").wait_for()
    shoot(page, "staff-accounts-audit")


def flyer(folder: Path) -> None:
    """The sample flyer (python -m clickar.flyers.pdf) as a picture, 100 dpi."""
    with tempfile.TemporaryDirectory() as scratch:
        pdf = Path(scratch) / "flyer.pdf"
        subprocess.run([sys.executable, "-m", "clickar.flyers.pdf", str(pdf), "HTTPS://CLICKAR.EXAMPLE.JP/R/ABCD2345",
                        "HTTPS://CLICKAR.EXAMPLE.JP/R/HELP4242"], check=True)
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(folder / "flyer-a4")], check=True)
    print(folder / "flyer-a4.png", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path("docs/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    with local_browser("clickar-narrow-shots-") as (server, pw, browser):
        for width, (device, height) in WIDTHS.items():
            context = phone_context(pw, browser, server, device, {"width": width, "height": height})

            def shoot(page, screen, full_page=True, width=width):
                snap(page, folder / f"{screen}-{width}.png", full_page)

            walk(context.new_page(), server, kit.People(server.api, f"NARROW{width}"), shoot)
            context.close()
        flyer(folder)
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
