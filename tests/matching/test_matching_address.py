"""Rule 2: 住所 — how people write the same place, and what is another place."""

from __future__ import annotations

import pytest

from clickar.matching import normalise_address
from clickar.matching.text import HYPHENS
from matching_support import person_matches

CONTRACT_ADDRESS = "東京都新宿区西新宿二丁目8番1号 新宿ビル1203号室"


def address_matches(typed: str, contract_address: str = CONTRACT_ADDRESS, postal_code: str = "160-0023") -> bool:
    return person_matches(
        {"address": contract_address, "postal_code": postal_code},
        address=typed,
        postal_code=postal_code,
    )


# ------------------------------------------------------------------ the flyer

def test_address_typed_with_hyphens_matches_chome_banchi_go():
    assert address_matches("東京都新宿区西新宿2-8-1")


def test_address_typed_2_8_1_after_autofilled_town_matches():
    # The registration e2e: 郵便番号 fills 東京都 新宿区 西新宿, the person adds 2-8-1.
    assert address_matches("東京都新宿区西新宿2-8-1")
    assert address_matches("東京都 新宿区 西新宿 2-8-1")


@pytest.mark.parametrize("typed", [
    "東京都新宿区西新宿２－８－１",
    "東京都新宿区西新宿2丁目8番1号",
    "東京都新宿区西新宿二丁目八番一号",
    "東京都新宿区西新宿2丁目8番地1号",
    "東京都新宿区西新宿2丁目8番地1",
    "東京都新宿区西新宿2丁目8-1",
    "東京都新宿区西新宿二丁目8-1",
    "東京都新宿区西新宿2-8番1号",
    "東京都新宿区西新宿２丁目８番１号",
    "東京都新宿区西新宿 2 - 8 - 1",
    "東京都新宿区西新宿2丁目8番地の1",
    "東京都新宿区西新宿2の8の1",
    "東京都　新宿区　西新宿　２丁目　８－１",
], ids=lambda s: s.removeprefix("東京都新宿区西新宿"))
def test_house_number_written_any_usual_way_matches(typed):
    assert address_matches(typed)


@pytest.mark.parametrize("hyphen", sorted(set(HYPHENS)), ids=lambda h: f"U+{ord(h):04X}")
def test_every_hyphen_look_alike_between_numbers_is_one_hyphen(hyphen):
    assert address_matches(f"東京都新宿区西新宿2{hyphen}8{hyphen}1")


def test_full_width_hyphen_and_long_bar_typed_by_ime_match():
    assert address_matches("東京都新宿区西新宿２ー８ー１")
    assert address_matches("東京都新宿区西新宿２－８－１")
    assert address_matches("東京都新宿区西新宿2ｰ8ｰ1")


def test_prefecture_may_be_left_out_when_the_rest_agrees():
    assert address_matches("新宿区西新宿2-8-1")


def test_contract_without_prefecture_matches_entry_with_it():
    assert address_matches("東京都新宿区西新宿2-8-1", contract_address="新宿区西新宿2丁目8番1号")


def test_leading_postal_mark_in_the_address_is_ignored():
    assert address_matches("〒160-0023 東京都新宿区西新宿2-8-1")


# ------------------------------------------------------- building and room

def test_building_and_room_left_out_match_contract_that_has_them():
    assert address_matches("新宿区西新宿2-8-1")


@pytest.mark.parametrize("typed", [
    "新宿区西新宿2-8-1 新宿ビル1203号室",
    "新宿区西新宿2-8-1新宿ビル1203",
    "新宿区西新宿2-8-1 新宿ビル 1203",
    "新宿区西新宿2-8-1-1203",
    "新宿区西新宿2-8-1 1203",
    "新宿区西新宿2-8-1 #1203",
    "新宿区西新宿2-8-1 ＃１２０３",
    "新宿区西新宿2-8-1 1203号室",
    "新宿区西新宿2-8-1 1203号",
    "新宿区西新宿2-8-1 新宿ビル一二〇三号室",
    "新宿区西新宿2-8-1 ｼﾝｼﾞｭｸﾋﾞﾙ 1203",
    "新宿区西新宿2-8-1 新宿ビル12階1203号室",
], ids=lambda s: s.removeprefix("新宿区西新宿2-8-1"))
def test_same_room_written_any_usual_way_matches(typed):
    assert address_matches(typed)


