"""AIチャット engine: knowledge base, retrieval quality, reply shape, masking.

Pure Python: no app, no database.
"""
from __future__ import annotations

import ast
import html
import json
import re
import threading
import unicodedata
from pathlib import Path

import pytest

from clickar.help import kb as kbmod
from clickar.help import scope
from clickar.help.engine import ChatEngine, Contacts, Reply, get_engine
from bench.eval_chat import load_questions
from clickar.ops.masking import mask_personal_data

EVAL_FILE = Path(__file__).with_name("eval_questions.jsonl")
HELP_DIR = Path(kbmod.__file__).parent

TITLES = {
    "F01": "Clickarとは",
    "F02": "マイページへのアクセス方法",
    "F03": "QRコードが読み取れない",
    "F04": "マイページ会員登録の流れ",
    "F05": "会員規定への同意",
    "F06": "入力する証券番号",
    "F07": "入力した情報が契約内容と一致しない",
    "F08": "複数の契約の登録・あとからの追加",
    "F09": "仮登録メールが届かない",
    "F10": "メールのURLの有効期限が切れた",
    "F11": "本登録でのパスワード入力",
    "F12": "「信頼できる端末」として登録するとは",
    "F13": "ワンタイムパスワードが届かない",
    "F14": "パスワードを忘れた",
    "F15": "ログインがロックされた",
    "F16": "登録メールアドレスを変更したい",
    "F17": "ログイン方法",
    "F18": "会員登録が完了したか確認したい",
    "F19": "更新手続きの始め方",
    "F20": "更新手続きの期限と保険始期",
    "F21": "保険料の支払方法（給与天引き）",
    "F22": "登録にかかる時間",
    "F23": "利用できる端末・時間帯",
    "F24": "ホーム画面に追加する",
    "F25": "問い合わせ先",
}


@pytest.fixture(scope="module")
def engine() -> ChatEngine:
    """The engine as the app runs it: BM25 and the sentence model, learnt from the dev examples."""
    return get_engine()


