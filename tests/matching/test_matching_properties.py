"""Hypothesis properties: normalising is idempotent; the same facts typed two
ways match in both directions; a changed digit in a house number, room, birth
date or phone never matches."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clickar.matching import (
    contract_normal_form,
    matches,
    normalise_address,
    normalise_kana,
    normalise_name,
    normalise_phone,
    normalise_postal_code,
)
from clickar.matching.phone import phone_key
from clickar.matching.text import HYPHENS, NAME_VARIANTS

# MATCHING_EXAMPLES=5000 for a long hunt.
PROPERTY = settings(max_examples=int(os.environ.get("MATCHING_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much])

# ------------------------------------------------------------------- facts

FAMILY = ["山田", "高橋", "渡辺", "斎藤", "山崎", "島田", "桜井", "佐藤", "中村", "富田", "広瀬", "浜田"]
GIVEN = ["太郎", "花子", "恵子", "一郎", "真司", "徳子", "国男", "沢美"]
KANA = ["ヤマダ タロウ", "キッカワ ジュン", "ナカジマ ショウ", "ハットリ キョウコ", "ヴァン ユウキ",
        "シャチョウ ミョウ", "サトウ ハナコ"]
# (prefecture, city, equivalent spellings of the town)
TOWNS = [
    ("東京都", "新宿区", ["西新宿"]),
    ("北海道", "札幌市中央区", ["北一条西", "北1条西", "北１条西"]),
    ("東京都", "千代田区", ["霞が関", "霞ヶ関", "霞ケ関", "霞ガ関"]),
    ("埼玉県", "秩父郡横瀬町", ["大字横瀬", "横瀬", "字横瀬"]),
    ("東京都", "港区", ["三田"]),
    ("千葉県", "千葉市中央区", ["市場町"]),
    ("三重県", "津市", ["広明町"]),
    ("東京都", "千代田区", ["四番町", "4番町"]),
    ("北海道", "札幌市中央区", ["旭ヶ丘", "旭ケ丘"]),
    ("東京都", "新宿区", ["高田馬場", "髙田馬場"]),
]
BUILDINGS = ["新宿ビル", "コーポ山田", "ハイツ", "メゾン・ド・ソレイユ", "ｻﾝﾊｲﾂ", ""]

ERAS = [  # (name, letter, first day)
    ("大正", "T", dt.date(1912, 7, 30)),
    ("昭和", "S", dt.date(1926, 12, 25)),
    ("平成", "H", dt.date(1989, 1, 8)),
    ("令和", "R", dt.date(2019, 5, 1)),
]

facts = st.fixed_dictionaries({
    "family": st.sampled_from(FAMILY),
    "given": st.sampled_from(GIVEN),
    "kana": st.sampled_from(KANA),
    "born": st.dates(dt.date(1913, 1, 1), dt.date(2020, 12, 31)),
    "postal": st.from_regex(r"\A[0-9]{7}\Z"),
    "town": st.sampled_from(TOWNS),
    "numbers": st.one_of(
        st.tuples(st.integers(1, 30), st.integers(1, 999), st.integers(1, 99)),
        st.tuples(st.integers(1, 9999), st.integers(1, 99)),
    ).map(list),
    "room": st.integers(101, 2999),
    "phone": st.one_of(
        st.from_regex(r"\A0[1-9][1-9][0-9]{7}\Z"),  # landline, 10 digits (010 is the international prefix)
        st.from_regex(r"\A0[789]0[0-9]{8}\Z"),  # mobile, 11 digits
    ),
})

# -------------------------------------------------------------- renderings

FULL = str.maketrans("0123456789-#./()+", "０１２３４５６７８９－＃．／（）＋")
KANJI_DIGITS = "〇一二三四五六七八九"
REVERSE_VARIANTS: dict[str, list[str]] = {}
for old, new in NAME_VARIANTS.items():
    REVERSE_VARIANTS.setdefault(new, [new]).append(old)
SPACES = st.sampled_from(["", " ", "　", "  "])


def kanji_number(n: int, positional: bool) -> str:
    if not positional:
        return "".join(KANJI_DIGITS[int(c)] for c in str(n))
    if n == 0:
        return "〇"
    out = []
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        q, n = divmod(n, value)
        if q:
            out.append(("" if q == 1 else KANJI_DIGITS[q]) + unit)
    if n:
        out.append(KANJI_DIGITS[n])
    return "".join(out)


def is_numeral(ch: str) -> bool:
    return ch.isdigit() or ch in KANJI_DIGITS + "十百千"


@st.composite
def number_text(draw, n: int) -> str:
    style = draw(st.sampled_from(["arabic", "full", "kanji", "kanji-digits"]))
    if style == "arabic":
        return str(n)
    if style == "full":
        return str(n).translate(FULL)
    return kanji_number(n, positional=style == "kanji")


@st.composite
def name_text(draw, f) -> str:
    def spell(word):
        return "".join(draw(st.sampled_from(REVERSE_VARIANTS.get(ch, [ch]))) for ch in word)
    return draw(SPACES) + spell(f["family"]) + draw(st.sampled_from(["", " ", "　", "・"])) + spell(f["given"])


@st.composite
def kana_text(draw, f) -> str:
    s = f["kana"]
    if draw(st.booleans()):  # bank style: large kana
        s = s.translate(str.maketrans("ァィゥェォッャュョ", "アイウエオツヤユヨ"))
    style = draw(st.sampled_from(["katakana", "hiragana", "half"]))
    if style == "hiragana":
        s = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in s)
    elif style == "half":
        import unicodedata
        half = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF66, 0xFF9E)}
        out = []
        for c in s:
            base = unicodedata.normalize("NFD", c)
            out.append(half.get(base[0], base[0]) + {"\u3099": "ﾞ", "\u309a": "ﾟ"}.get(base[1:], base[1:]))
        s = "".join(out)
    return s.replace(" ", draw(SPACES))


@st.composite
def date_text(draw, d: dt.date) -> str:
    style = draw(st.sampled_from(["iso", "slash", "dot", "nen", "compact", "era", "era-letter", "era-kanji"]))
    y, m, day = d.year, d.month, d.day
    if style.startswith("era"):
        name, letter, first = [e for e in ERAS if e[2] <= d][-1]
        ey = y - first.year + 1
        year = "元" if ey == 1 and draw(st.booleans()) else str(ey)
        if style == "era":
            s = f"{name}{year}年{m}月{day}日"
        elif style == "era-kanji":
            year = year if year == "元" else kanji_number(ey, True)
            s = f"{name}{year}年{kanji_number(m, True)}月{kanji_number(day, True)}日"
        else:
            sep = draw(st.sampled_from("./-"))
            s = f"{draw(st.sampled_from([letter, letter.lower(), name[0]]))}{year}{sep}{m}{sep}{day}"
    else:
        s = {
            "iso": f"{y:04d}-{m:02d}-{day:02d}",
            "slash": f"{y}/{m}/{day}",
            "dot": f"{y}.{m:02d}.{day:02d}",
            "nen": f"{y}年{m}月{day}日",
            "compact": f"{y:04d}{m:02d}{day:02d}",
        }[style]
    return s.translate(FULL) if draw(st.booleans()) else s


@st.composite
def address_text(draw, f) -> str:
    pref, city, towns = f["town"]
    numbers, room = f["numbers"], f["room"]
    hyphen = draw(st.sampled_from(sorted(set(HYPHENS))))
    parts = [draw(number_text(n)) for n in numbers]
    if len(numbers) == 3:
        markers = draw(st.sampled_from([("丁目", "番地", "号"), ("丁目", "番", "号"), ("丁目", "番地", ""),
                                        ("-", "-", ""), ("丁目", "-", ""), ("-", "番", "号")]))
    else:
        markers = draw(st.sampled_from([("番地の", ""), ("番地", ""), ("-", ""), ("の", ""), ("丁目", "番地")]))
    house = "".join(p + (hyphen if mk == "-" else mk) for p, mk in zip(parts, markers))
    if all(p.isascii() for p in parts) and draw(st.booleans()):
        house = hyphen.join(parts)
    building = draw(st.sampled_from(BUILDINGS))
    room_style = draw(st.sampled_from(["号室", "space", "hash", "bare", "室"]))
    if room_style == "号室":
        tail = f"{building}{room}号室"
    elif room_style == "室":
        tail = f"{building}{draw(number_text(room))}室"
    elif room_style == "hash":
        tail = f"{building}#{room}"
    elif room_style == "space":
        tail = f"{building} {room}" if building else f" {room}号室"
    else:  # 2-8-1-1203
        tail = f"-{room}"
    prefix = draw(st.sampled_from([pref, ""])) + draw(SPACES) + city + draw(SPACES) + draw(st.sampled_from(towns))
    if room_style == "bare":
        gap = ""
    elif is_numeral(tail[0]) and is_numeral(house[-1]):
        # 1-1 101号室 needs its space: 1-1101号室 is another house number
        gap = draw(st.sampled_from([" ", "　"]))
    else:
        gap = draw(st.sampled_from([" ", "　", ""]))
    s = prefix + draw(SPACES) + house + gap + tail
    return s.translate(FULL) if draw(st.booleans()) else s


@st.composite
def phone_text(draw, digits: str) -> str:
    national = digits[1:]
    style = draw(st.sampled_from(["plain", "hyphens", "parens", "+81", "+81(0)", "0081", "010"]))
    if len(digits) == 10:
        a, b, c = digits[:2], digits[2:6], digits[6:]
    else:
        a, b, c = digits[:3], digits[3:7], digits[7:]
    hy = draw(st.sampled_from(["-", "ー", "－", " ", "−"]))
    s = {
        "plain": digits,
        "hyphens": f"{a}{hy}{b}{hy}{c}",
        "parens": f"({a}){b}{hy}{c}",
        "+81": f"+81 {national[:len(a) - 1]} {b} {c}",
        "+81(0)": f"+81 (0){national[:len(a) - 1]}-{b}-{c}",
        "0081": f"0081-{national}",
        "010": f"010-81-{national}",
    }[style]
    return s.translate(FULL) if draw(st.booleans()) else s


@st.composite
def postal_text(draw, code: str) -> str:
    s = draw(st.sampled_from([code, f"{code[:3]}-{code[3:]}", f"〒{code[:3]}-{code[3:]}", f"{code[:3]} {code[3:]}"]))
    return s.translate(FULL) if draw(st.booleans()) else s


@st.composite
def typed(draw, f, born_text: str | None = None) -> dict:
    return {
        "name": draw(name_text(f)),
        "name_kana": draw(kana_text(f)),
        "birth_date": born_text if born_text is not None else draw(date_text(f["born"])),
        "postal_code": draw(postal_text(f["postal"])),
        "address": draw(address_text(f)),
        "phone": draw(phone_text(f["phone"])),
    }


def matches_either_way(a: dict, b: dict) -> tuple[bool, bool]:
    return matches(contract_normal_form(a), b), matches(contract_normal_form(b), a)


# ------------------------------------------------------------- properties

@PROPERTY
@given(st.data(), facts)
def test_the_same_facts_typed_two_ways_match_in_both_directions(data, f):
    a = data.draw(typed(f), label="contract")
    b = data.draw(typed(f), label="entered")
    assert matches_either_way(a, b) == (True, True)


def change_a_digit(data, text: str, label: str, first: int = 0) -> str:
    positions = [i for i, c in enumerate(text) if c.isdigit() and i >= first]
    i = data.draw(st.sampled_from(positions), label=f"{label} position")
    choices = [d for d in "0123456789" if d != text[i] and not (d == "0" and i == 0)]
    return text[:i] + data.draw(st.sampled_from(choices), label=f"{label} digit") + text[i + 1:]


@PROPERTY
@given(st.data(), facts, st.sampled_from(["house number", "room", "birth date", "phone"]))
def test_a_changed_digit_in_house_number_room_birth_date_or_phone_never_matches(data, f, what):
    g = dict(f)
    born_text = None
    if what == "house number":
        k = data.draw(st.integers(0, len(f["numbers"]) - 1), label="which number")
        g["numbers"] = list(f["numbers"])
        g["numbers"][k] = int(change_a_digit(data, str(f["numbers"][k]), what))
    elif what == "room":
        g["room"] = int(change_a_digit(data, str(f["room"]), what))
    elif what == "birth date":
        iso = change_a_digit(data, f["born"].isoformat(), what)
        try:
            g["born"] = dt.date.fromisoformat(iso)
        except ValueError:
            born_text = iso  # 1980-14-01: typed as is, and invalid
        if not ERAS[0][2] <= g["born"] <= dt.date.today():
            born_text = iso  # 1632 or 2932: typed as is, and invalid
    else:
        g["phone"] = change_a_digit(data, f["phone"], what, first=1)
    a = data.draw(typed(f), label="contract")
    b = data.draw(typed(g, born_text), label="entered")
    assert matches_either_way(a, b) == (False, False)


NAME_ALPHABET = st.sampled_from(list("山田太郎髙高﨑崎邊邉辺齋斎斉齊 　・ｱｲﾞﾟ゛゜ａＡz\u3099\ufe00") + ["\U000e0100"])
KANA_ALPHABET = st.sampled_from(list("やまだヤマダﾔﾏﾀﾞァッゃヴゔーｰ－- 　・゛゜ﾞﾟ\u3099ㇰ"))
ADDRESS_ALPHABET = st.sampled_from(
    list("東京都千葉県三重北海道新宿区西一二三四五六七八九十百千〇0123456789０１２３４５６７８９"
         "丁目番地号室棟町のノ大字ケヶがガ#＃ 　-－ー―−‐ｰ〒ビルA髙")
)


# Kana as people type it: katakana, hiragana or half-width letters (small ones too), ー or a
# hyphen, a voicing mark typed apart only after a letter that takes it, spaces and ・ between.
# Every example is a reading normalise_kana accepts, so the assertion runs on all of them.
VOICEABLE = "カキクケコサシスセソタチツテトハヒフヘホウかきくけこさしすせそたちつてとはひふへほうｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎｳ"
HA_ROW = "ハヒフヘホはひふへほﾊﾋﾌﾍﾎ"  # the only letters that take ゜
KANA_LETTERS = ([chr(c) for c in range(0x3041, 0x3097)] + [chr(c) for c in range(0x30A1, 0x30FB)]
                + [chr(c) for c in range(0xFF66, 0xFF9E)] + list("ーｰ－-"))


@st.composite
def kana_reading(draw) -> str:
    out = []
    for letter in draw(st.lists(st.sampled_from(KANA_LETTERS), min_size=1, max_size=10)):
        out.append(letter)
        if letter in VOICEABLE:
            marks = ["", "゛", "ﾞ", "\u3099"] + (["゜", "ﾟ", "\u309a"] if letter in HA_ROW else [])
            out.append(draw(st.sampled_from(marks)))
        out.append(draw(st.sampled_from(["", "", "", " ", "　", "・"])))
    return "".join(out)


@PROPERTY
@given(kana_reading())
def test_normalising_kana_as_typed_is_idempotent(text):
    once = normalise_kana(text)
    assert once is not None, text
    assert normalise_kana(once) == once


# The adversarial alphabets and any text: normalising gives None (nothing usable is left) or a
# form that normalising again keeps; no example skips the assertion.
@pytest.mark.parametrize("normalise, alphabet, size", [
    (normalise_name, NAME_ALPHABET, 12), (normalise_kana, KANA_ALPHABET, 12), (normalise_address, ADDRESS_ALPHABET, 24),
], ids=["name", "kana", "address"])
@PROPERTY
@given(st.data())
def test_normalising_any_text_gives_none_or_an_idempotent_form(normalise, alphabet, size, data):
    text = data.draw(st.one_of(st.text(alphabet, max_size=size), st.text(max_size=16)), label="text")
    once = normalise(text)
    assert once is None or normalise(once) == once


@pytest.mark.parametrize("text", ["1号号室", "1-ノ2", "大大字字東京都"])
def test_normalising_these_addresses_twice_changes_nothing(text):
    once = normalise_address(text)
    assert once is not None and normalise_address(once) == once


@PROPERTY
@given(st.data(), facts)
def test_normalising_a_typed_address_is_idempotent_and_keeps_it_matching(data, f):
    a = data.draw(typed(f))
    once = normalise_address(a["address"])
    assert normalise_address(once) == once
    assert matches(contract_normal_form(a), {**a, "address": once})


def _example_numbers() -> list[str]:
    """phonenumbers' own example of a fixed-line and a mobile number of every region it knows (E.164)."""
    import phonenumbers

    kinds = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)
    found = (phonenumbers.example_number_for_type(region, kind)
             for region in sorted(phonenumbers.SUPPORTED_REGIONS) for kind in kinds)
    return sorted({phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164) for n in found if n})


