"""Screenshots of a personal invitation letter's pages at 390 px (issue 22):
`python -m screenshots.invitations [FOLDER]` (default docs/screenshots).

The kit's local server; an admin batch for one fresh contract, its vendor CSV read
for the letter's URL; then on an iPhone 13 profile (emulated in Chromium): the
かんたん会員登録 page, the same with a wrong 生年月日, 仮登録受付, and the one page
an unknown (or expired, revoked) letter shows. Writes invitation-<screen>.png. The
batch holds a second letter, locked by five wrong 生年月日; then the staff console
and the batch's page (the locked letter first, a 取り消す disclosure open), also at
390 px: invitation-console.png, invitation-batch.png.
"""
from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from types import SimpleNamespace

from e2e import kit
from e2e.pages.staff import StaffLogin, make_staff

from .common import local_browser, phone_context, snap

WIDTH = 390
ADMIN = ("shots-invitations@example.jp", "shots-invitations-2026")


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("docs/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    with local_browser("clickar-invitation-shots-") as (server, pw, browser):
        make_staff(SimpleNamespace(mode="local", workdir=server.workdir), *ADMIN, role="admin")
        people = kit.People(server.api, "INVITE")
        person = people.new()
        locked = people.new()
        desk = browser.new_context(base_url=server.base_url, viewport={"width": WIDTH, "height": 844}).new_page()
        desk.goto(StaffLogin.path)
        StaffLogin(desk).expect_shown().log_in(*ADMIN)
        desk.goto("/staff/invitations/")
        desk.get_by_label(re.compile("^証券番号リスト")).fill(person.policy_numbers[0] + "\n" + locked.policy_numbers[0])
        desk.get_by_role("button", name="招待状を作成する").click()
        form = desk.locator(".campaign-card").first.locator("form[action$='letters.csv']")
        csrf = form.locator("input[name=csrf_token]").get_attribute("value")
        text = desk.request.post(server.base_url + form.get_attribute("action"), form={"csrf_token": csrf}).text()
        urls = [row[3] for row in list(csv.reader(io.StringIO(text)))[1:]]  # in the contracts' order
        path, locked_path = (url[url.index("/I/"):] for url in urls)

        phone = phone_context(pw, browser, server, "iPhone 13", {"width": WIDTH, "height": 844}).new_page()
        phone.goto(path)
        snap(phone, folder / "invitation-open.png")
        wrong_birth_date(phone, person)
        snap(phone, folder / "invitation-wrong-birth-date.png")
        year, month, day = person.birth_date.split("-")
        phone.get_by_label("年", exact=True).fill(year)
        phone.get_by_label("月", exact=True).fill(str(int(month)))
        phone.get_by_label("日", exact=True).fill(str(int(day)))
        phone.get_by_label("パスワード", exact=True).fill(person.password)
        phone.get_by_label("パスワード（確認用）").fill(person.password)
        phone.get_by_role("button", name="会員規定に同意して登録する").click()
        phone.get_by_role("heading", name="仮登録受付").wait_for()
        snap(phone, folder / "invitation-sent.png")
        phone.goto(path)
        snap(phone, folder / "invitation-gone.png")
        phone.goto(locked_path)
        for _ in range(4):
            wrong_birth_date(phone, locked)
        wrong_birth_date(phone, locked, then="このURLはご利用いただけません")
        desk.goto("/staff/invitations/")
        snap(desk, folder / "invitation-console.png")
        desk.locator(".campaign-card__title a").first.click()
        desk.locator("#locked").wait_for()
        desk.locator("summary", has_text="取り消す").first.click()
        snap(desk, folder / "invitation-batch.png")
    return 0


def wrong_birth_date(phone, person, then: str = "生年月日がご契約情報と一致しません") -> None:
    """The whole form typed right but for 生年月日 (1901-01-01), sent."""
    phone.get_by_label("年", exact=True).fill("1901")
    phone.get_by_label("月", exact=True).fill("1")
    phone.get_by_label("日", exact=True).fill("1")
    phone.get_by_label("メールアドレス", exact=True).fill(person.email)
    phone.get_by_label("パスワード", exact=True).fill(person.password)
    phone.get_by_label("パスワード（確認用）").fill(person.password)
    phone.get_by_label("会員規定について確認しました。").check()
    phone.get_by_role("button", name="会員規定に同意して登録する").click()
    phone.get_by_text(then).first.wait_for()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