def hrefs(fragment: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', fragment)


# ------------------------------------------------------------ knowledge base


def test_every_topic_file_loads_with_the_required_fields():
    files = sorted(kbmod.KB_DIR.glob("*.toml"))
    assert [f.stem for f in files] == list(TITLES)
    for path in files:
        topic = kbmod.load_topic(path)
        assert topic.id == path.stem
        assert topic.title == TITLES[topic.id]
        assert topic.keywords and all(k.strip() for k in topic.keywords)
        assert len(topic.answer) > 50
        assert topic.links, f"{topic.id} has no related links"
        assert all(link.url in kbmod.ALLOWED_LINKS for link in topic.links)


def test_the_knowledge_base_holds_all_25_topic_ids():
    ids = [t.id for t in kbmod.load_topics()]
    assert ids == [f"F{i:02d}" for i in range(1, 26)]


@pytest.mark.parametrize(
    "faq_id, facts",
    [
        ("F04", ["約5分", "新規登録", "会員規定に同意して登録する", "確定", "24時間"]),
        ("F06", ["『更新後』", "証券番号", "最大5契約"]),
        ("F07", ["氏名", "住所", "生年月日", "電話番号"]),
        ("F08", ["追加", "最大5契約"]),
        ("F09", ["確認メールを再送する", "迷惑メール", "「メールアドレスを修正する」"]),
        ("F10", ["24時間", "確認メールを再送する", "無効"]),
        ("F11", ["大文字と小文字を区別", "半角英数字で8〜32文字", "入力したパスワードを表示する",
                 "本登録の画面の「パスワードをお忘れの方」"]),
        ("F12", ["信頼できる端末（ブラウザ等）として登録する", "30日", "不特定多数"]),
        ("F13", ["6桁", "5分", "認証する"]),
        ("F14", ["パスワードをお忘れの方"]),
        ("F18", ["マイページ会員登録完了のご連絡（損保ジャパン）"]),
        ("F19", ["更新のお手続き", "マイページトップへ"]),
        ("F21", ["給与天引き"]),
        ("F22", ["約5分"]),
        ("F23", ["24時間"]),
    ],
)
def test_answers_tell_how_the_app_behaves(engine, faq_id, facts):
    text = html.unescape(re.sub(r"<[^>]+>", "", engine.answer_for(faq_id).answer_html))
    for fact in facts:
        assert fact in text, f"{faq_id} should mention {fact}"


@pytest.mark.parametrize("faq_id, button, template", [
    ("F09", "メールアドレスを修正する", "partials/registration/sent.html"),
    ("F11", "パスワードをお忘れの方", "partials/registration/verify.html"),
])
def test_a_typo_or_a_forgotten_password_is_not_sent_back_to_the_start(engine, faq_id, button, template):
    """Issue 19 items 3 and 6 gave 仮登録受付 and 本登録 their own way out; the chat names it
    (the walkthrough found it still said 「新規登録」から登録をやり直してください)."""
    from pathlib import Path

    text = html.unescape(re.sub(r"<[^>]+>", "", engine.answer_for(faq_id).answer_html))
    assert f"「{button}」" in text
    assert button in (Path(__file__).resolve().parents[2] / "templates" / template).read_text()
    first_advice = text.split("「新規登録」から登録をやり直して")[0]
    assert button in first_advice, "the way out comes before starting over"


def test_the_insurer_name_is_a_placeholder_filled_in_by_the_caller():
    raw = kbmod.load_topics()
    assert any("{insurer}" in t.answer for t in raw)
    assert not any("損保ジャパン" in t.answer for t in raw)
    other = ChatEngine.from_directory(insurer_name="さくら損保")
    assert "マイページ会員登録完了のご連絡（さくら損保）" in other.answer_for("F18").answer_html


def test_no_placeholder_is_left_unfilled(engine):
    for topic in engine.topics:
        assert "{" not in engine.answer_for(topic.id).answer_html, topic.id


def test_answers_link_only_to_app_pages_and_phones(engine):
    for topic in engine.topics:
        for href in hrefs(engine.answer_for(topic.id).answer_html):
            assert href in kbmod.ALLOWED_LINKS or re.fullmatch(r"tel:\d+", href), (topic.id, href)


def test_a_topic_linking_outside_the_app_is_refused(tmp_path):
    (tmp_path / "F01.toml").write_text(
        'id = "F01"\ntitle = "t"\nkeywords = ["k"]\nanswer = "a"\n'
        'links = [ { label = "x", url = "https://evil.example/" } ]\n',
        encoding="utf-8",
    )
    with pytest.raises(kbmod.KnowledgeBaseError):
        kbmod.load_topics(tmp_path)


def test_a_topic_missing_a_field_is_refused(tmp_path):
    (tmp_path / "F01.toml").write_text('id = "F01"\ntitle = "t"\nanswer = "a"\nlinks = []\n', encoding="utf-8")
    with pytest.raises(kbmod.KnowledgeBaseError, match="keywords"):
        kbmod.load_topics(tmp_path)


def test_markdown_is_rendered_safely():
    out = kbmod.render_markdown(
        "<b>x</b> **太字**\n\n- [ログイン](/mypage/login)\n- [外](https://example.com/)\n\n1. 電話 03-1234-5678"
    )
    assert "<b>" not in out and "&lt;b&gt;x&lt;/b&gt;" in out
    assert "<strong>太字</strong>" in out
    assert '<a href="/mypage/login">ログイン</a>' in out
    assert "example.com" not in out  # a link outside the app keeps its label only
    assert "<ol><li>" in out and '<a href="tel:0312345678">03-1234-5678</a>' in out


# ------------------------------------------------------------ retrieval quality


def test_the_evaluation_set_is_large_and_written_like_phone_questions():
    rows = load_questions(EVAL_FILE)
    assert len(rows) >= 80
    assert sum(r["expected"] == "handoff" for r in rows) >= 15
    expected = {r["expected"] for r in rows}
    assert set(TITLES) <= expected, "every topic is asked about"
    assert expected - set(TITLES) == {"handoff"}


def test_the_engine_keeps_its_figures_on_the_old_regression_set(engine):
    """The old self-written set, kept to notice regressions (the blind set is `make eval-chat`)."""
    from bench import chat_eval

    res = chat_eval.evaluate(engine, chat_eval.load(EVAL_FILE), "regression")
    assert res.wrong == 0, "a wrong confident answer is worse than a suggestion"
    assert res.refused_rate == 1.0
    assert res.top1_rate >= 0.9
    # Latency is measured by `make bench` (docs/PERFORMANCE.md), never asserted in tests.


def test_the_dev_half_is_learnt_and_the_locked_half_is_not():
    from bench import chat_eval

    dev = {r["q"] for r in chat_eval.load(chat_eval.DEV)}
    locked = {r["q"] for path in (chat_eval.LOCKED, chat_eval.LOCKED15)
              for r in chat_eval.unseen(chat_eval.load(path), chat_eval.load(chat_eval.DEV))[0]}
    learnt = {q for q, _ in get_engine().examples}
    assert len(dev) >= 1000 and len(locked) >= 500
    assert dev <= learnt and not (locked & learnt)


@pytest.mark.parametrize(
    "question, faq_id",
    [
        ("ワンタイムパスワードがこない", "F13"),
        ("パスワードわすれた", "F14"),
        ("しょうけんばんごうは更新後のやつ？", "F06"),
        ("QRよみとれない", "F03"),
    ],
)
def test_colloquial_questions_get_their_topic_first(engine, question, faq_id):
    reply = engine.ask(question)
    assert reply.kind in ("answer", "suggest") and reply.top_faq_id == faq_id


@pytest.mark.parametrize(
    "question, faq_id",
    # (メールこない was here: 仮登録 or ワンタイムパスワード? it is offered with both now, F09 first)
    [("パスワード忘れた", "F14"), ("仮登録メールが届かない", "F09"), ("パスワード忘れた taro@example.jp", "F14")],
)
def test_clear_questions_get_a_direct_answer(engine, question, faq_id):
    reply = engine.ask(question)
    assert (reply.kind, reply.faq_id) == ("answer", faq_id)


@pytest.mark.parametrize("question", ["運転免許の更新っていつまでにすればいい？", "自動車税の払い方おしえて"])
def test_the_issues_confident_wrong_answers_are_no_longer_given(engine, question):
    """Issue 20's examples: not about the insurance at all, once answered as if they were."""
    reply = engine.ask(question)
    assert reply.kind != "answer"
    assert reply.reason == scope.PUBLIC and "このチャットでは" in reply.answer_html


def test_an_ambiguous_question_gets_candidates_to_pick_from(engine):
    reply = engine.ask("メール届かない")
    assert reply.kind == "suggest" and reply.faq_id is None
    ids = [c["faq_id"] for c in reply.candidates]
    assert {"F09", "F13"} <= set(ids) and len(ids) <= 3
    assert all(f"/help/chat?faq={i}" in reply.answer_html for i in ids)


@pytest.mark.parametrize(
    "question, reason",
    [
        ("車ぶつけちゃった", scope.ACCIDENT),
        ("追突された", scope.ACCIDENT),
        ("レッカー呼びたい", scope.ACCIDENT),
        ("保険金の請求ってどうやるの", scope.CLAIM),
        ("解約したい", scope.CANCELLATION),
        ("火災保険の見積もりほしい", scope.OTHER_PRODUCT),
        ("生命保険も入れますか", scope.OTHER_PRODUCT),
        ("明日の天気は", scope.WEATHER),
        ("こんにちは", scope.CHITCHAT),
        ("好きな食べ物は？", scope.CHITCHAT),
    ],
)
def test_out_of_scope_questions_are_never_answered_and_name_who_can_help(engine, question, reason):
    reply = engine.ask(question)
    assert reply.kind != "answer" and reply.faq_id is None
    if reply.kind == "suggest":  # not sure it is out of scope: candidates, and who can help
        assert "chat-handoff--note" in reply.answer_html
    assert reply.reason == reason
    if reason == scope.ACCIDENT:
        assert reply.kind == "handoff" and reply.candidates == []


def test_an_accident_question_gets_the_accident_line_first(engine):
    reply = engine.ask("事故の連絡もマイページからできる？")
    assert reply.kind == "handoff"
    text = reply.answer_html
    assert "事故サポートセンター" in text and 'href="tel:0120256110"' in text
    assert text.index("0120-256-110") < text.index("取扱代理店")


def test_only_an_accident_gets_the_accident_lines_urgent_words(engine):
    """A phone walk asked 「こうしんっていつまで」 and got, under its suggestions, 「すぐに下記の事故受付へ
    お電話ください」 and 119/110: the embedding puts any odd line nearest to the accident kind. Over
    every question of the dev half and the regression set, none without an accident word is told
    to phone the accident line or 119."""
    from bench import chat_eval

    rows = chat_eval.load(chat_eval.DEV) + chat_eval.load(chat_eval.REGRESSION)
    told = [row["q"] for row in rows
            # ﾚｯｶｰ is レッカー, サッキ ブツケタ is さっき ぶつけた, jiko is じこ: read as the engine reads them
            if not scope.is_accident(engine.unromaji(engine.unkatakana(unicodedata.normalize("NFKC", row["q"]))))
            and ("119" in (html_ := engine.ask(row["q"]).answer_html) or "事故受付へ" in html_)]
    assert told == [], told[:5]


@pytest.mark.parametrize("question", ["ガス欠した", "鍵を車の中に閉じ込めた", "バッテリーあがった", "駐車場で当てられた",
                                      "相手の連絡先を聞くべき？", "人をはねてしまった"])  # the last two: r20d
def test_a_breakdown_typed_without_the_word_accident_still_gets_the_accident_line(engine, question):
    reply = engine.ask(question)
    assert reply.reason == scope.ACCIDENT and "0120-256-110" in reply.answer_html


def test_a_question_about_a_public_office_names_it(engine):
    reply = engine.ask("車検っていつ")
    assert reply.kind != "answer" and reply.reason == scope.PUBLIC
    assert "整備工場" in reply.answer_html


def test_handoff_shows_the_contacts_it_is_given_escaped(engine):
    reply = engine.ask(
        "解約したい",
        contacts={"agency_name": "<b>みらい保険サービス</b>", "agency_phone": "03-1234-5678"},
    )
    assert "&lt;b&gt;みらい保険サービス&lt;/b&gt;" in reply.answer_html
    assert "<b>" not in reply.answer_html
    assert 'href="tel:0312345678"' in reply.answer_html
    assert "損保ジャパン" in reply.answer_html


def test_another_insurer_never_gets_the_default_phone_numbers():
    c = Contacts.coerce({}, "さくら損保")
    assert c.insurer_phone is None and c.accident_phone is None
    reply = ChatEngine.from_directory(insurer_name="さくら損保").ask("事故った")
    assert "0120-256-110" not in reply.answer_html and "さくら損保" in reply.answer_html


def test_an_empty_question_offers_common_topics(engine):
    reply = engine.ask("   ")
    assert reply.kind == "suggest" and reply.candidates


# ------------------------------------------------------------ JSON shape


@pytest.mark.parametrize("question", ["パスワードわすれた", "メールこない", "車ぶつけた", "車検っていつ", ""])
def test_reply_json_has_the_api_shape(engine, question):
    data = engine.ask(question).to_json()
    assert set(data) == {"kind", "faq_id", "candidates", "answer_html"}
    assert data["kind"] in ("answer", "suggest", "handoff")
    assert data["faq_id"] is None or re.fullmatch(r"F\d\d", data["faq_id"])
    assert (data["faq_id"] is not None) == (data["kind"] == "answer")
    assert isinstance(data["candidates"], list) and len(data["candidates"]) <= 3
    for c in data["candidates"]:
        assert set(c) == {"faq_id", "title"} and TITLES[c["faq_id"]] == c["title"]
    assert isinstance(data["answer_html"], str) and data["answer_html"].startswith("<section")
    json.dumps(data)  # serialisable as is


def test_reply_is_a_dataclass_with_kind_and_topic(engine):
    reply = engine.ask("ロックされた")
    assert isinstance(reply, Reply)
    assert reply.to_json()["faq_id"] == reply.faq_id == "F15"


def test_get_engine_is_built_once():
    assert get_engine() is get_engine()


def test_the_engine_answers_the_same_from_many_threads(engine):
    questions = [r["q"] for r in load_questions(EVAL_FILE)][:40]
    expected = [engine.ask(q).to_json() for q in questions]
    results: list[list[dict]] = []

    def worker():
        results.append([engine.ask(q).to_json() for q in questions])

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


def test_the_help_modules_do_not_import_flask():
    for path in HELP_DIR.glob("*.py"):
        if path.name == "views.py":  # the web layer is the one place Flask belongs
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] in ("flask", "werkzeug") for n in names), path.name


