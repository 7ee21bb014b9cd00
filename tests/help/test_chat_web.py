"""AIチャット on the web: the page without JavaScript, htmx appends, the drawer, the JSON API,
はい/いいえ, the masked log and the staff list. Flask client, real database."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickar.db import database
from clickar.models import ChatLog

HX = {"HX-Request": "true"}
HX_LOG = {"HX-Request": "true", "HX-Target": "chat-log"}
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')
API_KEYS = {"kind", "faq_id", "candidates", "answer_html"}


class Chat:
    """Asks and votes like a person on the page (with or without htmx)."""

    def __init__(self, client):
        self.client = client

    def csrf(self) -> str:
        return CSRF.search(self.client.get("/help/chat").get_data(as_text=True)).group(1)

    def ask(self, question, htmx=False, **kwargs):
        headers = HX_LOG if htmx else {}
        return self.client.post("/help/chat", data={"q": question, "csrf_token": self.csrf()},
                                headers=headers, **kwargs)

    def page(self) -> str:
        return self.client.get("/help/chat").get_data(as_text=True)

    def vote(self, token, vote, htmx=False, **kwargs):
        return self.client.post("/help/chat/feedback", data={"token": token, "vote": vote,
                                                             "csrf_token": self.csrf()},
                                headers=HX if htmx else {}, **kwargs)


@pytest.fixture
def chat(client):
    return Chat(client)


@pytest.fixture
def log_rows(app):
    def rows():
        with app.app_context():
            database.connect(reuse_if_open=True)
            found = list(ChatLog.select().order_by(ChatLog.id))
            database.close()
        return found
    return rows


def exchanges(html: str) -> list[str]:
    return [k for k in re.findall(r"<li class=\"chat-exchange chat-exchange--(\w+)\"", html) if k != "welcome"]


# ------------------------------------------------------------------ the page without JavaScript

def test_a_question_is_answered_on_the_page_without_javascript(chat):
    response = chat.ask("パスワード忘れた")
    assert response.status_code == 303
    assert re.fullmatch(r"/help/chat#x-[\w-]+", response.headers["Location"])
    page = chat.page()
    assert exchanges(page) == ["answer"]
    assert 'data-faq-id="F14"' in page
    assert "パスワード忘れた" in page  # the question, as asked
    assert "この回答は役に立ちましたか？" in page


def test_a_vague_question_offers_candidates_that_open_their_answer(chat, client):
    chat.ask("メール届かない")
    page = chat.page()
    assert exchanges(page) == ["suggest"]
    assert 'href="/help/chat?faq=F09"' in page and 'href="/help/chat?faq=F13"' in page
    picked = client.get("/help/chat?faq=F09")
    assert picked.status_code == 303
    page = chat.page()
    assert exchanges(page) == ["suggest", "answer"]
    assert "「仮登録メールが届かない」について" in page
    assert '<section class="chat-answer" data-faq-id="F09">' in page


def test_an_unknown_topic_id_is_not_found(client):
    assert client.get("/help/chat?faq=F99").status_code == 404


def test_a_question_about_nothing_we_know_hands_off_to_the_contacts(chat):
    chat.ask("ぴよぴよ")
    page = chat.page()
    assert exchanges(page) == ["handoff"]
    assert "このチャットでは" in page or "ご質問にお答えできる情報が見つかりませんでした" in page
    assert "ご契約の取扱代理店（保険証券・チラシに記載）" in page
    assert "損保ジャパン カスタマーセンター" in page


def test_an_accident_question_gets_the_accident_line_first(chat):
    chat.ask("事故を起こしてしまいました")
    page = chat.page()
    assert exchanges(page) == ["handoff"]
    handoff = page[page.index('class="chat-handoff"'):]
    assert handoff.index("事故のご連絡") < handoff.index("取扱代理店")
    assert 'href="tel:0120256110"' in handoff
    assert "chat-answer" not in page and "この回答は役に立ちましたか？" not in page


def test_a_logged_in_member_gets_their_agency_in_the_handoff(actions, chat):
    actions.register()  # ends logged in
    chat.ask("事故った")
    page = chat.page()
    handoff = page[page.index('class="chat-handoff"'):page.index("</section>", page.index('class="chat-handoff"'))]
    assert "クリック保険サービス株式会社" in handoff
    assert 'href="tel:0350001234"' in handoff


def test_the_insurer_name_comes_from_the_settings(app, chat, client):
    app.config["INSURER_NAME"] = "ひまわり損保"
    chat.ask("ぴよぴよ")
    page = chat.page()
    handoff = page[page.index('class="chat-handoff"'):]
    assert "ひまわり損保" in handoff
    assert "0120-888-089" not in handoff  # 損保ジャパン's number is never shown for another insurer
    api = client.get("/help/chat/api", query_string={"q": "ぴよぴよ"}).get_json()
    assert "ひまわり損保" in api["answer_html"]


def test_an_empty_question_is_refused_next_to_the_field(chat):
    response = chat.ask("   ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<p class="field__error" id="chat-q-error">' in page
    assert "ご質問を入力してください。" in page
    assert "<title>エラー：" in page
    assert exchanges(page) == []


def test_a_too_long_question_is_refused_and_kept(chat):
    question = "ログイン" * 51  # 204 characters
    response = chat.ask(question)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "ご質問は200文字以内で入力してください。" in page
    assert f'value="{question}"' in page


def test_the_page_keeps_only_the_last_few_exchanges_in_a_small_cookie(chat, client):
    for question in ("パスワード忘れた", "メール届かない", "ぴよぴよ", "ログイン方法", "更新の期限", "QRコードが読めない"):
        chat.ask(question)
    page = chat.page()
    assert len(exchanges(page)) == 4
    assert "パスワード忘れた" not in page.split('id="chat-log"')[1].split("</ol>")[0]
    cookie = client.get_cookie("__Host-clickar_session")
    assert cookie is not None and len(cookie.value) < 1200


def test_the_history_shows_questions_masked_and_short(chat):
    chat.ask("鈴木様 suzuki@example.com 03-1234-5678 SJ24000101 のメール来ない")
    log = chat.page().split('id="chat-log"')[1].split("</ol>")[0]
    assert "suzuki@example.com" not in log and "03-1234-5678" not in log and "SJ24000101" not in log
    assert "鈴木" not in log
    assert "［メールアドレス］" in log


def test_clearing_the_conversation_empties_the_log(chat, client):
    chat.ask("パスワード忘れた")
    response = client.post("/help/chat/clear", data={"csrf_token": chat.csrf()})
    assert response.status_code == 303
    assert exchanges(chat.page()) == []


# ------------------------------------------------------------------ htmx

def test_with_htmx_a_question_appends_one_exchange(chat):
    response = chat.ask("パスワード忘れた", htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True).strip()
    assert body.startswith('<li class="chat-exchange chat-exchange--answer"')
    assert "<html" not in body and "<h1" not in body
    assert "HX-Request" in response.headers["Vary"]
    assert "パスワード忘れた" in body  # the question as typed, not masked, in the live answer
    assert exchanges(chat.page()) == ["answer"]  # and a reload still shows it


def test_with_htmx_a_candidate_appends_its_answer(client):
    response = client.get("/help/chat?faq=F13", headers=HX_LOG)
    body = response.get_data(as_text=True).strip()
    assert body.startswith('<li class="chat-exchange chat-exchange--answer"')
    assert 'data-faq-id="F13"' in body


def test_with_htmx_an_empty_question_re_renders_the_form_in_place(chat):
    response = chat.ask("", htmx=True)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#chat-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    body = response.get_data(as_text=True).strip()
    assert body.startswith('<form class="chat-form" id="chat-form"')
    assert "ご質問を入力してください。" in body


def test_the_chat_log_is_a_live_region_the_form_posts_into(chat):
    page = chat.page()
    assert re.search(r'<ol class="chat-log" id="chat-log" aria-live="polite"', page)
    form = re.search(r'<form class="chat-form"[^>]*>', page).group(0)
    assert 'action="/help/chat" method="post"' in form
    assert 'hx-post="/help/chat" hx-target="#chat-log" hx-swap="beforeend"' in form


# ------------------------------------------------------------------ the drawer

def test_every_page_has_the_chat_button_that_works_as_a_link(client):
    page = client.get("/mypage/login").get_data(as_text=True)
    button = re.search(r'<a class="chat-launcher__button"[^>]*>', page).group(0)
    assert 'href="/help/chat"' in button and "data-chat-open" in button
    assert '<dialog class="chat-dialog" id="chat-dialog"' in page
    assert 'hx-get="/help/chat/panel"' in page


def test_the_chat_page_and_the_staff_console_have_no_drawer(client):
    assert "chat-launcher" not in client.get("/help/chat").get_data(as_text=True)
    assert "chat-launcher" not in client.get("/staff/login").get_data(as_text=True)


def test_the_drawer_panel_is_the_chat_without_the_page(chat, client):
    chat.ask("パスワード忘れた")
    body = client.get("/help/chat/panel", headers={**HX, "HX-Target": "chat-panel"}).get_data(as_text=True)
    assert body.strip().startswith('<div class="chat" id="chat">')
    assert "<h1" not in body and 'id="chat-form"' in body
    assert exchanges(body) == ["answer"]
    without_js = client.get("/help/chat/panel")
    assert without_js.status_code == 302 and without_js.headers["Location"] == "/help/chat"


# ------------------------------------------------------------------ はい/いいえ

def test_no_is_logged_with_the_question_masked_and_thanked_without_javascript(chat, log_rows):
    chat.ask("仮登録のメールが届きません。山田さん宛て taro@example.jp")
    token = TOKEN.search(chat.page()).group(1)
    response = chat.vote(token, "down")
    assert response.status_code == 303 and "#x-" in response.headers["Location"]
    page = chat.page()
    assert "ご回答ありがとうございました。" in page
    assert "この回答は役に立ちましたか？" not in page
    # いいえ offers the next candidates for the same question, without the one voted down
    assert exchanges(page) == ["answer", "suggest"]
    nxt = page[page.rindex('class="chat-exchange chat-exchange--suggest"'):]
    assert "ほかの回答を見る" in nxt
    ids = re.findall(r'data-faq-id="(F\d\d)"', nxt)
    assert 1 <= len(ids) <= 3 and "F09" not in ids
    [row] = log_rows()
    assert (row.kind, row.faq_id, row.feedback) == ("answer", "F09", "down")
    assert row.question_masked == "仮登録のメールが届きません。［氏名］さん宛て ［メールアドレス］"


def test_with_htmx_the_vote_swaps_itself_for_a_thank_you(chat, log_rows):
    body = chat.ask("パスワード忘れた", htmx=True).get_data(as_text=True)
    response = chat.vote(TOKEN.search(body).group(1), "up", htmx=True)
    assert response.status_code == 200
    done = response.get_data(as_text=True).strip()
    assert done.startswith('<div class="chat-feedback chat-feedback--done"')
    assert "ご回答ありがとうございました。" in done and "<form" not in done
    assert "では、次のどれかでしょうか？" not in done  # はい: nothing more to offer
    [row] = log_rows()
    assert row.feedback == "up" and row.question_masked == ""  # a はい keeps no question


def test_with_htmx_no_offers_the_next_candidates_in_place(chat):
    body = chat.ask("パスワード忘れた", htmx=True).get_data(as_text=True)
    done = chat.vote(TOKEN.search(body).group(1), "down", htmx=True).get_data(as_text=True)
    assert "では、次のどれかでしょうか？" in done
    ids = re.findall(r'data-faq-id="(F\d\d)"', done)
    assert 1 <= len(ids) <= 3 and "F14" not in ids
    assert all(f'hx-get="/help/chat?faq={i}"' in done for i in ids)


def test_after_no_the_chat_gives_the_agency_phone_to_tap_and_the_insurer_number(actions, chat):
    """Issue 19 item 17: いいえ apologised without a number to call."""
    actions.register()  # ends logged in: the member's agency is known
    body = chat.ask("パスワード忘れた", htmx=True).get_data(as_text=True)
    done = chat.vote(TOKEN.search(body).group(1), "down", htmx=True).get_data(as_text=True)
    assert re.search(r'取扱代理店</strong>：クリック保険サービス株式会社 <a href="tel:0350001234">03-5000-1234</a>', done)
    assert '<a href="tel:0120888089">0120-888-089</a>' in done
    # the same on the page without JavaScript
    assert 'href="tel:0350001234"' in chat.page()


def test_after_no_a_visitor_is_told_where_the_agency_number_is_printed(chat):
    chat.ask("パスワード忘れた")
    chat.vote(TOKEN.search(chat.page()).group(1), "down")
    page = chat.page()
    assert "ご契約の取扱代理店（保険証券・チラシに記載）" in page
    assert '<a href="tel:0120888089">0120-888-089</a>' in page


def test_voting_twice_on_one_answer_is_recorded_once(chat, log_rows):
    chat.ask("パスワード忘れた")
    token = TOKEN.search(chat.page()).group(1)
    chat.vote(token, "down")
    chat.vote(token, "down")
    assert len(log_rows()) == 1


def test_a_picked_topic_voted_down_is_logged_with_the_question_that_led_to_it(chat, client, log_rows):
    chat.ask("メール届かない")
    client.get("/help/chat?faq=F13")
    token = TOKEN.search(chat.page()).group(1)
    chat.vote(token, "down")
    down = [r for r in log_rows() if r.feedback == "down"]
    assert [(r.faq_id, r.question_masked) for r in down] == [("F13", "メール届かない")]


@pytest.mark.parametrize("token,vote", [("forged", "down"), (None, "down"), ("", "up")])
def test_a_vote_that_is_not_ours_is_refused(chat, log_rows, token, vote):
    response = chat.vote(token, vote)
    assert response.status_code == 400
    assert log_rows() == []


def test_a_vote_needs_the_csrf_token(chat, client, log_rows):
    chat.ask("パスワード忘れた")
    token = TOKEN.search(chat.page()).group(1)
    response = client.post("/help/chat/feedback", data={"token": token, "vote": "down"})
    assert response.status_code == 400
    assert log_rows() == []


# ------------------------------------------------------------------ the log

def test_unanswered_questions_are_logged_with_personal_data_masked(chat, client, log_rows):
    chat.ask("山田さんのメール yamada@example.jp と 090-1234-5678、証券番号 AB12345678 でログインできない")
    client.get("/help/chat/api", query_string={"q": "鈴木様 SJ24000101 ぴよぴよ 03-1234-5678"})
    rows = log_rows()
    assert [r.kind for r in rows] == ["suggest", "suggest"]
    assert rows[0].faq_id in ("F06", "F07", "F17")  # the topic ranked first (ログインできない: ログイン方法 too)
    assert rows[0].question_masked == "［氏名］さんのメール ［メールアドレス］ と ［電話番号］、証券番号 ［証券番号］ でログインできない"
    assert rows[1].question_masked == "［氏名］様 ［証券番号］ ぴよぴよ ［電話番号］"
    stored = " ".join(r.question_masked for r in rows)
    for secret in ("山田", "yamada", "090-1234-5678", "AB12345678", "鈴木", "SJ24000101", "03-1234-5678"):
        assert secret not in stored


def test_answered_and_out_of_scope_questions_are_not_logged(chat, log_rows):
    chat.ask("パスワード忘れた")
    chat.ask("事故を起こしてしまいました")
    chat.ask("今日の天気は")
    assert log_rows() == []


# ------------------------------------------------------------------ JSON API

@pytest.mark.parametrize("question,kind", [
    ("パスワード忘れた", "answer"),
    ("メール届かない", "suggest"),
    ("事故った", "handoff"),
    ("ぴよぴよ", "handoff"),
])
def test_the_api_answers_each_kind_in_its_shape(client, question, kind):
    response = client.get("/help/chat/api", query_string={"q": question})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert set(data) == API_KEYS
    assert data["kind"] == kind
    assert isinstance(data["answer_html"], str) and data["answer_html"]
    if kind == "answer":
        assert data["faq_id"] == "F14" and data["candidates"] == []
    else:
        assert data["faq_id"] is None
    if kind == "suggest":
        assert {"F09", "F13"} <= {c["faq_id"] for c in data["candidates"]} and len(data["candidates"]) <= 3
        assert all(set(c) == {"faq_id", "title"} for c in data["candidates"])
    if question == "事故った":
        assert "事故のご連絡" in data["answer_html"]


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "  　 "}, {"q": "あ" * 201}])
def test_the_api_refuses_an_empty_or_oversized_question_in_japanese(client, query):
    response = client.get("/help/chat/api", query_string=query)
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "no-store"
    message = response.get_json()["error"]
    assert message in ("ご質問を入力してください。", "ご質問は200文字以内で入力してください。")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=st.text(min_size=1, max_size=200))
def test_the_api_never_fails_whatever_is_typed(client, question):
    response = client.get("/help/chat/api", query_string={"q": question})
    assert response.status_code in (200, 400)
    data = response.get_json()
    assert set(data) == API_KEYS if response.status_code == 200 else "error" in data


# ------------------------------------------------------------------ staff

def staff_login(app, client, email="marketing@example.jp"):
    from clickar.staff.accounts import create_staff

    password = "help-staff-2026"
    with app.app_context():
        database.connect(reuse_if_open=True)
        create_staff(email, password, "marketing")
        database.close()
    csrf = CSRF.search(client.get("/staff/login").get_data(as_text=True)).group(1)
    response = client.post("/staff/login", data={"email": email, "password": password, "csrf_token": csrf,
                                                 "next": "/staff/help"})
    assert response.status_code == 303, response.get_data(as_text=True)


def test_the_staff_list_needs_a_staff_login(client, actions):
    response = client.get("/staff/help")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/staff/login?next=/staff/help")
    actions.register()  # a member is not staff
    assert client.get("/staff/help").status_code == 303


def test_staff_see_unanswered_and_down_voted_questions_newest_first(app, chat, client):
    chat.ask("メール届かない")
    chat.ask("ぐるぐるして先に進めない 090-1234-5678")
    chat.ask("パスワード忘れた")
    token = TOKEN.search(chat.page()).group(1)
    chat.vote(token, "down")
    staff_login(app, client)
    response = client.get("/staff/help")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"  # the console's guard, not a copy of it
    page = response.get_data(as_text=True)
    table = page[page.index('id="questions"'):]
    questions = re.findall(r'<span class="chat-staff__text">([^<]*)</span>', table)
    assert questions == ["パスワード忘れた", "ぐるぐるして先に進めない ［電話番号］", "メール届かない"]
    per_faq = page[page.index('id="per-faq"'):page.index('id="questions"')]
    assert re.search(r'data-faq-id="F14">.*?<td class="num">1</td>', per_faq)
    assert "090-1234-5678" not in page
    only_down = client.get("/staff/help?show=down").get_data(as_text=True)
    assert re.findall(r'<span class="chat-staff__text">([^<]*)</span>', only_down) == ["パスワード忘れた"]


def test_masking_a_masked_question_changes_nothing():
    from clickar.ops.masking import mask_personal_data

    once = mask_personal_data("山田さん yamada@example.jp 090-1234-5678 AB12345678")
    assert once == "［氏名］さん ［メールアドレス］ ［電話番号］ ［証券番号］"
    assert mask_personal_data(once) == once


def test_the_bench_times_the_api_through_the_app(app):
    from bench.chat import api_latencies

    timings = api_latencies(app, ["パスワード忘れた", "メール届かない", "事故った"], repeat=2)
    assert len(timings) == 6 and all(t > 0 for t in timings)


def test_the_api_still_answers_when_the_log_cannot_be_written(app, client, damaged_schema):
    with app.app_context():
        database.connect(reuse_if_open=True)
        database.execute_sql("DROP TABLE chat_log")
        database.close()
    response = client.get("/help/chat/api", query_string={"q": "ぴよぴよ"})
    assert response.status_code == 200
    assert response.get_json()["kind"] == "handoff"
    response = client.get("/help/chat/api", query_string={"q": "メール届かない"})  # a suggestion is logged
    assert response.status_code == 200
    assert response.get_json()["kind"] == "suggest"


def test_one_client_cannot_grow_the_chat_log_without_bound(client, log_rows):
    """Issue 18 #10: on main each unanswered question from anyone wrote a row, without limit."""
    from clickar.auth import limits

    share = int(limits.RULES["chat-log-client"].split()[0])
    for n in range(share + 3):
        reply = client.get("/help/chat/api", query_string={"q": f"ぐるぐるして先に進めない {n}"})
        assert reply.status_code == 200 and reply.get_json()["kind"] in ("handoff", "suggest")  # answered
    assert len(log_rows()) == share
    client.get("/help/chat/api", query_string={"q": "ぐるぐるして先に進めない"}, environ_base={"REMOTE_ADDR": "198.51.100.10"})
    assert len(log_rows()) == share + 1  # someone else is still heard


