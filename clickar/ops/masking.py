"""Mask personal data in chat questions before they are logged for staff.

``mask_personal_data(text)`` is used for the AIチャット's unanswered-question log
(help/log.py), the member's own chat history (help/chat.py), the sentence
model's query text (help/engine.py) and every JSON log line (observability.scrub).
It replaces, in this order (what one detector masked, the next ones no longer see):

* a password typed after its name (パスワードは hunter2, PW: …, 暗証番号は1234,
  セキュリティコード123, ワンタイムパスワードは 482913; not 認証コード123456,
  a one-time code that dies in 5 minutes)               → ［パスワード］
* mail addresses, also spelt out or disguised (taro at gmail dot com, (at),
  [dot], アット/ドット, 。 for dots, zero-width characters, no dot after @)
                                                         → ［メールアドレス］
* car registration plates (品川 300 あ 12-34)               → ［ナンバー］
* bank accounts (普通 1234567, 口座 1234567)                → ［番号］
* phone numbers: 10–11 digits starting with 0, alone or grouped by hyphens,
  dots, spaces, brackets, _ / , 〜 ・ (090-1234-5678, 090.1234.5678, 090 1234 5678,
  (03)1234-5678, 03(1234)5678), and +81 / 0081 numbers    → ［電話番号］
* addresses: a postal code (〒123-4567, 123-4567, 〒1234567); a prefecture
  followed by a city/ward/town/village/county and the rest of the address; a
  city/ward/town/village followed by a house number (千代田区丸の内1-2-3,
  札幌市中央区北1条西2丁目); a building and room after either (…101号室, …5階)
                                                         → ［住所］
  A prefecture alone (大阪府に引っ越した) stays: it names no one; so does a
  number that counts (北村2台, 100-2000円).
* dates that could be a birth date                       → ［生年月日］
  - a Japanese era date: 明治/大正/昭和/平成/令和 or M/T/S/H/R, 元年,
    kanji numerals (昭和43年4月5日, 昭和四十三年, S43.4.5, H1.1.8, 平成元年1月8日);
  - a western date with a year: 1968/4/5, 1968年4月5日, 1968-04-05, 1968.4.5,
    4/5/1968, 68/4/5 (slashes only: 17.4.1 is a version), 19680405;
  - a year (and month) followed by 生まれ (1968年生まれ, 昭和43年4月生まれ).
  Only years at least three years back count (a 令和 date is converted), so the
  service's own dates ("2026年4月1日から") stay (68/4/5 has no century to tell:
  always masked); a month and day without a year (4月1日, 90日前) stay too.
  A date with a time of day (2023-01-05 10:00, 2026-12-05T07:30:00Z) is a
  log's timestamp, not a birth date: it stays.
* long numbers: letters and digits of 13 characters or more with at least 4
  digits, or digit groups joined by spaces or hyphens of 12 digits or more
  (card numbers, account and contract numbers); and what follows a number's
  name, 4 characters or more (口座番号 1234567, 会員番号：A1234) → ［番号］
* policy numbers (8–12 letters and digits, with at least four digits; also typed in
  groups: SJ 2400 0101, SJ24‐000101; Windows11 and Chrome120 are products)
                                                         → ［証券番号］
  This is a detector for free text, not clickar.identity's 証券番号 rule (6–20
  letters and digits, which validates a field): the insurer's numbers are 8–12
  long (SJ24000101), and the wider rule would turn process ids, member ids,
  device names (Pixel7), one-time codes (123456), dates and amounts in logs and
  in the member's own chat history into ［証券番号］ (outside review of issue 16, r16b).
* names                                                  → ［氏名］
  - the name in front of さん / 様 / さま / 殿 / くん / 君 / ちゃん (not
    お客様, 担当者様, たくさん, ちゃんと, 開くんです …);
  - the name after a cue, with no honorific: 名前は / 氏名： / 契約者 /
    契約者名 / 名義人 / 被保険者 / フリガナ / my name is … (kanji, katakana or
    latin letters; a family and a given name may be split by one space);
  - the name before と申します / といいます, and after 私は / 僕は when
    です follows (私は山田です);
  - after a cue also with の / が / ＝ (契約者の山田太郎), in hiragana up to です
    (名前はやまだたろうです), a reading in brackets after a masked name, 氏 and 宛
    as honorifics, kanji and kana before 様 (山田みどり様), Yamada-san.
  A year of an era alone (令和2年に契約した, 平成30年式) is not a birth date unless
  生まれ follows; 昭45.3.2 and 70年3月2日生まれ are.

Not masked (a detector of shapes and cues, not a reader): a name typed with no
cue and no honorific (山田太郎 パスワード忘れた), surnames that end like a role
before さん (緒方さん, 土屋さん), romaji names without -san (Taro Yamada desu),
a street address with no city, ward, town or village (丸の内1-2-3), a date
without a year.  That is why the optional LLM is given the chosen topic only,
never the question (help/chat.py).

Full-width letters, digits and signs are folded to ASCII for the detection
only: what is not masked is returned exactly as typed (？ stays ？).  Text
already masked (［氏名］ …) is left alone, so masking twice changes nothing.
It errs on the side of masking: a staff member reading the log loses a word
now and then, a customer never loses privacy.
"""

