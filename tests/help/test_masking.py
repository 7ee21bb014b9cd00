"""Masking of personal data (clickar.ops.masking): what staff read in the chat log and JSON logs.

Issue 20 (outside review, HIGH): birth dates, names without an honorific, phone numbers
grouped by spaces or dots, numbers longer than 12 characters and addresses went into
the log as typed. The example-based tests name each shape; the properties generate them
inside random Japanese text; the last tests hold the questions people really ask
(the dev half and the regression set) to no change at all.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickar.help.log import masked
from clickar.ops.masking import mask_personal_data
from clickar.ops.observability import scrub

ROOT = Path(__file__).resolve().parents[2]
DIGITS = re.compile(r"[0-9０-９]")
WIDE = str.maketrans("0123456789/-.()", "０１２３４５６７８９／－．（）")


# ------------------------------------------------------------ what is masked, by example

@pytest.mark.parametrize(
    "text, masked_text",
    [
        ("1968/4/5生まれです", "［生年月日］生まれです"),
        ("生年月日は1968年4月5日", "生年月日は［生年月日］"),
        ("1968-04-05", "［生年月日］"),
        ("68/4/5", "［生年月日］"),
        ("19680405で入れた", "［生年月日］で入れた"),
        ("4/5/1968", "［生年月日］"),
        ("１９６８年４月５日", "［生年月日］"),
        ("1968 年 4 月 5 日", "［生年月日］"),
        ("昭和43年4月5日生まれ", "［生年月日］生まれ"),
        ("昭和43.4.5", "［生年月日］"),
        ("S43.4.5", "［生年月日］"),
        ("H1.1.8", "［生年月日］"),
        ("平成元年1月8日", "［生年月日］"),
        ("昭和 43 年 4 月 5 日", "［生年月日］"),
        ("昭和四十三年四月五日", "［生年月日］"),
        ("大正15年12月1日", "［生年月日］"),
        ("令和2年3月4日", "［生年月日］"),
        ("1968年生まれです", "［生年月日］生まれです"),
        ("昭和43年4月生まれ", "［生年月日］生まれ"),
    ],
)
def test_birth_dates_are_masked(text, masked_text):
    assert mask_personal_data(text) == masked_text


@pytest.mark.parametrize(
    "text, masked_text",
    [
        ("名前は山田太郎です", "名前は［氏名］です"),
        ("私、山田花子と申します", "私、［氏名］と申します"),
        ("契約者 佐藤一郎", "契約者 ［氏名］"),
        ("氏名：鈴木 次郎", "氏名：［氏名］"),
        ("氏名:鈴木次郎で登録した", "氏名:［氏名］で登録した"),
        ("名前はヤマダタロウです", "名前は［氏名］です"),
        ("フリガナ：ヤマダ タロウ", "フリガナ：［氏名］"),
        ("名前は Taro Yamada です", "名前は ［氏名］ です"),
        ("my name is Taro Yamada", "my name is ［氏名］"),
        ("私は山田です。ログインできません", "私は［氏名］です。ログインできません"),
        ("やまだと申します", "［氏名］と申します"),
        ("契約者名は高橋です", "契約者名は［氏名］です"),
    ],
)
def test_names_without_an_honorific_are_masked(text, masked_text):
    assert mask_personal_data(text) == masked_text


@pytest.mark.parametrize(
    "text",
    ["090 1234 5678", "090.1234.5678", "03 1234 5678", "(03)1234-5678", "03(1234)5678",
     "０９０ １２３４ ５６７８", "+81 90 1234 5678", "+81-3-1234-5678", "0120-123-456", "03.1234.5678"],
)
def test_phone_numbers_in_any_grouping_are_masked(text):
    assert mask_personal_data(f"電話は{text}です") == "電話は［電話番号］です"


@pytest.mark.parametrize(
    "text",
    ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "SJ2400010112345",
     "1234567890123", "ABCD-1234-5678-EFGH"],
)
def test_numbers_longer_than_twelve_are_masked(text):
    assert mask_personal_data(f"番号 {text} です") == "番号 ［番号］ です"


@pytest.mark.parametrize(
    "text, masked_text",
    [("口座番号 1234567", "口座番号 ［番号］"), ("会員番号：A1234", "会員番号：［番号］")],
)
def test_a_number_after_its_name_is_masked_even_short(text, masked_text):
    assert mask_personal_data(text) == masked_text


@pytest.mark.parametrize(
    "text, masked_text",
    [
        ("〒123-4567", "［住所］"),
        ("郵便番号は123-4567です", "郵便番号は［住所］です"),
        ("東京都千代田区丸の内1-2-3に住んでいます", "［住所］に住んでいます"),
        ("〒100-0005 東京都千代田区丸の内1-2-3", "［住所］ ［住所］"),
        ("千代田区丸の内1丁目2番3号", "［住所］"),
        ("横浜市中区山下町1-2 サンプルマンション101号室に引っ越した", "［住所］に引っ越した"),
        ("住所は大阪府大阪市北区梅田3-1-1です", "住所は［住所］です"),
        ("札幌市中央区北1条西2丁目", "［住所］"),
        ("大阪市北区梅田3-1-1 グランフロント12階", "［住所］"),
    ],
)
def test_addresses_are_masked(text, masked_text):
    assert mask_personal_data(text) == masked_text


@pytest.mark.parametrize(
    "text",
    [
        # the service's own dates and counts
        "4月1日から", "90日前", "2026年4月1日", "令和8年4月1日から更新", f"{dt.date.today().year}/4/1", "24時間すぎた",
        "車2台分", "5000円", "保険料 100-2000円", "iOS 17.4.1で開けない", "HTTP/1.1 200", "10.0.0.1",
        # the words around names and numbers that are not personal data
        "名前は変更できますか", "契約者は私です", "氏名はフルネームで入れるの？", "契約者 変更したい",
        "名義変更したい", "生年月日ちゃんと入れたのに不一致って言われる", "マイページどうやって開くんですか？",
        "パスワードをたくさん間違えた", "契約者様へ", "ご苦労様です", "息子さんの車", "お兄ちゃんの車",
        "大阪府に引っ越した", "大文字小文字区別する？", "北村2台", "2台目は千代田区に置いてる", "iPhone15ProMaxで開けない", "Windows11Home",
        # kept readable in logs since issue 16
        "worker pid 123456 exited", "認証コード123456が来ない", "Pixel7で開けない",
        # full-width signs stay as typed
        "今何時？", "カメラかざしてもリンク出てこないんだけどｗ", "パスワ－ドわからなくなった",
    ],
)
def test_ordinary_text_is_kept_as_typed(text):
    assert mask_personal_data(text) == text


def test_the_staff_log_and_json_logs_mask_the_same():
    text = "名前は山田太郎です 昭和43年4月5日生まれ 090 1234 5678 東京都千代田区丸の内1-2-3 4111 1111 1111 1111"
    expected = "名前は［氏名］です ［生年月日］生まれ ［電話番号］ ［住所］ ［番号］"
    assert masked(text) == expected
    assert scrub(text) == expected


# ------------------------------------------------------------ properties

# Japanese text with no digits and no latin letters: whatever digit is left came from the data
JA_TEXT = st.text(
    alphabet=st.sampled_from(list("あいうえおかきくけこのはをにでがとてすまれたよねかなアイウエオカキクケコ"
                                  "電話番号生年月日契約更新保険会社登録住所教えて下さい、。！？「」 　")),
    max_size=12,
)


def _wide(text: str, wide: bool) -> str:
    return text.translate(WIDE) if wide else text


@st.composite
def phones(draw):
    """Japanese numbers as they are grouped: area code, exchange, subscriber (10 or 11 digits)."""
    first, middle, last = draw(st.sampled_from([("090", 4, 4), ("080", 4, 4), ("070", 4, 4), ("050", 4, 4),
                                                ("03", 4, 4), ("06", 4, 4), ("011", 3, 4), ("0466", 2, 4),
                                                ("0120", 3, 3), ("0570", 3, 3), ("04992", 1, 4)]))
    b = draw(st.text(alphabet="0123456789", min_size=middle, max_size=middle))
    c = draw(st.text(alphabet="0123456789", min_size=last, max_size=last))
    shape = draw(st.sampled_from(["{a}-{b}-{c}", "{a} {b} {c}", "{a}.{b}.{c}", "({a}){b}-{c}", "{a}({b}){c}",
                                  "{a}{b}{c}", "{a} - {b} - {c}", "+81 {a1} {b} {c}", "+81-{a1}-{b}-{c}"]))
    text = shape.format(a=first, a1=first[1:], b=b, c=c)
    return _wide(text, draw(st.booleans()))


@st.composite
def birth_dates(draw):
    day = draw(st.dates(min_value=dt.date(1912, 8, 1), max_value=dt.date(dt.date.today().year - 3, 12, 31)))
    y, m, d = day.year, day.month, day.day
    era, base = next((e, b) for e, b, start in (("令和", 2018, dt.date(2019, 5, 1)), ("平成", 1988, dt.date(1989, 1, 8)),
                                                 ("昭和", 1925, dt.date(1926, 12, 25)), ("大正", 1911, dt.date(1912, 7, 30)))
                     if day >= start)
    ey = y - base
    letter = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T"}[era]
    sp = draw(st.sampled_from(["", " "]))
    shape = draw(st.sampled_from([
        f"{y}/{m}/{d}", f"{y}-{m:02d}-{d:02d}", f"{y}.{m}.{d}", f"{y}{sp}年{sp}{m}{sp}月{sp}{d}{sp}日", f"{y}{m:02d}{d:02d}",
        f"{m}/{d}/{y}", f"{y % 100:02d}/{m}/{d}",
        f"{era}{sp}{ey}{sp}年{sp}{m}{sp}月{sp}{d}{sp}日", f"{era}{'元' if ey == 1 else ey}年{m}月{d}日",
        f"{era}{ey}.{m}.{d}", f"{letter}{ey}.{m}.{d}", f"{letter}{ey}/{m}/{d}",
    ]))
    return _wide(shape, draw(st.booleans()))


@st.composite
def long_numbers(draw):
    digits = draw(st.text(alphabet="0123456789", min_size=13, max_size=20))
    shape = draw(st.sampled_from(["plain", "groups", "letters"]))
    if shape == "groups":
        sep = draw(st.sampled_from([" ", "-"]))
        return sep.join(digits[i:i + 4] for i in range(0, len(digits), 4)).rstrip(sep) \
            if len(digits) % 4 != 1 else digits
    if shape == "letters":
        return draw(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=4)) + digits
    return digits


@st.composite
def addresses(draw):
    pref, city = draw(st.sampled_from([("東京都", "千代田区"), ("神奈川県", "横浜市中区"), ("北海道", "札幌市中央区"),
                                       ("沖縄県", "那覇市"), ("大阪府", "大阪市北区"), ("長野県", "北佐久郡軽井沢町")]))
    town = draw(st.sampled_from(["丸の内", "梅田", "山下町", "北1条西", "旭ケ丘", "大字長倉"]))
    a, b, c = (draw(st.integers(1, 999)) for _ in range(3))
    house = draw(st.sampled_from([f"{a}-{b}-{c}", f"{a}丁目{b}番{c}号", f"{a}番地{b}", f"{a}-{b}"]))
    building = draw(st.sampled_from(["", " メゾン青葉101号室", " 第2ビル5階"]))
    postal = draw(st.sampled_from(["", f"〒{a:03d}-{c:04d} ", f"{a:03d}-{b:04d} "]))
    text = postal + draw(st.sampled_from([pref, ""])) + city + town + house + building
    return _wide(text, draw(st.booleans()))


FAMILY = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田", "山本", "松本", "井上",
          "木村", "林", "清水", "山崎", "森", "池田", "橋本", "阿部", "石川", "長谷川", "ヤマダ", "サトウ"]
GIVEN = ["太郎", "花子", "一郎", "次郎", "美咲", "翔太", "陽菜", "健一", "由美", "大輔", "タロウ", "ハナコ"]


@st.composite
def cued_names(draw):
    name = draw(st.sampled_from(FAMILY)) + draw(st.sampled_from(["", " ", "　"])) + draw(st.sampled_from(GIVEN))
    cue = draw(st.sampled_from(["名前は{}です", "氏名：{}", "契約者 {}", "契約者名は{}です", "私、{}と申します",
                                "{}といいます", "お名前：{}", "名義人は{}です", "{}さんの契約", "{}様"]))
    return name, cue.format(name)


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.data(), st.one_of(phones(), birth_dates(), long_numbers(), addresses()))
def test_no_digit_of_a_phone_number_birth_date_long_number_or_address_survives(data, value):
    text = data.draw(JA_TEXT) + value + data.draw(JA_TEXT)
    out = mask_personal_data(text)
    assert not DIGITS.search(out), (text, out)


@SETTINGS
@given(st.data(), cued_names())
def test_a_name_after_a_cue_never_survives(data, name_and_text):
    name, text = name_and_text
    full = data.draw(st.sampled_from(["", "こんにちは。", "すみません、"])) + text + data.draw(
        st.sampled_from(["", "。ログインできません", "。パスワードを忘れた"]))
    out = mask_personal_data(full)
    for part in re.split(r"[ 　]", name):
        assert part not in out, (full, out)


@SETTINGS
@given(st.data(), st.one_of(phones(), birth_dates(), long_numbers(), addresses(), cued_names().map(lambda p: p[1]),
                            st.sampled_from(["山田さん", "taro@example.jp", "〒123-4567", "東京都港区芝公園4-2-8",
                                             "AB12345678", "2026年4月1日", "123456", "4月1日"])))
def test_masking_twice_changes_nothing(data, value):
    text = data.draw(JA_TEXT) + value + data.draw(JA_TEXT) + data.draw(st.text(max_size=8))
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once


@SETTINGS
@given(st.integers(1, 12), st.integers(1, 31), st.integers(1, 999), st.integers(100, 99_999_999))
def test_month_day_counts_and_amounts_stay(month, day, days, yen):
    text = f"{month}月{day}日から{days}日前に{yen:,}円払った"
    assert mask_personal_data(text) == text


# ------------------------------------------------------------ the questions people really ask

def _questions(path: Path) -> list[str]:
    return [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", ["clickar/help/kb/examples.jsonl", "tests/help/eval_questions.jsonl"])
def test_the_questions_people_ask_are_logged_as_typed(path):
    """The dev half (171 questions) and the regression set (166) have no personal data in them:
    none may change (before issue 20, 60 and 32 did: full-width ？ became ?, and
    生年月日ちゃんと / 開くんですか lost a word to ［氏名］)."""
    changed = [(q, mask_personal_data(q)) for q in _questions(ROOT / path)
               if mask_personal_data(q) != q and q not in MASKED_ON_PURPOSE]
    assert changed == []


# An English or romaji word straight after a password's name is masked, though these were questions: a
# lower-case password ends like romaji (sakurata, himitsumade) and one after for/change is still a password
# (outside attack r20d, 5). A logged question masked more than needed costs less than a password kept.
MASKED_ON_PURPOSE = {
    "Password for 本登録? 会社のパソコンのパスワードですか",
    "hon touroku de password kikareta. nani ireru no?",
    "tanmatsu touroku shitara one time password iranaku naru?",
    "pasuwaado wasureta",
    "password wasurete shimatta. saisettei wa doko kara?",
    "login no yarikata wakaranai. mail to password dake?",
}


@pytest.mark.parametrize("question", sorted(MASKED_ON_PURPOSE))
def test_a_word_after_password_is_masked_even_in_a_question(question):
    assert "［パスワード］" in mask_personal_data(question)


@pytest.mark.parametrize("line", [
    "outbox lease until 2026-12-05T07:30:00.123+00:00",
    "retry scheduled at 2023-01-05 10:00",
    "purge older than 2019-04-01T00:00:00Z",
])
def test_a_log_timestamp_with_its_time_of_day_stays_readable(line):
    # operators read these in the JSON logs: an old timestamp is not a birth date, nor a 証券番号
    assert mask_personal_data(line) == line


def test_a_birth_date_next_to_a_log_timestamp_is_still_masked():
    masked = mask_personal_data("2026-12-05T07:30:00 生年月日 1968-04-05 電話 090 1234 5678")
    assert masked == "2026-12-05T07:30:00 生年月日 ［生年月日］ 電話 ［電話番号］"


# ---------------------------------------------- the outside attack on the mask (2026-12-05, r20-mask)

@pytest.mark.parametrize(
    "text, secret",
    [
        # passwords and one-time passwords typed in after their name
        ("ワンタイムパスワードは 482913 です", "482913"), ("パスワードは hunter2 です", "hunter2"),
        ("PW: p@ssw0rd", "p@ssw0rd"), ("暗証番号は1234", "1234"), ("セキュリティコード123", "123"),
        ("パスワード：Taro1234", "Taro1234"), ("パスワード→!abc123", "!abc123"), ("パスワードabc123忘れた", "abc123"),
        # outside attack r20c: a password that starts with ! (M1), two spaces before it (M2)
        ("パスワード !Qaz2wsx 忘れた", "Qaz2wsx"), ("PW!abc1234", "abc1234"), ("暗証番号!1234", "1234"),
        ("パスワード  hunter2", "hunter2"), ("パスワード　　hunter2", "hunter2"), ("パスワードは  hunter2", "hunter2"),
        # outside attack r20d: romaji-looking passwords, romaji's wa, after a question mark
        ("password sakurata", "sakurata"), ("pw abcdmade", "abcdmade"), ("password wa hunter2 desu", "hunter2"),
        ("pasuwaado wa hunter2", "hunter2"), ("パスワード？hunter2", "hunter2"), ("pw?abc123", "abc123"),
        # car registration plates
        ("品川 300 あ 12-34", "300"), ("ナンバーは品川300あ1234", "1234"), ("練馬 500 さ 1234", "1234"),
        # mail addresses spelt out or disguised
        ("taro.yamada at gmail dot com", "taro.yamada"), ("taro(at)gmail.com", "taro"),
        ("taro[at]gmail[dot]com", "taro"), ("taroアットgmailドットcom", "taro"),
        ("taro。yamada＠gmail。com", "yamada"), ("taro@gmail", "taro"), ("taro@\u200bgmail.com", "taro"),
        # names after a cue with の / が / ＝, in hiragana, their reading, other honorifics
        ("契約者の山田太郎", "山田"), ("契約者が山田太郎です", "山田"), ("被保険者＝山田太郎", "山田"),
        ("名前はやまだたろうです", "やまだ"), ("氏名: 山田 太郎（ヤマダ タロウ）", "ヤマダ"),
        ("山田みどり様", "山田"), ("山田氏", "山田"), ("山田太郎宛", "山田"), ("Yamada-san", "Yamada"),
        # bank accounts, postal codes, addresses in hiragana or with a space
        ("口座 普通 1234567", "1234567"), ("新宿支店 普通 1234567", "1234567"),
        ("郵便番号 123 4567", "4567"), ("〒 123 4567", "4567"), ("郵便番号1234567", "1234567"),
        ("横浜市西区みなとみらい2-3-1", "みなとみらい"), ("つくば市千現1-2-3", "千現"),
        ("さいたま市浦和区高砂3-15-1", "さいたま"), ("渋谷区 道玄坂2-1", "道玄坂"),
        # phone numbers with other separators
        ("090_1234_5678", "5678"), ("090/1234/5678", "5678"), ("090,1234,5678", "5678"),
        ("090〜1234〜5678", "5678"), ("090・1234・5678", "5678"),
        # birth dates with a one-kanji era, or a two-digit year and 生まれ
        ("昭45.3.2", "45"), ("平2.3.2", "2.3"), ("70年3月2日生まれ", "70"),
        # policy numbers in groups, or with a Unicode hyphen
        ("SJ 2400 0101", "2400"), ("証券番号 SJ24 000101", "000101"), ("SJ24‐000101", "000101"),
    ],
)
def test_what_the_outside_attack_got_through_is_masked(text, secret):
    masked = mask_personal_data(text)
    assert secret not in masked, masked
    assert "［" in masked


@pytest.mark.parametrize("text", [
    "令和2年に契約した", "平成30年式の車", "Windows11", "Chrome120で開けない", "パスワード忘れた",
    "パスワードを忘れた", "PINコード忘れた", "彼氏が登録してくれた", "契約者の名前を変えたい",
    "契約者が死亡した", "氏名欄がない", "宛先がわからない", "平日に電話できる？", "昭和の車",
])
def test_what_the_outside_attack_found_over_masked_or_near_misses_stay(text):
    assert mask_personal_data(text) == text


@pytest.mark.parametrize("question", [
    "証券番号ってどの書類見ればいいの",  # どの: not 殿
    "登録ってどのくらい時間かかる",
    "メール届きまさん",  # a slip for ません: not a name before さん
    "車の名前は出てるけど更新するボタンがない",  # one kanji and its verb ending after 名前は
    "登録のとき名前が合わないと言われます",
    "チラシの四角い模様にかざした",  # 模様: a word, not 〜様
])
def test_words_that_only_look_like_names_stay(question):
    """Found when the earlier blind batches joined the dev half (eighth session): each was masked."""
    assert mask_personal_data(question) == question


@pytest.mark.parametrize("question, masked", [
    ("名前は林です", "名前は［氏名］です"),
    ("担当のすずきさん", "担当の［氏名］さん"),
    ("山田殿", "［氏名］殿"),
    # outside attack r20b: the first fixes had let these through
    ("名前は林たろうです", "名前は［氏名］たろうです"),  # M1: 林 is not a verb (the given name in kana: a known gap)
    ("契約者名は原まさお", "契約者名は［氏名］まさお"),
    ("名前は林なんですけど", "名前は［氏名］なんですけど"),
    ("名前は関わたる", "名前は［氏名］わたる"),
    ("佐藤まいさんが運転してました", "佐藤［氏名］さんが運転してました"),  # M2
    ("鈴木ゆきちゃん", "鈴木［氏名］ちゃん"),
    ("田中どのに送りました", "［氏名］どのに送りました"),  # M3
])
def test_names_next_to_those_words_are_still_masked(question, masked):
    assert mask_personal_data(question) == masked


@pytest.mark.parametrize("question", ["この様な場合はどうすれば", "どの様にすればいいですか", "おかげさまで無事故です"])
def test_ordinary_words_before_sama_stay(question):
    """r20b, M4: 〜様 and 〜さま that are words, not names."""
    assert mask_personal_data(question) == question


def test_a_long_dotted_run_without_an_at_is_not_searched_for_an_address():
    """r20b, W1: the mail pattern tried every start of a 4 KB dotted path (1.9 s a log line); now it
    runs only where an at sign (or a spelt-out at) is. Its cost is in make bench's terms, not timed
    here: this holds the behaviour, the text as it was and an address after it still masked."""
    path = "a." * 4000
    assert mask_personal_data(path) == path
    assert mask_personal_data(path + " taro@example.jp") == path + " ［メールアドレス］"


def test_a_question_mark_after_password_is_a_question_not_a_password():
    """Found when batches 8 and 9 joined the dev half (ninth session): 「パスワード？IDはないの？」 was logged as
    「パスワード［パスワード］はないの？」 (the folded ?ID read as a password)."""
    assert mask_personal_data("ログインってメールアドレスとパスワード？IDはないの？") == \
        "ログインってメールアドレスとパスワード？IDはないの？"
    assert mask_personal_data("パスワード?ID?") == "パスワード?ID?"


@pytest.mark.parametrize("text", [
    "家族名義の車も含めて複数の契約がある社員は、どのように登録すればよいでしょうか",  # 車 after 名義の
    "めーるをまっていますがまだきません。もうさんじゅっぷんたちました",  # さんじゅっぷん: thirty minutes
    "さんかいまちがえたらロックされた",
])
def test_words_that_only_look_like_a_password_or_a_name_stay(text):
    """Found when batches 10 and 11 joined the dev half (ninth session)."""
    assert mask_personal_data(text) == text


@pytest.mark.parametrize("text, name", [
    ("田中さんにちようびに電話した", "田中"), ("山田さんまいにち使ってる", "山田"), ("佐藤さんだいじょうぶ？", "佐藤"),
    ("鈴木さんかいしゃの人", "鈴木"), ("山田さんにんしょうコード来ない", "山田"),
])
def test_a_name_before_san_and_a_word_that_starts_like_a_number_is_still_masked(text, name):
    """r20d 4: the さんじゅっぷん rule must not unmask 田中さん + にちようび."""
    assert name not in mask_personal_data(text)