# ------------------------------------------------------------------ issue 20: the member's contracts, filing examples

def test_signed_in_the_deadline_question_lists_the_members_own_contracts(actions, chat, client):
    question = "締め切りっていつまで？"
    signed_out = client.get("/help/chat/api", query_string={"q": question}).get_json()
    assert signed_out["kind"] in ("answer", "suggest")
    assert (signed_out["faq_id"] or signed_out["candidates"][0]["faq_id"]) == "F20"
    assert "あなたのご契約" not in signed_out["answer_html"]
    actions.register()  # ends logged in
    signed_in = client.get("/help/chat/api", query_string={"q": question}).get_json()
    assert "あなたのご契約" in signed_in["answer_html"] and "更新の受付期間" in signed_in["answer_html"]
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日〜\d{4}年\d{1,2}月\d{1,2}日", signed_in["answer_html"])
    chat.ask(question)
    page = chat.page()
    asked = page.rindex(question)
    mine = page.index("あなたのご契約", asked)
    if "お知りになりたいのは" in page[asked:]:  # a phone walk found the own dates below the list, cut off
        assert mine < page.index("お知りになりたいのは", asked)


def test_signed_in_a_question_about_another_product_does_not_list_the_members_renewal_dates(actions, client):
    """r20c C1: 「ペット保険ってありますか」 is suggested with who can help, not with the member's contracts."""
    actions.register()
    reply = client.get("/help/chat/api", query_string={"q": "ペット保険ってありますか"}).get_json()
    assert reply["kind"] in ("suggest", "handoff")
    assert "あなたのご契約" not in reply["answer_html"] and "更新の受付期間" not in reply["answer_html"]
    assert "取扱代理店" in reply["answer_html"]
    for question in ("shaken no kigen itsu made?", "車検の期限っていつまで？", "kasai hoken no kigen wa itsu"):  # r20d
        reply = client.get("/help/chat/api", query_string={"q": question}).get_json()
        assert "あなたのご契約" not in reply["answer_html"], question