from __future__ import annotations

import datetime as _dt
import re

MAIL = "［メールアドレス］"
PHONE = "［電話番号］"
POLICY = "［証券番号］"
NAME = "［氏名］"
BIRTH = "［生年月日］"
ADDRESS = "［住所］"
NUMBER = "［番号］"
SECRET = "［パスワード］"
PLATE = "［ナンバー］"
LABELS = (MAIL, PHONE, POLICY, NAME, BIRTH, ADDRESS, NUMBER, SECRET, PLATE)

# full-width ASCII (！ to ～) → ASCII, ideographic space → space: one character for one,
# so a match in the folded text has the same place in the text as typed
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
# ［ ］ stay: they frame this module's own placeholders
del _FOLD[0xFF3B], _FOLD[0xFF3D]
# dashes and the long vowel sign stay as typed in the output but read as "-" between digits
_DASH_CHARS = "-‐‑‒–—―−ー－"
_DASH = "[" + re.escape(_DASH_CHARS) + "]"

# a masked stretch reads as this in the text later detectors see: not a letter, digit or name
_HIDDEN = "\ue000"


def fold(text: str) -> str:
    """Full-width letters, digits and signs as ASCII (what the detectors read)."""
    return (text or "").translate(_FOLD)


# ------------------------------------------------------------------ detectors

_PLACEHOLDER_RE = re.compile("|".join(re.escape(label) for label in LABELS))

_ZW = "[\u200b-\u200d\u2060\ufeff]*"  # zero-width characters typed (or pasted) inside an address
_DOT_WORD = r"(?:\.|。|、|\(dot\)|\[dot\]|<dot>|\s(?i:dot)\s|ドット|どっと)"
_MAIL_RE = re.compile(
    # a real @: the domain may lack its dot (taro@gmail)
    r"[A-Za-z0-9._%+\-。]+\s*" + _ZW + r"@" + _ZW + r"\s*[A-Za-z0-9\-]+(?:\s*" + _ZW + _DOT_WORD + _ZW
    + r"\s*[A-Za-z0-9\-]+)*"
    # a spelt-out at: then the domain needs a (spelt-out) dot (taro.yamada at gmail dot com)
    r"|[A-Za-z0-9._%+\-。]+\s*(?:\((?i:at)\)|\[(?i:at)\]|<(?i:at)>|\s(?i:at)\s|アット|あっと)\s*[A-Za-z0-9\-]+"
    r"(?:\s*" + _DOT_WORD + r"\s*[A-Za-z0-9\-]+)+"
)

_AT_RE = re.compile(r"@|\((?i:at)\)|\[(?i:at)\]|<(?i:at)>|\s(?i:at)\s|アット|あっと")

