"""The flyer's registration steps, one by one, as a customer meets them."""
from __future__ import annotations

import re

import pytest

from demo_people import PERSON

STEP_URLS = ["/mypage/register/", "/mypage/register/terms"]


def text(response) -> str:
    return response.get_data(as_text=True)


def main_content(html: str) -> str:
    start = html.index('<main id="main"')
    start = html.index(">", start) + 1
    end = html.index("</main>")
    return html[start:end].strip()


def test_mypage_top_sends_a_stranger_to_the_login_screen(client):
    response = client.get("/mypage/")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/mypage/login")


def test_login_screen_offers_new_registration_and_login(client):
    page = text(client.get("/mypage/login"))
    assert "マイページログイン" in page
    assert ">新規登録<" in page
    assert ">ログイン<" in page
    assert 'href="/mypage/register/"' in page


def test_flow_overview_shows_the_steps_and_five_minutes(client):
    page = text(client.get("/mypage/register/"))
    assert "マイページご利用までの流れ" in page
    assert "所要時間目安：約5分" in page
    assert 'href="/mypage/register/terms"' in page and ">新規登録<" in page


def test_terms_page_has_the_checkbox_and_the_button(client):
    page = text(client.get("/mypage/register/terms"))
    assert "マイページ会員規定" in page
    assert '<label class="checkbox__label" for="agree">会員規定について確認しました。</label>' in page
    assert ">会員規定に同意して登録する<" in page


def test_terms_unchecked_is_refused_with_a_message(actions):
    response = actions.post("/mypage/register/terms", {})
    assert response.status_code == 422
    assert "「会員規定について確認しました。」にチェックしてください" in text(response)
    # and the wizard did not move on
    assert actions.client.get("/mypage/register/info").status_code == 303