# ------------------------------------------------------------ masking


@pytest.mark.parametrize(
    "text, masked",
    [
        ("メールは taro.yamada@example.co.jp です", "メールは ［メールアドレス］ です"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐに送った", "［メールアドレス］に送った"),
        ("電話 090-1234-5678 まで", "電話 ［電話番号］ まで"),
        ("０３－１２３４－５６７８にかけた", "［電話番号］にかけた"),
        ("09012345678です", "［電話番号］です"),
        ("+81 90-1234-5678", "［電話番号］"),
        ("証券番号A123456789が通らない", "証券番号［証券番号］が通らない"),
        ("証券番号 12345678 です", "証券番号 ［証券番号］ です"),
        ("証券番号 sj-2400-0101 です", "証券番号 ［証券番号］ です"),
        ("山田太郎さんの契約", "［氏名］さんの契約"),
        ("田中 花子 様", "［氏名］ 様"),
        ("やまださんに聞いた", "［氏名］さんに聞いた"),
        ("ヤマダ様", "［氏名］様"),
    ],
)
def test_personal_data_is_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    ["お客様へ", "皆様", "みなさん", "担当者様", "パスワード忘れた", "6桁のコード", "2026年4月1日", "5000円",
     "ABCDEFGHIJ", "password", "1234567"],
)
def test_ordinary_words_are_not_masked(text):
    assert mask_personal_data(text) == text