# Numbers phonenumbers accepts, so the agreement below is asserted on every example: Japanese
# mobile numbers (070/080/090, then a digit 1-9 and seven more: all valid) typed as people
# type them, and every region's example numbers. (Random digits were valid 6 % of the time.)
valid_numbers = st.one_of(st.from_regex(r"\A0[789]0[1-9][0-9]{7}\Z"), st.sampled_from(_example_numbers()))


@PROPERTY
@given(st.data(), valid_numbers)
def test_fast_phone_key_agrees_with_phonenumbers_on_every_valid_number(data, digits):
    text = data.draw(phone_text(digits)) if digits.startswith("0") else digits
    valid = normalise_phone(text)
    assert valid is not None, text
    assert phone_key(text) == valid


# ------------------------------------------------- not only digits: names, kana, town

OTHER_KANJI = "川村林森松木本井上下"          # no spelling variant of any FAMILY or GIVEN character
OTHER_KANA = "カキクケコサシスセソナニヌネノマミムメモラリルレロ"
OTHER_TOWNS = ["本町", "栄町", "緑町", "南町", "東雲"]


def change_a_character(data, text: str, choices: str, label: str, same=lambda a, b: a == b) -> str:
    positions = [i for i, c in enumerate(text) if c not in " ー"]
    i = data.draw(st.sampled_from(positions), label=f"{label} position")
    other = [c for c in choices if not same(c, text[i])]
    return text[:i] + data.draw(st.sampled_from(other), label=f"{label} character") + text[i + 1:]


