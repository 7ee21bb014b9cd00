"""Rules 1, 3 and 4: 氏名 and フリガナ."""

from __future__ import annotations

import pytest

from clickar.matching import normalise_kana, normalise_name
from matching_support import person_matches

# ------------------------------------------------------------------ 氏名

@pytest.mark.parametrize("typed", [
    "山田太郎",
    "山田 太郎",
    "山田　太郎",
    " 山田  太郎 ",
    "山田・太郎",
    "山田\t太郎",
], ids=["no space", "half-width space", "full-width space", "spaces around", "middle dot", "tab"])
def test_spaces_in_the_name_are_ignored(typed):
    assert person_matches(name=typed)


VARIANT_PAIRS = [
    ("髙橋", "高橋"), ("山﨑", "山崎"), ("渡邊", "渡辺"), ("渡邉", "渡辺"), ("渡邊", "渡邉"),
    ("齋藤", "斎藤"), ("澤田", "沢田"), ("濱田", "浜田"), ("廣瀬", "広瀬"), ("國分", "国分"),
    ("櫻井", "桜井"), ("眞鍋", "真鍋"), ("德永", "徳永"), ("瀨戸", "瀬戸"), ("嶋田", "島田"),
    ("嶌田", "島田"), ("嶋田", "嶌田"), ("中邨", "中村"), ("藪内", "薮内"), ("冨田", "富田"),
    ("槇原", "槙原"),
]


@pytest.mark.parametrize(("on_contract", "typed"), VARIANT_PAIRS + [(b, a) for a, b in VARIANT_PAIRS],
                         ids=lambda s: s)
def test_variant_kanji_in_the_table_are_the_same_name(on_contract, typed):
    assert person_matches({"name": on_contract + " 太郎"}, name=typed + "太郎")


def test_variant_kanji_in_the_given_name_match():
    assert person_matches({"name": "山田 惠子"}, name="山田 恵子")


def test_full_width_latin_name_matches_half_width_in_any_case():
    assert person_matches({"name": "SMITH JOHN"}, name="Ｓｍｉｔｈ　Ｊｏｈｎ")


def test_variation_selector_on_a_kanji_is_ignored():
    assert person_matches({"name": "葛\U000e0100西 太郎"}, name="葛西太郎")


@pytest.mark.parametrize(("on_contract", "typed"), [
    ("山崎", "山埼"), ("斎藤", "斉藤"), ("齋藤", "齊藤"), ("齋藤", "斉藤"), ("齊藤", "斎藤"),
    ("佐々木", "佐佐木"), ("高橋", "鷹橋"), ("渡辺", "渡部"), ("島田", "嶋本"),
], ids=lambda s: s)
def test_kanji_outside_the_table_never_fold(on_contract, typed):
    assert not person_matches({"name": on_contract + " 太郎"}, name=typed + "太郎")


@pytest.mark.parametrize("typed", ["山田次郎", "山田", "太郎", "太郎山田", "山田太郎太", "", "   "],
                         ids=["other given name", "family only", "given only", "reversed", "extra kanji",
                              "empty", "blank"])
def test_a_different_name_does_not_match(typed):
    assert not person_matches(name=typed)


@pytest.mark.parametrize(("typed", "expected"), [
    ("髙橋　﨑子", "高橋崎子"),
    ("渡邊 一郎", "渡辺一郎"),
    ("ｙａｍａｄａ ｔａｒｏ", "YAMADATARO"),
    ("", None),
    ("　", None),
])
def test_normalised_name(typed, expected):
    assert normalise_name(typed) == expected


# ---------------------------------------------------------------- フリガナ

@pytest.mark.parametrize("typed", [
    "ヤマダタロウ",
    "やまだ たろう",
    "ﾔﾏﾀﾞ ﾀﾛｳ",
    "ヤマダ　タロウ",
    "ﾔﾏﾀﾞﾀﾛｳ",
    "やまだタロウ",
    "ヤマタ゛タロウ",
], ids=["katakana", "hiragana", "half-width", "full-width space", "half-width no space", "mixed", "separate dakuten"])
def test_kana_written_in_hiragana_katakana_or_half_width_matches(typed):
    assert person_matches(name_kana=typed)


@pytest.mark.parametrize(("on_contract", "typed"), [
    ("ヨシカワ ジユン", "ヨシカワ ジュン"),
    ("ハツトリ キヨウコ", "はっとり きょうこ"),
    ("シヤチヨウ", "しゃちょう"),
    ("ｼﾔﾁﾖｳ", "シャチョウ"),
    ("ウオーカー", "ウォーカー"),
    ("ヴアン", "ヴァン"),
], ids=["ュ=ユ", "ッ=ツ ョ=ヨ", "ャ=ヤ", "half-width bank style", "ォ=オ", "ァ=ア"])
def test_bank_style_large_kana_match_small_kana(on_contract, typed):
    assert person_matches({"name_kana": on_contract}, name_kana=typed)


def test_hiragana_vu_matches_katakana_vu():
    assert person_matches({"name_kana": "イヴ"}, name_kana="いゔ")


@pytest.mark.parametrize(("on_contract", "typed"), [
    ("イヴ", "イブ"),
    ("ヴァン", "バン"),
    ("ナカジマ", "ナカシマ"),
    ("ナカシマ", "ナカジマ"),
    ("ハマダ", "バマダ"),
    ("パク", "ハク"),
    ("パク", "バク"),
    ("ヤマダ タロウ", "ヤマダ ジロウ"),
    ("ヤマダ タロウ", "ヤマダ"),
], ids=["ヴ≠ブ", "ヴァ≠バ", "ジ≠シ", "シ≠ジ", "ハ≠バ", "パ≠ハ", "パ≠バ", "other name", "family only"])
def test_voicing_marks_and_vu_matter(on_contract, typed):
    assert not person_matches({"name_kana": on_contract}, name_kana=typed)


def test_kanji_typed_in_the_kana_field_does_not_match():
    assert not person_matches(name_kana="山田太郎")


def test_kana_left_empty_is_not_compared():
    assert person_matches(name_kana="")
    assert person_matches(name_kana=None)


def test_kana_missing_on_the_contract_is_not_compared():
    assert person_matches({"name_kana": ""}, name_kana="ゼンゼンチガウ")


def test_kana_is_compared_only_in_addition_to_the_name():
    assert not person_matches(name="山田次郎", name_kana="ヤマダタロウ")


@pytest.mark.parametrize(("typed", "expected"), [
    ("やまだ　たろう", "ヤマダタロウ"),
    ("ｷｯｶﾜ", "キツカワ"),
    ("ゔぁいおりん", "ヴアイオリン"),
    ("コーヒー", "コーヒー"),
    ("ｺｰﾋｰ", "コーヒー"),
    ("山田", None),
    ("", None),
])
def test_normalised_kana(typed, expected):
    assert normalise_kana(typed) == expected
