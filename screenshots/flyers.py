"""`python -m screenshots.flyers FOLDER`: the QR flyer console, 390 px (and 1280 px).

Starts a server like the e2e kit's local mode, makes a staff account with
`flask staff create`, walks the console in Debian's chromium and writes
flyers-<screen>.png; a month of made-up scans is written into the server's
database first so the results chart has something to show. The A4 flyer of
the campaign is rendered with pdftoppm to flyers-a4.png.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from e2e import kit
from e2e.pages.staff import STAFF_EMAIL, STAFF_PASSWORD, CampaignList, StaffLogin


def shoot(page, folder: Path, name: str) -> Path:
    path = folder / f"flyers-{name}.png"
    page.wait_for_load_state("networkidle")
    page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    print(path, flush=True)
    return path


def make_staff(server: kit.LocalServer) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CLICKAR_")}
    environ.update({"CLICKAR_ENV": "testing",
                    "CLICKAR_DATABASE_URL": f"sqlite:///{server.workdir / 'clickar-e2e.db'}",
                    "CLICKAR_STAFF_PASSWORD": STAFF_PASSWORD})
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "staff", "create", STAFF_EMAIL,
                    "--role", "admin"], cwd=kit.ROOT, env=environ, check=True, capture_output=True)


def made_up_month(server: kit.LocalServer, code: str) -> None:
    """30 days of scans (more at the weekend after the flyer went out) and a funnel."""
    rng = random.Random(7)
    db = sqlite3.connect(server.workdir / "clickar-e2e.db")
    (campaign_id,) = db.execute("SELECT id FROM campaign WHERE code = ?", (code,)).fetchone()
    today = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    devices = [("iPhone", "Safari")] * 6 + [("iPhone", "LINE")] * 2 + [("Android", "Chrome")] * 4 + \
        [("Windows", "Edge"), ("Mac", "Safari")]
    wizard = 0
    for back in range(29, -1, -1):
        day = today - dt.timedelta(days=back)
        n = max(0, int(rng.gauss(9 if back > 20 else 4, 3))) + (12 if back in (24, 23) else 0)
        for _ in range(n):
            when = day.replace(hour=rng.randint(0, 14), minute=rng.randint(0, 59))
            device, browser = rng.choice(devices)
            db.execute("INSERT INTO visit (campaign_id, created_at, client, device, browser, is_bot) "
                       "VALUES (?, ?, ?, ?, ?, 0)", (campaign_id, when, secrets.token_hex(16), device, browser))
            if rng.random() < 0.45:
                wizard += 1
                db.execute("INSERT INTO funnel_event (campaign_id, kind, wizard_id, created_at) "
                           "VALUES (?, 'started', ?, ?)", (campaign_id, f"shot-{wizard}", when))
                if rng.random() < 0.6:
                    db.execute("INSERT INTO funnel_event (campaign_id, kind, wizard_id, member_id, created_at) "
                               "VALUES (?, 'registered', ?, ?, ?)", (campaign_id, f"shot-{wizard}", 9000 + wizard,
                                                                     when + dt.timedelta(minutes=20)))
                    if rng.random() < 0.5:
                        db.execute("INSERT INTO funnel_event (campaign_id, kind, member_id, created_at) "
                                   "VALUES (?, 'renewed', ?, ?)", (campaign_id, 9000 + wizard,
                                                                   when + dt.timedelta(days=1)))
    db.execute("INSERT INTO visit (campaign_id, created_at, client, device, browser, is_bot) "
               "VALUES (?, ?, 'bot', 'other', 'other', 1)", (campaign_id, today))
    db.commit()
    db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    folder = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="clickar-flyer-shots-"))
    server = kit.LocalServer(workdir, workdir / "server.log").start()
    try:
        make_staff(server)
        with sync_playwright() as pw:
            browser = kit.launch_chromium(pw)
            options = kit.context_options(pw, "iPhone 13")
            options.update(viewport={"width": 390, "height": 844}, device_scale_factor=1)
            context = browser.new_context(base_url=server.base_url, **options)
            page = context.new_page()

            page.goto(StaffLogin.path)
            login = StaffLogin(page).expect_shown()
            shoot(page, folder, "login")
            login.field("メールアドレス").fill(STAFF_EMAIL)
            login.field("パスワード").fill("wrong-password-here")
            login.submit(login.button("ログイン"))
            shoot(page, folder, "login-error")
            campaigns = login.log_in(STAFF_EMAIL, STAFF_PASSWORD)
            shoot(page, folder, "campaigns-empty")

            form = campaigns.new_campaign()
            shoot(page, folder, "campaign-new")
            form.field("キャンペーン名").fill("")
            form.field("配布開始日").fill("2026-04-01")
            form.field("有効期限（この日まで有効）").fill("2026-03-01")
            form.submit(form.button("作成する"))
            shoot(page, folder, "campaign-new-errors")

            page.goto(CampaignList.path)
            spring = CampaignList(page).expect_shown().new_campaign()
            spring.field("配布開始日").fill((dt.date.today() - dt.timedelta(days=32)).isoformat())
            spring.field("取扱代理店名（チラシに印刷）").fill("株式会社サンプル保険サービス")
            spring.field("取扱代理店の電話番号（チラシに印刷）").fill("03-1234-5678")
            detail = spring.create(
                "2026年春 Aグループ配布分", "新規登録（会員登録のはじめ）", label="株式会社サンプル商事 団体扱")
            code = detail.code()
            shoot(page, folder, "campaign")
            page.goto(CampaignList.path)
            CampaignList(page).expect_shown().new_campaign().create(
                "AIチャット Aグループ", "AIチャット", label="株式会社サンプル商事 団体扱")

            page.goto(CampaignList.path)
            expired_form = CampaignList(page).expect_shown().new_campaign()
            expired_form.field("配布開始日").fill("2025-01-01")
            expired_form.field("有効期限（この日まで有効）").fill("2025-03-31")
            expired_code = expired_form.create("2025年冬 Bグループ（終了）", "マイページトップ").code()

            made_up_month(server, code)
            page.goto(CampaignList.path)
            shoot(page, folder, "campaigns")
            campaign_id = page.locator(".campaign-card__title a", has_text="2026年春").get_attribute("href")
            page.goto(f"{campaign_id}results")
            page.locator("details.details summary").click()
            shoot(page, folder, "results")

            wide = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900},
                                       locale="ja-JP", timezone_id="Asia/Tokyo", service_workers="block",
                                       storage_state=context.storage_state())
            wpage = wide.new_page()
            wpage.goto(f"{campaign_id}results")
            shoot(wpage, folder, "results-1280")
            wpage.goto(campaign_id)
            shoot(wpage, folder, "campaign-1280")
            wpage.goto(CampaignList.path)
            shoot(wpage, folder, "campaigns-1280")

            nojs = browser.new_context(base_url=server.base_url, java_script_enabled=False,
                                       storage_state=context.storage_state(),
                                       **{k: v for k, v in options.items() if k != "java_script_enabled"})
            npage = nojs.new_page()
            npage.goto(f"{campaign_id}results")
            shoot(npage, folder, "results-nojs")
            npage.goto(f"{campaign_id}qr?format=png&size=500")
            shoot(npage, folder, "download-error-nojs")

            visitor = browser.new_context(base_url=server.base_url, **options).new_page()
            visitor.goto("/r/NOTACODE")
            shoot(visitor, folder, "link-unknown")
            visitor.goto(f"/R/{expired_code}")
            shoot(visitor, folder, "link-expired")

            with urllib.request.urlopen(urllib.request.Request(
                    server.base_url + f"{campaign_id}flyer.pdf",
                    headers={"Cookie": "; ".join(f"{c['name']}={c['value']}"
                                                 for c in context.cookies())})) as response:
                pdf = response.read()
            pdf_path = workdir / "flyer.pdf"
            pdf_path.write_bytes(pdf)
            subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf_path),
                            str(folder / "flyers-a4")], check=True)
            print(folder / "flyers-a4.png")
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
