"""The printable A4 flyer: one page, Japanese font embedded, QR codes decode."""

from __future__ import annotations

import re

import pytest

from clickar.flyers import fonts
from clickar.flyers.pdf import MAIN_QR_MM, flyer_pdf
from clickar.flyers.qr import QrOptions, qr_layout

URL = "HTTP://127.0.0.1:5000/R/ABC123"
HELP = "HTTP://127.0.0.1:5000/R/HELP42"
AGENCY = "株式会社サンプル保険サービス <本店> & Co."


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return flyer_pdf(
        URL, agency_name=AGENCY, agency_phone="03-1234-5678", help_url=HELP
    )


@pytest.fixture(scope="module")
def text(pdf, tools) -> str:
    return re.sub(r"\s+", "", tools.pdf_tool("pdftotext", pdf))


def test_one_a4_portrait_page(pdf, tools):
    info = tools.pdf_tool("pdfinfo", pdf)
    assert re.search(r"Pages:\s+1\n", info)
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert abs(w - 595.28) < 0.5 and abs(h - 841.89) < 0.5


def test_japanese_font_is_embedded(pdf, tools):
    assert b"/FontFile2" in pdf  # TrueType font program inside the file
    rows = tools.pdf_tool("pdffonts", pdf).splitlines()[2:]
    assert rows, "no fonts"
    for row in rows:
        name, kind, *_ = row.split()
        assert kind == "TrueType", row
        # columns: emb sub uni are the three yes/no before the object id
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, uni) == ("yes", "yes"), row


@pytest.mark.parametrize("dpi", [80, 150])
def test_both_qr_codes_decode_from_the_rendered_page(pdf, tools, dpi):
    found = {b.text for b in tools.decode(tools.pdf_to_image(pdf, dpi))}
    assert found == {URL, HELP}


def test_main_qr_is_printed_at_its_size(pdf, tools):
    dpi = 150
    codes = {b.text: b for b in tools.decode(tools.pdf_to_image(pdf, dpi))}
    pos = codes[URL].position
    symbol_px = pos.top_right.x - pos.top_left.x
    lay = qr_layout(URL, QrOptions(size_mm=MAIN_QR_MM))
    expected_mm = MAIN_QR_MM * lay.size / lay.total  # quiet zone excluded
    assert abs(symbol_px / dpi * 25.4 - expected_mm) < 0.6


def test_without_help_url_there_is_one_code(tools):
    out = flyer_pdf(URL)
    assert {b.text for b in tools.decode(tools.pdf_to_image(out, 150))} == {URL}
    assert "AIチャット" not in tools.pdf_tool("pdftotext", out)


@pytest.mark.parametrize(
    "needle",
    [
        "ご契約者の皆さまへ",
        "団体扱自動車保険WEB更新サービス",
        "Clickar",
        "マイページ会員登録お手続き手順",
        "所要時間目安：約5分",
        "カメラで二次元コードを読み取ってください",
        "★重要★",
        "「証券番号」",
        "『更新後』証券番号ではありません",
        "「氏名」「住所」「生年月日」「電話番号」",
        "最大5契約",
        "マイページの操作でお困りの場合は…",
        "AIチャットにご質問ください。",
        "【お問い合わせ先】",
        "（取扱代理店）",
        "（引受保険会社）",
        "〒160-8338東京都新宿区西新宿1-26-1",
        "株式会社サンプル保険サービス<本店>&Co.",
        "03-1234-5678",
        "損保ジャパン",
    ],
)
def test_flyer_wording(text, needle):
    assert needle in text


def test_all_ten_steps(text):
    titles = [
        "マイページにアクセス",
        "マイページログイン",
        "マイページご利用までの流れを確認",
        "会員規定への同意",
        "お客さま情報の入力",
        "お客さま情報の確認",
        "仮登録受付",
        "メール受信",
        "本登録",
        "登録完了",
    ]
    missing = [t for t in titles if t not in text]
    assert not missing


def test_no_missing_glyphs(text):
    assert fonts.missing_glyphs(text) == set()


