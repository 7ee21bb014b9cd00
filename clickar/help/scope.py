"""Out-of-scope detection: questions the chat must never answer as if in scope.

The chat knows registration, login, My Page and renewal.  Accidents, claims,
cancellations, other insurance products, the weather and small talk are handed
off to people, and accidents come first because someone may be standing next
to a damaged car.

``detect(text)`` takes the *normalised* question (see text.normalize) and
returns a category name or None.  Categories are checked in order; the first
one that matches wins.
"""

from __future__ import annotations

import re

ACCIDENT = "accident"
CLAIM = "claim"
CANCELLATION = "cancellation"
OTHER_PRODUCT = "other_product"
CONTRACT_CHANGE = "contract_change"
WEATHER = "weather"
CHITCHAT = "chitchat"

_RULES: list[tuple[str, str]] = [
    (
        ACCIDENT,
        r"事故|じこ|ぶつけ|ぶつか|追突|ついとつ|衝突|しょうとつ|レッカー|れっかー|牽引|けんいん"
        r"|当て逃げ|あてにげ|ひき逃げ|轢|ひかれ|接触(?:事故|し|され)|こすっ|擦っ|自損|じそん"
        r"|故障|こしょう|パンク|ぱんく|バッテリー|ばってりー|エンジン|えんじん"
        r"|(?:車|くるま)が?(?:動か|うごか|止ま|とま|壊|こわ)|壊れ|こわれ|へこん|凹ん|ガス欠|がすけつ|脱輪"
        r"|ロードサービス|ろーどさーびす|怪我|ケガ|けがを|けがし|けが人|けがにん|救急|きゅうきゅう"
        r"|警察|けいさつ|110番|119番|修理|しゅうり|盗難|とうなん|盗まれ|ぬすまれ|いたずら|水没|冠水|飛び石|当てられ|あてられ",
    ),
    (
        CLAIM,
        r"保険金|ほけんきん|請求|せいきゅう|おりる|下りる|降りる|(?:保険|ほけん)(?:が|で)?(?:出る|でる|使え|つかえ)"
        r"|補償|保障|ほしょう|示談|じだん|賠償|ばいしょう|修理代|修理費|見舞金|免責|等級が下が",
    ),
    (
        CANCELLATION,
        r"解約|かいやく|中途|(?:保険|ほけん|契約|けいやく)を?(?:やめ|辞め|止め|とめ|打ち切)"
        r"|(?:やめ|辞め|止め)たい|(?:やめ|辞め|止め)る(?:に|と|には|場合)|返戻金|へんれいきん|払い戻し|はらいもどし",
    ),
    (
        OTHER_PRODUCT,
        r"火災|かさい(?:ほけん)?|生命保険|せいめいほけん|生保|医療保険|いりょうほけん|がん保険|がんほけん"
        r"|傷害保険|しょうがいほけん|地震保険|じしんほけん|旅行保険|りょこうほけん|海外旅行|ペット|ぺっと"
        r"|自転車保険|じてんしゃほけん|バイク|ばいく|二輪|オートバイ|原付|げんつき|ゴルフ|年金|ねんきん|学資"
        r"|介護|かいご|住宅ローン|ローン|投資|nisa|積立|つみたて|株価|株式投資|家財|賃貸|新規(?:で|に)?(?:加入|申し?込)|見積|みつもり",
    ),
    (
        CONTRACT_CHANGE,
        r"車両入替|入れ替え|いれかえ|入替|(?:車|くるま)を?(?:買い替え|かいかえ|乗り換え|のりかえ|売っ|うっ|手放|廃車)"
        r"|新しい(?:車|くるま)|新車|しんしゃ|中古車|運転者を?(?:追加|変更)|補償内容|特約|とくやく|等級"
        r"|名義|めいぎ|ナンバー|なんばー|(?:住所|じゅうしょ|電話番号|でんわばんごう)(?:の|を|が)?(?:変更|へんこう|変え|かえ|変わ|かわ)"
        r"|証券を?(?:再発行|再送|送って|なくし|無くし|紛失)|安く|やすく|割引|わりびき|値下げ|高すぎ|たかすぎ|節約"
        r"|(?:契約|けいやく)(?:の)?(?:内容|ないよう)を?(?:確認|かくにん|見|み|知り|しり|教え|おしえ)",
    ),
    (
        WEATHER,
        r"天気|てんき|気温|きおん|台風|たいふう|雨|あめ(?:が|ふ|降)|雪|晴れ|はれる|予報|よほう|気象|暑い|寒い"
        r"|あつい|さむい|地震|じしん|洪水|花粉",
    ),
    (
        CHITCHAT,
        r"^(?:こんにちは|こんちは|こんばんは|おはよう(?:ございます)?|はじめまして|やあ|hello|hi|hey|ありがと(?:う)?(?:ございます|ございました)?"
        r"|どうも|さようなら|さよなら|ばいばい|おやすみ(?:なさい)?|テスト|てすと|test|ok|おけ|了解|りょうかい|うん|はい|いいえ|すごい|笑|w)[\s!?。.、〜ー]*$"
        r"|好きな|すきな|(?:あなた|君|きみ|おまえ|お前)(?:は|って|の)|何歳|なんさい|ひま|暇|お?なか(?:すい|が空)|お?腹(?:すい|が?減|へ)|はらへ"
        r"|眠い|ねむい|疲れた|つかれた|ジョーク|冗談|じょうだん|しりとり|占い|うらない|恋愛|れんあい|彼女|彼氏|ゲーム|げーむ"
        r"|歌って|うたって|何曜日|なんようび|今日は?何日|きょうはなんにち|今何時|いまなんじ|天才|ばか|バカ|アホ|あほ|ロボット"
        r"|おすすめの?(?:店|ランチ|映画|本)|ランチ|ご飯|ごはん|晩御飯|映画|サッカー|野球|ニュース|株価|ドライブ",
    ),
]

_COMPILED = [(name, re.compile(pattern)) for name, pattern in _RULES]


def detect(normalised_text: str) -> str | None:
    """The first out-of-scope category the question falls in, or None."""
    text = normalised_text.strip()
    for name, pattern in _COMPILED:
        if pattern.search(text):
            return name
    return None