def test_log_lines_and_chat_questions_keep_their_ordinary_numbers():
    """Masking finds the insurer's 8-12 character numbers, not every run identity would accept:
    a worker's pid, a phone model or a one-time code stays readable for staff and in the member's
    own chat history."""
    for text in ("worker pid 123456 exited", "Pixel7で開けない", "認証コード123456が来ない",
                 "エラーE40100が出る", "python3 base64"):
        assert mask_personal_data(text) == text


def test_masking_an_empty_question():
    assert mask_personal_data("") == ""


@pytest.mark.parametrize(
    "question, faq_id",
    [("24時間すぎちゃった、もう一回最初から？", "F10"), ("くりっかーって保険会社のアプリですか？", "F01")],
)
def test_a_question_in_our_own_words_is_suggested_not_handed_off(engine, question, faq_id):
    """Dev questions asked as if never learnt: the classifier leans to "out of scope", but
    the knowledge base's own words point hard at one topic, so it is offered, not refused."""
    reply = engine.ask(question, holdout=question)
    assert reply.kind in ("suggest", "answer") and reply.top_faq_id == faq_id  # offered or answered, not refused


def test_a_long_question_is_cut_to_max_query_tokens_before_the_sentence_model(engine):
    """The e5 pass costs ~1.3 ms per token: a rambling question is embedded from its
    first MAX_QUERY_TOKENS tokens only (issue 20, p95), and is still answered."""
    from clickar.help import semantic

    emb = engine.semantic
    if emb is None:
        pytest.skip("sentence model off")
    limit = semantic.MAX_QUERY_TOKENS
    assert 0 < limit <= 24
    question = ("証券番号ってどこに書いてあるんですか、保険証券をなくしてしまって手元にないし、"
                "更新のお知らせのハガキも捨てちゃったかもしれないんですけど、どうしたらいいですか")
    assert emb._model.token_count(question, True) > limit + 5
    start = emb.clip(question)
    assert question.startswith(start) and len(start) < len(question)
    assert emb._model.token_count(start, True) <= limit
    assert emb._model.token_count(question[:len(start) + 2], True) > limit  # the longest start that fits
    assert (emb.query(question) == emb.query(start)).all()
    short = "証券番号どこ"
    assert emb.clip(short) == short
    reply = engine.ask(question)
    assert reply.top_faq_id == "F06"


