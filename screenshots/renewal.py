"""Screenshots of 更新のお手続き and the My Page contract screens at 390 px:
`python -m screenshots.renewal [FOLDER]` (default docs/screenshots).

Starts the kit's local server (temporary SQLite, SMTP sink, `demo seed` with the
renewal demo data), registers 山田 太郎 with the demo プリウス (15等級 and its
loaded conditions), and walks every renewal step with JavaScript, then the
options step and the receipt without it. Writes renewal-NN-<step>.png and
mypage-<screen>.png.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from playwright.sync_api import expect

from e2e import kit
from e2e.pages import MyPageTop
from e2e.pages.journeys import register

from .common import local_browser

WIDTH = 390


class Camera:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    def __call__(self, page, name: str, numbered: bool = True, full_page: bool = True) -> Path:
        if numbered:
            self.count += 1
            path = self.folder / f"renewal-{self.count:02d}-{name}.png"
        else:
            path = self.folder / f"{name}.png"
        page.wait_for_load_state("networkidle")
        page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
        if full_page:  # sticky parts (the live premium) in their own place
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
        print(path, flush=True)
        return path


def options(pw, javascript: bool = True) -> dict:
    o = kit.context_options(pw, "iPhone 13", javascript)
    o.update(viewport={"width": WIDTH, "height": 844}, device_scale_factor=1)
    return o


def taro(today: dt.date) -> kit.Person:
    from clickar.demo import demo_rows

    rows = [r for r in demo_rows(today) if r["policy_number"] in ("SJ24000101",)]
    contracts = [{**r, "insurance_start": r["insurance_start"].isoformat(),
                  "insurance_end": r["insurance_end"].isoformat()} for r in rows]
    identity = {k: kit.TARO[k] for k in ("name", "name_kana", "birth_date", "postal_code", "address", "phone")}
    return kit.Person(policy_numbers=[c["policy_number"] for c in contracts], email="taro@example.jp",
                      contracts=contracts, **identity)


def click(page, control) -> None:
    page.locator("#main").evaluate("m => { for (const c of m.children) c.setAttribute('data-stale', '') }")
    control.click()
    expect(page.locator("[data-stale]")).to_have_count(0)


def heading(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1, name=text, exact=True)).to_be_visible()


def onward(page, shoot: Camera, control, title: str, name: str) -> None:
    """Press control, wait for the page titled `title`, take shot `name`."""
    click(page, control)
    heading(page, title)
    shoot(page, name)


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def link(page, name: str):
    return page.get_by_role("link", name=name, exact=True)


def walk(pw, browser, server: kit.LocalServer, shoot: Camera) -> None:
    context = browser.new_context(base_url=server.base_url, **options(pw))
    page = context.new_page()
    person = taro(dt.date.today())
    top = register(page, person, server.mailbox, trust_device=True)
    sheet = page.locator("#install")
    if sheet.count() and sheet.is_visible():
        sheet.get_by_role("button", name="閉じる").click()
    # a second car (added later) and a third outside the renewal period
    far = server.api.create_contract({"policy_number": "SJ99000301", "car_name": "フィット",
                                      "insurance_end": (dt.date.today() + dt.timedelta(days=150)).isoformat(),
                                      **{k: v for k, v in kit.TARO.items()}})
    click(page, link(page, "ご契約を追加する"))
    heading(page, "ご契約の追加")
    page.get_by_label("証券番号", exact=True).fill(far["policy_number"])
    shoot(page, "mypage-add", numbered=False)
    onward(page, shoot, button(page, "追加"), "マイページトップ", "top")
    # outside the period
    click(page, top.card("フィット").get_by_role("link", name="更新のお手続き", exact=True))
    shoot(page, "closed")
    click(page, link(page, "マイページトップへ"))

    onward(page, shoot, top.card("プリウス").get_by_role("link", name="更新のお手続き", exact=True),
           "ご契約内容の確認", "contract")
    onward(page, shoot, button(page, "次へ"), "更新内容の選択", "options")
    before = page.locator("#premium").inner_text()
    page.get_by_label("年齢を問わず補償", exact=True).check()
    expect(page.locator("#premium")).not_to_have_text(before)
    page.get_by_label("1回目0万円・2回目以降10万円", exact=True).check()
    page.wait_for_load_state("networkidle")
    shoot(page, "options-changed")
    page.get_by_label("1回目0万円・2回目以降10万円", exact=True).scroll_into_view_if_needed()
    shoot(page, "options-scrolled", full_page=False)  # the premium stays in sight
    onward(page, shoot, button(page, "次へ"), "保険料の確認", "premium")
    onward(page, shoot, button(page, "次へ"), "重要事項説明・意向確認", "disclosure")
    click(page, button(page, "次へ"))
    shoot(page, "disclosure-error")
    page.get_by_label("重要事項説明書の内容を確認しました。", exact=True).check()
    page.get_by_label("更新後のご契約内容が、私の意向に沿っていることを確認しました。", exact=True).check()
    onward(page, shoot, button(page, "次へ"), "最終確認", "review")
    onward(page, shoot, button(page, "確定"), "更新のお手続き完了", "done")
    onward(page, shoot, link(page, "マイページトップへ"), "マイページトップ", "top-done")
    onward(page, shoot, top.card("プリウス").get_by_role("link", name="お手続き内容を確認する", exact=True),
           "更新のお手続き内容", "receipt")
    click(page, link(page, "このお手続きを取り消す"))
    shoot(page, "cancel")
    click(page, link(page, "取り消さずに戻る"))
    click(page, link(page, "マイページトップへ"))
    MyPageTop(page).expect_shown()

    # My Page screens around contracts
    click(page, top.card("プリウス").get_by_role("link", name="ご契約内容を見る", exact=True))
    shoot(page, "mypage-contract", numbered=False)
    click(page, link(page, "マイページトップへ"))
    click(page, link(page, "お客さま情報"))
    heading(page, "お客さま情報")
    shoot(page, "mypage-profile", numbered=False)
    click(page, link(page, "住所・電話番号を変更する"))
    page.get_by_label("住所", exact=True).fill("東京都千代田区千代田1-1")
    page.get_by_label("郵便番号", exact=True).fill("100-0001")
    shoot(page, "mypage-profile-change", numbered=False)
    click(page, button(page, "変更を申し出る"))
    shoot(page, "mypage-profile-requested", numbered=False)
    # removing a contract from My Page (the フィット, outside its renewal period)
    page.goto("/mypage/")
    click(page, MyPageTop(page).card("フィット").get_by_role("link", name="ご契約内容を見る", exact=True))
    click(page, link(page, "このご契約をマイページから削除する"))
    heading(page, "ご契約の削除")
    shoot(page, "mypage-remove", numbered=False)
    click(page, button(page, "削除する"))
    heading(page, "マイページトップ")
    expect(page.get_by_role("status")).to_contain_text("ご契約をマイページから削除しました。")
    shoot(page, "mypage-removed", numbered=False)
    page.goto("/mypage/withdraw")
    shoot(page, "mypage-withdraw", numbered=False)
    cookies = context.cookies()
    context.close()

    # without JavaScript: the options step with 再計算, same session
    context = browser.new_context(base_url=server.base_url, **options(pw, javascript=False))
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto("/mypage/")
    heading(page, "マイページトップ")
    # the プリウス is done; cancel it without JS to walk the options step again
    page.goto("/mypage/")
    click(page, MyPageTop(page).card("プリウス").get_by_role("link", name="お手続き内容を確認する", exact=True))
    click(page, link(page, "このお手続きを取り消す"))
    click(page, button(page, "取り消す"))
    shoot(page, "receipt-cancelled-nojs")
    page.goto("/mypage/")
    click(page, MyPageTop(page).card("プリウス").get_by_role("link", name="更新のお手続き", exact=True))
    click(page, button(page, "次へ"))
    heading(page, "更新内容の選択")
    page.get_by_label("21歳以上補償", exact=True).check()
    click(page, button(page, "再計算"))
    shoot(page, "options-recalculated-nojs")
    context.close()


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with local_browser("clickar-renewal-shots-") as (server, pw, browser):
        walk(pw, browser, server, Camera(out))


if __name__ == "__main__":
    main(sys.argv[1:])
