"""Screenshots of the AIチャット at 390 px: `python -m screenshots.help [FOLDER]`.

Runs its own Clickar in this process (temporary SQLite, werkzeug in a thread),
drives Debian's chromium with Playwright, and writes help-*.png into FOLDER
(default docs/screenshots): the page with an answer, a suggestion and a
handoff, the page without JavaScript, the drawer closed and open, and the
staff list at /staff/help; and the optional model's streamed summary
(help-llm-summary.png, against a stand-in model).
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from e2e import kit

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "ja-JP", "timezone_id": "Asia/Tokyo", "service_workers": "block"}
STAFF_EMAIL = "marketing@example.jp"
STAFF_PASSWORD = "help-screens-2026"


def serve(workdir: Path):
    os.environ["CLICKAR_ENV"] = "testing"
    from werkzeug.serving import make_server

    from clickar import create_app
    from clickar.db import database, upgrade
    from clickar.staff.accounts import create_staff
    from clickar.help import chat

    app = create_app({"DATABASE_URL": f"sqlite:///{workdir / 'help.db'}", "BASE_URL": "http://127.0.0.1"})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        create_staff(STAFF_EMAIL, STAFF_PASSWORD, "marketing")
        from clickar.help import log
        for question in ("ログインできない", "ぐるぐるして先に進めない", "山田さんの証券番号AB12345678を変えたい"):
            chat.ask(question)
        x = chat.ask("パスワードを忘れた")
        log.log_vote(x.id, x.reply.faq_id, "down", "パスワードわすれた 090-1234-5678 に電話ほしい")
        database.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", app


class FakeModel(BaseHTTPRequestHandler):
    """A stand-in for an OpenAI-compatible model, streaming slowly (CLICKAR_LLM_URL)."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ("ログイン画面の「パスワードをお忘れの方」から、", "登録したメールアドレスに届くURLで",
                      "新しいパスワードを設定できます。"):
            chunk = {"choices": [{"delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
            time.sleep(0.2)
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args):
        pass


def ask(page, question: str):
    count = page.locator("#chat-log > li").count()
    page.fill("#chat-q", question)
    page.click("#chat-form button[type=submit]")
    page.locator("#chat-log > li").nth(count).wait_for()
    page.wait_for_timeout(150)


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server, base, app = serve(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = kit.launch_chromium(p)

                def phone(javascript=True):
                    return browser.new_context(base_url=base, java_script_enabled=javascript, **PHONE).new_page()

                for name, question in (("answer", "パスワード忘れた"), ("suggest", "メール届かない"),
                                       ("handoff", "事故を起こしてしまいました"),
                                       ("handoff-public", "自動車税の払い方おしえて"),
                                       ("suggest-note", "保険料いくら？"),
                                       ("moved", "引っ越して住所が変わりました"),
                                       ("vague", "よくわからない"),
                                       ("romaji", "koushin no kigen itsu made?"),  # a keyboard left in English
                                       ("dakuten", "ろくいんかめんかとこにあるかわからない")):  # flick slips
                    page = phone()
                    page.goto("/help/chat")
                    ask(page, question)
                    page.screenshot(path=out / f"help-{name}.png", full_page=True)
                    if name == "handoff":  # every phone number a thumb can hit (issue 20's phone walk)
                        heights = [box["height"] for a in page.locator(".chat-exchange a[href^='tel:']").all()
                                   if (box := a.bounding_box())]
                        assert heights and min(heights) >= 44, heights
                    page.context.close()

                narrow = dict(PHONE, viewport={"width": 320, "height": 568})
                page = browser.new_context(base_url=base, **narrow).new_page()  # iPhone SE (1st) width
                page.goto("/help/chat")
                ask(page, "事故を起こしてしまいました")
                page.screenshot(path=out / "help-handoff-320.png", full_page=True)
                page.context.close()

                page = phone()  # いいえ on an answer: the next candidates in place
                page.goto("/help/chat")
                ask(page, "パスワード忘れた")
                page.click("button[name=vote][value=down] >> nth=-1")
                page.wait_for_selector(".chat-suggest--next")
                page.screenshot(path=out / "help-no-next.png", full_page=True)
                page.context.close()

                page = phone(javascript=False)
                page.goto("/help/chat")
                page.fill("#chat-q", "メール届かない")
                page.click("#chat-form button[type=submit]")
                page.click("text=仮登録メールが届かない >> nth=-1")
                page.screenshot(path=out / "help-nojs.png", full_page=True)
                page.click("button[name=vote][value=down] >> nth=-1")  # the page reloads at the next topics
                page.screenshot(path=out / "help-nojs-no.png")  # what the phone shows, not the full page
                page.context.close()

                page = phone(javascript=False)  # romaji without JavaScript: the suggestions, posted and drawn again
                page.goto("/help/chat")
                page.fill("#chat-q", "touroku dekinai")
                page.click("#chat-form button[type=submit]")
                page.screenshot(path=out / "help-nojs-romaji.png", full_page=True)
                page.context.close()

                page = phone()
                page.goto("/mypage/login")
                page.screenshot(path=out / "help-drawer-closed.png")
                page.click("[data-chat-open]")
                page.wait_for_selector("#chat-dialog #chat-q")
                ask(page, "ワンタイムパスワードが届かない")
                page.screenshot(path=out / "help-drawer.png")
                page.context.close()

                model = ThreadingHTTPServer(("127.0.0.1", 0), FakeModel)
                threading.Thread(target=model.serve_forever, daemon=True).start()
                app.config["LLM_URL"] = f"http://127.0.0.1:{model.server_port}/v1"
                page = phone()
                page.goto("/mypage/login")
                page.click("[data-chat-open]")
                page.wait_for_selector("#chat-dialog #chat-q")
                ask(page, "パスワードわすれた")
                from playwright.sync_api import expect

                expect(page.locator(".chat-summary__text")).to_have_text(re.compile(r".{40,}設定できます。$"))
                page.locator(".chat-summary").evaluate("box => box.scrollIntoView({block: 'center'})")
                page.screenshot(path=out / "help-llm-summary.png")
                page.context.close()
                app.config["LLM_URL"] = None
                model.shutdown()

                page = phone()
                page.goto("/staff/help")  # → the console's login, and back here after it
                page.fill("#email", STAFF_EMAIL)
                page.fill("#password", STAFF_PASSWORD)
                page.click("#main button[type=submit]")
                page.wait_for_url("**/staff/help")
                page.wait_for_selector("#questions")
                page.screenshot(path=out / "help-staff.png", full_page=True)
                page.context.close()
                browser.close()
        finally:
            server.shutdown()
    for f in sorted(out.glob("help-*.png")):
        print(f)


if __name__ == "__main__":
    main(sys.argv[1:])