# ---- addresses
_PREFS = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|"
    "神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|"
    "大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|"
    "福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県"
)
_KANJI = r"一-龥々〆ヵヶ"
_ADDR_CHARS = r"[" + _KANJI + r"ァ-ヺーの0-9" + re.escape(_DASH_CHARS) + r"ケが]"
# what follows a number that is a count, an amount or a time, not a house number
_COUNTERS = "時分秒台人件円個回歳才年月日%万千"
# a house number: digits that are not a count, then more of the address (1-2-3, 1丁目2番3号, 北1条西2丁目)
_HOUSE = r"\d+(?![0-9" + _COUNTERS + r"])" + _ADDR_CHARS + r"*"
# a building and its floor or room (サンプルマンション101号室, 第2ビル5階)
_BUILDING = (r"(?:\s?[" + _KANJI + r"ァ-ヺーA-Za-z][" + _KANJI + r"ァ-ヺーA-Za-z0-9]{0,15}\s?\d{1,4}(?:号室|階|F)?"
             r"(?![0-9" + _COUNTERS + r"]))?")
# a postal code after its name or 〒, with a space or nothing between its groups (郵便番号 123 4567)
_POSTAL_RE = re.compile(r"郵便番号\s?(?:は|:|：)?\s?(?P<n>\d{3}(?:" + _DASH + r"|\s)?\d{4})(?![0-9])")
_ADDRESS_RE = re.compile(
    r"〒\s?\d{3}(?:" + _DASH + r"|\s)?\d{4}(?![0-9])"
    r"|(?<![0-9\-])\d{3}" + _DASH + r"\d{4}(?![0-9\-" + _COUNTERS + r"])"
    # a prefecture, then a municipality, then what follows it (town, house number, building)
    r"|(?:" + _PREFS + r")\s?(?:[" + _KANJI + r"ァ-ヺーのケが]{1,8}?|[ぁ-ゖ]{3,6})[市区町村郡]" + _ADDR_CHARS + r"*" + _BUILDING
    # no prefecture: a municipality and a house number
    + r"|(?:[" + _KANJI + r"ァ-ヺー]{1,6}|[ぁ-ゖ]{3,6})[市区町村郡]\s?(?:[" + _KANJI + r"ァ-ヺーぁ-ゖ]{0,10}?)\s?" + _HOUSE + _BUILDING
)

# ---- birth dates
_ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018,
         "明": 1867, "大": 1911, "昭": 1925, "平": 1988, "令": 2018,
         "M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018}
_KANJI_DIGITS = "〇一二三四五六七八九十"
_NUM = r"(?:\d{1,4}|[" + _KANJI_DIGITS + r"]{1,3})"
_S = r"\s?"
_DATE_SEP = r"(?:[/.]|" + _DASH + r")"
_ERA_RE = r"(?P<era>明治|大正|昭和|平成|令和|(?<![" + "一-龥" + r"])[昭平](?=\s?\d{1,2}\s?[./年])|(?<![A-Za-z])[MTSHRmtshr](?=\s?\.?\s?(?:\d|元)))"
_BIRTH_RE = re.compile(
    # era: 昭和43年4月5日, S43.4.5, 平成元年1月8日, 昭和43年生まれ
    _ERA_RE + _S + r"\.?" + _S + r"(?P<ey>元|\d{1,2}|[" + _KANJI_DIGITS + r"]{1,3})" + _S
    + r"(?:年" + _S + r"(?:" + _NUM + _S + r"月" + _S + r"(?:" + _NUM + _S + r"日)?)?"
    + r"|" + _DATE_SEP + _S + r"\d{1,2}" + _S + _DATE_SEP + _S + r"\d{1,2}(?!\d))"
    # western, year first: 1968年4月5日, 1968/4/5, 1968-04-05, 1968.4.5
    + r"|(?<![0-9])(?P<y>(?:19|20)\d{2})" + _S + r"(?:年" + _S + r"(?P<m1>\d{1,2})" + _S + r"月" + _S
    + r"(?P<d1>\d{1,2})" + _S + r"日?|" + _DATE_SEP + _S + r"(?P<m2>\d{1,2})" + _S + _DATE_SEP + _S
    + r"(?P<d2>\d{1,2}))(?![0-9])"
    # a two-digit year with its month and day, and 生まれ: 70年3月2日生まれ
    + r"|(?<![0-9])(?P<by2>\d{2})" + _S + r"年" + _S + r"\d{1,2}" + _S + r"月" + _S + r"(?:\d{1,2}" + _S + r"日)?" + _S + r"(?=生)"
    # a year (and a month) and 生まれ
    + r"|(?<![0-9])(?P<by>(?:19|20)\d{2})" + _S + r"年" + _S + r"(?:\d{1,2}" + _S + r"月" + _S
    + r"(?:\d{1,2}" + _S + r"日)?)?" + _S + r"(?=生)"
    # day/month first with a four-digit year: 4/5/1968
    + r"|(?<![0-9./])\d{1,2}" + _S + r"[/.]" + _S + r"\d{1,2}" + _S + r"[/.]" + _S + r"(?P<y3>(?:19|20)\d{2})(?![0-9])"
    # two-digit year with slashes: 68/4/5 (with dots it reads as a version: iOS 17.4.1)
    + r"|(?<![0-9./])(?P<y2>\d{2})" + _S + r"/" + _S + r"(?P<m4>\d{1,2})" + _S + r"/" + _S
    + r"(?P<d4>\d{1,2})(?![0-9./])"
    # eight digits in a row: 19680405
    + r"|(?<![A-Za-z0-9])(?P<y5>(?:19|20)\d{2})(?P<m5>0[1-9]|1[0-2])(?P<d5>0[1-9]|[12]\d|3[01])(?![A-Za-z0-9])"
)
_RECENT_YEARS = 3  # a date of this year or the two before is the service's, not a birth date