def same_sound(a: str, b: str) -> bool:
    """ジ and シ, ッ and ツ: what a forgiving kana comparison might take as the same."""
    import unicodedata

    def base(c):
        return unicodedata.normalize("NFD", c)[0].translate(str.maketrans("ァィゥェォッャュョヮ", "アイウエオツヤユヨワ"))
    return base(a) == base(b)


@PROPERTY
@given(st.data(), facts, st.sampled_from(["family name", "given name", "kana", "town"]))
def test_a_changed_name_kana_or_town_never_matches(data, f, what):
    """The adversarial cases are not only digits: one other character in the name or the
    フリガナ, or another town of the same city, is another person."""
    g = dict(f)
    if what == "family name":
        g["family"] = change_a_character(data, f["family"], OTHER_KANJI, what)
    elif what == "given name":
        g["given"] = change_a_character(data, f["given"], OTHER_KANJI, what)
    elif what == "kana":
        g["kana"] = change_a_character(data, f["kana"], OTHER_KANA, what, same_sound)
    else:
        pref, city, towns = f["town"]
        g["town"] = (pref, city, [data.draw(st.sampled_from([t for t in OTHER_TOWNS if t not in towns]))])
    a = data.draw(typed(f), label="contract")
    b = data.draw(typed(g), label="entered")
    assert matches_either_way(a, b) == (False, False)


@PROPERTY
@given(st.data(), valid_numbers, facts)
def test_normalising_phone_and_postal_code_is_idempotent(data, digits, f):
    # valid numbers only: random landline digits were refused by phonenumbers 42 % of the time,
    # and for those the idempotence of normalise_phone went unchecked
    phone = data.draw(phone_text(digits)) if digits.startswith("0") else digits
    for normalise in (phone_key, normalise_phone):
        once = normalise(phone)
        assert once is not None, phone
        assert normalise(once) == once
    postal = normalise_postal_code(data.draw(postal_text(f["postal"])))
    assert postal == f["postal"] and normalise_postal_code(postal) == postal