def test_staff_file_a_logged_question_as_a_dev_example_in_one_click(app, chat, client):
    from clickar.help.engine import get_engine
    from clickar.models import ChatExample

    question = "ぐるぐるして先に進めないんだけど 090-1234-5678"
    chat.ask(question)
    staff_login(app, client)
    page = client.get("/staff/help").get_data(as_text=True)
    assert "このトピックの質問として登録" in page
    log_id = re.search(r'name="log" value="(\d+)"', page).group(1)
    csrf = CSRF.search(page).group(1)
    response = client.post("/staff/help/examples", data={"log": log_id, "faq_id": "F23", "csrf_token": csrf},
                           headers=HX)
    assert response.status_code == 200
    assert "登録済み" in response.get_data(as_text=True) and "F23" in response.get_data(as_text=True)
    with app.app_context():
        database.connect(reuse_if_open=True)
        rows = [(e.question_masked, e.faq_id) for e in ChatExample.select()]
        database.close()
    assert rows == [("ぐるぐるして先に進めないんだけど ［電話番号］", "F23")]  # masked, never the raw text
    assert rows[0] in get_engine().examples  # learnt at once by this process
    page = client.get("/staff/help").get_data(as_text=True)
    assert "登録済み" in page
    bad = client.post("/staff/help/examples", data={"log": log_id, "faq_id": "F99", "csrf_token": csrf})
    assert bad.status_code == 400