def test_long_agency_data_still_fits_one_page(tools):
    out = flyer_pdf(
        "https://clickar.example.jp/r/K7Q2ZP9XAB",
        agency_name="有限会社とても長い名前の保険代理店サービスセンター東日本営業本部 第二課" * 2,
        agency_phone="0120-000-000（受付時間 平日9:00～17:00）",
        help_url=HELP,
    )
    assert re.search(r"Pages:\s+1\n", tools.pdf_tool("pdfinfo", out))
    found = {b.text for b in tools.decode(tools.pdf_to_image(out, 150))}
    assert found == {"https://clickar.example.jp/r/K7Q2ZP9XAB", HELP}


def test_same_input_same_bytes():
    assert flyer_pdf(URL) == flyer_pdf(URL)


def test_missing_font_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.ENV_VAR, str(tmp_path / "nope.ttf"))
    fonts.find_japanese_font.cache_clear()
    try:
        with pytest.raises(fonts.JapaneseFontNotFound, match=fonts.ENV_VAR):
            fonts.find_japanese_font()
        monkeypatch.delenv(fonts.ENV_VAR)
        monkeypatch.setattr(fonts, "KNOWN_FONTS", ())
        monkeypatch.setattr(fonts, "SEARCH_DIRS", (str(tmp_path),))
        monkeypatch.setattr(fonts.shutil, "which", lambda _: None)
        with pytest.raises(fonts.JapaneseFontNotFound, match=fonts.DEBIAN_PACKAGE):
            fonts.find_japanese_font()
    finally:
        fonts.find_japanese_font.cache_clear()


def test_cff_font_is_rejected(monkeypatch):
    noto = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    import os

    if not os.path.exists(noto):
        pytest.skip("no Noto CJK on this machine")
    assert not fonts._is_usable(noto)


def test_font_is_found():
    path = fonts.find_japanese_font()
    assert path.endswith(".ttf") and fonts._is_usable(path)


def test_each_code_has_its_url_printed_for_people_who_cannot_scan(text):
    """Issue 19 item 21: the URL as people type it (lower-case host, /r/), under each code."""
    assert "http://127.0.0.1:5000/r/ABC123" in text
    assert "http://127.0.0.1:5000/r/HELP42" in text


def test_a_long_printed_url_stays_on_the_page(tools):
    long_host = "HTTPS://CLICKAR-RENEWAL.GROUP-INSURANCE.EXAMPLE.CO.JP/R/ABCD2345"
    pdf = flyer_pdf(long_host, help_url=long_host.replace("ABCD2345", "HELP4242"))
    boxes = tools.pdf_tool("pdftotext", pdf, "-bbox")
    page_width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(https://clickar[^<]+)</word>',
                       boxes)
    assert sorted(w for _, _, w in words) == [
        "https://clickar-renewal.group-insurance.example.co.jp/r/ABCD2345",
        "https://clickar-renewal.group-insurance.example.co.jp/r/HELP4242"]
    margin = 11 * 72 / 25.4
    for x_min, x_max, _ in words:
        assert margin - 1 <= float(x_min) and float(x_max) <= page_width - margin + 1


FLYER_STEP_IMAGES = [2, 4, 6, 7, 9, 10]  # screenshots/flyer_steps.py: the key steps with a screen of their own


def test_the_flyer_shows_a_phone_screen_of_each_key_step(pdf, tools):
    """Issue 19 item 21: the app's own screenshots (make flyer-images), one per key step's card."""
    from io import BytesIO

    from PIL import Image

    from clickar.flyers.pdf import STEP_IMAGE_RATIO, step_images

    found = step_images()
    assert [n for n, _ in found] == FLYER_STEP_IMAGES
    for _, png in found:
        with Image.open(BytesIO(png)) as image:
            assert image.format == "PNG" and image.width == 390
            assert abs(image.height / image.width - STEP_IMAGE_RATIO) < 0.01
    listed = tools.pdf_tool("pdfimages", pdf, "-list").splitlines()[2:]
    assert len(listed) == len(FLYER_STEP_IMAGES)


def test_without_step_images_the_flyer_has_no_pictures(tools):
    listed = tools.pdf_tool("pdfimages", flyer_pdf(URL, help_url=HELP, images=()), "-list").splitlines()[2:]
    assert listed == []
