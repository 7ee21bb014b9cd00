"""Japanese text handling for the help chat: normalisation, synonyms, tokens.

Everything here is pure Python around fugashi + unidic-lite.  The tagger is
loaded lazily, once per process, and guarded by a lock because MeCab taggers
are not safe to share between threads.

Pipeline for both the knowledge base and a question:

1. ``normalize`` — NFKC, lower case, typo-tolerant kana fixes
   (``とどかなぃ`` → ``とどかない``, ``パスワ-ド`` → ``パスワード``).
2. ``rewrite`` — phrase-level synonyms: the ways people say the same thing on
   a phone (``メールこない`` ≈ ``メールが届かない``, ``メアド`` ≈
   ``メールアドレス``, ``ぱすわーど`` ≈ ``パスワード``).
3. A kana dictionary built from the knowledge base turns words typed in
   hiragana back into the words the topics use (``しょうけんばんごう`` →
   ``証券番号``).
4. ``analyse`` — fugashi tokens → content terms (lemmas mapped through
   ``TERM_SYNONYMS``) and a katakana reading used for character n-grams.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

# --------------------------------------------------------------------------
# the tagger (lazy, once, thread-safe)

_tagger = None
_tagger_lock = threading.Lock()


def _get_tagger():
    global _tagger
    if _tagger is None:
        with _tagger_lock:
            if _tagger is None:
                import fugashi  # imported here so importing this module is cheap

                _tagger = fugashi.Tagger()
    return _tagger


@dataclass(frozen=True)
class Token:
    surface: str
    lemma: str
    pos1: str
    pos2: str
    kana: str


def tokenize(text: str) -> list[Token]:
    tagger = _get_tagger()
    with _tagger_lock:
        words = [
            (w.surface, w.feature.lemma, w.feature.pos1, w.feature.pos2, w.feature.kana)
            for w in tagger(text)
        ]
    out = []
    for surface, lemma, pos1, pos2, kana in words:
        if not lemma or lemma == "*":
            lemma = surface
        # unidic marks loan words as "メール-mail"
        lemma = lemma.split("-", 1)[0] or surface
        if not kana or kana == "*":
            kana = to_katakana(surface)
        out.append(Token(surface, lemma, pos1 or "", pos2 or "", kana))
    return out


# --------------------------------------------------------------------------
# kana helpers

_HIRA_START, _HIRA_END = 0x3041, 0x3096
_KATA_OFFSET = 0x60


def to_katakana(text: str) -> str:
    return "".join(
        chr(ord(c) + _KATA_OFFSET) if _HIRA_START <= ord(c) <= _HIRA_END else c for c in text
    )


def to_hiragana(text: str) -> str:
    return "".join(
        chr(ord(c) - _KATA_OFFSET) if _HIRA_START + _KATA_OFFSET <= ord(c) <= _HIRA_END + _KATA_OFFSET else c
        for c in text
    )


def is_hiragana(text: str) -> bool:
    return bool(text) and all(_HIRA_START <= ord(c) <= _HIRA_END or c == "ー" for c in text)


# --------------------------------------------------------------------------
# 1. normalisation

_SMALL_HIRA_VOWELS = str.maketrans("ぁぃぅぇぉ", "あいうえお")
_DASH_IN_KANA = re.compile(r"(?<=[ぁ-ゖァ-ヺ])[-‐‑‒–—―−~〜～](?=[ぁ-ゖァ-ヺ]|$|[^0-9a-z])")
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"([!?！？。、…w笑ー])\1+")


def normalize(text: str) -> str:
    """NFKC, lower case, and forgiving kana: what a phone keyboard produces."""
    t = unicodedata.normalize("NFKC", text or "").lower()
    # a hyphen typed in the middle of kana is a long vowel mark (パスワ-ド)
    t = _DASH_IN_KANA.sub("ー", t)
    # small vowels in hiragana are phone-keyboard noise (とどかなぃ, ありがとぉ)
    t = t.translate(_SMALL_HIRA_VOWELS)
    t = _REPEATS.sub(r"\1", t)
    t = _SPACES.sub(" ", t).strip()
    return t


# --------------------------------------------------------------------------
# 2. phrase-level synonyms
#
# Applied to the knowledge base and to questions alike, so both meet on one
# spelling.  Each rule is a general variant of a word or phrase, not a copy of
# any particular question.

_NOT_AFTER = r"(?<![でおをにいしみ])"

PHRASE_RULES: list[tuple[str, str]] = [
    # names of the service and the pages
    (r"clickar|click ?car|くりっく?かー|クリック?カー|くりっかー|クリッカー", "クリックカー"),
    (r"まいぺーじ|my ?page|マイペ(?:ージ)?", "マイページ"),
    # credentials
    (r"(?:わんたいむ|ワンタイム|one ?time)\s*(?:ぱすわーど|ぱすわど|パスワード|パスワド|pass(?:word)?)?"
     r"|otp|認証コード|確認コード|認証番号|確認番号|セキュリティコード|にんしょうこーど|かくにんこーど",
     "ワンタイムパスワード"),
    (r"ぱすわーど|ぱすわど|ぱすわーと|パスワド|パスワート|pass ?word|(?<![a-z])(?:pw|pass)(?![a-z])|暗証番号|あんしょうばんごう",
     "パスワード"),
    (r"e-?mail ?(?:address|あどれす|アドレス)|めあど|めるあど|メルアド|メアド|メールアド(?!レス)|(?<!メール)(?:アドレス|あどれす)",
     "メールアドレス"),
    (r"e-?mail|e-?メール|電子メール|めーる|メイル|(?<![a-z])mail(?![a-z])", "メール"),
    (r"ろぐいん|サインイン|さいんいん|log ?in|sign ?in", "ログイン"),
    (r"(?:はい|入)れ(?:ない|ません|なく)", "ログインできない"),
    (r"ろぐあうと|log ?out|sign ?out", "ログアウト"),
    # "does not arrive"
    (r"(?:届|とど)(?:かない|かなかった|かん|かねー|きません|いてない|いていない|いてません|いてこない)", "届かない"),
    (r"来(?:ない|ません|てない|ていない|てません|なかった|ねー)", "届かない"),
    (_NOT_AFTER + r"(?:こない|こなかった|こねー|きません|きてない|きていない|きてません)", "届かない"),
    (r"送られてこない|送られて(?:来|こ)ない|受信(?:でき|され)(?:ない|ません)|受け取れ(?:ない|ません)|見当たら(?:ない|ず)|みあたら(?:ない|ず)",
     "届かない"),
    # "do not know / forgot"
    (r"(?:忘|わす)れ", "忘れ"),
    (r"(?:わから|分から|判ら|わかん)なくな|(?:思い出|おもいだ)せ(?:ない|ません|なく)|(?:覚|おぼ)えて(?:い)?(?:ない|ません)",
     "忘れ"),
    (r"(?:わから|分から|判ら|わかん)(?:ない|なく|ん)|(?:わかり|分かり)ません", "不明"),
    # "cannot / error"
    (r"(?:でき|出来)(?:ない|ません|なかった|ず|ねー)|(?:でき|出来)なく|うまく(?:いか|行か)(?:ない|ず)|上手く(?:いか|行か)(?:ない|ず)|だめ|ダメ|えらー|無理|むり(?:です|だ|っぽい)",
     "エラー"),
    (r"(?:押|お)せ(?:ない|ません|なく)", "押せない"),
    (r"(?:進|すす)(?:めない|めません|まない|みません|めなく)", "進めない"),
    (r"(?:読|よ)み?(?:取|と|込|こ)?(?:れ|め)(?:ない|ません|なかった|なく)", "読み取れない"),
    (r"(?:通|とお)ら(?:ない|ず|なく)|(?:弾|はじ)かれ", "エラー"),
    (r"めんど(?:う)?くさ[いく]|めんどう|面倒|はぶ(?:きたい|ける|けない)|省(?:きたい|ける|けない)|スキップ|すきっぷ", " 省略 "),
    # change
    (r"へんこう|(?<!買い)(?<!入れ)(?<!乗り)(?:変|替|換)え(?:たい|たく|られ|れる|る|ます)|(?<![ぁ-ゖ])かえ(?:たい|たく|られ|れる)|変わ(?:った|る)|(?<![ぁ-ゖ])かわ(?:った|る)", "変更 "),
    (r"きしゅへん|機種変(?!更)", "機種変更"),
    # "how do I …"
    (r"どうやって|どうやったら|どうすれば|どうしたら|どうやる|やり方|やりかた|しかた|仕方|手順|方法", " 方法 "),
    (r"(?<![ぁ-ゖ])はい(?=る|り)", "入"),
    # deadlines and time
    (r"いつまで", " 期限 "),
    (r"いつから", " 開始日 "),
    (r"何時(?:まで|から|でも|に)|なんじ(?:まで|から|でも|に)|いつでも|営業時間|受付時間", " 利用時間 "),
    (r"ゆうこうきげん", "有効期限"),
    (r"(?<!ご)きげん", "期限"),
    (r"しめきり|締め?切り?|〆切り?", "期限"),
    (r"(?:切|き)れ(?:た|てる|ている|ちゃった|てしまった|ました)|(?:過|す)ぎ(?:た|てる|ちゃった|てしまった|ました)",
     " 期限切れ "),
    (r"何分|なんぷん|なんふん|どれ(?:く|ぐ)らい|どの(?:く|ぐ)らい|どん(?:く|ぐ)らい|時間(?:が)?(?:かか|掛か)|じかん(?:が)?かか",
     " 所要時間 "),
    (r"夜中|よなか|深夜|しんや|夜間|やかん(?!で)|早朝|そうちょう|夜(?:でも|に)|よる(?:でも|に)", " 夜間 "),
    (r"土日|どにち|土曜|どよう|日曜|にちよう|祝日|しゅくじつ|休日|きゅうじつ|休み(?:の日)?", " 休日 "),
    # devices
    (r"スマホ|すまほ|スマートホン|iphone|アイフォン|あいふぉん|android|アンドロイド|あんどろいど", "スマートフォン"),
    (r"ぱそこん|(?<![a-z])pc(?![a-z])", "パソコン"),
    (r"ipad|たぶれっと", "タブレット"),
    (r"(?:ほーむ|ホーム)(?:がめん|画面)?", "ホーム画面"),
    (r"あぷり", "アプリ"),
    # QR codes
    (r"qr ?(?:コード|こーど|code)?|きゅーあーる|キューアール|に?じげんこーど|2次元コード|二次元コード|バーコード|ばーこーど",
     "二次元コード"),
    # money
    (r"クレカ|くれか|クレジット(?!カード)|くれじっと", "クレジットカード"),
    (r"はらいかた|払い?方", "支払方法"),
    (r"きゅうりょう|お?給料|きゅうよ", "給与"),
    (r"てんびき", "天引き"),
    # registration words in kana that the dictionary cannot split
    (r"ほんとうろく", "本登録"),
    (r"かりとうろく", "仮登録"),
    (r"しんきとうろく", "新規登録"),
    (r"かいいん(?:きてい|きやく)|(?:利用)?規約|きやく", "会員規定"),
    (r"ひっこし|引越し?|引っ越し?", "引っ越し"),
    (r"まちが|間違", "間違"),
    (r"といあわせ|問合せ|問い合せ", "問い合わせ"),
    (r"れんらくさき", "連絡先"),
]

_PHRASE_RULES = [(re.compile(p), r) for p, r in PHRASE_RULES]


def rewrite(text: str) -> str:
    for pattern, repl in _PHRASE_RULES:
        text = pattern.sub(repl, text)
    return text


# --------------------------------------------------------------------------
# 3. term-level synonyms and stop words

TERM_SYNONYMS: dict[str, str] = {
    # arrive / receive
    "来る": "届く", "着く": "届く", "届ける": "届く", "届かない": "届く",
    # change
    "変える": "変更", "替える": "変更", "変わる": "変更", "換える": "変更",
    # renew
    "継続": "更新", "延長": "更新", "継続手続き": "更新",
    # people's words for fields
    "名前": "氏名", "なまえ": "氏名", "誕生日": "生年月日", "誕生": "生年月日",
    "アドレス": "メールアドレス", "メルアド": "メールアドレス",
    # pay
    "払う": "支払い", "支払う": "支払い", "支払": "支払い", "払い込む": "支払い", "振り込む": "支払い",
    "給料": "給与", "月給": "給与",
    # read QR / open links
    "読む": "読み取る", "読み込む": "読み取る", "スキャン": "読み取る",
    "開ける": "開く", "ひらく": "開く",
    # enter
    "入れる": "入力", "打つ": "入力", "打ち込む": "入力", "記入": "入力",
    # mistakes
    "間違える": "間違い", "間違う": "間違い", "ミス": "間違い", "誤り": "間違い",
    # deadline
    "締め切り": "期限", "締切": "期限", "期日": "期限",
    # devices
    "スマホ": "スマートフォン", "携帯電話": "スマートフォン", "ケータイ": "スマートフォン",
    "デバイス": "端末", "機器": "端末", "機種": "端末",
    # contact
    "問い合わせる": "問い合わせ", "問合せ": "問い合わせ", "問い合せ": "問い合わせ",
    "連絡": "連絡先",
    # procedure
    "手続": "手続き", "手順": "方法", "流れ": "方法", "やり方": "方法", "仕方": "方法", "遣る": "方法", "入り": "入る",
    # complete
    "済む": "完了", "終わる": "完了", "終える": "完了", "終了": "完了",
    # lock
    "凍結": "ロック",
    # finish registration
    "登録済み": "完了",
}

STOP_LEMMAS = frozenset(
    """
    する 為る ある 有る いる 居る なる 成る 出来る できる 思う 言う 行う 事 こと 物 もの
    様 よう 為 ため とき 時 所 ところ 私 僕 俺 自分 これ それ あれ 此れ 其れ どう 何 なに
    良い いい 下さる くださる 呉れる くれる 貰う もらう 教える 知る 分かる 見る ちょっと
    欲しい ほしい 本当 ほんと 今 全然 まだ もう 一 ん の さん 様 くる 今日 たい 大丈夫 方
    お ご 御 ども ら 達 中 上 前 後 感じ 場合 ここ そこ どこ 今回 はず わけ 訳 みたい
    """.split()
)

CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "接尾辞", "副詞"})

_SYMBOLISH = re.compile(r"^[\W_ー]+$")


@dataclass(frozen=True)
class Analysis:
    text: str  # normalised and rewritten text
    terms: tuple[str, ...]  # content terms (canonical lemmas)
    reading: str  # katakana reading without long-vowel marks and spaces


def _term(token: Token) -> str | None:
    if token.pos1 not in CONTENT_POS:
        return None
    if token.pos1 == "接尾辞" and token.pos2 not in ("名詞的",):
        return None
    lemma = token.lemma
    if _SYMBOLISH.match(lemma):
        return None
    lemma = TERM_SYNONYMS.get(lemma, lemma)
    if lemma in STOP_LEMMAS:
        return None
    # single hiragana characters are particles the tagger mistook for words
    if len(lemma) == 1 and is_hiragana(lemma):
        return None
    return lemma


class KanaDictionary:
    """Maps words typed in hiragana to the spelling the knowledge base uses.

    Built from the knowledge base's own nouns and keyword phrases, so it
    knows ``しょうけんばんごう`` → ``証券番号`` without a hand-made list.
    Replacement is greedy longest-match inside runs of hiragana only.
    """

    MIN_LEN = 3
    # hiragana sequences that are usually something else in a question
    AMBIGUOUS = frozenset(
        {
            "きてい", "いない", "しない", "かない", "ばあい", "ところ", "ください", "ないよう",
            "してい", "いこう", "かかん", "しかく", "かいし", "じしん", "いじょう", "はじめ",
        }
    )
    # a word never ends just before a small kana (いっち|ゃった is not 一致)
    _SMALL = frozenset("ゃゅょぁぃぅぇぉっゎ")

    def __init__(self) -> None:
        self._map: dict[str, str] = {}
        self._max = 0

    def add(self, reading_kata: str, spelling: str) -> None:
        reading = to_hiragana(reading_kata)
        if len(reading) < self.MIN_LEN or not is_hiragana(reading) or reading in self.AMBIGUOUS:
            return
        if reading == spelling:
            return
        self._map.setdefault(reading, spelling)
        self._max = max(self._max, len(reading))

    def __len__(self) -> int:
        return len(self._map)

    _HIRA_RUN = re.compile(r"[ぁ-ゖー]{%d,}" % MIN_LEN)

    def apply(self, text: str) -> str:
        if not self._map:
            return text
        return self._HIRA_RUN.sub(lambda m: self._replace_run(m.group(0)), text)

    def _replace_run(self, run: str) -> str:
        out = []
        i = 0
        n = len(run)
        while i < n:
            for length in range(min(self._max, n - i), self.MIN_LEN - 1, -1):
                spelling = self._map.get(run[i : i + length])
                if spelling is not None and run[i + length : i + length + 1] not in self._SMALL:
                    out.append(spelling)
                    i += length
                    break
            else:
                out.append(run[i])
                i += 1
        return "".join(out)


def reading_of(tokens: list[Token]) -> str:
    parts = []
    for t in tokens:
        if t.pos1 in ("補助記号", "空白"):
            continue
        parts.append(to_katakana(t.kana if t.kana else t.surface))
    return "".join(parts).replace("ー", "").replace(" ", "")


def analyse(text: str, kana: KanaDictionary | None = None) -> Analysis:
    t = rewrite(normalize(text))
    if kana is not None:
        t = rewrite(kana.apply(t))
    tokens = tokenize(t)
    terms = tuple(term for term in (_term(tok) for tok in tokens) if term)
    return Analysis(text=t, terms=terms, reading=reading_of(tokens))


def char_ngrams(reading: str, sizes: tuple[int, ...] = (2, 3)) -> list[str]:
    grams = []
    for n in sizes:
        grams.extend(reading[i : i + n] for i in range(len(reading) - n + 1))
    return grams


# --------------------------------------------------------------------------
# romaji typed on a keyboard left in English (touroku dekinai, meeru konai)

_ROMAJI_VOWELS = {"a": "あ", "i": "い", "u": "う", "e": "え", "o": "お"}
_ROMAJI_ROWS = {
    "k": "かきくけこ", "g": "がぎぐげご", "s": "さしすせそ", "z": "ざじずぜぞ", "t": "たちつてと",
    "d": "だぢづでど", "n": "なにぬねの", "h": "はひふへほ", "b": "ばびぶべぼ", "p": "ぱぴぷぺぽ",
    "m": "まみむめも", "r": "らりるれろ", "l": "らりるれろ",
}
_ROMAJI = {c + v: row[i] for c, row in _ROMAJI_ROWS.items() for i, v in enumerate("aiueo")}
_ROMAJI.update(_ROMAJI_VOWELS)
_ROMAJI.update({
    "ya": "や", "yu": "ゆ", "yo": "よ", "wa": "わ", "wo": "を", "wi": "うぃ", "we": "うぇ",
    "shi": "し", "chi": "ち", "tsu": "つ", "tu": "つ", "fu": "ふ", "ji": "じ", "zi": "じ", "di": "ぢ", "du": "づ",
    "si": "し", "ti": "ち", "hu": "ふ", "fa": "ふぁ", "fi": "ふぃ", "fe": "ふぇ", "fo": "ふぉ", "va": "ゔぁ",
    "vi": "ゔぃ", "vu": "ゔ", "ve": "ゔぇ", "vo": "ゔぉ", "je": "じぇ", "she": "しぇ", "che": "ちぇ", "thi": "てぃ",
    "dhi": "でぃ", "tyi": "てぃ", "nn": "ん", "n'": "ん", "xtu": "っ", "ltu": "っ",
})
for _c, _row in (("ky", "き"), ("gy", "ぎ"), ("sh", "し"), ("sy", "し"), ("j", "じ"), ("jy", "じ"), ("zy", "じ"),
                 ("ch", "ち"), ("ty", "ち"), ("cy", "ち"), ("dy", "ぢ"), ("ny", "に"), ("hy", "ひ"), ("by", "び"),
                 ("py", "ぴ"), ("my", "み"), ("ry", "り"), ("ly", "り")):
    for _v, _small in (("a", "ゃ"), ("u", "ゅ"), ("o", "ょ")):
        _ROMAJI.setdefault(_c + _v, _row + _small)
_ROMAJI_KEYS = sorted(_ROMAJI, key=len, reverse=True)


def romaji_to_hiragana(word: str) -> str | None:
    """「touroku」→「とうろく」, 「meeru」→「めーる」, 「dekinai」→「できない」: None when the word is not
    romaji (English, an abbreviation, a name with letters romaji has not: 'safari' is romaji, 'chrome' not)."""
    word = word.lower()
    out, i = [], 0
    while i < len(word):
        c = word[i]
        if c.isdigit():  # 10pun, 3kai
            out.append(c)
            i += 1
            continue
        if c == "-":
            out.append("ー")
            i += 1
            continue
        # a doubled consonant is a small tsu (kitte, zasshi, matcha)
        if (i + 1 < len(word) and c == word[i + 1] and c not in "aiueon") or (c == "t" and word[i + 1:i + 3] == "ch"):
            out.append("っ")
            i += 1
            continue
        if c == "e" and i and word[i - 1] == "e" and i >= 2 and word[i - 2] not in "aiueo":
            out.append("ー")  # meeru, peeji: a loanword's long e (native ええ, ねえ are rare in a question)
            i += 1
            continue
        for key in _ROMAJI_KEYS:
            if word.startswith(key, i):
                out.append(_ROMAJI[key])
                i += len(key)
                break
        else:
            if c == "n" and (i + 1 == len(word) or word[i + 1] not in "aiueoy"):  # kantan, hon: n before a consonant
                out.append("ん")
                i += 1
                continue
            if c == "m" and i + 1 < len(word) and word[i + 1] in "bpm":  # shimbun, gempin
                out.append("ん")
                i += 1
                continue
            return None
    return "".join(out)