def _kanji_number(s: str) -> int:
    if s == "元":
        return 1
    if s.isdigit():
        return int(s)
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")}
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    n = 0
    for c in s:
        n = n * 10 + digits.get(c, 0)
    return n


def _is_birth_date(m: re.Match) -> bool:
    g = m.groupdict()
    limit = _dt.date.today().year - _RECENT_YEARS
    if g["era"]:
        year = _ERAS[g["era"].upper()] + _kanji_number(g["ey"])
        if not re.search(r"月|[./\-]", m.group(0)) and not m.string[m.end():m.end() + 2].lstrip().startswith("生"):
            return False  # a year alone (令和2年に契約した, 平成30年式の車): a birth date only with 生まれ
        return year <= limit
    if g.get("by2"):
        return True
    if g["y"]:
        month, day = (g["m1"], g["d1"]) if g["m1"] else (g["m2"], g["d2"])
        return int(g["y"]) <= limit and 1 <= int(month) <= 12 and 1 <= int(day) <= 31
    if g["by"]:
        return int(g["by"]) <= limit
    if g["y3"]:
        return int(g["y3"]) <= limit
    if g["y2"]:
        return 1 <= int(g["m4"]) <= 12 and 1 <= int(g["d4"]) <= 31
    return int(g["y5"]) <= limit


# ---- phone numbers
_PSEP = r"(?:\s?" + _DASH + r"\s?|\s|\.|\s?[_/,~〜・]\s?)?"
_PHONE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?<![0-9][ .\-])"  # not the tail of a longer run of digit groups
    r"(?:"
    r"(?:\+81|0081)" + _PSEP + r"\(?0?\d{1,4}\)?" + _PSEP + r"\(?\d{1,4}\)?" + _PSEP + r"\d{3,4}"
    r"|\(?0\d{1,4}\)?" + _PSEP + r"\(?\d{1,4}\)?" + _PSEP + r"\d{3,4}"
    r")"
    r"(?![A-Za-z0-9])"
)


def _is_phone(m: re.Match) -> bool:
    token = m.group(0)
    digits = sum(c.isdigit() for c in token)
    if token.startswith(("+81", "0081")):
        return 9 <= digits - (2 if token.startswith("+") else 4) <= 11
    return 10 <= digits <= 11