def test_skipping_ahead_goes_to_the_first_unfinished_step(actions, client):
    for path in ("/mypage/register/info", "/mypage/register/confirm", "/mypage/register/sent"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/mypage/register/terms")
    actions.agree_to_terms()
    for path in ("/mypage/register/confirm", "/mypage/register/sent"):
        assert client.get(path).headers["Location"].endswith("/mypage/register/info")


def test_info_page_carries_the_flyers_notes(actions, client):
    actions.agree_to_terms()
    page = text(client.get("/mypage/register/info"))
    assert "『更新後』証券番号ではありません" in page
    assert "「氏名」「住所」「生年月日」「電話番号」" in page
    assert "最大5契約まで登録可能です" in page
    assert "設定したパスワードは本登録の際に必要ですので、必ず控えておいてください。" in page
    for label in ("証券番号", "氏名", "フリガナ", "郵便番号", "住所", "電話番号",
                  "メールアドレス", "パスワード", "パスワード（確認用）"):
        assert re.search(rf'<label class="field__label" for="[^"]+">{re.escape(label)}</label>', page), label
    # 生年月日: the memorable-date pattern (INTERFACE.md): a fieldset, 年 · 月 · 日, numeric keypads
    assert re.search(r'<fieldset class="date-input"[^>]*>\s*<legend class="field__label">生年月日<', page)
    for name, label, autocomplete in (("birth_year", "年", "bday-year"), ("birth_month", "月", "bday-month"),
                                      ("birth_day", "日", "bday-day")):
        assert re.search(rf'name="{name}" type="text"\s+value="" inputmode="numeric" autocomplete="{autocomplete}"', page)
        assert f'<label class="date-input__label" for="{name}">{label}</label>' in page
    assert 'type="date"' not in page
    assert ">追加<" in page and ">次へ<" in page


def test_next_with_matching_details_moves_to_confirmation(actions, client):
    actions.agree_to_terms()
    response = actions.enter_info()
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/mypage/register/confirm")
    page = text(client.get("/mypage/register/confirm"))
    for shown in ("SJ24000101", "山田 太郎", "ヤマダ タロウ", "1970年4月1日", "〒160-0023",
                  "東京都新宿区西新宿二丁目8番1号", "03-1234-5678", "taro@example.jp", ">確定<"):
        assert shown in page
    assert PERSON["password"] not in page


def test_confirm_makes_a_provisional_registration_and_mails_the_link(actions, client, mailbox):
    actions.agree_to_terms()
    actions.enter_info()
    response = actions.confirm()
    assert response.headers["Location"].endswith("/mypage/register/sent")
    page = text(client.get("/mypage/register/sent"))
    assert "仮登録を受け付けました" in page
    assert "この段階では、まだ登録手続きは完了していません" in page
    assert "24時間以内" in page
    body = mailbox.last_body("taro@example.jp", "仮登録")
    assert re.search(r"http://localhost/mypage/register/verify/[A-Za-z0-9_\-]{40,}", body)


def test_verification_page_has_password_show_toggle_and_trusted_device(actions, client):
    path = actions.register_until_sent()
    page = text(client.get(path))
    assert "本登録" in page
    assert "大文字と小文字を区別して照合します" in page
    assert "入力したパスワードを表示する" in page
    assert "信頼できる端末（ブラウザ等）として登録する" in page
    assert "選択しないことをおすすめします" in page
    assert ">登録<" in page


def test_verification_with_the_password_completes_and_mails_completion(actions, client, mailbox):
    path = actions.register_until_sent()
    response = actions.verify(path)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/mypage/register/done")
    page = text(client.get("/mypage/register/done"))
    assert "マイページ会員登録が完了しました" in page
    assert ">マイページトップへ<" in page
    mails = mailbox.wait_for("taro@example.jp", "マイページ会員登録完了のご連絡（損保ジャパン）")
    assert len(mails) == 1
    top = text(client.get("/mypage/"))
    assert "プリウス" in top and "更新のお手続き" in top
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", top)


def test_my_page_footer_shows_the_agency_once_logged_in(actions, client):
    actions.register()
    top = text(client.get("/mypage/"))
    assert "（取扱代理店）" in top and "クリック保険サービス株式会社" in top
    assert "（引受保険会社）" in top and "損保ジャパン" in top


def test_two_cars_of_one_person_register_together(actions, client):
    actions.register(dict(PERSON, **{"policy_numbers-1": "SJ24000102"}))
    top = text(client.get("/mypage/"))
    assert "プリウス" in top and "N-BOX" in top


def test_wrong_password_at_verification_is_refused_and_the_link_still_works(actions, client):
    path = actions.register_until_sent()
    response = actions.verify(path, "Wrong12345")
    assert response.status_code == 422
    assert "パスワードが正しくありません" in text(response)
    assert actions.verify(path).status_code == 303


def test_password_is_case_sensitive_at_verification(actions):
    path = actions.register_until_sent()
    assert actions.verify(path, PERSON["password"].lower()).status_code == 422


def test_used_link_says_invalid_and_logs_nobody_in(actions, client):
    path = actions.register_until_sent()
    actions.verify(path)
    actions.post("/mypage/logout")
    again = client.get(path)
    assert again.status_code == 404
    assert "無効" in text(again)
    assert actions.verify(path).status_code == 404
    assert client.get("/mypage/").status_code == 303


def test_unknown_link_says_invalid(client):
    response = client.get("/mypage/register/verify/not-a-real-token")
    assert response.status_code == 404 and "無効" in text(response)


def test_expired_link_says_so(actions, client, app):
    from clickar.models import VerificationToken, now
    import datetime as dt

    path = actions.register_until_sent()
    with app.app_context():
        VerificationToken.update(expires_at=now() - dt.timedelta(seconds=1)).execute()
    response = client.get(path)
    assert response.status_code == 410
    assert "有効期限" in text(response)
    assert actions.verify(path).status_code == 410


def test_resend_invalidates_the_older_link(actions, client, mailbox, app):
    from clickar.models import VerificationToken, now
    import datetime as dt

    first = actions.register_until_sent()
    with app.app_context():  # the 60-second cooldown has passed
        VerificationToken.update(created_at=now() - dt.timedelta(minutes=2)).execute()
    response = actions.post("/mypage/register/sent/resend")
    assert response.status_code == 303
    assert "再送しました" in text(client.get(response.headers["Location"]))
    mails = mailbox.wait_for("taro@example.jp", "仮登録", count=2)
    assert len(mails) == 2
    second = actions.verification_url()
    assert second != first
    assert client.get(first).status_code == 404
    assert actions.verify(second).status_code == 303


def test_resend_within_a_minute_does_not_send_again(actions, client, mailbox):
    actions.register_until_sent()
    response = actions.post("/mypage/register/sent/resend")
    page = text(client.get(response.headers["Location"]))
    assert "確認メールは送信済みです" in page
    assert re.search(r"disabled aria-disabled=\"true\"><span data-cooldown-text>確認メールを再送する（あと <span data-cooldown-seconds>\d+</span> 秒）", page)
    assert len(mailbox.wait_for("taro@example.jp", "仮登録", timeout=1, count=2)) == 1


def test_double_confirm_creates_one_provisional_registration(actions, app, mailbox):
    from clickar.models import PendingRegistration

    actions.agree_to_terms()
    actions.enter_info()
    assert actions.confirm().status_code == 303
    assert actions.confirm().status_code == 303
    with app.app_context():
        assert PendingRegistration.select().count() == 1
    assert len(mailbox.wait_for("taro@example.jp", "仮登録", timeout=1, count=2)) == 1


def test_confirm_rechecks_identity(actions, app):
    from clickar import contracts
    from clickar.demo import demo_rows

    actions.agree_to_terms()
    actions.enter_info()
    with app.app_context():  # the insurer corrects the contract's phone meanwhile
        row = dict(demo_rows()[0], phone="03-9999-0000", phone2="")
        contracts.upsert([row])
    response = actions.confirm()
    assert response.status_code == 422
    assert "一致しない" in text(response)


def test_back_to_info_shows_what_was_typed_but_no_password(actions, client):
    actions.agree_to_terms()
    actions.enter_info()
    page = text(client.get("/mypage/register/info"))
    assert 'value="山田 太郎"' in page and 'value="SJ24000101"' in page
    assert 'value="taro@example.jp"' in page
    assert PERSON["password"] not in page
    assert "入力済みのパスワードを使う場合は空欄のままで構いません" in page


def test_correcting_after_back_keeps_the_password_already_set(actions, client):
    actions.agree_to_terms()
    actions.enter_info()
    response = actions.enter_info(password="", password_confirm="", phone="03-1234-5678")
    assert response.status_code == 303
    assert actions.confirm().status_code == 303


def test_get_never_changes_the_draft(actions, client):
    actions.agree_to_terms()
    actions.enter_info()
    before = client.get_cookie("__Host-clickar_session").value
    for path in ("/mypage/register/", "/mypage/register/terms", "/mypage/register/info", "/mypage/register/confirm"):
        client.get(path)
    page = text(client.get("/mypage/register/confirm"))
    assert "山田 太郎" in page
    assert before  # a GET may re-seal the cookie, but the draft is the same
    assert actions.confirm().status_code == 303


def test_reload_of_confirmation_is_safe(actions, client):
    actions.agree_to_terms()
    actions.enter_info()
    first = text(client.get("/mypage/register/confirm"))
    second = text(client.get("/mypage/register/confirm"))
    assert main_content(first).split("csrf")[0] == main_content(second).split("csrf")[0]


def without_csrf(html: str) -> str:
    """CSRF tokens carry a timestamp; everything else must be identical."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', html)


@pytest.mark.parametrize("path", ["/mypage/register/", "/mypage/register/terms", "/mypage/login"])
def test_htmx_request_gets_exactly_the_main_of_the_full_page(client, path):
    full = text(client.get(path))
    partial = client.get(path, headers={"HX-Request": "true"})
    assert partial.headers["Vary"].count("HX-Request") == 1
    assert without_csrf(partial.get_data(as_text=True).strip()) == without_csrf(main_content(full))


def test_htmx_info_step_matches_its_full_page(actions, client):
    actions.agree_to_terms()
    full = text(client.get("/mypage/register/info"))
    partial = text(client.get("/mypage/register/info", headers={"HX-Request": "true"}))
    assert without_csrf(partial.strip()) == without_csrf(main_content(full))


def test_used_link_opened_while_signed_in_offers_my_page_not_login(actions, client):
    path = actions.register_until_sent()
    actions.verify(path)
    page = text(client.get(path))
    assert "本登録はお済みです" in page and ">マイページトップへ<" in page
    assert ">ログイン画面へ<" not in page


def test_confirmation_lists_every_policy_number(actions, client):
    actions.agree_to_terms()
    actions.enter_info(**{"policy_numbers-1": "SJ24000102"})
    page = text(client.get("/mypage/register/confirm"))
    assert "<li>SJ24000101</li><li>SJ24000102</li>" in page


def test_the_draft_keeps_every_field_the_info_form_gives(app):
    """PROFILE_FIELDS is identity's fields plus 年・月・日 and the address: nothing typed is dropped on 戻る."""
    from clickar.registration import wizard
    from clickar.registration.forms import InfoForm

    with app.test_request_context("/mypage/register/info", method="POST"):
        form = InfoForm(formdata=None, data={"birth_date": "1970-04-01"})
        assert list(form.profile()) == list(wizard.PROFILE_FIELDS)


def test_the_password_rule_reads_as_before_on_the_terms_and_under_the_password(actions, client):
    """Words from auth/passwords.py's MIN_PASSWORD/MAX_PASSWORD, character for character."""
    terms = text(client.get("/mypage/register/terms"))
    actions.agree_to_terms()
    info = text(client.get("/mypage/register/info"))
    assert "パスワードは半角英数字8文字以上32文字以内で、英字と数字をそれぞれ1文字以上含めて設定してください。" in terms
    assert "半角英数字8〜32文字（英字と数字をそれぞれ1文字以上）。大文字と小文字は区別されます。" in info


def test_the_help_chat_states_the_password_rule_the_forms_check():
    """AIチャット's topics (F11, F14, F22) word the rule by hand: they must say passwords.py's lengths."""
    from pathlib import Path

    from clickar.auth import passwords

    kb = Path(__file__).parents[2] / "clickar" / "help" / "kb"
    for topic in ("F11", "F14", "F22"):
        words = (kb / f"{topic}.toml").read_text(encoding="utf-8")
        assert f"{passwords.MIN_PASSWORD}〜{passwords.MAX_PASSWORD}文字" in words, topic
