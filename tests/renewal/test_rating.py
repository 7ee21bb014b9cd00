"""The premium against hand-computed figures (no database, no Flask).

The figures below were worked out by hand from clickar/renewal/data/demo_rates.csv:
Taro's プリウス goes to 16等級 (base 38,400円) with 家族限定 ×0.980, 35歳以上 ×0.960,
一般型 ×1.000, 免責5-10 ×1.000, 通勤・通学 ×1.040, 10,000km以下 ×1.000:
    38,400 × 0.98 × 0.96 × 1.04 = 37,571.7888 → 37,570円 (10円未満切り捨て)
Each case changes one option; the comment shows the product before rounding.
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clickar.renewal import plans, rating

TARO = {"driver_scope": "family", "driver_age": "35", "vehicle": "general", "deductible": "5-10",
        "purpose": "commute", "mileage": "10000"}


@pytest.fixture(scope="module")
def demo():
    return plans.demo_rates()


def test_demo_rates_are_labelled_illustrative(demo):
    assert demo.illustrative
    assert "例示用" in demo.name
    assert plans.DEMO_RATES.read_text(encoding="utf-8").startswith("# ILLUSTRATIVE DEMO RATES")


def test_current_conditions_give_the_hand_computed_premium(demo):
    q = rating.quote(demo, 16, TARO, installments=12)
    assert (q.base, q.annual) == (38400, 37570)
    # 37,570 ÷ 12 = 3,130 remainder 10 → the remainder goes into the first instalment
    assert q.installments == (3140,) + (3130,) * 11
    assert sum(q.installments) == q.annual


@pytest.mark.parametrize("item, code, expected", [
    # 運転者年齢条件
    ("driver_age", "all", 57920),    # 38,400×0.98×1.48×1.04 = 57,923.1744
    ("driver_age", "21", 46570),     # 38,400×0.98×1.19×1.04 = 46,573.3632
    ("driver_age", "26", 39130),     # 38,400×0.98×1.00×1.04 = 39,137.28
    ("driver_age", "35", 37570),
    # 運転者の範囲
    ("driver_scope", "self", 34880),    # 38,400×0.91×0.96×1.04 = 34,888.0896
    ("driver_scope", "couple", 36030),  # 38,400×0.94×0.96×1.04 = 36,038.2464
    ("driver_scope", "any", 38330),     # 38,400×1.00×0.96×1.04 = 38,338.56
    # 車両保険 (type)
    ("vehicle", "economy", 27050),   # 37,571.7888×0.72 = 27,051.687936
    ("vehicle", "none", 17280),      # 37,571.7888×0.46 = 17,283.022848 (免責金額 not applied)
    # 車両保険の免責金額
    ("deductible", "0-10", 40200),   # 37,571.7888×1.07 = 40,201.814016
    ("deductible", "10-10", 35310),  # 37,571.7888×0.94 = 35,317.481472
    # 使用目的
    ("purpose", "leisure", 36120),   # 38,400×0.98×0.96 = 36,126.72
    ("purpose", "business", 40820),  # 36,126.72×1.13 = 40,823.1936
    # 年間走行距離
    ("mileage", "3000", 34190),      # 37,571.7888×0.91 = 34,190.327808
    ("mileage", "5000", 35690),      # 37,571.7888×0.95 = 35,693.19936
    ("mileage", "15000", 39070),     # 37,571.7888×1.04 = 39,074.660352
    ("mileage", "over", 41320),      # 37,571.7888×1.10 = 41,328.96768
])
def test_each_option_changes_the_premium_as_computed_by_hand(demo, item, code, expected):
    q = rating.quote(demo, 16, {**TARO, item: code})
    assert q.annual == expected
    assert isinstance(q.annual, int)


def test_without_vehicle_insurance_the_deductible_does_not_count(demo):
    with_any = {rating.quote(demo, 16, {**TARO, "vehicle": "none", "deductible": d}).annual
                for d in ("0-10", "5-10", "10-10", "", "nonsense")}
    assert with_any == {17280}
    q = rating.quote(demo, 16, {**TARO, "vehicle": "none"})
    assert [f.item for f in q.factors] == ["driver_scope", "driver_age", "vehicle", "purpose", "mileage"]


@pytest.mark.parametrize("grade, claims, expected", [
    (15, 0, 16), (19, 0, 20), (20, 0, 20), (1, 0, 2),
    (11, 1, 8), (6, 2, 1), (3, 1, 1), (20, 1, 17),
])
def test_next_grade_is_one_up_without_claims_and_three_down_per_claim(grade, claims, expected):
    assert rating.next_grade(grade, claims) == expected


def test_rounding_is_down_to_ten_yen_once_at_the_end():
    rates = rating.Rates(base={g: 10_009 for g in rating.GRADES},
                         factors={i: {c: 1001 for c, _ in rating.OPTIONS[i]} for i in rating.ITEMS})
    # 10,009 × 1.001⁶ = 10,069.21… → 10,060 (rounding each step would give 10,070)
    q = rating.quote(rates, 7, TARO)
    assert q.annual == 10060


@pytest.mark.parametrize("annual, count, expected", [
    (37570, 12, (3140,) + (3130,) * 11),
    (36000, 12, (3000,) * 12),
    (17280, 1, (17280,)),
    (10, 12, (10,) + (0,) * 11),
    (57920, 6, (9655,) + (9653,) * 5),
])
def test_instalments_put_the_remainder_in_the_first(annual, count, expected):
    assert rating.split(annual, count) == expected


def test_the_multiplier_is_shown_without_float():
    assert rating.Factor("driver_age", "all", 1480).multiplier == "×1.480"
    assert rating.Factor("vehicle", "none", 460).multiplier == "×0.460"


def test_unknown_codes_are_refused_naming_the_option(demo):
    with pytest.raises(rating.RatingError) as err:
        rating.quote(demo, 16, {**TARO, "driver_age": "18"})
    assert err.value.item == "driver_age"
    assert err.value.message == "運転者年齢条件を選択してください。"


@given(grade=st.sampled_from(rating.GRADES),
       options=st.fixed_dictionaries({i: st.sampled_from([c for c, _ in rating.OPTIONS[i]]) for i in rating.ITEMS}),
       count=st.integers(min_value=1, max_value=12))
def test_same_inputs_same_yen_and_instalments_add_up(grade, options, count):
    rates = plans.demo_rates()
    a = rating.quote(rates, grade, options, count)
    b = rating.quote(rates, grade, dict(options), count)
    assert a == b
    assert a.annual % 10 == 0 and a.annual > 0
    assert sum(a.installments) == a.annual and len(a.installments) == count
    assert max(a.installments) - min(a.installments) < count


# ------------------------------------------------------------ rates CSV

def _demo_text() -> str:
    return plans.DEMO_RATES.read_text(encoding="utf-8")


def test_the_demo_table_parses_with_every_grade_and_option():
    parsed = rating.parse_rates(_demo_text())
    assert parsed.errors == []
    assert sorted(parsed.rates.base) == list(rating.GRADES)


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("base,7,56000\n", ""), "code: missing row base,7"),
    (lambda t: t.replace("driver_age,35,960", "driver_age,35,0.96"), "value: a whole number of per-mille"),
    (lambda t: t.replace("driver_age,35,960", "driver_age,18,960"), "code: unknown driver_age code '18'"),
    (lambda t: t + "base,3,1\n", "code: duplicate of line"),
    (lambda t: t + "discount,group,800\n", "item: unknown item 'discount'"),
    (lambda t: t.replace("item,code,value", "item,code,amount"), "value: missing column"),
    (lambda t: t.replace("base,1,131200", "base,21,131200"), "code: 等級 must be 1-20"),
])
def test_a_bad_rates_file_reports_line_column_reason(change, message):
    parsed = rating.parse_rates(change(_demo_text()))
    assert parsed.rates is None
    assert any(message in e for e in parsed.errors), parsed.errors
    assert all(e.startswith("line ") for e in parsed.errors)


def test_rates_errors_give_the_true_line_number_despite_comments():
    text = _demo_text().replace("base,5,69600", "base,5,lots")
    line = text.splitlines().index("base,5,lots") + 1
    assert f"line {line}: value:" in rating.parse_rates(text).errors[0]


@given(st.text(max_size=300))
def test_the_rates_parser_never_crashes(text):
    parsed = rating.parse_rates(text)
    assert (parsed.rates is None) == bool(parsed.errors)