def test_a_moved_member_sees_the_address_change_link_after_the_page_reloads(chat):
    """Without JavaScript the question is posted and the page drawn again from the history."""
    chat.ask("住所変わった")
    page = chat.page()
    assert 'href="/mypage/profile/change"' in page and "住所・電話番号を変更する" in page


@pytest.mark.parametrize("question, words", [("よくわからない", "どのようなことでお困りですか"),
                                             ("\ufffd\ufffd", "読み取れませんでした")])
def test_the_rephrase_replies_keep_their_words_on_the_page(chat, question, words):
    chat.ask(question)
    page = chat.page()
    assert words in page and "お知りになりたいのは、次のどれですか？" not in page.split("chat-log")[-1]


def test_without_javascript_who_to_phone_follows_the_next_topics_not_the_answer_above(chat):
    """The outside phone walk (320 px, no JavaScript): after いいえ the page reloads at the next
    topics, but the numbers to call sat on the answer voted down, above and out of view."""
    chat.ask("パスワード忘れた")
    chat.vote(TOKEN.search(chat.page()).group(1), "down")
    page = chat.page()
    voted = page[page.index('class="chat-exchange chat-exchange--answer"'):page.index('class="chat-exchange chat-exchange--suggest"')]
    nxt = page[page.index('class="chat-exchange chat-exchange--suggest"'):]
    assert "ご回答ありがとうございました。" in voted and "tel:" not in voted and "申し訳ありません" not in voted
    assert nxt.index("では、次のどれかでしょうか？") < nxt.index("お電話でお問い合わせください") < nxt.index('href="tel:0120888089"')


def test_the_next_topics_after_no_still_say_what_to_do_when_none_fits(chat):
    """いいえ's next topics keep 「どれにも当てはまらないときは…」 (only the rephrase replies, whose lead
    says it already, go without)."""
    chat.ask("パスワード忘れた")
    chat.vote(TOKEN.search(chat.page()).group(1), "down")
    page = chat.page()
    tail = page[page.index("では、次のどれかでしょうか？"):]
    assert "どれにも当てはまらないときは" in tail[:tail.index("</section>")]
