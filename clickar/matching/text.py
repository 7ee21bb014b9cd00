"""Character-level folding shared by the matchers: NFKC, hyphens, numerals,
variant kanji, kana.  Policy rules 1, 3 and 4 live here."""

from __future__ import annotations

import re
import unicodedata

from ..jp import nfkc

__all__ = [
    "HYPHENS",
    "nfkc",
    "kanji_numerals_to_arabic",
    "normalise_name",
    "normalise_kana",
]

# Rule 1: every hyphen, dash and long-bar look-alike.  After NFKC the
# full-width and half-width forms (－ ｰ ‑) have become - ー ‐.
HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe63\uff0d\u30fc\uff70-"
_HYPHEN_CLASS = "[" + re.escape(HYPHENS) + "]"

_SPACES = re.compile(r"\s+")




# ---------------------------------------------------------------- numerals

_KANJI_DIGIT = {
    "〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_KANJI_UNIT = {"十": 10, "百": 100, "千": 1000}
_KANJI_RUN = re.compile("[" + "".join(_KANJI_DIGIT) + "".join(_KANJI_UNIT) + "]+")


def _kanji_run_value(run: str) -> str:
    if not any(ch in _KANJI_UNIT for ch in run):
        # 一〇一 (digit by digit, as room numbers are written)
        return "".join(str(_KANJI_DIGIT[ch]) for ch in run)
    total = 0
    current = 0
    for ch in run:
        if ch in _KANJI_UNIT:
            total += (current or 1) * _KANJI_UNIT[ch]
            current = 0
        else:
            current = current * 10 + _KANJI_DIGIT[ch]
    return str(total + current)


def kanji_numerals_to_arabic(text: str) -> str:
    """三 → 3, 二十三 → 23, 百二 → 102, 一〇一 → 101, anywhere in the text."""
    return _KANJI_RUN.sub(lambda m: _kanji_run_value(m.group()), text)


# ------------------------------------------------------------------- names

# Rule 3: the curated table, and nothing else.  Each old/variant form maps to
# one representative; 崎≠埼, 斎≠斉, 齋≠齊 stay apart because they are absent.
NAME_VARIANTS: dict[str, str] = {
    "髙": "高",
    "﨑": "崎",
    "邊": "辺", "邉": "辺",
    "齋": "斎",
    "澤": "沢",
    "濱": "浜",
    "廣": "広",
    "國": "国",
    "櫻": "桜",
    "眞": "真",
    "德": "徳",
    "瀨": "瀬",
    "嶋": "島", "嶌": "島",
    "惠": "恵",
    "邨": "村",
    "藪": "薮",
    "冨": "富",
    "槇": "槙",
}
_NAME_TABLE = str.maketrans(NAME_VARIANTS)
# Spaces and the middle dot that separates given and family names.
_NAME_SEPARATORS = re.compile(r"[\s・]+")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def fold_variants(text: str) -> str:
    return text.translate(_NAME_TABLE)


def normalise_name(text: object) -> str | None:
    """氏名 → comparison key: NFKC, no spaces or ・, variant kanji folded, Latin
    letters upper-cased.  None when nothing is left."""
    s = _NAME_SEPARATORS.sub("", nfkc(text))
    if not s:
        return None
    # NFKC may leave a combining mark after a removed space (e.g. ゛).
    s = unicodedata.normalize("NFC", s)
    return fold_variants(s).translate(_ASCII_UPPER)


# -------------------------------------------------------------------- kana

_SMALL_TO_LARGE = str.maketrans({
    "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ",
    "ッ": "ツ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ", "ヮ": "ワ",
    "ヵ": "カ", "ヶ": "ケ",
    "ㇰ": "ク", "ㇱ": "シ", "ㇲ": "ス", "ㇳ": "ト", "ㇴ": "ヌ", "ㇵ": "ハ",
    "ㇶ": "ヒ", "ㇷ": "フ", "ㇸ": "ヘ", "ㇹ": "ホ", "ㇺ": "ム", "ㇻ": "ラ",
    "ㇼ": "リ", "ㇽ": "ル", "ㇾ": "レ", "ㇿ": "ロ",
})
_HIRAGANA_TO_KATAKANA = str.maketrans(
    {chr(c): chr(c + 0x60) for c in range(0x3041, 0x3097)}
    | {"ゝ": "ヽ", "ゞ": "ヾ"}
)
_KANA_HYPHENS = str.maketrans({ch: "ー" for ch in HYPHENS})
_KANA_SEPARATORS = re.compile(r"[\s・]+")
_KATAKANA_ONLY = re.compile(r"[\u30a1-\u30fa\u30fc-\u30fe]+")


def normalise_kana(text: object) -> str | None:
    """フリガナ → comparison key: katakana, full width, large kana, no spaces.

    ヴ and voicing marks are kept (ヴ≠ブ, ジ≠シ).  None when empty or when
    anything but kana is left (a kanji in the フリガナ field)."""
    s = _KANA_SEPARATORS.sub("", nfkc(text))
    if not s:
        return None
    s = unicodedata.normalize("NFC", s)  # カ + ゛ typed apart → ガ
    s = s.translate(_HIRAGANA_TO_KATAKANA).translate(_SMALL_TO_LARGE)
    s = s.translate(_KANA_HYPHENS)
    if not _KATAKANA_ONLY.fullmatch(s):
        return None
    return s