# ---- numbers
# letters/digits and single hyphens, 8 alphanumerics or more
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9\-])[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){7,}(?![A-Za-z0-9\-])")
# digit groups joined by single spaces or hyphens (4111 1111 1111 1111)
_GROUPS_RE = re.compile(r"(?<![A-Za-z0-9\-])\d{2,}(?:(?:\s|" + _DASH + r")\d{2,}){2,}(?![A-Za-z0-9\-])")
# what follows a number's name: 口座番号 1234567, 会員番号：A1234
_NUMBER_NAME_RE = re.compile(
    r"(?:口座|会員|契約|証券|顧客|お客様|免許証?|カード|保険証|マイナンバー|個人|社員|従業員|登録)(?:番号|No\.?|ID)"
    r"\s?(?:は|:|：)?\s?(?P<n>[A-Za-z0-9](?:[A-Za-z0-9]|\s?-\s?(?=[A-Za-z0-9])){3,})(?![A-Za-z0-9])"
)


_POLICY_GROUPS_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{1,4}\s?\d{2,6}(?:(?:\s|\s?" + _DASH + r"\s?)\d{2,6}){1,2}(?![A-Za-z0-9])")


def _policy_groups(m: re.Match) -> str | None:
    alnum = re.sub(r"[^A-Za-z0-9]", "", m.group(0))
    return POLICY if 8 <= len(alnum) <= 12 and sum(c.isdigit() for c in alnum) >= 4 else None


def _token(m: re.Match, group: str | int = 0) -> str | None:
    alnum = re.sub(r"[\s\-]", "", m.group(group))
    digits = sum(c.isdigit() for c in alnum)
    if 8 <= len(alnum) <= 12 and digits >= 4:  # Windows11, Chrome120: a product, not a policy
        return POLICY
    if len(alnum) > 12 and digits >= 4:
        return NUMBER
    return None


# ---- names
# どの (殿) only where it ends the phrase: 証券番号ってどの書類 / どのくらい are questions, not names
_HONORIFIC = r"(?:さん|様|さま|サマ|殿|どの(?=$|[\s、。,.!?！？]|に|へ|宛|から|より)|くん(?![でだじな])|君|ちゃん(?!と)|氏(?![名])|宛(?![先名て]))"
_NAME_CHARS = r"[" + _KANJI + r"ァ-ヺー・A-Za-z]"
_NAME_RE = re.compile(
    r"(" + _NAME_CHARS + r"(?:[ ]?" + _NAME_CHARS + r"){0,15}(?:[ぁ-ゖ]{2,4}(?=[ ]?(?:様|さま)))?|[ぁ-ゖ]{2,6}(?!さん(?:じゅ|じっ|びゃく|ぜん|ぷん|ふん)))(?=[ ]?" + _HONORIFIC + r")"
)
# Yamada-san, Taro-sama
_ROMAJI_NAME_RE = re.compile(r"(?<![A-Za-z])(?P<n>[A-Za-z][a-z]{1,15}(?:\s[A-Za-z][a-z]{1,15})?)-(?:san|sama|kun|chan)(?![a-z])")
# words before さん/様 that are not names
_NOT_NAMES = frozenset(
    {
        "皆", "みな", "皆々", "お客", "客", "お客さ", "担当", "担当者", "代理店", "会社", "保険会社",
        "奥", "お父", "お母", "お兄", "お姉", "おじい", "おばあ", "お子", "子供", "家族", "ご家族",
        "上", "王", "神", "仏", "あなた", "貴方", "みなさ", "会員", "会員の皆", "お医者",
        "本人", "ご本人", "主人", "ご主人", "友人", "知人", "名義人", "個人", "大人", "恋人",
        "苦労", "ご苦労", "ご馳走", "馳走", "お疲れ", "疲れ", "お世話", "世話", "得意", "お得意", "お互い",
        "兄", "姉", "弟", "妹", "父", "母", "息子", "娘", "孫", "嫁", "お嫁", "旦那", "婿", "叔父", "叔母",
        "隣", "お隣", "先方", "皆皆", "各位", "同僚", "上司", "先輩", "後輩", "医者", "大家",
        "彼", "同", "某", "両", "貴", "当", "弊", "御", "各", "私", "自分",
        "模", "仕", "多", "異", "図", "文",  # 模様 仕様 多様 異様 図様 文様: words, not 〜様
        "この", "その", "あの", "どの", "かよう", "おかげ", "お陰", "多種多", "左", "ご愁傷", "愁傷",
    }
)
# hiragana endings before さん that are not names (たくさん, おじさん, ごちそうさま …)
_NOT_NAME_ENDINGS = ("たく", "おじ", "おば", "おにい", "おねえ", "おとう", "おかあ", "じい", "ばあ",
                     "みな", "おつかれ", "ごちそう", "おきゃく", "おせわ", "ごくろう", "おたがい")