def test_building_name_ending_in_a_number_before_the_room_matches():
    assert address_matches("新宿区西新宿2-8-1 コーポ2 201号室", contract_address="東京都新宿区西新宿2-8-1 コーポ2 201号室")
    assert not address_matches("新宿区西新宿2-8-1 コーポ2 202号室", contract_address="東京都新宿区西新宿2-8-1 コーポ2 201号室")


def test_building_named_differently_with_the_same_room_matches():
    # Building names are written too many ways to compare; the house number fixes the plot.
    assert address_matches("新宿区西新宿2-8-1 シンジュクビルディング1203")


def test_building_without_room_matches_contract_with_both():
    assert address_matches("新宿区西新宿2-8-1 新宿ビル")


def test_building_and_room_the_contract_lacks_match():
    assert address_matches("新宿区西新宿2-8-1 コーポ山田201号室", contract_address="東京都新宿区西新宿二丁目8番1号")


def test_room_the_contract_lacks_matches_when_it_has_only_a_building():
    assert address_matches("新宿区西新宿2-8-1 コーポ山田201", contract_address="東京都新宿区西新宿2-8-1 コーポ山田")


def test_building_the_contract_lacks_matches_when_the_room_agrees():
    assert address_matches("新宿区西新宿2-8-1 コーポ山田201号室", contract_address="東京都新宿区西新宿2-8-1 201号室")


def test_contract_written_with_room_as_fourth_number_matches_room_typed_as_room():
    assert address_matches("新宿区西新宿2丁目8番1号 1203号室", contract_address="東京都新宿区西新宿2-8-1-1203")


# ---------------------------------------------------- numerals and place names

@pytest.mark.parametrize(("contract_address", "typed", "postal_code"), [
    ("北海道札幌市中央区北一条西二丁目1番地1", "北海道札幌市中央区北1条西2-1-1", "060-0001"),
    ("北海道札幌市中央区北1条西2丁目1番1号", "札幌市中央区北一条西二丁目一番一号", "060-0001"),
    ("東京都港区三田三丁目8-2", "東京都港区三田3-8-2", "108-0073"),
    ("東京都港区三田3丁目8番2号", "港区三田三丁目8-2", "108-0073"),
    ("東京都千代田区四番町5番地9", "千代田区4番町5-9", "102-0081"),
    ("東京都千代田区一番町二十三番地", "千代田区一番町23", "102-0082"),
    ("東京都港区六本木六丁目10番1号", "港区六本木6-10-1", "106-6108"),
    ("京都府京都市下京区四条通烏丸東入長刀鉾町20番地", "京都市下京区4条通烏丸東入長刀鉾町20", "600-8005"),
    ("愛知県名古屋市中区三の丸三丁目1番2号", "名古屋市中区3の丸3-1-2", "460-0001"),
    ("埼玉県さいたま市浦和区高砂3-15-1", "さいたま市浦和区高砂三丁目十五番一号", "330-0063"),
], ids=["北一条西-kanji", "北1条西-arabic", "三田-mixed", "三田-kanji-chome", "四番町", "二十三番地", "六本木", "四条通",
        "三の丸", "十五番"])
def test_numerals_compare_equal_anywhere_in_the_address(contract_address, typed, postal_code):
    assert address_matches(typed, contract_address=contract_address, postal_code=postal_code)


@pytest.mark.parametrize("typed", ["霞ヶ関", "霞ケ関", "霞ガ関", "霞が関", "霞ｹ関"])
def test_ke_written_as_small_ke_large_ke_or_ga_matches(typed):
    assert address_matches(f"千代田区{typed}3-2-5", contract_address="東京都千代田区霞が関三丁目2番5号",
                           postal_code="100-0013")


def test_autofilled_town_with_large_ke_matches_contract_with_small_ke():
    assert address_matches("北海道札幌市中央区旭ケ丘5-6-51", contract_address="北海道札幌市中央区旭ヶ丘五丁目6番51号",
                           postal_code="064-0941")


@pytest.mark.parametrize(("contract_address", "typed"), [
    ("埼玉県秩父郡横瀬町大字横瀬1234番地", "埼玉県秩父郡横瀬町横瀬1234"),
    ("埼玉県秩父郡横瀬町横瀬1234番地", "秩父郡横瀬町大字横瀬1234"),
    ("沖縄県国頭郡恩納村字恩納123番地の4", "国頭郡恩納村恩納123-4"),
    ("岩手県岩手郡葛巻町大字葛巻第10地割15番地", "岩手郡葛巻町葛巻第10地割15"),
], ids=["大字-omitted", "大字-added", "字-omitted", "地割"])
def test_oaza_and_aza_may_be_omitted(contract_address, typed):
    assert address_matches(typed, contract_address=contract_address, postal_code="368-0072")