@pytest.mark.parametrize("question", ["\ufffd\ufffd\ufffd", "？？", "😀😀", "!!"])
def test_input_with_nothing_readable_is_asked_again(engine, question):
    """Characters lost on the way (U+FFFD), only symbols or emoji: no topic guessed from noise."""
    reply = engine.ask(question)
    assert reply.kind == "suggest" and reply.reason == "unreadable"
    assert "読み取れませんでした" in reply.answer_html
    assert [c["faq_id"] for c in reply.candidates] == ["F04", "F17", "F19"]


@pytest.mark.parametrize("question", ["よくわからない", "わからない…", "助けて", "どうすればいいの？"])
def test_a_cry_for_help_gets_the_common_questions_not_a_random_topic(engine, question):
    reply = engine.ask(question)
    assert reply.kind == "suggest" and reply.reason == "vague"
    assert "どのようなことでお困りですか" in reply.answer_html


def test_a_question_with_a_topic_is_not_taken_for_a_cry_for_help(engine):
    reply = engine.ask("パスワードがわからない")
    assert reply.reason != "vague" and reply.top_faq_id == "F14"


@pytest.mark.parametrize("question", ["引っ越して住所が変わりました", "住所変わった", "携帯番号変わった"])
def test_a_moved_member_is_pointed_to_my_pages_address_and_phone_change(engine, question):
    """My Page takes the change (お客さま情報 → 住所・電話番号を変更する); a phone walk was sent
    to the agency only."""
    reply = engine.ask(question)
    assert reply.kind != "answer"
    assert 'href="/mypage/profile/change"' in reply.answer_html and "住所・電話番号を変更する" in reply.answer_html