# a role, not a name, when the word ends with it (契約者様, 社長さん, 看護師さん)
_ROLE_ENDINGS = ("者", "員", "長", "主", "手", "師", "士", "店", "社", "屋", "先", "方", "様")

# cues that a name follows, with no honorific
_CUE = (
    r"(?:お?名前|氏名|姓名|フルネーム|本名|名義人?|契約者(?:名|の名前|氏名)?|被保険者(?:名)?|申込者(?:名)?|"
    r"運転者(?:名)?|フリガナ|ふりがな|カナ氏名|(?i:my\s+name\s+is|name\s*:))"
)
# a name: kanji and katakana (a family name of up to 5 may be followed by one space and a given
# name), or latin words
_W = r"[" + _KANJI + r"ァ-ヺー・]"
_NAME_WORD = r"(?:" + _W + r"{1,5}(?:\s" + _W + r"{1,8})?|" + _W + r"{6,10}" \
             r"|[A-Za-z][a-z]{1,15}(?:\s[A-Z][a-z]{1,15}){0,2}|[A-Z]{2,15}(?:\s[A-Z]{2,15}){0,2})"
_CUED_NAME_RE = re.compile(_CUE + r"\s?(?:は|:|：|、|,|\s|の|が|＝|=)\s?(?P<n>" + _NAME_WORD + r")(?![" + _KANJI + r"ァ-ヺーA-Za-z])")
# a name in hiragana after a cue, up to です / と / the end (名前はやまだたろうです)
_CUED_KANA_NAME_RE = re.compile(_CUE + r"\s?(?:は|:|：|、|,|\s|＝|=)\s?(?P<n>[ぁ-ゖ]{3,10}?(?:\s[ぁ-ゖ]{2,8}?)?)(?=\s?(?:です|でございます|と申|といい|。|、|$))")
# the reading in brackets after a masked name: ［氏名］（ヤマダ タロウ）
_READING_RE = re.compile(r"(?<=\ue000)\s?(?P<n>[（(][ァ-ヺーぁ-ゖ・\s]{2,24}[）)])")
_SAID_NAME_RE = re.compile(
    r"(?P<n>" + _NAME_WORD + r"|[ぁ-ゖ]{2,8})\s?(?=と(?:申し|もうし|いいます|言います|いう者|言う者))"
)
_SELF_NAME_RE = re.compile(
    r"(?:私|わたし|わたくし|僕|ぼく|俺|自分)\s?(?:は|、|,)\s?(?P<n>" + _NAME_WORD + r")\s?(?=です|でございます|だ(?![ぁ-ゖ]))"
)
# words after a cue that are not names (名前は変更できる？ 契約者は私です 氏名：全角で):
# the longer ones anywhere in the word, the one-kanji ones as the word or its start
_NOT_NAME_WORDS = (
    "入力", "登録", "確認", "必要", "漢字", "全角", "半角", "カタカナ", "ローマ字", "スペース", "フルネーム",
    "旧姓", "新姓", "名字", "苗字", "本人", "自分", "家族", "息子", "会社", "法人", "一致", "エラー", "間違",
    "記入", "表示", "契約", "保険", "証券", "変更", "修正", "訂正", "空白", "英語", "英字", "大文字", "小文字",
    "文字", "どこ", "どれ", "電話", "住所", "メール", "アドレス", "番号", "生年月日", "パスワード", "ログイン", "なん", "ナン", "ひらがな", "ふりがな", "フリガナ", "ミス",
    "名前", "氏名", "死亡", "年齢", "範囲", "追加", "削除", "欄", "続柄", "条件", "限定", "年令", "字体",
)
_NOT_NAME_STARTS = ("何", "誰", "変", "私", "僕", "俺", "妻", "夫", "親", "父", "母", "娘", "別", "同", "違",
                    "無", "不", "未", "空", "OK", "NG")
