"""`python -m screenshots.flyer_steps [FOLDER]` (make flyer-images): the phone screens printed
on the A4 flyer (issue 19 item 21), taken from the app itself at build time.

Walks the flyer's registration steps at 390 px (iPhone 13 profile, emulated in Chromium) and
keeps the top of the screen of the key steps as step-NN.png (NN = the flyer's step number) in
FOLDER (default clickar/flyers/step_images, which flyers/pdf.py reads). The PNGs are committed:
the app's image has no browser, and the flyer is drawn at request time (docs/ux-decisions.md).
"""
from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from PIL import Image

from e2e import kit
from e2e.pages import LoginPage, VerifyPage

from .common import local_browser, phone_context, snap
from .journey import close_install_sheet

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT / "clickar" / "flyers" / "step_images"
SCREEN = {"width": 390, "height": 507}  # the top of a phone screen (pdf.STEP_IMAGE_RATIO 1.3)


def _keep(page, folder: Path, step: int) -> Path:
    """The visible screen as step-NN.png, in 64 colours (small; text stays sharp at print size)."""
    path = folder / f"step-{step:02d}.png"
    with tempfile.TemporaryDirectory() as scratch:
        png = snap(page, Path(scratch) / path.name, full_page=False)
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    image.save(path, optimize=True)
    return path


def walk(page, server: kit.LocalServer, people: kit.People, folder: Path) -> list[Path]:
    import dataclasses

    person = dataclasses.replace(people.new(), email="taro@example.jp")  # what a reader expects to see
    kept = []
    page.goto("/mypage/")
    login = LoginPage(page).expect_shown()
    close_install_sheet(page)
    kept.append(_keep(page, folder, 2))  # マイページログイン: 新規登録
    terms = login.start_registration().start_registration()
    kept.append(_keep(page, folder, 4))  # 会員規定への同意
    # not 5 お客さま情報の入力: its card holds the ★重要★ box, a picture would make the flyer's text smaller
    confirm = terms.agree_to_terms().fill(person).next()
    kept.append(_keep(page, folder, 6))  # お客さま情報の確認
    confirm.confirm()
    kept.append(_keep(page, folder, 7))  # 仮登録受付
    VerifyPage(page).open_url(server.mailbox.verification_url(person.email))
    kept.append(_keep(page, folder, 9))  # 本登録
    VerifyPage(page).register(person.password)
    kept.append(_keep(page, folder, 10))  # 登録完了
    return kept


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else DEFAULT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    with local_browser("clickar-flyer-steps-") as (server, pw, browser):
        context = phone_context(pw, browser, server, "iPhone 13", SCREEN)
        kept = walk(context.new_page(), server, kit.People(server.api, "FLYER0"), folder)
    print(f"{len(kept)} step images in {folder}")
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