@pytest.mark.parametrize("faq_id, words", [("F16", "メールアドレスの変更"), ("F14", "パスワード")])
def test_mail_and_password_changes_are_found_where_my_page_has_them(engine, faq_id, words):
    """They live under 設定 (the header and the My Page menu), not お客さま情報."""
    reply = engine.answer_for(faq_id)
    assert "「設定」" in reply.answer_html and "お客さま情報" not in reply.answer_html
    assert 'href="/mypage/settings/"' in reply.answer_html and words in reply.answer_html


def test_a_premium_question_is_not_taken_for_a_claim(engine):
    reply = engine.ask("保険料はいくらになる？")
    assert reply.top_faq_id == "F21" and reply.reason != scope.CLAIM
    assert "保険金のご請求" not in reply.answer_html


@pytest.mark.parametrize("question, faq_id", [("しょうけんばんごうどこ", "F06"), ("しょうけんばんごう　どこ", "F06")])
def test_a_question_typed_all_in_hiragana_is_read_by_the_sentence_model_too(engine, question, faq_id):
    """The lexical side read しょうけんばんごう as 証券番号, the sentence model the raw kana, which it
    took for out of scope: the question was handed off. Now both read the knowledge base's spelling."""
    reply = engine.ask(question)
    assert reply.kind != "handoff" and reply.top_faq_id == faq_id


@pytest.mark.parametrize("typed, read", [
    ("コウシン イツマデ", "こうしん いつまで"),
    ("ｺｳｼﾝ ｲﾂﾏﾃﾞ", "こうしん いつまで"),  # half-width
    ("パスワード ワスレタ", "パスワード わすれた"),  # the knowledge base's own katakana word stays
    ("パスワードを忘れた", "パスワードを忘れた"),  # not typed all in katakana: as it is
])
def test_a_question_typed_all_in_katakana_is_read_as_hiragana(engine, typed, read):
    assert engine.unkatakana(typed) == read


def test_a_katakana_question_finds_its_topic_as_its_hiragana_would(engine):
    """「キュウリョウ カラ ヒカレル？」 (the seventh blind batch's katakana-only writer) was handed off."""
    question = "キュウリョウ カラ ヒカレル？"
    reply = engine.ask(question, holdout=question)
    assert reply.kind in ("answer", "suggest") and reply.top_faq_id == "F21"


# ---------------------------------------------------------------- outside attack r20b (eighth session)

@pytest.mark.parametrize("question", [
    "ロードサービス ヨビタイ", "エンジン カカラナイ", "ｴﾝｼﾞﾝ ｶｶﾗﾅｲ", "ヒキニゲ サレタ", "ショウトツ サレタ",  # C1
    "クルマガ ウゴカナイ", "キュウキュウシャ ヨンダ", "ロードサービスノデンワバンゴウ",
    "盗難にあった", "むちうちになった", "パトカー来た", "信号待ちで後ろから来られた", "歩行者と接触",  # C5
])
def test_an_accident_typed_in_katakana_or_without_the_word_gets_the_accident_line(engine, question):
    reply = engine.ask(question)
    assert reply.kind == "handoff" and reply.reason == scope.ACCIDENT, (reply.kind, reply.reason)