_NOT_NAME_ALONE = ("子", "姓", "名", "正", "カナ", "車", "下", "上", "横", "隣")  # 家族名義の車も, 名前の下に
# after a cue, one of these kanji followed by kana is a verb (名前は出てる, 名前が合わない, 名前を書く), not a
# one-kanji family name: 林たろう, 原まさお, 森なんですけど stay names (outside attack r20b, M1)
_VERB_KANJI = frozenset("出合見書消載入違残戻直使読打写付変来行言聞押違間表")


def _not_a_cued_name(word: str) -> bool:
    w = word.strip()
    return (any(x in w for x in _NOT_NAME_WORDS) or w.startswith(_NOT_NAME_STARTS)
            or w in _NOT_NAME_ALONE)


def _cued_name(m: re.Match) -> tuple[int, int, str] | None:
    """The name after (or before) a cue; a second word that is not a name stays (山田 電話番号は …)."""
    word, start = m.group("n"), m.start("n")
    first, space, second = word.partition(" ")
    if _not_a_cued_name(first):
        return None
    if not space and first in _VERB_KANJI and re.match("[ぁ-ゖ]", m.string[m.end("n"):m.end("n") + 1]):
        return None  # 名前は出てる: a verb, not 名前は林です
    if space and _not_a_cued_name(second):
        return start, start + len(first), NAME
    return start, m.end("n"), NAME


def _honorific(m: re.Match):
    """The name before さん/様: without a particle that joins it to a kanji word (担当のすずきさん)."""
    if not _honorific_name(m):
        return None
    word, start = m.group(1), m.start(1)
    if (len(word) >= 3 and word[0] in "のはがにともをへ"
            and re.fullmatch("[" + _KANJI + "]", m.string[start - 1:start] or " ")):
        return start + 1, m.end(1), NAME
    return NAME


def _honorific_name(m: re.Match) -> bool:
    word = m.group(1)
    w = word.strip()
    if word in _NOT_NAMES or w in _NOT_NAMES:
        return False
    before = m.string[m.start(1) - 1:m.start(1)]
    if len(w) == 2 and w.endswith("ま") and re.fullmatch("[" + _KANJI + "]", before or " "):
        return False  # 届きまさん, 出来まさん: a slip for ません after a verb's kanji, not まい/あや after a family name
    if w.endswith(_NOT_NAME_ENDINGS) or w.endswith(_ROLE_ENDINGS):
        return False
    return True


# ---- passwords typed into the chat, and car registration plates, and bank accounts
# a password cue, then the password: printable ASCII (after folding) up to a space or Japanese text
# (パスワードは hunter2 です, PW: p@ssw0rd, 暗証番号は1234). パスワードを忘れた has no such word after it, and
# パスワード？IDはないの？ asks a question (?ID followed by Japanese is not a password, ?hunter2 is); !Qaz2wsx
# is one (outside attack r20c M1), and so is what follows two spaces (M2) or romaji's wa (password wa hunter2).
# An English or romaji word right after the cue (Password for 本登録, password kikareta) is masked too: a
# logged question masked more than needed costs less than a password kept (outside attack r20d, 5).
# 認証コード / 確認コード stay readable (a one-time code dies in 5 minutes; issue 16 kept them).
_SECRET_RE = re.compile(
    r"(?:パスワード|パスワ[-ー－]ド|ﾊﾟｽﾜｰﾄﾞ|(?<![A-Za-z])(?i:pasuwa-?a?do)|(?<![A-Za-z])(?i:pw|pass(?:word)?|passcode|pin)(?![A-Za-z])|暗証番号|セキュリティ\s?コード|"
    r"(?<![A-Za-z])(?i:otp)(?![A-Za-z]))"
    r"\s{0,2}(?:(?:は|が|を|:|：|=|＝|→|\s(?i:wa|ha|is|ga|wo)\s)\s{0,2}|(?!\?[A-Za-z]{1,3}(?:\?|(?![!-~]))))(?P<n>[!-~]{3,64})"
)
# 品川 300 あ 12-34, 練馬500さ1234, 横浜 530 は ・・12
_PLATE_RE = re.compile(
    r"(?:[" + _KANJI + r"]{1,4}|[ァ-ヺー]{2,6}|[ぁ-ゖ]{2,6})\s?\d{2,3}\s?[ぁ-ゖ]\s?"
    r"(?:\d{1,2}\s?" + _DASH + r"\s?\d{2}|\d{4}|[・･.]{1,3}\s?\d{1,3})(?![0-9])"
)
# 普通 1234567, 当座預金 1234567, 口座 1234567, 新宿支店 普通 1234567
_BANK_RE = re.compile(r"(?:普通|当座|貯蓄|口座)(?:預金)?(?:口座)?\s?(?:番号|No\.?)?\s?(?:は|:|：)?\s?(?P<n>\d{6,8})(?![0-9])")