def test_old_kanji_form_in_a_place_name_matches():
    assert address_matches("新宿区髙田馬場1-2-3", contract_address="東京都新宿区高田馬場一丁目2番3号", postal_code="169-0075")


def test_banchi_with_building_and_no_separator_matches():
    assert address_matches("秩父郡横瀬町横瀬1234番地コーポ201", contract_address="埼玉県秩父郡横瀬町大字横瀬1234 コーポ201号室")


# -------------------------------------------------------- must NOT match

@pytest.mark.parametrize("typed", [
    *(pytest.param(t, id="house " + t.removeprefix("東京都新宿区西新宿")) for t in (
        "東京都新宿区西新宿2-8",
        "東京都新宿区西新宿2丁目8番",
        "東京都新宿区西新宿2-8-2",
        "東京都新宿区西新宿2-9-1",
        "東京都新宿区西新宿3-8-1",
        "東京都新宿区西新宿2-8-11",
        "東京都新宿区西新宿2-81",
        "東京都新宿区西新宿28-1",
        "東京都新宿区西新宿12-8-1",
        "東京都新宿区西新宿2丁目8番地",
        "東京都新宿区西新宿二丁目九番一号",
    )),
    *(pytest.param(t, id="room " + t.removeprefix("新宿区西新宿2-8-1")) for t in (
        "新宿区西新宿2-8-1 新宿ビル1204号室",
        "新宿区西新宿2-8-1-1204",
        "新宿区西新宿2-8-1 #1204",
        "新宿区西新宿2-8-1 1204",
        "新宿区西新宿2-8-1 新宿ビル203号室",
    )),
    *(pytest.param(t, id=name) for t, name in (
        ("東京都新宿区東新宿2-8-1", "another town"),
        ("東京都新宿区新宿2-8-1", "shorter town"),
        ("東京都渋谷区西新宿2-8-1", "another ward"),
        ("東京都西新宿2-8-1", "no ward"),
        ("大阪府新宿区西新宿2-8-1", "another prefecture"),
        ("東京都新宿区西新宿町2-8-1", "town with 町"),
        ("", "empty"),
    )),
])
def test_different_or_missing_house_number_room_town_ward_or_prefecture_does_not_match(typed):
    assert not address_matches(typed)


def test_extra_last_number_does_not_match_contract_without_a_room():
    assert not address_matches("港区三田3-8-2-5", contract_address="東京都港区三田三丁目8番2号", postal_code="108-0073")


def test_missing_last_number_does_not_match():
    assert not address_matches("港区三田3-8", contract_address="東京都港区三田三丁目8番2号", postal_code="108-0073")


def test_different_number_in_the_town_name_does_not_match():
    assert not address_matches("札幌市中央区北2条西2-1-1", contract_address="北海道札幌市中央区北一条西二丁目1番地1",
                               postal_code="060-0001")


def test_saki_and_sai_in_a_place_name_stay_different():
    assert not address_matches("川埼市川崎区1-2-3", contract_address="神奈川県川崎市川崎区一丁目2番3号", postal_code="210-0001")


def test_right_address_with_another_postal_code_does_not_match():
    assert not person_matches(address="新宿区西新宿2-8-1", postal_code="160-0022")


def test_contract_room_as_fourth_number_needs_it_in_the_entry():
    assert not address_matches("新宿区西新宿2-8-1", contract_address="東京都新宿区西新宿2-8-1-1203")


# ------------------------------------------------------- the normal form

@pytest.mark.parametrize(("typed", "expected"), [
    ("東京都新宿区西新宿二丁目8番1号", "東京都新宿区西新宿2-8-1"),
    ("千葉県千葉市中央区市場町1-1", "千葉県1000葉市中央区市場町1-1"),
    ("三重県津市広明町13番地", "三重県津市広明町13"),
    ("霞ヶ関 1203号室", "霞ケ関#1203"),
    ("   ", None),
])
def test_normalised_address_is_a_comparison_key(typed, expected):
    assert normalise_address(typed) == expected
