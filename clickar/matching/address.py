"""住所 (policy rule 2).

An address is brought to one canonical spelling, then split in four:

    prefecture  東京都                 (may be omitted by the person)
    locality    新宿区西新宿           (city, town, 大字/字 dropped, numerals arabic)
    numbers     (2, 8, 1)              (丁目・番地・番・号 or hyphens: the house number)
    room        1203                   (号室, 室, #, or a number ending the building part)

Canonical spelling: NFKC; kanji numerals → arabic everywhere (北一条西 →
北1条西); 丁目/番地/番/号 and の between digits → '-'; every hyphen look-alike
between digits → '-'; N号室 / N室 / #N → '#N'; ケ/ヶ/が/ガ → ケ; the name
variant table; spaces dropped (a space between two numbers is a '-').

Matching (contract → entry): the entry, canonically spelt, must begin with the
contract's locality followed by exactly the contract's numbers.  What follows is
building and room: a room given on both sides must be equal; a building name is
never compared (the house number already fixes the plot; people write building
names in too many ways).  A bare extra number (2-8-1-1203) counts as the room
only when it equals the contract's room; otherwise it is a different house
number (1-2 ≠ 1-2-3).
"""

from __future__ import annotations

import re

from .text import HYPHENS, fold_variants, kanji_numerals_to_arabic, nfkc

__all__ = ["PREFECTURES", "address_form", "address_matches", "normalise_address"]

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県",
    "茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県",
    "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県",
    "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県",
    "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県",
    "徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県",
    "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)
_PREFECTURE = re.compile("|".join(sorted(PREFECTURES, key=len, reverse=True)))

_H = "[" + re.escape(HYPHENS) + "]"
_SPACE_AFTER_DIGIT = re.compile(r"(?<=[0-9])\s+")
_SPACE = re.compile(r"\s+")
_LEADING_POSTAL = re.compile(r"^\s*〒\s*[0-9]{3}\s*" + _H + r"?\s*[0-9]{4}")
_KE = str.maketrans({"ヶ": "ケ", "が": "ケ", "ガ": "ケ"})
_AZA = re.compile("大?字")
_HYPHENS_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])" + _H + r"+(?=[0-9])")
# 1203号室, 1203室, ＃1203 → #1203
_ROOM_SUFFIX = re.compile(r"([0-9]+)-*(?:号室|室)")
_ROOM_HASH = re.compile(r"#-*(?=[0-9])")
# 二丁目 八番地 八番 一号 (not 番町, 番館, 号棟 …), with an optional の after
_MARKER = re.compile(
    r"([0-9])-*(?:丁目|番地|番(?![町館街丁通])|号(?![棟館線]))(?:-*[のノ](?=-*[0-9]))?"
)
_NO_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])-*[のノ]-*(?=[0-9])")
_HYPHEN_RUN = re.compile(r"-{2,}")
_LONE_HYPHEN = re.compile(r"(?<![0-9])-|-(?![0-9])")
_HASH_RUN = re.compile(r"-*#+")
_NUMBERS = re.compile(r"[0-9]+(?:-[0-9]+)*")
_ROOM_AT_END = re.compile(r"#?([A-Z]?[0-9]+[A-Z]?)$")
_ROOM_MARKED = re.compile(r"#([A-Z]?[0-9]+[A-Z]?)")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def _spell(text: object) -> tuple[str | None, str]:
    """(prefecture or None, canonical spelling).  A '-' not between digits may
    remain: it marks where a number ended (123番地 コーポ → 123-コーポ)."""
    s = _LEADING_POSTAL.sub("", nfkc(text).upper()).strip()
    prefecture = None
    m = _PREFECTURE.match(s)
    if m:  # before numerals: 千葉県, 三重県
        prefecture = m.group()
        s = s[m.end():]
    s = fold_variants(s).translate(_KE)
    s = _AZA.sub("", s)
    s = kanji_numerals_to_arabic(s)
    s = _SPACE_AFTER_DIGIT.sub("-", s.strip())  # 2-8-1 1203, 山田123 コーポ
    s = _SPACE.sub("", s)
    s = _HYPHENS_BETWEEN_DIGITS.sub("-", s)
    s = _ROOM_SUFFIX.sub(r"#\1", s)
    s = _ROOM_HASH.sub("#", s)
    s = _MARKER.sub(r"\1-", s)
    s = _NO_BETWEEN_DIGITS.sub("-", s)
    s = _HYPHEN_RUN.sub("-", s)
    s = _HASH_RUN.sub("#", s)
    return prefecture, s


def _flat(s: str) -> str:
    """Drop every '-' that is not between two digits."""
    s = _LONE_HYPHEN.sub("", s)
    return _HASH_RUN.sub("#", s)


def _room(trailer: str) -> str | None:
    marked = _ROOM_MARKED.findall(trailer)
    if marked:
        return _LEADING_ZEROS.sub("", marked[-1])
    m = _ROOM_AT_END.search(trailer)
    return _LEADING_ZEROS.sub("", m.group(1)) if m else None


def _canonical(text: object) -> str:
    prefecture, s = _spell(text)
    return (prefecture or "") + _flat(s)


def normalise_address(text: object) -> str | None:
    """Canonical spelling (a comparison key, not for display), or None if empty.

    Odd inputs (1号号室) can need a second pass; the result is the fixed point,
    so normalising twice changes nothing."""
    out = _canonical(text)
    for _ in range(4):
        again = _canonical(out)
        if again == out:
            break
        out = again
    return out or None


def address_form(text: object) -> dict | None:
    """The contract side, precomputed: JSON-serialisable."""
    prefecture, s = _spell(text)
    if not s:
        return None
    block = None
    for m in _NUMBERS.finditer(s):
        nxt = s[m.end():m.end() + 1]
        if "-" in m.group() or nxt in ("", "-", "#"):
            block = m
            break
    if block is None:
        # No house number at all: only the very same spelling matches.
        return {"prefecture": prefecture, "locality": _flat(s), "numbers": [], "room": None}
    return {
        "prefecture": prefecture,
        "locality": _flat(s[:block.start()]),
        "numbers": [int(n) for n in block.group().split("-")],
        "room": _room(_flat(s[block.end():])),
    }


def address_matches(form: dict | None, entered: object) -> bool:
    if not form:
        return False
    prefecture, s = _spell(entered)
    if prefecture and form["prefecture"] and prefecture != form["prefecture"]:
        return False
    flat = _flat(s)
    locality = form["locality"]
    want = form["numbers"]
    if not want:
        return flat == locality
    if not flat.startswith(locality):
        return False
    m = _NUMBERS.match(flat, len(locality))
    if not m:
        return False
    got = [int(n) for n in m.group().split("-")]
    trailer = flat[m.end():]
    room = _room(trailer)
    contract_room = form["room"]
    if len(got) == len(want) + 1 and contract_room is not None and str(got[-1]) == contract_room:
        got.pop()  # 2-8-1-1203 against 2丁目8番1号 ビル1203号室
        if room is not None and room != contract_room:
            return False
        room = contract_room
    elif len(want) == len(got) + 1 and room is not None and str(want[-1]) == room:
        want = want[:-1]  # contract written 2-8-1-1203, entry 2-8-1 ビル1203号室
        contract_room = room
    if got != want:
        return False
    return room is None or contract_room is None or room == contract_room