# ------------------------------------------------------------------ masking

# 2026-12-05T07:30:00.123+00:00, 2023-01-05 10:00: a date with a time of day is a moment in a log
_TIMESTAMP_RE = re.compile(r"(?<![0-9])\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?![0-9])")


def mask_personal_data(text: str) -> str:
    if not text:
        return ""
    # what the detectors read; masked stretches become _HIDDEN (never taken from the text itself)
    seen = fold(text).replace(_HIDDEN, "\ufffd")
    spans: list[tuple[int, int, str]] = []

    def hide(start: int, end: int, label: str | None) -> None:
        nonlocal seen
        if label is None or start >= end or _HIDDEN in seen[start:end]:
            return
        spans.append((start, end, label))
        seen = seen[:start] + _HIDDEN * (end - start) + seen[end:]

    def run(pattern: re.Pattern, decide, group: str | int = 0) -> None:
        for m in list(pattern.finditer(seen)):
            label = decide(m)
            if isinstance(label, tuple):
                hide(*label)
            elif label:
                hide(m.start(group), m.end(group), label)

    # already masked, or a timestamp with its time of day (a log's, not a birth date): kept as it is
    for pattern in (_PLACEHOLDER_RE, _TIMESTAMP_RE):
        for m in list(pattern.finditer(seen)):
            if _HIDDEN not in seen[m.start():m.end()]:
                spans.append((m.start(), m.end(), text[m.start():m.end()]))
                seen = seen[:m.start()] + _HIDDEN * (m.end() - m.start()) + seen[m.end():]
    run(_SECRET_RE, lambda m: SECRET, "n")
    if _AT_RE.search(seen):  # no at, no address: and the pattern is quadratic on long dotted runs (r20b W1)
        run(_MAIL_RE, lambda m: MAIL)
    run(_PLATE_RE, lambda m: PLATE)
    run(_BANK_RE, lambda m: NUMBER, "n")
    run(_PHONE_RE, lambda m: PHONE if _is_phone(m) else None)
    run(_POSTAL_RE, lambda m: ADDRESS, "n")
    run(_ADDRESS_RE, lambda m: ADDRESS)
    run(_BIRTH_RE, lambda m: BIRTH if _is_birth_date(m) else None)
    run(_POLICY_GROUPS_RE, _policy_groups)
    run(_NUMBER_NAME_RE, lambda m: _token(m, "n") or NUMBER, "n")
    run(_GROUPS_RE, lambda m: NUMBER if sum(c.isdigit() for c in m.group(0)) >= 12 else None)
    run(_TOKEN_RE, _token)
    run(_CUED_NAME_RE, _cued_name)
    run(_SELF_NAME_RE, _cued_name)
    run(_SAID_NAME_RE, _cued_name)
    run(_CUED_KANA_NAME_RE, _cued_name)
    run(_ROMAJI_NAME_RE, lambda m: NAME, "n")
    run(_NAME_RE, _honorific, 1)
    run(_READING_RE, lambda m: NAME, "n")

    out, at = [], 0
    for start, end, label in sorted(spans):
        out.append(text[at:start])
        out.append(label)
        at = end
    out.append(text[at:])
    return "".join(out)