def test_a_cancellation_in_katakana_is_not_told_to_call_the_accident_line(engine):
    """r20b C3: かいやくしたい sat at 0.860 to 「レッカーを呼びたい」 and got 119/110."""
    reply = engine.ask("カイヤクシタイ")
    assert reply.kind == "handoff" and reply.reason != scope.ACCIDENT and "119" not in reply.answer_html


@pytest.mark.parametrize("question", [
    "PayPayのQRコード読めない", "楽天のワンタイムパスワードが届かない", "Amazonの仮登録メールが来ない",  # C2
    "仮登録メールは届きました", "ホーム画面に追加したけどログインを毎回求められる",  # C4
    "カサイホケン ノ ショウケンバンゴウ",  # C7: 火災保険 read from katakana
])
def test_a_question_whose_words_name_another_thing_is_offered_not_answered(engine, question):
    assert engine.ask(question).kind != "answer"


# ---------------------------------------------------------------- naive Bayes orders the suggestions (ninth session)

# Dev questions whose topic the sentence model and BM25 alone ranked 4th or lower: a writer's own way of
# saying it (どんくれえかがん, 点引き, 機種変, クルマ ニダイ) that other people's questions share letters with.
SPELT_THEIR_OWN_WAY = [
    ("スマホを機種変したらログインできない", "F12"),
    ("登録すんのにどんくれえかがんの", "F22"),
    ("仮登録までしかやってない気がするんですが今どっちの状態かわかりますか", "F18"),
    ("登録の画面にたどりつけません", "F02"),
    ("バイクの保険も団体扱で入ってるんですが、同じマイページにまとめられますか", "F08"),
    ("ネットで更新した場合も今までどおり点引きになりますか", "F21"),
    ("ログインできた！次なにすればいい？", "F19"),
    ("クルマ ニダイ アル ドウスル", "F08"),
]


@pytest.mark.parametrize("question, topic", SPELT_THEIR_OWN_WAY)
def test_a_question_spelt_its_own_way_is_offered_its_topic(engine, question, topic):
    """Asked without itself, the right topic is among the three offered (it was not before naive Bayes)."""
    reply = engine.ask(question, holdout=question)
    assert reply.kind == "suggest"
    assert topic in [c["faq_id"] for c in reply.candidates]


def test_naive_bayes_never_changes_whether_the_chat_answers_or_hands_off(engine, monkeypatch):
    """It only orders the suggestions: every dev question gets the same kind of reply, and the same
    answer, with it as without it (the answer and hand-off thresholds were calibrated without it)."""
    from bench import chat_eval

    rows = chat_eval.load(chat_eval.DEV)[::3] + chat_eval.load(chat_eval.REGRESSION)
    with_nb = [engine.ask(r["q"]) for r in rows]
    monkeypatch.setattr(engine, "W_NB", 0.0)
    without = [engine.ask(r["q"]) for r in rows]
    assert [(a.kind, a.faq_id) for a in with_nb] == [(b.kind, b.faq_id) for b in without]
    moved = sum(a.kind == "suggest" and a.candidates != b.candidates for a, b in zip(with_nb, without))
    assert moved > 0  # and it does order the suggestions


def test_naive_bayes_without_a_held_out_set_is_as_if_it_never_saw_it(engine):
    """The evaluation's folds leave their examples out; the result must be the model of an engine that
    never learnt them (else the dev figures would be lookups)."""
    import numpy as np

    from clickar.help.engine import ChatEngine
    from clickar.help.semantic import get_embedder

    held = frozenset(q for q, _ in engine.examples[:60])
    never_saw = ChatEngine.from_directory(semantic=get_embedder(),
                                          examples=[ex for ex in engine.examples if ex[0] not in held])
    left_out = engine._nb_for(held)
    for q, _ in engine.examples[:60]:
        feats = engine.nb_features(q)
        assert np.allclose(left_out.proba(engine._nb_ids(feats)), never_saw._nb.proba(never_saw._nb_ids(feats)),
                           atol=1e-5)
