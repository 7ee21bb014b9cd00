"""Find and register a Japanese TrueType font that reportlab can embed.

reportlab embeds TrueType (glyf) outlines only; the Noto CJK / Source Han
OpenType fonts (CFF outlines, .otf/.ttc) cannot be used.  The font we rely on
comes from the Debian package ``fonts-ipaexfont-gothic`` (IPAexGothic,
``/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf``); IPAGothic from
``fonts-ipafont-gothic`` and a few other TrueType Japanese fonts are accepted
as fall-backs.  ``CLICKAR_JP_FONT=/path/to/font.ttf`` overrides the search.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import subprocess

FONT_NAME = "ClickarJP"
DEBIAN_PACKAGE = "fonts-ipaexfont-gothic"
ENV_VAR = "CLICKAR_JP_FONT"

# Best first.  Paths are the ones Debian/Ubuntu packages install.
KNOWN_FONTS = (
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",  # fonts-ipaexfont-gothic
    "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",  # fonts-ipafont-gothic
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",  # alternatives symlink
    "/usr/share/fonts/truetype/takao-gothic/TakaoPGothic.ttf",  # fonts-takao-gothic
    "/usr/share/fonts/truetype/vlgothic/VL-PGothic-Regular.ttf",  # fonts-vlgothic
)

SEARCH_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    os.path.expanduser("~/.fonts"),
    os.path.expanduser("~/.local/share/fonts"),
)

# Characters a usable font must have (kana, kanji, symbols the flyer uses).
PROBE = "ご契約者皆さまへ登録手順証券番号二次元コード★※〒「」（）"


class JapaneseFontNotFound(RuntimeError):
    pass


def _is_usable(path: str) -> bool:
    """A TrueType-outline font with all PROBE characters."""
    try:
        from reportlab.pdfbase.ttfonts import TTFont

        font = TTFont("_probe", path)
    except Exception:  # not a file, CFF outlines, broken font...
        return False
    cmap = font.face.charToGlyph
    return all(ord(ch) in cmap for ch in PROBE)


def _candidates():
    env = os.environ.get(ENV_VAR)
    if env:
        yield env
        return
    yield from KNOWN_FONTS
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(
                ["fc-list", ":lang=ja:fontformat=TrueType", "file"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in sorted(out.splitlines()):
            path = line.split(":", 1)[0].strip()
            if path.lower().endswith(".ttf"):
                yield path
    for d in SEARCH_DIRS:
        yield from sorted(glob.glob(os.path.join(d, "**", "*.ttf"), recursive=True))


@functools.lru_cache(maxsize=1)
def find_japanese_font() -> str:
    """Path of a Japanese TrueType font reportlab can embed, or raise."""
    seen = set()
    for path in _candidates():
        real = os.path.realpath(path)
        if real in seen or not os.path.isfile(real):
            continue
        seen.add(real)
        if _is_usable(real):
            return real
    if os.environ.get(ENV_VAR):
        raise JapaneseFontNotFound(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a TrueType (.ttf, glyf "
            "outlines) font with Japanese glyphs"
        )
    raise JapaneseFontNotFound(
        "No Japanese TrueType font found for the PDF flyer. Install one with "
        f"`apt-get install -y {DEBIAN_PACKAGE}` or set {ENV_VAR}=/path/to/font.ttf "
        "(CFF/OpenType fonts such as Noto Sans CJK cannot be embedded by reportlab)."
    )


@functools.lru_cache(maxsize=1)
def register_japanese_font() -> str:
    """Register the font with reportlab (once) and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = find_japanese_font()
    pdfmetrics.registerFont(TTFont(FONT_NAME, path))
    return FONT_NAME


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` the registered font cannot draw (would be tofu)."""
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(register_japanese_font())
    cmap = font.face.charToGlyph
    return {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
